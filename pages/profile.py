"""Profile: a person's level, points history, badges and contributions. Deep link: ?user=NAME."""

import streamlit as st

from components import gamification_widgets as gw
from components.auth import require_role
from components.data import database
from components.tabs import tab_pages
from db import gamification as gm
from db.errors import NotFound

actor = require_role()

st.title("Profile")
username = st.query_params.get("user") or actor.username
try:
    with database().read() as s:
        p = gm.profile(s, actor=actor, username=username)
except NotFound as e:
    st.warning(f"{e} Open a profile from the leaderboard instead.", icon=":material/link_off:")
    if st.button("Show my own profile", key="pf-own"):
        st.query_params.clear()
        st.rerun()
    st.stop()

if p.user_id == actor.id and p.pending:
    # A tier reached without a check running (data loaded in bulk, like the demo, or earned
    # before badges were checked where they are earned): award it now, when its owner looks.
    with database().write() as s:
        awarded = gm.check_badges(s, user_id=actor.id)
    if awarded:
        st.rerun()

st.subheader(gw.plain(p.name) + (" (you)" if p.user_id == actor.id else ""))
st.caption(" · ".join(gw.plain(x) for x in (p.job_title, p.site, p.function,
                                            f"member since {p.joined:%B %Y}") if x))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Level", f"{p.level.number} · {p.level.name}")
c2.metric("Points", f"{p.total:,}")
c3.metric("This month", f"{p.this_month:,}")
c4.metric("Badges", f"{len(p.earned)} of {len(p.badges)}")
gw.level_bar(p.level)

tab_pages("profile", {
    "Badges": lambda: gw.badge_grid(p.badges),
    "Points history": lambda: gw.points_history(actor, p.user_id),
    "Contributions": lambda: gw.contributions(actor, p),
})
