"""Pure chart builders: a small DataFrame in, an Altair chart out (no Streamlit in here).

Every chart has a title a leader understands, labelled axes and tooltips, and refuses more than
`MAX_ROWS` rows: Streamlit sends every row to the browser, so the data must be aggregated first.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

MAX_ROWS = 5000
GRAIN_LABELS = {"day": "Daily active people", "week": "Weekly active people",
                "month": "Monthly active people"}
OUTCOME_ORDER = ["Accepted answer", "Answered, none accepted", "Unanswered"]
PROPOSAL_ORDER = ["accepted", "pending", "rejected"]
# Fixed colours, so an agency or a site looks the same in every chart.
AGENCIES = ["FDA", "EMA", "PMDA", "NMPA", "Health Canada", "MHRA", "Swissmedic", "HSA", "TGA",
            "ANVISA"]
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac"]
KIND_COLOURS = ["#4c78a8", "#59a14f", "#bab0ac", "#f28e2b", "#b07aa1"]
AGE_ORDER = ["0-30 days", "31-90 days", "91-180 days", "181-365 days", "over a year"]


def rows_sent(chart: alt.TopLevelMixin) -> int:
    """How many data rows a chart carries to the browser (all its datasets together)."""
    spec = chart.to_dict()
    return sum(len(v) for v in spec.get("datasets", {}).values())


class TooManyRows(ValueError):
    """A chart was given more than MAX_ROWS rows."""


def _guard(*frames: pd.DataFrame) -> None:
    n = sum(len(f) for f in frames)
    if n > MAX_ROWS:
        raise TooManyRows(f"A chart may carry at most {MAX_ROWS} rows, not {n}: aggregate "
                          "first.")


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=subtitle or "", anchor="start", fontSize=15)


def _agency_colour(present: pd.Series | None = None, legend: bool = True) -> alt.Color:
    """Fixed colours per agency; the legend lists only the agencies in the data."""
    values = [a for a in AGENCIES if present is None or a in set(present)]
    return alt.Color("agency:N", title="Agency", sort=AGENCIES,
                     scale=alt.Scale(domain=AGENCIES, range=PALETTE),
                     legend=alt.Legend(labelLimit=200, values=values) if legend else None)


def _site_colour(sites: list[str] | None, title: str = "Site") -> alt.Color:
    """Sites in a fixed order (pass every site's name) keep their colour across charts."""
    scale = alt.Scale(domain=sites, range=PALETTE) if sites else alt.Scale(range=PALETTE)
    return alt.Color("site:N", title=title, scale=scale, legend=alt.Legend(labelLimit=200))


def _month(field: str = "month", title: str = "Month") -> alt.X:
    return alt.X(f"{field}:T", title=title, timeUnit="yearmonth",
                 axis=alt.Axis(format="%b %Y", labelAngle=0))


# --- engagement ---------------------------------------------------------------------------------

def active_people_chart(df: pd.DataFrame) -> alt.LayerChart:
    """Daily active people (thin line), weekly and monthly (steps): columns period, grain,
    people, partial. Weeks and months only partly inside the range are left out."""
    data = df[(df["grain"] == "day") | ~df["partial"].astype(bool)]
    data = data.assign(measure=data["grain"].map(GRAIN_LABELS)).drop(columns="partial")
    _guard(data)
    order = list(GRAIN_LABELS.values())
    base = alt.Chart(data).encode(
        x=alt.X("period:T", title="Date"),
        y=alt.Y("people:Q", title="People active"),
        color=alt.Color("measure:N", title=None, sort=order, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=order, range=["#9ecae1", "#3182bd", "#08306b"])),
        tooltip=[alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("period:T", title="Period starting", format="%a %d %b %Y"),
                 alt.Tooltip("people:Q", title="People active")],
    )
    daily = base.mark_line(strokeWidth=1).transform_filter("datum.grain == 'day'")
    # One point per week or month, at its first day (a step line would hide the last one).
    longer = base.mark_line(strokeWidth=2.5, point=True).transform_filter(
        "datum.grain != 'day'")
    return alt.layer(daily, longer).properties(
        title=_title("How many people use the platform",
                     "Distinct people who viewed, posted, voted or completed a lesson"),
        height=260)


