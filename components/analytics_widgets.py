"""Pieces every analytics page shares: the one date-range and site filter, cached loading keyed
on the filter and a data version, and a chart shown with a CSV download of its numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
import pyarrow as pa
import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import charts
from components.csv_export import to_csv
from components.data import database
from components.markdown import plain
from db import analytics, summaries
from db.actors import Actor
from db.analytics import Filters
from db.models import utcnow

PERIODS = {"Last 30 days": 30, "Last 90 days": 90, "Last 6 months": 182,
           "Last 12 months": 365, "Last 2 years": 730, "Custom range": None}
DEFAULT_PERIOD = "Last 12 months"


def _today() -> date:
    return utcnow().date()


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def _sites(version: str) -> list[tuple[int, str, str]]:
    with database().read() as s:
        return analytics.sites(s)


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def _filter_sites(version: str) -> list[tuple[int, str, str]]:
    with database().read() as s:
        return analytics.filter_sites(s)


def site_names() -> list[str]:
    # The version page_filters read on this run, if it ran: not one more query per form.
    scope = st.session_state.get(_SCOPE)
    version = scope[1] if scope else data_version()
    return [name for _id, name, _region in _sites(version)]


# How old the figures may be. Reading the data version is cheap, but on a busy site it moves
# with every view and vote, and each move would recompute every chart for every leader: so
# each server reads it at most once a minute (and at once after this server's own analytics
# writes, see figures_changed).
FRESH_SECONDS = 60


@st.cache_data(ttl=FRESH_SECONDS, max_entries=8, show_spinner=False)
def _state(url: str) -> tuple[str, bool, datetime]:
    with database().read() as s:
        version, behind = analytics.data_state(s)
    return version, behind, utcnow()


def figures_changed() -> None:
    """Read the data version afresh on the next run (after a write the figures count)."""
    _state.clear()


def figures_as_of() -> datetime:
    """When the data version the figures follow was read (UTC)."""
    return _state(database().url)[2]


def data_version() -> str:
    """A value that changes after any write the analytics count (see analytics.data_state),
    read at most once a minute per server.

    Activity written since the summaries were last brought up to date is folded in first, so
    the figures include it (a few rows in normal use; a spinner if much is waiting).
    """
    url = database().url
    version, behind, _at = _state(url)
    if behind:
        try:
            with st.spinner("Bringing the activity figures up to date...", show_time=True):
                with database().write() as s:
                    summaries.refresh(s)
            figures_changed()
            version = _state(url)[0]
        except DBAPIError:
            # The figures as of the last refresh are still right, only not the newest.
            st.toast("The newest activity could not be added to the figures just now; they "
                     "show activity up to a few moments ago.", icon=":material/sync_problem:")
    return version


def page_filters(key: str) -> Filters:
    """The page's one period and site filter; every chart on the page follows it.

    The choice is kept in the address (?from=...&to=...&sites=...), so a view can be shared.
    """
    today = _today()
    version = data_version()
    all_sites = _filter_sites(version)
    names = [name for _id, name, _region in all_sites]
    k_period, k_range, k_sites = f"{key}-period", f"{key}-range", f"{key}-sites"
    first = f"{key}-initial"
    if first not in st.session_state:
        # The view this session opened with, from the address if it says. Widget defaults stay
        # fixed after that (a changing default would reset the widget); the widgets keep the
        # person's later choices themselves.
        start, end = _day(st.query_params.get("from")), _day(st.query_params.get("to"))
        end = min(end, today) if end else None  # nothing happens in the future
        wanted = (st.query_params.get("sites") or "").split(",")
        if start and end and start <= end:
            st.session_state[first] = ("Custom range", (start, end), wanted)
        else:
            st.session_state[first] = (DEFAULT_PERIOD, (today - timedelta(days=89), today),
                                       wanted)
    period0, range0, sites0 = st.session_state[first]
    c1, c2, c3 = st.columns([1.3, 1.7, 3])
    choice = c1.selectbox("Period", list(PERIODS), index=list(PERIODS).index(period0),
                          key=k_period)
    days = PERIODS[choice]
    if days is None:
        picked = c2.date_input("From - to", value=range0, key=k_range, max_value=today,
                               format="YYYY-MM-DD")
        start = picked[0] if len(picked) > 0 else range0[0]
        end = picked[1] if len(picked) > 1 else start  # the second day is still being picked
    else:
        start, end = today - timedelta(days=days - 1), today
        # No key: the shown text must follow the period chosen.
        c2.text_input("From - to", f"{start:%Y-%m-%d} - {end:%Y-%m-%d}", disabled=True)
    chosen = c3.multiselect("Sites", names, default=[n for n in names if n in sites0],
                            key=k_sites, placeholder="All sites",
                            help=f"Sites where fewer than {analytics.MIN_GROUP} people work "
                                 "are not offered, so no one is singled out.")
    st.query_params["from"], st.query_params["to"] = start.isoformat(), end.isoformat()
    if chosen:
        st.query_params["sites"] = ",".join(chosen)
    elif "sites" in st.query_params:
        del st.query_params["sites"]
    ids = tuple(sorted(i for i, name, _r in all_sites if name in chosen))
    filters = Filters(start, end, ids)
    st.session_state[_SCOPE] = (filters, version)
    st.caption(f"Figures as of {figures_as_of():%H:%M} UTC. New activity shows within "
               f"{FRESH_SECONDS // 60} minute.")
    return filters


_SCOPE = "_analytics_scope"


def _version(filters: Filters) -> str:
    """The data version, read once per run by page_filters (every page calls it first)."""
    scope = st.session_state.get(_SCOPE)
    if scope and scope[0] == filters:
        return scope[1]
    return data_version()


@st.cache_data(ttl=600, max_entries=300, show_spinner=False)
def _cached(name: str, start: date, end: date, sites: tuple[int, ...], version: str,
            options: tuple, _fn: Callable, _actor: Actor):
    with database().read() as s:
        return _fn(s, actor=_actor, filters=Filters(start, end, sites), **dict(options))


def load(fn: Callable, actor: Actor, filters: Filters, **options):
    """fn(session, actor=..., filters=..., **options), cached per filter and data version.

    The role is checked here on every call, since a cache hit does not reach the service.
    """
    analytics.check_access(actor)
    return _cached(f"{fn.__module__}.{fn.__qualname__}", filters.start, filters.end,
                   filters.sites, _version(filters), tuple(sorted(options.items())), fn, actor)


def _csv(df: pd.DataFrame) -> str:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return to_csv(out.astype(object).where(out.notna(), "").to_dict("records"))


def csv_button(df: pd.DataFrame, name: str, label: str = "Download the numbers (CSV)",
               text: str | None = None) -> None:
    st.download_button(label, _csv(df) if text is None else text, file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv-{name}", on_click="ignore",
                       icon=":material/download:", wrap=True)  # in a narrow column too


LINES_LABEL = "Download the help between them (CSV)"


def _lines_csv(nodes: pd.DataFrame, links: pd.DataFrame | None) -> str | None:
    """A network picture's lines as a leader reads them: who (or which sites) helped each other
    how often, with people's names; the drawing's coordinates are left out. None if no lines."""
    if links is None or links.empty:
        return None
    out = links.drop(columns=["x", "y", "x2", "y2"], errors="ignore")
    if "source" in out.columns and "name" in nodes.columns:  # people, known by id
        names = nodes.set_index("id")["name"]
        out.insert(1, "source_name", out["source"].map(names))
        out.insert(3, "target_name", out["target"].map(names))
    return _csv(out)


@st.cache_data(ttl=600, max_entries=300, show_spinner=False)
def _rendered(name: str, scope: tuple, _df: pd.DataFrame, _build: Callable,
              _options: dict) -> tuple[dict, str, bool, str | None]:
    """The chart's Vega-Lite spec, its CSV, whether it has anything to draw and the CSV of a
    network's lines, made once per chart, filter and data version: building an Altair chart
    costs 50-200 ms, more than a cached rerun."""
    # Not validated against the Vega-Lite schema here (a third of the time): every chart
    # builder's output is validated in tests/test_charts.py.
    spec = _build(_df, **_options).to_dict(validate=False)
    # Altair's default theme fixes a 300 px width; Streamlit sizes the chart instead.
    view = spec.get("config", {}).get("view", {})
    view.pop("continuousWidth", None)
    view.pop("continuousHeight", None)
    if "facet" not in spec:
        # Fit the width to the page; the height stays the chart's own plotting height
        # (Streamlit's default "fit" squeezes titles, legends and axes into it).
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    datasets = spec.get("datasets", {})
    drawn = any(datasets.values())
    spec["datasets"] = {name: _arrow_bytes(rows) for name, rows in datasets.items()}
    return spec, _csv(_df), drawn, _lines_csv(_df, _options.get("links"))


def _arrow_bytes(rows: object) -> object:
    """A chart's dataset as the Arrow IPC bytes Streamlit sends, made once with the chart.
    Given the rows, Streamlit converts them through pandas on every rerun: 40% of a warm run
    of a page of charts. Rows pyarrow cannot type stay rows (Streamlit copes with those)."""
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
        return rows
    names = list(dict.fromkeys(key for row in rows for key in row))  # every row's columns
    try:
        table = pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in names})
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return rows
    sink = pa.BufferOutputStream()
    with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def show_chart(build: Callable[..., object], df: pd.DataFrame, *, name: str,
               caption: str | None = None,
               empty: str = "Nothing to show for this period and these sites.",
               **options) -> None:
    """A chart built from `df` with `build(df, **options)`, a caption and the CSV of `df`;
    a network picture (a `links` option) also offers its lines as a CSV of their own.

    `name` (also the CSV's file name) must be unique across the analytics pages: with the
    page's filter and data version it is the cache key, so the frame is not hashed each run.
    """
    if df is None or df.empty:
        st.info(empty, icon=":material/info:")
        return
    scope = st.session_state.get(_SCOPE)
    if scope is None:  # outside a page's filters (tests): key on the data itself
        scope = (pd.util.hash_pandas_object(df, index=False).sum(),)
    links = options.get("links")
    try:
        spec, text, drawn, lines = _rendered(name, tuple(map(str, scope)), df, build, options)
    except charts.TooManyRows:
        # A service that should have aggregated further: the rest of the page still shows,
        # and the numbers can still be downloaded.
        st.warning("Too much data to draw this chart. Choose a shorter period or fewer "
                   "sites; the numbers are in the CSV.", icon=":material/warning:")
        text, lines = _csv(df), _lines_csv(df, links)
    else:
        if drawn:
            st.vega_lite_chart(spec=spec, width="stretch")
            if caption:
                st.caption(caption)
        else:  # numbers, but nothing to draw (e.g. no median reached yet): they are in the CSV
            st.info(empty, icon=":material/info:")
    csv_button(df, name, text=text)
    if lines is not None:
        csv_button(links, f"{name}-links", LINES_LABEL, text=lines)


def kpis(items: list[tuple[str, str, str | None]]) -> None:
    """A row of headline numbers: (label, value, help)."""
    for col, (label, value, help_text) in zip(st.columns(len(items)), items, strict=True):
        col.metric(label, value, help=help_text, border=True)


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def hours(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


# --- the regulatory tracker --------------------------------------------------------------------

def submission_form(form: str, initial: dict, site_names: list[str]) -> dict | None:
    """The submission form; returns the values entered once it is submitted."""
    from components import forms
    from db import regulatory as rg

    def box(col, label: str, name: str, options: list, **kw):
        value = initial.get(name)
        col.selectbox(label, options, index=options.index(value) if value in options else None,
                      key=f"{form}-{name}", **kw)
        with col:
            forms.field_error(form, name)

    def text(col, label: str, name: str, **kw):
        col.text_input(label, value=initial.get(name) or "", key=f"{form}-{name}", **kw)
        with col:
            forms.field_error(form, name)

    def day(col, label: str, name: str):
        col.date_input(label, value=initial.get(name), key=f"{form}-{name}",
                       format="YYYY-MM-DD", min_value=date(1980, 1, 1),
                       max_value=date(2100, 12, 31))
        with col:
            forms.field_error(form, name)

    with st.form(form):
        c1, c2, c3 = st.columns([3, 2, 1])
        text(c1, "Product", "product", placeholder="Name, strength and form")
        text(c2, "Application number", "application_number", placeholder="e.g. NDA 021436")
        text(c3, "Sequence", "sequence", placeholder="0000")
        c1, c2, c3, c4 = st.columns(4)
        box(c1, "Submission type", "submission_type", list(rg.SUBMISSION_TYPES))
        box(c2, "Agency", "agency", list(rg.AGENCIES))
        text(c3, "Region", "region", placeholder="From the agency if empty")
        box(c4, "Site", "site", site_names)
        c1, c2, c3, c4 = st.columns(4)
        day(c1, "Submitted", "submitted_on")
        day(c2, "Validated", "validated_on")
        day(c3, "Target decision", "target_on")
        day(c4, "Decided", "decided_on")
        c1, c2, c3 = st.columns(3)
        box(c1, "Outcome (empty while pending)", "outcome", list(rg.OUTCOMES))
        c2.number_input("Question rounds", min_value=0, max_value=20, step=1,
                        value=int(initial.get("question_rounds") or 0),
                        key=f"{form}-question_rounds")
        box(c3, "Status (empty: worked out from the dates)", "status", list(rg.PENDING))
        if not st.form_submit_button("Save submission", type="primary"):
            return None
    return {name: st.session_state.get(f"{form}-{name}") for name in rg.COLUMNS}


def related_panel(related) -> None:
    """Questions and lessons on the same agency or submission type, with links to them."""
    st.markdown("**Related questions**")
    if not related.questions:
        st.caption("No questions carry these tags yet.")
    for qid, title, n in related.questions:
        st.page_link("pages/questions.py", label=f"{plain(title)} ({n} answers)",
                     query_params={"q": str(qid)}, icon=":material/forum:")
    st.markdown("**Related lessons**")
    if not related.lessons:
        st.caption("No courses carry these tags yet.")
    for lid, title, course in related.lessons:
        st.page_link("pages/lessons.py", label=f"{plain(title)} ({plain(course)})",
                     query_params={"lesson": str(lid)}, icon=":material/menu_book:")
    st.caption("Matched on the tags " + ", ".join(plain(t) for t in related.tags) + ".")


def import_panel(actor: Actor) -> None:
    """Template, upload, row-by-row check, then an all-or-nothing import with progress."""
    from db import regulatory as rg

    st.download_button("Download the CSV template", rg.template_csv(),
                       file_name="submissions-template.csv", mime="text/csv",
                       key="csv-template", on_click="ignore", icon=":material/download:")
    st.caption("The tab-separated Submissions file from Drugs@FDA (columns ApplNo, "
               "SubmissionType, SubmissionNo, SubmissionStatus, SubmissionStatusDate; "
               "optionally ApplType and DrugName) is accepted as it is. Rows already in the "
               "tracker (same agency, application number and sequence) are updated.")
    done = st.session_state.pop("import-done", None)
    if done:
        st.success(done, icon=":material/check_circle:")
    # A new uploader after each import, so the same file is not offered again.
    upload = st.file_uploader("CSV or Drugs@FDA file", type=["csv", "txt", "tsv"],
                              key=f"import-file-{st.session_state.get('import-count', 0)}")
    if upload is None:
        return
    text = rg.decode(upload.getvalue())
    with database().read() as s:
        parsed = rg.check_csv(s, actor=actor, text=text)
    for warning in parsed.warnings:
        st.warning(plain(warning), icon=":material/warning:")
    if parsed.errors:
        st.error(f"{len(parsed.errors)} problem(s) found; nothing will be imported until the "
                 "file is fixed.", icon=":material/error:")
        errors = pd.DataFrame([(e.row, e.column, e.message) for e in parsed.errors],
                              columns=["Row", "Column", "Problem"])
        st.dataframe(errors, hide_index=True, width="stretch")
        csv_button(errors, "import-problems", "Download the problems (CSV)")
        return
    st.success(f"{len(parsed.rows):,} submission(s) ready to import ({parsed.layout} layout).",
               icon=":material/check_circle:")
    if not st.button("Import", type="primary", key="import-go", icon=":material/upload:"):
        return
    bar = st.progress(0.0, text="Importing ...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Imported {done:,} of {total:,} ...")

    from components import forms
    from db.errors import ServiceError

    # One transaction: every row or none. An error part-way rolls the whole file back.
    try:
        with database().write() as s:
            result = rg.import_csv(s, actor=actor, text=text, file_name=upload.name,
                                   on_progress=progress)
    except ServiceError as e:
        bar.empty()
        st.error(f"{e} Nothing was imported.", icon=":material/error:")
        return
    except DBAPIError:
        bar.empty()
        st.error(forms.NOT_SAVED, icon=":material/error:")
        return
    figures_changed()
    st.session_state["import-done"] = (
        f"Imported {plain(upload.name)}: {result.created:,} new, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged.")
    st.session_state["import-count"] = st.session_state.get("import-count", 0) + 1
    st.rerun()
