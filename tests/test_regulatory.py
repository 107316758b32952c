"""Regulatory submissions: the tracker, CSV import (template and Drugs@FDA), Kaplan-Meier time to
approval with pending submissions, throughput metrics, related content; leaders only."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from db import audit, regulatory
from db.analytics import Filters
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    AuditRecord,
    Course,
    CourseTag,
    Lesson,
    LessonRevision,
    Question,
    QuestionTag,
    Site,
    Submission,
    Tag,
)
from db.regulatory import ImportRejected, KMStep, kaplan_meier, km_quantile

H1 = Filters(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 12, 31)  # later than the range: "as of" is the range's end


def good(**changes) -> dict:
    values = {"product": "Examplumab 100 mg/mL", "application_number": "BLA 761999",
              "sequence": "1", "submission_type": "bla", "agency": "fda",
              "submitted_on": "2026-01-15", "validated_on": "2026-03-16",
              "target_on": "2027-01-15", "question_rounds": "1"}
    values.update(changes)
    return values


def count(db, model=Submission) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def audits(db, action: str) -> list[AuditRecord]:
    with db.read() as s:
        rows = list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)
                              .order_by(AuditRecord.id)))
        s.expunge_all()  # keep them readable after the read session rolls back
        return rows


# --- Kaplan-Meier ---------------------------------------------------------------------------------

def test_kaplan_meier_by_hand():
    # Approved after 10, 20, 20 and 40 days; still pending after 15, 30 and 50 days.
    steps = kaplan_meier([(10, 1, 0), (15, 0, 1), (20, 2, 0), (30, 0, 1), (40, 1, 0),
                          (50, 0, 1)])
    assert [(s.time, s.at_risk, s.events, s.censored) for s in steps] == [
        (10, 7, 1, 0), (15, 6, 0, 1), (20, 5, 2, 0), (30, 3, 0, 1), (40, 2, 1, 0),
        (50, 1, 0, 1)]
    # S(10) = 6/7; S(20) = 6/7 * 3/5 = 18/35; S(40) = 18/35 * 1/2 = 9/35
    assert [round(s.survival, 6) for s in steps] == [
        round(6 / 7, 6), round(6 / 7, 6), round(18 / 35, 6), round(18 / 35, 6),
        round(9 / 35, 6), round(9 / 35, 6)]
    assert km_quantile(steps, 0.25) == 20  # first S <= 0.75
    assert km_quantile(steps, 0.5) == 40  # dropping the pending ones would say 20
    assert km_quantile(steps, 0.75) is None  # S never reaches 0.25: not reached


def test_kaplan_meier_counts_an_event_before_a_censoring_at_the_same_time():
    steps = kaplan_meier([(10, 1, 1), (20, 1, 0)])
    assert steps[0] == KMStep(10, 3, 1, 1, pytest.approx(2 / 3))
    assert steps[1] == KMStep(20, 1, 1, 0, 0.0)


def test_kaplan_meier_without_pending_is_the_plain_share():
    steps = kaplan_meier([(5, 1, 0), (7, 1, 0), (9, 2, 0)])
    assert [s.survival for s in steps] == [0.75, 0.5, 0.0]
    assert km_quantile(steps, 0.5) == 7


def test_kaplan_meier_of_nothing():
    assert kaplan_meier([]) == [] and km_quantile([], 0.5) is None


# --- the tracker ----------------------------------------------------------------------------------

def test_create_submission_writes_an_audit_record(db, people):
    with db.write() as s:
        sid = regulatory.create_submission(s, actor=people["leader"], values=good())
    with db.read() as s:
        row = regulatory.get_submission(s, actor=people["leader"], submission_id=sid)
    assert (row.agency, row.submission_type, row.sequence, row.region, row.status) == (
        "FDA", "BLA", "0001", "North America", "under_review")  # worked out from the dates
    record = audits(db, "submission.created")[0]
    assert record.entity_id == str(sid) and record.actor_username == "lars"
    assert record.after["application_number"] == "BLA 761999"


def test_the_same_submission_cannot_be_added_twice(db, people):
    with db.write() as s:
        regulatory.create_submission(s, actor=people["leader"], values=good())
    with pytest.raises(Conflict), db.write() as s:
        regulatory.create_submission(s, actor=people["admin"], values=good(sequence="0001"))


def test_update_submission_records_before_and_after(db, people):
    with db.write() as s:
        sid = regulatory.create_submission(s, actor=people["leader"], values=good())
    decided = good(decided_on="2026-06-01", outcome="approved", status="")
    with db.write() as s:
        assert regulatory.update_submission(s, actor=people["leader"], submission_id=sid,
                                            values=decided)
    with db.write() as s:  # the same values again: nothing to record
        assert not regulatory.update_submission(s, actor=people["leader"], submission_id=sid,
                                                values=decided)
    [record] = audits(db, "submission.updated")
    assert record.before == {"decided_on": None, "outcome": None, "status": "under_review"}
    assert record.after == {"decided_on": "2026-06-01", "outcome": "approved",
                            "status": "approved"}


def test_update_unknown_submission(db, people):
    with pytest.raises(NotFound), db.write() as s:
        regulatory.update_submission(s, actor=people["leader"], submission_id=999,
                                     values=good())


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"product": ""}, "product", "Give the product"),
    ({"application_number": "x" * 41}, "application_number", "at most 40"),
    ({"submission_type": "XYZ"}, "submission_type", "not a known submission type"),
    ({"agency": "Ministry of Magic"}, "agency", "not a known agency"),
    ({"submitted_on": "15/01/2026"}, "submitted_on", "YYYY-MM-DD"),
    ({"submitted_on": "2999-01-01"}, "submitted_on", "future"),
    ({"validated_on": "2026-01-01"}, "validated_on", "before submission"),
    ({"decided_on": "2026-04-01"}, "outcome", "needs its outcome"),
    ({"outcome": "approved"}, "decided_on", "Give the date"),
    ({"outcome": "maybe"}, "outcome", "Use one of"),
    ({"question_rounds": "-1"}, "question_rounds", "0 to 20"),
    ({"question_rounds": "two"}, "question_rounds", "0 to 20"),
    ({"status": "planned"}, "status", "no longer planned"),
    ({"status": "approved"}, "status", "needs the outcome"),
    ({"decided_on": "2026-04-01", "outcome": "approved", "status": "rejected"}, "status",
     "has the status approved"),
    ({"site": "Atlantis"}, "site", "no site called"),
])
def test_bad_values_are_refused_with_the_field(db, people, changes, field, words):
    with pytest.raises(ValidationError) as e, db.write() as s:
        regulatory.create_submission(s, actor=people["leader"], values=good(**changes))
    assert e.value.field == field and words in e.value.message
    assert count(db) == 0


def test_check_values_collects_every_problem():
    clean, errors = regulatory.check_values({"product": "", "agency": "X"}, site_ids={},
                                            on=TODAY)
    assert clean is None
    assert {f for f, _ in errors} >= {"product", "application_number", "submission_type",
                                      "agency"}


def test_planned_submission_needs_no_dates(db, people):
    values = good(submitted_on="", validated_on="", target_on="", question_rounds="")
    clean, errors = regulatory.check_values(values, site_ids={}, on=TODAY)
    assert errors == [] and clean["status"] == "planned" and clean["question_rounds"] == 0


def _submissions(db, rows: list[dict]) -> None:
    with db.write() as s:
        for i, r in enumerate(rows):
            s.add(Submission(**{"product": "P", "application_number": f"A{i}",
                                "submission_type": "NDA", "agency": "FDA",
                                "region": "North America", **r}))


def test_list_submissions_pages_with_a_keyset(db, people):
    _submissions(db, [{"submitted_on": date(2026, 1, d), "status": "submitted"}
                      for d in range(1, 8)] + [{"status": "planned"},
                                               {"submitted_on": date(2025, 1, 1)}])
    pages, after = [], None
    with db.read() as s:
        while True:
            rows = regulatory.list_submissions(s, actor=people["leader"], filters=H1,
                                               after=after, limit=3)
            if not rows:
                break
            pages.append([r.submitted_on.day if r.submitted_on else None for r in rows])
            after = regulatory.sort_key(rows[-1])
    # The planned one (no dates) first, then newest first; the 2025 one is outside the range.
    assert pages == [[None, 7, 6], [5, 4, 3], [2, 1]]


def test_list_submissions_filters(db, people):
    with db.write() as s:
        s.add(Site(name="Boston", region="North America", country="USA"))
    with db.read() as s:
        boston = s.scalar(select(Site.id))
    _submissions(db, [{"submitted_on": date(2026, 2, 1), "status": "submitted",
                       "site_id": boston},
                      {"submitted_on": date(2026, 2, 2), "status": "approved",
                       "outcome": "approved", "decided_on": date(2026, 3, 1), "agency": "EMA"}])
    with db.read() as s:
        at_boston = regulatory.list_submissions(
            s, actor=people["leader"], filters=Filters(H1.start, H1.end, (boston,)))
        approved = regulatory.list_submissions(s, actor=people["leader"], filters=H1,
                                               status="approved")
        ema = regulatory.list_submissions(s, actor=people["leader"], filters=H1, agency="EMA")
    assert [r.site for r in at_boston] == ["Boston"]
    assert [r.agency for r in approved] == [r.agency for r in ema] == ["EMA"]


# --- CSV import -----------------------------------------------------------------------------------

HEADER = ",".join(regulatory.COLUMNS)


def test_the_template_imports_cleanly(db, people):
    with db.read() as s:
        parsed = regulatory.check_csv(s, actor=people["leader"], text=regulatory.template_csv())
    assert parsed.layout == "template" and parsed.errors == [] and len(parsed.rows) == 2


def test_import_with_bad_rows_imports_nothing(db, people):
    text = "\n".join([
        HEADER,
        "Alpha 10 mg,NDA 111111,0000,NDA,FDA,,,2026-01-10,,,2026-02-10,approved,0,",
        "Beta 5 mg,EU/1/26/001,0001,MAA,Ministry,,,10.01.2026,,,,,x,",
        "Alpha 10 mg,NDA 111111,0,NDA,FDA,,,2026-01-11,,,,,0,",
        ",,,,,,,,,,,,,",  # a blank line is skipped, not an error
    ])
    with pytest.raises(ImportRejected) as e, db.write() as s:
        regulatory.import_csv(s, actor=people["leader"], text=text)
    assert [(x.row, x.column) for x in e.value.errors] == [
        (3, "agency"), (3, "submitted_on"), (3, "question_rounds"), (4, "sequence")]
    assert "row 2" in e.value.errors[-1].message
    assert count(db) == 0 and audits(db, "submission.created") == []


def test_import_missing_columns(db, people):
    with db.read() as s:
        parsed = regulatory.check_csv(s, actor=people["leader"], text="product,agency\nX,FDA\n")
    assert [(e.row, e.column) for e in parsed.errors] == [
        (1, "application_number, submission_type")]


@pytest.mark.parametrize("text", ["", HEADER + "\n"])
def test_import_empty_file(db, people, text):
    with db.read() as s:
        parsed = regulatory.check_csv(s, actor=people["leader"], text=text)
    assert parsed.errors and not parsed.rows


def test_import_creates_then_updates_with_progress(db, people):
    with db.write() as s:
        s.add(Site(name="Basel", region="Europe", country="CH"))
    rows = [f"P{i},EU/1/26/{i:03d},0000,Variation,EMA,,basel,"
            f"{date(2026, 1, 1) + timedelta(days=i)},,,,,0," for i in range(120)]
    text = "\n".join([HEADER, *rows, ""])
    seen = []
    with db.write() as s:
        result = regulatory.import_csv(s, actor=people["leader"], text=text, file_name="a.csv",
                                       on_progress=lambda d, t: seen.append((d, t)))
    assert (result.created, result.updated, result.unchanged) == (120, 0, 0)
    assert seen == [(50, 120), (100, 120), (120, 120)]
    changed = text.replace("P7,EU/1/26/007,0000,Variation,EMA,,basel,2026-01-08,,,,,0,",
                           "P7,EU/1/26/007,0000,Variation,EMA,,basel,2026-01-08,,,,,2,")
    with db.write() as s:
        result = regulatory.import_csv(s, actor=people["leader"], text=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 119)
    [record] = audits(db, "submission.updated")
    assert record.after == {"question_rounds": 2} and "CSV import" in record.reason
    assert len(audits(db, "submission.created")) == 120
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Submission.site_id.is_not(None))) == 120


def test_import_failing_part_way_leaves_nothing(db, people, monkeypatch):
    real = audit.record
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", flaky)
    before = count(db, AuditRecord)
    text = "\n".join([HEADER] + [f"P{i},N{i},0000,NDA,FDA,,,2026-01-01,,,,,0," for i in range(5)])
    with pytest.raises(RuntimeError), db.write() as s:
        regulatory.import_csv(s, actor=people["leader"], text=text)
    assert len(calls) == 3  # two rows were written before the failure ...
    assert count(db) == 0 and count(db, AuditRecord) == before  # ... and rolled back


DRUGS_AT_FDA = "\n".join([
    "ApplNo\tSubmissionClassCodeID\tSubmissionType\tSubmissionNo\tSubmissionStatus\t"
    "SubmissionStatusDate\tSubmissionsPublicNotes\tReviewPriority",
    "000004\t7\tORIG\t1\tAP\t1982-01-01 00:00:00\t\t",
    "000004\t2\tSUPPL\t12\tAP\t1998-04-03 00:00:00\t\tSTANDARD",
    "021436\t\tORIG\t1\tTA\t2024-05-06 00:00:00\t\tPRIORITY",
    "",
])


def test_import_drugs_at_fda_submissions(db, people):
    with db.write() as s:
        result = regulatory.import_csv(s, actor=people["admin"], text=DRUGS_AT_FDA)
    assert result.created == 3
    with db.read() as s:
        rows = {(r.application_number, r.sequence): r for r in s.scalars(select(Submission))}
        s.expunge_all()
    orig = rows[("NDA 000004", "0001")]
    assert (orig.agency, orig.region, orig.submission_type, orig.outcome, orig.decided_on,
            orig.status) == ("FDA", "North America", "NDA", "approved", date(1982, 1, 1),
                             "approved")
    assert rows[("NDA 000004", "0012")].submission_type == "sNDA"
    tentative = rows[("NDA 021436", "0001")]
    assert (tentative.outcome, tentative.status) == (None, "under_review")
    assert orig.product == "FDA application 000004"


def test_drugs_at_fda_errors_name_its_columns(db, people):
    text = DRUGS_AT_FDA.replace("SUPPL\t12\tAP", "SUPPL\t12\tXX").replace("ORIG\t1\tTA",
                                                                         "AMEND\t1\tTA")
    with db.read() as s:
        parsed = regulatory.check_csv(s, actor=people["leader"], text=text)
    assert parsed.layout == "Drugs@FDA"
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "SubmissionStatus"),
                                                         (4, "SubmissionType")]


def test_drugs_at_fda_with_application_type_and_name():
    text = ("ApplNo\tApplType\tDrugName\tSubmissionType\tSubmissionNo\tSubmissionStatus\t"
            "SubmissionStatusDate\n125057\tBLA\tHUMIRA\tSUPPL\t400\tAP\t2020-02-03\n")
    parsed = regulatory.parse_csv(text, site_ids={}, on=TODAY)
    [(_n, row)] = parsed.rows
    assert (row["application_number"], row["submission_type"], row["product"],
            row["sequence"]) == ("BLA 125057", "sBLA", "HUMIRA", "0400")


# --- throughput metrics ---------------------------------------------------------------------------

AS_OF = H1.end  # 30 Jun 2026


def _days_before(n: int) -> date:
    return AS_OF - timedelta(days=n)


@pytest.fixture
def km_data(db):
    """The hand-worked Kaplan-Meier case at FDA: approved after 10, 20, 20 and 40 days,
    pending after 15, 30 and 50 days (one of them decided only after the range ends)."""
    start = date(2026, 2, 1)
    rows = []
    for n, days in enumerate((10, 20, 20, 40)):
        rows.append({"submitted_on": start + timedelta(days=n), "outcome": "approved",
                     "decided_on": start + timedelta(days=n + days), "status": "approved"})
    rows.append({"submitted_on": _days_before(15), "status": "under_review"})
    rows.append({"submitted_on": _days_before(30), "status": "submitted"})
    rows.append({"submitted_on": _days_before(50), "outcome": "approved",
                 "decided_on": AS_OF + timedelta(days=5), "status": "approved"})
    rows.append({"submitted_on": date(2025, 12, 1), "outcome": "approved",  # before the range
                 "decided_on": date(2026, 1, 5), "status": "approved"})
    rows.append({"status": "planned"})  # never submitted: not in the estimate
    _submissions(db, rows)


def test_time_to_approval_counts_pending_submissions(db, people, km_data):
    with db.read() as s:
        tta = regulatory.time_to_approval(s, actor=people["leader"], filters=H1, on=TODAY)
    assert tta.as_of == AS_OF
    fda = tta.summary.set_index("submission_type").loc["All types"]
    assert (fda["submissions"], fda["approved"], fda["pending"], fda["closed"]) == (7, 4, 3, 0)
    assert (fda["q1_days"], fda["median_days"]) == (20, 40)
    assert pd.isna(fda["q3_days"])  # never three quarters approved
    curve = [(d, round(v, 4)) for d, v in zip(tta.curves["days"], tta.curves["share_approved"],
                                              strict=True)]
    assert curve == [(0, 0.0), (10, round(1 / 7, 4)), (20, round(17 / 35, 4)),
                     (40, round(26 / 35, 4))]


def test_time_to_approval_censors_rejections_at_their_decision(db, people):
    start = date(2026, 1, 10)
    _submissions(db, [
        {"submitted_on": start, "outcome": "approved", "decided_on": start + timedelta(30),
         "status": "approved"},
        {"submitted_on": start, "outcome": "rejected", "decided_on": start + timedelta(20),
         "status": "rejected"},
        {"submitted_on": start, "outcome": "approved", "decided_on": start + timedelta(60),
         "status": "approved"},
    ])
    with db.read() as s:
        tta = regulatory.time_to_approval(s, actor=people["leader"], filters=H1, on=TODAY)
    row = tta.summary.iloc[0]
    # at 20 days one leaves unapproved; at 30: S = 1 - 1/2; at 60: S = 0 -> median 30
    assert (row["closed"], row["approved"], row["median_days"]) == (1, 2, 30)


def test_time_to_approval_uses_today_when_the_range_runs_on(db, people):
    _submissions(db, [{"submitted_on": date(2026, 3, 1), "status": "submitted"}])
    with db.read() as s:
        tta = regulatory.time_to_approval(s, actor=people["leader"], filters=H1,
                                          on=date(2026, 3, 11))
    assert tta.as_of == date(2026, 3, 11)
    assert tta.curves.iloc[0]["at_risk"] == 1 and len(tta.curves) == 1


def test_time_to_approval_thins_long_curves_to_the_chart_limit(db, people, monkeypatch):
    # Every agency with approvals on 600 distinct days (6,010 steps in all), and some still
    # pending since mid-curve and since before the last approval.
    start, rows, observed = date(2024, 1, 1), [], {}
    for k, agency in enumerate(regulatory.AGENCIES):
        for d in range(1, 601):
            submitted = start + timedelta(days=d % 200)
            rows.append({"agency": agency, "submitted_on": submitted, "outcome": "approved",
                         "decided_on": submitted + timedelta(days=d + k), "status": "approved"})
        for submitted in (date(2026, 1, 1), start):
            rows += [{"agency": agency, "submitted_on": submitted, "status": "submitted"}] * 3
        observed[agency] = kaplan_meier([(d + k, 1, 0) for d in range(1, 601)] + [
            ((AS_OF - date(2026, 1, 1)).days, 0, 3), ((AS_OF - start).days, 0, 3)])
    _submissions(db, rows)
    leader, since_2024 = people["leader"], Filters(start, AS_OF)
    with db.read() as s:
        tta = regulatory.time_to_approval(s, actor=leader, filters=since_2024, on=TODAY)
        monkeypatch.setattr(regulatory, "CURVE_ROWS", 10**6)
        whole = regulatory.time_to_approval(s, actor=leader, filters=since_2024, on=TODAY)
    assert len(whole.curves) == 6010 and len(tta.curves) <= 5000
    pd.testing.assert_frame_equal(tta.summary, whole.summary)  # from the whole estimate
    every = tta.summary[tta.summary["submission_type"] == "All types"].set_index("agency")
    full = set(whole.curves.itertuples(index=False))
    for agency, curve in tta.curves.groupby("agency"):
        steps = observed[agency]
        assert tuple(every.loc[agency, ["q1_days", "median_days", "q3_days"]]) == tuple(
            km_quantile(steps, q) for q in (0.25, 0.5, 0.75))
        share = curve["share_approved"].tolist()
        assert (curve["days"].iloc[0], share[0]) == (0, 0.0)  # S = 1 at the start
        assert share == sorted(share)  # S never rises
        assert 0 < steps[-1].survival < 1  # three wait on after the last approval
        assert share[-1] == round(1 - steps[-1].survival, 4)  # and ends where the estimate does
        assert curve["days"].iloc[-1] == max(s.time for s in steps if s.events)
        assert set(curve.itertuples(index=False)) <= full  # kept steps are exact


def test_monthly_throughput(db, people, km_data):
    with db.read() as s:
        df = regulatory.monthly_throughput(s, actor=people["leader"], filters=H1)
    got = {(m.strftime("%Y-%m"), k): n for m, k, _a, n in df.itertuples(index=False)}
    # Submitted: 1-4 Feb; 11 and 31 May, 15 June (the pending ones). Approved: 11, 22, 23 Feb,
    # 16 Mar, and 5 Jan (the December submission); the one decided in July is out.
    assert got == {("2026-02", "Submitted"): 4, ("2026-05", "Submitted"): 2,
                   ("2026-06", "Submitted"): 1, ("2026-01", "Approved"): 1,
                   ("2026-02", "Approved"): 3, ("2026-03", "Approved"): 1}


def test_decision_quality(db, people):
    d = date(2026, 3, 1)
    _submissions(db, [
        {"agency": "EMA", "outcome": "approved", "question_rounds": 0, "decided_on": d,
         "target_on": d, "status": "approved"},  # first cycle, on time
        {"agency": "EMA", "outcome": "approved", "question_rounds": 2, "decided_on": d,
         "target_on": d - timedelta(1), "status": "approved"},  # late
        {"agency": "EMA", "outcome": "rejected", "question_rounds": 0, "decided_on": d,
         "target_on": d + timedelta(9), "status": "rejected"},  # on time, not an approval
        {"agency": "EMA", "outcome": "withdrawn", "decided_on": d, "status": "withdrawn"},
        {"agency": "FDA", "outcome": "approved", "question_rounds": 0, "decided_on": d,
         "status": "approved"},  # no target date
    ])
    with db.read() as s:
        df = regulatory.decision_quality(s, actor=people["leader"], filters=H1)
    got = df.set_index("agency")[["decided", "first_cycle", "with_target", "on_time"]]
    assert got.to_dict("index") == {
        "EMA": {"decided": 3, "first_cycle": 1, "with_target": 3, "on_time": 2},
        "FDA": {"decided": 1, "first_cycle": 1, "with_target": 0, "on_time": 0},
        "All agencies": {"decided": 4, "first_cycle": 2, "with_target": 3, "on_time": 2}}
    rates = df.set_index("agency")
    assert rates.loc["EMA", "first_cycle_rate"] == 0.333
    assert rates.loc["EMA", "on_time_rate"] == 0.667
    assert pd.isna(rates.loc["FDA", "on_time_rate"])


def test_backlog_by_age(db, people, km_data):
    with db.read() as s:
        df = regulatory.backlog(s, actor=people["leader"], filters=H1, on=TODAY)
    # Waiting on 30 June: submitted 15, 30 and 50 days earlier (the last decided in July).
    assert df.to_dict("records") == [
        {"agency": "FDA", "age": "0-30 days", "submissions": 2},
        {"agency": "FDA", "age": "31-90 days", "submissions": 1}]


def test_throughput_follows_the_site_filter(db, people, km_data):
    with db.write() as s:
        s.add(Site(name="Tokyo", region="Asia Pacific", country="JP"))
    with db.read() as s:
        tokyo = s.scalar(select(Site.id))
        only = Filters(H1.start, H1.end, (tokyo,))
        assert regulatory.monthly_throughput(s, actor=people["leader"], filters=only).empty
        assert regulatory.backlog(s, actor=people["leader"], filters=only, on=TODAY).empty


# --- related questions and lessons ---------------------------------------------------------------

def test_related_questions_and_lessons(db, people):
    with db.write() as s:
        tags = {n: Tag(name=n, kind=k) for n, k in (("fda", "agency"), ("nda", "topic"),
                                                    ("post-approval", "topic"),
                                                    ("ema", "agency"))}
        s.add_all(tags.values())
        s.flush()
        qs = [Question(title=t, body="b", author_id=people["learner"].id)
              for t in ("FDA and NDA", "FDA only", "EMA only", "Hidden FDA")]
        qs[3].status = "hidden"
        s.add_all(qs)
        s.flush()
        for q, names in zip(qs, (("fda", "nda"), ("fda",), ("ema",), ("fda",)), strict=True):
            s.add_all(QuestionTag(question_id=q.id, tag_id=tags[n].id) for n in names)
        course = Course(title="US submissions", created_by=people["trainer"].id)
        s.add(course)
        s.flush()
        s.add(CourseTag(course_id=course.id, tag_id=tags["nda"].id))
        lesson = Lesson(course_id=course.id, position=1)
        s.add(lesson)
        s.flush()
        rev = LessonRevision(lesson_id=lesson.id, number=1, title="The NDA", body="b",
                             author_id=people["trainer"].id, content_hash="h",
                             state="approved")
        s.add(rev)
        s.flush()
        lesson.published_revision_id = rev.id
        sid = regulatory.create_submission(s, actor=people["leader"], values=good(
            submission_type="sNDA"))
    with db.read() as s:
        rel = regulatory.related(s, actor=people["leader"], submission_id=sid)
    assert rel.tags == ("fda", "nda", "post-approval")
    assert [t for _id, t, _n in rel.questions] == ["FDA and NDA", "FDA only"]
    assert rel.lessons == [(lesson.id, "The NDA", "US submissions")]


# --- only leaders and admins ------------------------------------------------------------------

def _calls(people_, role):
    actor = people_[role]
    return {
        "create": lambda s: regulatory.create_submission(s, actor=actor, values=good()),
        "update": lambda s: regulatory.update_submission(s, actor=actor, submission_id=1,
                                                         values=good()),
        "get": lambda s: regulatory.get_submission(s, actor=actor, submission_id=1),
        "list": lambda s: regulatory.list_submissions(s, actor=actor, filters=H1),
        "check_csv": lambda s: regulatory.check_csv(s, actor=actor,
                                                    text=regulatory.template_csv()),
        "import_csv": lambda s: regulatory.import_csv(s, actor=actor,
                                                      text=regulatory.template_csv()),
        "throughput": lambda s: regulatory.monthly_throughput(s, actor=actor, filters=H1),
        "time_to_approval": lambda s: regulatory.time_to_approval(s, actor=actor, filters=H1),
        "decision_quality": lambda s: regulatory.decision_quality(s, actor=actor, filters=H1),
        "backlog": lambda s: regulatory.backlog(s, actor=actor, filters=H1),
        "related": lambda s: regulatory.related(s, actor=actor, submission_id=1),
    }


CALLS = list(_calls({"x": None}, "x"))


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_regulatory_not_enough_permissions(db, people, role, call):
    with db.write() as s:
        regulatory.create_submission(s, actor=people["leader"], values=good())
    before = count(db, AuditRecord)
    with pytest.raises(PermissionDenied), db.write() as s:
        _calls(people, role)[call](s)
    assert count(db) == 1 and count(db, AuditRecord) == before
