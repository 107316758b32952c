"""People and their roles: create, change roles, deactivate, reset and change passwords."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import bcrypt
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from db import audit
from db.actors import Actor, require
from db.errors import Conflict, NotFound, ValidationError
from db.models import FUNCTIONS, ROLES, AuthSession, Site, User, UserRole, utcnow
from db.text import clean, like_pattern, search_term

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")  # whole names only: use fullmatch
EMAIL_MAX = 254  # the column's size
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    """bcrypt hash; BCRYPT_ROUNDS lowers the cost for tests and generated demo people."""
    rounds = int(os.environ.get("BCRYPT_ROUNDS", "12"))
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def validate_password(password: str, *, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"Use at least {MIN_PASSWORD} characters.")
    if len(password.encode()) > 72:
        # bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
        raise ValidationError("password", "Use at most 72 bytes (about 70 characters).")
    if username and username.lower() in password.lower():
        raise ValidationError("password", "The password must not contain the username.")
    if len(set(password)) < 5:
        raise ValidationError("password", "Use a less repetitive password.")


def _clean_roles(roles: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise ValidationError("roles", f"Unknown role: {', '.join(unknown)}.")
    if not chosen:
        raise ValidationError("roles", "Pick at least one role.")
    return chosen


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    name: str
    email: str | None
    site: str | None
    function: str | None
    job_title: str | None
    roles: tuple[str, ...]
    is_active: bool


def create_user(session: Session, *, actor: Actor, username: str, password: str, name: str,
                roles: list[str], email: str | None = None, site: str | None = None,
                function: str | None = None, job_title: str | None = None,
                password_hash: str | None = None) -> int:
    """Create a person with roles; admins only. Returns the new user's id."""
    require(actor, "admin")
    username = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise ValidationError(
            "username", "Use 3-64 lowercase letters, digits, dots, dashes or underscores."
        )
    name = clean(name, field="name", label="The person's name", max_len=120, single_line=True)
    if job_title and job_title.strip():
        job_title = clean(job_title, field="job_title", label="The job title", max_len=120,
                          single_line=True)
    else:
        job_title = None
    email = _email(email)
    if function and function not in FUNCTIONS:
        raise ValidationError("function", f"Pick one of: {', '.join(FUNCTIONS)}.")
    chosen = _clean_roles(roles)
    if password_hash is None:
        validate_password(password, username=username)
        password_hash = hash_password(password)
    site_id = None
    if site:
        site_id = session.scalar(select(Site.id).where(Site.name == site))
        if site_id is None:
            raise ValidationError("site", f"There is no site called {site!r}.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username {username!r} is taken.")
    user = User(username=username, name=name, email=email or None, password_hash=password_hash,
                site_id=site_id, function=function, job_title=job_title)
    session.add(user)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=r) for r in chosen)
    audit.record(session, actor=actor, action="user.created", entity_type="user",
                 entity_id=user.id, after={"username": username, "name": name, "roles": chosen,
                                           "site": site, "function": function})
    return user.id


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such person.")
    return user


def roles_of(session: Session, user_id: int) -> list[str]:
    return sorted(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def set_roles(session: Session, *, actor: Actor, user_id: int, roles: list[str]) -> None:
    """Replace a person's roles; admins only, and an admin cannot drop their own admin role."""
    require(actor, "admin")
    chosen = _clean_roles(roles)
    _get(session, user_id)
    if user_id == actor.id and "admin" not in chosen:
        raise Conflict("You cannot remove your own admin role; ask another admin.")
    before = roles_of(session, user_id)
    if before == chosen:
        return
    for r in set(before) - set(chosen):
        session.delete(session.get(UserRole, (user_id, r)))
    session.add_all(UserRole(user_id=user_id, role=r) for r in set(chosen) - set(before))
    audit.record(session, actor=actor, action="user.roles_changed", entity_type="user",
                 entity_id=user_id, before={"roles": before}, after={"roles": chosen})


def _email(email: str | None) -> str | None:
    """A tidied e-mail address, None for none, or ValidationError."""
    email = (email or "").strip()
    if not email:
        return None
    # fullmatch: `$` in re.match also matches before a trailing newline. No control characters
    # (a NUL breaks PostgreSQL) and no more than the column holds.
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise ValidationError("email", "That does not look like an e-mail address.")
    return email


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool,
               reason: str = "") -> None:
    """Deactivate (signing them out everywhere) or reactivate a person; admins only."""
    require(actor, "admin")
    reason = clean(reason, field="reason", label="The reason", max_len=500,
                   single_line=True) if (reason or "").strip() else ""

    user = _get(session, user_id)
    if user_id == actor.id and not active:
        raise Conflict("You cannot deactivate yourself.")
    if user.is_active == active:
        return
    user.is_active = active
    if not active:
        _revoke_all(session, user_id)
    audit.record(session, actor=actor, action="user.activated" if active else "user.deactivated",
                 entity_type="user", entity_id=user_id, before={"is_active": not active},
                 after={"is_active": active}, reason=reason or None)


