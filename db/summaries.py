"""Summary tables behind leader analytics, so no page scans the whole event history.

`activity_periods` holds one row per person per day, week and month in which they did
anything (with their posts by kind), and per quarter and year added up from their months, so a
two-year range reads about six rows per person instead of two dozen; `activity_counts` holds
the day, week and month rows added up per period and site,
and `first_posts` the day of each person's first post. `refresh` folds in the activity events
written since it last ran (tracked in `summary_state`), in a few set-based statements; the app
runs it itself when an analytics page finds the summaries behind, and the demo seed runs it at
the end. Writers never touch these tables, so a vote or an answer costs no more than before.

A person's activity counts at the site they worked at when it was summarised: moving site
later does not rewrite history.

`help_days` holds who helped whom each day (`refresh_help`, run by `refresh`): the days with new
answers, comments or lesson revisions, or with an answer accepted, hidden or kept since the last
run, are recomputed from the posts of those days. `help_periods` holds the same added up per
helper over whole months, quarters and years (packed, one row per helper and period), and takes
the difference each recount made.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import (
    Date,
    Float,
    Integer,
    LargeBinary,
    String,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from db.models import (
    ActivityCount,
    ActivityEvent,
    ActivityPeriod,
    Answer,
    AuditRecord,
    Comment,
    CourseProgress,
    FirstPost,
    HelpDay,
    HelpPeriod,
    Lesson,
    LessonProgress,
    LessonRevision,
    Question,
    RevisionContributor,
    Suggestion,
    SummaryState,
    User,
    utcnow,
)

GRAINS = ("day", "week", "month")  # folded from the events, and counted per site
COARSE = ("qtr", "year")  # a person's months added up; only per-person range totals read them
# Post kinds (activity_events.entity_type of a 'post') and their count columns.
KIND_COLUMNS = {"question": "questions", "answer": "answers", "comment": "comments",
                "proposal": "proposals", "suggestion": "suggestions"}
COUNTS = ("posts", *KIND_COLUMNS.values())
NAME = "activity"
BATCH = 500_000  # events per fold: bounds the memory one GROUP BY needs


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def period(session: Session, grain: str, column):
    """First day of the day/week (Monday)/month/quarter/year holding `column`, as 'YYYY-MM-DD'
    text."""
    if dialect(session) == "postgresql":
        unit = "quarter" if grain == "qtr" else grain
        return func.to_char(func.date_trunc(unit, column), "YYYY-MM-DD")
    if grain == "year":
        return func.substr(column, 1, 4, type_=String) + "-01-01"
    if grain == "qtr":
        month = func.substr(column, 6, 2, type_=String)
        return func.substr(column, 1, 5, type_=String) + case(
            (month <= "03", "01-01"), (month <= "06", "04-01"), (month <= "09", "07-01"),
            else_="10-01")
    # SQLite keeps dates and times as ISO text ('YYYY-MM-DD HH:MM:SS...'): the day and month
    # are cut from it, a third of strftime's time per row (two years of submissions by month:
    # 36 ms against 55).
    if grain == "day":
        return func.substr(column, 1, 10, type_=String)
    if grain == "week":
        # 'weekday 0' moves forward to Sunday (or stays), six days back is that week's Monday.
        return func.date(column, "weekday 0", "-6 days")
    return func.substr(column, 1, 7, type_=String) + "-01"


def hours_between(session: Session, later, earlier):
    """Hours from `earlier` to `later` (timestamps) as a float."""
    if dialect(session) == "postgresql":
        # extract() gives numeric: a Decimal per row to convert, for thousands of rows.
        return cast(extract("epoch", later - earlier), Float) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def integer_rows(session: Session, query, width: int) -> np.ndarray:
    """The rows of `query` (`width` integer columns, no NULLs) as an n x width int64 array.

    The rows come back as one text (group_concat, string_agg), read by numpy in one call.
    On SQLite that replaces one fetch step per row: Python's sqlite3 gives up the GIL around
    every step, and while another thread of the server computes, taking it back waits up to
    the switch interval (5 ms) each time, so 150k rows could take minutes on a busy server
    instead of a fifth of a second. On PostgreSQL it saves making a Python tuple per row:
    two years of help pairs (240k rows) in 90-120 ms instead of 160-210.
    """
    conn = session.connection()
    sub = query.subquery()
    cols = list(sub.c)
    if dialect(session) == "postgresql":
        joined = func.string_agg(func.concat_ws(",", *cols), ",")
    else:
        row = cols[0]
        for c in cols[1:]:
            row = row.concat(",").concat(c)
        joined = func.group_concat(row, ",")
    return integers(conn.execute(select(joined)).scalar()).reshape(-1, width)


def joined_integers(session: Session, column):
    """An aggregate of an integer column as one 'n,n,...' text (NULLs left out), for numpy to
    read in one call (see integer_rows)."""
    if dialect(session) == "postgresql":
        return func.string_agg(cast(column, String), ",")
    return func.group_concat(column, ",")


def integers(text_: str | None) -> np.ndarray:
    """The numbers of a joined_integers text, as int64."""
    if not text_:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text_, dtype=np.int64, sep=",")


def fetch_bytes(session: Session, query) -> bytes:
    """The one bytes value `query` returns (b"" for NULL).

    On PostgreSQL the result is asked for in binary: as text, bytes travel hex-encoded, twice
    their size, and two years of help periods took 50 ms to arrive instead of 17. The
    statement still goes through SQLAlchemy (so its events, and statement counts, see it):
    only the cursor psycopg makes for it is binary."""
    conn = session.connection()
    if dialect(session) != "postgresql":
        return conn.execute(query).scalar() or b""
    raw = conn.connection.driver_connection
    usual = raw.cursor_factory
    raw.cursor_factory = _binary_cursor
    try:
        return conn.execute(query).scalar() or b""
    finally:
        raw.cursor_factory = usual


def _binary_cursor(connection, *args, **kwargs):
    import psycopg

    cursor = psycopg.Cursor(connection, *args, **kwargs)
    cursor.format = psycopg.pq.Format.BINARY
    return cursor


def joined_bytes(session: Session, column):
    """An aggregate of a binary column as one byte string, the values end to end."""
    if dialect(session) == "postgresql":
        return func.string_agg(column, literal(b"", LargeBinary))
    # group_concat keeps the bytes as they are (NULs too); the cast hands them back as bytes.
    return cast(func.group_concat(column, ""), LargeBinary)


def period_of_day(session: Session, grain: str, day_text):
    """`period` for a 'YYYY-MM-DD' text column (a day period)."""
    if dialect(session) == "postgresql":
        return period(session, grain, cast(day_text, Date))
    return period(session, grain, day_text)


def first_day(grain: str, day: date) -> date:
    """The first day of the period of `grain` holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "qtr":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if grain == "year":
        return day.replace(month=1, day=1)
    return day


