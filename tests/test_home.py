"""The home page: what needs this person (db.overview.for_person) and how the page shows it.

Each role sees only the work its own pages hold; a learner's home lists none of the trainers',
leaders' or admins' work even when plenty waits.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from db import content, moderation, overview, qa, suggestions
from db.actors import Actor
from db.errors import PermissionDenied
from db.models import CourseProgress, Suggestion, Tag, utcnow
from db.stats import count_statements
from tests.conftest import ROOT, add_person, open_session
from tests.test_content import new_course, new_lesson, sign, submit

BODY = "We file next month and nobody here has done it before. What should we expect?"


def mine(db, actor: Actor) -> overview.PersonalOverview:
    with db.read() as s:
        return overview.for_person(s, actor=actor)


def waiting(db, actor: Actor) -> dict[str, int]:
    return {t.many: t.count for t in mine(db, actor).to_do}


def published_lesson(db, trainer: Actor, signer: Actor, course_id: int, title: str) -> int:
    lesson_id = new_lesson(db, trainer, course_id, title=title)
    submit(db, trainer, lesson_id)
    assert sign(db, signer, lesson_id).signed
    return lesson_id


def complete(db, actor: Actor, lesson_id: int) -> None:
    with db.write() as s:
        content.mark_complete(s, actor=actor, lesson_id=lesson_id)


def ask(db, actor: Actor, title: str, tags: list[str]) -> int:
    with db.write() as s:
        return qa.ask(s, actor=actor, title=title, body=f"{BODY} ({title})", tags=tags)


def answer(db, actor: Actor, qid: int) -> int:
    with db.write() as s:
        return qa.answer(s, actor=actor, question_id=qid,
                         body=f"Three months by default, longer on request (question {qid}).")


@pytest.fixture
def lots_waiting(db, people):
    """Work for every role: a pending proposal, a version in review, an undecided
    suggestion, a reported answer and a wrong signing password."""
    tomas, mei, lena = people["trainer"], people["trainer2"], people["learner"]
    course = new_course(db, tomas, title="Variations in the EU")
    lesson = published_lesson(db, tomas, mei, course, "Type IB or Type II?")
    with db.write() as s:
        content.propose(s, actor=lena, lesson_id=lesson, kind="example",
                        summary="Our pack-size change", body="We filed a new pack size as IB.",
                        base_revision_id=content.lesson_view(s, actor=lena, lesson_id=lesson)
                        .published.id)
    in_review = new_lesson(db, mei, course, title="Clock stops")
    submit(db, mei, in_review)
    assert not sign(db, tomas, in_review, password="not it").signed
    with db.write() as s:
        suggestions.submit(s, actor=lena, title="Shared glossary of agency terms",
                           description="New starters keep asking what each acronym means.",
                           category="Regulatory", kind="idea", site_id=None)
    qid = ask(db, people["leader"], "How long is an EMA clock stop?", ["ema"])
    aid = answer(db, mei, qid)
    with db.write() as s:
        moderation.flag(s, actor=lena, entity_type="answer", entity_id=aid,
                        reason=moderation.REASONS[2])
    return {"course": course, "lesson": lesson, "in_review": in_review}


# --- what waits for each role ------------------------------------------------------------------


def test_a_learner_sees_none_of_the_other_roles_work(db, people, lots_waiting):
    assert mine(db, people["learner"]).to_do == []


def test_a_trainer_sees_proposals_and_versions_to_sign_but_not_their_own(db, people,
                                                                          lots_waiting):
    assert waiting(db, people["trainer"]) == {"proposals to review": 1,
                                               "lesson versions to sign": 1}
    # Mei wrote the version in review: she cannot sign it, so it does not wait for her.
    assert waiting(db, people["trainer2"]) == {"proposals to review": 1}


def test_a_leader_sees_undecided_suggestions_and_reported_posts(db, people, lots_waiting):
    leader = mine(db, people["leader"])
    assert {t.many: t.count for t in leader.to_do} == {
        "suggestions waiting for a decision": 1, "reported posts to review": 1}
    undecided = next(t for t in leader.to_do if t.page == "pages/prioritise.py")
    assert dict(undecided.params) == {"prioritise-tab": suggestions.WAITING_VIEW}
    assert undecided.since is not None and undecided.label == "1 suggestion waiting for a decision"
    # A decision takes it off the list.
    with db.write() as s:
        sid = s.scalar(select(Suggestion.id))
        for status in ("under_review", "planned"):
            suggestions.change_status(s, actor=people["leader"], suggestion_id=sid,
                                      to_status=status, response="We will build it.")
    assert waiting(db, people["leader"]) == {"reported posts to review": 1}


def test_an_admin_also_sees_wrong_signing_passwords(db, people, lots_waiting):
    assert waiting(db, people["admin"]) == {
        "suggestions waiting for a decision": 1, "reported posts to review": 1,
        "wrong signing passwords in 30 days": 1}


def test_nothing_waits_when_there_is_no_work(db, people):
    for role in ("learner", "trainer", "leader", "admin"):
        assert mine(db, people[role]).to_do == [], role


def test_signed_out_people_get_nothing(db, people):
    with db.read() as s, pytest.raises(PermissionDenied):
        overview.for_person(s, actor=Actor(None, "guest", "Guest", frozenset()))
    with db.read() as s, pytest.raises(PermissionDenied):
        content.courses_under_way(s, actor=Actor(None, "guest", "Guest", frozenset()))
    with db.read() as s, pytest.raises(PermissionDenied):
        overview.for_person(s, actor=Actor(people["learner"].id, "lena", "Lena", frozenset()))


def test_the_whole_overview_is_three_statements(db, people, lots_waiting):
    for role in ("learner", "trainer", "leader", "admin"):
        with count_statements(db.engine) as log:
            mine(db, people[role])
        assert log.count <= 4, (role, log.statements)


# --- level and courses -------------------------------------------------------------------------


def test_level_follows_points(db, people):
    lena = people["learner"]
    assert mine(db, lena).level.points == 0
    ask(db, lena, "Which stability data does a PAS need?", ["stability"])
    level = mine(db, lena).level
    assert level.points > 0 and level.name == "Newcomer"


def test_courses_under_way_newest_first_and_finished_ones_left_out(db, people):
    tomas, mei, lena = people["trainer"], people["trainer2"], people["learner"]
    eu = new_course(db, tomas, title="Variations in the EU")
    eu_lessons = [published_lesson(db, tomas, mei, eu, f"Lesson {i}") for i in range(3)]
    us = new_course(db, tomas, title="FDA meetings")
    us_lesson = published_lesson(db, tomas, mei, us, "Type B meetings")
    assert mine(db, lena).courses == []

    complete(db, lena, eu_lessons[0])
    complete(db, lena, us_lesson)  # the whole course: finished, not under way
    (eu_row,) = mine(db, lena).courses
    assert (eu_row.title, eu_row.completed, eu_row.total) == ("Variations in the EU", 1, 3)

    complete(db, lena, eu_lessons[1])
    other = new_course(db, tomas, title="Clinical trial applications")
    ct = [published_lesson(db, tomas, mei, other, f"CTA {i}") for i in range(2)]
    complete(db, lena, ct[0])
    with db.write() as s:  # worked on the EU course a week ago
        s.execute(update(CourseProgress).where(CourseProgress.course_id == eu)
                  .values(last_worked_at=utcnow() - timedelta(days=7)))
    assert [(c.title, c.completed, c.total) for c in mine(db, lena).courses] == [
        ("Clinical trial applications", 1, 2), ("Variations in the EU", 2, 3)]
    # Someone else's progress is not Lena's.
    assert mine(db, people["leader"]).courses == []


# --- questions one could answer ----------------------------------------------------------------


def test_questions_in_ones_field_come_from_followed_and_answered_tags(db, people):
    lena, lars, tomas = people["learner"], people["leader"], people["trainer"]
    ema = ask(db, lars, "How long is an EMA clock stop?", ["ema"])
    gmp = ask(db, lars, "Who signs the batch release at Basel?", ["gmp"])
    ask(db, lena, "What does PMDA expect in Module 1?", ["pmda"])  # her own
    stability = ask(db, lars, "Which stability data does a PAS need?", ["stability"])

    # Nothing in Lena's field yet: the newest unanswered questions, not her own.
    plain = mine(db, lena)
    assert not plain.in_your_field
    assert [q.id for q in plain.questions] == [stability, gmp, ema]

    # She follows "ema" and has answered a question tagged "gmp".
    with db.read() as s:
        ema_tag = s.scalar(select(Tag.id).where(Tag.name == "ema"))
    with db.write() as s:
        qa.follow(s, actor=lena, entity_type="tag", entity_id=ema_tag)
    earlier = ask(db, tomas, "Is a GMP certificate needed for a QP declaration?", ["gmp"])
    answer(db, lena, earlier)
    field = mine(db, lena)
    assert field.in_your_field
    assert [q.id for q in field.questions] == [gmp, ema]
    assert field.questions[0].tags == "gmp"

    # An answered question leaves the list.
    answer(db, tomas, gmp)
    assert [q.id for q in mine(db, lena).questions] == [ema]


# --- the page ------------------------------------------------------------------------------


def home(db, username: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)  # Home is its first page
    at.session_state["auth_sid"] = open_session(db, username)
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    """Every text on the page, page-link labels included."""
    parts = [str(e.value) for kind in ("markdown", "caption", "header", "subheader", "title")
             for e in getattr(at, kind)]
    parts += [e.proto.label for e in at.get("page_link")]
    return "\n".join(parts)


def test_each_role_sees_its_own_work_on_the_page(db, people, lots_waiting):
    learner = shown(home(db, "lena"))
    assert "Nothing waits for you right now." in learner
    assert "to review" not in learner and "to sign" not in learner
    trainer = shown(home(db, "tomas"))
    assert "1 proposal to review" in trainer and "1 lesson version to sign" in trainer
    assert "suggestion" not in trainer.split("Your pages")[0].lower()
    leader = shown(home(db, "lars"))
    assert "1 suggestion waiting for a decision" in leader
    assert "The oldest came in today." in leader
    assert "1 reported post to review" in leader and "signing password" not in leader
    assert "1 wrong signing password in 30 days" in shown(home(db, "ada"))


def test_a_new_person_is_told_where_to_start(db, people):
    at = home(db, "lena")
    text = shown(at)
    assert "No course under way." in text
    assert "Every question has an answer." in text
    assert at.metric[0].value == "0 points"


def test_titles_on_the_home_page_are_shown_as_written(db, people):
    hostile = "<script>alert(1)</script> **Bold** :red[x] [l](javascript:alert(1))"
    ask(db, add_person(db, "mallory", "learner"), hostile, ["ema"])
    at = home(db, "lena")
    label = next(e.proto.label for e in at.get("page_link") if "script" in e.proto.label)
    # Every character that could start markup is escaped: nothing renders as HTML, bold,
    # colour or a link.
    for raw in ("<script>", "**Bold**", ":red[", "[l](javascript"):
        assert raw not in label, label
    assert r"\<script\>" in label and r"\*\*Bold\*\*" in label


def test_a_long_title_fits_on_one_line(db, people):
    title = "How do we keep " + "the product information in sync " * 5 + "across agencies?"
    ask(db, people["leader"], title, ["ema"])
    at = home(db, "lena")
    label = next(e.proto.label for e in at.get("page_link")
                 if "product information" in e.proto.label)
    # Cut short, so that when it was asked and its tags still show on the one line.
    assert "\n" not in label and label.startswith("How do we keep the product information")
    assert label.endswith("· asked just now · ema") and "…" in label
