"""Every role x every restricted service action, called directly (issue 8, item 3).

The pages are covered by tests/test_pages.py (navigation, direct page runs, signed-out and
revoked sessions); this is the same promise one layer down, where a crafted request would land:
each action a role may not take raises PermissionDenied and writes nothing (the audit trail does
not grow), and each one it may take works. A check on the source keeps the table complete: a new
service function that checks roles must be listed here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from db import (
    analytics,
    app_settings,
    audit,
    content,
    experts,
    gamification,
    moderation,
    qa,
    regulatory,
    suggestions,
    users,
)
from db.actors import Actor
from db.errors import PermissionDenied
from db.models import AuditRecord, Lesson, LessonRevision, utcnow
from db.seed import content_hash
from tests.conftest import PASSWORD, ROOT
from tests.test_content import new_course, new_lesson, sign, submit

# Permission rules are engine-independent: one engine keeps this 200-case table quick.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ROLES = ("learner", "trainer", "leader", "admin")
EVERYONE = set(ROLES)
TRAINER, MODERATORS, ADMIN = {"trainer"}, {"leader", "admin"}, {"admin"}


@dataclass(frozen=True)
class Action:
    name: str  # module.function
    allowed: set[str]
    call: Callable  # (session, actor, world) -> anything


def _filters():
    today = utcnow().date()
    return analytics.Filters(start=today.replace(year=today.year - 1), end=today)


def _working(s, lesson_id):
    lesson = s.get(Lesson, lesson_id)
    return s.get(LessonRevision, lesson.latest_revision_id)


def _sign(s, a, w):
    rev = _working(s, w["in_review"])
    return content.sign_revision(s, actor=a, revision_id=rev.id, password=PASSWORD,
                                 meaning="reviewed", seen_hash=content_hash(rev.title, rev.body))


ACTIONS = [
    # --- lessons: trainers run the board; learners and trainers propose ---
    Action("content.create_course", TRAINER, lambda s, a, w: content.create_course(
        s, actor=a, title="GMP refresher", summary="Yearly refresher for the floor.")),
    Action("content.create_lesson", TRAINER, lambda s, a, w: content.create_lesson(
        s, actor=a, course_id=w["course"], title="New lesson",
        body="How we number the sequences of a Module 1 submission.")),
    Action("content.move_lesson", TRAINER, lambda s, a, w: content.move_lesson(
        s, actor=a, lesson_id=w["draft"], offset=-1)),
    Action("content.save_draft", TRAINER, lambda s, a, w: content.save_draft(
        s, actor=a, lesson_id=w["published"], title="Module 1",
        body="Changed text: the regional Module 1 list comes first.",
        summary="Edit", expected_revision_id=_working(s, w["published"]).id)),
    Action("content.submit_for_review", TRAINER, lambda s, a, w: content.submit_for_review(
        s, actor=a, lesson_id=w["draft"], revision_id=_working(s, w["draft"]).id)),
    Action("content.return_to_draft", TRAINER, lambda s, a, w: content.return_to_draft(
        s, actor=a, lesson_id=w["in_review"], revision_id=_working(s, w["in_review"]).id,
        reason="Needs the Swissmedic case")),
    Action("content.discard_draft", TRAINER, lambda s, a, w: content.discard_draft(
        s, actor=a, lesson_id=w["published"], revision_id=_working(s, w["published"]).id,
        reason="Started by mistake")),
    Action("content.restore_revision", TRAINER, lambda s, a, w: content.restore_revision(
        s, actor=a, lesson_id=w["published"], revision_id=w["first_revision"],
        expected_revision_id=_working(s, w["published"]).id)),
    Action("content.sign_revision", TRAINER, _sign),
    Action("content.propose", {"learner", "trainer"}, lambda s, a, w: content.propose(
        s, actor=a, lesson_id=w["published"], kind="example", body="At Basel we do it so.",
        summary="An example", base_revision_id=s.get(Lesson, w["published"])
        .published_revision_id)),
    Action("content.proposal_preview", TRAINER, lambda s, a, w: content.proposal_preview(
        s, actor=a, proposal_id=w["proposal"])),
    Action("content.accept_proposal", TRAINER, lambda s, a, w: content.accept_proposal(
        s, actor=a, proposal_id=w["proposal"],
        expected_revision_id=_working(s, w["published"]).id)),
    Action("content.reject_proposal", TRAINER, lambda s, a, w: content.reject_proposal(
        s, actor=a, proposal_id=w["proposal"], reason="Out of scope for this lesson")),
    Action("content.inbox", TRAINER, lambda s, a, w: content.inbox(s, actor=a)),
    Action("content.failed_signature_count", ADMIN,
           lambda s, a, w: content.failed_signature_count(s, actor=a)),
    # --- suggestion decisions: leaders and admins ---
    Action("suggestions.change_status", MODERATORS, lambda s, a, w: suggestions.change_status(
        s, actor=a, suggestion_id=w["suggestion"], to_status="under_review")),
    Action("suggestions.respond", MODERATORS, lambda s, a, w: suggestions.respond(
        s, actor=a, suggestion_id=w["suggestion"], response="We will try it at Basel first.")),
    Action("suggestions.merge_duplicate", MODERATORS, lambda s, a, w: suggestions.merge_duplicate(
        s, actor=a, suggestion_id=w["suggestion2"], original_id=w["suggestion"])),
    Action("suggestions.waiting", MODERATORS, lambda s, a, w: suggestions.waiting(s, actor=a)),
    Action("suggestions.set_scores", MODERATORS, lambda s, a, w: suggestions.set_scores(
        s, actor=a, suggestion_id=w["suggestion"], benefit_score=4, effort_score=2)),
    Action("suggestions.priorities", MODERATORS,
           lambda s, a, w: suggestions.priorities(s, actor=a)),
    Action("suggestions.priority_export", MODERATORS,
           lambda s, a, w: list(suggestions.priority_export(s, actor=a))),
    # --- moderation: leaders and admins ---
    Action("moderation.queue", MODERATORS, lambda s, a, w: moderation.queue(s, actor=a)),
    Action("moderation.queue_summary", MODERATORS,
           lambda s, a, w: moderation.queue_summary(s, actor=a)),
    Action("moderation.open_flag_count", MODERATORS,
           lambda s, a, w: moderation.open_flag_count(s, actor=a)),
    Action("moderation.decide", MODERATORS, lambda s, a, w: moderation.decide(
        s, actor=a, entity_type="question", entity_id=w["question"], decision="hide",
        reason="Off topic")),
    # --- analytics and the submissions tracker: leaders and admins ---
    Action("analytics.active_people", MODERATORS,
           lambda s, a, w: analytics.active_people(s, actor=a, filters=_filters())),
    Action("analytics.top_contributors", MODERATORS,
           lambda s, a, w: analytics.top_contributors(s, actor=a, filters=_filters())),
    Action("regulatory.create_submission", MODERATORS,
           lambda s, a, w: regulatory.create_submission(s, actor=a, values={
               "product": "Examplumab", "application_number": "BLA761999",
               "submission_type": "BLA", "agency": "FDA", "status": "planned"})),
    Action("regulatory.import_csv", MODERATORS, lambda s, a, w: regulatory.import_csv(
        s, actor=a, text=regulatory.template_csv())),
    Action("regulatory.list_submissions", MODERATORS,
           lambda s, a, w: regulatory.list_submissions(s, actor=a, filters=_filters())),
    # --- fair play and people: admins ---
    Action("gamification.suspected_rings", ADMIN,
           lambda s, a, w: gamification.suspected_rings(s, actor=a)),
    Action("gamification.void_ring_points", ADMIN, lambda s, a, w: gamification.void_ring_points(
        s, actor=a, member_ids=[w["ids"]["learner"], w["ids"]["trainer2"]],
        reason="Voting for each other")),
    Action("gamification.voided_ring_log", ADMIN,
           lambda s, a, w: gamification.voided_ring_log(s, actor=a)),
    Action("users.create_user", ADMIN, lambda s, a, w: users.create_user(
        s, actor=a, username="newhire", password="a long enough passphrase 1",
        name="New Hire", roles=["learner"])),
    Action("users.set_roles", ADMIN, lambda s, a, w: users.set_roles(
        s, actor=a, user_id=w["ids"]["trainer2"], roles=["trainer", "leader"])),
    Action("users.set_active", ADMIN, lambda s, a, w: users.set_active(
        s, actor=a, user_id=w["ids"]["trainer2"], active=False, reason="Left the company")),
    Action("users.reset_password", ADMIN, lambda s, a, w: users.reset_password(
        s, actor=a, user_id=w["ids"]["trainer2"], new_password="another long passphrase 2")),
    Action("users.list_users", ADMIN, lambda s, a, w: users.list_users(s, actor=a)),
    Action("users.get_user", ADMIN, lambda s, a, w: users.get_user(s, actor=a, username="mei")),
    Action("audit.trail", ADMIN,
           lambda s, a, w: audit.trail(s, actor=a, filters=audit.TrailFilter())),
    Action("audit.count", ADMIN,
           lambda s, a, w: audit.count(s, actor=a, filters=audit.TrailFilter())),
    Action("audit.export_rows", ADMIN, lambda s, a, w: list(
        audit.export_rows(s, actor=a, filters=audit.TrailFilter()))),
    Action("audit.actions", ADMIN, lambda s, a, w: audit.actions(s, actor=a)),
    Action("app_settings.in_force", ADMIN, lambda s, a, w: app_settings.in_force(s, actor=a)),
    Action("app_settings.save", ADMIN, lambda s, a, w: app_settings.save(
        s, actor=a, area="points", values={"answer.posted": 50}, reason="More for answers")),
    # --- open to every signed-in role (but not to no role at all, below) ---
    Action("qa.ask", EVERYONE, lambda s, a, w: qa.ask(
        s, actor=a, title="Where is the Module 1 checklist kept?",
        body="Looking for the current checklist for Module 1.",
        tags=["ectd"])),
    Action("suggestions.submit", EVERYONE, lambda s, a, w: suggestions.submit(
        s, actor=a, title="Shared checklist for Module 1", category="Regulatory", kind="idea",
        description="One checklist in one place for every country team.", site_id=None)),
    Action("experts.find", EVERYONE, lambda s, a, w: experts.find(s, actor=a, tag="ectd")),
    Action("moderation.flag", EVERYONE, lambda s, a, w: moderation.flag(
        s, actor=a, entity_type="question", entity_id=w["question"],
        reason=moderation.REASONS[0])),
    Action("gamification.leaderboard", EVERYONE,
           lambda s, a, w: gamification.leaderboard(s, actor=a, period="all")),
    Action("gamification.standing", EVERYONE, lambda s, a, w: gamification.standing(
        s, actor=a, user_id=w["ids"]["learner"], period="all")),
    Action("gamification.team_totals", EVERYONE,
           lambda s, a, w: gamification.team_totals(s, actor=a, period="all", by="function")),
]
BY_NAME = {a.name: a for a in ACTIONS}


@pytest.fixture
def world(db, people) -> dict:
    """A course owned by Tomas and Mei with a published lesson, a draft and a version in review
    written by Mei, a pending proposal, a question and two suggestions."""
    tomas, mei, lena = people["trainer"], people["trainer2"], people["learner"]
    course = new_course(db, tomas, owner_ids=[mei.id])
    published = new_lesson(db, tomas, course, title="Module 1")
    first_revision = _first(db, published)
    submit(db, tomas, published)
    assert sign(db, mei, published).published
    draft = new_lesson(db, tomas, course, title="Module 2")
    in_review = new_lesson(db, mei, course, title="Module 3")
    submit(db, mei, in_review)
    with db.write() as s:  # a new draft on the published lesson (it stays published)
        content.save_draft(s, actor=tomas, lesson_id=published, title="Module 1",
                           body="A clearer text about the regional Module 1 list.",
                           summary="Clarified", expected_revision_id=_first(db, published))
    with db.write() as s:
        proposal = content.propose(s, actor=lena, lesson_id=published, kind="example",
                                   body="At Shanghai we add the NMPA form.", summary="Example",
                                   base_revision_id=s.get(Lesson, published)
                                   .published_revision_id)
        question = qa.ask(s, actor=mei, title="Who signs the cover letter for Japan?",
                          body="PMDA wants it from the local entity, I think.", tags=["ectd"])
        one = suggestions.submit(s, actor=lena, title="Label printer at Basel keeps jamming",
                                 description="It jams twice a shift and stops the line.",
                                 category="Manufacturing", kind="problem", site_id=None)
    with db.write() as s:
        two = suggestions.submit(s, actor=mei, title="Replace the Basel label printer",
                                 description="The printer jams twice a shift; replace it.",
                                 category="Manufacturing", kind="idea", site_id=None)
    return {"course": course, "published": published, "first_revision": first_revision,
            "draft": draft, "in_review": in_review, "proposal": proposal,
            "question": question, "suggestion": one, "suggestion2": two,
            "ids": {k: v.id for k, v in people.items()}}


def _first(db, lesson_id) -> int:
    with db.read() as s:
        return s.get(Lesson, lesson_id).latest_revision_id


def _audit_size(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditRecord))


@sqlite_only
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_role_may_do_only_what_it_is_allowed(db, people, world, action, role):
    actor = people[role]
    before = _audit_size(db)
    if role in action.allowed:
        with db.write() as s:
            action.call(s, actor, world)
        return
    with pytest.raises(PermissionDenied), db.write() as s:
        action.call(s, actor, world)
    assert _audit_size(db) == before, "a refused action left a record"


@sqlite_only
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_someone_without_a_role_reaches_nothing(db, people, world, action):
    """A deactivated person's stale Actor, or a crafted one with no roles."""
    nobody = Actor(id=people["learner"].id, username="lena", name="Lena", roles=frozenset())
    with pytest.raises(PermissionDenied), db.write() as s:
        action.call(s, nobody, world)