def last_day(grain: str, day: date) -> date:
    """The last day of the period of `grain` holding `day`."""
    if grain == "week":
        return first_day("week", day) + timedelta(days=6)
    if grain == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if grain == "qtr":
        first = first_day("qtr", day)
        return last_day("month", first.replace(month=first.month + 2))
    if grain == "year":
        return day.replace(month=12, day=31)
    return day


Span = tuple[str, str]  # first and last period or day, as 'YYYY-MM-DD'


def periods(grain: str, first: str, last: str) -> list[str]:
    """Every period of `grain` from the one starting `first` to the one starting `last`."""
    found, day, end = [], date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        found.append(day.isoformat())
        day = last_day(grain, day) + timedelta(days=1)
    return found


def cover(start: date, end: date) -> tuple[Span | None, list[Span], list[Span]]:
    """Split the days start..end into whole months, whole weeks and the loose days left.

    Returns (months, weeks, days): months as the (first, last) month period to read from
    month rows (or None); weeks as (first, last) week periods (Mondays) to read from week
    rows; days as (first, last) day ranges to read from day rows. The parts do not overlap,
    so sums over them are exact; no week crosses into another month, so each part falls in
    one month; a long range reads a few rows per person, and under two weeks of loose days at
    each end.
    """
    first_month = start if start.day == 1 else last_day("month", start) + timedelta(days=1)
    last_month = end if last_day("month", end) == end else first_day("month", end) - \
        timedelta(days=1)
    if first_month > last_month:
        months, spans = None, []
        day = start  # the range within one month, or across one month's end
        while day <= end:
            spans.append((day, min(end, last_day("month", day))))
            day = spans[-1][1] + timedelta(days=1)
    else:
        months = (first_month.isoformat(), first_day("month", last_month).isoformat())
        spans = []
        if start < first_month:
            spans.append((start, first_month - timedelta(days=1)))
        if last_month < end:
            spans.append((last_month + timedelta(days=1), end))
    weeks: list[Span] = []
    days: list[Span] = []
    for lo, hi in spans:
        monday = lo + timedelta(days=(7 - lo.weekday()) % 7)  # first week wholly inside
        sunday = hi - timedelta(days=(hi.weekday() + 1) % 7)  # last day of the last one
        if monday + timedelta(days=6) > sunday:
            days.append((lo.isoformat(), hi.isoformat()))
            continue
        weeks.append((monday.isoformat(), (sunday - timedelta(days=6)).isoformat()))
        if lo < monday:
            days.append((lo.isoformat(), (monday - timedelta(days=1)).isoformat()))
        if sunday < hi:
            days.append(((sunday + timedelta(days=1)).isoformat(), hi.isoformat()))
    return months, weeks, days


