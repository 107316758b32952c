"""Chart builders are pure: titles, labelled axes, tooltips, and never more than 5,000 rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from components import charts
from db import analytics, regulatory
from db.analytics import Filters
from tests.test_analytics import MARCH, build_org

MONTHS = pd.to_datetime(["2026-01-01", "2026-02-01"])


def sample_frames() -> dict[str, tuple]:
    """builder name -> (builder, frame, extra keyword arguments), shaped like the services'."""
    nodes = pd.DataFrame({"id": [1, 2], "name": ["A", "B"], "site": ["Basel", "Tokyo"],
                          "function": ["Quality", "R&D"], "helped": [1, 1],
                          "sites_helped": [1, 1], "functions_helped": [1, 1],
                          "bridging": [0.0, 0.0], "x": [0.1, -0.1], "y": [0.2, -0.2]})
    links = pd.DataFrame({"source": [1], "target": [2], "acts": [3], "x": [0.1], "y": [0.2],
                          "x2": [-0.1], "y2": [-0.2]})
    site_nodes = pd.DataFrame({"site": ["Basel", "Tokyo"], "given": [2, 3],
                               "received": [3, 2], "within": [5, 1], "x": [1.0, -1.0],
                               "y": [0.0, 0.0]})
    site_links = pd.DataFrame({"site_a": ["Basel"], "site_b": ["Tokyo"], "acts": [5],
                               "a_to_b": [2], "b_to_a": [3], "x": [1.0], "y": [0.0],
                               "x2": [-1.0], "y2": [0.0]})
    answers = pd.DataFrame({"month": [*MONTHS, pd.NaT], "questions": [4, 2, 6],
                            "answered": [3, 2, 5], "accepted": [1, 1, 2],
                            "median_hours": [2.0, 3.0, 2.0], "p90_hours": [24.0, 5.0, 24.0],
                            "unanswered": [1, 0, 1]})
    return {
        "active_people": (charts.active_people_chart, pd.DataFrame({
            "period": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-01"]),
            "grain": ["day", "week", "month"], "people": [3, 3, 4],
            "partial": [False, False, True]}), {}),
        "contributor_mix": (charts.contributor_mix_chart, pd.DataFrame({
            "month": MONTHS, "group": ["New contributors", "Readers only"], "people": [2, 5]}),
            {}),
        "posts": (charts.posts_chart, pd.DataFrame({
            "week": pd.to_datetime(["2026-03-02"]), "kind": ["Answers"], "posts": [3]}), {}),
        "participation": (charts.participation_heatmap, pd.DataFrame({
            "site": ["Basel"], "region": ["Europe"], "function": ["Quality"], "people": [6],
            "active": [3], "contributors": [2], "posts": [2], "share_active": [0.5],
            "share_contributing": [0.333], "posts_per_person": [0.33]}), {}),
        "answer_time": (charts.answer_time_chart, answers, {}),
        "question_outcomes": (charts.question_outcomes_chart, answers, {}),
        "proposals": (charts.proposals_chart, pd.DataFrame({
            "month": MONTHS, "status": ["accepted", "rejected"], "proposals": [2, 1]}), {}),
        "coauthors": (charts.coauthors_chart, pd.DataFrame({"coauthors": [1, 3],
                                                            "lessons": [4, 1]}), {}),
        "completion": (charts.completion_heatmap, pd.DataFrame({
            "course": ["GMP"], "site": ["Basel"], "people": [5], "completed": [3],
            "completion_rate": [0.6]}), {}),
        "funnel": (charts.funnel_chart, pd.DataFrame({
            "stage": ["Submitted", "Reviewed"], "suggestions": [4, 2],
            "share_of_submitted": [1.0, 0.5]}), {}),
        "status_time": (charts.status_time_chart, pd.DataFrame({
            "status": ["new", "in progress"], "moved_on": [2, 0], "median_days": [2.0, None],
            "p90_days": [4.0, None], "waiting_now": [2, 0]}), {}),
        "top_contributors": (charts.top_contributors_chart, pd.DataFrame({
            "name": ["A"], "site": ["Basel"], "function": ["Quality"], "Questions": [1],
            "Answers": [2], "Comments": [0], "Lesson proposals": [0], "Suggestions": [0],
            "Accepted answers": [1], "total": [3]}), {}),
        "help_matrix": (charts.help_matrix_chart, pd.DataFrame({
            "helper_group": ["Basel"], "helped_group": ["Tokyo"], "acts": [8],
            "people": [5], "people_helped": [6]}), {"by": "site"}),
        "network": (charts.network_chart, nodes, {"links": links, "sites": ["Basel", "Tokyo"]}),
        "site_network": (charts.site_network_chart, site_nodes, {"links": site_links}),
        "bridges": (charts.bridges_chart, nodes.drop(columns=["id", "x", "y"]), {}),
        "throughput": (charts.throughput_chart, pd.DataFrame({
            "month": MONTHS, "measure": ["Submitted", "Approved"], "agency": ["FDA", "EMA"],
            "submissions": [3, 2]}), {}),
        "approval_curve": (charts.approval_curve_chart, pd.DataFrame({
            "agency": ["FDA", "FDA"], "days": [0, 10], "share_approved": [0.0, 0.5],
            "at_risk": [2, 2]}), {}),
        "approval_time": (charts.approval_time_chart, pd.DataFrame({
            "agency": ["FDA", "FDA"], "submission_type": ["All types", "NDA"],
            "submissions": [7, 7], "approved": [4, 4], "pending": [3, 3], "closed": [0, 0],
            "q1_days": [20, 20], "median_days": [40, 40], "q3_days": [None, None]}), {}),
        "decision_quality": (charts.decision_quality_chart, pd.DataFrame({
            "agency": ["EMA", "All agencies"], "decided": [3, 3], "first_cycle": [1, 1],
            "with_target": [3, 3], "on_time": [2, 2], "first_cycle_rate": [0.333, 0.333],
            "on_time_rate": [0.667, 0.667]}), {}),
        "backlog": (charts.backlog_chart, pd.DataFrame({
            "agency": ["FDA", "FDA"], "age": ["0-30 days", "31-90 days"],
            "submissions": [2, 1]}), {}),
    }