def _role_checked_functions() -> set[str]:
    """Public db functions whose body checks roles (require, check_access or a member check)."""
    checks = {"require", "check_access", "_member", "_signed_in", "_check_access"}
    found = set()
    for path in sorted((ROOT / "db").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            calls = {getattr(n.func, "id", getattr(n.func, "attr", ""))
                     for n in ast.walk(node) if isinstance(n, ast.Call)}
            if calls & checks:
                found.add(f"{path.stem}.{node.name}")
    return found


# Readers and personal actions open to every signed-in role: their denied case (no role) is
# covered in each area's tests; the table above lists the ones that change or reveal most.
OPEN_TO_EVERYONE = {
    "analytics.check_access", "regulatory.check_access", "gamification.check_board_access",
    # Readers that show trainers and moderators more (drafts, hidden items) than learners:
    # what each role sees is tested in tests/test_content.py and tests/test_suggestions.py.
    "content.history", "content.lesson_view", "content.lessons", "content.proposals",
    "content.signatures", "gamification.profile", "suggestions.detail",
    # The home page's overview lists each role's own work: tests/test_home.py.
    "overview.for_person",
}


def test_the_table_lists_every_action_restricted_to_some_roles():
    restricted = set()
    for name in _role_checked_functions():
        module, fn = name.split(".")
        source = (ROOT / "db" / f"{module}.py").read_text()
        body = ast.get_source_segment(source, next(
            n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == fn))
        if any(marker in body for marker in ("TRAINERS", "MODERATORS", "DECIDERS", '"admin"',
                                              "check_access", "analytics.ROLES")):
            restricted.add(name)
    missing = sorted(restricted - set(BY_NAME) - OPEN_TO_EVERYONE)
    # Analytics and tracker readers all go through check_access: two of them stand for all.
    missing = [m for m in missing if not m.startswith(("analytics.", "regulatory."))]
    assert not missing, f"add these to ACTIONS with their roles: {missing}"
