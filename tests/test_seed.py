"""The demo organisation: sign-ins, sizes, consistent counters, four-eyes rule, determinism."""

from __future__ import annotations

import os
import random
import re
import string
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from db import audit, content, gamification, points, seed
from db import demo_text as txt
from db.actors import SYSTEM, Actor
from db.errors import Conflict
from db.migrate import upgrade
from db.models import FUNCTIONS, Base, Signature, Submission, User, utcnow
from db.session import Database
from db.users import check_password

STEPS = ("people", "courses and lessons", "questions and answers", "votes", "suggestions",
         "submissions", "activity")


def _seeded(url: str, *, seed_value: int = 2026) -> tuple[Database, dict, list, float]:
    upgrade(url)
    db = Database(url)
    calls: list[tuple[str, int, int]] = []
    # CPU time, not wall time: SQLite works in this process, and a busy machine stretches the
    # wall clock without saying anything about the seed.
    started = time.process_time()
    counts = seed.seed_demo(db, seed=seed_value, progress=lambda *a: calls.append(a))
    return db, counts, calls, time.process_time() - started


@contextmanager
def _scratch_postgresql() -> Iterator[str]:
    """A new, empty PostgreSQL database on the TEST_DATABASE_URL server, dropped afterwards."""
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"seedtest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, tmp_path_factory):
    with ExitStack() as stack:
        mp = stack.enter_context(pytest.MonkeyPatch.context())
        mp.setenv("BCRYPT_ROUNDS", "4")
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'demo.db'}"
        else:
            url = stack.enter_context(_scratch_postgresql())
        db, counts, calls, seconds = _seeded(url)
        try:
            yield db, counts, calls, seconds
        finally:
            db.dispose()


@pytest.fixture
def s(demo):
    with demo[0].read() as session:
        yield session


def _rows(s, sql: str) -> list:
    return list(s.execute(text(sql)))


def _scalar(s, sql: str):
    return s.execute(text(sql)).scalar()


def test_demo_seeds_quickly(demo):
    if demo[0].engine.dialect.name != "sqlite":
        pytest.skip("the time budget is for SQLite")
    assert demo[3] < 10


@pytest.mark.parametrize("signin", seed.DEMO_SIGNINS, ids=lambda d: d.username)
def test_demo_signin_exists_with_roles_and_password(s, signin):
    user = s.scalar(select(User).where(User.username == signin.username))
    assert user is not None and user.is_active
    assert (user.name, user.function, user.job_title) == (
        signin.name, signin.function, signin.job_title)
    assert _scalar(s, f"SELECT name FROM sites WHERE id = {user.site_id}") == signin.site
    roles = tuple(sorted(r for (r,) in _rows(
        s, f"SELECT role FROM user_roles WHERE user_id = {user.id}")))
    assert roles == tuple(sorted(signin.roles))
    assert check_password(seed.DEMO_PASSWORD, user.password_hash)
    assert not check_password("wrong-password", user.password_hash)


def test_generated_people_cannot_sign_in_with_the_demo_password(s):
    hashed = _scalar(s, "SELECT password_hash FROM users WHERE id = 42")
    assert not check_password(seed.DEMO_PASSWORD, hashed)


@pytest.mark.parametrize(("table", "low", "high"), [
    ("sites", 6, 6), ("users", 300, 300), ("courses", 12, 12), ("lessons", 48, 96),
    ("lesson_revisions", 60, 250), ("signatures", 48, 200), ("proposals", 15, 200),
    ("lesson_progress", 1000, 8000), ("questions", 550, 650), ("answers", 1300, 1700),
    ("comments", 700, 1100), ("votes", 9000, 16000), ("suggestions", 140, 160),
    ("suggestion_status_changes", 200, 800), ("follows", 500, 5000),
    ("notifications", 20, 600), ("point_events", 5000, 30000), ("badge_awards", 20, 3000),
    ("activity_events", 36000, 44000), ("submissions", 380, 420), ("tags", 30, 80),
    ("question_tags", 600, 3000), ("audit_log", 500, 2000),
])
def test_counts_are_in_range(demo, s, table, low, high):
    n = _scalar(s, f"SELECT COUNT(*) FROM {table}")
    assert low <= n <= high
    assert demo[1][table] == n