SAMPLES = sample_frames()


def _views(spec: dict) -> list[dict]:
    """Every single view (mark + encoding) inside a possibly layered or stacked spec."""
    found = []
    if "mark" in spec:
        found.append(spec)
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for part in spec.get(key, []):
            found.extend(_views(part))
    if "spec" in spec:
        found.extend(_views(spec["spec"]))
    return found


def _title_text(spec: dict) -> str:
    title = spec.get("title")
    return title.get("text", "") if isinstance(title, dict) else (title or "")


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_chart_has_a_title_labelled_axes_and_tooltips(name):
    build, df, kwargs = SAMPLES[name]
    spec = build(df, **kwargs).to_dict()
    assert len(_title_text(spec)) > 10
    views = _views(spec)
    assert views and any("tooltip" in v.get("encoding", {}) for v in views)
    for view in views:
        enc = view.get("encoding", {})
        for channel in ("x", "y"):
            if channel not in enc or "field" not in enc[channel]:
                continue
            axis = enc[channel].get("axis") or {}
            if axis.get("labels") is False:  # the network pictures have no axes to label
                continue
            labelled = bool(enc[channel].get("title")) or name in {
                "participation", "completion", "help_matrix", "funnel", "status_time",
                "top_contributors", "bridges", "approval_time"} and channel == "y"
            assert labelled, f"{name}: the {channel} axis needs a title"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_chart_carries_only_its_small_frame(name):
    build, df, kwargs = SAMPLES[name]
    chart = build(df, **kwargs)
    extra = sum(len(v) for v in kwargs.values() if isinstance(v, pd.DataFrame))
    # At most the frames given, reshaped long (up to three measures per row).
    assert 0 < charts.rows_sent(chart) <= 3 * (len(df) + extra) <= charts.MAX_ROWS


@pytest.mark.parametrize("name", list(SAMPLES))
def test_more_than_5000_rows_is_refused(name):
    build, df, kwargs = SAMPLES[name]
    big = pd.concat([df] * (charts.MAX_ROWS + 1), ignore_index=True)  # a row survives per copy
    with pytest.raises(charts.TooManyRows, match="at most 5000 rows"):
        build(big, **kwargs)


def test_approval_curves_are_thinned_to_what_a_chart_takes():
    assert regulatory.CURVE_ROWS <= charts.MAX_ROWS  # db/ cannot import the chart's limit


def test_a_large_catalogue_shows_the_courses_most_worked_on_and_says_so():
    # A large organisation: 500 courses at 15 sites is 7,500 cells, beyond any chart.
    df = pd.DataFrame([(f"Course {c:03d}", f"Site {s:02d}", 5 + c, 5, 5 / (5 + c))
                       for c in range(500) for s in range(15)],
                      columns=["course", "site", "people", "completed", "completion_rate"])
    spec = charts.completion_heatmap(df).to_dict()
    rows = next(iter(spec["datasets"].values()))
    shown = {r["course"] for r in rows}
    assert len(shown) == charts.COMPLETION_COURSES == 30
    assert shown == {f"Course {c:03d}" for c in range(470, 500)}  # the most people
    assert "30 courses most worked on, of 500" in spec["title"]["subtitle"]