def spans(start: date, end: date, *, coarse: bool = True) -> list[tuple[str, str, str]]:
    """(grain, first period, last period) of the activity_periods rows that hold the days
    start..end once per person and day: the whole months of `cover` as whole years, quarters
    and the months left (only months if not `coarse`), then its weeks and loose days."""
    months, weeks, days = cover(start, end)
    found: list[list[str]] = []
    if months:
        month, last = date.fromisoformat(months[0]), date.fromisoformat(months[1])
        while month <= last:
            grain = next(g for g in (("year", "qtr") if coarse else ()) + ("month",)
                         if first_day(g, month) == month
                         and first_day("month", last_day(g, month)) <= last)
            if found and found[-1][0] == grain:
                found[-1][2] = month.isoformat()
            else:
                found.append([grain, month.isoformat(), month.isoformat()])
            month = last_day(grain, month) + timedelta(days=1)
    return ([(g, lo, hi) for g, lo, hi in found] + [("week", lo, hi) for lo, hi in weeks]
            + [("day", lo, hi) for lo, hi in days])


def _insert(session: Session, table):
    return (postgresql.insert(table) if dialect(session) == "postgresql"
            else sqlite.insert(table))


def lag(session: Session) -> int:
    """Activity events not yet folded into the summaries."""
    done = session.scalar(select(SummaryState.last_id).where(SummaryState.name == NAME)) or 0
    newest = session.scalar(select(func.max(ActivityEvent.id))) or 0
    return max(newest - done, 0)


def refresh(session: Session, *, batch: int = BATCH) -> int:
    """Fold every activity event written since the last refresh into the summaries.

    Run in a write transaction. Returns the number of events folded in. Concurrent refreshes
    (several app servers) queue on the summary_state row, and the later one finds nothing to do.
    """
    state = session.execute(
        select(SummaryState).where(SummaryState.name == NAME).with_for_update()).scalar()
    if state is None:
        ins = _insert(session, SummaryState).values(name=NAME, last_id=0)
        session.execute(ins.on_conflict_do_nothing(index_elements=["name"]))
        state = session.execute(
            select(SummaryState).where(SummaryState.name == NAME).with_for_update()).scalar_one()
    newest = session.scalar(select(func.max(ActivityEvent.id))) or 0
    done = state.last_id
    folded = 0
    while done < newest:
        upto = min(done + batch, newest)
        folded += _fold(session, done, upto)
        done = upto
    session.execute(update(SummaryState).where(SummaryState.name == NAME)
                    .values(last_id=done))
    session.expire(state)
    refresh_help(session)
    return folded