def contributor_mix_chart(df: pd.DataFrame) -> alt.Chart:
    """Stacked bars per month: new contributors, returning contributors, readers only."""
    _guard(df)
    order = ["New contributors", "Returning contributors", "Readers only"]
    return alt.Chart(df).mark_bar().encode(
        x=_month(),
        y=alt.Y("people:Q", title="People active", stack="zero"),
        color=alt.Color("group:N", title=None, sort=order, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=order, range=["#2ca02c", "#1f77b4", "#c7c7c7"])),
        order=alt.Order("group_order:Q"),
        tooltip=[alt.Tooltip("month:T", title="Month", format="%B %Y"),
                 alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("people:Q", title="People")],
    ).transform_calculate(
        group_order=f"indexof({order!r}, datum.group)"
    ).properties(title=_title("Contributors and readers each month",
                              "New contributors posted for the first time that month"),
                 height=260)


def posts_chart(df: pd.DataFrame) -> alt.Chart:
    """Stacked bars of posts per week by kind (columns week, kind, posts)."""
    _guard(df)
    kinds = ["Questions", "Answers", "Comments", "Lesson proposals", "Suggestions"]
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("week:T", title="Week", timeUnit="yearweek",
                axis=alt.Axis(format="%d %b", labelAngle=0)),
        y=alt.Y("posts:Q", title="Posts", stack="zero"),
        color=alt.Color("kind:N", title=None, sort=kinds, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=kinds, range=KIND_COLOURS)),
        order=alt.Order("kind_order:Q"),
        tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                 alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("posts:Q", title="Posts")],
    ).transform_calculate(
        kind_order=f"indexof({kinds!r}, datum.kind)"
    ).properties(title=_title("Posts per week, by kind"), height=240)


def _heatmap(df: pd.DataFrame, *, x: str, x_title: str, y: str, value: str,
             value_title: str, fmt: str, tooltip: list, title: alt.TitleParams,
             y_sort: list | None = None, scheme: str = "blues",
             domain: list | None = None) -> alt.LayerChart:
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=0, labelLimit=120,
                                                      labelOverlap=False, orient="top")),
        # The row labels name themselves; an axis title beside long labels would overlap them.
        y=alt.Y(f"{y}:N", title=None, sort=y_sort, axis=alt.Axis(labelLimit=280)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title,
                        scale=alt.Scale(scheme=scheme, domain=domain or alt.Undefined),
                        legend=alt.Legend(format=fmt)),
        tooltip=tooltip,
    )
    labels = base.mark_text(fontSize=12).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.when(f"datum.{value} > {_midpoint(df[value], domain)}")
        .then(alt.value("white"))
        .otherwise(alt.value("black")),
        tooltip=tooltip,
    )
    return alt.layer(cells, labels).properties(title=title, height=36 * df[y].nunique())


def _midpoint(values: pd.Series, domain: list | None = None) -> float:
    if domain:
        return (domain[0] + domain[1]) / 2
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float((values.min() + values.max()) / 2) if len(values) else 0.0


def participation_heatmap(df: pd.DataFrame) -> alt.LayerChart:
    """Share of people active per site (y) and function (x)."""
    _guard(df)
    data = df.assign(site_label=df["site"] + " (" + df["region"] + ")")
    order = list(dict.fromkeys(data.sort_values(["region", "site"])["site_label"]))
    return _heatmap(
        data, x="function", x_title="Function", y="site_label",
        value="share_contributing", value_title="Posted", fmt=".0%", y_sort=order,
        domain=[0, 1],
        tooltip=[alt.Tooltip("site:N", title="Site"), alt.Tooltip("region:N", title="Region"),
                 alt.Tooltip("function:N", title="Function"),
                 alt.Tooltip("people:Q", title="People"),
                 alt.Tooltip("contributors:Q", title="Posted something"),
                 alt.Tooltip("share_contributing:Q", title="Share who posted", format=".0%"),
                 alt.Tooltip("share_active:Q", title="Share active at all", format=".0%"),
                 alt.Tooltip("posts_per_person:Q", title="Posts per person")],
        title=_title("Participation by site and function",
                     "Share of people who posted a question, answer, comment, proposal or "
                     "suggestion in the period; groups under 5 people hidden"))