def test_every_site_and_function_has_people(s):
    assert _scalar(s, "SELECT COUNT(*) FROM sites s WHERE NOT EXISTS "
                      "(SELECT 1 FROM users u WHERE u.site_id = s.id)") == 0
    functions = {f for (f,) in _rows(s, "SELECT DISTINCT function FROM users")}
    assert functions == set(FUNCTIONS)
    sites = {n for (n,) in _rows(s, "SELECT name FROM sites")}
    assert sites == {"Basel", "Boston", "Cambridge UK", "Shanghai", "Tokyo", "Singapore"}


def test_every_role_is_held(s):
    roles = dict(_rows(s, "SELECT role, COUNT(*) FROM user_roles GROUP BY role"))
    assert roles["learner"] > 200 and roles["trainer"] >= 5
    assert roles["leader"] >= 2 and roles["admin"] >= 1


def test_question_score_and_answer_count_match_votes_and_answers(s):
    assert _scalar(s, """
        SELECT COUNT(*) FROM questions q WHERE
          q.score != COALESCE((SELECT SUM(value) FROM votes v
                               WHERE v.entity_type = 'question' AND v.entity_id = q.id), 0)
          OR q.answer_count != (SELECT COUNT(*) FROM answers a WHERE a.question_id = q.id)
    """) == 0
    assert _scalar(s, "SELECT COUNT(*) FROM questions WHERE answer_count = 0") > 0


def test_first_answer_times_match_the_answers(s):
    # Time to first answer reads the kept seconds: they must be what a repair would write.
    from db import qa
    from db.models import Question

    kept = s.execute(select(Question.id, Question.answer_count, Question.answer_seconds)
                     .order_by(Question.id)).all()
    assert sum(1 for r in kept if r.answer_seconds is not None) > len(kept) // 2
    qa.recount_answers(s)
    again = s.execute(select(Question.id, Question.answer_count, Question.answer_seconds)
                      .order_by(Question.id)).all()
    s.rollback()
    assert kept == again


def test_answer_score_matches_votes(s):
    assert _scalar(s, """
        SELECT COUNT(*) FROM answers a WHERE a.score != COALESCE(
          (SELECT SUM(value) FROM votes v WHERE v.entity_type = 'answer' AND v.entity_id = a.id),
          0)
    """) == 0
    assert _scalar(s, "SELECT COUNT(*) FROM votes WHERE value = -1") > 0


def test_suggestion_counters_match(s):
    assert _scalar(s, """
        SELECT COUNT(*) FROM suggestions g WHERE
          g.vote_count != (SELECT COUNT(*) FROM votes v
                           WHERE v.entity_type = 'suggestion' AND v.entity_id = g.id)
          OR g.vote_count != COALESCE((SELECT SUM(value) FROM votes v
                           WHERE v.entity_type = 'suggestion' AND v.entity_id = g.id), 0)
          OR g.comment_count != (SELECT COUNT(*) FROM comments c
                           WHERE c.entity_type = 'suggestion' AND c.entity_id = g.id)
    """) == 0


def test_flag_counts_match_flags(s):
    for table, etype in (("questions", "question"), ("answers", "answer"),
                         ("suggestions", "suggestion")):
        assert _scalar(s, f"""
            SELECT COUNT(*) FROM {table} t WHERE t.flag_count != (SELECT COUNT(*) FROM flags f
              WHERE f.entity_type = '{etype}' AND f.entity_id = t.id)""") == 0
    assert _scalar(s, "SELECT COUNT(*) FROM flags") >= 8


