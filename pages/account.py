"""My account: who I am, my roles, change my password, end my other sessions."""

import streamlit as st

from components import forms
from components.auth import SID, require_role, sign_out
from components.data import database
from db import signin, users
from db.errors import ValidationError

actor = require_role()

st.title("My account")
with database().read() as s:
    me = signin.profile(s, user_id=actor.id)
    live = signin.active_session_count(s, user_id=actor.id)

c1, c2 = st.columns(2)
c1.markdown(f"**Name**  \n{me['name']}")
c1.markdown(f"**Username**  \n{me['username']}")
c1.markdown(f"**Roles**  \n{', '.join(sorted(actor.roles))}")
c2.markdown(f"**Site**  \n{me['site'] or '-'}")
c2.markdown(f"**Function**  \n{me['function'] or '-'}")
c2.markdown(f"**Job title**  \n{me['job_title'] or '-'}")

st.subheader("Change my password")
with st.form("change-password", clear_on_submit=False):
    current = st.text_input("Current password", type="password", key="pw-current")
    forms.field_error("change-password", "current")
    new = st.text_input("New password", type="password", key="pw-new",
                        help=f"At least {users.MIN_PASSWORD} characters, not your username.")
    forms.field_error("change-password", "password")
    repeat = st.text_input("Repeat the new password", type="password", key="pw-repeat")
    forms.field_error("change-password", "repeat")
    if st.form_submit_button("Change password"):
        def change() -> bool:
            if new != repeat:
                raise ValidationError("repeat", "The two new passwords differ.")
            with database().write() as s:
                users.change_password(s, actor=actor, current=current, new_password=new)
            return True

        if forms.submit("change-password", change):
            # Every session ended with the change, this one included: sign in afresh.
            sign_out()
            st.session_state["auth_notice"] = "Password changed. Sign in with the new one."
            st.rerun()

st.subheader("Where I am signed in")
if st.button("Sign out", key="account-sign-out", icon=":material/logout:"):
    sign_out()
    st.rerun()
st.caption(f"{live} active session(s), this one included.")
if live > 1 and st.button("Sign out everywhere else", key="end-others"):
    with database().write() as s:
        signin.end_others(s, user_id=actor.id, keep=st.session_state[SID])
    st.toast("Your other sessions have ended.")
    st.rerun()
