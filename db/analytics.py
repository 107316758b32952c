"""Leader analytics: engagement and the who-helps-whom network.

Every function takes the session first, checks that the actor is a leader or an admin, and
returns a small DataFrame. Most counting is a GROUP BY in the database (over the summary tables
for activity and help, see the README's Performance section) and pandas only shapes the few
rows that come back. Some counting is done in numpy instead, where the database sends one
compact column of integers (`joined_integers`, `integer_rows`) and numpy counts it faster than
the database could group it or send the rows: `participation` (every person's site, function
and posts in the range, counted per site and function), `answer_times` (each month's waits,
whose percentiles SQLite cannot take) and the help network (`_help` adds up the help per pair
of people from packed `help_periods` rows, which SQL cannot unpack, and the loose days; the
matrix, the gaps and the network are counted from those pairs). Breakdowns by site, region or
function drop groups of fewer than `MIN_GROUP` people (`suppress_small_groups`), so nobody is
singled out. Percentiles are nearest-rank: the smallest value with at least that share of
values at or below it (window functions on both engines, or numpy on the same rule).
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

import igraph
import networkx as nx
import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from db import summaries
from db.actors import Actor, require
from db.models import (
    ActivityCount,
    ActivityEvent,
    ActivityPeriod,
    Answer,
    AuditRecord,
    Comment,
    Course,
    CourseProgress,
    FirstPost,
    HelpDay,
    HelpPeriod,
    Lesson,
    LessonProgress,
    LessonRevision,
    Proposal,
    Question,
    RevisionContributor,
    Site,
    Submission,
    Suggestion,
    SuggestionStatusChange,
    SummaryState,
    User,
    utcnow,
)
from db.summaries import integer_rows, integers, joined_integers

ROLES = ("leader", "admin")
MIN_GROUP = 5
MAX_CHART_ROWS = 5000
POST_KINDS = {"question": "Questions", "answer": "Answers", "comment": "Comments",
              "proposal": "Lesson proposals", "suggestion": "Suggestions"}
# Suggestion statuses in the order an idea moves through them.
STATUS_ORDER = ("new", "under_review", "planned", "in_progress")
_REVIEWED = ("under_review", "planned", "in_progress", "implemented", "declined", "duplicate")
_PLANNED = ("planned", "in_progress", "implemented")


@dataclass(frozen=True)
class Filters:
    """The one date range (both ends inclusive) and site choice every chart on a page follows."""

    start: date
    end: date
    sites: tuple[int, ...] = ()  # empty: every site

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def until(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min)


def check_access(actor: Actor) -> None:
    """Analytics are for leaders and admins only."""
    require(actor, *ROLES)


# --- small portable SQL helpers -------------------------------------------------------------

def _dialect(session: Session) -> str:
    return summaries.dialect(session)


period = summaries.period


hours_between = summaries.hours_between


def month_number(session: Session, column):
    """The month of a timestamp as one integer, year * 12 + month - 1."""
    if _dialect(session) == "postgresql":
        return (cast(extract("year", column), Integer) * 12
                + cast(extract("month", column), Integer) - 1)
    # SQLite stores 'YYYY-MM-DD HH:MM:SS...': cutting the text is a third of strftime's cost,
    # which is felt over every question of two years.
    return (cast(func.substr(column, 1, 4), Integer) * 12
            + cast(func.substr(column, 6, 2), Integer) - 1)


def days_between(session: Session, later, earlier):
    """Whole days from date `earlier` to date `later`."""
    if _dialect(session) == "postgresql":
        return cast(later, Date) - cast(earlier, Date)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _rank_of(q: float, n):
    """ceil(q * n) in integer SQL arithmetic (the nearest-rank position)."""
    f = Fraction(q).limit_denominator(1000)
    return (n * f.numerator + f.denominator - 1) // f.denominator


def percentiles(session: Session, rows, value: str, groups: Sequence[str],
                qs: Sequence[float] = (0.5, 0.9)) -> list[dict]:
    """Nearest-rank percentiles of `value` per group of a subquery, computed in SQL.

    Returns one dict per group: the group columns, `n`, and `p50`, `p90`, ... for `qs`.
    """
    part = [rows.c[g] for g in groups]
    v = rows.c[value]
    over = {"partition_by": part} if part else {}
    ranked = select(
        *part, v.label("v"),
        func.row_number().over(order_by=v, **over).label("rn"),
        func.count().over(**over).label("n"),
    ).where(v.is_not(None)).subquery()
    cols = [ranked.c[g] for g in groups]
    picks = [func.max(case((ranked.c.rn == _rank_of(q, ranked.c.n), ranked.c.v)))
             .label(f"p{round(q * 100)}") for q in qs]
    q = select(*cols, func.max(ranked.c.n).label("n"), *picks)
    if cols:
        q = q.group_by(*cols)
    return [dict(r._mapping) for r in session.execute(q)]


def _in_range(column, f: Filters):
    return and_(column >= f.since, column < f.until)


def _at_sites(user_col, f: Filters):
    """A condition that the person in `user_col` works at one of the chosen sites."""
    if not f.sites:
        return literal(True)
    return user_col.in_(select(User.id).where(User.site_id.in_(f.sites)))


def _frame(rows, columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


# --- small-group suppression ------------------------------------------------------------------

def suppress_small_groups(df: pd.DataFrame, *, people: str = "people",
                          min_people: int | None = None, merge: dict[str, str] | None = None,
                          sums: Sequence[str] = ()) -> pd.DataFrame:
    """Hide rows describing fewer than `min_people` distinct people.

    `min_people` defaults to MIN_GROUP. Without `merge` such rows are dropped. With `merge`
    (label columns -> label, e.g. {"site": "Other sites"}) they are summed into one row
    (`people` and `sums` added up), kept only if that row itself reaches `min_people`. Groups
    must be disjoint for the sum of people to be right. Recompute any rates afterwards.
    """
    min_people = MIN_GROUP if min_people is None else min_people
    if df.empty:
        return df.copy()
    small = df[people] < min_people
    kept = df[~small].copy()
    if merge and small.any():
        rest = df[small]
        row = dict.fromkeys(df.columns)
        row.update(merge)
        row[people] = int(rest[people].sum())
        for col in sums:
            row[col] = rest[col].sum()
        if row[people] >= min_people:
            kept = pd.concat([kept, pd.DataFrame([row])], ignore_index=True)
    return kept.reset_index(drop=True)


# --- reference data ---------------------------------------------------------------------------

def sites(session: Session) -> list[tuple[int, str, str]]:
    """(id, name, region) of every site, by name."""
    return [tuple(r) for r in session.execute(
        select(Site.id, Site.name, Site.region).order_by(Site.name))]


def filter_sites(session: Session) -> list[tuple[int, str, str]]:
    """(id, name, region) of the sites a page may be narrowed to: those where at least
    MIN_GROUP active people work, so a filter never describes a handful of named people."""
    big = (select(User.site_id).where(User.is_active.is_(True), User.site_id.is_not(None))
           .group_by(User.site_id).having(func.count(User.id) >= MIN_GROUP))
    return [tuple(r) for r in session.execute(
        select(Site.id, Site.name, Site.region).where(Site.id.in_(big)).order_by(Site.name))]


def data_state(session: Session) -> tuple[str, bool]:
    """(version, behind): the version changes whenever anything analytics count changes, and
    caches are keyed on it; behind says activity events wait to be summarised
    (summaries.refresh) or audited changes wait for the help summary.

    Every state change writes an audit record; posts, views and completions also add an
    activity event. Each max(id) is a primary-key lookup, so this costs well under a millisecond.
    Sign-ins and sign-outs change nothing counted here: left out, or every sign-in anywhere
    would empty every analytics cache (the newest other record is a few rows back by id).
    """
    *row, summarised, help_read, periods = session.execute(select(
        select(AuditRecord.id).where(AuditRecord.action.not_like("auth.%"))
        .order_by(AuditRecord.id.desc()).limit(1).scalar_subquery(),
        select(func.max(ActivityEvent.id)).scalar_subquery(),
        select(func.max(Answer.id)).scalar_subquery(),
        select(func.max(Comment.id)).scalar_subquery(),
        select(func.max(Submission.id)).scalar_subquery(),
        select(SummaryState.last_id).where(SummaryState.name == summaries.NAME)
        .scalar_subquery(),
        select(SummaryState.last_id).where(SummaryState.name == "help.audit")
        .scalar_subquery(),
        select(SummaryState.last_id).where(SummaryState.name == summaries.HELP_PERIODS)
        .scalar_subquery(),
    )).one()
    # Behind: events not yet summarised, or audited changes (new posts, acceptances,
    # moderation) the help summaries have not read.
    behind = ((row[1] or 0) > (summarised or 0) or (row[0] or 0) > (help_read or 0)
              or periods is None)  # help_periods not built yet (a database just migrated)
    return "-".join(str(v or 0) for v in row), behind


def data_version(session: Session) -> str:
    """The version part of `data_state`."""
    return data_state(session)[0]


# --- engagement -------------------------------------------------------------------------------

def _range_rows(f: Filters, *columns: str, people: list[int] | None = None):
    """activity_periods rows that cover the range exactly once per person and day: whole
    years, quarters and months, whole weeks around them, the loose days left (summaries.spans;
    months only when filtered by site, as a quarter or year row has one site). Only these
    `people`'s rows, if given."""
    a = ActivityPeriod
    cols = [getattr(a, c) for c in ("user_id", *columns)]
    spans = summaries.spans(f.start, f.end, coarse=not f.sites)
    if people is None:
        parts = [select(*cols).where(a.grain == grain, a.period.between(lo, hi))
                 for grain, lo, hi in spans]
    else:
        # A few people: each of their periods looked up by key (two years for 15 people are
        # about 150 look-ups), not a scan of everyone's rows in the range.
        parts = [select(*cols).where(a.grain == grain,
                                     a.period.in_(summaries.periods(grain, lo, hi)),
                                     a.user_id.in_(people))
                 for grain, lo, hi in spans]
    if f.sites:
        parts = [q.where(a.site_id.in_(f.sites)) for q in parts]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