def test_accepted_answers_are_consistent(s):
    assert _scalar(s, """
        SELECT COUNT(*) FROM questions q JOIN answers a ON a.id = q.accepted_answer_id
        WHERE a.question_id != q.id OR NOT a.is_accepted""") == 0
    accepted = _scalar(s, "SELECT COUNT(*) FROM answers WHERE is_accepted")
    assert accepted == _scalar(
        s, "SELECT COUNT(*) FROM questions WHERE accepted_answer_id IS NOT NULL")
    assert accepted > 50
    assert _scalar(s, """SELECT COUNT(*) FROM (SELECT question_id FROM answers WHERE is_accepted
                         GROUP BY question_id HAVING COUNT(*) > 1) x""") == 0


def test_votes_are_unique_never_own_and_go_to_the_author(s):
    assert _scalar(s, "SELECT COUNT(*) FROM votes WHERE user_id = recipient_id") == 0
    assert _scalar(s, """SELECT COUNT(*) FROM (SELECT 1 FROM votes
                         GROUP BY user_id, entity_type, entity_id HAVING COUNT(*) > 1) x""") == 0
    for table, etype in (("questions", "question"), ("answers", "answer"),
                         ("suggestions", "suggestion")):
        assert _scalar(s, f"""
            SELECT COUNT(*) FROM votes v JOIN {table} t ON t.id = v.entity_id
            WHERE v.entity_type = '{etype}' AND v.recipient_id != t.author_id""") == 0
        assert _scalar(s, f"""
            SELECT COUNT(*) FROM votes v JOIN {table} t ON t.id = v.entity_id
            WHERE v.entity_type = '{etype}' AND v.created_at < t.created_at""") == 0


def test_published_revisions_are_signed_by_someone_who_did_not_write_them(s):
    lessons = _rows(s, """
        SELECT l.id, r.id, r.title, r.body, r.content_hash, r.state
        FROM lessons l JOIN lesson_revisions r ON r.id = l.published_revision_id""")
    assert len(lessons) == _scalar(s, "SELECT COUNT(*) FROM lessons")
    trainers = {u for (u,) in _rows(s, "SELECT user_id FROM user_roles WHERE role='trainer'")}
    for _lesson, rev_id, title, body, stored_hash, state in lessons:
        assert state == "approved"
        assert stored_hash == seed.content_hash(title, body)
        contributors = {u for (u,) in _rows(
            s, f"SELECT user_id FROM revision_contributors WHERE revision_id = {rev_id}")}
        assert contributors
        sigs = s.scalars(select(Signature).where(Signature.revision_id == rev_id,
                                                 Signature.meaning == "approved")).all()
        assert sigs
        for sig in sigs:
            assert sig.signer_id not in contributors
            assert sig.signer_id in trainers
            assert sig.content_hash == seed.content_hash(title, body)
            assert sig.printed_name == _scalar(
                s, f"SELECT name FROM users WHERE id = {sig.signer_id}")


def test_revision_history_is_well_formed(s):
    assert _scalar(s, """SELECT COUNT(*) FROM lessons l JOIN lesson_revisions r
                         ON r.id = l.latest_revision_id WHERE r.number != (SELECT MAX(number)
                         FROM lesson_revisions x WHERE x.lesson_id = l.id)""") == 0
    assert _scalar(s, "SELECT COUNT(*) FROM lesson_revisions WHERE state = 'in_review'") >= 2
    assert _scalar(s, "SELECT COUNT(*) FROM lesson_revisions WHERE state = 'superseded'") > 0
    assert _scalar(s, """SELECT COUNT(*) FROM lesson_revisions WHERE number > 1
                         AND based_on_id IS NULL""") == 0
    statuses = dict(_rows(s, "SELECT status, COUNT(*) FROM proposals GROUP BY status"))
    assert set(statuses) == {"pending", "accepted", "rejected"}
    assert _scalar(s, """SELECT COUNT(*) FROM proposals p WHERE p.status = 'accepted' AND
                         NOT EXISTS (SELECT 1 FROM revision_contributors c WHERE
                         c.revision_id = p.revision_id AND c.user_id = p.proposer_id)""") == 0
    assert _scalar(s, """SELECT COUNT(*) FROM proposals WHERE status != 'pending'
                         AND (decided_by IS NULL OR decided_at < created_at)""") == 0


