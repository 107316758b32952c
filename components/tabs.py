"""Tabs whose content runs only while they are open."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def tab_pages(key: str, tabs: dict[str, Callable[[], None]], default: str | None = None) -> None:
    """Tabs whose content runs only when opened; the open tab is kept in the address
    (?{key}-tab=...), so a link opens the same tab.

    st.tabs alone runs every tab's content on every rerun, to show one of them.
    """
    containers = st.tabs(list(tabs), key=f"{key}-tab", bind="query-params", default=default)
    for container, render in zip(containers, tabs.values(), strict=True):
        if container.open:
            with container:
                render()
