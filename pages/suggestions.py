"""Suggestion box: browse and vote, submit an idea or a problem, and open one suggestion with
its timeline, comments and (for leaders) the decision panel. Deep link: ?s=ID."""

import streamlit as st

from components import suggestion_widgets as w
from components.auth import require_role
from db.errors import NotFound

actor = require_role()

if "s" in st.query_params:
    sid = w.param("s")
    try:
        if sid is None:
            raise NotFound("That link does not point to a suggestion.")
        w.detail_page(actor, sid)
    except NotFound as e:
        st.title("Suggestion box")
        st.warning(f"{e} Pick one from the list instead.", icon=":material/link_off:")
        if st.button("Show all suggestions", key="sg-not-found"):
            w.open_suggestion(None)
    st.stop()

st.title("Suggestion box")
st.caption("Ideas and problems from every site and function. Vote for the ones that matter to "
           "you; leaders review them, say why, and show progress on a timeline.")
site_names, home = w.sites_and_home(actor)
browse, submit = st.tabs(["Browse and vote", "Submit a suggestion"])
with browse:
    w.browse(actor, site_names)
with submit:
    w.submit_form(actor, site_names, home)
