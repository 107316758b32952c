"""The training content board: lesson states, four-eyes e-signatures, proposals, history,
learner progress, the trainer inbox and who may do what (issue 3)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select, update

from db import audit, content, points
from db.actors import SYSTEM, Actor
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    AuditRecord,
    Course,
    CourseOwner,
    CourseTag,
    Lesson,
    LessonProgress,
    LessonRevision,
    Notification,
    Proposal,
    Question,
    RevisionContributor,
    Signature,
    Site,
    Tag,
    UserRole,
    utcnow,
)
from db.seed import content_hash
from tests.conftest import PASSWORD, add_person

BODY = ("## Why this matters\n\nA submission that misses a Module 1 document is refused at "
        "validation.\n\n## Key points\n\n- Check the regional Module 1 list\n- Ask early")
_names = itertools.count(1)


# --- helpers ---------------------------------------------------------------------------------


def new_course(db, trainer: Actor, **kwargs) -> int:
    with db.write() as s:
        return content.create_course(s, actor=trainer, title=kwargs.pop("title", "eCTD basics"),
                                     summary="Everything a new starter needs about the eCTD.",
                                     **kwargs)


def new_lesson(db, trainer: Actor, course_id: int, title: str = "Module 1",
               body: str = BODY) -> int:
    with db.write() as s:
        return content.create_lesson(s, actor=trainer, course_id=course_id, title=title,
                                     body=body)


def latest(db, lesson_id: int) -> SimpleNamespace:
    """The newest revision's columns, as plain values."""
    with db.read() as s:
        lesson = s.get(Lesson, lesson_id)
        rev = s.get(LessonRevision, lesson.latest_revision_id)
        return SimpleNamespace(**{c.key: getattr(rev, c.key)
                                  for c in LessonRevision.__table__.columns})


def submit(db, trainer: Actor, lesson_id: int) -> None:
    with db.write() as s:
        content.submit_for_review(s, actor=trainer, lesson_id=lesson_id,
                                  revision_id=latest(db, lesson_id).id)


def sign(db, trainer: Actor, lesson_id: int, *, meaning: str = "approved",
         password: str = PASSWORD, revision_id: int | None = None) -> content.SignOutcome:
    rev = latest(db, lesson_id) if revision_id is None else None
    with db.read() as s:
        rev = rev or s.get(LessonRevision, revision_id)
        rev_id, seen = rev.id, content_hash(rev.title, rev.body)
    with db.write() as s:
        return content.sign_revision(s, actor=trainer, revision_id=rev_id, password=password,
                                     meaning=meaning, seen_hash=seen)


def edit(db, trainer: Actor, lesson_id: int, body: str, summary: str = "Clarified") -> int:
    rev = latest(db, lesson_id)
    with db.write() as s:
        return content.save_draft(s, actor=trainer, lesson_id=lesson_id, title=rev.title,
                                  body=body, summary=summary, expected_revision_id=rev.id)


def published_body(db, actor: Actor, lesson_id: int) -> str:
    with db.read() as s:
        return content.lesson_view(s, actor=actor, lesson_id=lesson_id).published.body


def actions(db, entity_type: str, entity_id) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditRecord.action).where(
            AuditRecord.entity_type == entity_type,
            AuditRecord.entity_id == str(entity_id)).order_by(AuditRecord.id)))


@pytest.fixture
def course_id(db, people) -> int:
    return new_course(db, people["trainer"])


@pytest.fixture
def lesson(db, people, course_id) -> int:
    """A lesson written by Tomas and published with Mei's approval signature."""
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    assert sign(db, people["trainer2"], lid).published
    return lid


def propose(db, who: Actor, lesson_id: int, body: str, kind: str = "edit",
            summary: str = "Adds the Swissmedic case") -> int:
    with db.read() as s:
        base = s.get(Lesson, lesson_id).published_revision_id
    with db.write() as s:
        return content.propose(s, actor=who, lesson_id=lesson_id, kind=kind, body=body,
                               summary=summary, base_revision_id=base)


def accept(db, trainer: Actor, proposal_id: int) -> int:
    with db.read() as s:
        lid = s.get(Proposal, proposal_id).lesson_id
    with db.write() as s:
        return content.accept_proposal(s, actor=trainer, proposal_id=proposal_id,
                                       expected_revision_id=latest(db, lid).id)


# --- the state machine, step by step -----------------------------------------------------