def reset_password(session: Session, *, actor: Actor, user_id: int, new_password: str) -> None:
    """An admin sets a new password; every existing session of that person ends."""
    require(actor, "admin")
    user = _get(session, user_id)
    validate_password(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    _revoke_all(session, user_id)
    audit.record(session, actor=actor, action="user.password_reset", entity_type="user",
                 entity_id=user_id)


def change_password(session: Session, *, actor: Actor, current: str, new_password: str) -> None:
    """A person changes their own password; their other sessions end."""
    user = _get(session, actor.id)
    if not check_password(current, user.password_hash):
        raise ValidationError("current", "The current password is not right.")
    validate_password(new_password, username=user.username)
    if current == new_password:
        raise ValidationError("password", "Choose a password different from the current one.")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    _revoke_all(session, user.id)
    audit.record(session, actor=actor, action="user.password_changed", entity_type="user",
                 entity_id=user.id)


def _revoke_all(session: Session, user_id: int) -> None:
    now = utcnow()
    for s in session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    ):
        s.revoked_at = now


def list_users(session: Session, *, actor: Actor, search: str = "", role: str | None = None,
               site: str | None = None, active: bool | None = None,
               after: tuple[str, str] | None = None, limit: int = 50) -> list[UserRow]:
    """A page of people sorted by name, then username (keyset: `after` is the (name,
    username) of the last row shown; names repeat, usernames do not); admins only."""
    require(actor, "admin")
    q = select(User, Site.name).outerjoin(Site, Site.id == User.site_id)
    search = search_term(search)
    if search:
        like = like_pattern(search.lower())
        q = q.where(func.lower(User.name).like(like, escape="\\")
                    | User.username.like(like, escape="\\"))
    if role:
        q = q.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if site:
        q = q.where(Site.name == site)
    if active is not None:
        q = q.where(User.is_active.is_(active))
    if after:
        name, username = after
        q = q.where(or_(User.name > name, and_(User.name == name, User.username > username)))
    rows = session.execute(q.order_by(User.name, User.username).limit(limit)).all()
    ids = [u.id for u, _ in rows]
    roles: dict[int, list[str]] = {i: [] for i in ids}
    for uid, r in session.execute(
        select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(ids))
    ):
        roles[uid].append(r)
    return [
        UserRow(u.id, u.username, u.name, u.email, site_name, u.function, u.job_title,
                tuple(sorted(roles[u.id])), u.is_active)
        for u, site_name in rows
    ]


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def sites(session: Session) -> list[str]:
    return list(session.scalars(select(Site.name).order_by(Site.name)))


def login_account(session: Session, username: str) -> dict | None:
    """One active person's entry as streamlit-authenticator wants it (name, email, bcrypt hash,
    roles), or None: the sign-in form asks for the person it was given, not for everyone."""
    if not USERNAME_RE.fullmatch(username or ""):
        return None  # no such account can exist; and a NUL byte would break PostgreSQL's query
    user = session.execute(
        select(User.id, User.name, User.email, User.password_hash)
        .where(User.username == username, User.is_active.is_(True))).first()
    if user is None:
        return None
    roles = sorted(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    return {"name": user.name, "email": user.email or "", "password": user.password_hash,
            "roles": roles}


def get_user(session: Session, *, actor: Actor, username: str) -> UserRow:
    """One person's details; admins only."""
    require(actor, "admin")
    row = session.execute(
        select(User, Site.name).outerjoin(Site, Site.id == User.site_id)
        .where(User.username == username)
    ).one_or_none()
    if row is None:
        raise NotFound("No such person.")
    u, site_name = row
    return UserRow(u.id, u.username, u.name, u.email, site_name, u.function, u.job_title,
                   tuple(roles_of(session, u.id)), u.is_active)