def answer_time_chart(df: pd.DataFrame) -> alt.Chart:
    """Median and 90th percentile hours to a first answer, per month asked."""
    monthly = df.dropna(subset=["month"])
    _guard(monthly)
    long = monthly.melt(id_vars=["month", "answered"], value_vars=["median_hours", "p90_hours"],
                        var_name="measure", value_name="hours").dropna(subset=["hours"])
    long["measure"] = long["measure"].map({"median_hours": "Median",
                                           "p90_hours": "90th percentile"})
    _guard(long)
    return alt.Chart(long).mark_line(point=True).encode(
        x=_month(title="Month asked"),
        y=alt.Y("hours:Q", title="Hours to first answer"),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top"),
                        sort=["Median", "90th percentile"],
                        scale=alt.Scale(domain=["Median", "90th percentile"],
                                        range=["#3182bd", "#e6550d"])),
        tooltip=[alt.Tooltip("month:T", title="Month asked", format="%B %Y"),
                 alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("hours:Q", title="Hours", format=".1f"),
                 alt.Tooltip("answered:Q", title="Questions answered")],
    ).properties(title=_title("How long questions wait for a first answer",
                              "Median: half were answered faster. 90th percentile: only the "
                              "slowest tenth took longer"), height=260)


def question_outcomes_chart(df: pd.DataFrame) -> alt.Chart:
    """Per month asked: share of questions with an accepted answer, answered only, unanswered."""
    monthly = df.dropna(subset=["month"])
    _guard(monthly)
    data = pd.DataFrame({
        "month": list(monthly["month"]) * 3,
        "outcome": [o for o in OUTCOME_ORDER for _ in range(len(monthly))],
        "questions": list(monthly["accepted"]) + list(monthly["answered"] - monthly["accepted"])
        + list(monthly["unanswered"]),
        "asked": list(monthly["questions"]) * 3,
    })
    data["share"] = data["questions"] / data["asked"]
    _guard(data)
    return alt.Chart(data).mark_bar().encode(
        x=_month(title="Month asked"),
        y=alt.Y("questions:Q", stack="normalize", title="Share of questions asked",
                axis=alt.Axis(format="%")),
        color=alt.Color("outcome:N", title=None, sort=OUTCOME_ORDER,
                        legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=OUTCOME_ORDER,
                                        range=["#2ca02c", "#98df8a", "#d62728"])),
        order=alt.Order("outcome_order:Q"),
        tooltip=[alt.Tooltip("month:T", title="Month asked", format="%B %Y"),
                 alt.Tooltip("outcome:N", title="Outcome"),
                 alt.Tooltip("questions:Q", title="Questions"),
                 alt.Tooltip("share:Q", title="Share", format=".0%")],
    ).transform_calculate(
        outcome_order=f"indexof({OUTCOME_ORDER!r}, datum.outcome)"
    ).properties(title=_title("What happened to the questions asked each month"), height=260)


def proposals_chart(df: pd.DataFrame) -> alt.Chart:
    """Lesson proposals per month by status."""
    _guard(df)
    return alt.Chart(df).mark_bar().encode(
        x=_month(),
        y=alt.Y("proposals:Q", title="Proposals", stack="zero"),
        color=alt.Color("status:N", title=None, sort=PROPOSAL_ORDER,
                        legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=PROPOSAL_ORDER,
                                        range=["#2ca02c", "#ffbf00", "#d62728"])),
        tooltip=[alt.Tooltip("month:T", title="Month", format="%B %Y"),
                 alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("proposals:Q", title="Proposals")],
    ).properties(title=_title("Edits and examples proposed for lessons",
                              "By what trainers decided"), height=240)


def coauthors_chart(df: pd.DataFrame) -> alt.Chart:
    """Lessons by how many people wrote them."""
    _guard(df)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("coauthors:O", title="People who wrote the lesson", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("lessons:Q", title="Lessons"),
        tooltip=[alt.Tooltip("coauthors:O", title="Co-authors"),
                 alt.Tooltip("lessons:Q", title="Lessons")],
    ).properties(title=_title("Lessons by number of co-authors",
                              "Revisions written in the period"), height=240)


