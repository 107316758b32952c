"""The pieces of the suggestion box and the leaders' prioritising view.

Each piece reads through db.suggestions and writes in one transaction per action; errors in form
fields show next to the field (components.forms). Titles and names are shown literally, never
as Markdown; descriptions, responses and comments go through components.markdown.
"""

from __future__ import annotations

import streamlit as st

from components import forms, post_widgets
from components.csv_export import to_csv
from components.data import database
from components.markdown import plain, show
from components.post_widgets import ago, plural
from db import suggestions as sg
from db.actors import Actor
from db.errors import ValidationError
from db.models import SUGGESTION_CATEGORIES, SUGGESTION_KINDS, utcnow

COLOR = {"new": "blue", "under_review": "violet", "planned": "orange", "in_progress": "yellow",
         "implemented": "green", "declined": "red", "duplicate": "gray"}
PAGE = 20


def param(name: str) -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def open_suggestion(sid: int | None) -> None:
    """Point the page at one suggestion (a shareable ?s=ID address), or back at the list."""
    st.query_params.from_dict({"s": str(sid)} if sid else {})
    st.rerun()


def status_badge(status: str) -> None:
    st.badge(sg.STATUS_LABEL[status], color=COLOR[status])


def _write(form: str, fn, success: str | None = None, **kwargs):
    """Run one service call in its own transaction, through forms.submit."""
    def action():
        with database().write() as s:
            return fn(s, **kwargs)

    return forms.submit(form, action, success=success)


# --- the list ---------------------------------------------------------------------------------


def _first_page() -> None:
    st.session_state["sg-pages"] = [None]
    st.session_state.pop("sg-asof", None)


def sites_and_home(actor: Actor) -> tuple[dict[int, str], int | None]:
    """Site names by id, and this person's own site (the submit form's default)."""
    with database().read() as s:
        return dict(sg.sites(s)), sg.home_site(s, actor=actor)


def browse(actor: Actor, site_names: dict[int, str]) -> None:
    reset = {"on_change": _first_page}
    sort = st.segmented_control("Sort", list(sg.SORTS), format_func=sg.SORTS.get,
                                default="trending", required=True, key="sg-sort", **reset)
    f1, f2, f3 = st.columns(3)
    status = f1.selectbox("Status", ["open", *sg.STATUS_LABEL], index=None, key="sg-status",
                          placeholder="All except duplicates",
                          format_func=lambda v: "Still open for votes" if v == "open"
                          else sg.STATUS_LABEL[v], **reset)
    category = f2.selectbox("Category", SUGGESTION_CATEGORIES, index=None, key="sg-category",
                            placeholder="All categories", **reset)
    site = f3.selectbox("Site", list(site_names), index=None, format_func=site_names.get,
                        key="sg-site", placeholder="All sites", **reset)
    pages = st.session_state.setdefault("sg-pages", [None])
    as_of = st.session_state.setdefault("sg-asof", utcnow())
    with database().read() as s:
        cards = sg.listing(s, actor=actor, sort=sort or "trending", status=status,
                           category=category, site_id=site, after=pages[-1], limit=PAGE,
                           now=as_of)
    if sort == "trending":
        st.caption(f"Trending: each vote counts half as much after {sg.HALF_LIFE_DAYS} days, "
                   "so new ideas can rise.")
    if not cards:
        st.info("No suggestions match. Clear a filter, or submit the first one in the "
                "next tab." if len(pages) == 1 else "No more suggestions.",
                icon=":material/lightbulb:")
    for c in cards:
        card(actor, c)
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(pages) == 1, key="sg-first"):
        _first_page()
        st.rerun()
    if bar.button("Next page", disabled=len(cards) < PAGE, key="sg-next"):
        pages.append(cards[-1].cursor)
        st.rerun()