def test_the_demo_story_is_in_place(s):
    ids = dict(_rows(s, "SELECT username, id FROM users WHERE id <= 5"))
    lena, tomas, mei = ids["lena"], ids["tomas"], ids["mei"]
    assert _scalar(s, f"SELECT COUNT(*) FROM lesson_progress WHERE user_id = {lena} "
                      "AND completed_at IS NOT NULL") >= 3
    assert _scalar(s, f"SELECT COUNT(*) FROM questions WHERE author_id = {lena}") >= 2
    assert _scalar(s, f"SELECT COUNT(*) FROM proposals WHERE proposer_id = {lena} "
                      "AND status = 'pending'") == 1
    assert _scalar(s, f"SELECT COUNT(*) FROM notifications WHERE user_id = {lena} "
                      "AND read_at IS NULL") >= 1
    # Each demo trainer has a draft in review that the other may approve.
    for author, reviewer in ((tomas, mei), (mei, tomas)):
        assert _scalar(s, f"""SELECT COUNT(*) FROM lesson_revisions r WHERE r.state = 'in_review'
            AND r.author_id = {author} AND NOT EXISTS (SELECT 1 FROM revision_contributors c
            WHERE c.revision_id = r.id AND c.user_id = {reviewer})""") >= 1
    assert _scalar(s, f"""SELECT COUNT(*) FROM proposals p JOIN course_owners o ON o.course_id =
        (SELECT course_id FROM lessons WHERE id = p.lesson_id) WHERE p.status = 'pending'
        AND o.user_id = {tomas}""") >= 2


def test_badges_match_what_gamification_counts(s):
    tiers = ("bronze", "silver", "gold")
    for (uid,) in _rows(s, "SELECT id FROM users"):
        counts = gamification.metrics(s, user_id=uid)
        earned = {(b.key, tier) for b in gamification.BADGES
                  for tier, need in zip(tiers, b.thresholds, strict=True)
                  if counts[b.metric] >= need}
        awarded = set(_rows(s, f"SELECT badge, tier FROM badge_awards WHERE user_id = {uid}"))
        assert awarded == earned, uid


def test_points_ledger_follows_the_rules(s):
    actions = dict(_rows(s, "SELECT action, COUNT(*) FROM point_events GROUP BY action"))
    assert set(actions) <= set(points.POINTS)
    assert actions["answer.posted"] == _scalar(s, "SELECT COUNT(*) FROM answers")
    assert actions["question.asked"] == _scalar(s, "SELECT COUNT(*) FROM questions")
    assert _scalar(s, """SELECT COUNT(*) FROM point_events p JOIN votes v ON v.id = p.entity_id
                         WHERE p.action = 'vote.received' AND p.entity_type = 'vote'
                         AND (v.value != 1 OR v.recipient_id != p.user_id)""") == 0
    assert _scalar(s, "SELECT COUNT(*) FROM point_events WHERE points <= 0") == 0
    for action, value in points.POINTS.items():
        assert _scalar(s, f"SELECT COUNT(*) FROM point_events WHERE action = '{action}' "
                          f"AND points > {value}") == 0
    # Point history and notifications list by id: ids follow time.
    for table in ("point_events", "notifications"):
        assert _scalar(s, f"""SELECT COUNT(*) FROM {table} a JOIN {table} b ON b.id = a.id + 1
                              WHERE b.created_at < a.created_at""") == 0


def test_leaderboard_totals_add_up_the_ledger_and_are_kept_after_the_seed(s):
    """The seed counts the totals once instead of by trigger, and puts the triggers back."""
    live = dict(_rows(s, "SELECT user_id, SUM(points) FROM point_events "
                         "WHERE voided_at IS NULL GROUP BY user_id"))
    kept = {(p, u): v for p, u, v in _rows(s, "SELECT period, user_id, points FROM point_totals")}
    assert {u: v for (p, u), v in kept.items() if p == "all"} == live
    points.recount_totals(s)  # rolled back with the session
    assert {(p, u): v for p, u, v in _rows(
        s, "SELECT period, user_id, points FROM point_totals")} == kept
    uid = next(iter(live))
    given = points.award(s, user_id=uid, action="question.asked", now=datetime(2031, 1, 6))
    assert given > 0 and points.total(s, user_id=uid) == live[uid] + given
    assert _scalar(s, f"SELECT points FROM point_totals WHERE period = 'week 2031-01-06' "
                      f"AND user_id = {uid}") == given


