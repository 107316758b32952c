"""Checking and tidying what people type, before anything is stored."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from db.errors import ValidationError

# Zero-width and direction-override characters: invisible, and used to disguise text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None, *, field: str, label: str, max_len: int, min_len: int = 1,
          single_line: bool = False) -> str:
    """Normalised text, or ValidationError naming the field with a message a person can act on."""
    text = unicodedata.normalize("NFC", value or "")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    if not _INVISIBLE.sub("", text).strip():
        raise ValidationError(field, f"{label} cannot be empty.")
    if len(text) < min_len:
        raise ValidationError(field, f"{label} needs at least {min_len} characters.")
    if len(text) > max_len:
        raise ValidationError(
            field, f"{label} is too long: {len(text):,} characters, the limit is {max_len:,}.")
    return text


def is_blank(value: str | None) -> bool:
    """True when the text holds nothing a person could read: only spaces, control characters or
    invisible ones (what `clean` would call empty)."""
    return not _INVISIBLE.sub("", _CONTROL.sub("", value or "")).strip()


def fingerprint(text: str) -> str:
    """A hash of the text with case, spacing and invisible characters ignored (duplicate check)."""
    core = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower().split())
    return hashlib.sha256(core.encode()).hexdigest()


SEARCH_MAX = 200


def search_term(value: str | None) -> str:
    """What a search box searches for: tidied and cut to SEARCH_MAX characters (a pasted page
    would otherwise become a LIKE pattern SQLite refuses)."""
    text = _INVISIBLE.sub("", _CONTROL.sub("", unicodedata.normalize("NFC", value or "")))
    return " ".join(text.split())[:SEARCH_MAX]


def like_pattern(term: str) -> str:
    """A LIKE pattern (escape '\\') matching `term` anywhere, its % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
