"""Hostile and careless text through every service that takes text (issue 8, item 2).

Every string of the corpus (tests/hostile.py) goes through each writer: it is either stored or
refused with a message naming the field, never a crash, never half a record. What is stored is
then rendered the way the app shows it (components.markdown.sanitize) by a renderer that, unlike
Streamlit, would honour raw HTML: nothing active may come out. Search boxes get the corpus too,
and Hypothesis tries text nobody thought of. The browser side (no dialog, no outside request) is
tests/e2e/test_hostile_journey.py.
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from components.markdown import sanitize
from db import content, qa, regulatory, suggestions, users
from db.errors import ServiceError, ValidationError
from db.models import (
    Answer,
    Comment,
    Course,
    Lesson,
    Proposal,
    Question,
    Setting,
    Submission,
    Suggestion,
    User,
)
from db.seed import content_hash
from tests.hostile import CORPUS, HUGE, LONG_WORD
from tests.test_content import new_course, new_lesson, sign, submit

ALL = [*CORPUS, HUGE, LONG_WORD]
# A renderer that would run raw HTML if any got through: the worst case for what we store.
PERMISSIVE = MarkdownIt("commonmark", {"html": True})
SAFE_TAGS = {"p", "a", "code", "pre", "em", "strong", "blockquote", "ul", "ol", "li", "hr",
             "br", "h1", "h2", "h3", "h4", "h5", "h6"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def assert_inert(text: str) -> None:
    """The text, shown as the app shows it, has no script, handler, frame, image or bad link."""
    parser = _Elements()
    parser.feed(PERMISSIVE.render(sanitize(text)))
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, f"<{tag}> would be rendered from {text[:80]!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name}= on <{tag}> from {text[:80]!r}"
            if name == "href":
                assert (value or "").lower().startswith(SAFE_SCHEMES), (
                    f"link to {value!r} from {text[:80]!r}")
            else:
                assert name in ("title",), f"attribute {name} on <{tag}> from {text[:80]!r}"


def refused_cleanly(error: ServiceError) -> None:
    assert str(error).strip(), "a refusal must say why"
    if isinstance(error, ValidationError):
        assert error.field


@pytest.fixture
def open_limits(db):
    """No hourly posting limits: the corpus is hundreds of posts by one person."""
    with db.write() as s:
        s.add(Setting(key="moderation", value={
            "questions_per_hour": 10**6, "posts_per_hour": 10**6,
            "suggestions_per_hour": 10**6}))


def _count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _through(db, model, write, read_back) -> tuple[int, int]:
    """Send every string through `write`; check refusals store nothing and stored text is inert.

    Returns (stored, refused)."""
    stored = refused = 0
    for text in ALL:
        before = _count(db, model)
        try:
            with db.write() as s:
                new_id = write(s, text)
        except ServiceError as e:
            refused_cleanly(e)
            assert _count(db, model) == before, f"refused {text[:60]!r} but stored a record"
            refused += 1
            continue
        stored += 1
        with db.read() as s:
            for value in read_back(s, new_id):
                assert_inert(value)
    return stored, refused


def test_the_corpus_is_big_and_varied():
    assert len(CORPUS) >= 300
    assert len(HUGE) == 1_000_000
    assert any("\u202e" in t for t in CORPUS) and any("\u200b" in t for t in CORPUS)
    assert any(not t.strip() for t in CORPUS)


@pytest.fixture
def question_id(db, people) -> int:
    with db.write() as s:
        return qa.ask(s, actor=people["trainer"], title="How do we file a Module 1 cover letter?",
                      body="Looking for the regional template and who signs it.", tags=["ectd"])


@pytest.fixture
def published_lesson(db, people) -> int:
    lid = new_lesson(db, people["trainer"], new_course(db, people["trainer"]))
    submit(db, people["trainer"], lid)
    assert sign(db, people["trainer2"], lid).published
    return lid


def test_question_titles_and_bodies(db, people, open_limits):
    n = itertools.count()

    def write(s, text):
        # Alternate which field gets the payload so both are tried with a valid partner.
        if next(n) % 2:
            return qa.ask(s, actor=people["learner"], title=text, body="Plain enough body text.",
                          tags=["ectd"])
        return qa.ask(s, actor=people["learner"], title=f"Question number {next(n)} on filing",
                      body=text, tags=["ectd"])

    def read(s, qid):
        q = s.get(Question, qid)
        return [q.title, q.body]

    stored, refused = _through(db, Question, write, read)
    assert stored > 100 and refused > 5  # blank, too long and too short ones are refused


def test_tags_from_hostile_text(db, people, open_limits):
    for text in CORPUS:
        try:
            tags = qa.clean_tags([text, "ectd"])
        except ServiceError as e:
            refused_cleanly(e)
            continue
        for tag in tags:
            assert_inert(tag)
            assert "<" not in tag and " " not in tag.strip()


def test_answers_and_comments(db, people, question_id, open_limits):
    def answer(s, text):
        return qa.answer(s, actor=people["learner"], question_id=question_id, body=text)

    stored, _ = _through(db, Answer, answer, lambda s, i: [s.get(Answer, i).body])
    assert stored > 100

    def comment(s, text):
        return qa.comment(s, actor=people["leader"], entity_type="question",
                          entity_id=question_id, body=text)

    stored, _ = _through(db, Comment, comment, lambda s, i: [s.get(Comment, i).body])
    assert stored > 100


def test_suggestions_and_their_comments(db, people, open_limits):
    n = itertools.count()

    def write(s, text):
        k = next(n) % 3
        return suggestions.submit(
            s, actor=people["learner"],
            title=text if k == 0 else f"Idea number {next(n)} for the packaging line",
            description=text if k == 1 else f"A description long enough, variant {next(n)}.",
            category="Manufacturing", kind="idea", site_id=None,
            expected_benefit=text if k == 2 else None)

    def read(s, sid):
        row = s.get(Suggestion, sid)
        return [row.title, row.description, row.expected_benefit or ""]

    stored, _ = _through(db, Suggestion, write, read)
    assert stored > 100
    with db.write() as s:
        target = suggestions.submit(s, actor=people["trainer"], title="Label printer at Basel",
                                    description="It jams twice a shift; a new one pays back.",
                                    category="Manufacturing", kind="problem", site_id=None)

    def comment(s, text):
        return suggestions.comment(s, actor=people["leader"], suggestion_id=target, body=text)

    stored, _ = _through(db, Comment, comment, lambda s, i: [s.get(Comment, i).body])
    assert stored > 100


def test_lesson_comments_and_proposals(db, people, published_lesson, open_limits):
    def comment(s, text):
        return content.add_comment(s, actor=people["learner"], lesson_id=published_lesson,
                                   body=text)

    stored, _ = _through(db, Comment, comment, lambda s, i: [s.get(Comment, i).body])
    assert stored > 100
    with db.read() as s:
        base = s.get(Lesson, published_lesson).published_revision_id
    n = itertools.count()

    def propose(s, text):
        odd = next(n) % 2
        return content.propose(s, actor=people["learner"], lesson_id=published_lesson,
                               kind="example", body=text if not odd else "A real example.",
                               summary=text if odd else "Adds an example", base_revision_id=base)

    def read(s, pid):
        p = s.get(Proposal, pid)
        return [p.body, p.summary]

    stored, _ = _through(db, Proposal, propose, read)
    assert stored > 100


def test_courses_and_lessons(db, people):
    n = itertools.count()

    def course(s, text):
        odd = next(n) % 2
        return content.create_course(s, actor=people["trainer"],
                                     title=text if odd else f"Course {next(n)}",
                                     summary=text if not odd else "A summary for new starters.")

    def read(s, cid):
        c = s.get(Course, cid)
        return [c.title, c.summary]

    stored, _ = _through(db, Course, course, read)
    assert stored > 100
    cid = new_course(db, people["trainer"], title="Hostile lessons")

    def lesson(s, text):
        odd = next(n) % 2
        return content.create_lesson(s, actor=people["trainer"], course_id=cid,
                                     title=text if odd else f"Lesson {next(n)}",
                                     body=text if not odd else "Lesson text.")

    def read_lesson(s, lid):
        view = content.lesson_view(s, actor=people["trainer"], lesson_id=lid)
        rev = view.working or view.published
        return [rev.title, rev.body]

    stored, _ = _through(db, Lesson, lesson, read_lesson)
    assert stored > 100


def test_signing_binds_to_hostile_text_exactly(db, people):
    """The signed hash covers the exact stored text, however odd it is."""
    cid = new_course(db, people["trainer"])
    for text in ("<script>alert(1)</script> and \u202e reversed", "🧪" * 500):
        lid = new_lesson(db, people["trainer"], cid, body=text)
        submit(db, people["trainer"], lid)
        assert sign(db, people["trainer2"], lid).published
        with db.read() as s:
            rev = content.lesson_view(s, actor=people["learner"], lesson_id=lid).published
            manifest = content.signatures(s, actor=people["learner"], lesson_id=lid)
        assert manifest[0].content_hash == content_hash(rev.title, rev.body)


def test_people_names(db, people):
    n = itertools.count()

    def write(s, text):
        return users.create_user(s, actor=people["admin"], username=f"user{next(n)}",
                                 password="a long enough passphrase 1", name=text,
                                 roles=["learner"], job_title=text[:200])

    def read(s, uid):
        u = s.get(User, uid)
        return [u.name, u.job_title or ""]

    stored, _ = _through(db, User, write, read)
    assert stored > 100


def test_regulatory_submission_fields_and_csv(db, people):
    n = itertools.count()

    def write(s, text):
        i = next(n)
        return regulatory.create_submission(s, actor=people["leader"], values={
            "product": text, "application_number": f"NDA{200000 + i}", "sequence": "0000",
            "submission_type": "NDA", "agency": "FDA", "region": "US", "status": "planned"})

    stored, _ = _through(db, Submission, write, lambda s, i: [s.get(Submission, i).product])
    assert stored > 100
    # A CSV whose every cell is hostile: row-level messages, nothing stored, no crash.
    before = _count(db, Submission)
    header = ",".join(regulatory.COLUMNS)
    rows = "\n".join(",".join(['"' + t[:200].replace('"', "") + '"'] * len(regulatory.COLUMNS))
                     for t in CORPUS[:80])
    with db.write() as s:
        assert regulatory.check_csv(s, actor=people["leader"], text=header + "\n" + rows).errors
    with pytest.raises(ServiceError) as refused:
        with db.write() as s:
            regulatory.import_csv(s, actor=people["leader"], text=header + "\n" + rows)
    refused_cleanly(refused.value)
    assert _count(db, Submission) == before


def test_search_boxes_take_anything(db, people, question_id):
    """Full-text syntax, quotes and SQL in a search box find nothing odd and break nothing."""
    for text in ALL:
        with db.read() as s:
            try:
                qa.search_questions(s, actor=people["learner"], query=text)
            except ValidationError as e:
                refused_cleanly(e)
            qa.similar_questions(s, title=text)
            suggestions.similar(s, actor=people["learner"], title=text)
            content.courses(s, actor=people["learner"], search=text)
            users.list_users(s, actor=people["admin"], search=text)
    with db.read() as s:  # and the table the injection strings named is still there
        assert s.scalar(select(func.count()).select_from(User)) == len(people)
        assert qa.search_questions(s, actor=people["learner"],
                                   query="Module 1 cover letter").rows


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.text(max_size=2000))
def test_any_text_is_stored_inert_or_refused(db, people, question_id, open_limits, text):
    for write, model in (
        (lambda s: qa.answer(s, actor=people["learner"], question_id=question_id, body=text),
         Answer),
        (lambda s: qa.ask(s, actor=people["learner"], title=text[:150] or "x", body=text,
                          tags=[text[:30]]), Question),
        (lambda s: suggestions.submit(s, actor=people["learner"], title=text[:150],
                                      description=text, category="Other", kind="idea",
                                      site_id=None), Suggestion),
    ):
        before = _count(db, model)
        try:
            with db.write() as s:
                write(s)
        except ServiceError as e:
            refused_cleanly(e)
            assert _count(db, model) == before
    assert_inert(text)
    with db.read() as s:
        qa.search_questions(s, actor=people["learner"], query=text) if text.strip() else None
