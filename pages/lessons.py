"""Lessons: browse courses and lessons, read and discuss them, propose changes; trainers edit,
decide on proposals, and review and sign versions. Deep links: ?course=ID and ?lesson=ID."""

from functools import partial

import streamlit as st

from components import lesson_widgets as w
from components import post_widgets
from components.auth import require_role
from components.data import database
from db import content
from db.errors import NotFound

actor = require_role()
db = database()
post_widgets.apply_resets()  # the flag dialog on comments clears its fields this way
post_widgets.show_flash()
notice = st.session_state.pop(w.NOTICE, None)
if notice:
    st.error(notice, icon=":material/block:")


def _param(name: str) -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def _not_found(message: str) -> None:
    st.title("Lessons")
    st.warning(f"{message} Pick a lesson from the list instead.", icon=":material/link_off:")
    if st.button("Show all lessons", key="not-found-back", icon=":material/arrow_back:"):
        w.open_course(None)
    st.stop()


lesson_id, course_id = _param("lesson"), _param("course")
if lesson_id is None and course_id is None and ("lesson" in st.query_params
                                                or "course" in st.query_params):
    _not_found("That link does not point to a lesson or course.")

if course_id is not None and lesson_id is None:
    try:
        w.course_page(actor, course_id)
    except NotFound as e:
        _not_found(str(e))
    st.stop()

if lesson_id is None:
    st.title("Lessons")
    st.caption("Courses written by our trainers and improved by everyone: read, mark lessons "
               "complete, and propose edits or real-life examples.")
    labels = ["Lessons", "Courses", "My progress"] + (["New course"]
                                                      if actor.has("trainer") else [])
    show = {"Lessons": w.lessons_list, "Courses": w.courses_list, "My progress": w.my_progress,
            "New course": w.new_course_form}
    for label, tab in zip(labels, st.tabs(labels, key="browse", on_change="rerun"),
                          strict=True):
        if tab.open:
            with tab:
                show[label](actor)
    st.stop()

# --- one lesson ------------------------------------------------------------------------------
try:
    with db.read() as s:
        view = content.lesson_view(s, actor=actor, lesson_id=lesson_id)
        sigs = content.signatures(s, actor=actor, lesson_id=lesson_id)
except NotFound as e:
    _not_found(str(e))

seen = st.session_state.setdefault("lessons-seen", set())
if view.id not in seen:  # one view per lesson per browser session, for engagement analytics
    with db.write() as s:
        content.record_view(s, actor=actor, lesson_id=view.id)
    seen.add(view.id)

if st.button(view.course_title, key="back-course", icon=":material/arrow_back:",
             type="tertiary"):
    w.open_course(view.course_id)
shown = view.published or view.working
st.title(w.plain(shown.title))
approval = next((g for g in sigs if view.published and g.revision_id == view.published.id
                 and g.meaning == "approved"), None)
if approval is not None and approval.matches:
    st.badge(f"Approved by {w.plain(approval.printed_name)} on {w.when(approval.signed_at)} · "
             "signature matches this text", icon=":material/verified:", color="green")
elif approval is not None:
    st.badge("Signature does not match this text", icon=":material/gpp_bad:", color="red")
    st.warning("This text was changed after it was signed, so its approval no longer holds. "
               "A trainer has to review it again.", icon=":material/gpp_bad:")
facts = [f"Version {shown.number}"]
if view.co_authors:
    facts.append("co-authors: " + ", ".join(view.co_authors))
if view.is_mandatory:
    facts.append("mandatory training")
st.caption(w.plain(" · ".join(facts)))
if view.working is not None and view.published is not None:
    st.info(f"Version {view.working.number} is {w.STATE_PHRASE[view.working.state]}; "
            f"learners read version {view.published.number} until it is approved.",
            icon=":material/edit_note:")
if view.pending_proposals:
    st.caption(f"{view.pending_proposals} proposal(s) waiting: see the Proposals tab.")

labels = ["Lesson"]
if view.can_propose and not view.can_edit and view.published is not None:
    labels.append("Suggest a change")
if view.can_edit:
    labels += ["Edit", "Proposals", "Review"]
labels.append("History")
render = {"Lesson": w.read_tab, "Suggest a change": w.suggest_tab, "Edit": w.edit_tab,
          "Proposals": w.proposals_tab, "Review": w.review_tab,
          "History": partial(w.history_tab, sigs=sigs)}
for label, tab in zip(labels, st.tabs(labels, key="tab", bind="query-params"), strict=True):
    if tab.open:
        with tab:
            render[label](actor, view)
