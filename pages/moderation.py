"""Moderation (leaders and admins): flagged content to keep, hide or delete, with a reason."""

import streamlit as st

from components import post_widgets as w
from components.auth import require_role
from components.data import database
from db import moderation

actor = require_role("leader", "admin")
db = database()
w.apply_resets()
with db.read() as s:
    limits = moderation.settings(s)
    items = moderation.queue(s, actor=actor)

st.title("Moderation")
st.caption(f"Questions, answers, comments and suggestions that members flagged. "
           f"{limits['flag_threshold']} open flags hide an item until you decide. Every "
           "decision needs a reason, tells the author, and is kept in the audit trail.")
if not items:
    st.success("Nothing to review. Flags from members appear here.", icon=":material/task_alt:")
else:
    waiting = sum(1 for i in items if i.status == "hidden_pending_review")
    st.markdown(f"**{w.plural(len(items), 'item')}** with open flags"
                + (f", **{waiting} hidden** pending your review" if waiting else "")
                + ". Hidden items come first, then the most flagged.")
for item in items:
    w.queue_item(item, actor)
