"""The demo organisation: a deterministic, believable company for demos and benchmarks.

`seed_demo` fills an empty, migrated database with people, courses and lessons (with revisions,
proposals and e-signatures), questions and answers, comments, votes, suggestions, points,
badges, activity events and regulatory submissions. Text comes from `db.demo_text`.

Determinism: every choice comes from `random.Random` streams derived from the seed, one per
area, on a *virtual* timeline of `days` x 86,400 seconds. Only at the very end is a virtual
offset mapped to a real time ending at `utcnow()`, through a monotone warp that adds weekends,
working hours, holidays and growth. So two runs with the same seed produce the same rows on any
day; only the timestamps move with the clock.

Speed: rows go in with SQLAlchemy Core `insert(table)` executemany in chunks, ids are assigned
here so rows link without round-trips, and denormalised counters (scores, answer and vote
counts) are computed in Python before the rows are written.

Activity event kinds: view, post, vote, completion. Points follow db.points (values, daily
caps, fair play); badges follow db.gamification.BADGES.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import operator
import random
import secrets
import unicodedata
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import bcrypt
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from db import audit, search, summaries
from db import demo_text as txt
from db.actors import SYSTEM
from db.errors import Conflict
from db.models import (
    FUNCTIONS,
    ActivityEvent,
    Answer,
    BadgeAward,
    Base,
    Comment,
    Course,
    CourseOwner,
    CourseTag,
    Flag,
    Follow,
    Lesson,
    LessonProgress,
    LessonRevision,
    Notification,
    PointEvent,
    Proposal,
    Question,
    QuestionTag,
    RevisionContributor,
    Signature,
    Site,
    Submission,
    Suggestion,
    SuggestionStatusChange,
    Tag,
    User,
    UserRole,
    Vote,
    utcnow,
)
from db.session import Database
from db.suggestions import HALF_LIFE_DAYS, trend_key
from db.text import fingerprint
from db.users import hash_password

DEMO_PASSWORD = "welcome-2026"


@dataclass(frozen=True)
class DemoSignin:
    username: str
    name: str
    roles: tuple[str, ...]
    site: str
    function: str
    job_title: str


DEMO_SIGNINS: list[DemoSignin] = [
    DemoSignin("lena", "Lena Fischer", ("learner",), "Basel", "Regulatory Affairs",
               "Regulatory Affairs Associate"),
    DemoSignin("tomas", "Tomás Ribeiro", ("trainer",), "Boston", "Regulatory Affairs",
               "Regulatory Training Lead"),
    DemoSignin("mei", "Mei Chen", ("trainer",), "Shanghai", "Quality",
               "Quality Systems Trainer"),
    DemoSignin("lars", "Lars Andersson", ("leader",), "Basel", "Regulatory Affairs",
               "Head of Global Regulatory Operations"),
    DemoSignin("ada", "Ada Okafor", ("admin",), "Cambridge UK", "Quality",
               "Platform Administrator"),
]
# The demo sign-ins get the first ids, in this order.
LENA, TOMAS, MEI, LARS, ADA = 1, 2, 3, 4, 5

_MEDIUM = {
    "people": 10_000, "courses": 340, "lessons_min": 4, "lessons_max": 8,
    "courses_per_person": 3, "questions": 50_000, "answers": 150_000, "votes": 1_000_000,
    "comments": 100_000, "suggestions": 5_000, "suggestion_votes": 100_000,
    "activity": 2_000_000, "submissions": 50_000, "days": 730,
}
_FIXED = ("lessons_min", "lessons_max", "courses_per_person", "days")


def _scaled(counts: dict[str, int], factor: float) -> dict[str, int]:
    return {k: v if k in _FIXED else max(1, round(v * factor)) for k, v in counts.items()}


SCALES: dict[str, dict[str, int]] = {
    "demo": {
        "people": 300, "courses": 12, "lessons_min": 4, "lessons_max": 8,
        "courses_per_person": 2, "questions": 600, "answers": 1_500, "votes": 10_000,
        "comments": 900, "suggestions": 150, "suggestion_votes": 3_000, "activity": 40_000,
        "submissions": 400, "days": 365,
    },
    "small": _scaled(_MEDIUM, 0.1),
    "medium": dict(_MEDIUM),
    "large": _scaled(_MEDIUM, 5),
}

# What earns points (values, daily caps and fair-play limits come from db.points).
_ACTIONS = ("question.asked", "answer.posted", "answer.accepted", "vote.received",
            "comment.posted", "proposal.accepted", "lesson.completed", "suggestion.submitted",
            "suggestion.implemented")
_ACTION_CODE = {a: i for i, a in enumerate(_ACTIONS)}
_ETYPES = ("question", "answer", "comment", "vote", "lesson", "suggestion")
_ETYPE_CODE = {e: i for i, e in enumerate(_ETYPES)}
# What badges count (db.gamification.BADGES names these metrics).
_METRICS = ("answers", "accepted_answers", "questions", "upvotes", "other_sites",
            "lessons_cowritten", "completions", "suggestions", "implemented")
_METRIC_CODE = {m: i for i, m in enumerate(_METRICS)}
_DISTINCT_METRICS = {"other_sites", "lessons_cowritten"}
_FOLLOWABLE = ("question", "suggestion", "tag", "user")
# Rows of the three biggest tables are tuples in this order.
_ACTIVITY_COLUMNS = ("id", "user_id", "kind", "entity_type", "entity_id", "created_at")
_VOTE_COLUMNS = ("id", "user_id", "entity_type", "entity_id", "recipient_id", "value",
                 "created_at")
_POINT_COLUMNS = ("id", "user_id", "action", "points", "entity_type", "entity_id",
                  "created_at")
_STATUS_LABEL = {"new": "new", "under_review": "under review", "planned": "planned",
                 "in_progress": "in progress", "implemented": "implemented",
                 "declined": "declined", "duplicate": "duplicate"}

_CHUNK = 10_000
_TIME_OF_DAY = [f"{h:02d}:{m:02d}:{s:02d}.000000" for h in range(24) for m in range(60)
                for s in range(60)]
# Tables that grow large; loaded without their plain indexes (see _Seeder._run).
_LOAD_WITHOUT_INDEXES = ("activity_events", "point_events", "votes", "comments",
                         "lesson_progress", "follows", "question_tags", "questions",
                         "notifications")
_DAY = 86_400
_HOUR = 3_600
_FUNC_WEIGHTS = (20, 20, 22, 12, 16, 10)
_AGENCY_WEIGHTS = (25, 22, 10, 10, 8, 9, 8, 8)  # in the order of txt.AGENCIES
_AGENCY_LANGUAGE = {"PMDA": "Japanese", "NMPA": "Simplified Chinese", "Swissmedic": "German"}


def content_hash(title: str, body: str) -> str:
    """sha256 of the exact text a signature binds to."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def is_empty(session: Session) -> bool:
    """True when nobody exists yet, i.e. the demo organisation may be loaded."""
    return session.scalar(select(User.id).limit(1)) is None