def test_answer_totals_add_up_the_visible_answers(s):
    by_hand = {r[0]: tuple(r[1:]) for r in _rows(s, """
        SELECT author_id, COUNT(*), SUM(CASE WHEN is_accepted THEN 1 ELSE 0 END), SUM(score)
        FROM answers WHERE status = 'visible' GROUP BY author_id""")}
    kept = {r[0]: tuple(r[1:]) for r in _rows(
        s, "SELECT author_id, answers, accepted, votes FROM answer_totals WHERE answers > 0")}
    assert kept == by_hand


def test_demo_journeys_work_with_the_services(s):
    """Tomás takes a pending edit; Mei signs Tomás's draft (rolled back with the session)."""
    def actor(username):
        uid, name = _rows(s, f"SELECT id, name FROM users WHERE username = '{username}'")[0]
        roles = {r for (r,) in _rows(s, f"SELECT role FROM user_roles WHERE user_id = {uid}")}
        return Actor(uid, username, name, frozenset(roles))

    tomas, mei = actor("tomas"), actor("mei")
    pid, lesson_id, latest = _rows(s, f"""
        SELECT p.id, l.id, l.latest_revision_id FROM proposals p
        JOIN lessons l ON l.id = p.lesson_id JOIN course_owners o ON o.course_id = l.course_id
        WHERE p.status = 'pending' AND p.kind = 'edit' AND o.user_id = {tomas.id}
          AND p.proposer_id != {tomas.id} ORDER BY p.id LIMIT 1""")[0]
    before = len(_scalar(s, f"SELECT body FROM lesson_revisions WHERE id = {latest}"))
    rev = content.accept_proposal(s, actor=tomas, proposal_id=pid, expected_revision_id=latest)
    assert len(_scalar(s, f"SELECT body FROM lesson_revisions WHERE id = {rev}")) >= before - 200
    rev_id, title, body = _rows(s, f"""SELECT id, title, body FROM lesson_revisions
        WHERE state = 'in_review' AND author_id = {tomas.id} ORDER BY id LIMIT 1""")[0]
    outcome = content.sign_revision(s, actor=mei, revision_id=rev_id,
                                    password=seed.DEMO_PASSWORD, meaning="approved",
                                    seen_hash=seed.content_hash(title, body))
    assert outcome.signed and outcome.published


def test_suggestions_have_every_status_and_a_timeline(s):
    statuses = dict(_rows(s, "SELECT status, COUNT(*) FROM suggestions GROUP BY status"))
    assert set(statuses) == {"new", "under_review", "planned", "in_progress", "implemented",
                             "declined", "duplicate"}
    assert _scalar(s, """SELECT COUNT(*) FROM suggestions g WHERE g.status != (SELECT to_status
        FROM suggestion_status_changes c WHERE c.suggestion_id = g.id
        ORDER BY changed_at DESC, id DESC LIMIT 1)""") == 0
    assert _scalar(s, """SELECT COUNT(*) FROM suggestions g WHERE NOT EXISTS (SELECT 1 FROM
        suggestion_status_changes c WHERE c.suggestion_id = g.id AND c.from_status IS NULL
        AND c.to_status = 'new')""") == 0
    assert _scalar(s, """SELECT COUNT(*) FROM suggestions WHERE status = 'declined'
                         AND (response IS NULL OR response = '')""") == 0
    assert _scalar(s, """SELECT COUNT(*) FROM suggestions WHERE status = 'duplicate'
                         AND (duplicate_of_id IS NULL OR duplicate_of_id >= id
                              OR vote_count != 0)""") == 0
    # Leaders never decide on their own suggestions.
    assert _scalar(s, """SELECT COUNT(*) FROM suggestion_status_changes c JOIN suggestions g
                         ON g.id = c.suggestion_id WHERE c.from_status IS NOT NULL
                         AND c.changed_by = g.author_id""") == 0


