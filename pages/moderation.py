"""Moderation (leaders and admins): flagged content to keep, hide or delete, with a reason."""

import streamlit as st

from components import post_widgets as w
from components.auth import require_role
from components.data import database
from db import moderation

actor = require_role("leader", "admin")
db = database()
# Each item carries its text, the reasons and a decision form: ten keep the page quick.
PAGE = 10
w.apply_resets()
cursors = st.session_state.setdefault("mod-cursors", [None])
with db.read() as s:
    limits = moderation.settings(s)
    # One page of items, with the totals of the whole queue.
    page = moderation.queue(s, actor=actor, after=cursors[-1], limit=PAGE)
total, waiting = page.total, page.waiting

st.title("Moderation")
st.caption(f"Questions, answers, comments (on questions, answers, suggestions and lessons) and "
           f"suggestions that members flagged. {limits['flag_threshold']} open flags hide an "
           "item until you decide. Every decision needs a reason, tells the author, and is kept "
           "in the audit trail.")
if not total:
    st.success("Nothing to review. Flags from members appear here.", icon=":material/task_alt:")
else:
    st.markdown(f"**{w.plural(total, 'item')}** with open flags"
                + (f", **{waiting} hidden** pending your review" if waiting else "")
                + ". Hidden items come first, then the most flagged.")
for item in page.items:
    w.queue_item(item, actor)
if total and not page.items:
    st.info("Nothing more on this page: the items here have been decided.",
            icon=":material/task_alt:")
if len(cursors) > 1 or page.next_cursor is not None:
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(cursors) == 1, key="mod-first"):
        st.session_state["mod-cursors"] = [None]
        st.rerun()
    if bar.button("Next page", disabled=page.next_cursor is None, key="mod-next"):
        cursors.append(page.next_cursor)
        st.rerun()