def card(actor: Actor, c: sg.Card) -> None:
    # One bordered row (votes, title and facts, vote button): six elements a card, where a
    # row of columns took nine; a page shows twenty cards.
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="medium"):
        st.markdown(f"#### {c.vote_count}\n:gray[{'vote' if c.vote_count == 1 else 'votes'}]",
                    width=64)
        mid = st.container(width="stretch", gap=None)
        if mid.button(f"**{plain(c.title)}**", key=f"sg-open-{c.id}", type="tertiary"):
            open_suggestion(c.id)
        facts = [c.category, sg.KIND_LABEL[c.kind], c.site or "All sites", f"by {c.author}",
                 ago(c.created_at),
                 f"{c.comment_count} comment{'s' if c.comment_count != 1 else ''}"]
        mid.caption(f":{COLOR[c.status]}-badge[{sg.STATUS_LABEL[c.status]}] "
                    + " · ".join(plain(f) for f in facts))
        if c.mine:
            st.caption("Your suggestion", width="content")
        elif c.status in sg.OPEN:
            _vote_button(actor, c.id, c.voted, st, key=f"sg-vote-{c.id}")


def _vote_button(actor: Actor, sid: int, voted: bool, where, *, key: str) -> None:
    label = "Voted" if voted else "Vote"
    if where.button(label, key=key, icon=":material/check:" if voted else ":material/thumb_up:",
                    type="secondary" if voted else "primary",
                    help="Click again to take your vote back." if voted else
                    "One vote per person; you can take it back."):
        if _write(key, sg.vote, actor=actor, suggestion_id=sid, on=not voted) is not None:
            st.rerun()


# --- submitting -------------------------------------------------------------------------------


@st.fragment
def submit_form(actor: Actor, names: dict[int, str], home: int | None) -> None:
    """The submit form; similar suggestions appear as the title is typed."""
    title = st.text_input("Title", key="sg-new-title", max_chars=200, live="400ms",
                          placeholder="e.g. Digital checklist for line clearance")
    forms.field_error("sg-new", "title")
    if len(title.strip()) >= 4:
        with database().read() as s:
            alike = sg.similar(s, actor=actor, title=title)
        if alike:
            with st.container(border=True):
                st.markdown("**Similar suggestions.** Vote for one of these instead of "
                            "submitting the same idea twice:")
                for x in alike:
                    if st.button(f"{plain(x.title)} ({sg.STATUS_LABEL[x.status].lower()}, "
                                 f"{x.vote_count} votes)", key=f"sg-similar-{x.id}",
                                 type="tertiary", icon=":material/arrow_forward:"):
                        open_suggestion(x.id)
    description = st.text_area("Description", key="sg-new-description", height=160,
                               help="What is the idea or the problem, and where does it "
                                    "happen? Markdown works.")
    forms.field_error("sg-new", "description")
    c1, c2, c3 = st.columns(3)
    category = c1.selectbox("Category", SUGGESTION_CATEGORIES, index=None, key="sg-new-category",
                            placeholder="Pick the closest")
    forms.field_error("sg-new", "category")
    kind = c2.radio("Kind", SUGGESTION_KINDS, format_func=sg.KIND_LABEL.get, key="sg-new-kind",
                    horizontal=True)
    forms.field_error("sg-new", "kind")
    site_ids = [None, *names]
    site = c3.selectbox("Site", site_ids, index=site_ids.index(home) if home in names else 0,
                        format_func=lambda i: names[i] if i else "All sites",
                        key="sg-new-site")
    forms.field_error("sg-new", "site")
    benefit = st.text_area("Expected benefit (optional)", key="sg-new-benefit", height=80,
                           help="Time or money saved, fewer deviations, safer work, ...")
    forms.field_error("sg-new", "benefit")
    if st.button("Submit suggestion", type="primary", key="sg-new-submit"):
        sid = _write("sg-new", sg.submit, success="Thank you: your suggestion is in.",
                     actor=actor, title=title, description=description, category=category,
                     kind=kind, site_id=site, expected_benefit=benefit)
        if sid is not None:
            for k in ("sg-new-title", "sg-new-description", "sg-new-benefit",
                      "sg-new-category"):
                st.session_state.pop(k, None)
            st.query_params.from_dict({"s": str(sid)})
            st.rerun(scope="app")


# --- one suggestion ---------------------------------------------------------------------------