def _fold(session: Session, after: int, upto: int) -> int:
    """Add the events with after < id <= upto to every summary."""
    e = ActivityEvent
    in_batch = and_(e.id > after, e.id <= upto)
    n = session.scalar(select(func.count()).where(in_batch)) or 0
    if not n:
        return 0
    is_post = e.kind == "post"
    sums = [func.sum(case((is_post, 1), else_=0)).label("posts")] + [
        func.sum(case((and_(is_post, e.entity_type == kind), 1), else_=0)).label(col)
        for kind, col in KIND_COLUMNS.items()]
    site = func.coalesce(User.site_id, 0)
    p = ActivityPeriod.__table__
    touched: dict[str, list[str]] = {}
    for grain in GRAINS:
        key = period(session, grain, e.created_at)
        rows = (select(literal(grain), key, e.user_id, func.max(site), func.count(), *sums)
                .join(User, User.id == e.user_id)
                # SQLite needs the WHERE for INSERT ... SELECT ... ON CONFLICT to parse.
                .where(in_batch)
                .group_by(key, e.user_id)
                # Rows of one period side by side on disk (PostgreSQL's hash aggregate emits
                # them in no order): a year's range then reads a tenth of the pages.
                .order_by(key, e.user_id))
        ins = _insert(session, p).from_select(
            ["grain", "period", "user_id", "site_id", "events", *COUNTS], rows)
        session.execute(ins.on_conflict_do_update(
            index_elements=["grain", "period", "user_id"],
            set_={c: p.c[c] + ins.excluded[c] for c in ("events", *COUNTS)}))
        touched[grain] = list(session.scalars(select(key).where(in_batch).distinct()))
        _recount(session, grain, touched[grain])
    _add_up_months(session, touched["month"], select(e.user_id).where(in_batch).distinct())
    first = (select(e.user_id, func.min(period(session, "day", e.created_at)))
             .where(in_batch, is_post).group_by(e.user_id))
    ins = _insert(session, FirstPost).from_select(["user_id", "day"], first)
    session.execute(ins.on_conflict_do_update(
        index_elements=["user_id"],
        set_={"day": case((ins.excluded.day < FirstPost.__table__.c.day, ins.excluded.day),
                          else_=FirstPost.__table__.c.day)}))
    return n


def _add_up_months(session: Session, months: list[str], people) -> None:
    """Recompute the quarter and year rows holding these months from the month rows of
    `people` (a select of user ids). From months, not events: the medium seed's two years are
    then 200k rows to add up rather than 2M. A quarter or year row keeps one of its months'
    sites (they differ only for someone who moved), so ranges filtered by site read months."""
    if not months:
        return
    p = ActivityPeriod.__table__
    for grain in COARSE:
        firsts = sorted({first_day(grain, date.fromisoformat(m)) for m in months})
        # Each month named: the primary key is (grain, period, user_id), and through a range
        # of months it is read for everyone's months to find these people's (a year's worth:
        # 250 ms at 50k people, however few events there were to fold).
        named = [m for f in firsts for m in periods(
            "month", f.isoformat(), first_day("month", last_day(grain, f)).isoformat())]
        key = period_of_day(session, grain, p.c.period)
        rows = (select(literal(grain), key, p.c.user_id, func.max(p.c.site_id),
                       func.sum(p.c.events), *[func.sum(p.c[c]) for c in COUNTS])
                .where(p.c.grain == "month", p.c.period.in_(named), p.c.user_id.in_(people))
                .group_by(key, p.c.user_id).order_by(key, p.c.user_id))
        ins = _insert(session, p).from_select(
            ["grain", "period", "user_id", "site_id", "events", *COUNTS], rows)
        session.execute(ins.on_conflict_do_update(
            index_elements=["grain", "period", "user_id"],
            set_={c: ins.excluded[c] for c in ("site_id", "events", *COUNTS)}))


