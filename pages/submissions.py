"""Regulatory submissions (leaders): throughput charts, the tracker, and CSV import.
Deep link to one submission: ?submission=ID."""

import streamlit as st

from components import analytics_widgets as aw
from components import charts, forms
from components.auth import require_role
from components.data import database
from components.tabs import tab_pages
from db import regulatory as rg
from db.errors import NotFound

actor = require_role("leader", "admin")
st.title("Regulatory submissions")
f = aw.page_filters("submissions")


def throughput() -> None:
    monthly = aw.load(rg.monthly_throughput, actor, f)
    tta = aw.load(rg.time_to_approval, actor, f)
    quality = aw.load(rg.decision_quality, actor, f)
    waiting = aw.load(rg.backlog, actor, f)
    every = quality[quality["agency"] == "All agencies"]
    q = every.iloc[0] if len(every) else None
    by_measure = monthly.groupby("measure")["submissions"].sum()
    aw.kpis([
        ("Submitted", f"{by_measure.get('Submitted', 0):,}", "Submissions filed in the period"),
        ("Approved", f"{by_measure.get('Approved', 0):,}", "Approvals received in the period"),
        ("First-cycle approvals", aw.pct(0 if q is None else q["first_cycle"],
                                         0 if q is None else q["decided"]),
         "Approved with no health-authority question rounds, of approvals and rejections"),
        ("On time", aw.pct(0 if q is None else q["on_time"], 0 if q is None else
                           q["with_target"]), "Decided on or before the target date"),
        ("Awaiting decision", f"{waiting['submissions'].sum():,}",
         f"Submitted and still waiting for a decision on {tta.as_of:%d %b %Y}"),
    ])
    aw.show_chart(charts.throughput_chart, monthly, name="submissions-and-approvals")
    aw.show_chart(charts.approval_curve_chart, tta.curves, name="approval-curves",
                  caption=f"Pending submissions are counted up to {tta.as_of:%d %b %Y}; "
                          "rejected or withdrawn ones up to their decision.")
    aw.show_chart(charts.approval_time_chart, tta.summary, name="time-to-approval",
                  caption="Groups whose median is not reached yet (fewer than half approved) "
                          "are in the CSV only.")
    c1, c2 = st.columns(2)
    with c1:
        aw.show_chart(charts.decision_quality_chart, quality, name="first-cycle-and-on-time",
                      caption="First-cycle: approved with no health-authority question rounds. "
                              "On time: decided on or before the target date.")
    with c2:
        aw.show_chart(charts.backlog_chart, waiting, name="backlog-by-age",
                      empty="No submission is waiting for a decision.")


def tracker() -> None:
    c1, c2, c3 = st.columns([2, 2, 1])
    agency = c1.selectbox("Agency", list(rg.AGENCIES), index=None, key="t-agency",
                          placeholder="All agencies")
    status = c2.selectbox("Status", list(rg.STATUSES), index=None, key="t-status",
                          placeholder="Any status")
    if st.session_state.get("t-filters") != (f, agency, status):  # new filters: first page
        st.session_state["t-filters"], st.session_state["t-pages"] = (f, agency, status), [None]
    pages = st.session_state["t-pages"]  # keyset cursors, one per page
    with database().read() as s:
        rows = rg.list_submissions(s, actor=actor, filters=f, agency=agency, status=status,
                                   after=pages[-1], limit=25)
    if rows:
        table = st.dataframe(
            [{"Agency": r.agency, "Application": r.application_number, "Seq": r.sequence,
              "Type": r.submission_type, "Status": r.status.replace("_", " "),
              "Submitted": r.submitted_on, "Target": r.target_on, "Decided": r.decided_on,
              "Rounds": r.question_rounds, "Site": r.site, "Product": r.product} for r in rows],
            hide_index=True, on_select="rerun", selection_mode="single-row", key="t-table")
        st.caption("Pick a row to edit it and see related questions and lessons.")
        if table.selection.rows:
            st.query_params["submission"] = str(rows[table.selection.rows[0]].id)
    else:
        st.info("No submissions match these filters.", icon=":material/info:")
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("First page", disabled=len(pages) == 1, key="t-first"):
        st.session_state["t-pages"] = [None]
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < 25, key="t-next"):
        pages.append(rg.sort_key(rows[-1]))
        st.rerun()
    detail()
    add()


@st.cache_data(ttl=300, max_entries=200, show_spinner=False)
def related(submission_id: int, agency: str, submission_type: str, _actor) -> rg.Related:
    """Related reading for a submission (its agency and type as tags): the same for every
    leader, and it reads every question of a busy tag, so made once per five minutes, not on
    every rerun of the form beside it."""
    with database().read() as s:
        return rg.related(s, actor=_actor, submission_id=submission_id)


def detail() -> None:
    """The submission picked (or linked to): its form, and related questions and lessons."""
    chosen = st.query_params.get("submission", "")
    row = None
    if chosen.isdigit():
        try:
            with database().read() as s:
                row = rg.get_submission(s, actor=actor, submission_id=int(chosen))
            reading = related(row.id, row.agency, row.submission_type, actor)
        except NotFound:
            st.warning(f"There is no submission {chosen}.", icon=":material/link_off:")
    if row is not None:
        st.subheader(aw.plain(f"{row.agency} {row.application_number} / {row.sequence}: "
                              f"{row.product}"))
        left, right = st.columns([2, 1])
        with left:
            form = f"edit-submission-{row.id}"
            values = aw.submission_form(form, row.as_form(), aw.site_names())
        with right:
            aw.related_panel(reading)
        if values is not None:
            def save() -> bool:
                with database().write() as s:
                    return rg.update_submission(s, actor=actor, submission_id=row.id,
                                                values=values)

            if forms.submit(form, save, success="Submission saved.") is not None:
                aw.figures_changed()
                st.rerun()


def add() -> None:
    with st.expander("Add a submission", icon=":material/add:"):
        values = aw.submission_form("new-submission", {}, aw.site_names())
        if values is not None:
            def create() -> int:
                with database().write() as s:
                    return rg.create_submission(s, actor=actor, values=values)

            new_id = forms.submit("new-submission", create, success="Submission added.")
            if new_id is not None:
                aw.figures_changed()
                for key in [k for k in st.session_state if k.startswith("new-submission-")]:
                    del st.session_state[key]
                st.query_params["submission"] = str(new_id)
                st.rerun()

# A link to one submission opens on the tracker (decided once: a changing default resets tabs).
opening = st.session_state.setdefault(
    "submissions-opening", "Tracker" if "submission" in st.query_params else "Throughput")
tab_pages("submissions", {"Throughput": throughput, "Tracker": tracker,
                             "Import CSV": lambda: aw.import_panel(actor)}, default=opening)
