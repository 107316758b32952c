"""Settings that come from outside the code: the sign-in cookie key, demo mode."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import streamlit as st

COOKIE_NAME = "lcd_signin"
COOKIE_DAYS = 7.0
MIN_KEY_LENGTH = 32
# Keys seen in tutorials and example configs: anyone could mint a cookie with them.
KNOWN_WEAK = {"some_signature_key", "abcdef", "secret", "changeme", "random_signature_key"}


class ConfigError(Exception):
    """The app cannot start safely; the message says what to set."""


@dataclass(frozen=True)
class CookieSettings:
    name: str
    key: str
    expiry_days: float


def demo_mode() -> bool:
    return os.environ.get("APP_DEMO", "").lower() in {"1", "true", "yes"}


def _secret(section: str, key: str) -> str | None:
    try:
        return st.secrets.get(section, {}).get(key)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def weak_reason(key: str | None) -> str | None:
    """Why a cookie key is unsafe, or None when it is acceptable."""
    if not key:
        return "no sign-in cookie key is set"
    if len(key) < MIN_KEY_LENGTH:
        return f"the sign-in cookie key is shorter than {MIN_KEY_LENGTH} characters"
    if key.lower() in KNOWN_WEAK or len(set(key)) < 12:
        return "the sign-in cookie key is too easy to guess"
    return None


@st.cache_resource
def _demo_fallback_key() -> str:
    return secrets.token_urlsafe(48)


def cookie_settings() -> CookieSettings:
    """The cookie settings, or ConfigError when the key is missing or weak outside demo mode."""
    key = os.environ.get("AUTH_COOKIE_KEY") or _secret("auth", "cookie_key")
    problem = weak_reason(key)
    if problem:
        if not demo_mode():
            raise ConfigError(
                f"The app will not start because {problem}. Set AUTH_COOKIE_KEY, or cookie_key "
                "under [auth] in .streamlit/secrets.toml, to a random value of at least "
                f"{MIN_KEY_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`. Every app "
                "server behind one address needs the same key."
            )
        # Demo only: a per-process key means cookies do not survive a restart, which is fine.
        key = _demo_fallback_key()
    return CookieSettings(COOKIE_NAME, key, COOKIE_DAYS)
