"""Badges, levels, leaderboards, profiles and the fair-play view, on top of db.gamification.

`show_new_badges(actor)` is called once per page load from app.py: each newly earned badge
appears as a toast, once.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components import forms
from components.analytics_widgets import data_version
from components.data import database
from components.markdown import plain
from components.post_widgets import ago
from db import gamification as gm
from db import suggestions as sg
from db.actors import Actor
from db.models import FUNCTIONS

TIER_COLOR = {"bronze": "orange", "silver": "gray", "gold": "yellow"}
PAGE = 25


def show_new_badges(actor: Actor | None) -> None:
    """Toast every badge this person earned since they last loaded a page, then mark it seen."""
    if actor is None or actor.id is None:
        return
    db = database()
    with db.read() as s:
        new = gm.unseen_badges(s, user_id=actor.id)
    if not new:
        return
    for b in new:
        st.toast(f"New badge: **{b.name}** ({b.tier}). {b.rule}.", icon=b.icon, duration="long")
    with db.write() as s:
        gm.mark_badges_seen(s, actor=actor)


# --- profile ----------------------------------------------------------------------------------


def level_bar(level: gm.Level) -> None:
    if level.next_at is None:
        st.progress(1.0, text=f"Level {level.number}, {level.name}: the top level.")
    else:
        st.progress(level.progress, text=f"Level {level.number}, {level.name}: "
                                         f"{level.to_next:,} points to {level.next_name}")


def badge_grid(badges: list[gm.BadgeStatus], *, columns: int = 3) -> None:
    cols = st.columns(columns)
    for i, b in enumerate(badges):
        with cols[i % columns], st.container(border=True, height="stretch"):
            st.markdown(f"{b.icon} **{b.name}**" + (" :red-badge[New]" if b.new else ""))
            if b.tier:
                st.badge(f"{b.tier.capitalize()} · {b.awarded_at:%d %b %Y}",
                         color=TIER_COLOR[b.tier])
                st.caption(b.rules[gm.TIER_RANK[b.tier]])
            else:
                st.caption("Not earned yet")
            if b.next_need:
                st.progress(min(1.0, b.count / b.next_need),
                            text=f"{b.count} / {b.next_need} for {b.next_tier}: {b.next_rule}")


def points_chart(days: pd.DataFrame) -> alt.Chart:
    """Bars of points per day (columns: day, points); no Streamlit inside."""
    return alt.Chart(days).mark_bar().encode(
        x=alt.X("day:T", title=None), y=alt.Y("points:Q", title="Points"),
        tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("points:Q", title="Points")],
    ).properties(height=180)


def points_history(actor: Actor, user_id: int) -> None:
    with database().read() as s:
        days = gm.daily_points(s, user_id=user_id, days=90)
    if days:
        st.altair_chart(points_chart(pd.DataFrame(days, columns=["day", "points"])))
    key = f"pf-pages-{user_id}"
    pages = st.session_state.setdefault(key, [None])
    with database().read() as s:
        rows = gm.points_history(s, actor=actor, user_id=user_id, before_id=pages[-1],
                                 limit=PAGE)
    if not rows:
        st.caption("No points yet.")
        return
    st.dataframe([{"When": f"{r.at:%d %b %Y %H:%M}", "What": r.label, "Points": r.points,
                   "Note": f"voided: {r.void_reason}" if r.voided else ""} for r in rows],
                 hide_index=True)
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("Newest", disabled=len(pages) == 1, key="pf-first"):
        st.session_state[key] = [None]
        st.rerun()
    if bar.button("Older", disabled=len(rows) < PAGE, key="pf-next"):
        pages.append(rows[-1].id)
        st.rerun()


CONTRIBUTIONS = (("questions", "Questions asked"), ("answers", "Answers"),
                 ("accepted_answers", "Accepted answers"), ("suggestions", "Suggestions"),
                 ("implemented", "Implemented"), ("lessons_cowritten", "Lessons co-written"),
                 ("completions", "Optional lessons done"))


def contributions(actor: Actor, p: gm.Profile) -> None:
    cols = st.columns(len(CONTRIBUTIONS))
    for col, (key, label) in zip(cols, CONTRIBUTIONS, strict=True):
        col.metric(label, f"{p.metrics.get(key, 0):,}")
    with database().read() as s:
        mine = sg.listing(s, actor=actor, sort="newest", author_id=p.user_id, limit=5)
    if mine:
        st.markdown("**Latest suggestions**")
        for c in mine:
            if st.button(f"{plain(c.title)} ({sg.STATUS_LABEL[c.status].lower()}, "
                         f"{c.vote_count} votes, {ago(c.created_at)})", key=f"pf-sg-{c.id}",
                         type="tertiary", icon=":material/lightbulb:"):
                st.switch_page("pages/suggestions.py", query_params={"s": str(c.id)})


# --- leaderboard ------------------------------------------------------------------------------


def board_filters() -> tuple[str, int | None, str | None]:
    with database().read() as s:
        names = dict(sg.sites(s))
    # In the address, so a board for this month or all time can be shared
    # (?lb-period=All+time: the address holds the label shown).
    period = st.segmented_control("Period", list(gm.PERIODS), format_func=gm.PERIODS.get,
                                  default="week", required=True, key="lb-period",
                                  bind="query-params", on_change=_lb_first)
    c1, c2 = st.columns(2)
    site = c1.selectbox("Site", list(names), index=None, format_func=names.get,
                        placeholder="All sites", key="lb-site", on_change=_lb_first)
    function = c2.selectbox("Function", FUNCTIONS, index=None, placeholder="All functions",
                            key="lb-function", on_change=_lb_first)
    return period or "week", site, function


def _lb_first() -> None:
    st.session_state["lb-pages"] = [None]


# The boards rank everyone's points in the period: the same for every viewer, so computed once
# per filter, page and data version (any write that awards or voids points changes it), and
# the viewer (`_actor`) is left out of the key. The short TTL moves "this week" and "this
# month" on at their boundaries.
@st.cache_data(ttl=60, max_entries=200, show_spinner=False)
def _board(period: str, site: int | None, function: str | None, after: tuple | None,
           version: str, _actor: Actor) -> list[gm.LeaderRow]:
    with database().read() as s:
        return gm.leaderboard(s, actor=_actor, period=period, site_id=site, function=function,
                              after=after, limit=PAGE)


@st.cache_data(ttl=60, max_entries=2000, show_spinner=False)
def _standing(user_id: int, period: str, site: int | None, function: str | None,
              version: str, _actor: Actor) -> tuple[int | None, int]:
    with database().read() as s:
        return gm.standing(s, actor=_actor, user_id=user_id, period=period, site_id=site,
                           function=function)


@st.cache_data(ttl=60, max_entries=20, show_spinner=False)
def _teams(period: str, by: str, version: str, _actor: Actor) -> list[gm.TeamRow]:
    with database().read() as s:
        return gm.team_totals(s, actor=_actor, period=period, by=by)


def people_board(actor: Actor, period: str, site: int | None, function: str | None,
                 version: str | None = None) -> None:
    """`version`: the data version, when the page has read it already on this run."""
    gm.check_board_access(actor)  # on every call: a cache hit does not reach the service
    pages = st.session_state.setdefault("lb-pages", [None])
    version = version or data_version()
    rank, pts = _standing(actor.id, period, site, function, version, actor)
    rows = _board(period, site, function, pages[-1], version, actor)
    c1, c2, _ = st.columns([1, 1, 2])
    c1.metric("Your place", f"#{rank}" if rank else "-",
              help=None if rank else "Earn points in this period to appear on the board.")
    c2.metric("Your points", f"{pts:,}")
    if not rows:
        st.info("Nobody has points here yet. Answer a question or submit a suggestion to be "
                "the first.", icon=":material/emoji_events:")
        return
    table = st.dataframe(
        [{"Rank": r.rank, "Name": r.name + (" (you)" if r.user_id == actor.id else ""),
          "Site": r.site or "", "Function": r.function or "", "Points": r.points}
         for r in rows],
        hide_index=True, on_select="rerun", selection_mode="single-row",
        key=f"lb-table-{len(pages)}")
    st.caption("Pick a row to open that person's profile.")
    if table.selection.rows:
        st.switch_page("pages/profile.py",
                       query_params={"user": rows[table.selection.rows[0]].username})
    bar = st.container(horizontal=True)  # buttons side by side, as wide as their labels
    if bar.button("Top", disabled=len(pages) == 1, key="lb-first"):
        _lb_first()
        st.rerun()
    if bar.button("Next page", disabled=len(rows) < PAGE, key="lb-next"):
        pages.append(rows[-1].cursor)
        st.rerun()


def team_board(actor: Actor, period: str, by: str, version: str | None = None) -> None:
    gm.check_board_access(actor)  # on every call: a cache hit does not reach the service
    rows = _teams(period, by, version or data_version(), actor)
    if not rows:
        st.info("No sites or functions yet.")
        return
    st.dataframe([{by.capitalize(): r.name, "Points": r.points,
                   "Points per person": round(r.per_person, 1), "People with points":
                   r.contributors, "People": r.people} for r in rows], hide_index=True)


# --- fair play --------------------------------------------------------------------------------


def ring_settings() -> tuple[int, int, float]:
    with st.expander("How rings are found", icon=":material/tune:"):
        st.caption("A pair: both upvote each other at least the minimum number of times, and "
                   "those votes are at least the given share of each one's upvotes. A group: "
                   "3 to 8 people, densely linked, each giving at least that share of their "
                   "upvotes inside the group.")
        c1, c2, c3 = st.columns(3)
        days = c1.slider("Look back (days)", 14, 365, 90, key="fp-days")
        min_votes = c2.slider("Minimum upvotes along a link", 2, 10, 3, key="fp-min")
        share = c3.slider("Share of one's upvotes inside", 0.3, 0.9, 0.5, step=0.05,
                          key="fp-share")
    return days, min_votes, share


@st.cache_data(ttl=120, show_spinner="Looking for vote rings ...", max_entries=20)
def _rings(_actor: Actor, actor_id: int, days: int, min_votes: int, share: float
           ) -> list[gm.Ring]:
    with database().read() as s:
        return gm.suspected_rings(s, actor=_actor, days=days, min_votes=min_votes, share=share)


def rings_view(actor: Actor, days: int, min_votes: int, share: float) -> None:
    rings = _rings(actor, actor.id, days, min_votes, share)
    if not rings:
        st.success("No suspected vote rings with these settings.", icon=":material/verified:")
        return
    table = st.dataframe(
        [{"Kind": r.kind, "Members": ", ".join(m.name for m in r.members),
          "Upvotes inside": r.votes_inside, "Smallest share inside": f"{r.share:.0%}",
          "Points at stake": r.points_at_stake,
          "Status": "voided" if r.voided else "open"} for r in rings],
        hide_index=True, on_select="rerun", selection_mode="single-row", key="fp-table")
    picked = table.selection.rows
    if not picked:
        st.caption("Pick a row to look at a ring and void its points.")
        return
    ring = rings[picked[0]]
    st.dataframe([{"Name": m.name, "Username": m.username, "Upvotes given": m.given,
                   "Of which inside": m.given_inside} for m in ring.members], hide_index=True)
    with st.form("fp-void"):
        reason = st.text_area("Reason (kept in the audit trail and sent to the members)",
                              key="fp-reason")
        forms.field_error("fp-void", "reason")
        if st.form_submit_button(f"Void {ring.points_at_stake} points", type="primary",
                                 disabled=ring.points_at_stake == 0):
            def void() -> gm.VoidResult:
                with database().write() as s:
                    return gm.void_ring_points(s, actor=actor, member_ids=ring.member_ids,
                                               reason=reason)

            result = forms.submit("fp-void", void)
            if result is not None:
                _rings.clear()
                st.toast(f"Voided {result.points} points ({result.events} entries).",
                         icon=":material/gavel:")
                st.rerun()


def voided_log(actor: Actor) -> None:
    with database().read() as s:
        log = gm.voided_ring_log(s, actor=actor)
    if log:
        st.dataframe([{"When": r["at"], "By": r["by"], "Members": r["members"],
                       "Reason": r["reason"]} for r in log], hide_index=True)
    else:
        st.caption("No points have been voided yet.")