COMPLETION_COURSES = 30  # rows of the completion heatmap; a large catalogue has hundreds


def completion_heatmap(df: pd.DataFrame) -> alt.LayerChart:
    """Course completion rate per course (y) and site (x), for the courses most worked on."""
    people = df.groupby("course")["people"].sum().sort_index()
    shown = people.sort_values(ascending=False, kind="stable").index[:COMPLETION_COURSES]
    data = df[df["course"].isin(shown)]
    _guard(data)
    which = (f"the {COMPLETION_COURSES} courses most worked on, of {len(people)} (all are in "
             "the CSV); " if len(people) > COMPLETION_COURSES else "")
    return _heatmap(
        data, x="site", x_title="Site", y="course",
        value="completion_rate", value_title="Completed", fmt=".0%", scheme="greens",
        domain=[0, 1],
        tooltip=[alt.Tooltip("course:N", title="Course"), alt.Tooltip("site:N", title="Site"),
                 alt.Tooltip("people:Q", title="People who worked on it"),
                 alt.Tooltip("completed:Q", title="Completed every lesson"),
                 alt.Tooltip("completion_rate:Q", title="Completion", format=".0%")],
        title=_title("Course completion by site",
                     "Of the people who worked on a course in the period, the share who "
                     f"finished it; {which}groups under 5 hidden"))


def funnel_chart(df: pd.DataFrame) -> alt.LayerChart:
    """Suggestions reaching each stage, as horizontal bars."""
    _guard(df)
    order = list(df["stage"])
    base = alt.Chart(df).encode(
        y=alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("suggestions:Q", title="Suggestions"),
        tooltip=[alt.Tooltip("stage:N", title="Stage"),
                 alt.Tooltip("suggestions:Q", title="Suggestions"),
                 alt.Tooltip("share_of_submitted:Q", title="Of those submitted", format=".0%")],
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=4).encode(
        text=alt.Text("share_of_submitted:Q", format=".0%"))
    return alt.layer(bars, labels).properties(
        title=_title("From suggestion to implementation",
                     "Suggestions made in the period and how far they got"), height=200)


def status_time_chart(df: pd.DataFrame) -> alt.LayerChart:
    """Median days in each status (bar) with the 90th percentile (tick)."""
    data = df.dropna(subset=["median_days"])
    _guard(data)
    tooltip = [alt.Tooltip("status:N", title="Status"),
               alt.Tooltip("median_days:Q", title="Median days", format=".1f"),
               alt.Tooltip("p90_days:Q", title="90th percentile days", format=".1f"),
               alt.Tooltip("moved_on:Q", title="Suggestions that moved on"),
               alt.Tooltip("waiting_now:Q", title="Waiting in this status now")]
    base = alt.Chart(data).encode(
        y=alt.Y("status:N", sort=list(data["status"]), title=None),
        tooltip=tooltip)
    days = "Days in status (bar: median, tick: 90th percentile)"
    bars = base.mark_bar(color="#4c78a8").encode(x=alt.X("median_days:Q", title=days))
    ticks = base.mark_tick(color="#d62728", thickness=3, size=18).encode(
        x=alt.X("p90_days:Q", title=days))
    return alt.layer(bars, ticks).properties(
        title=_title("How long suggestions wait in each status"), height=200)


def top_contributors_chart(df: pd.DataFrame) -> alt.Chart:
    """Horizontal stacked bars of posts by kind for the top contributors."""
    kinds = ["Questions", "Answers", "Comments", "Lesson proposals", "Suggestions"]
    long = df.melt(id_vars=["name", "site", "total"], value_vars=kinds, var_name="kind",
                   value_name="posts")
    long = long[long["posts"] > 0]
    _guard(long)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("total", order="descending"), title=None,
                axis=alt.Axis(labelLimit=200)),
        x=alt.X("posts:Q", title="Posts in the period", stack="zero"),
        color=alt.Color("kind:N", title=None, sort=kinds, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=kinds, range=KIND_COLOURS)),
        order=alt.Order("kind_order:Q"),
        tooltip=[alt.Tooltip("name:N", title="Person"), alt.Tooltip("site:N", title="Site"),
                 alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("posts:Q", title="Posts"),
                 alt.Tooltip("total:Q", title="All posts")],
    ).transform_calculate(
        kind_order=f"indexof({kinds!r}, datum.kind)"
    ).properties(title=_title("Top contributors", "The people who posted most in the period"),
                 height=max(200, 24 * df["name"].nunique()))


