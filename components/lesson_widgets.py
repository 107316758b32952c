"""The pieces of the lessons page: Markdown editor with preview, diff view, and one function per
tab of a lesson (read, suggest, edit, proposals, review and sign, history).

Each piece reads through the db.content services and writes in one transaction per action;
errors in form fields show next to the field (components.forms).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import forms, post_widgets
from components.csv_export import to_csv
from components.data import database
from components.markdown import plain, show
from db import content, users
from db.actors import Actor
from db.errors import ServiceError, ValidationError
from db.models import FUNCTIONS

STATE_LABEL = {"draft": "Draft", "in_review": "In review", "approved": "Published",
               "superseded": "Superseded", "withdrawn": "Discarded"}
STATE_PHRASE = {"draft": "a draft", "in_review": "in review"}
NOTICE = "lesson-notice"


def when(dt) -> str:
    return f"{dt:%d %b %Y %H:%M} UTC" if dt else ""


def open_lesson(lesson_id: int, tab: str | None = None) -> None:
    """Point this page at a lesson (a shareable ?lesson=ID address) and rerun."""
    st.query_params.from_dict({"lesson": str(lesson_id), **({"tab": tab} if tab else {})})
    st.rerun()


def open_course(course_id: int | None) -> None:
    st.query_params.from_dict({"course": str(course_id)} if course_id else {})
    st.rerun()


def markdown_editor(label: str, *, key: str, value: str = "", height: int = 320,
                    help: str | None = None) -> str:
    """A Markdown text area with a Preview tab that renders it as readers will see it."""
    write, preview = st.tabs(["Write", "Preview"])
    with write:
        text = st.text_area(label, value=value, key=key, height=height, help=help)
    with preview:
        if text.strip():
            show(text)
        else:
            st.caption("Nothing to preview yet: write something in the Write tab.")
    return text


def diff_view(old: str, new: str, *, old_label: str, new_label: str, key: str) -> None:
    """Two versions side by side (changed stretches with context), or as a unified diff."""
    mode = st.segmented_control("Show the changes", ["Side by side", "Unified"],
                                default="Side by side", key=key, required=True)
    hunks = content.side_by_side(old, new)
    if not hunks:
        st.info("The two versions have the same text.")
        return
    if mode == "Unified":
        st.code(content.unified(old, new, old_label=old_label, new_label=new_label),
                language="diff", wrap_lines=True)
        return
    left, right = st.columns(2)
    left.markdown(f"**{plain(old_label)}**")
    right.markdown(f"**{plain(new_label)}**")
    for hunk in hunks[:40]:
        left, right = st.columns(2)
        left.code("\n".join(hunk.old) or " ", language="diff", wrap_lines=True)
        right.code("\n".join(hunk.new) or " ", language="diff", wrap_lines=True)
    if len(hunks) > 40:
        st.caption(f"{len(hunks) - 40} more changed stretches: switch to Unified to see them.")


def full_text(rev: content.Revision) -> str:
    return f"# {rev.title}\n\n{rev.body}"


def _quietly(action, *, ok: str | None = None) -> None:
    """Run a write from a callback; a problem is shown at the top of the next run."""
    try:
        action()
    except ServiceError as e:
        st.session_state[NOTICE] = str(e)
    except DBAPIError:
        st.session_state[NOTICE] = forms.NOT_SAVED
    else:
        if ok:
            st.toast(ok, icon=":material/check_circle:")


def _write(fn, **kwargs):
    """Run one service call in its own transaction; True when it returns nothing (so a
    successful forms.submit is always truthy)."""
    with database().write() as s:
        result = fn(s, **kwargs)
    return True if result is None else result


# --- the Lesson tab: reading, progress, questions, comments ---------------------------------


def read_tab(actor: Actor, view: content.LessonView) -> None:
    shown = view.published or view.working
    if view.published is None:
        st.warning("Not published yet: learners cannot see this lesson until a version is "
                   "approved.", icon=":material/visibility_off:")
    show(shown.body)
    st.divider()
    if view.published is not None:
        _learner_actions(actor, view.id)
    # Previous on the left, next on the right, each as wide as its label.
    bar = st.container(horizontal=True)
    if view.prev_id and bar.button("Previous lesson", key=f"prev-{view.id}",
                                   icon=":material/arrow_back:"):
        open_lesson(view.prev_id)
    bar.space("stretch")
    if view.next_id and bar.button("Next lesson", key=f"next-{view.id}",
                                   icon=":material/arrow_forward:"):
        open_lesson(view.next_id)
    if view.published is not None:
        _questions(actor, view.id)
        _comments(actor, view.id)


def _learner_actions(actor: Actor, lesson_id: int) -> None:
    with database().read() as s:
        p = content.progress(s, actor=actor, lesson_id=lesson_id)
    # One row that wraps in a narrow window, each part as wide as it needs (in columns the
    # buttons read "Mark as co...").
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="large")
    done = p.completed_at is not None
    row.button("Completed: undo" if done else "Mark as complete", key=f"complete-{lesson_id}",
               type="secondary" if done else "primary",
               icon=":material/task_alt:" if done else ":material/check:",
               on_click=_quietly, args=(lambda: _write(content.mark_complete, actor=actor,
                                                       lesson_id=lesson_id, done=not done),),
               kwargs={"ok": None if done else "Marked complete."})
    with row.container(width="content", gap=None):
        st.caption("Your rating" + (f" · average {p.avg_rating:.1f} from {p.ratings}"
                                    if p.ratings else ""))
        key = f"stars-{lesson_id}"
        st.feedback("stars", key=key, default=p.rating - 1 if p.rating else None,
                    on_change=_quietly, args=(lambda: _write(
                        content.rate, actor=actor, lesson_id=lesson_id,
                        stars=None if st.session_state.get(key) is None
                        else st.session_state[key] + 1),))
    row.button(f"{'Liked' if p.liked else 'Like'} · {p.likes}", key=f"like-{lesson_id}",
               icon=":material/thumb_up:", type="primary" if p.liked else "secondary",
               on_click=_quietly, args=(lambda: _write(content.like, actor=actor,
                                                       lesson_id=lesson_id, liked=not p.liked),))
    rkey = f"relevant-{lesson_id}"
    relevance = row.container(width="content", gap=None)
    relevance.segmented_control(
        "Was this relevant to your work?", ["Yes", "No"], key=rkey,
        default=None if p.relevant is None else ("Yes" if p.relevant else "No"),
        on_change=_quietly, args=(lambda: _write(
            content.answer_relevance, actor=actor, lesson_id=lesson_id,
            relevant=None if st.session_state.get(rkey) is None
            else st.session_state[rkey] == "Yes"),))
    if p.relevant_yes + p.relevant_no:
        relevance.caption(f"{p.relevant_yes} of {p.relevant_yes + p.relevant_no} found it "
                          "relevant.")


def _questions(actor: Actor, lesson_id: int) -> None:
    st.subheader("Questions about this lesson")
    with database().read() as s:
        links = content.linked_questions(s, actor=actor, lesson_id=lesson_id)
    if not links:
        st.caption("No questions are linked to this lesson yet. Ask one on the Q&A page and "
                   "link it to this lesson.")
    for q in links:
        st.markdown(f"- [{plain(q.title)}](/questions?q={q.id}) · {q.answers} answer"
                    f"{'' if q.answers == 1 else 's'}")


def _comments(actor: Actor, lesson_id: int) -> None:
    st.subheader("Discussion")
    with database().read() as s:
        rows = content.comments(s, actor=actor, lesson_id=lesson_id)
    shown = {c.id for c in rows}
    # A reply whose thread was hidden by moderators stands on its own.
    threads = [c for c in rows if c.parent_id is None or c.parent_id not in shown]
    replies: dict[int, list[content.CommentRow]] = {}
    for c in rows:
        if c.parent_id is not None and c.parent_id in shown:
            replies.setdefault(c.parent_id, []).append(c)
    if not threads:
        st.caption("No comments yet. Share how you use this at work, or what was unclear.")
    for c in threads:
        with st.container(border=True, key=f"lesson-comment-{c.id}"):
            _comment(actor, c)
            for r in replies.get(c.id, []):
                _comment(actor, r, reply=True)
    dialog = post_widgets.dialog_open()
    if dialog and dialog[:2] == ("flag", "comment") and dialog[2] in shown:
        post_widgets.flag_dialog("comment", dialog[2])
    form = f"comment-{lesson_id}"
    n = st.session_state.setdefault(f"{form}-n", 0)
    with st.form(f"{form}-{n}"):
        body = st.text_area("Add a comment (Markdown)", key=f"{form}-body-{n}", height=100)
        forms.field_error(form, "comment")
        open_threads = [c for c in threads if c.status == "visible"]
        options = [None] + [c.id for c in open_threads]
        names = {c.id: f"Reply to {c.author}: {c.body[:50]}" for c in open_threads}
        parent = st.selectbox("Where", options, key=f"{form}-parent-{n}",
                              format_func=lambda i: "Start a new thread" if i is None
                              else names[i])
        if st.form_submit_button("Post comment", icon=":material/send:", key=f"{form}-post-{n}"):
            if forms.submit(form, lambda: _write(content.add_comment, actor=actor,
                                                 lesson_id=lesson_id, body=body,
                                                 parent_id=parent), success="Comment posted."):
                st.session_state[f"{form}-n"] = n + 1
                st.rerun()


def _comment(actor: Actor, c: content.CommentRow, *, reply: bool = False) -> None:
    """One comment: a moderation note if it is not visible to all, the text, who and when,
    and a Flag button for everyone but its author."""
    post_widgets.status_note(c.status, "comment")
    row = st.container(horizontal=True, vertical_alignment="center")  # Flag keeps its width
    row.caption(f"{'↳ ' if reply else ''}**{plain(c.author)}** · {when(c.created_at)}")
    if c.author_id != actor.id and c.status == "visible":
        row.button("Flag", key=f"flag-comment-{c.id}", type="tertiary",
                   icon=":material/flag:", on_click=post_widgets.open_dialog,
                   args=("flag", "comment", c.id),
                   help="Tell moderators this breaks the community guidelines.")
    show(c.body)


# --- Suggest a change (learners) ------------------------------------------------------------


def suggest_tab(actor: Actor, view: content.LessonView) -> None:
    base = view.published
    form = f"propose-{view.id}"
    n = st.session_state.setdefault(f"{form}-n", 0)  # a new number empties the fields
    st.caption("Propose an edit to the text, or add a real-life example. A trainer compares it "
               "with the lesson and accepts it (you are then credited as a co-author) or tells "
               "you why not.")
    kind = st.radio("What would you like to do?", ["edit", "example"], horizontal=True,
                    key=f"{form}-kind", format_func=lambda k: "Propose an edit" if k == "edit"
                    else "Add a real-life example")
    forms.field_error(form, "kind")
    if kind == "edit":
        body = markdown_editor("The lesson text, as you would have it",
                               key=f"{form}-edit-{n}", value=base.body, height=400)
    else:
        body = markdown_editor("Your example (it is added under “From the team”)",
                               key=f"{form}-example-{n}", height=180)
    forms.field_error(form, "body")
    why = st.text_input("Why? (a short summary for the trainer)", key=f"{form}-why-{n}",
                        max_chars=300)
    forms.field_error(form, "summary")
    if st.button("Send proposal", type="primary", key=f"{form}-send", icon=":material/send:"):
        if forms.submit(form, lambda: _write(content.propose, actor=actor, lesson_id=view.id,
                                             kind=kind, body=body, summary=why,
                                             base_revision_id=base.id),
                        success="Proposal sent: a trainer will look at it."):
            st.session_state[f"{form}-n"] = n + 1
            st.rerun()
    with database().read() as s:
        mine = content.my_proposals(s, actor=actor, lesson_id=view.id)
    st.subheader("Your proposals on this lesson")
    if not mine:
        st.caption("You have not proposed anything here yet.")
    for p in mine:
        label = {"pending": "waiting for a trainer", "accepted": "accepted",
                 "rejected": "not taken"}[p.status]
        with st.container(border=True):
            st.markdown(f"**{plain(p.summary)}** · {label} · {when(p.created_at)}")
            if p.status == "rejected":
                st.markdown(f"{plain(p.decided_by or 'A trainer')} said:")
                show(p.reason or "")
            elif p.status == "accepted":
                st.caption(f"In version {p.revision_number}, accepted by "
                           f"{p.decided_by}. It is published once another trainer approves it.")


# --- Edit (trainers) -------------------------------------------------------------------------


def edit_tab(actor: Actor, view: content.LessonView) -> None:
    latest = view.latest
    form = f"edit-{latest.id}"  # a new revision starts a fresh editor
    st.caption(f"You are editing version {latest.number} ({STATE_LABEL[latest.state]}). "
               "Saving makes a new draft version; learners keep reading the published version "
               "until a new one is approved.")
    title = st.text_input("Title", value=latest.title, key=f"{form}-title", max_chars=160)
    forms.field_error(form, "title")
    body = markdown_editor("Lesson text (Markdown)", key=f"{form}-body", value=latest.body,
                           height=420)
    forms.field_error(form, "body")
    summary = st.text_input("What did you change and why?", key=f"{form}-summary",
                            max_chars=300)
    forms.field_error(form, "summary")
    c1, c2, c3 = st.columns(3)
    if c1.button("Save draft", type="primary", key=f"{form}-save", icon=":material/save:"):
        if forms.submit(form, lambda: _write(content.save_draft, actor=actor, lesson_id=view.id,
                                             title=title, body=body, summary=summary,
                                             expected_revision_id=latest.id),
                        success="Draft saved."):
            st.rerun()
    if latest.state == "draft" and c2.button("Send for review", key=f"{form}-submit",
                                             icon=":material/rate_review:"):
        if forms.submit(form, lambda: _write(content.submit_for_review, actor=actor,
                                             lesson_id=view.id, revision_id=latest.id),
                        success="Sent for review: another trainer signs it."):
            st.rerun()
    if view.working is not None and view.published is not None:
        with c3.popover("Discard this draft", icon=":material/delete:"):
            reason = st.text_input("Why discard it?", key=f"{form}-discard-why")
            forms.field_error(f"{form}-discard", "reason")
            if st.button("Discard draft", key=f"{form}-discard"):
                if forms.submit(f"{form}-discard", lambda: _write(
                        content.discard_draft, actor=actor, lesson_id=view.id,
                        revision_id=latest.id, reason=reason), success="Draft discarded."):
                    st.rerun()


# --- Proposals (trainers) ----------------------------------------------------------------------


def proposals_tab(actor: Actor, view: content.LessonView) -> None:
    with database().read() as s:
        waiting = content.proposals(s, actor=actor, lesson_id=view.id)
    if not waiting:
        st.info("No proposals are waiting. When learners propose an edit or an example it "
                "appears here.", icon=":material/inbox:")
        return
    names = {p.id: f"#{p.id} · {'Example' if p.kind == 'example' else 'Edit'} by {p.proposer}: "
                   f"{p.summary}" for p in waiting}
    wanted = st.query_params.get("proposal", "")  # from a link in the trainer inbox
    ids = list(names)
    picked = st.selectbox(f"Proposals waiting ({len(waiting)})", ids, format_func=names.get,
                          index=ids.index(int(wanted)) if wanted.isdigit()
                          and int(wanted) in names else 0, key=f"pick-proposal-{view.id}")
    with database().read() as s:
        pv = content.proposal_preview(s, actor=actor, proposal_id=picked)
    p = pv.proposal
    st.markdown(f"**{plain(p.proposer)}** · {when(p.created_at)} · written against version "
                f"{p.base_number}")
    st.markdown(f"**Why:** {plain(p.summary)}")
    if pv.is_stale:
        st.warning(f"The lesson has changed since (it is at version {pv.current.number}). The "
                   "diff below is against the current version: check that accepting it does "
                   "not undo those changes.", icon=":material/history:")
    diff_view(pv.current.body, pv.proposed_body, old_label=f"Version {pv.current.number} "
              "(current)", new_label="With the proposal", key=f"diff-proposal-{p.id}")
    form = f"decide-{p.id}"
    c1, c2 = st.columns(2)
    if c1.button("Accept as a new draft", type="primary", key=f"{form}-accept",
                 icon=":material/check:"):
        if forms.submit(form, lambda: _write(content.accept_proposal, actor=actor,
                                             proposal_id=p.id,
                                             expected_revision_id=pv.current.id),
                        success=f"Accepted: {p.proposer} is credited in the new draft."):
            st.rerun()
    with c2:
        reason = st.text_area("Reason for not taking it (the proposer sees this)",
                              key=f"{form}-reason", height=80)
        forms.field_error(form, "reason")
        if st.button("Reject", key=f"{form}-reject", icon=":material/close:"):
            if forms.submit(form, lambda: _write(content.reject_proposal, actor=actor,
                                                 proposal_id=p.id, reason=reason),
                            success="Rejected; the proposer has been told why."):
                st.rerun()


# --- Review and sign (trainers) --------------------------------------------------------------


def review_tab(actor: Actor, view: content.LessonView) -> None:
    rev = view.working
    periodic = rev is None or rev.state != "in_review"
    if rev is not None and rev.state == "draft":
        st.info(f"Version {rev.number} is a draft. Send it for review in the Edit tab; then a "
                "trainer who did not write it signs it.", icon=":material/edit_note:")
    if periodic:
        rev = view.published
        if rev is None:
            return
        st.caption(f"Periodic review: version {rev.number} is published; last reviewed "
                   f"{when(view.last_reviewed_at) or 'never'}. If it is still correct, sign it "
                   "as reviewed.")
    with database().read() as s:
        writers = content.revision_contributors(s, revision_id=rev.id)
    st.markdown(f"**Version {rev.number}** · {plain(rev.summary)} · written by "
                f"{plain(', '.join(name for _, name in writers))}")
    if not periodic:
        if view.published is not None:
            diff_view(full_text(view.published), full_text(rev),
                      old_label=f"Version {view.published.number} (published)",
                      new_label=f"Version {rev.number} (in review)", key=f"diff-review-{rev.id}")
        else:
            show(full_text(rev))
    if actor.id in {uid for uid, _ in writers}:
        st.info("You wrote part of this version, so another trainer must sign it (four-eyes "
                "rule).", icon=":material/group:")
    else:
        _signature_form(actor, rev, meanings=["reviewed"] if periodic else ["approved",
                                                                             "reviewed"])
    if not periodic:
        form = f"return-{rev.id}"
        with st.expander("Send back to draft"):
            reason = st.text_area("What needs to change? (the writers are told)",
                                  key=f"{form}-reason", height=80)
            forms.field_error(form, "reason")
            if st.button("Send back to draft", key=f"{form}-go"):
                if forms.submit(form, lambda: _write(content.return_to_draft, actor=actor,
                                                     lesson_id=view.id, revision_id=rev.id,
                                                     reason=reason), success="Sent back."):
                    st.rerun()


def _signature_form(actor: Actor, rev: content.Revision, *, meanings: list[str]) -> None:
    form = f"sign-{rev.id}"
    with st.form(form, clear_on_submit=True):
        st.markdown(f"**Electronic signature** · you sign as **{plain(actor.name)}**; the "
                    f"signature binds to this exact text (SHA-256 `{rev.content_hash[:16]}…`).")
        meaning = st.radio("Meaning of your signature", meanings, horizontal=True,
                           key=f"{form}-meaning",
                           format_func=lambda m: {"approved": "Approved (publish it)",
                                                  "reviewed": "Reviewed"}[m])
        forms.field_error(form, "meaning")
        password = st.text_input("Re-enter your password", type="password",
                                 key=f"{form}-password")
        forms.field_error(form, "password")
        if st.form_submit_button("Sign", type="primary", icon=":material/signature:",
                                 key=f"{form}-go"):
            def sign():
                with database().write() as s:
                    out = content.sign_revision(s, actor=actor, revision_id=rev.id,
                                                password=password, meaning=meaning,
                                                seen_hash=rev.content_hash)
                if not out.signed:  # the failure is recorded (committed) before we say so
                    raise ValidationError("password", out.message)
                return out

            out = forms.submit(form, sign)
            if out:
                st.toast(out.message, icon=":material/verified:")
                st.rerun()


# --- History and signatures ------------------------------------------------------------------


def history_tab(actor: Actor, view: content.LessonView,
                sigs: list[content.SignatureRow]) -> None:
    with database().read() as s:
        revs = content.history(s, actor=actor, lesson_id=view.id)
    st.dataframe([{"Version": r.number, "State": STATE_LABEL[r.state], "Title": r.title,
                   "Author": r.author, "Saved (UTC)": r.created_at, "Summary": r.summary}
                  for r in revs], hide_index=True, key=f"history-{view.id}")
    by_number = {r.number: r for r in revs}
    numbers = list(by_number)
    if len(numbers) >= 2:
        c1, c2 = st.columns(2)
        new = c2.selectbox("Compare to version", numbers, index=0, key=f"cmp-new-{view.id}")
        old = c1.selectbox("Compare version", numbers, index=1, key=f"cmp-old-{view.id}")
        diff_view(full_text(by_number[old]), full_text(by_number[new]),
                  old_label=f"Version {old}", new_label=f"Version {new}",
                  key=f"diff-history-{view.id}")
    # Any version whose text differs from the current one: after a draft is discarded the
    # newest version is not the current one, and it is the one most worth bringing back.
    current = (view.latest.title, view.latest.body)
    choices = [n for n in numbers if (by_number[n].title, by_number[n].body) != current]
    if view.can_edit and choices:
        form = f"restore-{view.id}"
        c1, c2 = st.columns([2, 3])
        number = c1.selectbox("Restore the text of version", choices, key=f"{form}-n")
        c2.caption("Restoring makes a new draft with that text; nothing is deleted.")
        if c2.button("Restore as a new draft", key=f"{form}-go", icon=":material/restore:"):
            if forms.submit(form, lambda: _write(content.restore_revision, actor=actor,
                                                 lesson_id=view.id,
                                                 revision_id=by_number[number].id,
                                                 expected_revision_id=view.latest.id),
                            success=f"Version {number} restored as a new draft."):
                st.rerun()
    st.subheader("Signature manifest")
    if not sigs:
        st.caption("No signatures yet: a version is signed when a trainer approves it.")
        return
    st.dataframe([{"Version": g.revision_number, "Printed name": g.printed_name,
                   "Meaning": g.meaning, "Signed (UTC)": g.signed_at,
                   "Text SHA-256": g.content_hash,
                   "Matches the text": "yes" if g.matches else "NO: text changed after signing"}
                  for g in sigs], hide_index=True, key=f"manifest-{view.id}")
    title = (view.published or view.latest).title
    st.download_button("Download the manifest (CSV)",
                       to_csv(content.manifest_rows(sigs, lesson_title=title)),
                       file_name=f"lesson-{view.id}-signatures.csv", mime="text/csv",
                       key=f"manifest-csv-{view.id}", icon=":material/download:")


# --- browsing: lessons, courses, progress; a course page; new courses and lessons --------------


def _first_page(key: str) -> None:
    st.session_state[key] = [None]


def lessons_list(actor: Actor) -> None:
    with database().read() as s:
        tag_rows = content.tags(s)
    tag_names = {tid: f"{kind.replace('_', ' ')}: {name}" for tid, name, kind in tag_rows}
    statuses = [k for k in content.STATUS_FILTERS
                if actor.has("trainer") or k not in content.TRAINER_ONLY_FILTERS]
    reset = {"on_change": _first_page, "args": ("l-pages",)}
    f1, f2, f3 = st.columns([4, 3, 2], vertical_alignment="bottom")
    search = f1.text_input("Search titles and text", key="l-search", icon=":material/search:",
                           **reset)
    tag = f2.selectbox("Tag", list(tag_names), index=None, format_func=tag_names.get,
                       key="l-tag", placeholder="Any tag",
                       help="Topics, agencies, eCTD modules and process areas.", **reset)
    status = f3.selectbox("Status", statuses, index=None, key="l-status", placeholder="Any",
                          format_func=content.STATUS_FILTERS.get, **reset)
    pages = st.session_state.setdefault("l-pages", [None])
    with database().read() as s:
        rows = content.lessons(s, actor=actor, tag_id=tag, status=status, search=search,
                               after=pages[-1], limit=25)
    if not rows:
        if search or tag or status or len(pages) > 1:
            st.info("No lessons match. Clear the search, or pick another tag or status.")
        elif actor.has("trainer"):
            st.info("No lessons yet. Create a course in the New course tab, then add its first "
                    "lesson.", icon=":material/add_circle:")
        else:
            st.info("No lessons are published yet. When trainers publish one it appears here; "
                    "meanwhile, ask a question on the Q&A page.", icon=":material/menu_book:")
        if len(pages) > 1 and st.button("Back to the first page", key="l-first-empty"):
            _first_page("l-pages")
            st.rerun()
        return
    st.caption("Pick a row to open the lesson.")
    trainer = actor.has("trainer")
    table = st.dataframe(
        [{"Course": r.course_title, "#": r.position, "Lesson": r.title,
          **({"Status": _status(r)} if trainer else {}),
          "Rating": round(r.avg_rating, 1) if r.ratings else None, "Ratings": r.ratings,
          "Done": "yes" if r.completed else ""} for r in rows],
        hide_index=True, on_select="rerun", selection_mode="single-row",
        height=35 * (len(rows) + 1) + 3, key=f"l-table-{len(pages)}")
    if table.selection.rows:
        open_lesson(rows[table.selection.rows[0]].id)
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(pages) == 1, key="l-first"):
        _first_page("l-pages")
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < 25, key="l-next"):
        last = rows[-1]
        pages.append((last.course_key, last.course_id, last.position, last.id))
        st.rerun()


def _status(r: content.LessonRow) -> str:
    if r.published and r.state in content.OPEN_STATES:
        return f"Published; new version {STATE_LABEL[r.state].lower()}"
    return STATE_LABEL[r.state]


def courses_list(actor: Actor) -> None:
    search = st.text_input("Search course titles and summaries", key="c-search",
                           on_change=_first_page, args=("c-pages",))
    pages = st.session_state.setdefault("c-pages", [None])
    with database().read() as s:
        rows = content.courses(s, actor=actor, search=search, after=pages[-1], limit=20)
    if not rows:
        st.info("No courses match this search." if search or len(pages) > 1 else
                "No courses yet." + (" Create the first one in the New course tab."
                                     if actor.has("trainer") else
                                     " Trainers publish them here; check back soon."))
    for c in rows:
        with st.container(border=True):
            if st.button(f"**{plain(c.title)}**", key=f"course-{c.id}", type="tertiary",
                         icon=":material/school:"):
                open_course(c.id)
            st.markdown(plain(c.summary))
            st.caption(_course_caption(c))
            if c.lessons:
                st.progress(c.completed / c.lessons,
                            text=f"You completed {c.completed} of {c.lessons} lessons")
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(pages) == 1, key="c-first"):
        _first_page("c-pages")
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < 20, key="c-next"):
        pages.append((rows[-1].sort_key, rows[-1].id))
        st.rerun()


def _course_caption(c: content.CourseRow) -> str:
    audience = " · ".join(x for x in (c.audience_function, c.audience_site) if x) or "everyone"
    parts = [f"For {audience}", f"owners: {', '.join(c.owners) or 'none'}"]
    if c.tags:
        parts.append("tags: " + ", ".join(c.tags))
    if c.is_mandatory:
        parts.append("mandatory")
    return plain(" · ".join(parts))


def my_progress(actor: Actor) -> None:
    with database().read() as s:
        rows = content.progress_by_course(s, actor=actor)
    if not rows:
        st.info("You have not completed any lessons yet. Open a course and mark each lesson "
                "complete as you finish it.", icon=":material/school:")
    for r in rows:
        c1, c2 = st.columns([3, 5])
        if c1.button(r.title, key=f"progress-{r.course_id}", type="tertiary"):
            open_course(r.course_id)
        c2.progress(r.completed / r.total, text=f"{r.completed} of {r.total} lessons")


def new_course_form(actor: Actor) -> None:
    with database().read() as s:
        tag_rows, people, sites = content.tags(s), content.trainers(s), users.sites(s)
    tag_names = {tid: f"{kind.replace('_', ' ')}: {name}" for tid, name, kind in tag_rows}
    others = {uid: name for uid, name in people if uid != actor.id}
    form = "new-course"
    with st.form(form):
        title = st.text_input("Course title", key="nc-title", max_chars=160)
        forms.field_error(form, "title")
        summary = st.text_area("Summary: what learners will be able to do", key="nc-summary",
                               height=100)
        forms.field_error(form, "summary")
        c1, c2 = st.columns(2)
        function = c1.selectbox("Audience: function (optional)", FUNCTIONS, index=None,
                                key="nc-function", placeholder="Every function")
        site = c2.selectbox("Audience: site (optional)", sites, index=None, key="nc-site",
                            placeholder="Every site")
        chosen = st.multiselect("Tags", list(tag_names), format_func=tag_names.get,
                                key="nc-tags")
        forms.field_error(form, "tags")
        owners = st.multiselect("Other owner trainers (you are an owner)", list(others),
                                format_func=others.get, key="nc-owners")
        forms.field_error(form, "owners")
        mandatory = st.checkbox("Mandatory training (earns no points)", key="nc-mandatory")
        if st.form_submit_button("Create course", type="primary", key="nc-go"):
            new_id = forms.submit(form, lambda: _write(
                content.create_course, actor=actor, title=title, summary=summary,
                audience_function=function, audience_site=site, tag_ids=chosen,
                owner_ids=owners, is_mandatory=mandatory), success="Course created.")
            if new_id:
                open_course(new_id)


def course_page(actor: Actor, course_id: int) -> None:
    with database().read() as s:
        c = content.course(s, actor=actor, course_id=course_id)
        rows = content.course_lessons(s, actor=actor, course_id=course_id)
    if st.button("All courses", key="back-browse", icon=":material/arrow_back:",
                 type="tertiary"):
        open_course(None)
    st.title(plain(c.title))
    st.caption(_course_caption(c))
    if content.can_edit_course(actor, c.owner_ids):
        if st.session_state.get("course-editing") == c.id:
            _edit_course_form(actor, c)
        else:
            st.button("Edit course", key=f"course-edit-{c.id}", icon=":material/edit:",
                      help="Change the title, summary, audience, owners and tags.",
                      on_click=lambda: st.session_state.update({"course-editing": c.id}))
    show(c.summary)
    if c.lessons:
        st.progress(c.completed / c.lessons,
                    text=f"You completed {c.completed} of {c.lessons} lessons")
    st.subheader("Lessons")
    if not rows:
        st.info("This course has no lessons yet." + (" Add the first one below."
                                                    if actor.has("trainer") else ""))
    trainer = actor.has("trainer")
    for i, r in enumerate(rows):
        c1, c2, *c3 = st.columns([6, 2, 1] if trainer else [6, 2], vertical_alignment="center")
        if c1.button(f"{r.position}. {plain(r.title)}", key=f"lesson-{r.id}", type="tertiary",
                     icon=":material/check_circle:" if r.completed
                     else ":material/radio_button_unchecked:"):
            open_lesson(r.id)
        if trainer:
            up, down = c3[0].columns(2)
            for col, offset, icon, show_it in ((up, -1, ":material/arrow_upward:", i > 0),
                                               (down, 1, ":material/arrow_downward:",
                                                i < len(rows) - 1)):
                if show_it and col.button("", key=f"move-{r.id}-{offset}", icon=icon,
                                          help="Move up" if offset < 0 else "Move down",
                                          type="tertiary"):
                    if forms.submit("move", lambda r=r, o=offset: _write(
                            content.move_lesson, actor=actor, lesson_id=r.id, offset=o)):
                        st.rerun()
        c2.caption(" · ".join(x for x in (
            "completed" if r.completed else "",
            _status(r) if actor.has("trainer") else "",
            f"{r.avg_rating:.1f} stars" if r.ratings else "") if x))
    if actor.has("trainer"):
        with st.expander("Add a lesson", icon=":material/add:"):
            _new_lesson_form(actor, course_id)


def _edit_course_form(actor: Actor, c: content.CourseRow) -> None:
    """Course owners and admins change a course; every change is in the audit trail."""
    with database().read() as s:
        tag_rows, people, sites = content.tags(s), content.trainers(s), users.sites(s)
    tag_names = {tid: f"{kind.replace('_', ' ')}: {name}" for tid, name, kind in tag_rows}
    # Current owners stay choosable even if they are no longer active trainers.
    owner_names = {**dict(zip(c.owner_ids, c.owners, strict=True)), **dict(people)}
    form = f"edit-course-{c.id}"
    n = st.session_state.setdefault(f"{form}-n", 0)  # a new number refills the fields
    with st.form(f"{form}-{n}"):
        title = st.text_input("Course title", value=c.title, key=f"{form}-title-{n}",
                              max_chars=160)
        forms.field_error(form, "title")
        summary = st.text_area("Summary: what learners will be able to do", value=c.summary,
                               key=f"{form}-summary-{n}", height=100)
        forms.field_error(form, "summary")
        c1, c2 = st.columns(2)
        function = c1.selectbox(
            "Audience: function (optional)", FUNCTIONS, key=f"{form}-function-{n}",
            index=FUNCTIONS.index(c.audience_function) if c.audience_function in FUNCTIONS
            else None)
        with c1:
            forms.field_error(form, "audience_function")
        site = c2.selectbox("Audience: site (optional)", sites, key=f"{form}-site-{n}",
                            index=sites.index(c.audience_site) if c.audience_site in sites
                            else None)
        with c2:
            forms.field_error(form, "audience_site")
        chosen = st.multiselect("Tags", list(tag_names), default=list(c.tag_ids),
                                format_func=tag_names.get, key=f"{form}-tags-{n}")
        forms.field_error(form, "tags")
        owners = st.multiselect("Owner trainers", list(owner_names), default=list(c.owner_ids),
                                format_func=owner_names.get, key=f"{form}-owners-{n}")
        forms.field_error(form, "owners")
        save, cancel = st.columns([1, 5])
        saved = save.form_submit_button("Save course", type="primary", key=f"{form}-save-{n}")
        cancelled = cancel.form_submit_button("Cancel", key=f"{form}-cancel-{n}")
    if cancelled:
        st.session_state.pop("course-editing", None)
        st.session_state.pop(f"_errors_{form}", None)
        st.session_state[f"{form}-n"] = n + 1
        st.rerun()
    if saved:
        changed = forms.submit(form, lambda: _write(
            content.update_course, actor=actor, course_id=c.id, title=title, summary=summary,
            audience_function=function, audience_site=site, tag_ids=chosen, owner_ids=owners))
        if changed is not None:
            st.toast("Course saved." if changed else "Nothing changed, so nothing was saved.",
                     icon=":material/check_circle:")
            st.session_state.pop("course-editing", None)
            st.session_state[f"{form}-n"] = n + 1
            st.rerun()


def _new_lesson_form(actor: Actor, course_id: int) -> None:
    form = f"new-lesson-{course_id}"
    title = st.text_input("Lesson title", key=f"{form}-title", max_chars=160)
    forms.field_error(form, "title")
    body = markdown_editor("Lesson text (Markdown)", key=f"{form}-body", height=300)
    forms.field_error(form, "body")
    if st.button("Create the first draft", type="primary", key=f"{form}-go"):
        new_id = forms.submit(form, lambda: _write(content.create_lesson, actor=actor,
                                                   course_id=course_id, title=title, body=body),
                              success="Draft created: send it for review when it is ready.")
        if new_id:
            open_lesson(new_id, "Edit")
