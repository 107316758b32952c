"""Find an expert: people ranked per topic by accepted answers and votes; invite one to answer."""

import streamlit as st

from components import post_widgets as w
from components.analytics_widgets import data_version
from components.auth import require_role
from components.data import database
from db import experts, qa
from db.actors import Actor
from db.errors import ServiceError
from db.models import FUNCTIONS

actor = require_role()
SHOWN = 25


@st.cache_data(ttl=600, max_entries=200, show_spinner=False)
def ranking(tag: str | None, site: str | None, function: str | None, version: str,
            _actor: Actor) -> list[experts.Expert]:
    """The ranking is the same for everyone (one more row, to leave out whoever looks), and
    aggregates every answer: computed once per filter and data version, not on every rerun."""
    with database().read() as s:
        return experts.find(s, actor=_actor, tag=tag, site=site, function=function,
                            limit=SHOWN + 1)


db = database()
st.title("Find an expert")
st.caption("Who knows a topic, judged by their answers here: accepted answers first, then the "
           "votes those answers received. Filter by site and function, then invite someone to "
           "answer a question.")

with db.read() as s:
    sites = experts.sites(s)
topics = [t for t, _ in w.tag_counts(db.url)]
c1, c2, c3 = st.columns(3)
tag = c1.selectbox("Topic (tag)", topics, index=None, placeholder="All topics", key="tag",
                   bind="query-params")
site = c2.selectbox("Site", sites, index=None, placeholder="All sites", key="site",
                    bind="query-params")
function = c3.selectbox("Function", FUNCTIONS, index=None, placeholder="All functions",
                        key="function", bind="query-params")

question_param = w.query_int("q")
with db.read() as s:
    questions = dict(qa.my_questions(s, actor=actor))
    if question_param is not None and question_param not in questions:
        title = qa.title_of(s, actor=actor, question_id=question_param)
        if title:
            questions = {question_param: title, **questions}
people = [e for e in ranking(tag, site, function, data_version(), actor)
          if e.user_id != actor.id][:SHOWN]

if not people:
    st.info("Nobody matches yet: no answers on this topic from this site or function. Widen "
            "the filters, or ask the question: answers build up the map of who knows what.",
            icon=":material/person_search:")
    st.stop()

table = st.dataframe(
    [{"Name": e.name, "Role": e.job_title or "", "Site": e.site or "",
      "Function": e.function or "", "Accepted answers": e.accepted, "Votes received": e.votes,
      "Answers": e.answers} for e in people],
    hide_index=True, on_select="rerun", selection_mode="single-row", key="experts-table",
    width="stretch",
)
picked = people[table.selection.rows[0]] if table.selection.rows else None

st.subheader("Invite to answer", anchor=False)
if not questions:
    st.info("You have no open questions to invite someone to. Ask one first, or open a "
            "question and use “Invite an expert” there.", icon=":material/forum:")
    w.link("pages/questions.py", "Ask a question", {"ask": "1"}, icon=":material/add:")
    st.stop()
q1, q2 = st.columns([4, 1], vertical_alignment="bottom")
question = q1.selectbox("Question", list(questions), format_func=lambda i: questions[i],
                        key="invite-question",
                        index=list(questions).index(question_param)
                        if question_param in questions else 0)
who = f"Invite {picked.name.split()[0]}" if picked else "Invite"
if q2.button(who, type="primary", disabled=picked is None, key="invite-send",
             help=None if picked else "Select a person in the table first."):
    try:
        with db.write() as s:
            qa.invite(s, actor=actor, question_id=question, user_id=picked.user_id)
    except ServiceError as e:
        st.error(str(e), icon=":material/block:")
    else:
        st.success(f"{w.plain(picked.name)} is invited and will get a notification.",
                   icon=":material/mark_email_read:")
if picked is None:
    st.caption("Select a person in the table to invite them.")