# --- who helps whom -------------------------------------------------------------------------------

def help_matrix_chart(df: pd.DataFrame, *, by: str = "site") -> alt.LayerChart:
    """Acts of help from one group (rows) to another (columns)."""
    _guard(df)
    noun = "site" if by == "site" else "function"
    return _heatmap(
        df, x="helped_group", x_title=f"People helped, by {noun}", y="helper_group",
        value="acts", value_title="Acts of help", fmt=",d",
        scheme="oranges",
        tooltip=[alt.Tooltip("helper_group:N", title=f"Helpers' {noun}"),
                 alt.Tooltip("helped_group:N", title=f"Helped {noun}"),
                 alt.Tooltip("acts:Q", title="Acts of help"),
                 alt.Tooltip("people:Q", title="Distinct helpers"),
                 alt.Tooltip("people_helped:Q", title="Distinct people helped")],
        title=_title(f"Who helps whom, {noun} by {noun}",
                     f"Rows: the helpers' {noun}. Columns: the {noun} of the people they "
                     "helped. Cells with under 5 helpers or 5 people helped hidden"))


def network_chart(nodes: pd.DataFrame, links: pd.DataFrame,
                  sites: list[str] | None = None) -> alt.LayerChart:
    """The help network: links as thin lines, people as dots coloured by site."""
    _guard(nodes, links)
    hidden = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    lines = alt.Chart(links).mark_rule(color="#9e9e9e").encode(
        x=alt.X("x:Q", axis=hidden), y=alt.Y("y:Q", axis=hidden), x2="x2:Q", y2="y2:Q",
        opacity=alt.Opacity("acts:Q", scale=alt.Scale(range=[0.12, 0.6]), legend=None),
        strokeWidth=alt.StrokeWidth("acts:Q", scale=alt.Scale(range=[0.5, 3]), legend=None),
    )
    dots = alt.Chart(nodes).mark_circle(stroke="white", strokeWidth=0.8, opacity=0.95).encode(
        x=alt.X("x:Q", axis=hidden), y=alt.Y("y:Q", axis=hidden),
        color=_site_colour(sites),
        size=alt.Size("bridging:Q", title="Bridging score", scale=alt.Scale(range=[30, 600])),
        tooltip=[alt.Tooltip("name:N", title="Person"), alt.Tooltip("site:N", title="Site"),
                 alt.Tooltip("function:N", title="Function"),
                 alt.Tooltip("helped:Q", title="People helped"),
                 alt.Tooltip("sites_helped:Q", title="Other sites helped"),
                 alt.Tooltip("functions_helped:Q", title="Other functions helped"),
                 alt.Tooltip("bridging:Q", title="Bridging score", format=".3f")],
    )
    return alt.layer(lines, dots).properties(
        title=_title("The help network",
                     "Each dot is a person, coloured by site; bigger dots bridge more groups. "
                     "Lines join people who helped each other; the most connected people shown"),
        height=560,
    ).configure_view(strokeWidth=0)


