"""Leaderboard: points this week, this month and all time, by person, site and function."""

import streamlit as st

from components import gamification_widgets as gw
from components.auth import require_role
from components.tabs import tab_pages

actor = require_role()

st.title("Leaderboard")
st.caption("Points come from asking, answering, accepted answers, upvotes received, accepted "
           "lesson proposals and suggestions. Mandatory training and votes within small "
           "groups who mostly vote for each other earn nothing; daily caps stop farming.")
period, site, function = gw.board_filters()
version = gw.data_version()  # read once: the three boards are cached on it
tab_pages("leaderboard", {
    "People": lambda: gw.people_board(actor, period, site, function, version),
    "Sites": lambda: gw.team_board(actor, period, "site", version),
    "Functions": lambda: gw.team_board(actor, period, "function", version),
})
