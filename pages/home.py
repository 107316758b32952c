"""Home: what needs this person (their level, work waiting for their roles, courses under way,
questions they could answer), then the organisation at a glance."""

import streamlit as st

from components import home_widgets as hw
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

# Not cached: it is this person's own, and should show a lesson or decision the moment it is
# done (three statements, a few milliseconds on the medium set).
with database().read() as s:
    mine = overview.for_person(s, actor=actor)

level, waiting, learning = st.columns(3, gap="large")
with level:
    hw.level_panel(mine.level)
with waiting:
    hw.to_do_panel(mine.to_do)
with learning:
    hw.courses_panel(mine.courses)
hw.questions_panel(mine.questions, mine.in_your_field)

st.subheader("Your pages")
links = [spec for spec in pages_for(actor) if spec.file != "pages/home.py"]
for i, col in enumerate(st.columns(3)):
    with col:
        for spec in links[i::3]:
            st.page_link(spec.file, label=spec.title, icon=spec.icon)

st.subheader("The organisation at a glance")
totals, by_site = _at_a_glance(database().url)
cols = st.columns(len(totals))
for col, (label, value) in zip(cols, totals.items(), strict=True):
    col.metric(label.capitalize(), f"{value:,}")
if by_site:
    st.markdown("**People by site**")
    st.dataframe(
        [{"Site": n, "Region": r, "People": c} for n, r, c in by_site],
        hide_index=True, width="content",
    )
else:
    st.info("No sites yet. An administrator can load the demo organisation with "
            "`python -m db seed --demo`.")