def site_network_chart(nodes: pd.DataFrame, links: pd.DataFrame,
                       sites: list[str] | None = None) -> alt.LayerChart:
    """Sites on a circle; line width shows the help between two sites (both ways)."""
    _guard(nodes, links)
    hidden = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    pad = alt.Scale(domain=[-1.45, 1.45])
    lines = alt.Chart(links).mark_rule(color="#7f7f7f", opacity=0.55).encode(
        x=alt.X("x:Q", axis=hidden, scale=pad), y=alt.Y("y:Q", axis=hidden, scale=pad),
        x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("acts:Q", title="Acts of help between two sites",
                                    scale=alt.Scale(range=[1, 16])),
        tooltip=[alt.Tooltip("site_a:N", title="Site"), alt.Tooltip("site_b:N", title="and site"),
                 alt.Tooltip("acts:Q", title="Acts of help, both ways"),
                 alt.Tooltip("a_to_b:Q", title="From the first to the second"),
                 alt.Tooltip("b_to_a:Q", title="From the second to the first")],
    )
    node_tip = [alt.Tooltip("site:N", title="Site"),
                alt.Tooltip("given:Q", title="Help given to other sites"),
                alt.Tooltip("received:Q", title="Help received from other sites"),
                alt.Tooltip("within:Q", title="Help inside the site")]
    dots = alt.Chart(nodes).mark_circle(opacity=1, stroke="white", strokeWidth=2).encode(
        x=alt.X("x:Q", axis=hidden, scale=pad), y=alt.Y("y:Q", axis=hidden, scale=pad),
        color=_site_colour(sites),
        size=alt.Size("given:Q", legend=None, scale=alt.Scale(range=[300, 2500])),
        tooltip=node_tip)
    names = alt.Chart(nodes).mark_text(fontSize=14, fontWeight="bold", dy=-30).encode(
        x=alt.X("x:Q", axis=hidden, scale=pad), y=alt.Y("y:Q", axis=hidden, scale=pad),
        text="site:N", tooltip=node_tip)
    return alt.layer(lines, dots, names).properties(
        title=_title("Help between sites",
                     "Thicker lines: more help between two sites. Bigger dots: more help given "
                     "to other sites"), height=460,
    ).configure_view(strokeWidth=0)


def bridges_chart(df: pd.DataFrame, sites: list[str] | None = None) -> alt.Chart:
    """The people who bridge the most, by bridging score."""
    _guard(df)
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("name:N", sort=alt.EncodingSortField("bridging", order="descending"),
                title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("bridging:Q", title="Bridging score (betweenness, 0-1)"),
        color=_site_colour(sites),
        tooltip=[alt.Tooltip("name:N", title="Person"), alt.Tooltip("site:N", title="Site"),
                 alt.Tooltip("function:N", title="Function"),
                 alt.Tooltip("helped:Q", title="People helped"),
                 alt.Tooltip("sites_helped:Q", title="Other sites helped"),
                 alt.Tooltip("functions_helped:Q", title="Other functions helped"),
                 alt.Tooltip("bridging:Q", title="Bridging score", format=".3f")],
    ).properties(title=_title("People who connect sites and functions",
                              "They sit on the paths along which help travels"),
                 height=max(200, 24 * len(df)))


# --- regulatory throughput ------------------------------------------------------------------------

def throughput_chart(df: pd.DataFrame) -> alt.VConcatChart:
    """Submissions filed (top) and approvals received (bottom) per month, stacked by agency."""
    _guard(df)
    start, end = df["month"].min(), df["month"].max()

    def panel(measure: str, title: str) -> alt.Chart:
        return alt.Chart(df).mark_bar().encode(
            x=alt.X("month:T", title="Month", timeUnit="yearmonth",
                    axis=alt.Axis(format="%b %Y", labelAngle=0),
                    scale=alt.Scale(domain=[start.isoformat(), end.isoformat()])),
            y=alt.Y("submissions:Q", title=title, stack="zero"),
            color=_agency_colour(df["agency"]),
            tooltip=[alt.Tooltip("month:T", title="Month", format="%B %Y"),
                     alt.Tooltip("measure:N", title="Measure"),
                     alt.Tooltip("agency:N", title="Agency"),
                     alt.Tooltip("submissions:Q", title="Submissions")],
        ).transform_filter(alt.datum.measure == measure).properties(height=170)

    return alt.vconcat(panel("Submitted", "Submissions filed"),
                       panel("Approved", "Approvals received")).properties(
        title=_title("Submissions filed and approvals received each month",
                     "By health authority"))