def test_new_lesson_is_a_draft_learners_cannot_see(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    rev = latest(db, lid)
    assert (rev.number, rev.state) == (1, "draft")
    assert rev.content_hash == content_hash("Module 1", BODY)
    with db.read() as s:
        with pytest.raises(NotFound):
            content.lesson_view(s, actor=people["learner"], lesson_id=lid)
        assert content.lessons(s, actor=people["learner"]) == []
        assert [r.state for r in content.lessons(s, actor=people["trainer"])] == ["draft"]


def test_draft_review_approve_publishes_with_a_signature(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    assert latest(db, lid).state == "in_review"
    with db.read() as s:  # Mei is asked to review it
        assert s.scalar(select(Notification.entity_id).where(
            Notification.user_id == people["trainer2"].id,
            Notification.kind == "review_requested")) == latest(db, lid).id
    outcome = sign(db, people["trainer2"], lid)
    assert outcome.signed and outcome.published
    with db.read() as s:
        lesson = s.get(Lesson, lid)
        rev = s.get(LessonRevision, lesson.published_revision_id)
        sig = s.scalar(select(Signature).where(Signature.revision_id == rev.id))
        assert rev.state == "approved" and lesson.latest_revision_id == rev.id
        assert lesson.last_reviewed_at is not None
        assert (sig.printed_name, sig.meaning, sig.signer_id) == ("Mei Chen", "approved",
                                                                  people["trainer2"].id)
        assert sig.content_hash == content_hash(rev.title, rev.body)
        assert abs(sig.signed_at - utcnow()) < timedelta(minutes=1)  # naive UTC
        rev_id = rev.id
    assert published_body(db, people["learner"], lid) == BODY
    assert "signature.signed" in actions(db, "lesson_revision", rev_id)
    assert actions(db, "lesson", lid) == ["lesson.created", "lesson.submitted_for_review",
                                          "lesson.approved"]


def test_only_a_version_in_review_can_be_approved(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    with pytest.raises(Conflict, match="only a version in review"):
        sign(db, people["trainer2"], lid)
    submit(db, people["trainer"], lid)
    with pytest.raises(Conflict, match="Only a draft"):
        submit(db, people["trainer"], lid)


def test_reviewed_signature_keeps_the_version_in_review(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    out = sign(db, people["trainer2"], lid, meaning="reviewed")
    assert out.signed and not out.published
    assert latest(db, lid).state == "in_review"
    with pytest.raises(Conflict, match="already signed"):
        sign(db, people["trainer2"], lid, meaning="reviewed")


def test_return_to_draft_and_discard(db, people, lesson):
    edit(db, people["trainer"], lesson, BODY + "\n\nNew paragraph.")
    submit(db, people["trainer"], lesson)
    rev = latest(db, lesson)
    with db.write() as s, pytest.raises(ValidationError) as e:
        content.return_to_draft(s, actor=people["trainer2"], lesson_id=lesson,
                                revision_id=rev.id, reason="")
    assert e.value.field == "reason"
    with db.write() as s:
        content.return_to_draft(s, actor=people["trainer2"], lesson_id=lesson,
                                revision_id=rev.id, reason="Cite the guideline, please.")
    assert latest(db, lesson).state == "draft"
    with db.write() as s:
        content.discard_draft(s, actor=people["trainer"], lesson_id=lesson, revision_id=rev.id,
                              reason="Not needed after all")
    with db.read() as s:
        assert s.get(LessonRevision, rev.id).state == "withdrawn"
        lesson_row = s.get(Lesson, lesson)
        assert lesson_row.latest_revision_id == lesson_row.published_revision_id
    assert published_body(db, people["learner"], lesson) == BODY


def test_editing_an_approved_lesson_keeps_the_published_version_visible(db, people, lesson):
    new_id = edit(db, people["trainer"], lesson, BODY + "\n\n## Update\n\nNew EU rules.")
    with db.read() as s:
        learner_view = content.lesson_view(s, actor=people["learner"], lesson_id=lesson)
        trainer_view = content.lesson_view(s, actor=people["trainer"], lesson_id=lesson)
    assert learner_view.published.body == BODY and learner_view.working is None
    assert trainer_view.working.id == new_id and trainer_view.working.state == "draft"
    assert trainer_view.published.state == "approved"
    submit(db, people["trainer"], lesson)
    assert published_body(db, people["learner"], lesson) == BODY  # still, while in review
    sign(db, people["trainer2"], lesson)
    assert published_body(db, people["learner"], lesson).endswith("New EU rules.")
    with db.read() as s:
        states = s.scalars(select(LessonRevision.state).where(LessonRevision.lesson_id == lesson)
                           .order_by(LessonRevision.number)).all()
    assert states == ["superseded", "approved"]


def test_saving_unchanged_text_stores_nothing(db, people, lesson):
    with pytest.raises(ValidationError) as e:
        edit(db, people["trainer"], lesson, BODY)
    assert e.value.field == "body"
    with pytest.raises(ValidationError) as e:
        edit(db, people["trainer"], lesson, "too short")
    assert e.value.field == "body"
    with db.read() as s:
        assert s.scalar(select(func.count(LessonRevision.id))) == 1


def test_concurrent_edit_is_refused(db, people, lesson):
    stale = latest(db, lesson).id
    edit(db, people["trainer2"], lesson, BODY + "\n\nMei was first.")
    with db.write() as s, pytest.raises(Conflict, match="changed this lesson"):
        content.save_draft(s, actor=people["trainer"], lesson_id=lesson, title="Module 1",
                           body=BODY + "\n\nTomas too.", summary="Mine",
                           expected_revision_id=stale)


# --- four eyes ------------------------------------------------------------------------------


def test_the_author_cannot_sign_their_own_version(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        sign(db, people["trainer"], lid)
    assert latest(db, lid).state == "in_review"


def test_everyone_who_wrote_part_of_a_draft_is_excluded(db, people, lesson):
    yui = add_person(db, "yui", "trainer", name="Yui Yamaguchi")
    edit(db, people["trainer"], lesson, BODY + "\n\nTomas adds this.")
    edit(db, people["trainer2"], lesson, BODY + "\n\nTomas adds this. Mei adds that.")
    submit(db, people["trainer2"], lesson)
    for writer in (people["trainer"], people["trainer2"]):
        with pytest.raises(PermissionDenied):
            sign(db, writer, lesson)
    assert sign(db, yui, lesson).published
    # After approval the slate is clean: Tomas may approve Mei's next change.
    edit(db, people["trainer2"], lesson, BODY + "\n\nOnly Mei this time.")
    submit(db, people["trainer2"], lesson)
    assert sign(db, people["trainer"], lesson).published


def test_accepted_proposal_makes_proposer_and_accepter_contributors(db, people, lesson):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nLena's example from Basel.")
    rid = accept(db, people["trainer"], pid)
    with db.read() as s:
        assert set(s.scalars(select(RevisionContributor.user_id).where(
            RevisionContributor.revision_id == rid))) == {people["learner"].id,
                                                          people["trainer"].id}
    submit(db, people["trainer"], lesson)
    with pytest.raises(PermissionDenied):
        sign(db, people["trainer"], lesson)
    with pytest.raises(PermissionDenied, match="trainer"):
        sign(db, people["learner"], lesson)  # learners never sign
    assert sign(db, people["trainer2"], lesson).published


def test_restored_text_cannot_be_signed_by_its_original_writers(db, people, lesson):
    mei_first = edit(db, people["trainer2"], lesson, BODY + "\n\nMei wrote this.")
    submit(db, people["trainer2"], lesson)
    sign(db, people["trainer"], lesson)
    edit(db, people["trainer"], lesson, BODY + "\n\nTomas rewrote it.")
    submit(db, people["trainer"], lesson)
    sign(db, people["trainer2"], lesson)
    with db.write() as s:
        content.restore_revision(s, actor=people["trainer"], lesson_id=lesson,
                                 revision_id=mei_first,
                                 expected_revision_id=latest(db, lesson).id)
    submit(db, people["trainer"], lesson)
    for writer in (people["trainer"], people["trainer2"]):
        with pytest.raises(PermissionDenied):
            sign(db, writer, lesson)


# --- wrong signing passwords ----------------------------------------------------------------


def test_wrong_signing_password_signs_nothing_and_is_reported(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    out = sign(db, people["trainer2"], lid, password="not-my-password")
    assert not out.signed and "Wrong password" in out.message
    rev = latest(db, lid)
    assert rev.state == "in_review"
    with db.read() as s:
        assert s.scalar(select(func.count(Signature.id))) == 0
        failure = s.scalar(select(AuditRecord).where(AuditRecord.action == "signature.failed"))
        assert failure.actor_username == "mei" and failure.entity_id == str(rev.id)
        admin_notes = s.scalars(select(Notification.text).where(
            Notification.user_id == people["admin"].id,
            Notification.kind == "signature_failed")).all()
        assert len(admin_notes) == 1 and "Mei Chen" in admin_notes[0]
        assert content.failed_signature_count(s, actor=people["admin"]) == 1
        assert audit.count(s, actor=SYSTEM,
                           filters=audit.TrailFilter(action="signature.failed")) == 1
    assert sign(db, people["trainer2"], lid).published  # the right password still works


def test_repeated_wrong_signing_passwords_pause_signing(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    for _ in range(content.SIGNING_FAILURE_LIMIT):
        assert not sign(db, people["trainer2"], lid, password="guess-guess").signed
    with pytest.raises(Conflict, match="paused"):
        sign(db, people["trainer2"], lid)
    with db.read() as s:
        assert content.failed_signature_count(s, actor=people["admin"]) == 5


# --- a signature stays bound to the text it signed ---------------------------------------------


def test_signature_no_longer_matches_when_the_text_is_changed(db, people, lesson):
    with db.read() as s:
        [sig] = content.signatures(s, actor=people["learner"], lesson_id=lesson)
    assert sig.matches and sig.printed_name == "Mei Chen"
    # Someone with rights over the database changes the signed text behind the application's
    # back: around the trigger that refuses it (migration 0028).
    with db.write() as s:
        s.connection().exec_driver_sql(
            "DROP TRIGGER lesson_revisions_no_rewrite" if db.is_sqlite else
            "ALTER TABLE lesson_revisions DISABLE TRIGGER lesson_revisions_no_rewrite")
        s.execute(update(LessonRevision).where(LessonRevision.lesson_id == lesson)
                  .values(body=BODY.replace("refused", "accepted")))
    with db.read() as s:
        [sig] = content.signatures(s, actor=people["learner"], lesson_id=lesson)
        rows = content.manifest_rows([sig], lesson_title="Module 1")
    assert not sig.matches
    assert rows[0]["text_matches"].startswith("NO")


def test_signing_text_other_than_the_one_shown_is_refused(db, people, course_id):
    lid = new_lesson(db, people["trainer"], course_id)
    submit(db, people["trainer"], lid)
    with db.write() as s, pytest.raises(Conflict, match="text changed"):
        content.sign_revision(s, actor=people["trainer2"], revision_id=latest(db, lid).id,
                              password=PASSWORD, meaning="approved",
                              seen_hash=content_hash("Module 1", "an older text"))


def test_periodic_review_of_the_published_version_resets_its_clock(db, people, lesson):
    with db.write() as s:
        s.execute(update(Lesson).where(Lesson.id == lesson)
                  .values(last_reviewed_at=utcnow() - timedelta(days=500)))
    with db.read() as s:
        assert [r.lesson_id for r in content.inbox(s, actor=people["trainer"]).stale] == [lesson]
    out = sign(db, people["trainer2"], lesson, meaning="reviewed")
    assert out.signed and not out.published
    with pytest.raises(Conflict, match="already approved"):
        sign(db, people["trainer2"], lesson, meaning="approved")
    with db.read() as s:
        assert content.inbox(s, actor=people["trainer"]).stale == []


# --- proposals --------------------------------------------------------------------------------


def test_proposal_accepted_becomes_a_revision_credited_to_the_proposer(db, people, lesson):
    new_body = BODY + "\n\nSwissmedic accepts the EU Module 1 for some procedures."
    pid = propose(db, people["learner"], lesson, new_body)
    with db.read() as s:  # course owner Tomas is told
        assert s.scalar(select(Notification.entity_id).where(
            Notification.user_id == people["trainer"].id,
            Notification.kind == "proposal")) == pid
        preview = content.proposal_preview(s, actor=people["trainer"], proposal_id=pid)
    assert preview.proposed_body == new_body and not preview.is_stale
    assert any("+ Swissmedic" in line for h in content.side_by_side(
        preview.current.body, preview.proposed_body) for line in h.new)
    rid = accept(db, people["trainer"], pid)
    with db.read() as s:
        rev = s.get(LessonRevision, rid)
        proposal = s.get(Proposal, pid)
        assert points.total(s, user_id=people["learner"].id) == points.POINTS[
            "proposal.accepted"]
        assert s.scalar(select(Notification.entity_id).where(
            Notification.user_id == people["learner"].id,
            Notification.kind == "proposal_accepted")) == lesson
        assert (rev.author_id, rev.body, rev.state) == (people["learner"].id, new_body, "draft")
        assert (proposal.status, proposal.revision_id, proposal.decided_by) == (
            "accepted", rid, people["trainer"].id)
    assert published_body(db, people["learner"], lesson) == BODY  # not yet approved
    submit(db, people["trainer"], lesson)
    sign(db, people["trainer2"], lesson)
    with db.read() as s:
        view = content.lesson_view(s, actor=people["learner"], lesson_id=lesson)
    assert view.published.body == new_body
    assert "Lena Fischer" in view.co_authors and "Tomas Ribeiro" in view.co_authors
    assert actions(db, "proposal", pid) == ["proposal.created", "proposal.accepted"]


def test_a_discarded_proposal_does_not_make_its_writer_a_co_author(db, people, lesson):
    """Co-authors are people whose text learners read, not everyone who once drafted."""
    accept(db, people["trainer"], propose(db, people["learner"], lesson, BODY + "\n\nLena's."))
    with db.write() as s:
        content.discard_draft(s, actor=people["trainer"], lesson_id=lesson,
                              revision_id=latest(db, lesson).id, reason="Covered elsewhere")
    edit(db, people["trainer"], lesson, BODY + "\n\nTomas's own update.")
    submit(db, people["trainer"], lesson)
    sign(db, people["trainer2"], lesson)
    with db.read() as s:
        view = content.lesson_view(s, actor=people["learner"], lesson_id=lesson)
    assert view.published.body.endswith("Tomas's own update.")
    assert view.co_authors == ("Tomas Ribeiro",)
    # Restoring her text brings her back as a writer, and as a co-author once it is published.
    with db.read() as s:
        hers = s.scalar(select(LessonRevision.id).where(
            LessonRevision.lesson_id == lesson, LessonRevision.author_id == people["learner"].id))
    with db.write() as s:
        content.restore_revision(s, actor=people["trainer"], lesson_id=lesson, revision_id=hers,
                                 expected_revision_id=latest(db, lesson).id)
    submit(db, people["trainer"], lesson)
    sign(db, people["trainer2"], lesson)
    with db.read() as s:
        view = content.lesson_view(s, actor=people["learner"], lesson_id=lesson)
    assert view.co_authors == ("Tomas Ribeiro", "Lena Fischer")


def test_example_proposal_is_added_under_from_the_team(db, people, lesson):
    pid = propose(db, people["learner"], lesson, "At Basel we file the Swissmedic form first.",
                  kind="example")
    rid = accept(db, people["trainer"], pid)
    with db.read() as s:
        body = s.get(LessonRevision, rid).body
    assert body == BODY + "\n\n## From the team\n\nAt Basel we file the Swissmedic form first."


def test_proposal_rejected_with_a_reason_the_proposer_sees(db, people, lesson):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nAlways file on Fridays.")
    with db.write() as s, pytest.raises(ValidationError) as e:
        content.reject_proposal(s, actor=people["trainer"], proposal_id=pid, reason=" ")
    assert e.value.field == "reason"
    with db.write() as s:
        content.reject_proposal(s, actor=people["trainer"], proposal_id=pid,
                                reason="Filing days depend on the agency calendar.")
    with db.read() as s:
        [mine] = content.my_proposals(s, actor=people["learner"], lesson_id=lesson)
        note = s.scalar(select(Notification.text).where(
            Notification.user_id == people["learner"].id,
            Notification.kind == "proposal_rejected"))
        assert s.scalar(select(func.count(LessonRevision.id))) == 1  # nothing new
    assert mine.status == "rejected" and mine.decided_by == "Tomas Ribeiro"
    assert mine.reason == "Filing days depend on the agency calendar."
    assert "agency calendar" in note
    with pytest.raises(Conflict, match="already rejected"):
        accept(db, people["trainer"], pid)


def test_proposal_checks_its_input(db, people, lesson):
    with pytest.raises(ValidationError) as e:
        propose(db, people["learner"], lesson, BODY)
    assert e.value.field == "body"
    with pytest.raises(ValidationError) as e:
        propose(db, people["learner"], lesson, BODY + " more", summary="")
    assert e.value.field == "summary"
    propose(db, people["learner"], lesson, BODY + " more")
    with pytest.raises(Conflict, match="already proposed"):
        propose(db, people["learner"], lesson, BODY + "  MORE")


def test_accepting_against_an_outdated_version_is_refused(db, people, lesson):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nLena's line.")
    seen = latest(db, lesson).id
    edit(db, people["trainer2"], lesson, BODY + "\n\nMei's line.")
    with db.write() as s, pytest.raises(Conflict):
        content.accept_proposal(s, actor=people["trainer"], proposal_id=pid,
                                expected_revision_id=seen)
    with db.read() as s:
        assert content.proposal_preview(s, actor=people["trainer"], proposal_id=pid).is_stale


def test_nobody_decides_their_own_proposal(db, people, lesson):
    pid = propose(db, people["trainer2"], lesson, BODY + "\n\nMei's idea.")
    with pytest.raises(PermissionDenied, match="own proposal"):
        accept(db, people["trainer2"], pid)
    with db.read() as s:  # nor does it wait in her inbox
        assert content.inbox(s, actor=people["trainer2"]).proposals == []
        assert len(content.inbox(s, actor=people["trainer"]).proposals) == 1


# --- history ------------------------------------------------------------------------------------


def test_history_keeps_every_revision_and_restores_as_new(db, people, lesson):
    edit(db, people["trainer"], lesson, BODY + "\n\nSecond.")
    edit(db, people["trainer"], lesson, BODY + "\n\nThird.")
    with db.read() as s:
        revs = content.history(s, actor=people["trainer"], lesson_id=lesson)
        learner_revs = content.history(s, actor=people["learner"], lesson_id=lesson)
    assert [(r.number, r.state) for r in revs] == [(3, "draft"), (2, "superseded"),
                                                   (1, "approved")]
    assert [r.number for r in learner_revs] == [1]  # drafts are for trainers
    with db.write() as s:
        with pytest.raises(Conflict, match="same text"):
            content.restore_revision(s, actor=people["trainer"], lesson_id=lesson,
                                     revision_id=revs[0].id, expected_revision_id=revs[0].id)
        new_id = content.restore_revision(s, actor=people["trainer"], lesson_id=lesson,
                                          revision_id=revs[2].id,
                                          expected_revision_id=revs[0].id)
    with db.read() as s:
        restored = s.get(LessonRevision, new_id)
        assert s.scalar(select(func.count(LessonRevision.id))) == 4
        assert (restored.number, restored.body, restored.state) == (4, BODY, "draft")
    assert actions(db, "lesson", lesson)[-3:] == ["lesson.draft_saved", "lesson.draft_saved",
                                                  "lesson.restored"]
    with db.read() as s:
        assert audit.verify(s).ok


def test_diff_helpers():
    old, new = "a\nb\nc\nd\ne\nf\ng\nh", "a\nb\nC\nd\ne\nf\ng\nh\ni"
    hunks = content.side_by_side(old, new, context=1)
    assert [(h.old, h.new) for h in hunks] == [
        (["  b", "- c", "  d"], ["  b", "+ C", "  d"]), (["  h"], ["  h", "+ i"])]
    text = content.unified(old, new, old_label="Version 1", new_label="Version 2")
    assert text.startswith("--- Version 1\n+++ Version 2") and "-c\n+C" in text
    assert content.side_by_side(old, old) == []


# --- learners ------------------------------------------------------------------------------------


def test_complete_rate_like_and_relevance_are_aggregated(db, people, lesson):
    others = [add_person(db, f"learner{i}", "learner") for i in range(3)]
    for who, stars in zip([people["learner"], *others], [5, 4, 2, None], strict=True):
        with db.write() as s:
            content.mark_complete(s, actor=who, lesson_id=lesson)
            content.rate(s, actor=who, lesson_id=lesson, stars=stars)
            content.like(s, actor=who, lesson_id=lesson, liked=stars is not None and stars > 3)
            content.answer_relevance(s, actor=who, lesson_id=lesson,
                                     relevant=None if stars is None else stars > 2)
    with db.read() as s:
        p = content.progress(s, actor=people["learner"], lesson_id=lesson)
        assert [c.completed for c in content.progress_by_course(s, actor=people["learner"])] \
            == [1]
    assert (p.rating, p.liked, p.relevant) == (5, True, True) and p.completed_at
    assert (p.ratings, round(p.avg_rating, 2), p.likes, p.completions) == (3, 3.67, 2, 4)
    assert (p.relevant_yes, p.relevant_no) == (2, 1)
    with db.write() as s:
        with pytest.raises(ValidationError):
            content.rate(s, actor=people["learner"], lesson_id=lesson, stars=6)
    with db.read() as s:
        assert points.total(s, user_id=people["learner"].id) == points.POINTS[
            "lesson.completed"]
    with db.write() as s:  # undoing takes the points back: no farming by toggling
        content.mark_complete(s, actor=people["learner"], lesson_id=lesson, done=False)
        content.mark_complete(s, actor=people["learner"], lesson_id=lesson, done=True)
    with db.read() as s:
        assert points.total(s, user_id=people["learner"].id) == points.POINTS[
            "lesson.completed"]


def test_mandatory_course_completion_earns_no_points(db, people):
    cid = new_course(db, people["trainer"], title="GMP refresher", is_mandatory=True)
    lid = new_lesson(db, people["trainer"], cid)
    submit(db, people["trainer"], lid)
    sign(db, people["trainer2"], lid)
    with db.write() as s:
        content.mark_complete(s, actor=people["learner"], lesson_id=lid)
    with db.read() as s:
        assert points.total(s, user_id=people["learner"].id) == 0


def test_comments_are_threaded_and_linked_questions_show(db, people, lesson):
    with db.write() as s:
        first = content.add_comment(s, actor=people["learner"], lesson_id=lesson,
                                    body="Does this apply to Swissmedic?")
        reply = content.add_comment(s, actor=people["trainer"], lesson_id=lesson,
                                    body="Yes, see section 2.", parent_id=first)
        content.add_comment(s, actor=people["leader"], lesson_id=lesson, body="Same in US?",
                            parent_id=reply)
        with pytest.raises(ValidationError):
            content.add_comment(s, actor=people["leader"], lesson_id=lesson, body="   ")
        s.add(Question(title="Module 1 for Swissmedic?", body="...", author_id=people[
            "learner"].id, lesson_id=lesson))
    with db.read() as s:
        rows = content.comments(s, actor=people["admin"], lesson_id=lesson)
        links = content.linked_questions(s, actor=people["learner"], lesson_id=lesson)
        told = s.scalars(select(Notification.user_id).where(Notification.kind == "comment"))
        told = sorted(told)
    assert [(c.author, c.parent_id) for c in rows] == [
        ("Lena Fischer", None), ("Tomas Ribeiro", first), ("Lars Andersson", first)]
    assert [q.title for q in links] == ["Module 1 for Swissmedic?"]
    # The course owner hears of every comment but his own; a reply also tells the person
    # replied to and whoever started the thread.
    tomas, lena = people["trainer"].id, people["learner"].id
    assert told == sorted([tomas, lena, tomas, lena])


def test_trainers_reorder_lessons(db, people, course_id):
    first, second, third = (new_lesson(db, people["trainer"], course_id, f"Lesson {i}")
                            for i in range(3))
    with db.write() as s:
        content.move_lesson(s, actor=people["trainer2"], lesson_id=third, offset=-1)
        with pytest.raises(Conflict, match="already first"):
            content.move_lesson(s, actor=people["trainer2"], lesson_id=first, offset=-1)
    with db.read() as s:
        order = [r.id for r in content.course_lessons(s, actor=people["trainer"],
                                                      course_id=course_id)]
    assert order == [first, third, second]
    assert actions(db, "lesson", third)[-1] == "lesson.moved"


@pytest.mark.parametrize("role", ["learner", "leader", "admin"])
def test_move_lesson_not_enough_permissions(db, people, course_id, role):
    lid = new_lesson(db, people["trainer"], course_id)
    with db.write() as s, pytest.raises(PermissionDenied):
        content.move_lesson(s, actor=people[role], lesson_id=lid, offset=1)


# --- editing a course ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(db) -> SimpleNamespace:
    """Two tags and two sites to choose from."""
    with db.write() as s:
        ema, m1 = Tag(name="EMA", kind="agency"), Tag(name="Module 1", kind="ectd_module")
        s.add_all([ema, m1, Site(name="Basel", region="Europe", country="Switzerland"),
                   Site(name="Boston", region="Americas", country="USA")])
        s.flush()
        return SimpleNamespace(ema=ema.id, m1=m1.id)


def course_edit(db, actor: Actor, course_id: int, **changes) -> bool:
    """Save the course with `changes` over what it holds now (as the edit form sends it)."""
    with db.read() as s:
        row = s.get(Course, course_id)
        fields = {"title": row.title, "summary": row.summary,
                  "audience_function": row.audience_function,
                  "audience_site": s.scalar(select(Site.name).where(
                      Site.id == row.audience_site_id)),
                  "tag_ids": sorted(s.scalars(select(CourseTag.tag_id).where(
                      CourseTag.course_id == course_id))),
                  "owner_ids": sorted(s.scalars(select(CourseOwner.user_id).where(
                      CourseOwner.course_id == course_id)))}
    fields.update(changes)
    with db.write() as s:
        return content.update_course(s, actor=actor, course_id=course_id, **fields)


def last_audit(db) -> SimpleNamespace:
    with db.read() as s:
        rec = s.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        return SimpleNamespace(action=rec.action, entity_type=rec.entity_type,
                               entity_id=rec.entity_id, actor_username=rec.actor_username,
                               before=rec.before, after=rec.after)


def course_state(db, course_id: int) -> SimpleNamespace:
    with db.read() as s:
        row = s.get(Course, course_id)
        return SimpleNamespace(
            title=row.title, summary=row.summary, function=row.audience_function,
            site=s.scalar(select(Site.name).where(Site.id == row.audience_site_id)),
            tags=sorted(s.scalars(select(CourseTag.tag_id).where(
                CourseTag.course_id == course_id))),
            owners=sorted(s.scalars(select(CourseOwner.user_id).where(
                CourseOwner.course_id == course_id))))


def test_an_owner_edits_every_field_of_a_course_and_it_is_audited(db, people, catalogue):
    tomas, mei = people["trainer"], people["trainer2"]
    cid = new_course(db, tomas, tag_ids=[catalogue.ema])
    assert course_edit(db, tomas, cid, title="eCTD for the EU", summary="Module 1 to 5 for "
                       "EU submissions, with worked examples.",
                       audience_function="Regulatory Affairs", audience_site="Basel",
                       tag_ids=[catalogue.m1], owner_ids=[tomas.id, mei.id])
    assert course_state(db, cid) == SimpleNamespace(
        title="eCTD for the EU", summary="Module 1 to 5 for EU submissions, with worked "
        "examples.", function="Regulatory Affairs", site="Basel", tags=[catalogue.m1],
        owners=sorted([tomas.id, mei.id]))
    with db.read() as s:
        shown = content.course(s, actor=people["trainer"], course_id=cid)
    rec = last_audit(db)
    assert (shown.title, shown.audience_site, shown.tags) == ("eCTD for the EU", "Basel",
                                                               ("Module 1",))
    assert (rec.action, rec.entity_type, rec.entity_id, rec.actor_username) == (
        "course.updated", "course", str(cid), "tomas")
    assert rec.before["title"] == "eCTD basics" and rec.after["title"] == "eCTD for the EU"
    assert rec.before["tags"] == [catalogue.ema] and rec.after["tags"] == [catalogue.m1]
    assert rec.after["owners"] == sorted([tomas.id, mei.id])
    # Mei now owns it too and may edit it; the audit keeps only what changed.
    assert course_edit(db, mei, cid, audience_site=None)
    assert actions(db, "course", cid) == ["course.created", "course.updated", "course.updated"]
    rec = last_audit(db)
    assert (rec.before, rec.after) == ({"audience_site": "Basel"}, {"audience_site": None})


def test_an_admin_edits_a_course_and_saving_nothing_new_stores_nothing(db, people):
    cid = new_course(db, people["trainer"])
    assert course_edit(db, people["admin"], cid, title="eCTD basics for everyone")
    assert course_state(db, cid).title == "eCTD basics for everyone"
    assert not course_edit(db, people["admin"], cid)
    assert actions(db, "course", cid) == ["course.created", "course.updated"]


@pytest.mark.parametrize("role", ["learner", "leader", "trainer2"])
def test_update_course_not_enough_permissions(db, people, role):
    """Learners, leaders and trainers who do not own the course cannot change it."""
    cid = new_course(db, people["trainer"])
    before = course_state(db, cid)
    with pytest.raises(PermissionDenied):
        course_edit(db, people[role], cid, title="Taken over by someone else",
                    owner_ids=[people["trainer"].id, people[role].id])
    assert course_state(db, cid) == before
    assert actions(db, "course", cid) == ["course.created"]
    with db.read() as s:
        row = content.course(s, actor=people["trainer"], course_id=cid)
    assert not content.can_edit_course(people[role], row.owner_ids)
    assert content.can_edit_course(people["trainer"], row.owner_ids)
    assert content.can_edit_course(people["admin"], row.owner_ids)


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "  "}, "title"),
    ({"summary": "Short"}, "summary"),
    ({"audience_function": "Astrology"}, "audience_function"),
    ({"audience_site": "Atlantis"}, "audience_site"),
    ({"tag_ids": [999]}, "tags"),
    ({"owner_ids": []}, "owners"),
    ({"owner_ids": "learner"}, "owners"),
])
def test_bad_course_edit_says_which_field_and_stores_nothing(db, people, catalogue, changes,
                                                             field):
    cid = new_course(db, people["trainer"])
    before = course_state(db, cid)
    if changes.get("owner_ids") == "learner":
        changes = {"owner_ids": [people["trainer"].id, people["learner"].id]}
    with pytest.raises(ValidationError) as e:
        course_edit(db, people["trainer"], cid, **changes)
    assert e.value.field == field
    assert course_state(db, cid) == before
    assert actions(db, "course", cid) == ["course.created"]


def test_an_owner_who_is_no_longer_a_trainer_may_stay_an_owner(db, people):
    tomas, mei = people["trainer"], people["trainer2"]
    cid = new_course(db, tomas, owner_ids=[mei.id])
    with db.write() as s:  # Mei moves to another job
        s.execute(delete(UserRole).where(UserRole.user_id == mei.id))
    assert course_edit(db, tomas, cid, title="eCTD basics, second edition")
    assert course_state(db, cid).owners == sorted([tomas.id, mei.id])
    with pytest.raises(PermissionDenied):  # but she cannot edit it any more
        course_edit(db, Actor(mei.id, "mei", "Mei Chen", frozenset({"learner"})), cid,
                    title="Changed by Mei")


# --- browse, search, inbox ---------------------------------------------------------------------


def test_browse_by_course_tag_status_and_search(db, people):
    with db.write() as s:
        s.add_all([Tag(name="EMA", kind="agency"), Tag(name="Module 1", kind="ectd_module")])
        s.flush()
        ema, m1 = s.scalars(select(Tag.id).order_by(Tag.id)).all()
    c1 = new_course(db, people["trainer"], title="EU submissions", tag_ids=[ema, m1])
    c2 = new_course(db, people["trainer"], title="US submissions")
    ids = [new_lesson(db, people["trainer"], c1, f"EU lesson {i}",
                      BODY + f"\n\nKeyword{i} here.") for i in range(3)]
    us = new_lesson(db, people["trainer"], c2, "FDA gateway", BODY)
    for lid in [*ids[:2], us]:
        submit(db, people["trainer"], lid)
        sign(db, people["trainer2"], lid)
    with db.read() as s:
        learner = people["learner"]
        assert [r.id for r in content.lessons(s, actor=learner)] == [ids[0], ids[1], us]
        assert [r.id for r in content.lessons(s, actor=learner, tag_id=ema)] == ids[:2]
        assert [r.id for r in content.lessons(s, actor=learner, search="keyword1")] == [ids[1]]
        assert [r.id for r in content.lessons(s, actor=learner, search="us subm")] == [us]
        assert content.lessons(s, actor=learner, search="100%_") == []
        page1 = content.lessons(s, actor=learner, limit=2)
        last = page1[-1]
        page2 = content.lessons(s, actor=learner, limit=2, after=(
            last.course_key, last.course_id, last.position, last.id))
        assert [r.id for r in page1 + page2] == [ids[0], ids[1], us]
        trainer = people["trainer"]
        assert [r.id for r in content.lessons(s, actor=trainer, status="draft")] == [ids[2]]
        assert [r.id for r in content.lessons(s, actor=trainer, course_id=c1)] == ids
        assert [c.title for c in content.courses(s, actor=learner)] == ["EU submissions",
                                                                        "US submissions"]
        assert content.course(s, actor=learner, course_id=c1).tags == ("EMA", "Module 1")
    new_course(db, people["trainer"], title="eCTD lifecycle")  # no lessons yet
    with db.read() as s:  # trainers see it; titles sort without regard to case
        titles = [c.title for c in content.courses(s, actor=people["trainer"])]
        first = content.courses(s, actor=people["trainer"], limit=1)
        rest = content.courses(s, actor=people["trainer"], after=(first[0].sort_key,
                                                                  first[0].id))
    assert titles == ["eCTD lifecycle", "EU submissions", "US submissions"]
    assert [c.title for c in first + rest] == titles


def test_inbox_lists_what_needs_a_trainer(db, people, lesson, course_id):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nLena's line.")
    draft = new_lesson(db, people["trainer"], course_id, "Second lesson")
    submit(db, people["trainer"], draft)
    raters = [add_person(db, f"rater{i}", "learner") for i in range(3)]
    for who, stars in zip(raters, [1, 2, 4], strict=True):
        with db.write() as s:
            content.rate(s, actor=who, lesson_id=lesson, stars=stars)
    with db.read() as s:
        tomas = content.inbox(s, actor=people["trainer"])
        mei = content.inbox(s, actor=people["trainer2"], only_mine=True)
        mei_all = content.inbox(s, actor=people["trainer2"])
    assert [r.proposal_id for r in tomas.proposals] == [pid] and tomas.proposals_total == 1
    assert tomas.to_sign == [] and [r.lesson_id for r in tomas.mine_in_review] == [draft]
    assert [r.lesson_id for r in mei_all.to_sign] == [draft]
    assert [r.lesson_id for r in tomas.low_rated] == [lesson] and "2.3" in tomas.low_rated[0].note
    assert mei.proposals == [] and mei.low_rated == []  # Mei owns no course
    with db.read() as s:
        later = content.inbox(s, actor=people["trainer"], stale_months=6,
                              now=utcnow() + timedelta(days=200))
        assert [r.lesson_id for r in later.stale] == [lesson]
        with pytest.raises(ValidationError):
            content.inbox(s, actor=people["trainer"], stale_months=0)


def test_two_ratings_are_not_enough_to_call_a_lesson_low_rated(db, people, lesson):
    for i in range(2):
        who = add_person(db, f"rater{i}", "learner")
        with db.write() as s:
            content.rate(s, actor=who, lesson_id=lesson, stars=1)
    with db.read() as s:
        assert content.inbox(s, actor=people["trainer"]).low_rated == []


# --- who may do what ----------------------------------------------------------------------------

NOT_TRAINERS = ["learner", "leader", "admin"]


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_create_course_not_enough_permissions(db, people, role):
    with db.write() as s, pytest.raises(PermissionDenied):
        content.create_course(s, actor=people[role], title="Mine", summary="A course of mine.")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_create_lesson_not_enough_permissions(db, people, course_id, role):
    with db.write() as s, pytest.raises(PermissionDenied):
        content.create_lesson(s, actor=people[role], course_id=course_id, title="Mine",
                              body=BODY)


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_save_draft_not_enough_permissions(db, people, lesson, role):
    with pytest.raises(PermissionDenied):
        edit(db, people[role], lesson, BODY + " changed")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_submit_for_review_not_enough_permissions(db, people, lesson, role):
    edit(db, people["trainer"], lesson, BODY + " changed")
    with pytest.raises(PermissionDenied):
        submit(db, people[role], lesson)


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_approve_lesson_not_enough_permissions(db, people, lesson, role):
    edit(db, people["trainer"], lesson, BODY + " changed")
    submit(db, people["trainer"], lesson)
    with pytest.raises(PermissionDenied):
        sign(db, people[role], lesson)
    assert latest(db, lesson).state == "in_review"


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_return_to_draft_not_enough_permissions(db, people, lesson, role):
    edit(db, people["trainer"], lesson, BODY + " changed")
    submit(db, people["trainer"], lesson)
    with db.write() as s, pytest.raises(PermissionDenied):
        content.return_to_draft(s, actor=people[role], lesson_id=lesson,
                                revision_id=latest(db, lesson).id, reason="Not good enough")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_discard_draft_not_enough_permissions(db, people, lesson, role):
    edit(db, people["trainer"], lesson, BODY + " changed")
    with db.write() as s, pytest.raises(PermissionDenied):
        content.discard_draft(s, actor=people[role], lesson_id=lesson,
                              revision_id=latest(db, lesson).id, reason="Not wanted")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_restore_revision_not_enough_permissions(db, people, lesson, role):
    first = latest(db, lesson).id
    edit(db, people["trainer"], lesson, BODY + " changed")
    with db.write() as s, pytest.raises(PermissionDenied):
        content.restore_revision(s, actor=people[role], lesson_id=lesson, revision_id=first,
                                 expected_revision_id=latest(db, lesson).id)


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_accept_proposal_not_enough_permissions(db, people, lesson, role):
    pid = propose(db, people["trainer2"], lesson, BODY + " changed")
    with pytest.raises(PermissionDenied):
        accept(db, people[role], pid)


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_reject_proposal_not_enough_permissions(db, people, lesson, role):
    pid = propose(db, people["trainer2"], lesson, BODY + " changed")
    with db.write() as s, pytest.raises(PermissionDenied):
        content.reject_proposal(s, actor=people[role], proposal_id=pid, reason="No thanks")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_proposal_preview_not_enough_permissions(db, people, lesson, role):
    pid = propose(db, people["trainer2"], lesson, BODY + " changed")
    with db.read() as s, pytest.raises(PermissionDenied):
        content.proposal_preview(s, actor=people[role], proposal_id=pid)


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_propose_edit_not_enough_permissions(db, people, lesson, role):
    with pytest.raises(PermissionDenied):
        propose(db, people[role], lesson, BODY + " changed")


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_trainer_inbox_not_enough_permissions(db, people, role):
    with db.read() as s, pytest.raises(PermissionDenied):
        content.inbox(s, actor=people[role])


@pytest.mark.parametrize("role", ["learner", "trainer", "leader"])
def test_failed_signature_count_not_enough_permissions(db, people, role):
    with db.read() as s, pytest.raises(PermissionDenied):
        content.failed_signature_count(s, actor=people[role])


@pytest.mark.parametrize("role", NOT_TRAINERS)
def test_read_unpublished_lesson_not_enough_permissions(db, people, course_id, role):
    lid = new_lesson(db, people["trainer"], course_id)
    with db.read() as s:
        with pytest.raises(NotFound):
            content.lesson_view(s, actor=people[role], lesson_id=lid)
        with pytest.raises(PermissionDenied):
            content.lessons(s, actor=people[role], status="draft")
        assert content.history(s, actor=people[role], lesson_id=lid) == []


@pytest.mark.parametrize("role", ["learner", "trainer", "leader", "admin"])
def test_everyone_reads_rates_and_comments_on_published_lessons(db, people, lesson, role):
    who = people[role]
    with db.write() as s:
        content.mark_complete(s, actor=who, lesson_id=lesson)
        content.rate(s, actor=who, lesson_id=lesson, stars=4)
        content.add_comment(s, actor=who, lesson_id=lesson, body="Useful, thanks.")
    with db.read() as s:
        assert content.lesson_view(s, actor=who, lesson_id=lesson).published.body == BODY
        assert content.progress(s, actor=who, lesson_id=lesson).rating == 4


def test_signed_out_actor_not_enough_permissions(db, people, lesson):
    nobody = Actor(id=None, username="anonymous")
    with db.read() as s, pytest.raises(PermissionDenied):
        content.lesson_view(s, actor=nobody, lesson_id=lesson)


# --- the lesson state machine, explored by Hypothesis ----------------------------------------

TRAINER_KEYS = ["t1", "t2", "t3"]


def test_lesson_state_machine(db, people):
    run_state_machine_as_test(
        lambda: LessonMachine(db),
        settings=settings(max_examples=int(__import__("os").environ.get("LESSON_EXAMPLES", 25)),
                          stateful_step_count=20, deadline=None,
                          suppress_health_check=list(HealthCheck)))


class LessonMachine(RuleBasedStateMachine):
    """Random sequences of edits, proposals, reviews, signatures, discards and restores, checked
    against a model of what learners should read and who may sign."""

    def __init__(self, db):
        super().__init__()
        self.db = db
        run = next(_names)
        self.who = {k: add_person(db, f"{k}-{run}", "trainer", name=f"Trainer {k} {run}")
                    for k in TRAINER_KEYS}
        self.learner = add_person(db, f"ln-{run}", "learner", name=f"Learner {run}")
        self.n = 0
        self.lesson = new_lesson(db, self.who["t1"], new_course(db, self.who["t1"]))
        first = latest(db, self.lesson)
        self.rev_ids = {1: first.id}
        self.texts = {1: BODY}
        self.writers = {1: {self.who["t1"].id}}
        self.latest, self.state, self.published = 1, "draft", None
        self.signed: set[tuple[int, int, str]] = set()
        self.failures = dict.fromkeys(TRAINER_KEYS, 0)

    @initialize(publish_first=st.booleans())
    def start(self, publish_first):
        if publish_first:  # most of the interesting rules need a published version
            self.review_cycle("t1", "t2")

    def _new_revision(self, rid: int, text: str, writers: set[int]) -> None:
        carried = self.writers[self.latest] if self.state in content.OPEN_STATES else set()
        number = max(self.rev_ids) + 1
        self.rev_ids[number], self.texts[number] = rid, text
        self.writers[number] = carried | writers
        self.latest, self.state = number, "draft"

    def _text(self) -> str:
        self.n += 1
        return f"{BODY}\n\nChange number {self.n}."

    @rule(who=st.sampled_from(TRAINER_KEYS))
    def edit(self, who):
        text = self._text()
        rid = edit(self.db, self.who[who], self.lesson, text)
        self._new_revision(rid, text, {self.who[who].id})

    @rule(decider=st.sampled_from(TRAINER_KEYS), take=st.booleans(),
          kind=st.sampled_from(["edit", "example"]))
    def learner_proposes(self, decider, take, kind):
        if self.published is None:
            with pytest.raises(NotFound):
                with self.db.write() as s:
                    content.propose(s, actor=self.learner, lesson_id=self.lesson, kind=kind,
                                    body=self._text(), summary="Why not",
                                    base_revision_id=self.rev_ids[self.latest])
            return
        body = self._text()
        pid = propose(self.db, self.learner, self.lesson, body, kind=kind)
        if not take:
            with self.db.write() as s:
                content.reject_proposal(s, actor=self.who[decider], proposal_id=pid,
                                        reason="Out of scope")
            return
        text = content.proposed_text(kind, self.texts[self.latest], body)
        rid = accept(self.db, self.who[decider], pid)
        self._new_revision(rid, text, {self.learner.id, self.who[decider].id})

    @rule(who=st.sampled_from(TRAINER_KEYS))
    def submit(self, who):
        if self.state != "draft":
            with pytest.raises(Conflict):
                submit(self.db, self.who[who], self.lesson)
            return
        submit(self.db, self.who[who], self.lesson)
        self.state = "in_review"

    # Weighted towards the right password and "approved", so that many runs publish.
    @rule(who=st.sampled_from(TRAINER_KEYS),
          meaning=st.sampled_from(["approved", "approved", "reviewed"]),
          right=st.sampled_from([True, True, True, False]))
    def sign(self, who, meaning, right):
        actor = self.who[who]
        rid = self.rev_ids[self.latest]
        periodic = self.state == "approved" and meaning == "reviewed"
        password = PASSWORD if right else "wrong-password"
        if self.state != "in_review" and not periodic:
            with pytest.raises(Conflict):
                sign(self.db, actor, self.lesson, meaning=meaning, password=password)
            return
        if actor.id in self.writers[self.latest]:
            with pytest.raises(PermissionDenied):
                sign(self.db, actor, self.lesson, meaning=meaning, password=password)
            return
        if (rid, actor.id, meaning) in self.signed and not periodic:
            with pytest.raises(Conflict, match="already signed"):
                sign(self.db, actor, self.lesson, meaning=meaning, password=password)
            return
        if self.failures[who] >= content.SIGNING_FAILURE_LIMIT:
            with pytest.raises(Conflict, match="paused"):
                sign(self.db, actor, self.lesson, meaning=meaning, password=password)
            return
        out = sign(self.db, actor, self.lesson, meaning=meaning, password=password)
        assert out.signed == right
        if not right:
            self.failures[who] += 1
            return
        self.signed.add((rid, actor.id, meaning))
        assert out.published == (meaning == "approved")
        if meaning == "approved":
            self.published, self.state = self.latest, "approved"

    @rule(author=st.sampled_from(TRAINER_KEYS), signer=st.sampled_from(TRAINER_KEYS))
    def review_cycle(self, author, signer):
        """The everyday path (send for review, then approve), so that many runs publish."""
        if self.state == "draft":
            self.submit(author)
        self.sign(signer, "approved", True)

    @rule(who=st.sampled_from(TRAINER_KEYS))
    def send_back(self, who):
        rid = self.rev_ids[self.latest]
        with self.db.write() as s:
            if self.state != "in_review":
                with pytest.raises(Conflict):
                    content.return_to_draft(s, actor=self.who[who], lesson_id=self.lesson,
                                            revision_id=rid, reason="Needs work")
                return
            content.return_to_draft(s, actor=self.who[who], lesson_id=self.lesson,
                                    revision_id=rid, reason="Needs work")
        self.state = "draft"

    @rule(who=st.sampled_from(TRAINER_KEYS))
    def discard(self, who):
        rid = self.rev_ids[self.latest]
        with self.db.write() as s:
            if self.state not in content.OPEN_STATES or self.published is None:
                with pytest.raises(Conflict):
                    content.discard_draft(s, actor=self.who[who], lesson_id=self.lesson,
                                          revision_id=rid, reason="Not needed")
                return
            content.discard_draft(s, actor=self.who[who], lesson_id=self.lesson,
                                  revision_id=rid, reason="Not needed")
        self.latest, self.state = self.published, "approved"

    @rule(who=st.sampled_from(TRAINER_KEYS), data=st.data())
    def restore(self, who, data):
        number = data.draw(st.sampled_from(sorted(self.rev_ids)))
        with self.db.write() as s:
            call = {"actor": self.who[who], "lesson_id": self.lesson,
                    "revision_id": self.rev_ids[number],
                    "expected_revision_id": self.rev_ids[self.latest]}
            if self.texts[number] == self.texts[self.latest]:
                with pytest.raises(Conflict):
                    content.restore_revision(s, **call)
                return
            rid = content.restore_revision(s, **call)
        self._new_revision(rid, self.texts[number],
                           self.writers[number] | {self.who[who].id})

    @invariant()
    def learners_read_the_published_text(self):
        with self.db.read() as s:
            if self.published is None:
                with pytest.raises(NotFound):
                    content.lesson_view(s, actor=self.learner, lesson_id=self.lesson)
                return
            view = content.lesson_view(s, actor=self.learner, lesson_id=self.lesson)
        assert view.published.body == self.texts[self.published] and view.working is None

    @invariant()
    def revisions_agree_with_the_model(self):
        with self.db.read() as s:
            latest_id = s.get(Lesson, self.lesson).latest_revision_id
            revs = s.execute(select(LessonRevision.number, LessonRevision.state)
                             .where(LessonRevision.lesson_id == self.lesson)
                             .order_by(LessonRevision.number)).all()
            writers = set(s.scalars(select(RevisionContributor.user_id).where(
                RevisionContributor.revision_id == self.rev_ids[self.latest])))
        assert [n for n, _ in revs] == list(range(1, len(revs) + 1))
        states = dict(revs)
        assert latest_id == self.rev_ids[self.latest]
        assert states[self.latest] == self.state
        assert [n for n, st_ in revs if st_ == "approved"] == (
            [self.published] if self.published else [])
        assert all(st_ not in content.OPEN_STATES for n, st_ in revs if n != self.latest)
        assert writers == self.writers[self.latest]

    @invariant()
    def the_published_version_carries_a_valid_four_eyes_approval(self):
        if self.published is None:
            return
        rid = self.rev_ids[self.published]
        with self.db.read() as s:
            sigs = [g for g in content.signatures(s, actor=self.learner, lesson_id=self.lesson)
                    if g.revision_id == rid and g.meaning == "approved"]
            signer_ids = set(s.scalars(select(Signature.signer_id).where(
                Signature.revision_id == rid, Signature.meaning == "approved")))
        assert len(sigs) == 1 and sigs[0].matches
        assert not signer_ids & self.writers[self.published]


def test_progress_rows_are_one_per_person_and_lesson(db, people, lesson):
    with db.write() as s:
        content.rate(s, actor=people["learner"], lesson_id=lesson, stars=3)
        content.like(s, actor=people["learner"], lesson_id=lesson, liked=True)
        content.mark_complete(s, actor=people["learner"], lesson_id=lesson)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_an_accepted_proposal_on_a_mandatory_course_earns_its_points(db, people):
    """Only completing mandatory training is unrewarded, not helping to write it."""
    cid = new_course(db, people["trainer"], title="GMP refresher", is_mandatory=True)
    lid = new_lesson(db, people["trainer"], cid)
    submit(db, people["trainer"], lid)
    sign(db, people["trainer2"], lid)
    pid = propose(db, people["learner"], lid,
                  BODY + "\n\nSwissmedic accepts the EU Module 1 for some procedures.")
    accept(db, people["trainer"], pid)
    with db.read() as s:
        assert points.total(s, user_id=people["learner"].id) == points.POINTS[
            "proposal.accepted"]


def test_the_co_author_badge_comes_when_the_fifth_lesson_is_published(db, people):
    """Publishing gives no points, yet the badge (and its notice) must not wait for the
    author to open their profile."""
    from db import gamification
    from db.models import BadgeAward

    tomas = people["trainer"]
    silver = gamification.BY_KEY["co_author"].thresholds[1]
    cid = new_course(db, tomas)

    def tiers() -> set[str]:
        with db.read() as s:
            return set(s.scalars(select(BadgeAward.tier).where(
                BadgeAward.user_id == tomas.id, BadgeAward.badge == "co_author")))

    for n in range(1, silver + 1):
        lid = new_lesson(db, tomas, cid, title=f"Module {n}")
        submit(db, tomas, lid)
        assert tiers() == (set() if n == 1 else {"bronze"})  # written, not yet published
        assert sign(db, people["trainer2"], lid).published
        assert tiers() == ({"bronze", "silver"} if n == silver else {"bronze"})
    with db.read() as s:
        notices = s.scalars(select(Notification.text).where(
            Notification.user_id == tomas.id, Notification.kind == "badge")).all()
        assert [b.tier for b in gamification.unseen_badges(s, user_id=tomas.id)
                if b.badge == "co_author"] == ["bronze", "silver"]
    assert any("silver Co-author" in t for t in notices)
