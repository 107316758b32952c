"""Running a write from a form: field errors next to the field, a clear message on failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.errors import ServiceError, ValidationError

T = TypeVar("T")
NOT_SAVED = "Not saved: the database did not accept the change. Nothing was changed; try again."


def _key(form: str) -> str:
    return f"_errors_{form}"


def field_error(form: str, field: str) -> None:
    """Show the error for one field, if the last submission of `form` had one."""
    message = st.session_state.get(_key(form), {}).get(field)
    if message:
        st.error(message, icon=":material/error:")


def submit(form: str, action: Callable[[], T], *, success: str | None = None) -> T | None:
    """Run `action` (one transaction). On bad input remember the field error and rerun."""
    st.session_state.pop(_key(form), None)
    try:
        result = action()
    except ValidationError as e:
        st.session_state[_key(form)] = {e.field: e.message}
        st.rerun()
    except ServiceError as e:
        st.error(str(e), icon=":material/block:")
        return None
    except IntegrityError:
        st.error("Not saved: it clashes with something that already exists.",
                 icon=":material/error:")
        return None
    except DBAPIError:
        st.error(NOT_SAVED, icon=":material/error:")
        return None
    if success:
        st.toast(success, icon=":material/check_circle:")
    return result