def test_submissions_look_like_regulatory_work(s):
    sub = Submission
    rows = s.execute(select(sub.submission_type, sub.agency, sub.region, sub.submitted_on,
                            sub.validated_on, sub.decided_on, sub.target_on, sub.outcome,
                            sub.question_rounds, sub.status)).all()
    regions = {a: v[0] for a, v in txt.AGENCIES.items()}
    pending = 0
    for stype, agency, region, submitted, validated, decided, target, outcome, rounds, st in rows:
        assert stype in txt.SUBMISSION_TYPES
        assert regions[agency] == region
        assert 0 <= rounds <= 4
        assert target is not None
        assert (outcome is None) == (decided is None)
        if outcome is None:
            pending += 1
        else:
            assert outcome in ("approved", "rejected", "withdrawn") and st == outcome
            assert submitted <= validated <= decided
        if submitted and validated:
            assert (validated - submitted) <= timedelta(days=80)
    assert 0.1 <= pending / len(rows) <= 0.3
    assert {r[0] for r in rows} == set(txt.SUBMISSION_TYPES)
    assert {r[1] for r in rows} == set(txt.AGENCIES)


def test_tags_of_every_kind(s):
    kinds = dict(_rows(s, "SELECT kind, COUNT(*) FROM tags GROUP BY kind"))
    assert set(kinds) == {"topic", "agency", "ectd_module", "process_area"}
    names = {n for (n,) in _rows(s, "SELECT name FROM tags")}
    assert {"m1-regional", "m2-summaries", "m3-quality", "fda", "ema", "pmda"} <= names


def test_nothing_happens_in_the_future(s):
    now = utcnow() + timedelta(seconds=5)
    for table, column in (("users", "created_at"), ("questions", "last_activity_at"),
                          ("answers", "created_at"), ("votes", "created_at"),
                          ("activity_events", "created_at"), ("lesson_progress", "updated_at"),
                          ("signatures", "signed_at"), ("notifications", "read_at"),
                          ("suggestion_status_changes", "changed_at")):
        latest = _scalar(s, f"SELECT MAX({column}) FROM {table}")
        assert latest is not None
        if isinstance(latest, str):
            latest = type(now).fromisoformat(latest)
        assert latest <= now, table
    oldest = _scalar(s, "SELECT MIN(created_at) FROM activity_events")
    if isinstance(oldest, str):
        oldest = type(now).fromisoformat(oldest)
    assert now - oldest > timedelta(days=300)


def test_text_is_believable_markdown_with_https_links_only(s):
    titles = [t for (t,) in _rows(s, "SELECT title FROM questions")]
    assert len(set(titles)) > 400
    assert all(t.endswith("?") for t in titles)
    bodies = [b for (b,) in _rows(s, "SELECT body FROM answers")]
    bodies += [b for (b,) in _rows(s, "SELECT body FROM lesson_revisions")]
    joined = "\n".join(bodies).lower()
    assert "lorem" not in joined and "{" not in joined
    links = re.findall(r"\]\(([^)]+)\)", joined)
    assert links and all(link.startswith("https://") for link in links)
    assert any("**" in b for b in bodies) and any("\n- " in b for b in bodies)
    words = len(_scalar(s, "SELECT body FROM lesson_revisions WHERE id = 1").split())
    assert 200 <= words <= 700


