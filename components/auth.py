"""Sign-in with streamlit-authenticator's form, backed by server-side sessions and throttling.

The library renders the form and checks the password; everything that makes sign-in safe is here:
a server-side session per sign-in (so sign-out, password changes and deactivation take effect on
the next rerun), cookies honoured only while their session lives, and throttling per username and
address. Pages call `require_role(...)` on their first line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st
import streamlit_authenticator as stauth

from components import nav
from components.config import cookie_settings
from components.data import database
from db import signin, users
from db.actors import Actor

SID = "auth_sid"
_STATE_KEYS = ("authentication_status", "username", "name", "roles", "email")


def _ip() -> str:
    ip = getattr(st.context, "ip_address", None)
    # Outside a real server (AppTest) the context holds mocks, not strings.
    return ip if isinstance(ip, str) and ip else "unknown"


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except AttributeError:
        return None
    return value if isinstance(value, str) else None


def signed_in() -> signin.SignedIn | None:
    """This browser session's person, checked against the server, with their sidebar news.

    app.py calls it once per run; the page it then routes to reuses the answer (current_actor).
    """
    sid = st.session_state.get(SID)
    if not sid:
        return None
    with database().read() as s:
        state = signin.current(s, session_id=sid)
    if state is None:
        _forget()
        st.session_state["auth_notice"] = "Your session has ended. Please sign in again."
        return None
    # Roles can change while someone is signed in; keep the library's copy in step.
    st.session_state["roles"] = sorted(state.actor.roles)
    return state


def current_actor() -> Actor | None:
    """The signed-in person for this browser session, checked against the server every run."""
    # Inside a page app.py routed to in this very run, app.py has just checked the session:
    # asking the database again would cost a query per rerun and could not answer differently
    # in any way that matters within one run. Callbacks and fragments run outside it.
    routed = nav.routed_actor()
    if routed is not None:
        return routed
    state = signed_in()
    return state.actor if state else None


def _forget() -> None:
    st.session_state.pop(SID, None)
    for key in _STATE_KEYS:
        st.session_state[key] = None


class _Accounts(dict):
    """The library's credentials["usernames"], read one person at a time when the form or a
    cookie names them. Handing it every active person cost a read of the whole users table
    on every run of the sign-in page: with 10,000 people and 500 of them signing in at once
    the server ran out of database connections."""

    def __init__(self, db) -> None:
        super().__init__()
        self._db = db
        self._unknown: set[str] = set()

    def __missing__(self, username: str) -> dict:
        if username in self._unknown:
            raise KeyError(username)
        with self._db.read() as s:
            account = users.login_account(s, username)
        if account is None:
            self._unknown.add(username)  # the library asks more than once per run
            raise KeyError(username)
        self[username] = account
        return account

    def __contains__(self, username: object) -> bool:
        try:
            self[username]
        except KeyError:
            return False
        return True

    def get(self, username, default=None):
        return self[username] if username in self else default


def _authenticator(db) -> tuple[stauth.Authenticate, _Accounts]:
    cfg = cookie_settings()
    # login_sleep_time=0: our own throttle replaces the library's fixed 0.7 s pause per run.
    credentials: dict = {"usernames": {}}
    authenticator = stauth.Authenticate(credentials, cfg.name, cfg.key, cfg.expiry_days,
                                        auto_hash=False, login_sleep_time=0)
    # The library keeps this very dict (it rebuilds a non-empty "usernames" as a plain dict on
    # construction, so the lazy one goes in afterwards).
    accounts = credentials["usernames"] = _Accounts(db)
    return authenticator, accounts


def sign_in_form() -> Actor | None:
    """Render the sign-in form; return the Actor once someone has signed in on this run."""
    db = database()
    authenticator, accounts = _authenticator(db)
    cookie_model = authenticator.cookie_controller.cookie_model
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(notice)
    token = _cookie(cookie_model.cookie_name)
    if token and not st.session_state.get("logout"):
        with db.read() as s:
            live = signin.resume_from_cookie(s, cookie_token=token) is not None
        if not live:
            # A cookie whose session has ended (signed out elsewhere, deactivated, password
            # changed): the library must not sign in from it, and for a deactivated person it
            # would fail outright (their name is no longer in the credentials it was given).
            st.session_state["logout"] = True
    authenticator.login(location="main", key="sign-in", fields={
        "Form name": "Sign in", "Username": "Username", "Password": "Password",
        "Login": "Sign in"})
    status = st.session_state.get("authentication_status")
    if status is False:
        _failed(db, accounts)
        return None
    if not status:
        return None
    username = st.session_state["username"]
    token = _cookie(cookie_model.cookie_name)
    if cookie_model.exp_date is None and token is None:
        # The library accepted the password in a run that another rerun cut short, before it
        # set the cookie and before this function opened a session: finish that sign-in now.
        authenticator.cookie_controller.set_cookie()
    if cookie_model.exp_date is None:
        # Signed in from a cookie: honour it only if the session it was issued for still lives.
        with db.read() as s:
            sid = signin.resume_from_cookie(s, cookie_token=token) if token else None
        if sid is None:
            _forget()
            st.session_state["logout"] = True  # stop the library re-reading the dead cookie
            st.info("Your earlier session has ended. Please sign in again.")
            return None
        st.session_state[SID] = sid
        st.rerun()  # nothing to wait for (the cookie is already there): open the page now
    ip = _ip()
    with db.write() as s:
        wait = signin.wait_seconds(s, username=username, ip_address=ip)
        if wait:
            signin.note_attempt(s, username=username, ip_address=ip, succeeded=False)
            result = None
        else:
            signin.note_attempt(s, username=username, ip_address=ip, succeeded=True)
            # _token_encode rebuilds the exact cookie the library just set (username + expiry,
            # signed), so the cookie can later be matched to this session by its hash.
            result = signin.start(s, username=username, ip_address=ip,
                                  cookie_token=cookie_model._token_encode(),
                                  password_hash=accounts[username]["password"]
                                  if username in accounts else None,
                                  lifetime=timedelta(days=cookie_settings().expiry_days))
    if result is None:
        _forget()
        if wait:
            st.error(f"Too many failed sign-ins. Try again in {_human(wait)}.")
        else:
            st.error("This account cannot sign in. Ask an administrator.")
        return None
    sid, actor = result
    st.session_state[SID] = sid
    # The library's cookie component may be unmounted by a rerun before it sets the cookie;
    # keep_cookie() renders it again on later runs until the browser confirms it is set.
    st.session_state["_cookie_pending"] = (cookie_model._token_encode(), cookie_model.exp_date)
    return actor


def _failed(db, accounts: _Accounts) -> None:
    # The library counts failures on the entries it read: that names the username (an unknown
    # one was never read).
    username = next((u for u, c in accounts.items() if c.get("failed_login_attempts")), None)
    ip = _ip()
    with db.write() as s:
        signin.note_attempt(s, username=username, ip_address=ip, succeeded=False)
        wait = signin.wait_seconds(s, username=username, ip_address=ip)
    st.session_state["authentication_status"] = None  # count each submission once
    if wait:
        st.error(f"Too many failed sign-ins. Try again in {_human(wait)}.")
    else:
        st.error("Wrong username or password.")


def _human(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 90 else f"{round(seconds / 60)} minutes"


def sign_out() -> None:
    """End the server-side session (the cookie becomes useless) and clear this browser's state."""
    sid = st.session_state.get(SID)
    if sid:
        with database().write() as s:
            signin.end(s, session_id=sid)
    _forget()
    st.session_state["logout"] = True
    st.session_state["auth_notice"] = "You have signed out."


def require_role(*roles: str) -> Actor:
    """First line of every page: the signed-in Actor, or stop with a message.

    With no roles given, any signed-in person may see the page.
    """
    nav.reroute_if_run_directly()
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in to see this page.")
        # Sign in right here, so someone whose session ended stays on the page they were on.
        if sign_in_form() is not None:
            st.rerun()
        st.stop()
    if roles and not actor.has(*roles):
        st.error("You do not have access to this page. It is for: " + ", ".join(roles) + ".")
        st.stop()
    return actor


def cookie_pending() -> bool:
    """The sign-in cookie has not reached the browser yet (its component will rerun the app)."""
    return bool(st.session_state.get("_cookie_pending"))


def keep_cookie() -> None:
    """Make sure the sign-in cookie of this session reaches the browser (called from app.py)."""
    pending = st.session_state.get("_cookie_pending")
    if not pending:
        return
    if st.session_state.get("lcd-cookie-set"):
        del st.session_state["_cookie_pending"]
        return
    import extra_streamlit_components as stx

    token, exp = pending
    stx.CookieManager(key="cookie-keeper").set(
        cookie_settings().name, token, key="lcd-cookie-set",
        expires_at=datetime.fromtimestamp(exp))