def seed_demo(db: Database, *, scale: str = "demo", seed: int = 2026,
              progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with the demo organisation; returns rows per table."""
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; pick one of {', '.join(SCALES)}.")
    with db.write() as session:
        if not is_empty(session):
            raise Conflict("The database already holds people; seed only an empty database.")
        return _Seeder(session, scale, seed, progress).run()


# --- helpers ----------------------------------------------------------------------------


def _ascii(s: str) -> str:
    folded = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _lower_first(s: str) -> str:
    return s[0].lower() + s[1:] if len(s) > 1 and s[1].islower() else s


@lru_cache
def _fits(options: tuple[tuple, ...], domain: str) -> tuple[tuple, ...]:
    """The templates (domain last in each tuple) that suit a lesson of this domain."""
    return tuple(o for o in options if o[-1] in (domain, "any"))


def _sqlite_datetime(d: datetime) -> str:
    """SQLAlchemy's SQLite storage format for DateTime, e.g. 2026-05-04 09:30:00.000000."""
    s = d.isoformat(" ")
    return s if d.microsecond else s + ".000000"


def _edited(body: str, change: str) -> str:
    """The lesson text with one proposed edit applied.

    `change` is a bullet to add to the key points ("- ..."), a link to put in place of the
    first one under Further reading ("https://..."), or empty to drop the last key point.
    """
    head, sep, rest = body.partition("## Key points\n\n")
    points, gap, tail = rest.partition("\n\n")
    if change.startswith("https://"):
        reading = body.rfind("## Further reading")
        start = body.find("](", reading) + 2
        end = body.find(")", start)
        if reading >= 0 and start > 1 and body[start:end] != change:
            return body[:start] + change + body[end:]
        change = f"- See also {change}"
    if not sep:
        return f"{body}\n\n{change or '- Keep the record with the batch.'}"
    lines = points.split("\n")
    lines = lines + [change] if change else lines[:-1] if len(lines) > 1 else lines + [
        "- Keep the record with the batch."]
    return head + sep + "\n".join(lines) + gap + tail


def _sentence(s: str) -> str:
    return s[0].upper() + s[1:]


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _after(rng: random.Random, T: int, s0: int, mean_s: float) -> int:
    """A moment after s0 (virtual seconds), typically mean_s later, never past T."""
    room = T - s0
    if room <= 60:
        return s0 + max(room, 0) // 2
    d = int(rng.expovariate(1.0 / mean_s)) + 60
    if d >= room:
        d = int(rng.random() * room)
    return s0 + d


class _Timeline:
    """Maps virtual offsets (0..T seconds) to real datetimes ending at `now`.

    The map is monotone, so every ordering decided on the virtual timeline holds in real time,
    while real density follows working hours across the sites, weekends, holidays and growth.
    """

    def __init__(self, now: datetime, days: int, seed: int) -> None:
        self.now = now
        self.T = days * _DAY
        self.start = now - timedelta(seconds=self.T)
        self._midnight = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._start_sod = int((self.start - self._midnight).total_seconds())
        self._day_text: dict[int, str] = {}
        noise = random.Random(f"{seed}:timeline")
        hour_profile = [0.0] * 24
        for (_n, _r, _c, tz), w in zip(txt.SITES, txt.SITE_WEIGHTS, strict=True):
            for local in range(24):
                f = 0.03
                if 8 <= local < 18:
                    f = 0.6 if local == 12 else 1.0
                elif 18 <= local < 21:
                    f = 0.2
                hour_profile[(local - tz) % 24] += w * f
        day_noise: dict[date, float] = {}
        first = self.start.replace(minute=0, second=0)
        self.vstart: list[float] = []
        self.rstart: list[float] = []
        self.scale: list[float] = []
        weights: list[float] = []
        edge = 0.0
        hour = first
        while edge < self.T:
            nxt = min(float(self.T), (hour + timedelta(hours=1) - self.start).total_seconds())
            length = nxt - edge
            d = hour.date()
            if d not in day_noise:
                day_noise[d] = noise.uniform(0.85, 1.15)
            f = hour_profile[hour.hour] * day_noise[d] * (0.55 + 0.9 * edge / self.T)
            if d.weekday() == 5:
                f *= 0.2
            elif d.weekday() == 6:
                f *= 0.14
            if (d.month == 12 and d.day >= 23) or (d.month == 1 and d.day <= 2):
                f *= 0.3
            elif d.month == 8:
                f *= 0.8
            self.rstart.append(edge)
            weights.append(max(f, 0.01) * length)
            edge = nxt
            hour += timedelta(hours=1)
        total = sum(weights)
        acc = 0.0
        for i, w in enumerate(weights):
            self.vstart.append(acc)
            vlen = w / total * self.T
            nxt_r = self.rstart[i + 1] if i + 1 < len(self.rstart) else float(self.T)
            self.scale.append((nxt_r - self.rstart[i]) / vlen)
            acc += vlen

    def real(self, s: float) -> int:
        """Seconds after `start` in real time for virtual time s (identity outside 0..T)."""
        if s <= 0:
            return int(s)
        if s >= self.T:
            return self.T
        i = bisect.bisect_right(self.vstart, s) - 1
        return int(self.rstart[i] + (s - self.vstart[i]) * self.scale[i])

    def dt(self, s: float) -> datetime:
        return self.start + timedelta(seconds=self.real(s))

    def sqlite_text(self, s: float) -> str:
        """dt(s) in SQLAlchemy's SQLite DateTime storage format, without making a datetime."""
        day, sod = divmod(self.real(s) + self._start_sod, _DAY)
        prefix = self._day_text.get(day)
        if prefix is None:
            d = self._midnight + timedelta(days=day)
            prefix = self._day_text[day] = d.strftime("%Y-%m-%d ")
        return prefix + _TIME_OF_DAY[sod]


class _Bulk:
    """Rows for one table, inserted in chunks of a Core INSERT executemany; ids assigned here.

    On PostgreSQL the rows go through COPY on the session's connection (psycopg's `write_row`
    adapts each value as the INSERT would): a multi-row INSERT spent most of its time on
    statement handling, and medium took 13 minutes. On SQLite, SQLAlchemy's per-row parameter
    processing (its SQLite DateTime conversion is pure Python) cost more than SQLite's own work,
    so the compiled INSERT goes to the driver's executemany, in the session's transaction, with
    values already in SQLAlchemy's storage format (`_Seeder.ts`).
    """

    def __init__(self, session: Session, model: type[Base], deps: tuple[_Bulk, ...] = (),
                 *, raw: bool = False, columns: tuple[str, ...] | None = None) -> None:
        self.session = session
        self.table = model.__table__
        # Rows are dicts, or (for the biggest tables, where it saves time) tuples in `columns`
        # order; the INSERT names exactly these columns.
        self.columns = columns or tuple(c.name for c in self.table.columns)
        self.stmt = insert(self.table)
        self.raw = raw
        self.copy = session is not None and session.get_bind().dialect.name == "postgresql"
        self.values = operator.itemgetter(*self.columns)
        if self.copy:
            names = ", ".join(f'"{c}"' for c in self.columns)
            self.sql = f'COPY "{self.table.name}" ({names}) FROM STDIN'
        if raw:
            self.sql = str(self.stmt.compile(dialect=session.get_bind().dialect,
                                             column_keys=list(self.columns)))
        self.rows: list[dict | tuple] = []
        self.deps = deps
        self.next_id = 1
        self.count = 0

    def new_id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        for d in self.deps:
            d.flush()
        self.write()

    def write(self) -> None:
        """Insert the pending rows (without flushing the tables this one depends on)."""
        if not self.rows:
            return
        as_tuples = isinstance(self.rows[0], tuple)
        if self.copy:
            rows = self.rows if as_tuples else map(self.values, self.rows)
            cursor = self.session.connection().connection.driver_connection.cursor()
            with cursor, cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row(row)
        elif self.raw:
            params = self.rows if as_tuples else list(map(self.values, self.rows))
            self.session.connection().exec_driver_sql(self.sql, params)
        elif as_tuples:
            self.session.execute(self.stmt, [dict(zip(self.columns, r, strict=True))
                                             for r in self.rows])
        else:
            self.session.execute(self.stmt, self.rows)
        self.count += len(self.rows)
        self.rows.clear()


@dataclass(frozen=True)
class _LessonPlan:
    ci: int  # the course's position in the generated list
    course_id: int
    topic: dict
    pos: int
    owners: tuple[int, ...]
    writers: tuple[int, ...]  # the owners who write its lessons
    created: int
    mandatory: bool
    forced: bool  # must end with a draft in review (the demo story needs some)


@dataclass(frozen=True)
class _LessonInfo:
    id: int
    avail: int  # when it was first published (virtual seconds)


class _Seeder:
    def __init__(self, session: Session, scale: str, seed: int,
                 progress: Callable[[str, int, int], None] | None) -> None:
        self.s = session
        self.scale_name = scale
        self.seed = seed
        self.c = SCALES[scale]
        self._progress = progress
        self.now = utcnow().replace(microsecond=0)
        # The demo's audit trail: what the seeded year says people did (the benchmark sets
        # keep to the one record of the seeding itself, as their trail is never read).
        self.past: list[tuple] | None = [] if scale == "demo" else None
        self.days = self.c["days"]
        self.T = self.days * _DAY
        self.tl = _Timeline(self.now, self.days, seed)
        self.dt = self.tl.dt
        self.sqlite = session is not None and session.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            self.ts = self.tl.sqlite_text  # the hot path: no datetime objects at all

        def b(model: type[Base], deps: tuple[_Bulk, ...] = (),
              columns: tuple[str, ...] | None = None) -> _Bulk:
            return _Bulk(session, model, deps, raw=self.sqlite, columns=columns)

        self.b_sites = b(Site)
        self.b_users = b(User, (self.b_sites,))
        self.b_roles = b(UserRole, (self.b_users,))
        self.b_tags = b(Tag)
        self.b_courses = b(Course)
        self.b_owners = b(CourseOwner, (self.b_courses,))
        self.b_course_tags = b(CourseTag, (self.b_courses, self.b_tags))
        self.b_lessons = b(Lesson, (self.b_courses,))
        self.b_revisions = b(LessonRevision, (self.b_lessons,))
        self.b_contributors = b(RevisionContributor, (self.b_revisions,))
        self.b_signatures = b(Signature, (self.b_revisions,))
        self.b_proposals = b(Proposal, (self.b_revisions,))
        self.b_progress = b(LessonProgress, (self.b_lessons,))
        self.b_questions = b(Question, (self.b_lessons,))
        self.b_question_tags = b(QuestionTag, (self.b_questions, self.b_tags))
        self.b_answers = b(Answer, (self.b_questions,))
        self.b_comments = b(Comment)
        self.b_votes = b(Vote, columns=_VOTE_COLUMNS)
        self.b_follows = b(Follow)
        self.b_notifications = b(Notification)
        self.b_flags = b(Flag)
        self.b_suggestions = b(Suggestion)
        self.b_changes = b(SuggestionStatusChange, (self.b_suggestions,))
        self.b_points = b(PointEvent, columns=_POINT_COLUMNS)
        self.b_badges = b(BadgeAward)
        self.b_activity = b(ActivityEvent, columns=_ACTIVITY_COLUMNS)
        self.b_submissions = b(Submission)
        # Points and badge metrics are kept compactly until they are written in time order.
        self.p_t, self.p_user, self.p_action = array("q"), array("l"), array("b")
        self.p_etype, self.p_eid, self.p_voter = array("b"), array("q"), array("l")
        self.m_user, self.m_code, self.m_item, self.m_t = (array("l"), array("b"), array("q"),
                                                           array("q"))
        self.notes: list[tuple] = []
        self.v_user, self.v_etype, self.v_eid = array("l"), array("b"), array("q")
        self.v_value, self.v_t = array("b"), array("q")
        self.follow_keys: set[tuple[int, int, int]] = set()
        self.scripted = _scripted_questions(self.T)
        self.dropped: dict[str, list[str]] = {}
        self.question_ctx = lru_cache(maxsize=8192)(self._question_ctx)

    def ts(self, s: float) -> datetime | str:
        """Virtual time s as a value for a DateTime column of a bulk insert."""
        return self.tl.sqlite_text(s) if self.sqlite else self.dt(s)

    def store_date(self, d: date | None) -> date | str | None:
        return d.isoformat() if self.sqlite and d is not None else d

    def rng(self, area: str) -> random.Random:
        return random.Random(f"{self.seed}:{area}")

    def progress(self, step: str, done: int, total: int) -> None:
        """Report progress within a step; only the step's last call reaches the total."""
        if self._progress is not None:
            self._progress(step, min(done, max(total - 1, 0)), total)

    # --- the whole run -------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        if self.sqlite:
            # The whole load is one transaction: pages that do not fit in the cache spill to
            # the WAL, where every later look-up costs more. Keep them in memory (up to 1 GB
            # at medium scale and above; SQLite only takes what it uses).
            mib = 1024 if self.c["people"] >= 10_000 else 256
            self.s.execute(text(f"PRAGMA cache_size = -{mib * 1024}"))
        try:
            return self._run()
        finally:
            if self.sqlite:
                self.s.execute(text("PRAGMA cache_size = -2000"))

    def _run(self) -> dict[str, int]:
        # Building an index once from all rows is several times faster than keeping it up to
        # date row by row; the indexes come back at the end, in the same transaction.
        for table in _LOAD_WITHOUT_INDEXES + (("answers",) if self.sqlite else ()):
            self._drop_indexes(table)
        foreign_keys = [] if self.sqlite else self._drop_foreign_keys()
        steps = [
            ("people", self.people), ("tags and products", self.tags_and_products),
            ("courses and lessons", self.content), ("learning progress", self.learning),
            ("questions and answers", self.qa_structure), ("suggestions", self.suggestions),
            ("flags", self.flags), ("comments", self.comments), ("votes", self.votes),
            ("posts", self.write_posts), ("follows", self.follows), ("points", self.ledger),
            ("badges", self.badges), ("notifications", self.write_notifications),
            ("activity", self.views), ("submissions", self.submissions),
        ]
        for name, step in steps:
            self.progress(name, 0, 1)
            step(name)
            if self._progress is not None:
                self._progress(name, 1, 1)
        for bulk in self._bulks():
            bulk.flush()
        for k, table in enumerate(list(self.dropped)):
            self.progress("indexes", k, len(_LOAD_WITHOUT_INDEXES))
            self._restore_indexes(table)
        conn = self.s.connection()
        for table, name, definition in foreign_keys:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        if self._progress is not None:
            self._progress("indexes", 1, 1)
        if self.s.get_bind().dialect.name == "postgresql":
            for bulk in self._bulks():
                if bulk.next_id > 1:
                    name = bulk.table.name
                    self.s.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT MAX(id) FROM {name}))"))
        # Leader analytics read summaries of the activity, not the raw events.
        self.progress("activity summaries", 0, 1)
        # In one fold: each person's day, week and month is then written once, where batches
        # of events would find and update it again in every batch (PostgreSQL medium: 106 -> 80 s).
        summaries.refresh(self.s, batch=max(self.b_activity.count, 1))
        summaries.rebuild_course_progress(self.s)  # the progress was loaded in bulk
        if self._progress is not None:
            self._progress("activity summaries", 1, 1)
        self._write_history()
        counts = {
            t.name: self.s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }
        audit.record(self.s, actor=SYSTEM, action="demo.seeded", entity_type="database",
                     after={**counts, "scale": self.scale_name, "seed": self.seed})
        counts["audit_log"] += 1
        return counts

    def _bulks(self) -> list[_Bulk]:
        return [v for v in vars(self).values() if isinstance(v, _Bulk)]

    def _drop_indexes(self, table: str) -> None:
        """Drop a table's plain (non-unique) indexes, remembering how to create them again."""
        if self.sqlite:
            found = self.s.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"), {"t": table}).all()
        else:
            found = self.s.execute(text(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = :t AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT x.indisunique AND NOT x.indisprimary"), {"t": table}).all()
        conn = self.s.connection()
        for name, _ddl in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        self.dropped[table] = [ddl for _name, ddl in found]

    def _drop_foreign_keys(self) -> list[tuple[str, str, str]]:
        """PostgreSQL: drop every foreign key, returning how to add it back.

        A foreign key is checked by a query per inserted row; adding it back after the load
        checks all rows in one join (what pg_restore does), several times faster.
        """
        found = self.s.execute(text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace "
            "ORDER BY t.relname, c.conname")).all()
        conn = self.s.connection()
        for table, name, _definition in found:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        return [tuple(r) for r in found]

    def _restore_indexes(self, table: str) -> None:
        conn = self.s.connection()
        for ddl in self.dropped.pop(table, []):
            conn.exec_driver_sql(ddl)

    # --- people --------------------------------------------------------------------------

    def people(self, step: str) -> None:
        rng = self.rng("people")
        n = self.c["people"]
        T = self.T
        for i, (name, region, country, _tz) in enumerate(txt.SITES, start=1):
            self.b_sites.add({"id": i, "name": name, "region": region, "country": country})
        self.b_sites.next_id = len(txt.SITES) + 1
        self.site_names = [s[0] for s in txt.SITES]
        site_index = {name: i for i, name in enumerate(self.site_names)}
        self.u_site = [0] * (n + 1)
        self.u_func = [0] * (n + 1)
        self.u_ct = [0] * (n + 1)
        self.u_name = [""] * (n + 1)
        self.u_username = ["system"] * (n + 1)
        self.u_roles: list[tuple[str, ...]] = [()] * (n + 1)
        weight = [0.0] * (n + 1)
        demo_hash = hash_password(DEMO_PASSWORD)
        # Nobody knows the generated people's password; one cheap hash serves them all.
        unknown_hash = bcrypt.hashpw(secrets.token_urlsafe(24).encode(),
                                     bcrypt.gensalt(4)).decode()
        taken: dict[str, int] = {}
        demo_ct = (T - 24 * _DAY + 8 * _HOUR, -900 * _DAY, -700 * _DAY, -2500 * _DAY,
                   -600 * _DAY)
        demo_weight = (1.0, 6.0, 5.0, 2.0, 0.8)
        for uid in range(1, n + 1):
            if uid <= len(DEMO_SIGNINS):
                d = DEMO_SIGNINS[uid - 1]
                site, fn = site_index[d.site], FUNCTIONS.index(d.function)
                name, username, roles, title = d.name, d.username, d.roles, d.job_title
                ct, w, active, pw = demo_ct[uid - 1], demo_weight[uid - 1], True, demo_hash
            else:
                k = uid - len(DEMO_SIGNINS) - 1
                if k < 36:  # every site x function pair has somebody
                    site, fn = k % 6, (k // 6) % 6
                else:
                    site = rng.choices(range(6), weights=txt.SITE_WEIGHTS)[0]
                    fn = rng.choices(range(6), weights=_FUNC_WEIGHTS)[0]
                groups = txt.NAMES[txt.SITES[site][2]]
                firsts, lasts = rng.choices(groups, weights=[len(g[0]) for g in groups])[0]
                first, last = rng.choice(firsts), rng.choice(lasts)
                name = f"{first} {last}"
                base = f"{_ascii(first)}.{_ascii(last)}"
                taken[base] = taken.get(base, 0) + 1
                username = base if taken[base] == 1 else f"{base}{taken[base]}"
                r = rng.random()
                function = FUNCTIONS[fn]
                if r < 0.06:
                    roles = ("learner", "trainer") if rng.random() < 0.3 else ("trainer",)
                    title = rng.choice(txt.TRAINER_TITLES).format(function=function)
                elif r < 0.085:
                    roles = ("leader",)
                    title = rng.choice(txt.LEADER_TITLES).format(
                        function=function, site=self.site_names[site])
                elif r < 0.09:
                    roles = ("admin",)
                    title = rng.choice(txt.ADMIN_TITLES)
                else:
                    roles = ("learner",)
                    title = rng.choice(txt.JOB_TITLES[function])
                if rng.random() < 0.12:  # joined during the year
                    ct = int(rng.random() * (T - 5 * _DAY))
                else:
                    ct = -rng.randint(20 * _DAY, 2000 * _DAY)
                w = rng.lognormvariate(0, 0.9) * (0.15 if rng.random() < 0.2 else 1.0)
                if "trainer" in roles:
                    w *= 1.5
                active = roles != ("learner",) or rng.random() >= 0.015
                pw = unknown_hash
            self.u_site[uid], self.u_func[uid], self.u_ct[uid] = site, fn, ct
            self.u_name[uid], self.u_roles[uid], weight[uid] = name, roles, w
            self.u_username[uid] = username
            self.history(ct, None, "user.created", "user", uid,
                         after={"username": username, "name": name, "roles": list(roles),
                                "site": self.site_names[site], "function": FUNCTIONS[fn]},
                         reason="Joined (from the HR system)")
            when = self.ts(ct)
            self.b_users.add({
                "id": uid, "username": username, "name": name,
                "email": f"{username}@{txt.EMAIL_DOMAIN}", "password_hash": pw,
                "site_id": site + 1, "function": FUNCTIONS[fn], "job_title": title,
                "is_active": active, "created_at": when, "password_changed_at": when,
            })
            for role in roles:
                self.b_roles.add({"user_id": uid, "role": role})
        self.b_users.next_id = n + 1
        self.n = n
        self.uids = list(range(1, n + 1))
        self.trainers = [u for u in self.uids if "trainer" in self.u_roles[u]]
        self.leaders = [u for u in self.uids if {"leader", "admin"} & set(self.u_roles[u])]
        self.can_propose = [False] + [
            bool({"learner", "trainer"} & set(self.u_roles[u])) for u in self.uids]
        answer_w = [
            weight[u] * (5.0 if "trainer" in self.u_roles[u] else 1.0)
            * (1.6 if self.u_func[u] in (0, 4) else 1.0) for u in self.uids]
        answer_w[LENA - 1] = 0.3  # her answers are scripted
        self.cw_active = list(itertools.accumulate(weight[1:]))
        self.cw_answer = list(itertools.accumulate(answer_w))
        self.b_users.flush()
        self.b_roles.flush()

    def pick(self, rng: random.Random, cw: list[float] | None = None) -> int:
        """A person, more likely the more engaged they are."""
        cw = cw or self.cw_active
        return bisect.bisect(cw, rng.random() * cw[-1]) + 1

    def pick_at(self, rng: random.Random, t: int, cw: list[float] | None = None,
                exclude: int = 0) -> int:
        """A person who already worked here at virtual time t (and is not `exclude`)."""
        ct = self.u_ct
        for _ in range(30):
            u = self.pick(rng, cw)
            if ct[u] < t and u != exclude:
                return u
        for _ in range(200):
            u = rng.randint(1, self.n)
            if ct[u] < t and u != exclude:
                return u
        return TOMAS if exclude != TOMAS else MEI

    def history(self, t: float, actor: int | None, action: str, entity_type: str,
                entity_id: int, *, before: dict | None = None, after: dict | None = None,
                reason: str | None = None) -> None:
        """An audit record of something the demo's year says happened (demo scale only)."""
        if self.past is not None:
            self.past.append((t, len(self.past), actor, action, entity_type, entity_id, before,
                              after, reason))

    def _write_history(self) -> None:
        """The demo's audit trail, oldest first, chained as every later record is."""
        if not self.past:
            return
        self.progress("audit trail", 0, 1)
        audit.append_past(self.s, [
            {"at": self.dt(t), "actor_id": actor, "actor_username": self.u_username[actor or 0],
             "action": action, "entity_type": etype, "entity_id": eid, "before": before,
             "after": after, "reason": reason}
            for t, _n, actor, action, etype, eid, before, after, reason in sorted(self.past)])
        if self._progress is not None:
            self._progress("audit trail", 1, 1)

    def tick(self, metric: str, user: int, t: int, item: int = 0) -> None:
        """Something that counts towards a badge (`item` for metrics of distinct things)."""
        self.m_user.append(user)
        self.m_code.append(_METRIC_CODE[metric])
        self.m_item.append(item)
        self.m_t.append(t)

    def activity(self, user: int, kind: str, etype: str | None, eid: int | None,
                 when: datetime | str) -> None:
        b = self.b_activity
        b.rows.append((b.new_id(), user, kind, etype, eid, when))
        if len(b.rows) >= _CHUNK:
            b.flush()

    def points(self, user: int, action: str, etype: str, eid: int, t: int,
               voter: int = 0) -> None:
        """An action that earns points; the ledger is written in time order at the end, where
        the daily caps and fair-play limits of db.points apply."""
        self.p_t.append(t)
        self.p_user.append(user)
        self.p_action.append(_ACTION_CODE[action])
        self.p_etype.append(_ETYPE_CODE[etype])
        self.p_eid.append(eid)
        self.p_voter.append(voter)

    def notify(self, user: int, kind: str, message: str, etype: str | None, eid: int | None,
               actor: int | None, t: int, unread: bool = False) -> None:
        """A notification, written in time order at the end (lists page by id)."""
        if user != actor:
            self.notes.append((t, len(self.notes), user, kind, _clip(message, 300), etype, eid,
                               actor, unread))

    def follow(self, user: int, etype: str, eid: int, t: int) -> None:
        key = (user, _FOLLOWABLE.index(etype), eid)
        if key in self.follow_keys:
            return
        self.follow_keys.add(key)
        self.b_follows.add({"user_id": user, "entity_type": etype, "entity_id": eid,
                            "created_at": self.ts(t)})

    # --- text contexts -------------------------------------------------------------------

    def tags_and_products(self, step: str) -> None:
        self.tag_id: dict[str, int] = {}
        for i, (name, kind) in enumerate(txt.TAGS, start=1):
            self.tag_id[name] = i
            self.b_tags.add({"id": i, "name": name, "kind": kind})
        self.b_tags.next_id = len(txt.TAGS) + 1
        rng = self.rng("products")
        want = max(40, self.c["questions"] // 100)
        seen: set[str] = set()
        self.products: list[tuple[str, bool, str, str]] = []
        while len(self.products) < want:
            stem, bio = rng.choice(txt.INN_STEMS)
            name = rng.choice(txt.INN_PREFIXES) + rng.choice(txt.INN_MIDDLES) + stem
            if name in seen:
                continue
            seen.add(name)
            form = rng.choice(txt.DOSAGE_BIO if bio else txt.DOSAGE_SMALL)
            strength = rng.choice(txt.STRENGTH_BIO if bio else txt.STRENGTH_SMALL)
            self.products.append((name, bio, form, strength))
        self.agency_names = list(txt.AGENCIES)
        self.agency_apps = {}
        for a, (clinical, marketing, follow) in txt.AGENCY_TYPES.items():
            apps = [x for x in (clinical, *marketing, *follow.values()) if x]
            self.agency_apps[a] = list(dict.fromkeys(apps))
        self.doc_names = list(txt.DOCUMENTS)

    def ctx(self, rng: random.Random, agencies: tuple[str, ...] | None = None) -> dict:
        """Slot values for one text: a coherent agency, product, document, change..."""
        names = self.agency_names
        agency = rng.choice(agencies or names)
        agency2 = rng.choice(names)
        if agency2 == agency:
            agency2 = names[(names.index(agency) + 1) % len(names)]
        _region, _country, atag, _long, link = txt.AGENCIES[agency]
        app_type = rng.choice(self.agency_apps[agency])
        doc = rng.choice(self.doc_names)
        section, module_tag, module_name = txt.DOCUMENTS[doc]
        vtype, vtype2 = rng.sample(txt.EU_VARIATION_TYPES, 2)
        process, process_tag = rng.choice(txt.PROCESSES)
        product, _bio, form, _strength = rng.choice(self.products)
        site, site2 = rng.sample(self.site_names, 2)
        system, system2 = rng.sample(txt.SYSTEMS, 2)
        n = rng.randint(2, 12)
        return {
            "agency": agency, "agency2": agency2, "agency_tag": atag, "agency_link": link,
            "link": link, "app_type": app_type,
            "app_tag": {"sNDA": "post-approval"}.get(app_type, app_type.lower()),
            "doc": doc, "section": section, "module_tag": module_tag,
            "module_name": module_name, "vtype": vtype, "vtype2": vtype2,
            "us_supp": rng.choice(txt.US_SUPPLEMENTS),
            "change": rng.choice(txt.CHANGES), "process_l": process,
            "process_c": process[0].upper() + process[1:], "process_tag": process_tag,
            "deviation": rng.choice(txt.DEVIATIONS), "system": system, "system2": system2,
            "product": product, "form": form, "site": site, "site2": site2,
            "docsys": rng.choice(("Veeva Vault", "the DMS", "the QMS")),
            "qms": rng.choice(("TrackWise", "Veeva Vault QMS", "the QMS")),
            "function": (fn := FUNCTIONS[rng.randrange(6)]), "function_l": fn,
            "n": n, "n2": n + rng.randint(1, 6),
            "months": rng.choice((12, 18, 24, 36)),
            "language": _AGENCY_LANGUAGE.get(agency) or rng.choice(txt.LANGUAGES),
            "company": txt.COMPANY,
        }

    def comment_ctx(self, rng: random.Random) -> dict:
        """The few slots comments use; cheaper than a full context for 100k comments."""
        names = self.agency_names
        agency, agency2 = rng.sample(names, 2)
        doc = rng.choice(self.doc_names)
        site, site2 = rng.sample(self.site_names, 2)
        return {"agency": agency, "agency2": agency2, "doc": doc,
                "section": txt.DOCUMENTS[doc][0], "site": site, "site2": site2,
                "docsys": rng.choice(("Veeva Vault", "the DMS", "the QMS")),
                "function_l": FUNCTIONS[rng.randrange(6)],
                "product": rng.choice(self.products)[0]}

    # --- courses, lessons, revisions, signatures, proposals --------------------------------

    def content(self, step: str) -> None:
        rng = self.rng("content")
        T = self.T
        ct = self.u_ct
        topics = txt.COURSES
        variants = txt.COURSE_VARIANTS
        self.lessons: list[_LessonInfo] = []
        self.course_lessons: list[list[int]] = []
        self.course_meta: list[tuple[int | None, int | None, bool]] = []  # func, site, mandatory
        pointer_updates = []
        trainers_by_func = {f: [u for u in self.trainers if FUNCTIONS[self.u_func[u]] == f]
                            for f in FUNCTIONS}
        # Tomás's first course and Mei's first course: each co-owns the other's, reviews it and
        # has a draft of theirs waiting for the other's signature.
        paired = {0: (TOMAS, MEI), 6: (MEI, TOMAS)}
        forced_review = {(0, 4), (6, 3)}
        ncourses = self.c["courses"]
        for ci in range(ncourses):
            self.progress(step, ci, ncourses)
            topic = topics[ci % len(topics)]
            cycle = ci // len(topics)
            variant = variants[cycle % len(variants)]
            site = rng.randrange(6) if "{site}" in variant else None
            title = variant.format(title=topic["title"],
                                   site=self.site_names[site] if site is not None else "")
            if cycle >= len(variants):
                title += f" (cohort {cycle // len(variants) + 1})"
            fn = topic["function"]
            mandatory = topic["mandatory"] and cycle == 0
            created = int(rng.uniform(-0.3, 0.5) * T) if cycle == 0 else int(
                rng.uniform(0.0, 0.75) * T)
            if ci in paired:
                owners = paired[ci]
                writers: tuple[int, ...] = owners[:1]
            else:
                if cycle == 0 and fn == "Regulatory Affairs":
                    owner = TOMAS
                elif cycle == 0 and fn == "Quality":
                    owner = MEI
                else:
                    pool = [u for u in trainers_by_func.get(fn or "Quality", [])
                            if ct[u] < created]
                    pool = pool or [u for u in self.trainers if ct[u] < created] or [TOMAS]
                    owner = rng.choice(pool)
                owners = (owner,)
                if rng.random() < 0.4:
                    others = [u for u in self.trainers if u != owner and ct[u] < created]
                    if others:
                        owners = (owner, rng.choice(others))
                writers = owners
            course_id = self.b_courses.new_id()
            self.b_courses.add({
                "id": course_id, "title": title, "summary": topic["summary"],
                "audience_function": fn, "audience_site_id": site + 1 if site is not None
                else None, "is_mandatory": mandatory, "created_by": owners[0],
                "created_at": self.ts(created)})
            for u in owners:
                self.b_owners.add({"course_id": course_id, "user_id": u})
            for tag in dict.fromkeys(topic["tags"]):
                self.b_course_tags.add({"course_id": course_id, "tag_id": self.tag_id[tag]})
            self.course_meta.append((None if fn is None else FUNCTIONS.index(fn), site,
                                     mandatory))
            ids = []
            n_lessons = min(rng.randint(self.c["lessons_min"], self.c["lessons_max"]),
                            len(topic["lessons"]))
            for pos in range(1, n_lessons + 1):
                lesson = _LessonPlan(ci, course_id, topic, pos, owners, writers, created,
                                     mandatory, forced=(ci, pos) in forced_review)
                info, update_row = self._lesson(rng, lesson)
                ids.append(info.id)
                self.lessons.append(info)
                pointer_updates.append(update_row)
            self.course_lessons.append(ids)
        for b in (self.b_courses, self.b_owners, self.b_course_tags, self.b_lessons,
                  self.b_revisions, self.b_contributors, self.b_signatures, self.b_proposals):
            b.flush()
        lt = Lesson.__table__
        self.s.execute(
            update(lt).where(lt.c.id == bindparam("lid")).values(
                published_revision_id=bindparam("pub"), latest_revision_id=bindparam("lat"),
                last_reviewed_at=bindparam("reviewed")),
            pointer_updates)

    def _lesson(self, rng: random.Random, plan: _LessonPlan) -> tuple[_LessonInfo, dict]:
        """A lesson's history: approved versions (some from learners' proposals), each signed
        by a trainer who wrote none of it, perhaps a draft in review, and open proposals."""
        T = self.T
        lesson_id = self.b_lessons.new_id()
        title = plan.topic["lessons"][plan.pos - 1]
        fn = plan.topic["function"] or "Quality"
        t0 = min(plan.created + rng.randint(_HOUR, 20 * _DAY), T - 60 * _DAY)
        n_app = rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
        times = [t0]
        for _ in range(1, n_app):
            room = (T - 12 * _DAY) - times[-1]
            if room < 2 * _DAY:
                break
            times.append(times[-1] + int(room * rng.uniform(0.15, 0.6)))
        ctx = self.ctx(rng)
        ctx["function"] = ctx["function_l"] = fn
        ctx["domain"] = "reg" if fn == "Regulatory Affairs" else "quality"
        self.b_lessons.add({
            "id": lesson_id, "course_id": plan.course_id, "position": plan.pos,
            "published_revision_id": None, "latest_revision_id": None,
            "created_at": self.ts(t0), "last_reviewed_at": None})
        body = ""
        prev: int | None = None
        signed = t0
        for i, t in enumerate(times):
            state = "approved" if i == len(times) - 1 else "superseded"
            body, rev_id, contributors = self._next_revision(
                rng, plan, lesson_id, title, body, prev, i + 1, t, signed, ctx, state)
            limit = times[i + 1] - 600 if i + 1 < len(times) else T - 2 * _DAY
            signed = min(_after(rng, T, t, 30 * _HOUR), limit)
            self._sign(rng, rev_id, title, body, contributors, signed, "approved")
            for u in dict.fromkeys(contributors):  # co-authors once their text is published
                self.tick("lessons_cowritten", u, signed, item=lesson_id)
            if i == 0:
                first_signed = signed
            prev = rev_id
        pub_rev, latest = prev, prev
        reviewed = signed
        if rng.random() < 0.25 and signed < T - 30 * _DAY:  # a periodic review since
            reviewed = _after(rng, T, signed + 20 * _DAY, 60 * _DAY)
            self._sign(rng, pub_rev, title, body, contributors, reviewed, "reviewed")
        if plan.forced or rng.random() < 0.15:
            tt = max(signed + _HOUR, T - rng.randint(1, 40) * _DAY)
            if tt < T - _HOUR:
                state = "in_review" if plan.forced or rng.random() < 0.6 else "draft"
                _b, latest, contributors = self._next_revision(
                    rng, plan, lesson_id, title, body, pub_rev, len(times) + 1, tt, signed, ctx,
                    state, own=plan.forced)
                if state == "in_review":
                    self._review_requested(rng, plan, latest, title, len(times) + 1,
                                           contributors, tt)
        self._open_proposals(rng, plan, lesson_id, title, body, pub_rev, signed, ctx)
        info = _LessonInfo(lesson_id, first_signed)
        return info, {"lid": lesson_id, "pub": pub_rev, "lat": latest,
                      "reviewed": self.dt(reviewed)}

    def _next_revision(self, rng: random.Random, plan: _LessonPlan, lesson_id: int, title: str,
                       body: str, prev: int | None, number: int, t: int, since: int, ctx: dict,
                       state: str, own: bool = False) -> tuple[str, int, list[int]]:
        """Write version `number`: the first text, a trainer's update, or an accepted proposal
        (as accept_proposal makes it: credited to the proposer, with the trainer who took it
        as a contributor); `own` rules out the proposal. Returns the new body, the revision id
        and its contributors."""
        rev_id = self.b_revisions.new_id()
        trainer = plan.writers[0] if len(plan.writers) == 1 or rng.random() < 0.8 \
            else plan.writers[1]
        proposer = None
        if prev is not None and not own and t - since > 2 * _HOUR and rng.random() < 0.35:
            proposed_at = since + _HOUR + int(rng.random() * (t - since - 2 * _HOUR))
            proposer = self._proposer(rng, proposed_at, plan.writers)
        if prev is None:
            body = self._lesson_body(rng, plan.topic, title, ctx)
            author, contributors = trainer, [trainer]
            summary = rng.choice(txt.REVISION_SUMMARY_FIRST)
        elif proposer is not None:
            from db.content import proposed_text  # db.content imports this module

            kind, p_summary, p_body = self._proposal_text(rng, ctx, body)
            self._proposal(lesson_id, prev, proposer, proposed_at, kind, p_summary, p_body,
                           "accepted", trainer, t, None, rev_id)
            body = proposed_text(kind, body, p_body)
            author, contributors = proposer, [proposer, trainer]
            summary = (f"{'Example' if kind == 'example' else 'Proposal'} from "
                       f"{self.u_name[proposer]}: {p_summary}")
            self.points(proposer, "proposal.accepted", "lesson", lesson_id, t)
            self.notify(proposer, "proposal_accepted",
                        f"{self.u_name[trainer]} accepted your proposal for “{title}”. It is in "
                        f"version {number}, published once another trainer approves it.",
                        "lesson", lesson_id, trainer, t)
        else:
            author, contributors = trainer, [trainer]
            body, summary = self._revise(rng, body, ctx)
        self.b_revisions.add({
            "id": rev_id, "lesson_id": lesson_id, "number": number, "title": title,
            "body": body, "summary": _clip(summary, 300), "state": state, "author_id": author,
            "based_on_id": prev, "content_hash": content_hash(title, body),
            "created_at": self.ts(t)})
        for u in dict.fromkeys(contributors):
            self.b_contributors.add({"revision_id": rev_id, "user_id": u})
        return body, rev_id, contributors

    def _sign(self, rng: random.Random, rev_id: int, title: str, body: str,
              contributors: list[int], t: int, meaning: str) -> None:
        signer = self._signer(rng, contributors, t)
        sig_id = self.b_signatures.new_id()
        self.b_signatures.add({
            "id": sig_id, "revision_id": rev_id, "signer_id": signer,
            "printed_name": self.u_name[signer], "meaning": meaning,
            "content_hash": content_hash(title, body), "signed_at": self.ts(t)})
        self.history(t, signer, "signature.signed", "lesson_revision", rev_id,
                     after={"signature": sig_id, "printed_name": self.u_name[signer],
                            "meaning": meaning, "content_hash": content_hash(title, body)})

    def _review_requested(self, rng: random.Random, plan: _LessonPlan, rev_id: int, title: str,
                          number: int, contributors: list[int], t: int) -> None:
        """Tell the course's other owners (or a few trainers) that a version awaits them."""
        asker = next((u for u in contributors if "trainer" in self.u_roles[u]), contributors[0])
        told = [u for u in plan.owners if u not in contributors]
        if not told:
            others = [u for u in self.trainers if u not in contributors]
            told = rng.sample(others, min(3, len(others)))
        for u in told:
            self.notify(u, "review_requested",
                        f"{self.u_name[asker]} asked you to review “{title}” (version {number}).",
                        "lesson_revision", rev_id, asker, t)

    def _open_proposals(self, rng: random.Random, plan: _LessonPlan, lesson_id: int,
                        title: str, body: str, pub_rev: int, published: int, ctx: dict) -> None:
        """Proposals on the published version: some rejected, some waiting for a trainer."""
        T = self.T
        if rng.random() < 0.2 and published < T - 3 * _DAY:
            t = _after(rng, T - 2 * _DAY, published, 20 * _DAY)
            proposer = self._proposer(rng, t, plan.writers)
            if proposer:
                decided = _after(rng, T, t, 3 * _DAY)
                kind, summary, p_body = self._proposal_text(rng, ctx, body)
                reason = rng.choice(txt.PROPOSAL_REJECT_REASONS)
                self._proposal(lesson_id, pub_rev, proposer, t, kind, summary, p_body,
                               "rejected", plan.writers[0], decided, reason, None)
                self.notify(proposer, "proposal_rejected",
                            f"{self.u_name[plan.writers[0]]} did not take your proposal for "
                            f"“{title}”: {reason}", "lesson", lesson_id, plan.writers[0], decided)
        waiting = []
        demo_owner = TOMAS in plan.owners or MEI in plan.owners
        if rng.random() < (0.3 if demo_owner and self.scale_name == "demo" else 0.12):
            t = min(max(published, T - 30 * _DAY) + int(rng.random() * 25 * _DAY), T - _HOUR)
            proposer = self._proposer(rng, t, plan.writers)
            if proposer:
                waiting.append((proposer, t, self._proposal_text(rng, ctx, body)))
        if plan.ci == 0 and plan.pos == 2:  # Lena, three weeks in, offers an example
            waiting.append((LENA, T - 3 * _DAY, txt.LENA_PROPOSAL))
        for proposer, t, (kind, summary, p_body) in waiting:
            pid = self._proposal(lesson_id, pub_rev, proposer, t, kind, summary, p_body,
                                 "pending", None, None, None, None)
            what = "an example for" if kind == "example" else "a change to"
            for owner in plan.owners:
                self.notify(owner, "proposal",
                            f"{self.u_name[proposer]} proposed {what} “{title}”.", "proposal",
                            pid, proposer, t)

    def _revise(self, rng: random.Random, body: str, ctx: dict) -> tuple[str, str]:
        """A trainer's own update: a new section at the end, and its summary."""
        extra = dict(ctx, check1=rng.choice(txt.LESSON_SELF_CHECK),
                     check2=rng.choice(txt.LESSON_SELF_CHECK),
                     tag=ctx["process_tag"])
        section, summary, _d = rng.choice(_fits(txt.REVISION_UPDATES, ctx["domain"]))
        return f"{body}\n\n{section.format_map(extra)}", summary.format_map(extra)

    def _proposal_text(self, rng: random.Random, ctx: dict, body: str) -> tuple[str, str, str]:
        """(kind, summary, body) of a proposal on a lesson whose text is `body`.

        An example is the paragraph to add; an edit is the whole revised lesson text, as the
        lesson page's proposal form sends it (accept_proposal replaces the text with it)."""
        kind, summary, text_, _d = rng.choice(_fits(txt.PROPOSALS, ctx["domain"]))
        if kind == "example":
            return kind, summary.format_map(ctx), text_.format_map(ctx)
        return kind, summary.format_map(ctx), _edited(body, text_.format_map(ctx))

    def _proposal(self, lesson_id: int, base: int, proposer: int, t: int, kind: str,
                  summary: str, body: str, status: str, decided_by: int | None,
                  decided: int | None, reason: str | None, rev_id: int | None) -> int:
        pid = self.b_proposals.new_id()
        self.b_proposals.add({
            "id": pid, "lesson_id": lesson_id, "base_revision_id": base,
            "proposer_id": proposer, "kind": kind, "body": body, "summary": _clip(summary, 300),
            "status": status, "decided_by": decided_by,
            "decided_at": self.ts(decided) if decided is not None else None, "reason": reason,
            "revision_id": rev_id, "created_at": self.ts(t)})
        self.activity(proposer, "post", "proposal", pid, self.ts(t))
        if status in ("accepted", "rejected") and decided is not None:
            self.history(decided, decided_by, f"proposal.{status}", "proposal", pid,
                         before={"status": "pending"}, after={"status": status},
                         reason=reason)
        return pid

    def _proposer(self, rng: random.Random, t: int, exclude: tuple[int, ...]) -> int | None:
        for _ in range(40):
            u = self.pick(rng)
            if self.can_propose[u] and self.u_ct[u] < t and u not in exclude and u != LENA:
                return u
        return None

    def _signer(self, rng: random.Random, contributors: list[int], t: int) -> int:
        """A trainer who wrote none of the revision (the four-eyes rule)."""
        if TOMAS in contributors and MEI not in contributors:
            return MEI
        if MEI in contributors and TOMAS not in contributors:
            return TOMAS
        for _ in range(100):
            u = rng.choice(self.trainers)
            if u not in contributors and self.u_ct[u] < t:
                return u
        return next(u for u in (MEI, TOMAS, *self.trainers) if u not in contributors)

    def _lesson_body(self, rng: random.Random, topic: dict, title: str, ctx: dict) -> str:
        ctx = dict(ctx, lesson=title, lesson_l=_lower_first(title),
                   mins=rng.choice((10, 15, 20, 25)))
        steps = topic["steps"]
        order = sorted(rng.sample(range(len(steps)), 4))
        parts = [
            f"## Why this matters\n\n{rng.choice(txt.LESSON_WHY).format_map(ctx)} "
            f"{rng.choice(txt.LESSON_OUTCOME).format_map(ctx)}",
            "## Key points\n\n" + "\n".join(f"- {p}" for p in rng.sample(topic["points"], 4)),
            f"## How we do it at {txt.COMPANY}\n\n"
            + "\n".join(f"{n}. {steps[i]}" for n, i in enumerate(order, start=1)),
            rng.choice(_fits(txt.LESSON_EXAMPLE, ctx["domain"]))[0].format_map(ctx),
            "## Common pitfalls\n\n" + "\n".join(
                f"- {p}" for p in rng.sample(topic["pitfalls"], 3)),
            rng.choice(txt.LESSON_REMEMBER),
            "## Check yourself\n\n" + "\n".join(
                f"- {q}" for q in rng.sample(txt.LESSON_SELF_CHECK, 2)),
            "## Further reading\n\n" + "\n".join(
                f"- [{label}]({url})" for label, url in topic["links"]),
        ]
        return "\n\n".join(parts)

    # --- learning progress -----------------------------------------------------------------

    def learning(self, step: str) -> None:
        rng = self.rng("learning")
        T = self.T
        avail = {info.id: info.avail for info in self.lessons}
        by_audience: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        rows = self.b_progress
        for u in self.uids:
            if u % 500 == 0:
                self.progress(step, u, self.n)
            fn, site = self.u_func[u], self.u_site[u]
            key = (fn, site)
            if key not in by_audience:
                mand, opt = [], []
                for ci, (cfn, csite, m) in enumerate(self.course_meta):
                    if (cfn is None or cfn == fn) and (csite is None or csite == site):
                        (mand if m else opt).append(ci)
                by_audience[key] = (mand, opt)
            mand, opt = by_audience[key]
            if u == LENA:
                self._lena_progress(rng)
                continue
            n_opt = min(len(opt), int(rng.expovariate(1 / self.c["courses_per_person"])))
            chosen = [(ci, True) for ci in mand] + [(ci, False) for ci in rng.sample(opt, n_opt)]
            for ci, is_mand in chosen:
                lessons = self.course_lessons[ci]
                depth = len(lessons) if is_mand and rng.random() < 0.85 else rng.randint(
                    1, len(lessons))
                t = max(int(rng.random() * T), self.u_ct[u] + _DAY, avail[lessons[0]])
                for j, lid in enumerate(lessons[: depth + 1]):
                    t = max(_after(rng, T, t, 2 * _DAY), avail[lid] + _HOUR)
                    if t >= T:
                        break
                    done = j < depth
                    if not done and rng.random() < 0.5:
                        break
                    self._progress_row(rng, rows, u, lid, t, done, not is_mand)
        rows.flush()

    def _progress_row(self, rng: random.Random, rows: _Bulk, u: int, lid: int, t: int,
                      done: bool, earns: bool, rating: int | None = None) -> None:
        when = self.ts(t)
        self.activity(u, "view", "lesson", lid, when)
        if done:
            if rating is None and rng.random() < 0.45:
                rating = rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 15, 40, 37))[0]
            r = rng.random()
            relevant = True if r < 0.5 else (False if r < 0.58 else None)
            liked = rating is not None and rating >= 4 and rng.random() < 0.5
            self.activity(u, "completion", "lesson", lid, when)
            if earns:  # mandatory training earns no points and counts for no badge
                self.points(u, "lesson.completed", "lesson", lid, t)
                self.tick("completions", u, t)
        else:
            rating, relevant, liked = None, None, False
        rows.add({"user_id": u, "lesson_id": lid, "completed_at": when if done else None,
                  "rating": rating, "liked": liked, "relevant": relevant, "updated_at": when})

    def _lena_progress(self, rng: random.Random) -> None:
        T = self.T
        first = self.course_lessons[0]
        for j, lid in enumerate(first[:4]):
            t = T - (20 - 5 * j) * _DAY + 9 * _HOUR
            self._progress_row(rng, self.b_progress, LENA, lid, t, j < 3, True,
                               rating=5 if j == 0 else None)
        integrity = next(i for i, m in enumerate(self.course_meta) if m[2] and m[0] is None)
        for j, lid in enumerate(self.course_lessons[integrity][:2]):
            self._progress_row(rng, self.b_progress, LENA, lid, T - (22 - j) * _DAY, True,
                               False)

    # --- questions and answers (structure first, text when written) --------------------------

    def qa_structure(self, step: str) -> None:
        rng = self.rng("qa")
        T = self.T
        nq, na = self.c["questions"], self.c["answers"]
        scripted = self.scripted
        entries = [(int(rng.random() * T), -1) for _ in range(max(nq - len(scripted), 0))]
        entries += [(s["t"], k) for k, s in enumerate(scripted)]
        entries.sort(key=lambda e: e[0])
        self.q_time = [t for t, _ in entries]
        self.q_script = [k for _, k in entries]
        nq = len(entries)
        self.q_author = [0] * nq
        self.q_lesson: list[int | None] = [None] * nq
        self.q_seed = [0] * nq
        self.q_last = list(self.q_time)
        self.q_flags = [0] * nq
        lessons = self.lessons
        answered = []
        fixed_answers = []  # (t, question index, author, script)
        for i, (t, k) in enumerate(entries):
            self.q_seed[i] = rng.getrandbits(32)
            if k >= 0:
                s = scripted[k]
                self.q_author[i] = s["author"] or self.pick_at(rng, t, exclude=LENA)
                for a in s["answers"]:
                    author = a["author"]
                    while not author:  # somebody other than the story's people
                        author = self.pick_at(rng, t, self.cw_answer, self.q_author[i])
                        author = 0 if author in (LENA, TOMAS) else author
                    fixed_answers.append((a["t"], i, author, a))
                continue
            self.q_author[i] = self.pick_at(rng, t)
            if rng.random() < 0.25:
                info = lessons[rng.randrange(len(lessons))]
                if info.avail < t:
                    self.q_lesson[i] = info.id
            if T - t > 6 * _HOUR and rng.random() >= 0.12:
                answered.append(i)
        budget = max(na - len(fixed_answers), 0)
        answered = answered[:budget]
        extra = budget - len(answered)
        weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in answered))
        count = dict.fromkeys(answered, 1)
        for _ in range(extra if answered else 0):
            count[answered[bisect.bisect(weights, rng.random() * weights[-1])]] += 1
        ans = list(fixed_answers)
        for i in answered:
            tq = self.q_time[i]
            seen = {self.q_author[i]}
            for _ in range(count[i]):
                author = self.pick_at(rng, tq, self.cw_answer, self.q_author[i])
                if author in seen:
                    author = self.pick_at(rng, tq, self.cw_answer, self.q_author[i])
                seen.add(author)
                ans.append((_after(rng, T, tq, 18 * _HOUR), i, author, None))
        ans.sort(key=lambda a: a[0])
        self.a_time = [a[0] for a in ans]
        self.a_q = [a[1] for a in ans]
        self.a_author = [a[2] for a in ans]
        self.a_script = [a[3] for a in ans]
        self.a_accepted = [False] * len(ans)
        self.a_flags = [0] * len(ans)
        self.q_answers: list[list[int]] = [[] for _ in range(nq)]
        for j, (t, i, _u, _s) in enumerate(ans):
            self.q_answers[i].append(j)
            if t > self.q_last[i]:
                self.q_last[i] = t
        self.q_accepted = [-1] * nq  # answer index
        self.accept_time = [0] * nq
        for i, js in enumerate(self.q_answers):
            if not js:
                continue
            if self.q_script[i] >= 0:
                pick = [j for j in js if self.a_script[j] and self.a_script[j].get("accepted")]
                chosen = pick[0] if pick else None
            else:
                chosen = rng.choice(js) if rng.random() < 0.45 else None
            if chosen is not None:
                self.q_accepted[i] = chosen
                self.a_accepted[chosen] = True
                self.accept_time[i] = _after(rng, T, self.a_time[chosen], 24 * _HOUR)
                self.q_last[i] = max(self.q_last[i], self.accept_time[i])  # as qa.accept does

    def _question_ctx(self, i: int) -> tuple[dict, dict, str]:
        """The template, slot values and title template of question i (pure in its seed)."""
        r = random.Random(self.q_seed[i])
        tpl = r.choice(txt.QUESTION_TEMPLATES)
        title = r.choice(tpl["titles"])
        agencies = tpl.get("agencies")
        if isinstance(title, tuple):
            title, agencies = title
        return tpl, self.ctx(r, agencies), title

    # --- suggestions --------------------------------------------------------------------

    def suggestions(self, step: str) -> None:
        rng = self.rng("suggestions")
        T = self.T
        ns = self.c["suggestions"]
        lena_t = T - 4 * _DAY
        times = sorted([int(rng.random() * T) for _ in range(max(ns - 1, 0))] + [lena_t])
        curated = [s for s in txt.SUGGESTIONS if not s[0].startswith("Shared glossary")]
        rng.shuffle(curated)
        statuses = ("new", "under_review", "planned", "in_progress", "implemented", "declined",
                    "duplicate")
        paths = {"new": [], "under_review": ["under_review"],
                 "planned": ["under_review", "planned"],
                 "in_progress": ["under_review", "planned", "in_progress"],
                 "implemented": ["under_review", "planned", "in_progress", "implemented"],
                 "declined": ["under_review", "declined"], "duplicate": ["duplicate"]}
        self.sg: list[dict] = []
        self.sg_time = times
        lena_done = False
        for i, t in enumerate(times):
            if t == lena_t and not lena_done:
                lena_done = True
                author, site = LENA, 0
                title, category, kind, phrasing = txt.SUGGESTIONS[1]
                status, dup_of = "new", None
                ctx = self.ctx(rng, ("EMA", "FDA"))
                desc = ("New starters meet EMA and FDA terms side by side from day one "
                        "(*variation* vs *supplement*, *MAA* vs *NDA/BLA*, *SmPC* vs *USPI*). "
                        "A shared glossary on this platform, maintained by Regulatory Affairs, "
                        "would save everyone from asking the same questions.")
                benefit = "Faster onboarding of new colleagues."
            else:
                author = self.pick_at(rng, t)
                site = self.u_site[author] if rng.random() < 0.85 else rng.randrange(6)
                ctx = self.ctx(rng)
                ctx["site"] = self.site_names[site]
                ctx.update(task=rng.choice(txt.SUGGESTION_TASKS),
                           artefact=rng.choice(txt.SUGGESTION_ARTEFACTS),
                           metric=rng.choice(txt.SUGGESTION_METRICS),
                           course=rng.choice(txt.COURSES)["title"])
                if curated:
                    title, category, kind, phrasing = curated.pop()
                else:
                    title, category, kind, phrasing = rng.choice(txt.SUGGESTION_TEMPLATES)
                    title = title.format_map(ctx)
                status = rng.choices(statuses, weights=(22, 20, 12, 10, 16, 13, 7))[0]
                if T - t < 7 * _DAY and status != "duplicate":
                    status = "new"
                dup_of = None
                if status == "duplicate":
                    originals = [k for k in range(i) if self.sg[k]["status"] != "duplicate"]
                    if originals:
                        dup_of = rng.choice(originals)
                        orig = self.sg[dup_of]
                        title = _rephrase(orig["title"], orig["phrasing"], orig["kind"])
                        category, kind = orig["category"], orig["kind"]
                    else:
                        status = "new"
                desc = " ".join(_sentence(rng.choice(options).format_map(ctx)) for options in (
                    txt.SUGGESTION_PROBLEMS[category], txt.SUGGESTION_PROPOSALS))
                benefit = rng.choice(txt.SUGGESTION_BENEFITS).format_map(ctx)
            row = {"title": _clip(title, 200), "category": category, "kind": kind,
                   "phrasing": phrasing, "status": status,
                   "author": author, "site": site, "t": t, "desc": desc,
                   "benefit": benefit if rng.random() < 0.8 or author == LENA else None,
                   "dup_of": dup_of, "changes": [],
                   "response": None, "benefit_score": None, "effort_score": None,
                   "comments": 0, "votes": 0, "flags": 0}
            self._timeline(rng, row, paths[status], ctx)
            self.sg.append(row)

    def _timeline(self, rng: random.Random, row: dict, path: list[str], ctx: dict) -> None:
        T = self.T
        t0 = row["t"]
        row["changes"].append((None, "new", row["author"], t0, None))
        if not path:
            row["changed"] = t0
            return
        gaps = [int(rng.expovariate(1 / (9 * _DAY))) + _HOUR for _ in path]
        room = (T - t0) * 0.95
        if sum(gaps) > room:
            f = room / sum(gaps)
            gaps = [max(int(g * f), 60) for g in gaps]
        if (row["site"] == 0 and rng.random() < 0.6) or row["category"] == "Regulatory":
            leader = LARS
        else:
            leader = rng.choice(self.leaders)
        # Leaders never decide on their own suggestion, nor merge into their own.
        taken = {row["author"]}
        if row["dup_of"] is not None:
            taken.add(self.sg[row["dup_of"]]["author"])
        if self.u_ct[leader] > t0 or leader in taken:
            leader = next(u for u in (LARS, ADA, *self.leaders) if u not in taken)
        ctx = dict(ctx, owner=self.u_name[leader])
        status = row["status"]
        response = None
        if status == "duplicate":
            orig = row["dup_of"]
            response = f"Merged into suggestion {orig + 1}: {_clip(self.sg[orig]['title'], 120)}"
        elif status in txt.RESPONSES and (status == "declined" or rng.random() < 0.7):
            response = rng.choice(txt.RESPONSES[status]).format_map(ctx)
        row["response"] = response
        if status not in ("new", "duplicate") and (status != "under_review"
                                                   or rng.random() < 0.5):
            row["benefit_score"] = rng.choices((1, 2, 3, 4, 5), weights=(5, 15, 35, 30, 15))[0]
            row["effort_score"] = rng.choices((1, 2, 3, 4, 5), weights=(10, 30, 30, 20, 10))[0]
        t = t0
        prev = "new"
        for k, (to, gap) in enumerate(zip(path, gaps, strict=True)):
            t = min(t + gap, T - 60)
            reason = response if k == len(path) - 1 else None
            row["changes"].append((prev, to, leader, t, reason))
            prev = to
        row["changed"] = t

    # --- flags, comments, votes --------------------------------------------------------------

    def flags(self, step: str) -> None:
        """A few recent reports for the moderation queue (one or two per item)."""
        rng = self.rng("flags")
        T = self.T
        n = max(8, self.c["questions"] // 100)
        nq, na, ns = len(self.q_time), len(self.a_time), len(self.sg)
        done: set[tuple[int, int, int]] = set()
        for _ in range(n):
            r = rng.random()
            if r < 0.4:
                code, idx = 0, rng.randrange(nq)
                author, t0 = self.q_author[idx], self.q_time[idx]
                scripted = self.q_script[idx] >= 0
            elif r < 0.85 and na:
                code, idx = 1, rng.randrange(na)
                author, t0 = self.a_author[idx], self.a_time[idx]
                scripted = bool(self.a_script[idx])
            else:
                code, idx = 2, rng.randrange(ns)
                s = self.sg[idx]
                author, t0, scripted = s["author"], s["t"], s["author"] == LENA
            t = max(t0 + _HOUR, T - rng.randint(1, 12) * _DAY)
            if scripted or t >= T:
                continue
            for _f in range(1 if rng.random() < 0.7 else 2):
                user = self.pick_at(rng, t, exclude=author)
                if (user, code, idx) in done:
                    continue
                done.add((user, code, idx))
                flag_reason = rng.choice(txt.FLAG_REASONS)
                self.b_flags.add({"id": self.b_flags.new_id(), "user_id": user,
                                  "entity_type": ("question", "answer", "suggestion")[code],
                                  "entity_id": idx + 1, "reason": flag_reason,
                                  "created_at": self.ts(t), "resolved_at": None})
                self.history(t, user, "content.flagged",
                             ("question", "answer", "suggestion")[code], idx + 1,
                             reason=flag_reason)
                if code == 0:
                    self.q_flags[idx] += 1
                elif code == 1:
                    self.a_flags[idx] += 1
                else:
                    self.sg[idx]["flags"] += 1
                t = min(t + _HOUR, T - 1)
        self.b_flags.flush()

    def comments(self, step: str) -> None:
        rng = self.rng("comments")
        T = self.T
        n = self.c["comments"]
        nq, na, ns, nl = len(self.q_time), len(self.a_time), len(self.sg), len(self.lessons)
        made = []  # (t, order, etype, eid, author, parent order or -1)
        per_entity: dict[tuple[int, int], list[int]] = {}
        for order in range(n):
            r = rng.random()
            if r < 0.45 and nq:
                code, idx = 0, rng.randrange(nq)
                t0 = self.q_time[idx]
            elif r < 0.75 and na:
                code, idx = 1, rng.randrange(na)
                t0 = self.a_time[idx]
            elif r < 0.9 and ns:
                code, idx = 2, rng.randrange(ns)
                t0 = self.sg[idx]["t"]
            else:
                code, idx = 3, rng.randrange(nl)
                t0 = self.lessons[idx].avail
            key = (code, idx)
            parent = -1
            earlier = per_entity.get(key)
            if earlier and rng.random() < 0.3:
                parent = rng.choice(earlier)
                t0 = made[parent][0]
            t = _after(rng, T, t0, 30 * _HOUR)
            author = self.pick_at(rng, t)
            made.append((t, order, code, idx, author, parent))
            per_entity.setdefault(key, []).append(order)
        ordering = sorted(range(len(made)), key=lambda k: (made[k][0], k))
        new_id = {k: pos + 1 for pos, k in enumerate(ordering)}
        text_rng = self.rng("comment text")
        etypes = ("question", "answer", "suggestion", "lesson")
        for done, k in enumerate(ordering):
            if done % 5000 == 0:
                self.progress(step, done, len(made))
            t, _o, code, idx, author, parent = made[k]
            target, about = 0, -1  # whom to tell, and the question it is about
            if code == 0:
                eid = idx + 1
                self.q_last[idx] = max(self.q_last[idx], t)
                target, about = self.q_author[idx], idx
            elif code == 1:
                eid = idx + 1
                about = self.a_q[idx]
                self.q_last[about] = max(self.q_last[about], t)
                target = self.a_author[idx]
            elif code == 2:
                eid = idx + 1
                self.sg[idx]["comments"] += 1
                target = self.sg[idx]["author"]
            else:
                eid = self.lessons[idx].id
            ctx = self.comment_ctx(text_rng)
            body = text_rng.choice(txt.REPLIES if parent >= 0 else txt.COMMENTS).format_map(ctx)
            cid = new_id[k]
            when = self.ts(t)
            self.b_comments.add({
                "id": cid, "entity_type": etypes[code], "entity_id": eid,
                "parent_id": new_id[parent] if parent >= 0 else None, "author_id": author,
                "body": body, "fingerprint": fingerprint(body), "created_at": when,
                "status": "visible", "flag_count": 0})
            self.activity(author, "post", "comment", cid, when)
            self.points(author, "comment.posted", "comment", cid, t)
            if target and t > T - 14 * _DAY:
                title = self._question_title(about) if about >= 0 else self.sg[idx]["title"]
                self.notify(target, "comment",
                            f"{self.u_name[author]} commented on “{_clip(title, 120)}”.",
                            "comment", cid, author, t)
        self.b_comments.next_id = len(made) + 1
        self.b_comments.flush()

    def voters(self, rng: random.Random, k: int, author: int) -> list[int]:
        """k distinct people other than the author, the engaged ones more likely."""
        n = self.n
        if k >= n - 1:
            return [u for u in self.uids if u != author]
        picks = dict.fromkeys(rng.choices(self.uids, cum_weights=self.cw_active,
                                          k=k + k // 3 + 3))
        picks.pop(author, None)
        out = list(picks)[:k]
        if len(out) < k:
            have = set(out)
            have.add(author)
            while len(out) < k:
                u = rng.randint(1, n)
                if u not in have:
                    have.add(u)
                    out.append(u)
        return out

    def votes(self, step: str) -> None:
        rng = self.rng("votes")
        T = self.T
        na = len(self.a_time)
        total = self.c["votes"]

        def counts(weights: list[float], budget: int) -> list[int]:
            w_sum = sum(weights) or 1.0
            cap = self.n - 2
            return [min(int(budget * w / w_sum + rng.random()), cap) for w in weights]

        # Heavy-tailed popularity, capped so no item collects most of the organisation.
        qw = [min(rng.paretovariate(1.6), 15.0) * (0.3 + (T - t) / T) for t in self.q_time]
        aw = [min(rng.paretovariate(1.6), 15.0) * (3.0 if self.a_accepted[j] else 1.0)
              * (0.3 + (T - self.a_time[j]) / T) for j in range(na)]
        q_counts = counts(qw, int(total * 0.35))
        a_counts = counts(aw, total - int(total * 0.35))
        appeal = {"implemented": 2.5, "planned": 2.0, "in_progress": 2.0, "under_review": 1.2,
                  "declined": 1.0, "new": 0.8,
                  "duplicate": 0.0}  # merging moved a duplicate's votes to the original
        sw = [min(rng.paretovariate(1.8), 15.0) * appeal[s["status"]] * (0.3 + (T - s["t"]) / T)
              for s in self.sg]
        s_counts = counts(sw, self.c["suggestion_votes"])
        grand = sum(q_counts) + sum(a_counts) + sum(s_counts)
        self.q_score = self._cast(rng, step, grand, "question", self.q_author, self.q_time,
                                  q_counts, 0.9)
        self.a_score = self._cast(rng, step, grand, "answer", self.a_author, self.a_time,
                                  a_counts, 0.92)
        s_score = self._cast(rng, step, grand, "suggestion", [s["author"] for s in self.sg],
                             [s["t"] for s in self.sg], s_counts, 1.0)
        now = self.dt(T)
        for s, v, w in zip(self.sg, s_score, self.s_weight, strict=True):
            s["votes"], s["trend"] = v, trend_key(w, now)
        self._write_votes(step, grand)

    def _cast(self, rng: random.Random, step: str, grand: int, etype: str, authors: list[int],
              times: list[int], counts: list[int], up_p: float) -> list[int]:
        """Votes on one kind of item, kept compactly; returns each item's score."""
        T = self.T
        ct = self.u_ct
        v_user, v_etype, v_eid, v_value, v_t = (self.v_user, self.v_etype, self.v_eid,
                                                self.v_value, self.v_t)
        code = _ETYPE_CODE[etype]
        expo = rng.expovariate
        rand = rng.random
        mean = 1.0 / (4 * _DAY)
        scores = [0] * len(counts)
        # What each suggestion's votes weigh at the end of the timeline (its trend key).
        weights = self.s_weight = [0.0] * len(counts) if etype == "suggestion" else None
        half_life = HALF_LIFE_DAYS * _DAY
        for i, k in enumerate(counts):
            if not k:
                continue
            if i % 2000 == 0:
                self.progress(step, len(v_t), grand)
            author, t0, eid = authors[i], times[i], i + 1
            score = 0
            for v in self.voters(rng, k, author):
                room = T - t0
                d = int(expo(mean)) + 60
                t = t0 + (d if d < room else int(rand() * max(room, 1)))
                c = ct[v]
                if t <= c:
                    if c >= T - 60:
                        continue
                    t = c + 60 + int(rand() * (T - c - 60))
                value = 1 if rand() < up_p else -1
                v_user.append(v)
                v_etype.append(code)
                v_eid.append(eid)
                v_value.append(value)
                v_t.append(t)
                score += value
                if weights is not None:
                    weights[i] += 0.5 ** ((T - t) / half_life)
            scores[i] = score
        return scores

    def _write_votes(self, step: str, grand: int) -> None:
        """Insert the votes in the order of their unique (person, item) index, which keeps
        the index's pages together, with their activity events; each upvote earns its item's
        author points."""
        v_user, v_etype, v_eid, v_value, v_t = (self.v_user, self.v_etype, self.v_eid,
                                                self.v_value, self.v_t)
        authors = (self.q_author, self.a_author, [s["author"] for s in self.sg])
        slot = {_ETYPE_CODE["question"]: 0, _ETYPE_CODE["answer"]: 1,
                _ETYPE_CODE["suggestion"]: 2}
        key = [((u * 8 + e) << 32) + i for u, e, i in zip(v_user, v_etype, v_eid, strict=True)]
        b, ts, activity = self.b_votes, self.ts, self.b_activity
        for n, k in enumerate(sorted(range(len(key)), key=key.__getitem__)):
            if n % 50_000 == 0:
                self.progress(step, n, grand)
            e, voter, eid = v_etype[k], v_user[k], v_eid[k]
            recipient = authors[slot[e]][eid - 1]
            vid, t = b.new_id(), v_t[k]
            when = ts(t)
            b.rows.append((vid, voter, _ETYPES[e], eid, recipient, v_value[k], when))
            activity.rows.append((activity.new_id(), voter, "vote", _ETYPES[e], eid, when))
            if len(b.rows) >= _CHUNK:
                b.flush()
                activity.flush()
            if v_value[k] > 0:
                self.points(recipient, "vote.received", "vote", vid, t, voter=voter)
        b.flush()
        activity.flush()
        for a in (v_user, v_etype, v_eid, v_value, v_t):
            del a[:]

    # --- writing questions, answers and suggestions -------------------------------------------

    def write_posts(self, step: str) -> None:
        """Questions, answers and suggestions, with what posting them caused."""
        self._post_effects()
        total = len(self.q_time) + len(self.a_time)
        if self.s.get_bind().dialect.name == "sqlite":
            # Search triggers re-index a question on every answer insert. Written after its
            # answers, each question is indexed once; the foreign keys are checked at commit.
            self.s.execute(text("PRAGMA defer_foreign_keys = ON"))
            self._write_answers(step, 0, total)
            self._restore_indexes("answers")  # the search trigger reads answers by question
            self._write_questions(step, len(self.a_time), total, with_accepted=True)
            self.s.execute(text("PRAGMA defer_foreign_keys = OFF"))
        else:
            # The search triggers re-index a question on every one of its answers (the busiest
            # has a thousand): off for the load, then the index is built once.
            triggers = (("questions", "question_search_question"),
                        ("answers", "question_search_answer"))
            for table_name, trigger in triggers:
                self.s.execute(text(f"ALTER TABLE {table_name} DISABLE TRIGGER {trigger}"))
            self._write_questions(step, 0, total, with_accepted=False)
            self._write_answers(step, len(self.q_time), total)
            search.rebuild(self.s)
            for table_name, trigger in triggers:
                self.s.execute(text(f"ALTER TABLE {table_name} ENABLE TRIGGER {trigger}"))
            qt = Question.__table__
            accepted = [{"qid": i + 1, "aid": j + 1} for i, j in enumerate(self.q_accepted)
                        if j >= 0]
            if accepted:
                self.s.execute(update(qt).where(qt.c.id == bindparam("qid"))
                               .values(accepted_answer_id=bindparam("aid")), accepted)
        self.b_question_tags.flush()
        self._write_suggestions()

    def _post_effects(self) -> None:
        """Activity, points, follows and notifications from asking and answering."""
        rng = self.rng("post effects")
        recent = self.T - 30 * _DAY
        for i, t in enumerate(self.q_time):
            author = self.q_author[i]
            self.activity(author, "post", "question", i + 1, self.ts(t))
            self.points(author, "question.asked", "question", i + 1, t)
            self.tick("questions", author, t)
            self.follow(author, "question", i + 1, t)
        for j, t in enumerate(self.a_time):
            i, author, script = self.a_q[j], self.a_author[j], self.a_script[j]
            q_author = self.q_author[i]
            self.activity(author, "post", "answer", j + 1, self.ts(t))
            self.points(author, "answer.posted", "answer", j + 1, t)
            self.tick("answers", author, t)
            if self.u_site[q_author] != self.u_site[author]:
                self.tick("other_sites", author, t, item=self.u_site[q_author])
            self.follow(author, "question", i + 1, t)  # answering follows the question
            if t > recent or (script and script.get("notify")) or rng.random() < 0.04:
                title = _clip(self._question_title(i), 120)
                self.notify(q_author, "answer", f"{self.u_name[author]} answered “{title}”.",
                            "answer", j + 1, author, t)
            if self.a_accepted[j]:
                ta = self.accept_time[i]
                self.points(author, "answer.accepted", "answer", j + 1, ta)
                self.tick("accepted_answers", author, ta)
                if ta > recent or script:
                    title = _clip(self._question_title(i), 120)
                    self.notify(author, "accepted",
                                f"{self.u_name[q_author]} accepted your answer to “{title}”.",
                                "answer", j + 1, q_author, ta)

    def _write_questions(self, step: str, done: int, total: int, *,
                         with_accepted: bool) -> None:
        rng = self.rng("question text")
        tag_id = self.tag_id
        for i, t in enumerate(self.q_time):
            if i % 5000 == 0:
                self.progress(step, done + i, total)
            k = self.q_script[i]
            if k >= 0:
                s = self.scripted[k]
                title, body, tags = s["title"], s["body"], s["tags"]
            else:
                tpl, ctx, title_t = self.question_ctx(i)
                title = title_t.format_map(ctx)
                body = " ".join(b.format_map(ctx) for b in tpl["body"])
                if rng.random() < 0.3:
                    body += "\n\n" + rng.choice(_QUESTION_ENDINGS).format_map(ctx)
                tags = [tg.format_map(ctx) for tg in tpl["tags"]]
            title = _clip(title, 200)
            acc = self.q_accepted[i]
            first = min((self.a_time[j] for j in self.q_answers[i]), default=None)
            self.b_questions.add({
                "id": i + 1, "title": title, "body": body, "fingerprint": fingerprint(body),
                "title_fingerprint": fingerprint(title),
                "author_id": self.q_author[i], "lesson_id": self.q_lesson[i],
                "created_at": self.ts(t), "last_activity_at": self.ts(self.q_last[i]),
                "edited_at": None, "score": self.q_score[i],
                "answer_count": len(self.q_answers[i]),
                "answer_seconds": (self.tl.real(first) - self.tl.real(t)
                                   if first is not None else None),
                "accepted_answer_id": acc + 1 if with_accepted and acc >= 0 else None,
                "status": "visible", "flag_count": self.q_flags[i]})
            for tg in dict.fromkeys(tags):
                if tg in tag_id:
                    self.b_question_tags.add({"question_id": i + 1, "tag_id": tag_id[tg]})
        self.b_questions.next_id = len(self.q_time) + 1
        self.b_questions.flush()

    def _write_answers(self, step: str, done: int, total: int) -> None:
        rng = self.rng("answer text")
        for j, t in enumerate(self.a_time):
            if j % 5000 == 0:
                self.progress(step, done + j, total)
            i = self.a_q[j]
            script = self.a_script[j]
            if script:
                body = script["body"]
            else:
                tpl, ctx, _title = self.question_ctx(i)
                body = self._answer_text(rng, tpl, ctx)
            self.b_answers.rows.append({
                "id": j + 1, "question_id": i + 1, "body": body, "fingerprint": fingerprint(body),
                "author_id": self.a_author[j],
                "created_at": self.ts(t), "edited_at": None, "score": self.a_score[j],
                "is_accepted": self.a_accepted[j], "status": "visible",
                "flag_count": self.a_flags[j]})
            # write(), not flush(): on SQLite questions come after their answers.
            if len(self.b_answers.rows) >= _CHUNK:
                self.b_answers.write()
        self.b_answers.write()
        self.b_answers.next_id = len(self.a_time) + 1

    def _question_title(self, i: int) -> str:
        k = self.q_script[i]
        if k >= 0:
            return self.scripted[k]["title"]
        _tpl, ctx, title_t = self.question_ctx(i)
        return title_t.format_map(ctx)

    def _answer_text(self, rng: random.Random, tpl: dict, ctx: dict) -> str:
        """Two to five sentences: one that answers the question, then domain advice."""
        domain = tpl["domain"]
        generic = txt.ANSWER_GENERIC[domain]
        parts = [rng.choice(tpl["answers"]).format_map(ctx)]
        parts += [s.format_map(ctx) for s in rng.sample(generic, rng.choice((1, 1, 2, 3)))]
        body = " ".join(parts)
        if rng.random() < 0.3:
            body += "\n\n" + rng.choice(txt.ANSWER_LISTS[domain]).format_map(ctx)
        if rng.random() < 0.2:
            body += "\n\n" + rng.choice(txt.ANSWER_LINKS[domain]).format_map(ctx)
        return body

    def _write_suggestions(self) -> None:
        T = self.T
        for k, s in enumerate(self.sg):
            sid = k + 1
            self.b_suggestions.add({
                "id": sid, "title": s["title"], "description": s["desc"],
                "fingerprint": fingerprint(s["desc"]),
                "category": s["category"], "kind": s["kind"], "site_id": s["site"] + 1,
                "expected_benefit": s["benefit"], "benefit_score": s["benefit_score"],
                "effort_score": s["effort_score"], "author_id": s["author"],
                "status": s["status"], "status_changed_at": self.ts(s["changed"]),
                "response": s["response"],
                "duplicate_of_id": s["dup_of"] + 1 if s["dup_of"] is not None else None,
                "vote_count": s["votes"], "trend": s["trend"], "comment_count": s["comments"],
                "visibility": "visible", "flag_count": s["flags"],
                "created_at": self.ts(s["t"])})
            for frm, to, by, t, reason in s["changes"]:
                if frm is None:
                    self.history(t, by, "suggestion.submitted", "suggestion", sid,
                                 after={"title": s["title"], "category": s["category"]})
                else:
                    self.history(t, by, "suggestion.status_changed", "suggestion", sid,
                                 before={"status": frm}, after={"status": to}, reason=reason)
                self.b_changes.add({
                    "id": self.b_changes.new_id(), "suggestion_id": sid, "from_status": frm,
                    "to_status": to, "changed_by": by, "changed_at": self.ts(t),
                    "reason": reason})
                if frm is None or t < T - 60 * _DAY:
                    continue
                title = _clip(s["title"], 80)
                if to == "duplicate":
                    orig = _clip(self.sg[s["dup_of"]]["title"], 80)
                    message = f"“{title}” was merged into “{orig}”; votes for it moved there."
                else:
                    message = f"“{title}” is now {_STATUS_LABEL[to]}." + (
                        f" {self.u_name[by]}: {reason}" if reason else "")
                self.notify(s["author"], "suggestion_status", message, "suggestion", sid, by, t)
            when = self.ts(s["t"])
            self.activity(s["author"], "post", "suggestion", sid, when)
            self.points(s["author"], "suggestion.submitted", "suggestion", sid, s["t"])
            self.tick("suggestions", s["author"], s["t"])
            self.follow(s["author"], "suggestion", sid, s["t"])
            if s["status"] == "implemented":
                t_impl = s["changes"][-1][3]
                self.points(s["author"], "suggestion.implemented", "suggestion", sid, t_impl)
                self.tick("implemented", s["author"], t_impl)
        self.b_suggestions.next_id = len(self.sg) + 1
        self.b_suggestions.flush()
        self.b_changes.flush()

    # --- follows, badges, views --------------------------------------------------------------

    def follows(self, step: str) -> None:
        """People follow colleagues (trainers most) and tags (new questions tagged so)."""
        rng = self.rng("follows")
        T = self.T
        for other in (TOMAS, MEI):
            self.follow(LENA, "user", other, self.u_ct[LENA] + _DAY)
        tags = [self.tag_id[name] for name, _kind in txt.TAGS]
        for u in self.uids:
            for _ in range(min(int(rng.expovariate(1 / 1.5)), 8)):
                other = rng.choice(self.trainers) if rng.random() < 0.4 else self.pick(rng)
                t = max(self.u_ct[u], self.u_ct[other], 0) + _DAY
                if other != u and t < T:
                    self.follow(u, "user", other, _after(rng, T, t, 60 * _DAY))
            if rng.random() < 0.25:
                t = max(self.u_ct[u], 0) + _DAY
                for tag in rng.sample(tags, rng.randint(1, 3)):
                    self.follow(u, "tag", tag, _after(rng, T, t, 90 * _DAY))
        self.b_follows.flush()

    def ledger(self, step: str) -> None:
        """Write the points ledger in time order, as db.points.award would have: values and
        daily caps per action, and no points for an upvote beyond the fair-play limit of
        upvotes from one person to another (counted per 30-day window). The leaderboard
        totals are counted once at the end rather than by a trigger per point."""
        from db import points as rules

        with rules.totals_paused(self.s):
            self._ledger(step)

    def _ledger(self, step: str) -> None:
        from db import points as rules

        values = [rules.POINTS.get(a, 0) for a in _ACTIONS]
        caps = [rules.DAILY_CAP.get(a) for a in _ACTIONS]
        pair_limit = int(rules.FAIR_PLAY["pair_limit"])
        window = int(rules.FAIR_PLAY["pair_days"] * _DAY)
        received = _ACTION_CODE["vote.received"]
        p_t, p_user, p_action = self.p_t, self.p_user, self.p_action
        p_etype, p_eid, p_voter = self.p_etype, self.p_eid, self.p_voter
        order = sorted(range(len(p_t)), key=p_t.__getitem__)
        today: dict[int, int] = {}
        pairs: dict[int, int] = {}
        day_now = window_now = None
        width = self.n + 1
        b, ts = self.b_points, self.ts
        m_user, m_code, m_item, m_t = self.m_user, self.m_code, self.m_item, self.m_t
        upvotes = _METRIC_CODE["upvotes"]
        for k, i in enumerate(order):
            if k % 100_000 == 0:
                self.progress(step, k, len(order))
            t, user, a = p_t[i], p_user[i], p_action[i]
            value = values[a]
            if value <= 0:
                continue
            if a == received:
                if t // window != window_now:
                    window_now = t // window
                    pairs.clear()
                key = p_voter[i] * width + user
                before = pairs.get(key, 0)
                pairs[key] = before + 1
                if before >= pair_limit:
                    continue
            cap = caps[a]
            if cap is not None:
                if t // _DAY != day_now:
                    day_now = t // _DAY
                    today.clear()
                key = user * len(_ACTIONS) + a
                so_far = today.get(key, 0)
                value = min(value, cap - so_far)
                if value <= 0:
                    continue
                today[key] = so_far + value
            b.rows.append((b.new_id(), user, _ACTIONS[a], value, _ETYPES[p_etype[i]],
                           p_eid[i], ts(t)))
            if len(b.rows) >= _CHUNK:
                b.flush()
            if a == received:
                m_user.append(user)
                m_code.append(upvotes)
                m_item.append(0)
                m_t.append(t)
        b.flush()

    def badges(self, step: str) -> None:
        """Badges (db.gamification.BADGES) awarded when each threshold was crossed."""
        from db.gamification import BADGES

        rng = self.rng("badges")
        T = self.T
        tiers: dict[int, list[tuple[str, str, int, str, str]]] = {}
        for badge in BADGES:
            for tier, need, rule in zip(("bronze", "silver", "gold"), badge.thresholds,
                                        badge.rules, strict=True):
                tiers.setdefault(_METRIC_CODE[badge.metric], []).append(
                    (badge.key, tier, need, badge.name, rule))
        counts = [[0] * (self.n + 1) for _ in _METRICS]
        distinct = {_METRIC_CODE[m] for m in _DISTINCT_METRICS}
        seen: set[tuple[int, int, int]] = set()
        m_user, m_code, m_item, m_t = self.m_user, self.m_code, self.m_item, self.m_t
        for i in sorted(range(len(m_t)), key=m_t.__getitem__):
            code, user, t = m_code[i], m_user[i], m_t[i]
            if code in distinct:
                key = (code, user, m_item[i])
                if key in seen:
                    continue
                seen.add(key)
            c = counts[code][user] = counts[code][user] + 1
            for badge, tier, need, name, rule in tiers.get(code, ()):
                if c != need:
                    continue
                seen_at = None
                if t < T - 2 * _DAY and rng.random() < 0.85:
                    seen_at = self.ts(_after(rng, T, t, 2 * _DAY))
                self.b_badges.add({"user_id": user, "badge": badge, "tier": tier,
                                   "awarded_at": self.ts(t), "seen_at": seen_at})
                if t > T - 30 * _DAY:
                    self.notify(user, "badge", f"You earned the {tier} {name} badge: {rule}.",
                                "user", user, None, t)
        self.b_badges.flush()

    def write_notifications(self, step: str) -> None:
        """Notifications in the order they happened (lists page through them by id)."""
        rng = self.rng("notifications")
        T = self.T
        b = self.b_notifications
        for t, _seq, user, kind, message, etype, eid, actor, unread in sorted(self.notes):
            read = None
            if not unread and t < T - 3 * _DAY and rng.random() < 0.8:
                read = self.ts(_after(rng, T, t, 20 * _HOUR))
            b.add({"id": b.new_id(), "user_id": user, "kind": kind, "text": message,
                   "entity_type": etype, "entity_id": eid, "actor_id": actor,
                   "created_at": self.ts(t), "read_at": read})
        b.flush()

    def views(self, step: str) -> None:
        """Page views fill the activity log up to the scale's size, day by day."""
        rng = self.rng("views")
        self.b_activity.flush()
        remaining = self.c["activity"] - self.b_activity.count
        if remaining <= 0:
            return
        lessons = sorted(self.lessons, key=lambda x: x.avail)
        l_avail = [x.avail for x in lessons]
        l_cw = list(itertools.accumulate(rng.paretovariate(1.4) for _ in lessons))
        q_cw = list(itertools.accumulate(
            1 + len(a) + max(s, 0) for a, s in zip(self.q_answers, self.q_score, strict=True)))
        s_time = self.sg_time
        s_cw = list(itertools.accumulate(1 + s["votes"] for s in self.sg))
        ct = self.u_ct
        per_day = remaining / self.days
        for d in range(self.days):
            if d % 30 == 0:
                self.progress(step, d, self.days)
            n = int(per_day + rng.random())
            for t in sorted(d * _DAY + int(rng.random() * _DAY) for _ in range(n)):
                u = self.pick(rng)
                if ct[u] >= t:
                    u = self.pick(rng)
                    if ct[u] >= t:
                        continue
                r = rng.random()
                if r < 0.5:
                    k = bisect.bisect_right(l_avail, t)
                    if not k:
                        continue
                    idx = bisect.bisect(l_cw, rng.random() * l_cw[-1])
                    if idx >= k:
                        idx = rng.randrange(k)
                    etype, eid = "lesson", lessons[idx].id
                elif r < 0.88 and self.q_time:
                    k = bisect.bisect_right(self.q_time, t)
                    if not k:
                        continue
                    idx = bisect.bisect(q_cw, rng.random() * q_cw[-1])
                    if idx >= k:
                        idx = rng.randrange(k)
                    etype, eid = "question", idx + 1
                else:
                    k = bisect.bisect_right(s_time, t)
                    if not k:
                        continue
                    idx = bisect.bisect(s_cw, rng.random() * s_cw[-1])
                    if idx >= k:
                        idx = rng.randrange(k)
                    etype, eid = "suggestion", idx + 1
                self.activity(u, "view", etype, eid, self.ts(t))
        self.b_activity.flush()

    # --- regulatory submissions ------------------------------------------------------------

    def submissions(self, step: str) -> None:
        rng = self.rng("submissions")
        n = self.c["submissions"]
        span = 2 * self.days  # submission history reaches further back than the platform
        today = self.now.date()
        base = today - timedelta(days=span)
        names = list(txt.AGENCIES)
        used: dict[str, set[str]] = {a: set() for a in names}
        site_index = {name: i + 1 for i, name in enumerate(self.site_names)}
        made = 0
        while made < n:
            if made % 5000 == 0:
                self.progress(step, made, n)
            agency = rng.choices(names, weights=_AGENCY_WEIGHTS)[0]
            name, bio, form, strength = rng.choice(self.products)
            product = _clip(f"{name.capitalize()} {strength} {form}", 120)
            clinical, marketing, follow = txt.AGENCY_TYPES[agency]
            mtype = "BLA" if bio and "BLA" in marketing else next(
                m for m in marketing if m != "BLA")
            r = rng.random()
            if r < 0.5:  # a product approved years ago: only post-approval changes
                kind, first_type, seq = "established", mtype, rng.randint(3, 40)
                d = rng.randint(-60, span // 2)
            elif r < 0.78 and clinical:  # a clinical trial application and its amendments
                kind, first_type, seq = "clinical", clinical, 0
                d = rng.randint(0, span)
            else:  # a new marketing application, then its supplements once approved
                kind, first_type, seq = "new", mtype, 0
                d = rng.randint(0, span)
            app_no = _application_number(rng, agency, first_type, base, used[agency])
            site = site_index[txt.AGENCY_HOME_SITE[agency]] if rng.random() < 0.75 else 1
            length = 1 + min(int(rng.expovariate(1 / 3.0)), 15)
            for k in range(length):
                if made >= n:
                    break
                if kind == "clinical":
                    stype = clinical
                elif kind == "established" or k > 0:
                    stype = follow[mtype]
                else:
                    stype = mtype
                row, decided_at = _submission(rng, agency, stype, d, span)
                submitted, validated, target, decided, outcome, rounds, status = row
                if status == "planned":
                    if rng.random() < 0.8:
                        break
                    last = span - rng.randint(0, 30)
                else:
                    last = max(x for x in (submitted, validated, decided) if x is not None)
                updated = datetime.combine(base + timedelta(days=max(last, 0)),
                                           datetime.min.time())
                updated = min(updated + timedelta(hours=rng.randint(7, 18)), self.now)
                self.b_submissions.add({
                    "id": self.b_submissions.new_id(), "product": product,
                    "application_number": app_no, "sequence": f"{seq:04d}",
                    "submission_type": stype, "agency": agency,
                    "region": txt.AGENCIES[agency][0], "site_id": site,
                    "submitted_on": self.store_date(_day(base, submitted)),
                    "validated_on": self.store_date(_day(base, validated)),
                    "target_on": self.store_date(_day(base, target)),
                    "decided_on": self.store_date(_day(base, decided)), "outcome": outcome,
                    "question_rounds": rounds, "status": status,
                    "updated_at": _sqlite_datetime(updated) if self.sqlite else updated})
                made += 1
                seq += 1
                if kind == "new" and k == 0:
                    if outcome != "approved" or decided_at is None:
                        break
                    d = decided_at + rng.randint(30, 300)
                else:
                    d += rng.randint(20, 200) if kind == "clinical" else rng.randint(40, 300)
        self.b_submissions.flush()


_QUESTION_ENDINGS = (
    "Thanks in advance!",
    "This is for the {site} team, so a quick pointer would already help.",
    "Any example from a recent {agency} procedure would be great.",
    "I have checked the SOP but it does not cover this case.",
)


def _rephrase(title: str, phrasing: str, kind: str) -> str:
    """A duplicate suggestion says the same thing in other words."""
    lowered = _lower_first(title)
    if kind == "problem":
        return f"Still an issue: {lowered}"
    return f"Could we {lowered}?" if phrasing == "verb" else f"Any plans for {lowered}?"


def _day(base: date, offset: int | None) -> date | None:
    """The date `offset` days after base, moved back to Friday if it falls on a weekend."""
    if offset is None:
        return None
    d = base + timedelta(days=offset)
    wd = d.weekday()
    return d - timedelta(days=wd - 4) if wd >= 5 else d


def _application_number(rng: random.Random, agency: str, stype: str, base: date,
                        used: set[str]) -> str:
    while True:
        if agency == "FDA":
            lo = {"IND": 100_000, "NDA": 200_000, "BLA": 700_000}[stype]
            no = f"{stype} {rng.randint(lo, lo + 99_999)}"
        elif agency == "EMA":
            no = f"EMEA/H/C/{rng.randint(1_000, 999_999):06d}"
        elif agency == "MHRA":
            prefix = "CTA" if stype == "CTA" else "PLGB"
            no = f"{prefix} {rng.randint(10_000, 99_999)}/{rng.randint(1, 9_999):04d}"
        elif agency == "NMPA":
            prefix = {"IND": "CXHL", "NDA": "CXHS", "BLA": "CXSS"}[stype]
            no = f"{prefix}{(base.year + rng.randint(0, 3)) % 100:02d}{rng.randint(0, 99_999):05d}"
        elif agency == "PMDA":
            no = f"JP-{stype}-{rng.randint(100_000, 999_999)}"
        elif agency == "Swissmedic":
            no = f"SM-{rng.randint(100_000, 999_999)}"
        elif agency == "Health Canada":
            no = f"HC-{rng.randint(100_000, 999_999)}"
        else:
            no = f"SIN{rng.randint(10_000, 99_999)}P"
        if no not in used:
            used.add(no)
            return no


def _submission(rng: random.Random, agency: str, stype: str, d: int,
                span: int) -> tuple[tuple, int | None]:
    """Dates (day offsets), outcome and status of a submission filed on day d, and its
    decision day if decided."""
    speed = txt.AGENCY_SPEED[agency]
    rounds = 0
    if stype == "IND":
        val, target, review = rng.randint(5, 15), 30, 30
        if rng.random() < 0.1:
            rounds, review = 1, 30 + rng.randint(60, 120)
    elif stype == "CTA":
        val, target = rng.randint(7, 20), 60
        rounds = rng.choices((0, 1, 2), weights=(50, 35, 15))[0]
        review = rng.randint(40, 75) + rounds * rng.randint(20, 40)
    elif stype in ("NDA", "BLA"):
        val = rng.randint(45, 74) if agency == "FDA" else rng.randint(14, 40)
        target = 240 if rng.random() < 0.25 else 365
        rounds = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
        review = target + int(rng.gauss(0, 25)) + rounds * rng.randint(20, 60)
    elif stype == "MAA":
        val = rng.randint(14, 35)
        rounds = rng.choices((1, 2, 3), weights=(25, 55, 20))[0]
        target = val + 210 + 120 + 67
        review = val + 210 + sum(rng.randint(60, 120) for _ in range(rounds)) + 67
    elif stype == "sNDA":
        val = 60
        target = 180 if rng.random() < 0.3 else 300
        rounds = rng.choices((0, 1, 2), weights=(50, 35, 15))[0]
        review = target + int(rng.gauss(0, 15)) + rounds * rng.randint(15, 40)
    else:  # Variation
        val = rng.randint(7, 21)
        target = rng.choice((30, 60, 90, 120))
        rounds = rng.choices((0, 1, 2), weights=(55, 35, 10))[0]
        review = val + rng.randint(20, target) + rounds * rng.randint(20, 50)
    target, review = int(target * speed), max(int(review * speed), val + 1)
    r = rng.random()
    outcome = "approved" if r < 0.86 else ("withdrawn" if r < 0.94 else "rejected")
    if outcome == "withdrawn":
        review = val + int((review - val) * rng.uniform(0.3, 0.9))
    rounds = min(rounds, 4)
    submitted, validated, decided = d, d + val, d + review
    if submitted > span:  # not filed yet: planned, perhaps
        return (None, None, d + target, None, None, 0, "planned"), None
    if decided > span:
        status = "submitted" if validated > span else "under_review"
        return (submitted, validated if validated <= span else None, d + target, None, None,
                rounds if validated <= span else 0, status), None
    return (submitted, validated, d + target, decided, outcome, rounds, outcome), decided


def _scripted_questions(T: int) -> list[dict]:
    """The questions the demo story needs: Lena's, and one she answered."""
    return [
        {"t": T - 12 * _DAY + 9 * _HOUR, "author": LENA,
         "title": "Which eCTD module holds the stability data for a BLA?",
         "body": "I am preparing the content plan for a BLA sequence and I am not sure where the "
                 "**stability data** goes. Is it the same place for drug substance and drug "
                 "product? Thanks in advance!",
         "tags": ["m3-quality", "stability", "bla", "ectd-publishing"],
         "answers": [
             {"t": T - 12 * _DAY + 15 * _HOUR, "author": TOMAS, "accepted": True,
              "notify": True,
              "body": "Good question, Lena. Stability data lives in **Module 3**, but in two "
                      "places:\n\n- drug substance: **3.2.S.7** (summary, post-approval "
                      "protocol and commitment, data)\n- drug product: **3.2.P.8**\n\nThe "
                      "overview goes into the Quality Overall Summary in **2.3**. See "
                      "[ICH M4Q](https://www.ich.org/page/ctd) for the full structure."},
             {"t": T - 11 * _DAY + 10 * _HOUR, "author": 0,
              "body": "Adding to Tomás's answer: for a BLA, FDA also expects the stability "
                      "protocol and the commitment to place production batches on stability "
                      "in the same sections. We keep one leaf per study to make lifecycle "
                      "replacements easier."},
         ]},
        {"t": T - 2 * _DAY + 8 * _HOUR, "author": LENA,
         "title": "What is the difference between a Type IB and a Type II variation?",
         "body": "I keep seeing both in change controls for EU products. Is there a quick way "
                 "to tell which one applies before the change control meeting?",
         "tags": ["variations", "ema", "post-approval"],
         "answers": [
             {"t": T - 2 * _DAY + 14 * _HOUR, "author": 0, "notify": True,
              "body": "In short: a **Type IB** is *tell, wait 30 days, then do*; a **Type II** "
                      "needs approval before you implement and is assessed over 60 or 90 days. "
                      "Check each condition in the classification guideline; the first one "
                      "you cannot meet decides the category."},
         ]},
        {"t": T - 8 * _DAY + 10 * _HOUR, "author": 0,
         "title": "Where do I find the current template for the cover letter?",
         "body": "The copy on our team drive looks old. Where is the controlled version of "
                 "the **cover letter** template for EU submissions?",
         "tags": ["templates", "m1-regional"],
         "answers": [
             {"t": T - 8 * _DAY + 13 * _HOUR, "author": LENA, "accepted": True,
              "body": "The controlled template is in **Veeva Vault** under *Regulatory "
                      "Templates > Module 1*. I found it through the lesson *Your first 90 "
                      "days* in Regulatory Foundations; filter on *effective* to avoid the "
                      "superseded versions."},
         ]},
    ]