def test_the_audit_trail_tells_the_demo_year_and_ends_with_the_seed(demo, s):
    rows = _rows(s, "SELECT actor_username, action, entity_type, at FROM audit_log ORDER BY id")
    assert rows[-1][:3] == ("system", "demo.seeded", "database")
    after = audit.trail(s, actor=SYSTEM, filters=audit.TrailFilter())[0]["after"]
    assert '"scale": "demo"' in after and '"seed": 2026' in after
    actions = {action for _who, action, _type, _at in rows}
    assert {"user.created", "signature.signed", "proposal.accepted", "proposal.rejected",
            "suggestion.submitted", "suggestion.status_changed"} <= actions
    # As it happened: oldest first, the people who did it named (Mei signs Tomas's lessons).
    times = [at for *_rest, at in rows]
    assert times == sorted(times)
    signers = {who for who, action, *_ in rows if action == "signature.signed"}
    assert "system" not in signers and {"tomas", "mei"} & signers
    # Each signature and each decided suggestion has its record.
    assert sum(1 for r in rows if r[1] == "signature.signed") == s.scalar(
        text("SELECT count(*) FROM signatures"))
    assert sum(1 for r in rows if r[1].startswith("suggestion.")) == s.scalar(
        text("SELECT count(*) FROM suggestion_status_changes"))
    assert audit.verify(s).ok


def test_progress_is_reported_for_every_step(demo):
    finished = {step for step, done, total in demo[2] if done == total}
    assert set(STEPS) <= finished
    assert all(0 <= done <= total for _step, done, total in demo[2])


def test_seeding_a_database_that_holds_people_is_refused(demo):
    db = demo[0]
    with db.read() as session:
        assert not seed.is_empty(session)
        before = session.scalar(select(func.count()).select_from(User))
    with pytest.raises(Conflict):
        seed.seed_demo(db)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == before


def test_is_empty_on_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    db = Database(url)
    with db.read() as session:
        assert seed.is_empty(session)
    db.dispose()


def test_same_seed_gives_the_same_organisation(demo, tmp_path, monkeypatch):
    if demo[0].engine.dialect.name != "sqlite":
        pytest.skip("checked once, on SQLite")
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    # Seeded "three days later": only timestamps may move, never the content.
    monkeypatch.setattr(seed, "utcnow", lambda: utcnow() + timedelta(days=3, hours=7))
    other, counts, _calls, _secs = _seeded(f"sqlite:///{tmp_path / 'again.db'}")
    queries = (
        "SELECT id, username, name, site_id, function, job_title FROM users ORDER BY id",
        "SELECT id, title, body, author_id, score, answer_count, accepted_answer_id, "
        "lesson_id FROM questions ORDER BY id",
        "SELECT id, question_id, body, author_id, score, is_accepted FROM answers ORDER BY id",
        "SELECT id, lesson_id, number, title, body, state, content_hash FROM lesson_revisions "
        "ORDER BY id",
        "SELECT id, revision_id, signer_id, content_hash FROM signatures ORDER BY id",
        "SELECT id, title, status, vote_count, response FROM suggestions ORDER BY id",
        "SELECT id, user_id, entity_type, entity_id, value FROM votes ORDER BY id",
        "SELECT user_id, kind, entity_type, entity_id FROM activity_events ORDER BY id",
        "SELECT id, user_id, action, points, entity_id FROM point_events ORDER BY id",
        "SELECT user_id, badge, tier FROM badge_awards ORDER BY user_id, badge, tier",
        "SELECT id, user_id, kind, text FROM notifications ORDER BY id",
        "SELECT product, application_number, sequence, submission_type, outcome, status, "
        "question_rounds FROM submissions ORDER BY id",
    )
    try:
        with demo[0].read() as a, other.read() as b:
            for q in queries:
                assert _rows(a, q) == _rows(b, q), q
        # Rows per day, week and month follow the calendar, which moved: only those may differ.
        by_calendar = {"activity_periods", "activity_counts", "help_days", "help_periods",
                       "point_totals"}
        assert ({t: n for t, n in counts.items() if t not in by_calendar}
                == {t: n for t, n in demo[1].items() if t not in by_calendar})
    finally:
        other.dispose()


def test_scales_grow_from_demo_to_large():
    small, medium, large = seed.SCALES["small"], seed.SCALES["medium"], seed.SCALES["large"]
    assert set(seed.SCALES) == {"demo", "small", "medium", "large"}
    assert medium["people"] == 10_000 and medium["votes"] == 1_000_000
    assert medium["activity"] == 2_000_000 and medium["submissions"] == 50_000
    assert small["questions"] * 10 == medium["questions"]
    assert large["answers"] == 5 * medium["answers"]
    assert seed.SCALES["demo"]["people"] == 300