def detail_page(actor: Actor, sid: int) -> None:
    with database().read() as s:
        d = sg.detail(s, actor=actor, suggestion_id=sid)
        line = sg.timeline(s, actor=actor, suggestion_id=sid)
        notes = sg.comments(s, actor=actor, suggestion_id=sid)
    post_widgets.show_flash()
    if st.button("All suggestions", key="sg-back", icon=":material/arrow_back:",
                 type="tertiary"):
        open_suggestion(None)
    st.title(plain(d.title))
    status_badge(d.status)
    st.caption(" · ".join(plain(f) for f in (
        f"Suggestion {d.id}", d.category, sg.KIND_LABEL[d.kind], d.site or "All sites",
        f"by {d.author}", f"{d.created_at:%d %b %Y}")))
    # The side panel wide enough for "Voted" and "Follow" in a laptop window with the sidebar.
    main, side = st.columns([2, 1], gap="large")
    with side:
        _crowd_panel(actor, d)
    with main:
        if d.duplicate_of:
            st.warning(f"Merged into suggestion {d.duplicate_of[0]}: "
                       f"{plain(d.duplicate_of[1])}. Its votes moved there.",
                       icon=":material/call_merge:")
            if st.button("Open the original", key="sg-original"):
                open_suggestion(d.duplicate_of[0])
        if d.response:
            with st.container(border=True):
                st.markdown(":material/campaign: **Response from the leaders**")
                show(d.response)
        show(d.description)
        if d.expected_benefit:
            st.markdown("**Expected benefit**")
            show(d.expected_benefit)
        for mid, mtitle in d.merged_here:
            if st.button(f"Merged here: {plain(mtitle)}", key=f"sg-merged-{mid}",
                         type="tertiary", icon=":material/call_merge:", wrap=True):
                open_suggestion(mid)
        if d.can_decide:
            decide_panel(actor, d)
        st.subheader("Timeline")
        timeline(line)
        st.subheader(f"Comments ({len(notes)})")
        comments(actor, d, notes)
    # The flag dialog (shared with the Q&A) for this suggestion or one of its comments.
    dialog = post_widgets.dialog_open()
    if dialog and dialog[0] == "flag" and (dialog[1:] == ("suggestion", d.id) or (
            dialog[1] == "comment" and dialog[2] in {c.id for c in notes})):
        post_widgets.flag_dialog(dialog[1], dialog[2])


def _flag_button(where, entity_type: str, entity_id: int) -> None:
    where.button("Flag", key=f"flag-{entity_type}-{entity_id}", type="tertiary",
                 icon=":material/flag:", on_click=post_widgets.open_dialog,
                 args=("flag", entity_type, entity_id),
                 help="Tell moderators this breaks the community guidelines.")


def _crowd_panel(actor: Actor, d: sg.Detail) -> None:
    with st.container(border=True):
        st.metric("Votes", d.vote_count)
        if d.mine:
            st.caption("Your suggestion: others vote on it.")
        elif d.can_vote or d.voted:
            _vote_button(actor, d.id, d.voted, st, key="sg-vote")
        else:
            st.caption("Voting has closed.")
        following = st.toggle("Follow", value=d.following, key=f"sg-follow-{d.id}",
                              help="Get a notification when its status changes or someone "
                                   "comments.")
        if following != d.following and _write("sg-follow", sg.follow, actor=actor,
                                                suggestion_id=d.id, on=following) is not None:
            st.rerun()
        if not d.mine and d.visibility == "visible":
            _flag_button(st, "suggestion", d.id)
        if d.benefit_score or d.effort_score:
            st.caption(f"Leaders' scores: benefit {d.benefit_score or '-'} / 5, "
                       f"effort {d.effort_score or '-'} / 5")


def timeline(line: list[sg.TimelineEntry]) -> None:
    for e in line:
        when = f"{e.at:%d %b %Y %H:%M} UTC"
        if e.from_status is None:
            what = "submitted it"
        elif e.from_status == e.to_status:
            what = "responded"
        else:
            what = (f"moved it from {sg.STATUS_LABEL[e.from_status]} to "
                    f"**{sg.STATUS_LABEL[e.to_status]}**")
        st.markdown(f":material/schedule: {when} · **{plain(e.by)}** {what}")
        if e.reason:
            with st.container(border=False):
                show("> " + e.reason.replace("\n", "\n> "))


