"""Prioritise ideas (leaders): score open suggestions by votes, expected benefit and effort with
adjustable weights, set benefit and effort, export to CSV, and see what waits longest."""

import streamlit as st

from components import suggestion_widgets as w
from components.auth import require_role
from components.tabs import tab_pages
from db import suggestions as sg
from db.models import SUGGESTION_CATEGORIES

actor = require_role("leader", "admin")

st.title("Prioritise ideas")


def _rank() -> None:
    st.caption("Score = votes (relative to the most voted), expected benefit and low effort, "
               "each from 0 to 1, weighted by the sliders, scaled to 100. Unscored benefit or "
               "effort counts as 3. Edit Benefit and Effort in the table, then save.")
    weights = w.weights_picker()
    c1, c2 = st.columns([2, 1])
    statuses = tuple(c1.multiselect("Statuses", list(sg.STATUS_LABEL),
                                    default=list(sg.PRIORITY_STATUSES),
                                    format_func=sg.STATUS_LABEL.get, key="pr-statuses",
                                    on_change=w._pr_first))
    category = c2.selectbox("Category", SUGGESTION_CATEGORIES, index=None,
                            placeholder="All categories", key="pr-category",
                            on_change=w._pr_first)
    if sum((weights.votes, weights.benefit, weights.effort)) == 0:
        st.warning("Give at least one weight a value above 0.")
    elif not statuses:
        st.info("Pick at least one status.")
    else:
        w.priority_table(actor, weights, statuses, category)
        w.export_button(actor, weights, statuses, category)


# The open tab is in the address (?prioritise-tab=...): Home links straight to the waiting list.
tab_pages("prioritise", {"Score and rank": _rank,
                         sg.WAITING_VIEW: lambda: w.waiting_list(actor)})
