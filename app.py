"""Entry point and router: page config, sign-in, then the pages this person's roles allow."""

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import auth, nav
from components.config import ConfigError, cookie_settings
from components.data import DatabaseUnavailable

st.set_page_config(page_title="Learning & Collaboration", page_icon=":material/school:",
                   layout="wide")


def _stop_with(message: str) -> None:
    st.error(message, icon=":material/error:")
    st.stop()


def _sign_in_page() -> None:
    st.title("Learning & Collaboration")
    st.caption("Training content, community Q&A, the suggestion box and analytics in one place.")
    if auth.sign_in_form() is not None:
        st.rerun()  # rebuild the navigation for this person's roles


try:
    cookie_settings()
    actor = auth.current_actor()
    if actor is None:
        st.navigation([st.Page(_sign_in_page, title="Sign in", url_path="sign-in")],
                      position="hidden").run()
        st.stop()
    page = nav.navigation(actor)
    with st.sidebar:
        st.markdown(f"**{actor.name}**  \n{', '.join(sorted(actor.roles))}")
        if st.button("Sign out", key="sign-out", icon=":material/logout:"):
            auth.sign_out()
            st.rerun()
    page.run()
except ConfigError as e:
    _stop_with(str(e))
except DatabaseUnavailable as e:
    _stop_with(str(e))
except DBAPIError:
    _stop_with("The database did not answer, so nothing on this page was loaded or saved. "
               "Reload the page in a moment; if it keeps happening, tell an administrator.")
