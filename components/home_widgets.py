"""The home page's personal panels: level, work waiting for one's roles, courses under way and
questions one could answer (data from db.overview.for_person)."""

from __future__ import annotations

import streamlit as st

from components.gamification_widgets import level_bar
from components.markdown import plain
from components.post_widgets import ago, link, plural
from db import content, overview
from db.models import utcnow

TITLE_SHOWN = 90  # characters of a question's title in its one-line link


def _waited(since) -> str:
    days = (utcnow() - since).days
    return f"The oldest has waited {plural(days, 'day')}." if days else \
        "The oldest came in today."


def level_panel(level) -> None:
    st.markdown("**Your level**")
    st.metric("Points", plural(level.points, "point"), label_visibility="collapsed")
    level_bar(level)
    link("pages/profile.py", "Badges and points history", icon=":material/badge:")


def to_do_panel(to_do: list[overview.ToDo]) -> None:
    st.markdown("**Waiting for you**")
    if not to_do:
        st.caption("Nothing waits for you right now.")
        return
    for item in to_do:
        link(item.page, item.label, dict(item.params) or None, icon=":material/pending_actions:")
        if item.since is not None:
            st.caption(_waited(item.since))


def courses_panel(courses: list[content.CourseProgress]) -> None:
    st.markdown("**Continue learning**")
    if not courses:
        st.caption("No course under way. Pick one on the Lessons page; your progress shows "
                   "here.")
        link("pages/lessons.py", "Browse courses", icon=":material/menu_book:")
        return
    for c in courses:
        link("pages/lessons.py", plain(c.title), {"course": str(c.course_id)},
             icon=":material/menu_book:")
        st.progress(c.completed / c.total if c.total else 0.0,
                    text=f"{c.completed} of {c.total} lessons · last active "
                         f"{ago(c.last_worked_at)}")


def questions_panel(questions: list[overview.OpenQuestion], in_your_field: bool) -> None:
    if in_your_field:
        st.subheader("Questions you could answer")
        st.caption("Nobody has answered these yet. They carry tags you follow or have "
                   "answered in.")
    else:
        st.subheader("Questions waiting for a first answer")
        st.caption("Follow tags on the Questions page, or answer a question, and the ones in "
                   "your field show here first.")
    if not questions:
        st.caption("Every question has an answer. Ask one of your own on the Questions page.")
        return
    for q in questions:
        # A long title is cut so that each question stays short and its age and tags show.
        title = q.title if len(q.title) <= TITLE_SHOWN else q.title[:TITLE_SHOWN - 1] + "…"
        tags = f" · {plain(q.tags)}" if q.tags else ""
        link("pages/questions.py", f"{plain(title)} · asked {ago(q.asked_at)}{tags}",
             {"q": str(q.id)}, icon=":material/help:")
