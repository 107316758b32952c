"""Home: a welcome that says what this person can do, and the organisation at a glance."""

import streamlit as st

from components.auth import require_role
from components.data import database
from components.nav import pages_for
from db import overview

actor = require_role()

st.title(f"Welcome, {actor.name.split()[0] if actor.name else actor.username}")
st.caption("You are signed in as " + ", ".join(sorted(actor.roles)) + ".")

with database().read() as s:
    totals = overview.counts(s)
    by_site = overview.people_by_site(s)

cols = st.columns(len(totals))
for col, (label, value) in zip(cols, totals.items(), strict=True):
    col.metric(label.capitalize(), f"{value:,}")

st.subheader("Your pages")
for spec in pages_for(actor):
    if spec.file != "pages/home.py":
        st.page_link(spec.file, label=spec.title, icon=spec.icon)

st.subheader("People by site")
if by_site:
    st.dataframe(
        [{"Site": n, "Region": r, "People": c} for n, r, c in by_site],
        hide_index=True, width="content",
    )
else:
    st.info("No sites yet. An administrator can load the demo organisation with "
            "`python -m db seed --demo`.")