def approval_curve_chart(df: pd.DataFrame) -> alt.Chart:
    """Kaplan-Meier: share approved by days since submission, one step line per agency."""
    _guard(df)
    return alt.Chart(df).mark_line(interpolate="step-after").encode(
        x=alt.X("days:Q", title="Days since submission"),
        y=alt.Y("share_approved:Q", title="Share approved", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=_agency_colour(df["agency"]),
        tooltip=[alt.Tooltip("agency:N", title="Agency"),
                 alt.Tooltip("days:Q", title="Days since submission"),
                 alt.Tooltip("share_approved:Q", title="Share approved by then", format=".0%"),
                 alt.Tooltip("at_risk:Q", title="Still waiting at that point")],
    ).properties(title=_title("How quickly submissions get approved",
                              "Kaplan-Meier estimate: pending submissions count for as long as "
                              "they have waited"), height=240)


def approval_time_chart(df: pd.DataFrame) -> alt.LayerChart:
    """Median days to approval (dot) and the middle half (bar) per agency and type."""
    data = df[(df["submission_type"] != "All types")].dropna(subset=["median_days"]).copy()
    _guard(data)
    data["group"] = data["agency"] + " · " + data["submission_type"]
    data["q3_shown"] = data["q3_days"].fillna(data["median_days"])
    tooltip = [alt.Tooltip("agency:N", title="Agency"),
               alt.Tooltip("submission_type:N", title="Type"),
               alt.Tooltip("median_days:Q", title="Median days"),
               alt.Tooltip("q1_days:Q", title="25% approved within (days)"),
               alt.Tooltip("q3_days:Q", title="75% approved within (days)"),
               alt.Tooltip("submissions:Q", title="Submissions"),
               alt.Tooltip("approved:Q", title="Approved"),
               alt.Tooltip("pending:Q", title="Still pending")]
    base = alt.Chart(data).encode(
        y=alt.Y("group:N", title=None, sort=list(data["group"]), axis=alt.Axis(labelLimit=220)),
        color=_agency_colour(legend=False), tooltip=tooltip)
    days = "Days from submission to approval"
    span = base.mark_bar(height=10, opacity=0.45).encode(
        x=alt.X("q1_days:Q", title=days), x2="q3_shown:Q")
    dot = base.mark_point(filled=True, size=90, opacity=1).encode(
        x=alt.X("median_days:Q", title=days))
    return alt.layer(span, dot).properties(
        title=_title("Days to approval by agency and type",
                     "Dot: median. Bar: 25% to 75% approved. Pending submissions counted, "
                     "not dropped"), height=max(200, 22 * len(data)))


def decision_quality_chart(df: pd.DataFrame) -> alt.Chart:
    """First-cycle approval rate and on-time share per agency, side by side."""
    _guard(df)
    measures = {"first_cycle_rate": "First-cycle approval", "on_time_rate": "On time"}
    long = df.melt(id_vars=["agency", "decided", "with_target"], value_vars=list(measures),
                   var_name="measure", value_name="rate").dropna(subset=["rate"])
    long["measure"] = long["measure"].map(measures)
    _guard(long)
    order = sorted(a for a in df["agency"] if a != "All agencies") + ["All agencies"]
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("agency:N", title="Agency", sort=order,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False)),
        xOffset=alt.XOffset("measure:N", sort=list(measures.values())),
        y=alt.Y("rate:Q", title="Share of decisions", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, sort=list(measures.values()),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("agency:N", title="Agency"),
                 alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("rate:Q", title="Share", format=".0%"),
                 alt.Tooltip("decided:Q", title="Approvals and rejections"),
                 alt.Tooltip("with_target:Q", title="Of them with a target date")],
    ).properties(title=_title("First-cycle approvals and on-time decisions",
                              "Approvals and rejections decided in the period"), height=260)


def backlog_chart(df: pd.DataFrame) -> alt.Chart:
    """Pending submissions per agency, stacked by how long they have waited."""
    _guard(df)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("agency:N", title="Agency", sort=AGENCIES,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False)),
        y=alt.Y("submissions:Q", title="Submissions waiting", stack="zero"),
        color=alt.Color("age:N", title="Waiting for", sort=AGE_ORDER,
                        scale=alt.Scale(domain=AGE_ORDER, scheme="orangered")),
        order=alt.Order("age_order:Q"),
        tooltip=[alt.Tooltip("agency:N", title="Agency"),
                 alt.Tooltip("age:N", title="Waiting for"),
                 alt.Tooltip("submissions:Q", title="Submissions")],
    ).transform_calculate(
        age_order=f"indexof({AGE_ORDER!r}, datum.age)"
    ).properties(title=_title("Backlog: submissions waiting for a decision",
                              "At the end of the period, by time since submission"), height=260)