def comments(actor: Actor, d: sg.Detail, notes: list[sg.CommentRow]) -> None:
    for c in notes:
        with st.container(border=True, key=f"sg-comment-row-{c.id}"):
            # One row: the Flag button keeps its width and the text wraps beside it.
            row = st.container(horizontal=True, vertical_alignment="center")
            row.caption(f"**{plain(c.author)}** · {ago(c.created_at)}"
                         + (" · hidden while moderators review it" if c.status != "visible"
                            else ""))
            if c.author_username != actor.username and c.status == "visible":
                _flag_button(row, "comment", c.id)
            show(c.body)
    if d.status == "duplicate":
        st.caption("Comments are closed here: comment on the original instead.")
        return
    with st.form("sg-comment", clear_on_submit=True):
        body = st.text_area("Add a comment", key=f"sg-comment-{d.id}", height=100)
        forms.field_error("sg-comment", "comment")
        if st.form_submit_button("Comment") and _write(
                "sg-comment", sg.comment, success="Comment added.", actor=actor,
                suggestion_id=d.id, body=body) is not None:
            st.rerun()


KEEP = "keep"


def decide_panel(actor: Actor, d: sg.Detail) -> None:
    """Leaders: move the status (a reason is required to decline), respond, merge, score."""
    with st.container(border=True):
        st.markdown(":material/gavel: **Decide** (leaders)")
        # A new key after each saved decision starts the form empty again.
        n = st.session_state.setdefault(f"sg-decided-{d.id}", 0)
        with st.form("sg-decide", border=False):
            options = [KEEP, *(t for t in d.next_statuses if t != "duplicate")]
            to = st.selectbox("New status", options, key=f"sg-to-{d.id}-{n}",
                              format_func=lambda v: "Keep the status, only respond"
                              if v == KEEP else sg.STATUS_LABEL[v])
            forms.field_error("sg-decide", "status")
            response = st.text_area("Response shown to everyone",
                                    key=f"sg-response-{d.id}-{n}",
                                    help="Required when declining: say why. Everyone who "
                                         "follows the suggestion is told.")
            forms.field_error("sg-decide", "response")
            if st.form_submit_button("Save decision", type="primary"):
                if to == KEEP:
                    done = _write("sg-decide", sg.respond, success="Response saved.",
                                  actor=actor, suggestion_id=d.id, response=response)
                else:
                    done = _write("sg-decide", _change, success="Status changed.", actor=actor,
                                  suggestion_id=d.id, to_status=to, response=response)
                if done is not None:
                    st.session_state[f"sg-decided-{d.id}"] = n + 1
                    st.rerun()
        if "duplicate" in d.next_statuses:
            with st.form("sg-merge", border=False):
                original = st.number_input("Duplicate of suggestion number", min_value=1,
                                           step=1, value=None, key=f"sg-orig-{d.id}")
                forms.field_error("sg-merge", "original")
                note = st.text_input("Note (optional)", key=f"sg-merge-note-{d.id}")
                forms.field_error("sg-merge", "note")
                if st.form_submit_button("Merge into it"):
                    result = _write("sg-merge", _merge, actor=actor, suggestion_id=d.id,
                                    original_id=original, note=note)
                    if result is not None:
                        st.toast(f"Merged: {result.moved} votes moved, {result.dropped} were "
                                 "already there.", icon=":material/call_merge:")
                        open_suggestion(result.original_id)


def _change(s, **kwargs) -> bool:
    sg.change_status(s, **kwargs)
    return True


def _merge(s, *, original_id, **kwargs):
    if original_id is None:
        raise ValidationError("original", "Enter the number of the original suggestion.")
    return sg.merge_duplicate(s, original_id=int(original_id), **kwargs)


# --- leaders: prioritise ----------------------------------------------------------------------


def weights_picker() -> sg.Weights:
    c1, c2, c3 = st.columns(3)
    return sg.Weights(
        votes=c1.slider("Weight of votes", 0, 10, 4, key="pr-w-votes", on_change=_pr_first),
        benefit=c2.slider("Weight of expected benefit", 0, 10, 4, key="pr-w-benefit",
                          on_change=_pr_first),
        effort=c3.slider("Weight of low effort", 0, 10, 2, key="pr-w-effort",
                         on_change=_pr_first))


