"""Audit trail (admins): every recorded change, filtered, paged, verified and exported as CSV."""

from datetime import datetime, time, timedelta

import streamlit as st

from components.auth import require_role
from components.csv_export import to_csv
from components.data import database
from db import audit

actor = require_role("admin")
db = database()
st.title("Audit trail")
st.caption("Every change anyone made, who made it and when (UTC). Records cannot be altered; "
           "each one is chained to the one before by a hash.")


def _first_page() -> None:
    st.session_state["a-pages"] = [None]


with db.read() as s:
    known_actions = audit.actions(s, actor=actor)
c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
who = c1.text_input("Username", key="a-actor", on_change=_first_page).strip().lower()
action = c2.selectbox("Action", known_actions, index=None, key="a-action", placeholder="Any action",
                      on_change=_first_page)
entity = c3.text_input("Entity (e.g. user:12)", key="a-entity", on_change=_first_page).strip()
days = c4.date_input("Dates", value=(), key="a-dates", on_change=_first_page)
entity_type, _, entity_id = entity.partition(":")
since = until = None
if len(days) == 2:
    since = datetime.combine(days[0], time.min)
    until = datetime.combine(days[1], time.min) + timedelta(days=1)
filters = audit.TrailFilter(actor=who or None, action=action, entity_type=entity_type or None,
                            entity_id=entity_id or None, since=since, until=until)

pages = st.session_state.setdefault("a-pages", [None])
with db.read() as s:
    total = audit.count(s, actor=actor, filters=filters)
    rows = audit.trail(s, actor=actor, filters=filters, before_id=pages[-1], limit=50)
st.caption(f"{total:,} matching records; page {len(pages)}.")
if rows:
    st.dataframe(rows, hide_index=True, column_config={"hash": None})
else:
    st.info("No records match these filters.")
bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
if bar.button("Newest", disabled=len(pages) == 1, key="a-first"):
    _first_page()
    st.rerun()
if bar.button("Older", disabled=len(rows) < 50, key="a-next"):
    pages.append(rows[-1]["id"])
    st.rerun()

if bar.button("Prepare CSV export", key="a-export", icon=":material/download:"):
    progress = st.progress(0.0, text="Writing CSV ...")
    with db.read() as s:
        data = to_csv(audit.export_rows(s, actor=actor, filters=filters),
                      on_progress=lambda n: progress.progress(
                          min(n / max(total, 1), 1.0), text=f"{n:,} of {total:,} records"))
    progress.empty()
    st.session_state["a-csv"] = (filters, data)
# An export is offered only for the filters it was written with: after a change it would
# hand over other records than the ones on screen.
prepared = st.session_state.get("a-csv")
if prepared and prepared[0] == filters:
    bar.download_button("Download CSV", prepared[1], file_name="audit-trail.csv",
                        mime="text/csv", key="a-download")

if bar.button("Verify the hash chain", key="a-verify", icon=":material/verified:"):
    with st.spinner("Checking every record ..."), db.read() as s:
        result = audit.verify(s)
    if result.ok:
        st.success(f"Intact: all {result.checked:,} records verified.")
    else:
        st.error(f"Broken at record {result.broken_id}: {result.problem}.")
