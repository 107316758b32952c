"""Engagement (leaders): is the community alive? Activity, posts, answers, co-creation, ideas."""

import streamlit as st

from components import analytics_widgets as aw
from components import charts
from components.auth import require_role
from components.tabs import tab_pages
from db import analytics

actor = require_role("leader", "admin")
st.title("Engagement")
f = aw.page_filters("engagement")

summary = aw.load(analytics.activity_summary, actor, f)
active = aw.load(analytics.active_people, actor, f)
answers = aw.load(analytics.answer_times, actor, f)
whole = answers[answers["month"].isna()]  # the row for the whole period
o = whole.iloc[0] if len(whole) else {"questions": 0, "answered": 0, "accepted": 0,
                                       "unanswered": 0, "median_hours": None}
daily = active[active["grain"] == "day"]["people"]
aw.kpis([
    ("People active", f"{summary['active']:,}", "Distinct people who did anything in the period"),
    ("Daily average", f"{daily.mean():.0f}" if len(daily) else "-",
     "Daily active people, averaged over the days of the period"),
    ("Contributors", aw.pct(summary["contributors"], summary["active"]),
     "Share of active people who posted: a question, answer, comment, proposal or suggestion"),
    ("First answer", aw.hours(o["median_hours"]), "Median time to a first answer: half of the "
     "questions asked in the period were answered faster"),
    ("Unanswered", aw.pct(o["unanswered"], o["questions"]),
     "Questions asked in the period with no answer yet"),
    ("Accepted", aw.pct(o["accepted"], o["answered"]),
     "Acceptance rate: answered questions whose asker accepted an answer"),
])


def activity() -> None:
    aw.show_chart(charts.active_people_chart, active, name="active-people",
                  caption="Weekly and monthly lines leave out weeks and months that lie only "
                          "partly inside the period (the CSV marks them as partial).")
    aw.show_chart(charts.contributor_mix_chart,
                  aw.load(analytics.contributor_mix, actor, f), name="contributors-and-readers")
    aw.show_chart(charts.posts_chart, aw.load(analytics.posts_by_kind, actor, f),
                  name="posts-per-week")
    aw.show_chart(charts.participation_heatmap, aw.load(analytics.participation, actor, f),
                  name="participation-by-site-and-function",
                  empty="No site and function has five or more people for these filters.")


def questions() -> None:
    monthly = answers.dropna(subset=["month"])
    aw.show_chart(charts.answer_time_chart, monthly, name="time-to-first-answer",
                  caption="Hours from a question being asked to its first answer, for questions "
                          "asked that month. Unanswered questions are not in these lines; see "
                          "the next chart.")
    aw.show_chart(charts.question_outcomes_chart, monthly, name="question-outcomes")


def learning() -> None:
    proposals, coauthors = aw.load(analytics.co_creation, actor, f)
    decided = proposals[proposals["status"] != "pending"]["proposals"].sum()
    accepted = proposals[proposals["status"] == "accepted"]["proposals"].sum()
    lessons = coauthors["lessons"].sum()
    aw.kpis([
        ("Proposals", f"{proposals['proposals'].sum():,}", "Edits and examples proposed"),
        ("Accepted", aw.pct(accepted, decided), "Share of decided proposals that were accepted"),
        ("Co-authors per lesson",
         f"{(coauthors['coauthors'] * coauthors['lessons']).sum() / lessons:.1f}"
         if lessons else "-", "Average number of people who wrote each lesson changed"),
    ])
    c1, c2 = st.columns(2)
    with c1:
        aw.show_chart(charts.proposals_chart, proposals, name="lesson-proposals")
    with c2:
        aw.show_chart(charts.coauthors_chart, coauthors, name="co-authors-per-lesson")
    aw.show_chart(charts.completion_heatmap, aw.load(analytics.course_completion, actor, f),
                  name="course-completion",
                  empty="No course has five or more learners at a site for these filters.")


def ideas() -> None:
    c1, c2 = st.columns(2)
    with c1:
        aw.show_chart(charts.funnel_chart, aw.load(analytics.suggestion_funnel, actor, f),
                      name="suggestion-funnel")
    with c2:
        aw.show_chart(charts.status_time_chart, aw.load(analytics.time_in_status, actor, f),
                      name="time-in-status",
                      caption="Only suggestions that have moved on count in the times; "
                              "those still waiting are counted in the tooltip.")


def people() -> None:
    top = aw.load(analytics.top_contributors, actor, f)
    aw.show_chart(charts.top_contributors_chart, top, name="top-contributors")
    if not top.empty:
        st.dataframe(top, hide_index=True, width="stretch")


tab_pages("engagement", {"Activity": activity, "Questions and answers": questions,
                            "Learning": learning, "Suggestions": ideas,
                            "Top contributors": people})
