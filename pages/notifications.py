"""Notifications: answers, comments, accepted answers, mentions and invitations, newest first."""

import streamlit as st

from components import post_widgets as w
from components.auth import require_role
from components.data import database
from db import notify, qa

actor = require_role()
db = database()
w.show_flash()
cursors = st.session_state.setdefault("n-cursors", [None])  # keyset: one before-id per page
with db.read() as s:
    unread = notify.unread_count(s, user_id=actor.id)
    rows = qa.notifications(s, actor=actor, before_id=cursors[-1], limit=20)

# The count shows in the browser tab as well, like other inboxes.
st.set_page_config(page_title=f"({unread}) Notifications" if unread else "Notifications")
top = st.container(horizontal=True, vertical_alignment="center")
top.title("Notifications", width="stretch")
top.badge(f"{unread} unread", color="red" if unread else "gray",
            icon=":material/notifications:")


def _all_read() -> None:
    w.act(lambda a: w._write(lambda s: notify.mark_read(s, user_id=a.id)),
          "All notifications marked read.")


top.button("Mark all read", key="read-all", disabled=not unread, on_click=_all_read)

if not rows and len(cursors) == 1:
    st.info("Nothing yet. You will hear here when someone answers or comments on your "
            "questions, accepts your answer, mentions you with @your-username, or invites you "
            "to answer. Follow questions and tags to hear about more.",
            icon=":material/notifications_none:")
for n in rows:
    w.notification_item(n, actor)

bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
if bar.button("Newest", disabled=len(cursors) == 1, key="n-first"):
    st.session_state["n-cursors"] = [None]
    st.rerun()
if bar.button("Older", disabled=len(rows) < 20, key="n-older"):
    cursors.append(rows[-1].id)
    st.rerun()