# Frames several charts share, worked out once per range, site choice and data version (a few
# per process) instead of once per chart: the help pairs of the network page and the
# per-person totals of the engagement page.
_KEPT: OrderedDict[tuple, object] = OrderedDict()
# How many of each kind a process keeps, least recently used out first: two years of help
# pairs are about 20 MB, a per-person frame well under 1 MB.
_KEEP = {"help": 8, "people_active": 16}
_KEPT_LOCK = threading.Lock()


def _kept(kind: str, session: Session, filters: Filters, compute):
    key = (kind, str(session.get_bind().engine.url), filters, data_version(session))
    with _KEPT_LOCK:  # app sessions run in threads
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    value = compute()
    with _KEPT_LOCK:
        _KEPT[key] = value
        same = [k for k in _KEPT if k[0] == kind]  # oldest first
        for old in same[:max(0, len(same) - _KEEP[kind])]:
            del _KEPT[old]
    return value


def forget_shared() -> None:
    """Drop the shared frames (after the data was replaced underneath, e.g. in tests that wipe
    tables: ids, and so data versions, then repeat)."""
    with _KEPT_LOCK:
        _KEPT.clear()


def _people_active(session: Session, filters: Filters) -> pd.DataFrame:
    """One row per person active in the range: user_id and posts.

    The KPIs and participation by site and function both start from these totals: one
    GROUP BY over the summary rows of the range, not one per chart.
    """
    def compute() -> pd.DataFrame:
        r = _range_rows(filters, "posts")
        q = select(r.c.user_id, func.sum(r.c.posts)).group_by(r.c.user_id)
        grid = integer_rows(session, q, 2)
        return pd.DataFrame({"user_id": grid[:, 0], "posts": grid[:, 1]})

    return _kept("people_active", session, filters, compute)


