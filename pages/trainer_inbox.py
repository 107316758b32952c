"""Trainer inbox: proposals waiting, versions to sign, and lessons that are low-rated or stale."""

import streamlit as st

from components.auth import require_role
from components.data import database
from db import content

actor = require_role("trainer")
db = database()
st.title("Trainer inbox")
st.caption("What needs a trainer now. Pick a row to open the lesson.")

# Controls and counts in rows that wrap: in a laptop window with the sidebar open, five
# columns cut every label off.
top = st.container(horizontal=True, vertical_alignment="bottom", gap="large")
only_mine = top.toggle("Only courses I own", value=True, key="ib-mine", width="content",
                       help="Versions waiting for your signature are listed for every course.")
months = top.number_input("Stale after (months without review)", min_value=1, max_value=120,
                          value=content.STALE_MONTHS, step=1, key="ib-months", width=260)
with db.read() as s:
    box = content.inbox(s, actor=actor, stale_months=int(months), only_mine=only_mine)
    failed = content.failed_signature_count(s, actor=actor) if actor.has("admin") else None

counts = st.container(horizontal=True, gap="large")
for label, value in (("Proposals waiting", box.proposals_total),
                     ("Waiting for your signature", box.to_sign_total),
                     ("Your versions in review", box.mine_in_review_total),
                     ("Low-rated lessons", box.low_rated_total),
                     ("Stale lessons", box.stale_total)):
    counts.metric(label, value, width="content")
if failed is not None:
    st.caption(f"Wrong signing passwords in the last 30 days: {failed} (filter the audit trail "
               "by signature.failed for details).")


def section(title: str, rows: list[content.InboxRow], *, key: str, tab: str, empty: str,
            who: str = "Who", total: int | None = None) -> None:
    st.subheader(title)
    if not rows:
        st.caption(empty)
        return
    if total is not None and total > len(rows):
        st.caption(f"Showing the first {len(rows)} of {total}.")
    table = st.dataframe(
        [{"Lesson": r.title, "What": r.note, **({who: r.who} if who else {}),
          "Course": r.course, "Since (UTC)": r.when} for r in rows],
        hide_index=True, on_select="rerun", selection_mode="single-row", key=key)
    if table.selection.rows:
        row = rows[table.selection.rows[0]]
        link = {"lesson": str(row.lesson_id), "tab": tab}
        if row.proposal_id:
            link["proposal"] = str(row.proposal_id)
        st.switch_page("pages/lessons.py", query_params=link)


section("Proposals waiting", box.proposals, key="ib-proposals", tab="Proposals",
        who="Proposed by", total=box.proposals_total,
        empty="No proposals are waiting. When learners propose edits or examples they show "
              "up here" + (" (switch off “Only courses I own” to see other courses)."
                           if only_mine else "."))
section("Waiting for your signature", box.to_sign, key="ib-sign", tab="Review",
        who="Author", total=box.to_sign_total,
        empty="Nothing to sign. Versions other trainers send for review show up here; you "
              "cannot sign versions you helped write.")
section("Your versions in review", box.mine_in_review, key="ib-mine-review",
        tab="Review", who="Author", total=box.mine_in_review_total,
        empty="None of your versions is waiting for a signature.")
section("Low-rated lessons", box.low_rated, key="ib-low", tab="Lesson", who="",
        total=box.low_rated_total,
        empty=f"No lesson averages under {content.LOW_RATING:.0f} stars "
              f"(with at least {content.LOW_RATING_MIN_COUNT} ratings).")
section(f"Stale lessons (not reviewed for {int(months)} months)", box.stale, key="ib-stale",
        tab="Review", who="", total=box.stale_total,
        empty="Every published lesson was reviewed recently. Sign a lesson as reviewed on its "
              "Review tab to reset its clock.")
