"""Driving every page x role through AppTest, as the budget test and the benchmark both do.

Streamlit-aware but test-framework-free: a page is opened the way a person opens it (app.py,
then the page from the navigation), and the elements it sent are measured afterwards.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from components.nav import PAGES, PageSpec
from db import signin
from db.models import Answer, Comment, Lesson, Proposal, Submission, utcnow
from db.session import Database
from db.suggestions import WAITING_VIEW

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ROLES = ("learner", "trainer", "leader", "admin")
USERNAME = {"learner": "lena", "trainer": "tomas", "leader": "lars", "admin": "ada"}


@dataclass(frozen=True)
class Case:
    """One page as one role opens it, optionally through a link (query parameters)."""

    spec: PageSpec
    role: str
    query: tuple[tuple[str, str], ...] = ()
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or f"{Path(self.spec.file).stem}-{self.role}"


def cases() -> list[Case]:
    """Every page for every role that may open it."""
    return [Case(spec, role) for spec in PAGES for role in ROLES
            if not spec.roles or role in spec.roles]


# The object pages through their shareable links, each at its busiest object, and every
# analytics tab over two years: where an N+1 or an oversized chart would show. Values in
# <angle brackets> are looked up in the data (linked_cases).
_WIDEST = {"from": "<two years ago>", "to": "<today>"}
_TABS = {"engagement": ("Activity", "Questions and answers", "Learning", "Suggestions",
                        "Top contributors"),
         "network": ("Site by site", "Network picture", "Bridges and gaps"),
         "submissions": ("Throughput", "Tracker")}
LINKS: dict[str, tuple[str, str, dict[str, str]]] = {
    "questions-learner?q=most-answered": ("pages/questions.py", "learner", {"q": "<question>"}),
    "lessons-learner?lesson=most-proposals": ("pages/lessons.py", "learner",
                                              {"lesson": "<lesson>"}),
    "lessons-trainer?lesson=most-proposals": ("pages/lessons.py", "trainer",
                                              {"lesson": "<lesson>"}),
    "lessons-learner?course=its-course": ("pages/lessons.py", "learner", {"course": "<course>"}),
    "suggestions-leader?s=most-comments": ("pages/suggestions.py", "leader",
                                           {"s": "<suggestion>"}),
    "profile-learner?user=tomas": ("pages/profile.py", "learner", {"user": "tomas"}),
    # The boards open on this week; a month and all time add up much more of the ledger.
    "leaderboard-learner?lb-period=this-month": ("pages/leaderboard.py", "learner",
                                                 {"lb-period": "This month"}),
    "leaderboard-learner?lb-period=all-time": ("pages/leaderboard.py", "learner",
                                               {"lb-period": "All time"}),
    "leaderboard-leader?tab=Sites&all-time": ("pages/leaderboard.py", "leader",
                                              {"lb-period": "All time",
                                               "leaderboard-tab": "Sites"}),
    "users-admin?user=lena": ("pages/users.py", "admin", {"user": "lena"}),
    # Home links leaders here, to the suggestions waiting longest for a decision.
    "prioritise-leader?tab=waiting": ("pages/prioritise.py", "leader",
                                      {"prioritise-tab": WAITING_VIEW}),
    "submissions-leader?submission=latest": ("pages/submissions.py", "leader",
                                             {"submission": "<submission>"}),
    **{f"{page}-leader?tab={tab}&two-years": (f"pages/{page}.py", "leader",
                                              {**_WIDEST, f"{page}-tab": tab})
       for page, tabs in _TABS.items() for tab in tabs},
}


def linked_cases(db: Database, today: date | None = None) -> dict[str, Case]:
    """LINKS with their values looked up in `db`, by name."""
    today = today or utcnow().date()
    with db.read() as s:
        def busiest(column, *where):
            return s.scalar(select(column).where(*where).group_by(column)
                            .order_by(func.count().desc(), column).limit(1))

        lesson = busiest(Proposal.lesson_id)
        values = {
            "<question>": busiest(Answer.question_id),
            "<lesson>": lesson,
            "<course>": s.scalar(select(Lesson.course_id).where(Lesson.id == lesson)),
            "<suggestion>": busiest(Comment.entity_id, Comment.entity_type == "suggestion"),
            "<submission>": s.scalar(select(func.max(Submission.id))),
            "<two years ago>": today - timedelta(days=729),
            "<today>": today,
        }
    found = {}
    for name, (file, role, query) in LINKS.items():
        resolved = {k: values.get(v, v) for k, v in query.items()}
        if None not in resolved.values():
            spec = next(p for p in PAGES if p.file == file)
            found[name] = Case(spec, role, tuple((k, str(v)) for k, v in resolved.items()), name)
    return found


def sign_in(db: Database, username: str) -> str:
    """A live server-side session for `username`, as if they had used the sign-in form."""
    with db.write() as s:
        started = signin.start(s, username=username, cookie_token=None, ip_address="bench",
                               lifetime=timedelta(days=1))
    if started is None:
        raise LookupError(f"{username} cannot sign in: load the demo organisation first")
    return started[0]


def new_session(db: Database, role: str, timeout: float = 120) -> AppTest:
    """A signed-in browser session that has opened app.py once (the Home page)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["auth_sid"] = sign_in(db, USERNAME[role])
    at.run()
    return at