def _recount(session: Session, grain: str, periods: list[str]) -> None:
    """Recompute activity_counts for these periods of `grain` from activity_periods."""
    a, c = ActivityPeriod, ActivityCount
    for i in range(0, len(periods), 500):
        chunk = periods[i:i + 500]
        session.execute(delete(c).where(c.grain == grain, c.period.in_(chunk)))
        rows = (select(a.grain, a.period, a.site_id, func.count(),
                       func.sum(case((a.posts > 0, 1), else_=0)),
                       *[func.sum(getattr(a, col)) for col in COUNTS])
                .where(a.grain == grain, a.period.in_(chunk))
                .group_by(a.grain, a.period, a.site_id))
        session.execute(c.__table__.insert().from_select(
            ["grain", "period", "site_id", "people", "contributors", *COUNTS], rows))


# --- course progress --------------------------------------------------------------------------

def _course_progress_rows(*where):
    """Per learner and course: published lessons completed, and the last time they worked on
    any lesson of it (the later of updated_at and completed_at of any of its lessons)."""
    lp = LessonProgress
    worked = case((lp.completed_at > lp.updated_at, lp.completed_at), else_=lp.updated_at)
    return (select(Lesson.course_id, lp.user_id, func.count(lp.completed_at), func.max(worked))
            .join(Lesson, Lesson.id == lp.lesson_id)
            .where(Lesson.published_revision_id.is_not(None), *where)
            .group_by(Lesson.course_id, lp.user_id))


def note_course_progress(session: Session, *, user_id: int, course_id: int) -> None:
    """Bring this learner's course_progress row for the course up to date with their lesson
    progress (run in the transaction that changed it)."""
    session.flush()  # the lesson_progress row just changed is read back
    ins = _insert(session, CourseProgress).from_select(
        ["course_id", "user_id", "completed", "last_worked_at"],
        _course_progress_rows(LessonProgress.user_id == user_id, Lesson.course_id == course_id))
    session.execute(ins.on_conflict_do_update(
        index_elements=["course_id", "user_id"],
        set_={"completed": ins.excluded.completed,
              "last_worked_at": ins.excluded.last_worked_at}))


def rebuild_course_progress(session: Session) -> None:
    """Recompute every course_progress row from lesson progress (after a bulk load)."""
    session.execute(delete(CourseProgress))
    session.execute(CourseProgress.__table__.insert().from_select(
        ["course_id", "user_id", "completed", "last_worked_at"], _course_progress_rows()))


# --- who helps whom ---------------------------------------------------------------------------

# summary_state rows: the last id of each source refresh_help has read.
HELP_SOURCES = {"help.answers": Answer.id, "help.comments": Comment.id,
                "help.revisions": LessonRevision.id, "help.audit": AuditRecord.id}
# Audit actions that change the help an existing post gave (acceptance, hiding, keeping).
HELP_CHANGES = ("answer.accepted", "answer.unaccepted", "content.flagged", "moderation.keep",
                "moderation.hide", "moderation.delete")


