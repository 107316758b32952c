"""Users and roles (admins): find people, add them, change roles, deactivate, reset passwords."""

import streamlit as st

from components import forms
from components.auth import require_role
from components.data import database
from db import users
from db.models import FUNCTIONS, ROLES

actor = require_role("admin")
db = database()
st.title("Users and roles")

with db.read() as s:
    site_names = users.sites(s)

# The add-person form's fields and what an empty form shows.
NEW_PERSON_FIELDS = {"new-name": "", "new-username": "", "new-email": "", "new-password": "",
                     "new-site": None, "new-function": None, "new-roles": ["learner"]}


def _first_page() -> None:
    st.session_state["u-pages"] = [None]


people, add = st.tabs(["People", "Add a person"])

# A person was just added: an empty form for the next one, and the confirmation above it.
# (clear_on_submit would also empty the form when the input was refused.)
added = st.session_state.pop("add-person-added", None)
for key, empty in NEW_PERSON_FIELDS.items():
    # Set, not deleted (a deleted key would take the browser's last values back); the widgets
    # below take their first values from here too, so none passes its own default.
    if added or key not in st.session_state:
        st.session_state[key] = empty
if added:
    add.success(added, icon=":material/check_circle:")

with add, st.form("add-person", clear_on_submit=False):
    c1, c2 = st.columns(2)
    name = c1.text_input("Full name", key="new-name")
    forms.field_error("add-person", "name")
    username = c2.text_input("Username", key="new-username", help="Lowercase, e.g. anna.meyer")
    forms.field_error("add-person", "username")
    email = c1.text_input("E-mail (optional)", key="new-email")
    forms.field_error("add-person", "email")
    password = c2.text_input("First password", type="password", key="new-password",
                             help=f"At least {users.MIN_PASSWORD} characters; tell them to "
                                  "change it after signing in.")
    forms.field_error("add-person", "password")
    site = c1.selectbox("Site", site_names, key="new-site")
    function = c2.selectbox("Function", FUNCTIONS, key="new-function")
    roles = st.multiselect("Roles", ROLES, key="new-roles")
    forms.field_error("add-person", "roles")
    if st.form_submit_button("Add person", type="primary"):
        def create() -> int:
            with db.write() as s:
                return users.create_user(s, actor=actor, username=username, password=password,
                                         name=name, roles=roles, email=email, site=site,
                                         function=function)

        if forms.submit("add-person", create):
            st.session_state["add-person-added"] = (
                f"{name.strip()} can now sign in as {username.strip().lower()}.")
            st.query_params["user"] = username.strip().lower()
            st.rerun()

with people:
    f1, f2, f3, f4 = st.columns([3, 2, 2, 2])
    search = f1.text_input("Search name or username", key="u-search", on_change=_first_page)
    role = f2.selectbox("Role", ROLES, index=None, key="u-role", placeholder="Any role",
                        on_change=_first_page)
    site_f = f3.selectbox("Site", site_names, index=None, key="u-site", placeholder="All sites",
                          on_change=_first_page)
    status = f4.selectbox("Status", ["active", "deactivated"], index=None, key="u-status",
                          placeholder="Any status", on_change=_first_page)
    pages = st.session_state.setdefault("u-pages", [None])  # keyset cursors, one per page
    with db.read() as s:
        rows = users.list_users(s, actor=actor, search=search, role=role, site=site_f,
                                active=None if status is None else status == "active",
                                after=pages[-1], limit=25)
    if not rows:
        st.info("Nobody matches these filters. Clear a filter, or add a person in the next tab.")
    else:
        table = st.dataframe(
            [{"Name": r.name, "Username": r.username, "Roles": ", ".join(r.roles),
              "Site": r.site, "Function": r.function,
              "Status": "active" if r.is_active else "deactivated"} for r in rows],
            hide_index=True, on_select="rerun", selection_mode="single-row", key="u-table",
        )
        picked = table.selection.rows
        if picked:
            st.query_params["user"] = rows[picked[0]].username
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(pages) == 1, key="u-first"):
        st.session_state["u-pages"] = [None]
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < 25, key="u-next"):
        pages.append((rows[-1].name, rows[-1].username))
        st.rerun()

selected = st.query_params.get("user")
if selected:
    try:
        with db.read() as s:
            person = users.get_user(s, actor=actor, username=selected)
    except users.NotFound:
        person = None
        st.warning(f"There is no person with the username {selected!r}.")
    if person:
        st.divider()
        st.subheader(f"{person.name} ({person.username})")
        st.caption(f"{person.job_title or ''} {person.site or ''} {person.function or ''}")
        with st.form("edit-roles"):
            new_roles = st.multiselect("Roles", ROLES, default=list(person.roles),
                                       key=f"roles-{person.id}")
            forms.field_error("edit-roles", "roles")
            if st.form_submit_button("Save roles"):
                def save_roles() -> bool:
                    with db.write() as s:
                        users.set_roles(s, actor=actor, user_id=person.id, roles=new_roles)
                    return True

                if forms.submit("edit-roles", save_roles, success="Roles saved."):
                    st.rerun()
        with st.form("activation"):
            reason = st.text_input("Reason (kept in the audit trail)", key=f"why-{person.id}")
            forms.field_error("activation", "reason")
            label = "Deactivate" if person.is_active else "Reactivate"
            if st.form_submit_button(label):
                def toggle() -> bool:
                    with db.write() as s:
                        users.set_active(s, actor=actor, user_id=person.id,
                                         active=not person.is_active, reason=reason)
                    return True

                if forms.submit("activation", toggle, success=f"{person.name}: {label.lower()}d."):
                    st.rerun()
        with st.form("reset-password", clear_on_submit=True):
            new_pw = st.text_input("New password", type="password", key=f"reset-{person.id}")
            forms.field_error("reset-password", "password")
            if st.form_submit_button("Reset password"):
                def reset() -> bool:
                    with db.write() as s:
                        users.reset_password(s, actor=actor, user_id=person.id,
                                             new_password=new_pw)
                    return True

                forms.submit("reset-password", reset,
                             success="Password reset; their sessions have ended.")
