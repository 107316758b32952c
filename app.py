"""Entry point and router: page config, sign-in, then the pages this person's roles allow."""

import logging
from functools import partial

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import auth, nav
from components.config import ConfigError, cookie_settings
from components.data import DatabaseUnavailable, database
from components.gamification_widgets import show_new_badges
from components.post_widgets import plural

DB_FAILED = ("The database did not answer, so nothing on this page was loaded or saved. "
             "Reload the page in a moment; if it keeps happening, tell an administrator.")

st.set_page_config(page_title="Learning & Collaboration", page_icon="assets/icon.png",
                   layout="wide")


def _problem(message: str) -> None:
    st.error(message, icon=":material/error:")


def _sign_in_page() -> None:
    st.title("Learning & Collaboration")
    st.caption("Training content, community Q&A, the suggestion box and analytics in one place.")
    if auth.sign_in_form() is not None:
        # No st.rerun() here: it would cut off the script before the cookie component reaches
        # the browser. The component reruns the app once the cookie is set.
        st.success("Signed in. Opening your workspace ...")
        # Not a second cookie component here: its rerun, arriving after the first one's, wiped
        # the badge toast of the page that had just opened (seen in CI).
        st.session_state["_opening"] = False
        _open_workspace()


@st.fragment(run_every=3)
def _open_workspace() -> None:
    # A safety net: if no cookie component reports back (a frame lost to a rerun), open the
    # workspace anyway; its runs keep offering the cookie until the browser confirms it.
    if st.session_state.get("_opening"):
        st.rerun()
    st.session_state["_opening"] = True


def _only(render) -> None:
    # Always call st.navigation, even on errors: until it has run, Streamlit lists and serves
    # every file in pages/ by itself. Every page's address shows `render`, so a shared link
    # (?q=12 included) opens the page it points to once things are right again.
    st.navigation(nav.every_address(render), position="hidden").run()


try:
    cookie_settings()
    database()  # says clearly when the database is unreachable or not migrated
    signed_in = auth.signed_in()
except (ConfigError, DatabaseUnavailable) as e:
    _only(partial(_problem, str(e)))
    st.stop()
except DBAPIError:
    logging.getLogger("app").exception("database error while signing in")
    _only(partial(_problem, DB_FAILED))
    st.stop()

if signed_in is None:
    _only(_sign_in_page)
    st.stop()

actor = signed_in.actor
page = nav.navigation(actor)
with st.sidebar:
    st.html(nav.STYLE)
    st.markdown(f"**{actor.name}**  \n{', '.join(sorted(actor.roles))}")
    unread = signed_in.unread_notifications
    if unread:
        st.page_link("pages/notifications.py", label=plural(unread, "unread notification"),
                     icon=":material/notifications_active:")
    if st.button("Sign out", key="sign-out", icon=":material/logout:"):
        auth.sign_out()
        st.rerun()
    # Last in the sidebar: the cookie component comes and goes, and anywhere above the page
    # it would shift the page's elements, briefly showing the page twice while it reruns.
    auth.keep_cookie()
try:
    # Not while the sign-in cookie is on its way: the rerun its component causes would wipe
    # the toast a moment after it appeared (and the badge would count as seen).
    if signed_in.unseen_badges and not auth.cookie_pending():
        show_new_badges(actor)
    with nav.routing(actor):
        page.run()
except DatabaseUnavailable as e:
    _problem(str(e))
except DBAPIError:
    logging.getLogger("app").exception("database error while running a page")
    _problem(DB_FAILED)