def help_edges(session: Session, since: datetime | None = None, until: datetime | None = None):
    """(day, helper_id, helped_id, weight) for every act of help in [since, until), and the
    condition that leaves out helping oneself.

    An answer helps the asker; an accepted answer counts twice more; a comment helps the author
    of what it is on; lesson co-authors help each other (on the day of the revision).
    """
    def within(column):
        return and_(*([column >= since] if since else []), *([column < until] if until else []),
                    literal(True))

    a, q, c = Answer, Question, Comment
    parts = [
        select(period(session, "day", a.created_at).label("day"),
               a.author_id.label("helper_id"), q.author_id.label("helped_id"),
               literal(1).label("weight"))
        .join(q, q.id == a.question_id).where(a.status == "visible", within(a.created_at)),
        select(period(session, "day", a.created_at), a.author_id, q.author_id, literal(2))
        .join(q, q.id == a.question_id)
        .where(a.is_accepted.is_(True), a.status == "visible", within(a.created_at)),
    ]
    for etype, model in (("question", Question), ("answer", Answer), ("suggestion", Suggestion)):
        parts.append(
            select(period(session, "day", c.created_at), c.author_id, model.author_id, literal(1))
            .join(model, and_(c.entity_type == etype, c.entity_id == model.id))
            .where(c.status == "visible", within(c.created_at)))
    r = LessonRevision
    writers = union_all(
        select(r.id.label("rid"), period(session, "day", r.created_at).label("day"),
               r.author_id.label("uid")).where(within(r.created_at)),
        select(RevisionContributor.revision_id, period(session, "day", r.created_at),
               RevisionContributor.user_id)
        .join(r, r.id == RevisionContributor.revision_id).where(within(r.created_at)),
    ).subquery()
    w1, w2 = aliased(writers), aliased(writers)
    parts.append(select(w1.c.day, w1.c.uid, w2.c.uid, literal(1)).distinct()
                 .join(w2, and_(w2.c.rid == w1.c.rid, w2.c.uid != w1.c.uid)))
    edges = union_all(*parts).subquery()
    return edges, edges.c.helper_id != edges.c.helped_id


def refresh_help(session: Session) -> int:
    """Bring help_days and help_periods up to date; returns how many days were recomputed.

    The first run builds them from every post. Later runs recompute the days of posts written
    or changed since (and, when there are new posts, today and yesterday: on PostgreSQL a post
    can commit after one with a higher id was read), and add what changed on those days to the
    periods holding them. Run inside `refresh`, which serialises refreshes.
    """
    marks = dict(session.execute(select(SummaryState.name, SummaryState.last_id)
                                 .where(SummaryState.name.in_([*HELP_SOURCES, HELP_PERIODS])))
                 .all())
    periods_built = marks.pop(HELP_PERIODS, None) is not None
    newest = {name: session.scalar(select(func.max(col))) or 0
              for name, col in HELP_SOURCES.items()}
    advanced = {n for n in HELP_SOURCES if newest[n] > marks.get(n, -1)}
    if len(marks) < len(HELP_SOURCES):
        session.execute(delete(HelpDay))
        _insert_help(session, None)
        periods_built = False
        days = -1
    elif not advanced:
        days = 0
    else:
        dirty = _dirty_days(session, marks)
        if advanced - {"help.audit"}:
            # New posts: today's and yesterday's again too, for any post that committed after
            # one with a higher id was read (PostgreSQL). Audit records alone (sign-ins, votes,
            # edits) change no day's help unless they accepted, hid or kept a post.
            today = utcnow().date()
            dirty |= {today.isoformat(), (today - timedelta(days=1)).isoformat()}
        runs = _runs(sorted(dirty))
        before = _help_day_rows(session, runs) if periods_built and runs else None
        for lo, hi in runs:
            session.execute(delete(HelpDay).where(HelpDay.day.between(lo, hi)))
            _insert_help(session, (lo, hi))
        if periods_built and runs:
            _change_help_periods(session, before, _help_day_rows(session, runs))
        days = len(dirty)
    if not periods_built:
        build_help_periods(session)
        newest[HELP_PERIODS] = 1
    if days or not periods_built or advanced:
        for name, last in newest.items():
            ins = _insert(session, SummaryState).values(name=name, last_id=last)
            session.execute(ins.on_conflict_do_update(
                index_elements=["name"], set_={"last_id": ins.excluded.last_id}))
    return days