def test_every_template_slot_is_filled_by_the_generator():
    seeder = seed._Seeder(None, "demo", 1, None)
    seeder.site_names = [site[0] for site in txt.SITES]
    seeder.tags_and_products("products")
    ctx = seeder.ctx(random.Random(1))
    ctx.update(lesson="L", lesson_l="l", mins=10, check1="a",
               check2="b", tag="capa", task="t", artefact="a", metric="m", course="c",
               owner="o", orig=1, title="T", domain="reg")
    fields: set[str] = set()
    strings: list[str] = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for name in dir(txt):
        if name.isupper():
            walk(getattr(txt, name))
    for template in strings:
        fields |= {f for _lit, f, _spec, _conv in string.Formatter().parse(template) if f}
        template.format_map(ctx)
    assert "agency" in fields and "product" in fields
    small_ctx = seeder.comment_ctx(random.Random(2))
    for template in txt.COMMENTS + txt.REPLIES:
        template.format_map(small_ctx)
    tag_names = {name for name, _kind in txt.TAGS}
    for course in txt.COURSES:
        assert set(course["tags"]) <= tag_names
    for tpl in txt.QUESTION_TEMPLATES:
        for tag in tpl["tags"]:
            assert tag.format_map(ctx) in tag_names, tag


def test_every_index_is_back_after_the_bulk_load(demo):
    db = demo[0]
    # From the catalog, not SQLAlchemy's reflection: that skips expression indexes on SQLite
    # (ix_submissions_tracker), which the bulk load drops and makes again like the others.
    if db.is_sqlite:
        listed = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    else:
        listed = "SELECT indexname FROM pg_indexes WHERE tablename = :t"
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            present = set(s.scalars(text(listed), {"t": table.name}))
            declared = {ix.name for ix in table.indexes}
            assert declared <= present, table.name


def test_ids_continue_after_the_seed(demo):
    """New rows get fresh ids (on PostgreSQL the sequences were moved past the seeded ids)."""
    with demo[0].read() as session:  # rolled back afterwards
        tag_id = session.execute(text(
            "INSERT INTO tags (name, kind) VALUES ('seq-check', 'topic') RETURNING id")).scalar()
        assert tag_id == demo[1]["tags"] + 1
        vote_id = session.execute(text(
            "INSERT INTO votes (user_id, entity_type, entity_id, recipient_id, value, created_at)"
            " VALUES (1, 'question', 999999999, 2, 1, CURRENT_TIMESTAMP) RETURNING id")).scalar()
        assert vote_id == demo[1]["votes"] + 1


def test_schema_equals_the_models_after_the_bulk_load(demo):
    """Foreign keys (dropped for the load on PostgreSQL) and everything else came back."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.search import include_name

    with demo[0].engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(ctx, Base.metadata) == []


def test_foreign_keys_hold_after_the_bulk_load(demo):
    with demo[0].read() as session, pytest.raises(IntegrityError):  # rolled back afterwards
        session.execute(text(
            "INSERT INTO votes (user_id, entity_type, entity_id, recipient_id, value, created_at)"
            " VALUES (999999999, 'question', 1, 2, 1, CURRENT_TIMESTAMP)"))


def test_search_finds_seeded_questions_and_new_answers(demo):
    """The search index was built after the load, and its triggers are on again."""
    from db import search

    db = demo[0]
    with db.read() as session:
        qid, title = session.execute(text(
            "SELECT id, title FROM questions ORDER BY id LIMIT 1")).one()
        assert qid in {h.question_id for h in search.search(session, query=title, limit=100)}
        session.execute(text(
            "INSERT INTO answers (question_id, body, author_id, created_at, score, is_accepted,"
            " status, flag_count) VALUES (:q, 'Xylophonically sterilised', 1,"
            " CURRENT_TIMESTAMP, 0, false, 'visible', 0)"), {"q": qid})
        assert [h.question_id for h in search.search(session, query="xylophonically")] == [qid]
