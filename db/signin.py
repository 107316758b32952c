"""Server-side sign-in sessions and throttling of failed sign-ins.

streamlit-authenticator's cookie is only a signed username and expiry: it cannot be revoked. So a
sign-in also creates an `AuthSession` row, the cookie is matched to it by hash, and every rerun
checks the row. Signing out, a password change or deactivation ends the row, and the old cookie
then leads nowhere.

Throttling counts failures per (username, address) and per address. A stranger guessing at a
real person's password from elsewhere is slowed down, but the person, signing in from their own
address, is not locked out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from db import audit
from db.actors import Actor
from db.models import (
    AuthSession,
    BadgeAward,
    LoginAttempt,
    Notification,
    Site,
    User,
    UserRole,
    utcnow,
)

WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_USER = 5  # per username and address, within WINDOW
FREE_FAILURES_PER_ADDRESS = 30  # over all usernames from one address, within WINDOW
MAX_WAIT = timedelta(minutes=15)


def cookie_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, *, username: str, cookie_token: str | None, ip_address: str,
          lifetime: timedelta, password_hash: str | None = None) -> tuple[str, Actor] | None:
    """Open a session for a person who just proved their password; None if inactive/unknown.

    `password_hash` is the hash the password was checked against: if it has changed since
    (a reset a moment ago), the old password must not open a session.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        return None
    if password_hash is not None and password_hash != user.password_hash:
        return None
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AuthSession(
        id=sid, user_id=user.id, ip_address=ip_address, created_at=now, expires_at=now + lifetime,
        cookie_hash=cookie_hash(cookie_token) if cookie_token else None,
    ))
    actor = _actor(session, user)
    audit.record(session, actor=actor, action="auth.signed_in", entity_type="user",
                 entity_id=user.id, after={"ip": ip_address})
    return sid, actor


def resume_from_cookie(session: Session, *, cookie_token: str) -> str | None:
    """The id of the live session this cookie was issued for, if there is one."""
    row = session.scalar(
        select(AuthSession).where(AuthSession.cookie_hash == cookie_hash(cookie_token))
    )
    if row is None or not _alive(session, row):
        return None
    return row.id


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a live session, with what the sidebar shows them on every page."""

    actor: Actor
    unread_notifications: int = 0
    unseen_badges: int = 0


@lru_cache(maxsize=1)
def _current_statement() -> Select:
    # Built once: assembling it costs more than running it.
    return (select(AuthSession.created_at, AuthSession.expires_at, AuthSession.revoked_at,
                   User.id, User.username, User.name, User.is_active, User.password_changed_at,
                   UserRole.role,
                   select(func.count(Notification.id)).where(
                       Notification.user_id == User.id, Notification.read_at.is_(None)
                   ).scalar_subquery().label("unread"),
                   select(func.count()).select_from(BadgeAward).where(
                       BadgeAward.user_id == User.id, BadgeAward.seen_at.is_(None)
                   ).scalar_subquery().label("unseen"))
            .join(User, User.id == AuthSession.user_id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(AuthSession.id == bindparam("session_id")))


def current(session: Session, *, session_id: str) -> SignedIn | None:
    """The live session's person, their unread notifications and badges not yet shown; None
    when the session has ended for any reason.

    Every rerun of every page asks this, so it is one statement: the session, its person and
    their roles (one row per role), with the two counts as subqueries.
    """
    rows = session.execute(_current_statement(), {"session_id": session_id}).all()
    if not rows:
        return None
    r = rows[0]
    if (r.revoked_at is not None or r.expires_at <= utcnow() or not r.is_active
            or r.created_at < r.password_changed_at):
        return None  # the same rules as _alive
    actor = Actor(id=r.id, username=r.username, name=r.name,
                  roles=frozenset(row.role for row in rows if row.role is not None))
    return SignedIn(actor, unread_notifications=r.unread, unseen_badges=r.unseen)


def _alive(session: Session, row: AuthSession) -> bool:
    if row.revoked_at is not None or row.expires_at <= utcnow():
        return False
    user = session.get(User, row.user_id)
    return bool(user and user.is_active and row.created_at >= user.password_changed_at)


def _actor(session: Session, user: User) -> Actor:
    roles = frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    return Actor(id=user.id, username=user.username, name=user.name, roles=roles)


def end(session: Session, *, session_id: str) -> None:
    """Sign out: the session and its cookie stop working."""
    row = session.get(AuthSession, session_id)
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    user = session.get(User, row.user_id)
    audit.record(session, actor=_actor(session, user), action="auth.signed_out",
                 entity_type="user", entity_id=user.id)


def note_attempt(session: Session, *, username: str | None, ip_address: str,
                 succeeded: bool) -> None:
    """Remember one sign-in attempt; a success clears the failures of that username here."""
    if succeeded and username:
        session.execute(delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.ip_address == ip_address))
    session.add(LoginAttempt(username=username, ip_address=ip_address, succeeded=succeeded))


def wait_seconds(session: Session, *, username: str | None, ip_address: str) -> int:
    """How long this address must wait before another try (0 = go ahead)."""
    since = utcnow() - WINDOW
    waits = [0.0]
    by_address = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            LoginAttempt.ip_address == ip_address, LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at >= since)
    ).one()
    if by_address[0] >= FREE_FAILURES_PER_ADDRESS:
        waits.append((by_address[1] + WINDOW - utcnow()).total_seconds())
    if username:
        n, last = session.execute(
            select(func.count(), func.max(LoginAttempt.created_at)).where(
                LoginAttempt.username == username, LoginAttempt.ip_address == ip_address,
                LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since)
        ).one()
        if n >= FREE_FAILURES_PER_USER:
            # Doubling back-off: 30 s after the 5th failure, 60 s after the 6th, ... 15 min.
            doublings = min(n - FREE_FAILURES_PER_USER, 10)
            backoff = min(timedelta(seconds=30 * 2**doublings), MAX_WAIT)
            waits.append((last + backoff - utcnow()).total_seconds())
    return max(0, int(max(waits) + 0.999))


def profile(session: Session, *, user_id: int) -> dict:
    """The signed-in person's own details."""

    row = session.execute(
        select(User.username, User.name, User.email, User.function, User.job_title, Site.name)
        .outerjoin(Site, Site.id == User.site_id).where(User.id == user_id)
    ).one()
    keys = ("username", "name", "email", "function", "job_title", "site")
    return dict(zip(keys, row, strict=True))


def active_session_count(session: Session, *, user_id: int) -> int:
    """How many live sessions this person has (this one included)."""
    return session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > utcnow())) or 0


def end_others(session: Session, *, user_id: int, keep: str) -> int:
    """Sign out every other session of this person; returns how many ended."""
    now = utcnow()
    ended = 0
    for r in session.scalars(select(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
            AuthSession.id != keep)):
        r.revoked_at = now
        ended += 1
    if ended:
        user = session.get(User, user_id)
        audit.record(session, actor=_actor(session, user), action="auth.other_sessions_ended",
                     entity_type="user", entity_id=user_id, after={"ended": ended})
    return ended