def _dirty_days(session: Session, marks: dict[str, int]) -> set[str]:
    """Days whose help may have changed since the marks: of new posts and revisions, and of the
    answers and comments that audit records since say were accepted, hidden or kept."""
    a, c, r, log = Answer, Comment, LessonRevision, AuditRecord
    day = lambda col: period(session, "day", col)  # noqa: E731 - a short local alias
    changed: dict[str, set[int]] = {"answer": set(), "question": set(), "comment": set()}
    # A handful of rows; their ids are text in the audit log, so they are matched here.
    for etype, eid in session.execute(select(log.entity_type, log.entity_id).where(
            log.id > marks["help.audit"], log.action.in_(HELP_CHANGES),
            log.entity_type.in_(list(changed)))):
        if eid and str(eid).isdigit():
            changed[etype].add(int(eid))
    queries = [
        select(day(a.created_at)).where(a.id > marks["help.answers"]),
        select(day(c.created_at)).where(c.id > marks["help.comments"]),
        select(day(r.created_at)).where(r.id > marks["help.revisions"]),
    ]
    if changed["answer"]:
        queries.append(select(day(a.created_at)).where(a.id.in_(changed["answer"])))
    if changed["question"]:
        queries.append(select(day(a.created_at)).where(a.question_id.in_(changed["question"])))
    if changed["comment"]:
        queries.append(select(day(c.created_at)).where(c.id.in_(changed["comment"])))
    return {d for q in queries for d in session.scalars(q.distinct()) if d}


def _runs(days: list[str]) -> list[tuple[str, str]]:
    """Sorted 'YYYY-MM-DD' days as (first, last) runs of consecutive days."""
    runs: list[list[date]] = []
    for d in map(date.fromisoformat, days):
        if runs and d - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return [(lo.isoformat(), hi.isoformat()) for lo, hi in runs]


def _insert_help(session: Session, days: tuple[str, str] | None) -> None:
    """Insert the help of the days first..last (None: of all time) into help_days."""
    since = until = None
    if days:
        since = datetime.combine(date.fromisoformat(days[0]), time.min)
        until = datetime.combine(date.fromisoformat(days[1]) + timedelta(days=1), time.min)
    edges, not_self = help_edges(session, since, until)
    rows = (select(edges.c.day, edges.c.helper_id, edges.c.helped_id, func.sum(edges.c.weight))
            .where(not_self).group_by(edges.c.day, edges.c.helper_id, edges.c.helped_id)
            .order_by(edges.c.day, edges.c.helper_id, edges.c.helped_id))  # days together
    session.execute(HelpDay.__table__.insert().from_select(
        ["day", "helper_id", "helped_id", "acts"], rows))


# --- help per month, quarter and year ----------------------------------------------------------

HELP_GRAINS = ("month", "qtr", "year")
HELP_PERIODS = "help.periods"  # a summary_state row saying help_periods has been built
# help_periods.pairs: (helper, helped, acts) as these, end to end. 32 bits, as ids are: half
# the bytes of 64 to send (PostgreSQL sends bytes as hex text: 50 ms for two years at 64 bits).
_TRIPLES = np.dtype("<i4")


def help_triples(blob: bytes) -> np.ndarray:
    """help_periods.pairs (one row's, or several end to end) as an n x 3 int64 array."""
    return np.frombuffer(blob, dtype=_TRIPLES).reshape(-1, 3).astype(np.int64)


def _help_day_rows(session: Session, days: list[Span] | None) -> np.ndarray:
    """help_days rows of the day ranges (None: every day) as an n x 4 array: the day as
    YYYYMMDD, helper, helped, acts."""
    h = HelpDay
    found = select(cast(func.replace(h.day, "-", ""), Integer), h.helper_id, h.helped_id, h.acts)
    if days is not None:
        found = found.where(or_(*(h.day.between(lo, hi) for lo, hi in days)))
    return integer_rows(session, found, 4)


