"""The single map of pages: which file, which title, and which roles may open it."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from db.actors import Actor

ROOT = Path(__file__).resolve().parent.parent
_local = threading.local()  # Streamlit runs each session's script in its own thread
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
        # The file name, as Streamlit itself names pages in a pages/ folder: the two agree.
        return Path(self.file).stem

    def allows(self, actor: Actor) -> bool:
        return not self.roles or actor.has(*self.roles)


# One block per area; PAGES is their union in this order. Page files live in pages/ and each
# starts with require_role(...) naming exactly the roles given here.
WORKSPACE = (
    PageSpec("pages/home.py", "Home", ":material/home:", "Workspace"),
)
CONTENT: tuple[PageSpec, ...] = (
    PageSpec("pages/lessons.py", "Lessons", ":material/menu_book:", "Learn"),
    PageSpec("pages/trainer_inbox.py", "Trainer inbox", ":material/inbox:", "Learn",
             frozenset({"trainer"})),
)
COMMUNITY: tuple[PageSpec, ...] = (
    PageSpec("pages/questions.py", "Questions", ":material/forum:", "Community"),
    PageSpec("pages/experts.py", "Find an expert", ":material/person_search:", "Community"),
    PageSpec("pages/notifications.py", "Notifications", ":material/notifications:",
             "Community"),
    PageSpec("pages/guidelines.py", "Community guidelines", ":material/handshake:",
             "Community"),
    PageSpec("pages/moderation.py", "Moderation", ":material/shield:", "Community",
             frozenset({"leader", "admin"})),
)
IDEAS: tuple[PageSpec, ...] = (
    PageSpec("pages/suggestions.py", "Suggestion box", ":material/lightbulb:", "Improve"),
    PageSpec("pages/prioritise.py", "Prioritise ideas", ":material/leaderboard:", "Improve",
             frozenset({"leader", "admin"})),
    PageSpec("pages/leaderboard.py", "Leaderboard", ":material/emoji_events:", "Improve"),
    PageSpec("pages/profile.py", "Profile", ":material/badge:", "Improve"),
    PageSpec("pages/fair_play.py", "Fair play", ":material/gavel:", "Administration",
             frozenset({"admin"})),
)
ANALYTICS: tuple[PageSpec, ...] = (
    PageSpec("pages/engagement.py", "Engagement", ":material/monitoring:", "Analytics",
             frozenset({"leader", "admin"})),
    PageSpec("pages/network.py", "Who helps whom", ":material/hub:", "Analytics",
             frozenset({"leader", "admin"})),
    PageSpec("pages/submissions.py", "Regulatory submissions", ":material/description:",
             "Analytics", frozenset({"leader", "admin"})),
)
ACCOUNT = (
    PageSpec("pages/account.py", "My account", ":material/person:", "Workspace"),
)
ADMINISTRATION = (
    PageSpec("pages/users.py", "Users and roles", ":material/group:", "Administration",
             frozenset({"admin"})),
    PageSpec("pages/audit_trail.py", "Audit trail", ":material/policy:", "Administration",
             frozenset({"admin"})),
    PageSpec("pages/settings.py", "Settings", ":material/tune:", "Administration",
             frozenset({"admin"})),
)
PAGES: tuple[PageSpec, ...] = (
    WORKSPACE + CONTENT + COMMUNITY + IDEAS + ANALYTICS + ACCOUNT + ADMINISTRATION
)


# Links inside pages (a question's title in a list, a to-do on Home) wrap onto a second line:
# Streamlit keeps a link on one line and cut long titles off mid-word, without an ellipsis.
# Titles shown as borderless buttons (a suggestion's, in its card) wrap left-aligned, as text
# does, instead of centred. A long badge (a lesson's approval: who signed, when, and that the
# signature matches) wraps too, instead of ending in "..." where it says the signature holds.
STYLE = ("<style>[data-testid='stPageLink-NavLink'] span,[data-testid='stPageLink-NavLink'] p,"
         "[data-testid='stMarkdownContainer'] span.stMarkdownBadge{white-space:normal}"
         "[data-testid='stBaseButton-tertiary'],[data-testid='stBaseButton-tertiary'] *"
         "{text-align:left;justify-content:flex-start}</style>")


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.allows(actor)]


def every_address(render: Callable[[], None]) -> list[st.Page]:
    """Every page's address, each showing `render` (the sign-in form, or a problem)."""
    return [st.Page(render, title="Learning & Collaboration", url_path=spec.url_path,
                    default=spec.file == "pages/home.py") for spec in PAGES]


_PAGE_PROTOTYPES: dict[str, st.Page] = {}


def _page(spec: PageSpec) -> st.Page:
    # st.Page checks its file on disk (resolving every folder of the path) each time it is
    # made: a few milliseconds per rerun over all pages. Make each once per process; every run
    # gets its own copy, because st.navigation marks the pages it is given.
    prototype = _PAGE_PROTOTYPES.get(spec.file)
    if prototype is None:
        prototype = _PAGE_PROTOTYPES[spec.file] = st.Page(
            str(ROOT / spec.file), title=spec.title, icon=spec.icon, url_path=spec.url_path,
            default=spec.file == "pages/home.py")
    return copy.copy(prototype)


def navigation(actor: Actor) -> st.navigation:
    """st.navigation holding exactly the pages this person's roles allow, grouped by section."""
    sections: dict[str, list[st.Page]] = {}
    for spec in pages_for(actor):
        sections.setdefault(spec.section, []).append(_page(spec))
    return st.navigation(sections, expanded=True)


@contextmanager
def routing(actor: Actor):
    """Mark this script run as routed through app.py's navigation, for `actor` it checked."""
    _local.routed = True
    _local.actor = actor
    try:
        yield
    finally:
        _local.routed = False
        _local.actor = None


def routed_actor() -> Actor | None:
    """The person app.py checked in this script run, while it runs their page; else None."""
    return getattr(_local, "actor", None)


def reroute_if_run_directly() -> None:
    """Send a page file that Streamlit ran by itself back through app.py.

    With a pages/ folder, Streamlit runs a requested page file directly (skipping app.py, its
    sign-in and its navigation) until some script has called st.navigation. Our url paths equal
    the file names, so after leaving that mode a rerun lands on the same page, through app.py.
    """
    if getattr(_local, "routed", False) or not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    st.rerun()