def go_to(at: AppTest, case: Case) -> AppTest:
    """Point the session at the case's page (through its link, if any), for the next run."""
    if case.spec.file != "pages/home.py":
        at.switch_page(case.spec.file)
    at.query_params.update(dict(case.query))
    return at


def open_page(at: AppTest, case: Case) -> AppTest:
    """Go to the case's page: the page's first run in this session."""
    return go_to(at, case).run()


@contextmanager
def steady_navigation() -> Iterator[None]:
    """Run AppTest like a server on which app.py has called st.navigation before, and which
    has compiled its scripts once.

    AppTest resets Streamlit's "pages folder" mode before every run (see tests/conftest.py);
    the app's reroute for that mode would drop the switch to the page.
    """
    original = PagesManager.__init__
    original_bytecode = ScriptCache.get_bytecode
    compiled: dict[str, object] = {}

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    def bytecode(self, script_path: str):
        # AppTest makes a new script cache for every run, so it compiles app.py and the page
        # (with Streamlit's "magic" rewrite) each time: 10-20 ms a server spends once.
        if script_path not in compiled:
            compiled[script_path] = original_bytecode(self, script_path)
        return compiled[script_path]

    PagesManager.__init__ = init
    ScriptCache.get_bytecode = bytecode
    try:
        yield
    finally:
        PagesManager.__init__ = original
        ScriptCache.get_bytecode = original_bytecode


# --- what a run sent -------------------------------------------------------------------------

def _arrow_rows(data: bytes) -> int:
    import pyarrow as pa

    if not data:
        return 0
    with pa.ipc.open_stream(io.BytesIO(data)) as reader:
        return reader.read_all().num_rows


def _inline_rows(node: object) -> int:
    """Rows still inline in a Vega-Lite spec: datasets kept in the spec, `values` lists."""
    if isinstance(node, dict):
        own = len(node["values"]) if isinstance(node.get("values"), list) else 0
        datasets = node.get("datasets")
        if isinstance(datasets, dict):
            own += sum(len(v) for v in datasets.values() if isinstance(v, list))
        return own + sum(_inline_rows(v) for k, v in node.items()
                         if k not in ("values", "datasets"))
    if isinstance(node, list):
        return sum(_inline_rows(v) for v in node)
    return 0


def chart_rows(at: AppTest) -> list[int]:
    """Rows sent to each chart of the run (Altair and Vega-Lite charts: Arrow plus inline)."""
    rows = []
    for chart in at.get("vega_lite_chart"):
        proto = chart.proto
        n = _arrow_rows(proto.data.data) if proto.HasField("data") else 0
        n += sum(_arrow_rows(d.data.data) for d in proto.datasets)
        n += _inline_rows(json.loads(proto.spec or "{}"))
        rows.append(n)
    return rows


def exceptions(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]