def test_network_counts_nodes_and_links_together():
    build, nodes, kwargs = SAMPLES["network"]
    links = pd.concat([kwargs["links"]] * (charts.MAX_ROWS - len(nodes) + 1),
                      ignore_index=True)
    with pytest.raises(ValueError):
        build(nodes, links=links)


def test_partial_weeks_and_months_are_left_out_of_the_active_people_chart():
    build, df, _ = SAMPLES["active_people"]
    spec = build(df).to_dict()
    [rows] = spec["datasets"].values()
    assert sorted(r["grain"] for r in rows) == ["day", "week"]


def test_agencies_and_sites_keep_their_colours():
    spec = charts.backlog_chart(SAMPLES["backlog"][1]).to_dict()
    assert spec["encoding"]["color"]["scale"] == {"domain": charts.AGE_ORDER,
                                                 "scheme": "orangered"}
    spec = charts.approval_curve_chart(SAMPLES["approval_curve"][1]).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"][:2] == ["FDA", "EMA"] and scale["range"][0] == charts.PALETTE[0]
    assert spec["encoding"]["color"]["legend"]["values"] == ["FDA"]
    nodes = SAMPLES["network"][1]
    spec = charts.bridges_chart(nodes, sites=["Alpha", "Basel", "Tokyo"]).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Alpha", "Basel", "Tokyo"]


def test_service_results_draw_as_charts(db, people):
    """The services' real frames fit the builders (a small organisation, one month)."""
    build_org(db)
    actor = people["leader"]
    with db.read() as s:
        frames = {
            charts.active_people_chart: analytics.active_people(s, actor=actor, filters=MARCH),
            charts.contributor_mix_chart: analytics.contributor_mix(s, actor=actor,
                                                                    filters=MARCH),
            charts.posts_chart: analytics.posts_by_kind(s, actor=actor, filters=MARCH),
            charts.participation_heatmap: analytics.participation(s, actor=actor,
                                                                  filters=MARCH),
            charts.answer_time_chart: analytics.answer_times(s, actor=actor, filters=MARCH),
            charts.completion_heatmap: analytics.course_completion(s, actor=actor,
                                                                   filters=MARCH),
            charts.funnel_chart: analytics.suggestion_funnel(s, actor=actor, filters=MARCH),
            charts.status_time_chart: analytics.time_in_status(s, actor=actor, filters=MARCH),
            charts.top_contributors_chart: analytics.top_contributors(s, actor=actor,
                                                                      filters=MARCH),
            charts.bridges_chart: analytics.help_network(s, actor=actor,
                                                         filters=MARCH).bridges,
        }
        net = analytics.help_network(s, actor=actor, filters=MARCH)
        year = Filters(date(2026, 1, 1), date(2026, 12, 31))
        tta = regulatory.time_to_approval(s, actor=actor, filters=year)
    for build, df in frames.items():
        assert charts.rows_sent(build(df)) <= charts.MAX_ROWS
    assert charts.rows_sent(charts.network_chart(net.nodes, net.links)) == 6 + 7
    assert tta.curves.empty  # no submissions: the page shows a note instead of a chart


def test_a_chart_reaches_streamlit_as_arrow_bytes_made_once_with_it():
    """Given rows, Streamlit would convert them through pandas on every rerun of the page."""
    import pyarrow as pa

    from components import analytics_widgets as aw

    build, df, kwargs = SAMPLES["completion"]
    spec, text, drawn, lines = aw._rendered("test-completion", ("test",), df, build, kwargs)
    [data] = spec["datasets"].values()
    assert drawn and isinstance(data, bytes) and lines is None  # not a network
    [rows] = build(df, **kwargs).to_dict()["datasets"].values()
    assert pa.ipc.open_stream(data).read_all().to_pylist() == rows
    assert text.splitlines()[0].startswith("course,site")


def test_arrow_datasets_keep_every_column_and_leave_mixed_columns_to_streamlit():
    import pyarrow as pa

    from components.analytics_widgets import _arrow_bytes

    uneven = _arrow_bytes([{"a": 1}, {"b": 2}])
    assert pa.ipc.open_stream(uneven).read_all().to_pylist() == [{"a": 1, "b": None},
                                                                 {"a": None, "b": 2}]
    mixed = [{"a": "x"}, {"a": 1}]
    assert _arrow_bytes(mixed) is mixed  # Streamlit converts these rows itself