def _pr_first() -> None:
    st.session_state["pr-pages"] = [None]


def priority_table(actor: Actor, weights: sg.Weights, statuses: tuple[str, ...],
                   category: str | None) -> None:
    pages = st.session_state.setdefault("pr-pages", [None])
    with database().read() as s:
        rows = sg.priorities(s, actor=actor, weights=weights, statuses=statuses,
                             category=category, after=pages[-1], limit=PAGE * 2)
    if not rows:
        st.info("No suggestions with these statuses. Pick other statuses above.")
        return
    version = st.session_state.setdefault("pr-version", 0)
    table = [{"Score": r.score, "Votes": r.vote_count, "Benefit": r.benefit_score,
              "Effort": r.effort_score, "Title": r.title, "Status": sg.STATUS_LABEL[r.status],
              "Category": r.category, "Days in status": r.waiting_days, "No.": r.id}
             for r in rows]
    edited = st.data_editor(
        table, key=f"pr-editor-{len(pages)}-{version}", hide_index=True,
        placeholder="not scored",
        disabled=["Score", "No.", "Title", "Status", "Category", "Votes", "Days in status"],
        column_config={
            "Score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                     format="%.0f", width="small"),
            "Title": st.column_config.TextColumn("Title", width="large"),
            "Benefit": st.column_config.NumberColumn(
                "Benefit (1-5)", min_value=1, max_value=5, step=1,
                help="Expected benefit, set by leaders: 1 low, 5 high."),
            "Effort": st.column_config.NumberColumn(
                "Effort (1-5)", min_value=1, max_value=5, step=1,
                help="Effort to implement, set by leaders: 1 little, 5 a lot."),
        })
    changed = [(row["No."], _score(row["Benefit"]), _score(row["Effort"]))
               for row, old in zip(edited, table, strict=True)
               if (row["Benefit"], row["Effort"]) != (old["Benefit"], old["Effort"])]
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button(f"Save {plural(len(changed), 'changed score')}", disabled=not changed,
                  type="primary", key="pr-save"):
        def save() -> int:
            with database().write() as s:
                for sid, benefit, effort in changed:
                    sg.set_scores(s, actor=actor, suggestion_id=sid, benefit_score=benefit,
                                  effort_score=effort)
            return len(changed)

        if forms.submit("pr-save", save, success="Scores saved.") is not None:
            st.session_state["pr-version"] = version + 1
            st.rerun()
    if bar.button("First page", disabled=len(pages) == 1, key="pr-first"):
        _pr_first()
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < PAGE * 2, key="pr-next"):
        pages.append(rows[-1].cursor)
        st.rerun()


def _score(value) -> int | None:
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


def export_button(actor: Actor, weights: sg.Weights, statuses: tuple[str, ...],
                  category: str | None) -> None:
    db = database()  # the download runs on another thread: take the Database along

    def build() -> str:
        with db.read() as s:
            return to_csv(sg.priority_export(s, actor=actor, weights=weights, statuses=statuses,
                                             category=category))

    st.download_button("Export all as CSV", build, file_name="suggestion-priorities.csv",
                       mime="text/csv", icon=":material/download:", key="pr-csv")


def waiting_list(actor: Actor) -> None:
    with database().read() as s:
        rows = sg.waiting(s, actor=actor, limit=50)
    if not rows:
        st.success("Every suggestion has a decision. Nothing is waiting.")
        return
    st.caption("New and under-review suggestions, the longest waiting first. Pick a row to "
               "open it.")
    table = st.dataframe(
        [{"Waiting (days)": r.days, "No.": r.id, "Title": r.title,
          "Status": sg.STATUS_LABEL[r.status], "Votes": r.vote_count, "Author": r.author,
          "Since": f"{r.since:%d %b %Y}"} for r in rows],
        hide_index=True, on_select="rerun", selection_mode="single-row", key="pr-waiting")
    if table.selection.rows:
        st.switch_page("pages/suggestions.py",
                       query_params={"s": str(rows[table.selection.rows[0]].id)})
