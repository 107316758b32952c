"""The single map of pages: which file, which title, and which roles may open it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from db.actors import Actor

ROOT = Path(__file__).resolve().parent.parent
EVERYONE: frozenset[str] = frozenset()  # any signed-in person


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    section: str
    roles: frozenset[str] = EVERYONE

    @property
    def url_path(self) -> str:
        return Path(self.file).stem.replace("_", "-")

    def allows(self, actor: Actor) -> bool:
        return not self.roles or actor.has(*self.roles)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", "Workspace"),
    PageSpec("pages/account.py", "My account", ":material/person:", "Workspace"),
    PageSpec("pages/users.py", "Users and roles", ":material/group:", "Administration",
             frozenset({"admin"})),
    PageSpec("pages/audit_trail.py", "Audit trail", ":material/policy:", "Administration",
             frozenset({"admin"})),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.allows(actor)]


def navigation(actor: Actor) -> st.navigation:
    """st.navigation holding exactly the pages this person's roles allow, grouped by section."""
    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(actor):
        sections.setdefault(spec.section, []).append(
            st.Page(str(ROOT / spec.file), title=spec.title, icon=spec.icon,
                    url_path=spec.url_path, default=spec.file == "pages/home.py")
        )
    return st.navigation(sections)