def _period_codes(ymd: np.ndarray, grain: str) -> np.ndarray:
    """The period of `grain` holding each YYYYMMDD day, as YYYYMM of its first month."""
    year, month = ymd // 10000, ymd // 100 % 100
    first = {"month": month, "qtr": (month - 1) // 3 * 3 + 1, "year": np.ones_like(month)}
    return year * 100 + first[grain]


def _period_text(code: int) -> str:
    return f"{code // 100:04d}-{code % 100:02d}-01"


def add_up(keys: list[np.ndarray], acts: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Acts summed per distinct combination of `keys`, in key order."""
    order = np.lexsort(keys[::-1])
    keys, acts = [k[order] for k in keys], acts[order]
    new = np.zeros(len(acts), dtype=bool)
    new[:1] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    return [k[starts] for k in keys], (np.add.reduceat(acts, starts) if len(starts) else acts)


def _period_rows(grain: str, codes, helpers, helped, acts) -> list[dict]:
    """help_periods rows from triples sorted by period, helper and helped (none with 0 acts)."""
    if not len(codes):
        return []
    triples = np.column_stack((helpers, helped, acts))
    if triples.max() >= 1 << 31 or triples.min() < 0:
        raise ValueError("help_periods holds ids and acts of 32 bits")
    triples = triples.astype(_TRIPLES)
    new = np.ones(len(codes), dtype=bool)
    new[1:] = (codes[1:] != codes[:-1]) | (helpers[1:] != helpers[:-1])
    starts = np.flatnonzero(new)
    return [{"grain": grain, "period": _period_text(int(codes[a])), "helper_id": int(helpers[a]),
             "pairs": triples[a:b].tobytes()}
            for a, b in zip(starts, np.append(starts[1:], len(codes)), strict=True)]


def build_help_periods(session: Session) -> None:
    """Fill help_periods from every help day."""
    session.execute(delete(HelpPeriod))
    rows = _help_day_rows(session, None)
    for grain in HELP_GRAINS:
        (codes, helpers, helped), acts = add_up(
            [_period_codes(rows[:, 0], grain), rows[:, 1], rows[:, 2]], rows[:, 3])
        found = _period_rows(grain, codes, helpers, helped, acts)
        for at in range(0, len(found), 5000):
            session.execute(HelpPeriod.__table__.insert(), found[at:at + 5000])


def _change_help_periods(session: Session, before: np.ndarray, after: np.ndarray) -> None:
    """Add the difference between help_days rows before and after a recount (_help_day_rows
    of the same days) to the periods holding those days: only the helpers whose help changed
    are read and written again."""
    change = np.vstack((after, before * np.array([1, 1, 1, -1])))
    p = HelpPeriod
    for grain in HELP_GRAINS:
        (codes, helpers, helped), acts = add_up(
            [_period_codes(change[:, 0], grain), change[:, 1], change[:, 2]], change[:, 3])
        moved = acts != 0
        codes, helpers, helped, acts = codes[moved], helpers[moved], helped[moved], acts[moved]
        for code in np.unique(codes).tolist():
            mine = codes == code
            who = np.unique(helpers[mine]).tolist()
            where = and_(p.grain == grain, p.period == _period_text(code))
            kept = []
            for at in range(0, len(who), 5000):
                chunk = p.helper_id.in_(who[at:at + 5000])
                kept += session.scalars(select(p.pairs).where(where, chunk)).all()
                session.execute(delete(p).where(where, chunk))
            old = help_triples(b"".join(kept))
            (h, d), total = add_up([np.concatenate((old[:, 0], helpers[mine])),
                                    np.concatenate((old[:, 1], helped[mine]))],
                                   np.concatenate((old[:, 2], acts[mine])))
            left = total > 0
            found = _period_rows(grain, np.full(int(left.sum()), code), h[left], d[left],
                                 total[left])
            if found:
                session.execute(p.__table__.insert(), found)
