"""Home: a welcome that says what this person can do, and the organisation at a glance."""

import streamlit as st

from components.auth import require_role
from components.data import database
from components.nav import pages_for
from db import overview

actor = require_role()


@st.cache_data(ttl=60, max_entries=4, show_spinner=False)
def _at_a_glance(url: str) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    """The same for everyone, and it moves slowly: counted at most once a minute per server
    (counting every person, question and submission took 100-150 ms a run on the large set)."""
    with database().read() as s:
        return overview.counts(s), overview.people_by_site(s)


st.title(f"Welcome, {actor.name.split()[0] if actor.name else actor.username}")
st.caption("You are signed in as " + ", ".join(sorted(actor.roles)) + ".")

totals, by_site = _at_a_glance(database().url)

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
