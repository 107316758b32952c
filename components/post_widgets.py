"""Q&A widgets: the question list, the question page, the ask form, votes, flags and comments.

User text goes through components.markdown.show (bodies) or `plain` (titles, names, tags:
shown as words, never as Markdown). Buttons that change something run in callbacks, which
first re-check the sign-in (a callback runs before the page's own require_role).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
from sqlalchemy.exc import DBAPIError, IntegrityError
from streamlit.errors import StreamlitAPIException

from components import auth, forms, markdown, nav
from components.data import database
from components.markdown import plain
from db import experts, moderation, notify, qa
from db.actors import Actor
from db.errors import NotFound, ServiceError, ValidationError
from db.models import utcnow

PAGE = "pages/questions.py"
SORT_LABELS = {"newest": "Newest", "active": "Active", "top": "Top", "unanswered": "Unanswered"}
# Where a notification or a queue item leads: the page file and its query parameter.
TARGETS = {"question": (PAGE, "q"), "lesson": ("pages/lessons.py", "lesson"),
           "suggestion": ("pages/suggestions.py", "s")}


# --- small pieces ---------------------------------------------------------------------------


_LINKS = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`#>~|]+")


def excerpt(text: str, n: int = 200) -> str:
    """The start of a Markdown text as plain words (emphasis and link syntax dropped)."""
    words = " ".join(_MARKS.sub("", _LINKS.sub(r"\1", text or "")).split())
    return plain(words if len(words) <= n else words[: n - 1] + "…")


def ago(when: datetime | None) -> str:
    if when is None:
        return ""
    secs = (utcnow() - when).total_seconds()
    if secs < 60:
        return "just now"
    if secs < 3600:
        return f"{int(secs // 60)} min ago"
    if secs < 86400:
        return f"{int(secs // 3600)} h ago"
    if secs < 86400 * 30:
        days = int(secs // 86400)
        return f"{days} day{'s' if days > 1 else ''} ago"
    return when.strftime("on %d %b %Y")


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def tag_line(tags: tuple[str, ...] | list[str]) -> str:
    return " ".join(f":blue-badge[{plain(t)}]" for t in tags)


def target_link(actor: Actor, target: tuple[str, int] | None) -> tuple[str, dict] | None:
    """(page file, query params) for an item, if this person can open that page."""
    if target is None or target[0] not in TARGETS:
        return None
    page, param = TARGETS[target[0]]
    if not any(p.file == page for p in nav.pages_for(actor)):
        return None
    return page, {param: str(target[1])}


def link(page: str, label: str, params: dict | None = None, icon: str | None = None) -> None:
    """A link to a page of the app, keeping this browser session (st.page_link).

    A page file run outside st.navigation (the first request to a fresh server, AppTest) has
    no page registry; the same address is then shown as a plain Markdown link.
    """
    try:
        st.page_link(page, label=label, query_params=params, icon=icon)
    except StreamlitAPIException:
        query = f"?{urlencode(params)}" if params else ""
        st.markdown(f"{icon + ' ' if icon else ''}[{label}](/{Path(page).stem}{query})")


def query_int(name: str) -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def reset_later(*keys: str) -> None:
    """Clear these widgets at the start of the next run (a widget cannot be reset once drawn)."""
    st.session_state.setdefault("qa-reset", []).extend(keys)


def apply_resets() -> None:
    for key in st.session_state.pop("qa-reset", []):
        st.session_state.pop(key, None)


def show_flash() -> None:
    kind, message = st.session_state.pop("qa-flash", (None, None))
    if kind == "error":
        st.error(message, icon=":material/block:")
    elif kind:
        st.toast(message, icon=":material/check_circle:")


def act(action: Callable[[Actor], object], success: str | None = None) -> bool:
    """Run one write for the signed-in person from a callback; the outcome shows next run."""
    actor = auth.current_actor()
    if actor is None:
        return False
    try:
        action(actor)
    except ServiceError as e:
        st.session_state["qa-flash"] = ("error", str(e))
    except IntegrityError:
        st.session_state["qa-flash"] = ("error", "Not saved: it clashes with a change made "
                                                 "at the same moment. Try again.")
    except DBAPIError:
        st.session_state["qa-flash"] = ("error", forms.NOT_SAVED)
    else:
        if success:
            st.session_state["qa-flash"] = ("success", success)
        return True
    return False


def open_question(question_id: int | None) -> None:
    st.query_params.clear()
    if question_id is not None:
        st.query_params["q"] = str(question_id)
    for key in ("qa-editing", "qa-commenting", "qa-dialog"):
        st.session_state.pop(key, None)


def open_ask() -> None:
    st.query_params.clear()
    st.query_params["ask"] = "1"


@st.cache_data(ttl=60, show_spinner=False)
def tag_counts(url: str) -> list[tuple[str, int]]:
    """Tags with their question counts; cached briefly, they change slowly."""
    with database().read() as s:
        return qa.tags(s)


# --- the list -------------------------------------------------------------------------------


def _first_page() -> None:
    st.session_state["qa-cursors"] = [None]


def question_card(row: qa.QuestionRow) -> None:
    # Four elements a card (a list page shows 20): each element costs the server time on
    # every rerun, so votes, answers, tags and author share one line.
    answered = plural(row.answer_count, "answer")
    if row.accepted:
        answers = f":green-badge[:material/check: {answered}]"
    else:
        answers = f":{'gray' if row.answer_count else 'orange'}-badge[{answered}]"
    votes = f"**{row.score}** {'vote' if abs(row.score) == 1 else 'votes'}"
    with st.container(border=True):
        link(PAGE, f"**{plain(row.title)}**", {"q": str(row.id)})
        st.caption(excerpt(row.excerpt))
        st.markdown(f"{votes} &nbsp; {answers} &nbsp; {tag_line(row.tags)} &nbsp; "
                    f":gray[asked by {plain(row.author)}, {ago(row.created_at)}]")


def list_view(db, actor: Actor) -> None:
    st.title("Questions")
    # The search box takes what the button leaves: in narrow columns the button read "Ask a quest".
    top = st.container(horizontal=True, vertical_alignment="bottom")
    query = top.text_input("Search", key="search", on_change=_first_page,
                           placeholder="Search titles, questions and answers",
                           bind="query-params", icon=":material/search:", width="stretch")
    top.button("Ask a question", type="primary", icon=":material/add:", key="ask-open",
               on_click=open_ask)
    f1, f2, f3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    searching = bool(query.strip())
    sort = f1.segmented_control("Order", list(SORT_LABELS), format_func=SORT_LABELS.get,
                                default="newest", required=True, key="sort",
                                on_change=_first_page, disabled=searching,
                                bind="query-params") or "newest"
    counts = dict(tag_counts(db.url))
    tag = f2.selectbox("Tag", list(counts), index=None, placeholder="Any tag", key="tag",
                       format_func=lambda t: f"{t} ({counts.get(t, 0)})",
                       on_change=_first_page, bind="query-params")
    if tag:
        _follow_tag_button(f3, db, actor, tag)
    cursors = st.session_state.setdefault("qa-cursors", [None])
    with db.read() as s:
        if searching:
            page = qa.search_questions(s, actor=actor, query=query, tag=tag, after=cursors[-1])
        else:
            page = qa.list_questions(s, actor=actor, sort=sort, tag=tag, after=cursors[-1])
    if searching:
        st.caption("Best matches first: words in titles count most, then the question, then "
                   "its answers.")
    if not page.rows:
        _empty_list(searching, tag, sort)
    for row in page.rows:
        question_card(row)
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(cursors) == 1, key="qa-first"):
        _first_page()
        st.rerun()
    if bar.button("Next page", disabled=page.next_cursor is None, key="qa-next"):
        cursors.append(page.next_cursor)
        st.rerun()


def _empty_list(searching: bool, tag: str | None, sort: str) -> None:
    if searching:
        st.info("No question matches these words. Try fewer or other words, drop the tag "
                "filter, or ask it yourself: someone will know.", icon=":material/search_off:")
    elif sort == "unanswered":
        st.success("Every question here has an answer. Nice work, everyone.",
                   icon=":material/task_alt:")
    elif tag:
        st.info("No questions with this tag yet. Follow the tag to hear about the first one, "
                "or ask it.", icon=":material/label:")
    else:
        st.info("No questions yet. Ask the first one: colleagues at every site will see it, "
                "and the answer stays here for the next person.", icon=":material/forum:")


def _follow_tag_button(col, db, actor: Actor, tag: str) -> None:
    with db.read() as s:
        tid = qa.tag_id(s, tag)
        following = tid is not None and qa.is_following(s, actor=actor, entity_type="tag",
                                                        entity_id=tid)
    if tid is None:
        return

    def toggle() -> None:
        act(lambda a: _write(lambda s: qa.follow(s, actor=a, entity_type="tag", entity_id=tid,
                                                 following=not following)),
            "You will hear about new questions with this tag." if not following else
            "You no longer follow this tag.")

    col.button("Following" if following else "Follow tag", key="follow-tag",
               icon=":material/notifications_active:" if following else
               ":material/notification_add:", on_click=toggle,
               help="Get a notification for every new question with this tag.")


def _write(fn):
    with database().write() as s:
        return fn(s)


# --- asking ---------------------------------------------------------------------------------


@st.fragment
def _title_with_hint(db) -> None:
    title = st.text_input("Title", key="ask-title", max_chars=qa.TITLE_MAX, live=True,
                          placeholder="What do you want to know? Be specific.",
                          help=f"{qa.TITLE_MIN}-{qa.TITLE_MAX} characters, as one question.")
    forms.field_error("ask-form", "title")
    if len((title or "").strip()) < 6:
        return
    with db.read() as s:
        similar = qa.similar_questions(s, title=title)
    if similar:
        with st.container(border=True, key="similar-questions"):
            st.markdown(":material/lightbulb: **These look similar. Is your question already "
                        "answered?**")
            for r in similar:
                mark = " :green[:material/check: accepted]" if r.accepted else ""
                link(PAGE, f"{plain(r.title)} ({plural(r.answer_count, 'answer')}){mark}",
                     {"q": str(r.id)})


def ask_view(db, actor: Actor) -> None:
    st.title("Ask a question")
    st.button("All questions", icon=":material/arrow_back:", type="tertiary", key="back",
              on_click=open_question, args=(None,))
    st.caption("Colleagues answer in their own time. A clear title, the context and what you "
               "tried get the best answers. Keep to the community guidelines: no confidential "
               "batch or patient data.")
    _title_with_hint(db)
    lesson_param = query_int("lesson")
    with db.read() as s:
        lessons = dict(qa.lesson_choices(s))
    if lesson_param in lessons and "ask-lesson" not in st.session_state:
        st.session_state["ask-lesson"] = lesson_param
    names = [t for t, _ in tag_counts(db.url)]
    with st.form("ask-form"):
        body = st.text_area("Your question (Markdown)", key="ask-body", height=220,
                            placeholder="Context, what you tried, what you expect. "
                                        "Mention someone with @username.")
        forms.field_error("ask-form", "body")
        tags = st.multiselect(f"Tags (up to {qa.MAX_TAGS})", names, key="ask-tags",
                              max_selections=qa.MAX_TAGS, accept_new_options=True,
                              placeholder="Pick tags or type a new one")
        forms.field_error("ask-form", "tags")
        lesson = st.selectbox("Related lesson (optional)", list(lessons), index=None,
                              format_func=lambda i: lessons.get(i, str(i)), key="ask-lesson",
                              placeholder="None")
        forms.field_error("ask-form", "lesson")
        posted = st.form_submit_button("Post your question", type="primary")
    if posted:
        def create() -> int:
            with db.write() as s:
                return qa.ask(s, actor=actor, title=st.session_state.get("ask-title", ""),
                              body=body, tags=tags, lesson_id=lesson)

        qid = forms.submit("ask-form", create, success="Your question is posted.")
        if qid:
            reset_later("ask-title", "ask-body", "ask-tags", "ask-lesson")
            open_question(qid)
            st.rerun()


# --- one question ---------------------------------------------------------------------------


def _answers_shown_key(question_id: int) -> str:
    return f"qa-answers-shown-{question_id}"


def _show_more_answers(question_id: int, shown: int) -> None:
    st.session_state[_answers_shown_key(question_id)] = shown + qa.ANSWER_PAGE


def question_view(db, actor: Actor, question_id: int) -> None:
    limit = st.session_state.get(_answers_shown_key(question_id), qa.ANSWER_PAGE)
    try:
        with db.read() as s:
            d = qa.question_detail(s, actor=actor, question_id=question_id, limit=limit,
                                   pinned_answer_id=query_int("answer"))
    except NotFound:
        st.title("Questions")
        st.warning("This question does not exist, or a moderator has removed it.",
                   icon=":material/help:")
        st.button("All questions", icon=":material/arrow_back:", key="back",
                  on_click=open_question, args=(None,))
        return
    _record_view(db, actor, d.id)
    st.button("All questions", icon=":material/arrow_back:", type="tertiary", key="back",
              on_click=open_question, args=(None,))
    st.header(plain(d.title), anchor=False)
    q = d.question
    st.caption(f"Asked by {plain(q.author)} {ago(q.created_at)}"
               + (f" · edited {ago(q.edited_at)}" if q.edited_at else "")
               + f" · {plural(d.answer_count, 'answer')}")
    post_block(d, q, actor)
    st.subheader(plural(d.answer_count, "answer"), anchor=False)
    if not d.answers:
        st.info("No answers yet. If you know something that helps, even part of it, say so. "
                "Or invite someone who knows.", icon=":material/forum:")
    elif d.more_answers:
        st.caption("The accepted answer first, then the best voted.")
    for a in d.answers:
        post_block(d, a, actor)
    if d.more_answers:
        st.caption(f"Showing {len(d.answers)} of {plural(d.answer_count, 'answer')}.")
        st.button(f"Show more answers ({min(d.more_answers, qa.ANSWER_PAGE)} of "
                  f"{d.more_answers} more)", key="qa-more-answers",
                  icon=":material/expand_more:", on_click=_show_more_answers,
                  args=(d.id, len(d.answers)))
    if q.status == "visible":
        _answer_form(db, actor, d)
    show_dialog()


def _record_view(db, actor: Actor, question_id: int) -> None:
    """Count this read for engagement analytics, once per question and day from this browser
    session (reruns cost no statement); the service refuses a second one that day anyway."""
    key = (question_id, utcnow().date())
    seen = st.session_state.setdefault("qa-viewed", set())
    if key in seen:
        return
    try:
        with db.write() as s:
            qa.record_view(s, actor=actor, question_id=question_id)
    except DBAPIError:
        return  # a busy database must never stop someone reading; the next run tries again
    seen.add(key)


def status_note(status: str, what: str) -> None:
    if status == "hidden_pending_review":
        st.warning(f"This {what} is hidden from others until a moderator reviews the flags "
                   "it received.", icon=":material/visibility_off:")
    elif status in ("hidden", "deleted"):
        st.error(f"This {what} was {'hidden' if status == 'hidden' else 'deleted'} by a "
                 "moderator. Only you and moderators can see it.", icon=":material/block:")


def vote_buttons(post: qa.Post, actor: Actor) -> None:
    own = post.author_id == actor.id
    why = "You cannot vote on your own post." if own else None
    key = f"{post.kind}-{post.id}"

    def cast(value: int) -> None:
        new = 0 if post.my_vote == value else value
        act(lambda a: _write(lambda s: qa.vote(s, actor=a, entity_type=post.kind,
                                               entity_id=post.id, value=new)))

    usable = not own and post.status == "visible"
    st.button("▲", key=f"up-{key}", on_click=cast, args=(1,), disabled=not usable,
              type="primary" if post.my_vote == 1 else "secondary",
              help=why or ("Take back your vote" if post.my_vote == 1 else "This is useful"))
    st.markdown(f"**{post.score}**", text_alignment="center", width="stretch")
    st.button("▼", key=f"down-{key}", on_click=cast, args=(-1,), disabled=not usable,
              type="primary" if post.my_vote == -1 else "secondary",
              help=why or ("Take back your vote" if post.my_vote == -1 else
                           "This is not useful or not correct"))


def post_block(d: qa.QuestionDetail, post: qa.Post, actor: Actor) -> None:
    with st.container(border=True, key=f"post-{post.kind}-{post.id}", horizontal=True,
                      wrap=False):
        # The votes as wide as their buttons (a fifteenth of a narrow window cut "▲" off).
        with st.container(width="content", horizontal_alignment="center", gap="xsmall"):
            vote_buttons(post, actor)
        with st.container(width="stretch"):
            if post.is_accepted:
                st.badge("Accepted answer", icon=":material/check_circle:", color="green")
            status_note(post.status, post.kind)
            if st.session_state.get("qa-editing") == (post.kind, post.id):
                _edit_form(d, post)
            else:
                markdown.show(post.body)
            if post.kind == "question":
                _question_extras(d)
            else:
                st.caption(f"Answered by {plain(post.author)} {ago(post.created_at)}"
                           + (f" · edited {ago(post.edited_at)}" if post.edited_at else ""))
            _actions(d, post, actor)
            comments_block(d, post, actor)


def _question_extras(d: qa.QuestionDetail) -> None:
    line = tag_line(d.tags)
    st.markdown(line or " ")
    if d.lesson:
        lesson_id, title = d.lesson
        st.markdown(f":material/menu_book: Related lesson: [{plain(title)}]"
                    f"(/lessons?lesson={lesson_id})")


def _actions(d: qa.QuestionDetail, post: qa.Post, actor: Actor) -> None:
    key = f"{post.kind}-{post.id}"
    bar = st.container(horizontal=True, gap="small")
    if post.kind == "answer" and post.status == "visible" and d.can_accept and not (
            post.author_id == actor.id and d.question.author_id != actor.id):
        def toggle_accept() -> None:
            act(lambda a: _write(lambda s: qa.accept(s, actor=a, answer_id=post.id,
                                                     accepted=not post.is_accepted)),
                "Answer accepted." if not post.is_accepted else "Acceptance removed.")

        asker = d.question.author_id == actor.id
        bar.button("Unaccept" if post.is_accepted else "Accept this answer",
                   key=f"accept-{post.id}", on_click=toggle_accept,
                   icon=":material/check_circle:",
                   type="primary" if asker and not post.is_accepted else "secondary",
                   help=None if asker else "As a trainer you may accept an answer for the "
                                           "person who asked.")
    if post.kind == "question":
        def toggle_follow() -> None:
            act(lambda a: _write(lambda s: qa.follow(s, actor=a, entity_type="question",
                                                     entity_id=d.id,
                                                     following=not d.following)))

        bar.button("Following" if d.following else "Follow", key="follow-question",
                   type="tertiary", on_click=toggle_follow,
                   icon=":material/notifications_active:" if d.following
                   else ":material/notification_add:",
                   help="Get a notification for new answers and comments.")
        if post.status == "visible":
            bar.button("Invite an expert", key="invite-open", type="tertiary",
                       icon=":material/person_add:", on_click=open_dialog,
                       args=("invite", "question", d.id))
    if post.author_id == actor.id or moderation.is_moderator(actor):
        bar.button("Edit", key=f"edit-{key}", type="tertiary", icon=":material/edit:",
                   on_click=lambda: st.session_state.update({"qa-editing": (post.kind,
                                                                            post.id)}))
    if post.edited_at:
        bar.button("History", key=f"history-{key}", type="tertiary", icon=":material/history:",
                   on_click=open_dialog, args=("history", post.kind, post.id))
    if post.author_id != actor.id:
        bar.button("Flag", key=f"flag-{key}", type="tertiary", icon=":material/flag:",
                   on_click=open_dialog, args=("flag", post.kind, post.id))


def _edit_form(d: qa.QuestionDetail, post: qa.Post) -> None:
    db = database()
    with st.form(f"edit-{post.kind}"):
        title = tags = None
        if post.kind == "question":
            title = st.text_input("Title", value=d.title, max_chars=qa.TITLE_MAX,
                                  key="edit-title")
            forms.field_error(f"edit-{post.kind}", "title")
        body = st.text_area("Text (Markdown)", value=post.body, height=220, key="edit-body")
        forms.field_error(f"edit-{post.kind}", "body" if post.kind == "question" else "answer")
        if post.kind == "question":
            names = sorted({t for t, _ in tag_counts(db.url)} | set(d.tags))
            tags = st.multiselect("Tags", names, default=list(d.tags), key="edit-tags",
                                  max_selections=qa.MAX_TAGS, accept_new_options=True)
            forms.field_error(f"edit-{post.kind}", "tags")
        save, cancel = st.columns([1, 5])
        saved = save.form_submit_button("Save edit", type="primary")
        cancelled = cancel.form_submit_button("Cancel")
    if cancelled:
        st.session_state.pop("qa-editing", None)
        reset_later("edit-title", "edit-body", "edit-tags")
        st.rerun()
    if saved:
        actor = auth.current_actor()

        def save_edit() -> bool:
            with db.write() as s:
                if post.kind == "question":
                    qa.edit_question(s, actor=actor, question_id=post.id, title=title,
                                     body=body, tags=tags)
                else:
                    qa.edit_answer(s, actor=actor, answer_id=post.id, body=body)
            return True

        if forms.submit(f"edit-{post.kind}", save_edit, success="Edit saved; the earlier "
                        "version is kept in the history."):
            st.session_state.pop("qa-editing", None)
            reset_later("edit-title", "edit-body", "edit-tags")
            st.rerun()


def _answer_form(db, actor: Actor, d: qa.QuestionDetail) -> None:
    st.subheader("Your answer", anchor=False)
    with st.form("answer-form"):
        body = st.text_area("Your answer (Markdown)", key="answer-body", height=180,
                            placeholder="Share what you know: steps, references, who to ask. "
                                        "Mention someone with @username.",
                            label_visibility="collapsed")
        forms.field_error("answer-form", "answer")
        posted = st.form_submit_button("Post your answer", type="primary")
    if posted:
        def post() -> int:
            with db.write() as s:
                return qa.answer(s, actor=actor, question_id=d.id, body=body)

        aid = forms.submit("answer-form", post, success="Your answer is posted.")
        if aid:
            reset_later("answer-body")
            st.query_params["answer"] = str(aid)  # shown right after the accepted one
            st.rerun()


# --- comments -------------------------------------------------------------------------------


_REPLY_INDENT = ("<style>[class*='st-key-comment-'][class*='-depth1']{padding-left:2.5rem}"
                 "[class*='st-key-comment-'][class*='-depth2']{padding-left:5rem}</style>")


def comments_block(d: qa.QuestionDetail, post: qa.Post, actor: Actor) -> None:
    items = d.comments.get((post.kind, post.id), [])
    children: dict[int | None, list[qa.CommentView]] = {}
    for c in items:
        children.setdefault(c.parent_id if c.parent_id in {i.id for i in items} else None,
                            []).append(c)

    def draw(c: qa.CommentView, depth: int) -> None:
        # Five elements a comment (a busy question shows dozens): replies are indented by
        # the style below, keyed on the container, rather than by a row of columns.
        with st.container(key=f"comment-{c.id}-depth{depth}"):
            status_note(c.status, "comment")
            markdown.show(c.body)
            meta = st.container(horizontal=True, vertical_alignment="center", gap="small")
            meta.caption(f"{'↳ ' if depth else ''}{plain(c.author)}, {ago(c.created_at)}")
            if c.author_id != actor.id:
                meta.button("Flag", key=f"flag-comment-{c.id}", type="tertiary",
                            on_click=open_dialog, args=("flag", "comment", c.id))
        for child in children.get(c.id, []):
            draw(child, min(depth + 1, 2))

    if items:
        st.divider()
    if len(children) > 1:  # some comments are replies: indent them (fixed app CSS only)
        st.html(_REPLY_INDENT)
    for c in children.get(None, []):
        draw(c, 0)
    key = (post.kind, post.id)
    if st.session_state.get("qa-commenting") == key:
        form = f"comment-{post.kind}-{post.id}"
        with st.form(form):
            body = st.text_area("Comment", key=f"{form}-body", height=80,
                                max_chars=qa.COMMENT_MAX,
                                placeholder="Ask for clarification or add a short note.")
            forms.field_error(form, "comment")
            send, cancel = st.columns([1, 5])
            sent = send.form_submit_button("Add comment", type="primary")
            cancelled = cancel.form_submit_button("Cancel")
        if cancelled:
            st.session_state.pop("qa-commenting", None)
            st.rerun()
        if sent:
            def add() -> int:
                with database().write() as s:
                    return qa.comment(s, actor=actor, entity_type=post.kind, entity_id=post.id,
                                      body=body)

            if forms.submit(form, add, success="Comment added."):
                st.session_state.pop("qa-commenting", None)
                reset_later(f"{form}-body")
                st.rerun()
    elif post.status == "visible":
        st.button("Add a comment", key=f"comment-open-{post.kind}-{post.id}", type="tertiary",
                  icon=":material/add_comment:",
                  on_click=lambda: st.session_state.update({"qa-commenting": key}))


# --- dialogs --------------------------------------------------------------------------------
# The open dialog is kept in session state (not only in a button's True), so every run draws
# it until it is sent or dismissed: its own buttons then work on full reruns as well.


def open_dialog(kind: str, entity_type: str, entity_id: int) -> None:
    st.session_state["qa-dialog"] = (kind, entity_type, entity_id)


def close_dialog() -> None:
    st.session_state.pop("qa-dialog", None)


def dialog_open() -> tuple[str, str, int] | None:
    """(kind, entity type, entity id) of the dialog opened on this page, if any."""
    return st.session_state.get("qa-dialog")


def show_dialog() -> None:
    """Draw the dialog opened on this page, if any."""
    kind, entity_type, entity_id = st.session_state.get("qa-dialog") or (None, None, None)
    if kind == "flag":
        flag_dialog(entity_type, entity_id)
    elif kind == "history":
        history_dialog(entity_type, entity_id)
    elif kind == "invite":
        invite_dialog(entity_id)


@st.dialog("Flag for moderators", on_dismiss=close_dialog)
def flag_dialog(entity_type: str, entity_id: int) -> None:
    with database().read() as s:  # the admins' setting, not the default
        threshold = moderation.settings(s)["flag_threshold"]
    st.write("Flag content that breaks the community guidelines: moderators review it. "
             f"After {threshold} flags it is hidden until then.")
    reason = st.radio("What is wrong?", moderation.REASONS, index=None, key="flag-reason")
    details = st.text_input("Details", key="flag-details", max_chars=240,
                            help="Needed for “Something else”; helps moderators either way.")
    if st.button("Send flag", type="primary", key="flag-send"):
        actor = auth.current_actor()
        if actor is None:
            return
        try:
            with database().write() as s:
                result = moderation.flag(s, actor=actor, entity_type=entity_type,
                                         entity_id=entity_id, reason=reason or "",
                                         details=details)
        except ValidationError as e:
            st.error(e.message)
        except ServiceError as e:
            st.error(str(e))
        else:
            reset_later("flag-reason", "flag-details")
            close_dialog()
            st.session_state["qa-flash"] = ("success", "Thank you. Moderators will review it." + (
                " It is hidden until then." if result.status != "visible" else ""))
            st.rerun()


@st.dialog("Edit history", width="large", on_dismiss=close_dialog)
def history_dialog(entity_type: str, entity_id: int) -> None:
    actor = auth.current_actor()
    if actor is None:
        return
    with database().read() as s:
        revisions = qa.history(s, actor=actor, entity_type=entity_type, entity_id=entity_id)
    for i, r in enumerate(revisions):
        label = "current" if i == 0 else ("original" if i == len(revisions) - 1 else "earlier")
        st.markdown(f"**{plain(r.editor)}**, {r.at:%d %b %Y %H:%M} UTC · {label}")
        with st.container(border=True):
            if r.title:
                st.markdown(f"**{plain(r.title)}**")
            markdown.show(r.body)


@st.dialog("Invite an expert to answer", width="large", on_dismiss=close_dialog)
def invite_dialog(question_id: int) -> None:
    actor = auth.current_actor()
    if actor is None:
        return
    with database().read() as s:
        people = experts.for_question(s, actor=actor, question_id=question_id)
    if not people:
        st.info("Nobody has answered questions with these tags yet. Search by site and "
                "function in the expert finder.")
    for e in people:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(f"**{plain(e.name)}** · {plain(e.job_title or '')} · {plain(e.site or '')}"
                    f"  \n:gray[{plural(e.accepted, 'accepted answer')}, "
                    f"{plural(e.votes, 'vote')} on {plural(e.answers, 'answer')}]")
        if c2.button("Invite", key=f"invite-{e.user_id}"):
            try:
                with database().write() as s:
                    qa.invite(s, actor=actor, question_id=question_id, user_id=e.user_id)
            except ServiceError as err:
                st.error(str(err))
            else:
                st.success(f"{plain(e.name)} is invited and will get a notification.")
    link("pages/experts.py", "Open the expert finder", {"q": str(question_id)},
         icon=":material/person_search:")


# --- notifications and the moderation queue -------------------------------------------------

KIND_ICONS = {"answer": ":material/forum:", "comment": ":material/chat:",
              "accepted": ":material/check_circle:", "mention": ":material/alternate_email:",
              "invitation": ":material/person_add:", "question": ":material/help:",
              "moderation": ":material/shield:"}


def notification_item(n: qa.NotificationRow, actor: Actor) -> None:
    # One row: the text takes what its buttons leave (in columns they read "Mark r...").
    with st.container(border=True, key=f"notification-{n.id}", horizontal=True,
                      vertical_alignment="center"):
        icon = KIND_ICONS.get(n.kind, ":material/notifications:")
        dot = ":red[●] " if n.unread else ""
        text = f"**{plain(n.text)}**" if n.unread else plain(n.text)
        st.markdown(f"{dot}{icon} {text}  \n:gray[{ago(n.at)}]", width="stretch")
        where = target_link(actor, n.target)
        if where and st.button("Open", key=f"open-{n.id}", type="tertiary"):
            with database().write() as s:
                notify.mark_read(s, user_id=actor.id, ids=[n.id])
            try:
                st.switch_page(where[0], query_params=where[1])
            except StreamlitAPIException:  # run outside st.navigation: a plain link instead
                link(where[0], "Open it here", where[1])
        if n.unread:
            def read() -> None:
                act(lambda a: _write(lambda s: notify.mark_read(s, user_id=a.id, ids=[n.id])))

            st.button("Mark read", key=f"read-{n.id}", type="tertiary", on_click=read)


DECISION_LABELS = {"keep": "Keep (visible)", "hide": "Hide", "delete": "Delete"}


def queue_item(item: moderation.QueueItem, actor: Actor) -> None:
    key = f"{item.entity_type}-{item.entity_id}"
    with st.container(border=True, key=f"queue-{key}"):
        status = {"hidden_pending_review": ("hidden pending review", "orange"),
                  "visible": ("visible", "green"), "hidden": ("hidden", "gray"),
                  "deleted": ("deleted", "red")}.get(item.status, (item.status, "gray"))
        label = item.entity_type.capitalize()
        if item.entity_type == "comment" and item.context:
            label += f" on a {item.context[0]}"
        # One line of badges and facts (one element, not a row of five): ten items a page.
        st.markdown(f":blue-badge[{label}] :{status[1]}-badge[{status[0]}] "
                    f":red-badge[:material/flag: {plural(item.open_flags, 'flag')}] "
                    f":gray[by {plain(item.author)} · first flagged "
                    f"{ago(item.first_flagged_at)}]")
        if item.title:
            st.markdown(f"**{plain(item.title)}**")
        with st.container(border=True, height="content"):
            markdown.show(item.body[:1500] + ("…" if len(item.body) > 1500 else ""))
        st.markdown("**Why members flagged it**  \n" + "  \n".join(
            f"- {plain(r)}" for r in item.reasons))
        where = target_link(actor, item.context)
        if where:
            link(where[0], "Read it in context", where[1], icon=":material/open_in_new:")
        form = f"decide-{key}"
        with st.form(form):
            decision = st.radio("Decision", list(DECISION_LABELS), horizontal=True, index=None,
                                format_func=DECISION_LABELS.get, key=f"{form}-decision")
            forms.field_error(form, "decision")
            reason = st.text_input("Reason (the author is told; kept in the audit trail)",
                                   key=f"{form}-reason", max_chars=500)
            forms.field_error(form, "reason")
            done = st.form_submit_button("Record decision", type="primary")
        if done:
            def decide() -> str:
                with database().write() as s:
                    return moderation.decide(s, actor=actor, entity_type=item.entity_type,
                                             entity_id=item.entity_id, decision=decision or "",
                                             reason=reason)

            if forms.submit(form, decide, success="Decision recorded."):
                reset_later(f"{form}-decision", f"{form}-reason")
                st.rerun()