def active_people(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Distinct people active per day, week and month (columns period, grain, people, partial).

    Whole periods come from activity_counts; a week or month cut by the range is counted
    from the day rows of its days inside the range.
    """
    check_access(actor)
    f = filters
    grains = ("day", "week", "month") if (f.end - f.start).days <= 1000 else ("week", "month")
    c, a = ActivityCount, ActivityPeriod
    whole, cut = [], []
    for grain in grains:
        first = summaries.first_day(grain, f.start)
        if first < f.start:
            first = summaries.last_day(grain, f.start) + timedelta(days=1)
            cut.append((grain, f.start, min(summaries.last_day(grain, f.start), f.end)))
        last = summaries.first_day(grain, f.end)
        if summaries.last_day(grain, f.end) > f.end:
            edge = (grain, max(last, f.start), f.end)
            if edge not in cut:
                cut.append(edge)
            last -= timedelta(days=1)
        if first <= last:
            whole.append(and_(c.grain == grain,
                              c.period.between(first.isoformat(), last.isoformat())))
    rows = []
    if whole:
        q = (select(c.period, c.grain, func.sum(c.people)).where(or_(*whole))
             .group_by(c.grain, c.period))
        if f.sites:
            q = q.where(c.site_id.in_(f.sites))
        rows += [(p, g, int(n)) for p, g, n in session.execute(q)]
    if cut:
        parts = []
        for grain, lo, hi in cut:
            q = (select(literal(summaries.first_day(grain, lo).isoformat()), literal(grain),
                        func.count(distinct(a.user_id)))
                 .where(a.grain == "day", a.period.between(lo.isoformat(), hi.isoformat())))
            if f.sites:
                q = q.where(a.site_id.in_(f.sites))
            parts.append(q)
        rows += [(p, g, int(n)) for p, g, n in session.execute(union_all(*parts)) if n]
    out = pd.DataFrame(rows, columns=["period", "grain", "people"])
    order = {g: i for i, g in enumerate(grains)}
    out = (out.assign(_g=out["grain"].map(order)).sort_values(["_g", "period"])
           .drop(columns="_g").reset_index(drop=True))
    out["period"] = pd.to_datetime(out["period"])
    out["partial"] = [_partial(p, g, filters) for p, g in zip(out["period"], out["grain"],
                                                              strict=True)]
    return out[["period", "grain", "people", "partial"]]


def _partial(start: pd.Timestamp, grain: str, f: Filters) -> bool:
    first = start.date()
    if grain == "day":
        last = first
    elif grain == "week":
        last = first + timedelta(days=6)
    else:
        last = (start + pd.offsets.MonthEnd(0)).date()
    return first < f.start or last > f.end


def activity_summary(session: Session, *, actor: Actor, filters: Filters) -> dict[str, int]:
    """People active in the whole range, and how many of them posted something."""
    check_access(actor)
    people = _people_active(session, filters)
    return {"active": len(people), "contributors": int((people["posts"] > 0).sum())}


def contributor_mix(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Active people per month split into new contributors, returning contributors, readers.

    A new contributor posted for the first time ever that month; readers only viewed, voted or
    completed lessons.
    """
    check_access(actor)
    f = filters
    months, weeks, days = summaries.cover(f.start, f.end)
    c, a = ActivityCount, ActivityPeriod
    active: dict[str, tuple[int, int]] = {}
    if months:  # whole months: the counts kept per month and site
        q = (select(c.period, func.sum(c.people), func.sum(c.contributors))
             .where(c.grain == "month", c.period.between(*months)).group_by(c.period))
        if f.sites:
            q = q.where(c.site_id.in_(f.sites))
        active |= {m: (int(n), int(p or 0)) for m, n, p in session.execute(q)}
    if weeks or days:  # a month cut by the range: its people on the weeks and days inside
        month = func.substr(a.period, 1, 7, type_=String) + "-01"
        parts = []
        for grain, lo, hi in [("week", *w) for w in weeks] + [("day", *d) for d in days]:
            part = (select(month.label("month"), a.user_id.label("user_id"),
                           case((a.posts > 0, 1), else_=0).label("posted"))
                    .where(a.grain == grain, a.period.between(lo, hi)))
            if f.sites:
                part = part.where(a.site_id.in_(f.sites))
            parts.append(part)
        rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
        # A person in a week and on a loose day of the same month counts once.
        per = (select(rows.c.month, func.max(rows.c.posted).label("posted"))
               .group_by(rows.c.month, rows.c.user_id).subquery())
        active |= {m: (int(n), int(p or 0)) for m, n, p in session.execute(
            select(per.c.month, func.count(), func.sum(per.c.posted)).group_by(per.c.month))}
    fp = FirstPost
    first_month = func.substr(fp.day, 1, 7, type_=String) + "-01"
    new = dict(session.execute(
        select(first_month, func.count())
        .where(fp.day.between(f.start.isoformat(), f.end.isoformat()),
               _at_sites(fp.user_id, f))
        .group_by(first_month)).all())
    rows = []
    for m in sorted(active):
        people, posted = active[m]
        fresh = min(int(new.get(m, 0)), posted)
        rows += [(m, "New contributors", fresh), (m, "Returning contributors", posted - fresh),
                 (m, "Readers only", people - posted)]
    df = pd.DataFrame(rows, columns=["month", "group", "people"])
    df = df[df["people"] > 0].reset_index(drop=True)
    df["month"] = pd.to_datetime(df["month"])
    return df


def posts_by_kind(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Posts per week by kind (questions, answers, comments, lesson proposals, suggestions)."""
    check_access(actor)
    c = ActivityCount
    week = summaries.period_of_day(session, "week", c.period).label("week")
    kinds = list(summaries.KIND_COLUMNS.items())
    q = (select(week, *[func.sum(getattr(c, col)) for _k, col in kinds])
         .where(c.grain == "day",
                c.period.between(filters.start.isoformat(), filters.end.isoformat()))
         .group_by(week).order_by(week))
    if filters.sites:
        q = q.where(c.site_id.in_(filters.sites))
    rows = [(w, POST_KINDS[k], int(n))
            for w, *ns in session.execute(q) for (k, _col), n in zip(kinds, ns, strict=True)
            if n]
    df = pd.DataFrame(rows, columns=["week", "kind", "posts"])
    df["week"] = pd.to_datetime(df["week"])
    return df


def participation(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """People, active people, contributors (posted at least once) and posts per person, by site
    (with region) and function.

    Groups (site x function) of fewer than five people are left out.
    """
    check_access(actor)
    staff = (User.is_active.is_(True), User.site_id.is_not(None), User.function.is_not(None),
             *([User.site_id.in_(filters.sites)] if filters.sites else []))
    # Everyone's function as a number, so the 10k people come back as one array and are
    # counted per site and function in numpy (rows and a pandas group-by took 45 ms of 75).
    functions = sorted(session.scalars(select(User.function).where(*staff).distinct()))
    code = (case({f: i for i, f in enumerate(functions)}, value=User.function, else_=-1)
            if functions else literal(-1))  # nobody yet: CASE needs a WHEN
    grid = integer_rows(session, select(User.id, User.site_id, code).where(*staff), 3)
    # Active anywhere in the range, counted at the site they belong to now.
    active = _people_active(session, Filters(filters.start, filters.end))
    posts = active.set_index("user_id")["posts"].reindex(grid[:, 0]).to_numpy(dtype=float)
    found = ~np.isnan(posts)  # active in the range
    posts = np.nan_to_num(posts)
    # One number per site and function (function -1: not one of those read, none here).
    keys, group_of = np.unique(grid[:, 1] * (len(functions) + 1) + grid[:, 2] + 1,
                               return_inverse=True)
    groups = np.column_stack(np.divmod(keys, len(functions) + 1)) - [0, 1]

    def per_group(weights) -> np.ndarray:
        return np.bincount(group_of, weights=weights, minlength=len(groups)).astype(np.int64)

    names = np.array(functions + [""], dtype=object)
    df = pd.DataFrame({"site_id": groups[:, 0], "function": names[groups[:, 1]],
                       "people": per_group(None), "active": per_group(found),
                       "contributors": per_group(posts > 0), "posts": per_group(posts)})
    places = _frame(session.execute(select(Site.id, Site.name, Site.region)),
                    ["site_id", "site", "region"])
    df = (df.merge(places, on="site_id").sort_values(["region", "site", "function"])
          [["site", "region", "function", "people", "active", "contributors", "posts"]]
          .reset_index(drop=True))
    df = suppress_small_groups(df)
    for col in ("people", "active", "contributors", "posts"):
        df[col] = df[col].astype(int)
    df["share_active"] = (df["active"] / df["people"]).round(3)
    df["share_contributing"] = (df["contributors"] / df["people"]).round(3)
    df["posts_per_person"] = (df["posts"] / df["people"]).round(2)
    return df


def _nearest_rank(ordered: np.ndarray, q: float) -> float | None:
    """The smallest of the sorted values with at least a share q of them at or below it."""
    if not len(ordered):
        return None
    return float(ordered[max(int(_rank_of(q, len(ordered))), 1) - 1])


def answer_times(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Per month asked: questions, answered, accepted, unanswered, median and 90th percentile
    hours to the first answer. One extra row with month = NaT holds the whole range.

    One query, read from ix_questions_answer_times alone: per month asked, the counts and the
    seconds each answered question waited (kept on the question), as one text of integers;
    the nearest-rank percentiles are taken in numpy, as SQLite has no percentile function.
    """
    check_access(actor)
    columns = ["month", "questions", "answered", "accepted", "median_hours", "p90_hours"]
    q = Question
    month = month_number(session, q.created_at)
    found = session.execute(
        select(month, func.count(), func.count(q.accepted_answer_id),
               joined_integers(session, q.answer_seconds))
        .where(q.status == "visible", _in_range(q.created_at, filters),
               _at_sites(q.author_id, filters))
        .group_by(month).order_by(month)).all()
    if not found:
        return pd.DataFrame(columns=[*columns, "unanswered"])

    def row(label: str | None, asked: int, accepted: int, waited: np.ndarray) -> tuple:
        hours = np.sort(waited) / 3600.0
        return (label, asked, len(hours), accepted, _nearest_rank(hours, 0.5),
                _nearest_rank(hours, 0.9))

    waits = [integers(text_) for *_rest, text_ in found]
    rows = [row(f"{int(m) // 12:04d}-{int(m) % 12 + 1:02d}-01", int(n), int(acc), w)
            for (m, n, acc, _text), w in zip(found, waits, strict=True)]
    rows.append(row(None, sum(int(r[1]) for r in found), sum(int(r[2]) for r in found),
                    np.concatenate(waits)))
    df = pd.DataFrame(rows, columns=columns)
    df["month"] = pd.to_datetime(df["month"])
    df["unanswered"] = df["questions"] - df["answered"]
    for col in ("median_hours", "p90_hours"):
        df[col] = pd.to_numeric(df[col]).round(1)
    return df


def co_creation(session: Session, *, actor: Actor, filters: Filters) -> tuple[pd.DataFrame,
                                                                                pd.DataFrame]:
    """Lesson proposals per month by status, and lessons by number of co-authors.

    Co-authors of a lesson are the authors and contributors of its revisions written in the
    range (people at the chosen sites).
    """
    check_access(actor)
    month = period(session, "month", Proposal.created_at).label("month")
    props = _frame(session.execute(
        select(month, Proposal.status, func.count())
        .where(_in_range(Proposal.created_at, filters), _at_sites(Proposal.proposer_id, filters))
        .group_by(month, Proposal.status).order_by(month)), ["month", "status", "proposals"])
    props["month"] = pd.to_datetime(props["month"])
    r = LessonRevision
    writers = union_all(
        select(r.lesson_id, r.author_id.label("user_id"))
        .where(_in_range(r.created_at, filters)),
        select(r.lesson_id, RevisionContributor.user_id)
        .join(RevisionContributor, RevisionContributor.revision_id == r.id)
        .where(_in_range(r.created_at, filters)),
    ).subquery()
    per_lesson = (select(writers.c.lesson_id, func.count(distinct(writers.c.user_id)).label("n"))
                  .where(_at_sites(writers.c.user_id, filters))
                  .group_by(writers.c.lesson_id).subquery())
    authors = _frame(session.execute(
        select(per_lesson.c.n, func.count()).group_by(per_lesson.c.n).order_by(per_lesson.c.n)),
        ["coauthors", "lessons"])
    return props, authors


def course_completion(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Per course and site: people who worked on the course in the range (`people`) and how
    many of them had completed every published lesson by its end. Groups under five hidden."""
    check_access(actor)
    n_lessons = (select(Lesson.course_id, func.count().label("n"))
                 .where(Lesson.published_revision_id.is_not(None))
                 .group_by(Lesson.course_id).subquery())
    if filters.until > utcnow():
        # A range that ends today: nothing is completed after it, and a learner worked on the
        # course in it if their last work on it falls in it, so the rows kept per learner and
        # course answer it (38k on the medium set, not 190k lessons' progress).
        cp = CourseProgress
        per = (select(cp.course_id, cp.user_id, cp.completed.label("done"))
               .where(cp.last_worked_at >= filters.since, _at_sites(cp.user_id, filters))
               .subquery())
    else:
        lp = LessonProgress
        touched = or_(_in_range(lp.updated_at, filters), _in_range(lp.completed_at, filters))
        per = (select(Lesson.course_id, lp.user_id,
                      func.sum(case((lp.completed_at < filters.until, 1), else_=0)).label("done"))
               .join(Lesson, Lesson.id == lp.lesson_id)
               .where(Lesson.published_revision_id.is_not(None), _at_sites(lp.user_id, filters))
               .group_by(Lesson.course_id, lp.user_id)
               .having(func.max(case((touched, 1), else_=0)) == 1).subquery())
    finished = case((per.c.done >= n_lessons.c.n, 1), else_=0)
    # Grouped by ids, named after: sorting 38k rows by two texts cost a third of the time.
    grouped = (select(per.c.course_id, User.site_id, func.count().label("people"),
                      func.sum(finished).label("completed"))
               .join(n_lessons, n_lessons.c.course_id == per.c.course_id)
               .join(User, User.id == per.c.user_id)
               .group_by(per.c.course_id, User.site_id).subquery())
    rows = session.execute(
        select(Course.title, Site.name, grouped.c.people, grouped.c.completed)
        .join(Course, Course.id == grouped.c.course_id)
        .join(Site, Site.id == grouped.c.site_id))
    df = _frame(rows, ["course", "site", "people", "completed"])
    if df.duplicated(["course", "site"]).any():  # two courses of one title: one heatmap row
        df = df.groupby(["course", "site"], as_index=False)[["people", "completed"]].sum()
    df = df.sort_values(["course", "site"]).reset_index(drop=True)
    df = suppress_small_groups(df)
    df["completed"] = df["completed"].astype(int)
    df["completion_rate"] = (df["completed"] / df["people"]).round(3)
    return df


def _suggestions_filter(filters: Filters):
    s = Suggestion
    cond = [_in_range(s.created_at, filters), s.visibility != "deleted"]
    if filters.sites:
        cond.append(s.site_id.in_(filters.sites))
    return and_(*cond)


def suggestion_funnel(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Suggestions made in the range that were reviewed, planned and implemented (by history)."""
    check_access(actor)
    s, c = Suggestion, SuggestionStatusChange

    def reached(states):
        return func.max(case((or_(s.status.in_(states), c.to_status.in_(states)), 1), else_=0))

    per = (select(s.id, reached(_REVIEWED).label("reviewed"), reached(_PLANNED).label("planned"),
                  reached(("implemented",)).label("implemented"))
           .outerjoin(c, c.suggestion_id == s.id)
           .where(_suggestions_filter(filters)).group_by(s.id).subquery())
    n, reviewed, planned, implemented = session.execute(
        select(func.count(), func.sum(per.c.reviewed), func.sum(per.c.planned),
               func.sum(per.c.implemented))).one()
    if not n:
        return pd.DataFrame(columns=["stage", "suggestions", "share_of_submitted"])
    stages = ["Submitted", "Reviewed", "Planned or started", "Implemented"]
    values = [int(v or 0) for v in (n, reviewed, planned, implemented)]
    df = pd.DataFrame({"stage": stages, "suggestions": values})
    df["share_of_submitted"] = (df["suggestions"] / n).round(3)
    return df


def time_in_status(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Days suggestions (made in the range) spent in each status before moving on: median and
    90th percentile, how many moved on, and how many are waiting in that status now."""
    check_access(actor)
    s, c = Suggestion, SuggestionStatusChange
    prev = func.lag(c.changed_at).over(partition_by=c.suggestion_id,
                                       order_by=(c.changed_at, c.id))
    steps = (select(c.from_status.label("status"), c.changed_at,
                    func.coalesce(prev, s.created_at).label("entered"))
             .join(s, s.id == c.suggestion_id)
             .where(_suggestions_filter(filters)).subquery())
    spans = (select(steps.c.status,
                    cast(hours_between(session, steps.c.changed_at, steps.c.entered) / 24.0,
                         Float).label("days"))
             .where(steps.c.status.is_not(None)).subquery())
    pct = {r["status"]: r for r in percentiles(session, spans, "days", ["status"])}
    waiting = dict(session.execute(
        select(s.status, func.count()).where(_suggestions_filter(filters))
        .group_by(s.status)).all())
    rows = []
    for status in STATUS_ORDER:
        p = pct.get(status, {})
        rows.append((status.replace("_", " "), int(p.get("n") or 0),
                     None if p.get("p50") is None else round(float(p["p50"]), 1),
                     None if p.get("p90") is None else round(float(p["p90"]), 1),
                     int(waiting.get(status, 0))))
    df = pd.DataFrame(rows, columns=["status", "moved_on", "median_days", "p90_days",
                                     "waiting_now"])
    return df if df["moved_on"].any() else df.iloc[0:0]  # no times to show yet


def top_contributors(session: Session, *, actor: Actor, filters: Filters,
                     limit: int = 15) -> pd.DataFrame:
    """The people with the most posts in the range, by kind, with their accepted answers."""
    check_access(actor)
    kinds = list(POST_KINDS)
    columns = [summaries.KIND_COLUMNS[k] for k in kinds]
    # Who they are comes from the per-person totals the page's other figures share (one pass
    # over the range, usually done already); only their rows are then read for the breakdown.
    totals = _people_active(session, filters)
    top = totals[totals["posts"] > 0].sort_values(["posts", "user_id"],
                                                  ascending=[False, True]).head(limit)
    r = _range_rows(filters, "posts", *columns, people=[int(u) for u in top["user_id"]])
    per = (select(r.c.user_id, func.sum(r.c.posts).label("total"),
                  *[func.sum(r.c[c]).label(k) for k, c in zip(kinds, columns, strict=True)])
           .group_by(r.c.user_id).having(func.sum(r.c.posts) > 0)
           .order_by(func.sum(r.c.posts).desc(), r.c.user_id).limit(limit)
           .subquery())
    accepted = (select(func.count()).where(Answer.author_id == per.c.user_id,
                                           Answer.is_accepted.is_(True),
                                           _in_range(Answer.created_at, filters))
                .correlate(per).scalar_subquery())
    rows = session.execute(
        select(User.name, Site.name, User.function, *[per.c[k] for k in kinds], accepted,
               per.c.total)
        .join(User, User.id == per.c.user_id).outerjoin(Site, Site.id == User.site_id)
        .order_by(per.c.total.desc(), User.name))
    cols = ["name", "site", "function", *[POST_KINDS[k] for k in kinds], "Accepted answers",
            "total"]
    df = _frame(rows, cols)
    for col in cols[3:]:
        df[col] = df[col].astype(int)
    return df


# --- who helps whom ---------------------------------------------------------------------------

_ACTS = 1 << 16  # acts of help one person gave another on one day stay below this


def _help_spans(filters: Filters) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The range as whole years, quarters and months (grain, first, last: help_periods) and
    the loose days left (first, last: help_days; a whole week is its seven days)."""
    whole, loose = [], []
    for grain, lo, hi in summaries.spans(filters.start, filters.end):
        if grain in summaries.HELP_GRAINS:
            whole.append((grain, lo, hi))
        elif grain == "week":  # lo..hi are Mondays
            loose.append((lo, (date.fromisoformat(hi) + timedelta(days=6)).isoformat()))
        else:
            loose.append((lo, hi))
    return whole, loose


def _help_of_periods(session: Session, spans: list[tuple[str, str, str]]) -> np.ndarray:
    """(helper, helped, acts) rows of the help_periods of `spans` (read as one byte string)."""
    if not spans:
        return np.zeros((0, 3), dtype=np.int64)
    p = HelpPeriod
    # One index range per span (an OR of them made SQLite collect the keys first: 2.5x slower).
    rows = union_all(*(select(p.pairs).where(p.grain == grain, p.period.between(lo, hi))
                       for grain, lo, hi in spans)).subquery()
    return summaries.help_triples(summaries.fetch_bytes(
        session, select(summaries.joined_bytes(session, rows.c.pairs))))


def _help_of_days(session: Session, days: list[tuple[str, str]], only: list,
                  width: int) -> np.ndarray:
    """(helper, helped, acts) rows of help_days in the day ranges (and `only` conditions).

    Each row comes as one integer, (helper * width + helped) * 2^16 + acts: SQLite joins
    integers into text at a third of the cost of joining three per row."""
    h = HelpDay
    where = [or_(*(h.day.between(lo, hi) for lo, hi in days)), *only]
    if width * width < 1 << 47:  # the packed number fits in 63 bits
        key = cast(h.helper_id, BigInteger) * width + h.helped_id
        text_, most = session.connection().execute(
            select(joined_integers(session, key * _ACTS + h.acts), func.max(h.acts))
            .where(*where)).one()
        if most is None or most < _ACTS:
            packed = integers(text_)
            return np.column_stack((packed // _ACTS // width, packed // _ACTS % width,
                                    packed % _ACTS))
    # ids or acts too large to pack
    return integer_rows(session, select(h.helper_id, h.helped_id, h.acts).where(*where), 3)


def _pair_totals(triples: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(helper * width + helped, acts) per pair of (helper, helped, acts) rows, in key order.

    Sorting one array of packed numbers (pair, then acts in the low 16 bits) is a third of the
    time of sorting the pairs and carrying the acts along. The rows come as a few dozen runs
    already in order (each period's and the days' pairs), which a stable sort (timsort) merges
    at a fifth of quicksort's time."""
    if not len(triples):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = triples[:, 0] * width + triples[:, 1]
    if width * width < 1 << 47 and triples[:, 2].max() < _ACTS:
        packed = np.sort(key * _ACTS + triples[:, 2], kind="stable")
        key, acts = packed // _ACTS, packed % _ACTS
    else:
        order = np.argsort(key, kind="stable")
        key, acts = key[order], triples[order, 2]
    starts = np.flatnonzero(np.diff(key, prepend=-1))
    return key[starts], np.add.reduceat(acts, starts)


def _help(session: Session, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, people): pairs has helper, helped, acts and both people's site_id, site and
    function; people is indexed by id with name, site_id, site and function. Every chart on
    the network page reads them."""
    def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
        h = HelpDay
        conn = session.connection()
        people = _frame(conn.execute(
            select(User.id, User.name, User.site_id, Site.name, User.function)
            .outerjoin(Site, Site.id == User.site_id)).fetchall(),
            ["id", "name", "site_id", "site", "function"]).set_index("id")
        width = int(people.index.max()) + 1 if len(people) else 1
        if filters.sites:  # help to or from the chosen sites: every day, filtered in SQL
            chosen = select(User.id).where(User.site_id.in_(filters.sites))
            whole, loose = [], [(filters.start.isoformat(), filters.end.isoformat())]
            only = [or_(h.helper_id.in_(chosen), h.helped_id.in_(chosen))]
        else:  # whole months, quarters and years from help_periods, the days left from help_days
            (whole, loose), only = _help_spans(filters), []
        parts = [_help_of_periods(session, whole)]
        if loose:
            parts.append(_help_of_days(session, loose, only, width))
        key, acts = _pair_totals(np.vstack(parts), width)
        pairs = pd.DataFrame({"helper": key // width, "helped": key % width, "acts": acts})
        # Each end's site and function by array lookup on the person's id, names as categories:
        # grouping and comparing a few hundred thousand rows on category codes, not on text.
        ids = people.index.to_numpy(dtype="int64")
        size = int(max(ids.max(initial=0), pairs[["helper", "helped"]].to_numpy().max(
            initial=0))) + 1
        site_id = np.full(size, np.nan)
        site_id[ids] = pd.to_numeric(people["site_id"]).to_numpy(dtype=float)
        groups = {}
        for col in ("site", "function"):
            labels = pd.Categorical(people[col])
            codes = np.full(size, -1, dtype=labels.codes.dtype)
            codes[ids] = labels.codes
            groups[col] = (codes, labels.categories)
        for end in ("helper", "helped"):
            who = pairs[end].to_numpy()
            pairs[f"{end}_site_id"] = site_id[who]
            for col, (codes, names) in groups.items():
                pairs[f"{end}_{col}"] = pd.Categorical.from_codes(codes[who], categories=names)
        return pairs, people

    return _kept("help", session, filters, compute)


def help_pairs(session: Session, *, actor: Actor, filters: Filters) -> list[tuple[int, int, int]]:
    """(helper_id, helped_id, acts) for every pair of people with help in the range."""
    check_access(actor)
    pairs, _people = _help(session, filters)
    return [(int(a), int(b), int(w)) for a, b, w in
            zip(pairs["helper"], pairs["helped"], pairs["acts"], strict=True)]


def _group_cells(pairs: pd.DataFrame, col: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Each pair's cell (helper's group x helped group, as one integer on the category codes
    both ends share, see _help): (group names, which pairs have both groups, their cells).
    numpy counts these in milliseconds, where pandas groupbys on the names took a quarter of a
    second and zipping the text a second."""
    helper_cat, helped_cat = pairs[f"helper_{col}"].array, pairs[f"helped_{col}"].array
    names = helper_cat.categories
    known = (helper_cat.codes >= 0) & (helped_cat.codes >= 0)
    cells = helper_cat.codes[known].astype(np.int64) * len(names) + helped_cat.codes[known]
    return names, known, cells


def help_matrix(session: Session, *, actor: Actor, filters: Filters,
                by: str = "site") -> pd.DataFrame:
    """Acts of help from one site (or function) to another: helper group, helped group, acts,
    distinct helpers (people) and distinct people helped. Cells with fewer than five distinct
    people on either side are left out: either side could be singled out."""
    check_access(actor)
    col = "site" if by == "site" else "function"
    pairs, _people = _help(session, filters)
    names, known, cell = _group_cells(pairs, col)
    g = len(names)
    acts = np.bincount(cell, weights=pairs["acts"].to_numpy()[known], minlength=g * g)

    def distinct(ids: np.ndarray) -> np.ndarray:
        """Distinct people per cell: one entry per cell and person, counted."""
        width = int(ids.max(initial=0)) + 1
        return np.bincount(np.unique(cell * width + ids) // width, minlength=g * g)

    people = distinct(pairs["helper"].to_numpy()[known])
    helped = distinct(pairs["helped"].to_numpy()[known])
    cells = np.flatnonzero(people)  # in helper group, then helped group order
    df = pd.DataFrame({
        "helper_group": np.asarray(names[cells // g], dtype=object),
        "helped_group": np.asarray(names[cells % g], dtype=object),
        "acts": acts[cells].astype(int), "people": people[cells].astype(int),
        "people_helped": helped[cells].astype(int)})
    return suppress_small_groups(suppress_small_groups(df), people="people_helped")


def never_exchanging(session: Session, *, actor: Actor, filters: Filters,
                     by: str = "site") -> list[tuple[str, str]]:
    """Pairs of sites (or functions) with no help either way in the range."""
    check_access(actor)
    found, _people = _help(session, filters)
    names, _known, cells = _group_cells(found, "site" if by == "site" else "function")
    g = len(names)
    pairs = {(names[c // g], names[c % g]) for c in np.unique(cells).tolist()}
    if by == "site":
        groups = [name for sid, name, _ in sites(session)
                  if not filters.sites or sid in filters.sites]
    else:
        from db.models import FUNCTIONS

        groups = list(FUNCTIONS)
    return [(a, b) for i, a in enumerate(groups) for b in groups[i + 1:]
            if (a, b) not in pairs and (b, a) not in pairs]


@dataclass(frozen=True)
class HelpNetwork:
    """The help graph, ready to draw: `nodes` (the most connected people, with a spring layout),
    `links` (the strongest links between them) and `bridges` (the top bridging people overall).
    """

    nodes: pd.DataFrame
    links: pd.DataFrame
    bridges: pd.DataFrame
    helpers: int = 0  # people who helped at least one other person
    connected: int = 0  # people who gave or received help


NODE_COLUMNS = ["name", "site", "function", "helped", "sites_helped", "functions_helped",
                "bridging"]


def helpers(session: Session, *, actor: Actor, filters: Filters) -> int:
    """How many people helped at least one other person in the range (without the network's
    layout and bridging scores, which only its own charts need)."""
    check_access(actor)
    pairs, _people = _help(session, filters)
    return int(pairs.loc[pairs["helper"] != pairs["helped"], "helper"].nunique())


def help_network(session: Session, *, actor: Actor, filters: Filters, max_people: int = 150,
                 max_links: int = 1200, top: int = 15) -> HelpNetwork:
    """Who helps whom, person to person.

    Per person: helped (people helped), sites_helped and functions_helped (other sites and
    functions than their own), bridging (betweenness centrality 0-1: how often they sit on the
    shortest path between two others; sampled on large graphs). Nodes also carry x, y; links
    are source, target, acts and both ends' x, y.
    """
    check_access(actor)
    pairs, people = _help(session, filters)
    link_cols = ["source", "target", "acts", "x", "y", "x2", "y2"]
    if pairs.empty:
        empty = pd.DataFrame(columns=NODE_COLUMNS)
        return HelpNetwork(pd.DataFrame(columns=["id", *NODE_COLUMNS, "x", "y"]),
                           pd.DataFrame(columns=link_cols), empty)
    # On integer arrays throughout (people as positions in `ids`): pandas groupbys over a few
    # hundred thousand pairs took most of a second on two years of help.
    helper, helped = pairs["helper"].to_numpy(), pairs["helped"].to_numpy()
    ids, where = np.unique(np.concatenate([helper, helped]), return_inverse=True)
    n = len(ids)
    giver, taker = where[:len(helper)], where[len(helper):]
    # Help both ways between two people adds up to one undirected link (a < b, sorted).
    links, which = np.unique(np.minimum(giver, taker).astype(np.int64) * n
                             + np.maximum(giver, taker), return_inverse=True)
    link_a, link_b = links // n, links % n
    link_acts = np.bincount(which, weights=pairs["acts"].to_numpy()).astype(np.int64)
    bridging = _bridging(n, link_a, link_b)
    # The pairs are distinct (helper, helped), so counting a helper's rows counts the people
    # they helped; other sites and functions are distinct codes per helper.
    helped_count = np.bincount(giver, minlength=n)
    elsewhere = {}
    for group in ("site", "function"):  # other sites and functions than the helper's own
        mine = pairs[f"helper_{group}"].array.codes.astype(np.int64)
        theirs = pairs[f"helped_{group}"].array.codes.astype(np.int64)
        other = (theirs >= 0) & (theirs != mine)
        width = int(theirs.max(initial=0)) + 1
        distinct = np.unique(giver[other].astype(np.int64) * width + theirs[other]) // width
        elsewhere[group] = np.bincount(distinct, minlength=n)
    who = people.reindex(ids)
    people_df = pd.DataFrame({
        "id": ids, "name": who["name"].fillna("?").to_numpy(),
        "site": who["site"].fillna("No site").to_numpy(),
        "function": who["function"].fillna("No function").to_numpy(),
        "helped": helped_count.astype(int), "sites_helped": elsewhere["site"].astype(int),
        "functions_helped": elsewhere["function"].astype(int),
        "bridging": [round(float(b), 4) for b in bridging]})
    bridges = (people_df.sort_values(["bridging", "sites_helped", "name"],
                                     ascending=[False, False, True])
               .head(top).drop(columns=["id"]).reset_index(drop=True))
    # Draw only the most connected people, so the picture stays readable and small.
    degree = (np.bincount(link_a, weights=link_acts, minlength=n)
              + np.bincount(link_b, weights=link_acts, minlength=n))
    keep = np.lexsort((ids, -degree))[:max_people]  # most help first, then by id
    slot = np.full(n, -1)
    slot[keep] = np.arange(len(keep))
    inside = (slot[link_a] >= 0) & (slot[link_b] >= 0)
    sub_a, sub_b, sub_w = slot[link_a[inside]], slot[link_b[inside]], link_acts[inside]
    xy = _layout(len(keep), sub_a, sub_b, sub_w)
    nodes = people_df.iloc[np.sort(keep)].copy()
    at = slot[nodes.index.to_numpy()]
    nodes["x"], nodes["y"] = xy[at, 0], xy[at, 1]
    strongest = np.lexsort((ids[link_b[inside]], ids[link_a[inside]], -sub_w))[:max_links]
    sa, sb = sub_a[strongest], sub_b[strongest]
    links_df = pd.DataFrame({
        "source": ids[keep[sa]], "target": ids[keep[sb]], "acts": sub_w[strongest].astype(int),
        "x": xy[sa, 0], "y": xy[sa, 1], "x2": xy[sb, 0], "y2": xy[sb, 1]}, columns=link_cols)
    return HelpNetwork(nodes.reset_index(drop=True), links_df, bridges,
                       helpers=int((people_df["helped"] > 0).sum()), connected=len(people_df))


def _layout(n: int, a, b, weights) -> np.ndarray:
    """Force-directed positions (Fruchterman-Reingold, igraph's C code: networkx's took a
    third of a second for 150 people) for n nodes joined by links a[i]-b[i], in -1..1.

    Starts from a circle, so the same network is always drawn the same way.
    """
    if n == 0:
        return np.zeros((0, 2))
    g = igraph.Graph(n=n, edges=list(zip(a.tolist(), b.tolist(), strict=True)))
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    start = np.column_stack([np.cos(angle), np.sin(angle)]) * np.sqrt(n)
    # Stronger links pull harder, on a log scale so one busy pair does not dominate.
    xy = np.array(g.layout_fruchterman_reingold(
        weights=np.log1p(weights).tolist() if len(weights) else None,
        seed=start.tolist(), niter=200, grid="nogrid").coords, dtype=float).reshape(n, 2)
    xy -= xy.mean(axis=0)
    scale = np.abs(xy).max()
    return np.round(xy / scale if scale > 0 else xy, 4)


# Brandes' betweenness visits every link once per source person. Exact up to this many people;
# above, a fixed-seed sample of sources sized to about this many link visits (igraph's C code
# does a few million in a fraction of a second), never fewer than MIN_SOURCES.
EXACT_UP_TO = 1000
LINK_VISITS = 3_000_000
MIN_SOURCES = 32


def _bridging(n: int, a, b) -> list[float]:
    """Betweenness centrality (0-1) of the n people joined by undirected links a[i]-b[i]."""
    if n < 3:
        return [0.0] * n
    g = igraph.Graph(n=n, edges=list(zip(a.tolist(), b.tolist(), strict=True)))
    pairs_without_one = (n - 1) * (n - 2) / 2
    if n <= EXACT_UP_TO:
        return [v / pairs_without_one for v in g.betweenness(directed=False)]
    k = min(n, max(MIN_SOURCES, LINK_VISITS // max(g.ecount(), 1)))
    sources = random.Random(7).sample(range(n), k)
    # Paths from k of n sources: scale up to all n (igraph halves undirected subset counts,
    # so the scaled sum estimates the exact unordered-pair betweenness).
    scale = n / k / pairs_without_one
    return [min(1.0, v * scale) for v in g.betweenness(directed=False, sources=sources)]


def site_network(matrix: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A site-level picture of `help_matrix(by="site")`: sites on a circle (networkx), one link
    per pair of sites weighted by the help between them both ways.

    Nodes: site, given and received (help across sites), within (help inside the site), x, y.
    Links: site_a, site_b, acts, a_to_b, b_to_a and both ends' x, y.
    """
    node_cols = ["site", "given", "received", "within", "x", "y"]
    link_cols = ["site_a", "site_b", "acts", "a_to_b", "b_to_a", "x", "y", "x2", "y2"]
    if matrix.empty:
        return pd.DataFrame(columns=node_cols), pd.DataFrame(columns=link_cols)
    sites_seen = sorted(set(matrix["helper_group"]) | set(matrix["helped_group"]))
    given = dict.fromkeys(sites_seen, 0)
    received, within = dict(given), dict(given)
    pairs: dict[tuple[str, str], list[int]] = {}
    for helper, helped, acts in zip(matrix["helper_group"], matrix["helped_group"],
                                    matrix["acts"], strict=True):
        if helper == helped:
            within[helper] += int(acts)
            continue
        given[helper] += int(acts)
        received[helped] += int(acts)
        a, b = sorted((helper, helped))
        both = pairs.setdefault((a, b), [0, 0])
        both[0 if helper == a else 1] += int(acts)
    g = nx.Graph()
    g.add_nodes_from(sites_seen)
    pos = nx.circular_layout(g)
    nodes = pd.DataFrame(
        [(s, given[s], received[s], within[s], round(float(pos[s][0]), 4),
          round(float(pos[s][1]), 4)) for s in sites_seen], columns=node_cols)
    links = pd.DataFrame(
        [(a, b, ab + ba, ab, ba, round(float(pos[a][0]), 4), round(float(pos[a][1]), 4),
          round(float(pos[b][0]), 4), round(float(pos[b][1]), 4))
         for (a, b), (ab, ba) in sorted(pairs.items())], columns=link_cols)
    return nodes, links
