"""Fair play (admins): suspected vote rings, pairs or small groups who mostly upvote each other,
and voiding the points they gave each other (audited, the members are told)."""

import streamlit as st

from components import gamification_widgets as gw
from components.auth import require_role

actor = require_role("admin")

st.title("Fair play")
st.caption("Upvotes inside a voided ring earn nothing from then on. Without an admin, points "
           "already stop for pairs who mostly vote for each other and after 5 upvotes from "
           "the same person in 30 days.")
days, min_votes, share = gw.ring_settings()
gw.rings_view(actor, days, min_votes, share)
st.subheader("Voided so far")
gw.voided_log(actor)
