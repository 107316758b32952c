"""Regulatory submissions: the tracker (create, edit, CSV import) and throughput metrics.

Leaders and admins only. Every change writes an audit record in the caller's transaction; a CSV
import is checked row by row before anything is written, so it lands whole or not at all.
Time to approval counts still-pending submissions with a Kaplan-Meier (product-limit) estimate:
a submission without a decision is censored at the day the estimate is made, not dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    Date,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from db import audit
from db.actors import Actor
from db.analytics import Filters, check_access, days_between, period
from db.errors import Conflict, NotFound, ServiceError, ValidationError
from db.models import (
    Course,
    CourseTag,
    Lesson,
    LessonRevision,
    Question,
    QuestionTag,
    Site,
    Submission,
    Tag,
    utcnow,
)
from db.summaries import joined_integers

# agency -> region
AGENCIES = {
    "FDA": "North America", "Health Canada": "North America", "EMA": "Europe",
    "MHRA": "Europe", "Swissmedic": "Europe", "PMDA": "Asia Pacific", "NMPA": "Asia Pacific",
    "HSA": "Asia Pacific", "TGA": "Asia Pacific", "ANVISA": "Latin America",
}
SUBMISSION_TYPES = ("IND", "CTA", "NDA", "BLA", "ANDA", "MAA", "sNDA", "sBLA", "sANDA",
                    "Variation", "Renewal", "Other")
OUTCOMES = ("approved", "rejected", "withdrawn")
PENDING = ("planned", "submitted", "under_review")
STATUSES = PENDING + OUTCOMES
COLUMNS = ("product", "application_number", "sequence", "submission_type", "agency", "region",
           "site", "submitted_on", "validated_on", "target_on", "decided_on", "outcome",
           "question_rounds", "status")
REQUIRED = ("product", "application_number", "submission_type", "agency")
DRUGS_AT_FDA = ("ApplNo", "SubmissionType", "SubmissionNo", "SubmissionStatus",
                "SubmissionStatusDate")
MAX_IMPORT_ROWS = 50_000
# The time-to-approval curves go to one chart, which takes at most this many rows
# (components.charts.MAX_ROWS).
CURVE_ROWS = 5000
AGE_BANDS = ("0-30 days", "31-90 days", "91-180 days", "181-365 days", "over a year")
# Submission type -> the topic tag questions and courses use for it.
_TYPE_TAGS = {"IND": ("ind",), "CTA": ("cta", "clinical-trials"), "NDA": ("nda",),
              "BLA": ("bla",), "MAA": ("maa",), "sNDA": ("nda", "post-approval"),
              "sBLA": ("bla", "post-approval"), "Variation": ("variations", "post-approval")}


def today() -> date:
    return utcnow().date()


# --- checking one submission's values ----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet
        return ""
    # Control characters (NUL included, which PostgreSQL refuses) never belong in a field.
    return " ".join(_CONTROL.sub("", str(value)).split())


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if len(text) > 10 and text[10] in " T":  # Drugs@FDA writes "2004-07-27 00:00:00"
        datetime.fromisoformat(text)  # the time part must be valid too
        text = text[:10]
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def _pick(value: str, options: Iterable[str]) -> str | None:
    by_lower = {o.lower(): o for o in options}
    return by_lower.get(value.lower())


def check_values(raw: Mapping[str, object], *, site_ids: Mapping[str, int],
                 on: date | None = None) -> tuple[dict | None, list[tuple[str, str]]]:
    """Clean one submission's values. Returns (model values, []) or (None, [(field, message)]).

    Shared by the form and the CSV import, so both apply the same rules.
    """
    on = on or today()
    errors: list[tuple[str, str]] = []
    out: dict[str, object] = {}

    def need_text(name: str, limit: int, label: str) -> None:
        v = _text(raw.get(name))
        if not v:
            errors.append((name, f"Give the {label}."))
        elif len(v) > limit:
            errors.append((name, f"The {label} can be at most {limit} characters."))
        out[name] = v

    need_text("product", 120, "product")
    need_text("application_number", 40, "application number")
    seq = _text(raw.get("sequence")) or "0000"
    seq = seq.zfill(4) if seq.isdigit() else seq
    if len(seq) > 20:
        errors.append(("sequence", "The sequence can be at most 20 characters."))
    out["sequence"] = seq
    for name, options, label in (("submission_type", SUBMISSION_TYPES, "submission type"),
                                 ("agency", tuple(AGENCIES), "agency")):
        v = _text(raw.get(name))
        chosen = _pick(v, options) if v else None
        if not v:
            errors.append((name, f"Give the {label} (one of {', '.join(options)})."))
        elif chosen is None:
            errors.append((name, f"{v!r} is not a known {label}; use one of "
                                 f"{', '.join(options)}."))
        out[name] = chosen
    region = _text(raw.get("region")) or AGENCIES.get(out["agency"] or "", "")
    if not region and out["agency"]:  # with a bad agency, that error is the one to fix
        errors.append(("region", "Give the region."))
    elif len(region) > 40:
        errors.append(("region", "The region can be at most 40 characters."))
    out["region"] = region
    site = _text(raw.get("site"))
    out["site_id"] = None
    if site:
        match = _pick(site, site_ids)
        if match is None:
            errors.append(("site", f"There is no site called {site!r}."))
        else:
            out["site_id"] = site_ids[match]
    for name in ("submitted_on", "validated_on", "target_on", "decided_on"):
        try:
            out[name] = _date(raw.get(name))
        except ValueError:
            out[name] = None
            errors.append((name, f"{_text(raw.get(name))!r} is not a date; write YYYY-MM-DD."))
            continue
        if name != "target_on" and out[name] and out[name] > on:
            errors.append((name, "This date is in the future."))
    sub, val, dec = out["submitted_on"], out["validated_on"], out["decided_on"]
    if val and not sub:
        errors.append(("submitted_on", "A validated submission needs its submission date."))
    if sub and val and val < sub:
        errors.append(("validated_on", "Validation cannot come before submission."))
    if sub and dec and dec < sub:
        errors.append(("decided_on", "The decision cannot come before submission."))
    elif val and dec and dec < val:
        errors.append(("decided_on", "The decision cannot come before validation."))
    outcome = _text(raw.get("outcome")).lower()
    if outcome in ("", "pending"):
        outcome = None
    elif outcome not in OUTCOMES:
        errors.append(("outcome", f"Use one of {', '.join(OUTCOMES)}, or leave it empty while "
                                  "the submission is pending."))
        outcome = None
    if dec and not outcome and not any(f == "outcome" for f, _ in errors):
        errors.append(("outcome", "A decided submission needs its outcome (approved, rejected "
                                  "or withdrawn); or clear the decision date."))
    if outcome and not dec:
        errors.append(("decided_on", f"Give the date it was {outcome}."))
    out["outcome"] = outcome
    rounds = _text(raw.get("question_rounds")) or "0"
    try:
        out["question_rounds"] = int(float(rounds)) if float(rounds).is_integer() else -1
    except ValueError:
        out["question_rounds"] = -1
    if not 0 <= out["question_rounds"] <= 20:
        errors.append(("question_rounds", "Question rounds is a whole number from 0 to 20."))
    status = _text(raw.get("status")).lower().replace(" ", "_")
    if outcome:
        if status and status != outcome:
            errors.append(("status", f"A submission that was {outcome} has the status "
                                     f"{outcome}."))
        status = outcome
    elif not status:
        status = "planned" if not sub else ("under_review" if val else "submitted")
    elif status in OUTCOMES:
        errors.append(("status", f"Status {status} needs the outcome and decision date."))
    elif status not in PENDING:
        errors.append(("status", f"Use one of {', '.join(STATUSES)}."))
    elif status == "planned" and sub:
        errors.append(("status", "A submission with a submission date is no longer planned."))
    out["status"] = status
    return (None, errors) if errors else (out, [])


def _site_ids(session: Session) -> dict[str, int]:
    return {name: sid for sid, name in session.execute(select(Site.id, Site.name))}


# --- the tracker ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubmissionRow:
    id: int
    product: str
    application_number: str
    sequence: str
    submission_type: str
    agency: str
    region: str
    site: str | None
    submitted_on: date | None
    validated_on: date | None
    target_on: date | None
    decided_on: date | None
    outcome: str | None
    question_rounds: int
    status: str

    def as_form(self) -> dict:
        """The values as the form and the CSV template name them."""
        return {c: getattr(self, c) for c in COLUMNS}


def _row(sub: Submission, site: str | None) -> SubmissionRow:
    return SubmissionRow(sub.id, sub.product, sub.application_number, sub.sequence,
                         sub.submission_type, sub.agency, sub.region, site, sub.submitted_on,
                         sub.validated_on, sub.target_on, sub.decided_on, sub.outcome,
                         sub.question_rounds, sub.status)


_FIELDS = ("product", "application_number", "sequence", "submission_type", "agency", "region",
           "site_id", "submitted_on", "validated_on", "target_on", "decided_on", "outcome",
           "question_rounds", "status")


def _snapshot(sub: Submission) -> dict:
    return {f: getattr(sub, f) for f in _FIELDS}


def _clean(session: Session, values: Mapping[str, object]) -> dict:
    clean, errors = check_values(values, site_ids=_site_ids(session))
    if errors:
        raise ValidationError(*errors[0])
    return clean


def _taken(session: Session, clean: Mapping, *, other_than: int | None = None) -> bool:
    q = select(Submission.id).where(Submission.agency == clean["agency"],
                                    Submission.application_number == clean["application_number"],
                                    Submission.sequence == clean["sequence"])
    if other_than is not None:
        q = q.where(Submission.id != other_than)
    return session.scalar(q) is not None


def create_submission(session: Session, *, actor: Actor, values: Mapping[str, object]) -> int:
    """Add a submission to the tracker; returns its id."""
    check_access(actor)
    clean = _clean(session, values)
    if _taken(session, clean):
        raise Conflict(f"{clean['agency']} {clean['application_number']} sequence "
                       f"{clean['sequence']} is already in the tracker.")
    sub = Submission(**clean, updated_at=utcnow())
    session.add(sub)
    session.flush()
    audit.record(session, actor=actor, action="submission.created", entity_type="submission",
                 entity_id=sub.id, after=_snapshot(sub))
    return sub.id


def update_submission(session: Session, *, actor: Actor, submission_id: int,
                      values: Mapping[str, object]) -> bool:
    """Change a submission; returns False when nothing changed."""
    check_access(actor)
    sub = session.get(Submission, submission_id, with_for_update=True)
    if sub is None:
        raise NotFound("No such submission.")
    clean = _clean(session, values)
    if _taken(session, clean, other_than=sub.id):
        raise Conflict(f"{clean['agency']} {clean['application_number']} sequence "
                       f"{clean['sequence']} is already in the tracker.")
    return _apply(session, actor, sub, clean)


def _apply(session: Session, actor: Actor, sub: Submission, clean: Mapping,
           reason: str | None = None) -> bool:
    before = _snapshot(sub)
    if all(before[f] == clean[f] for f in _FIELDS):
        return False
    for f in _FIELDS:
        setattr(sub, f, clean[f])
    sub.updated_at = utcnow()
    session.flush()
    changed = [f for f in _FIELDS if before[f] != clean[f]]
    audit.record(session, actor=actor, action="submission.updated", entity_type="submission",
                 entity_id=sub.id, before={f: before[f] for f in changed},
                 after={f: clean[f] for f in changed}, reason=reason)
    return True


def get_submission(session: Session, *, actor: Actor, submission_id: int) -> SubmissionRow:
    check_access(actor)
    row = session.execute(select(Submission, Site.name)
                          .outerjoin(Site, Site.id == Submission.site_id)
                          .where(Submission.id == submission_id)).first()
    if row is None:
        raise NotFound("No such submission.")
    return _row(*row)


_FAR = date(9999, 12, 31)
# Latest first, planned (no submission date) on top: literally the expression of the index
# ix_submissions_tracker. A bound parameter in place of the date would not match it.
TRACKER_ORDER = "coalesce(submissions.submitted_on, submissions.target_on, '9999-12-31')"


def list_submissions(session: Session, *, actor: Actor, filters: Filters,
                     agency: str | None = None, status: str | None = None,
                     after: tuple[date, int] | None = None,
                     limit: int = 50) -> list[SubmissionRow]:
    """One page of the tracker, latest submission date first (planned ones on top).

    A submission belongs to the date range by its submission date, or its target date while it
    is planned; one with neither date always shows. `after` is the last row's `sort_key`.
    """
    check_access(actor)
    key = literal_column(TRACKER_ORDER, Date)
    q = (select(Submission, Site.name)
         .outerjoin(Site, Site.id == Submission.site_id)
         # In the range, or planned (the far date): said as one index range from the start
         # with the dates past the end cut out, so the index gives the order as well.
         .where(key >= filters.start, ~and_(key > filters.end, key < _FAR)))
    if filters.sites:
        q = q.where(Submission.site_id.in_(filters.sites))
    if agency:
        q = q.where(Submission.agency == agency)
    if status:
        q = q.where(Submission.status == status)
    if after is not None:
        q = q.where(tuple_(key, Submission.id) < tuple_(after[0], after[1]))  # one range
    rows = session.execute(q.order_by(key.desc(), Submission.id.desc()).limit(limit)).all()
    return [_row(sub, site) for sub, site in rows]


def sort_key(row: SubmissionRow) -> tuple[date, int]:
    """The keyset cursor of a tracker row (pass it as `after` for the next page)."""
    return (row.submitted_on or row.target_on or _FAR, row.id)


# --- CSV import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ParsedCsv:
    layout: str  # "template" or "Drugs@FDA"
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ImportRejected(ServiceError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was imported.")
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def template_csv() -> str:
    """The import template: the columns and two example rows."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerow(["Examplumab 100 mg/mL solution for injection", "BLA 761999", "0000", "BLA",
                "FDA", "North America", "", "2026-01-15", "2026-03-16", "2027-01-15", "",
                "", "1", "under_review"])
    w.writerow(["Examplinib 50 mg film-coated tablets", "EMEA/H/C/009999", "0003",
                "Variation", "EMA", "Europe", "", "2025-09-01", "2025-09-12", "2025-12-01",
                "2025-11-20", "approved", "0", ""])
    return out.getvalue()


def decode(data: bytes) -> str:
    """Uploaded bytes as text: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_csv(text: str, *, site_ids: Mapping[str, int], on: date | None = None) -> ParsedCsv:
    """Read a CSV (or the tab-separated Drugs@FDA Submissions file) and check every row."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else (";" if ";" in first and "," not in first else ",")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or []) if h is not None]
    if not header:
        return ParsedCsv("template", errors=[RowError(1, "", "The file is empty.")])
    if all(c in header for c in DRUGS_AT_FDA):
        parsed, to_values, column_of = ParsedCsv("Drugs@FDA"), _from_drugs_at_fda, _FDA_COLUMN
    else:
        parsed, to_values, column_of = ParsedCsv("template"), _from_template, {}
        names = {_norm(h) for h in header}
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            parsed.errors.append(RowError(1, ", ".join(missing),
                                          "Missing column(s). Start from the template."))
            return parsed
        extra = sorted(h for h in header if _norm(h) not in COLUMNS)
        if extra:
            parsed.warnings.append("Ignored column(s): " + ", ".join(extra) + ".")
    seen: dict[tuple, int] = {}
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            parsed.errors.append(RowError(n, "", f"At most {MAX_IMPORT_ROWS:,} rows per file."))
            break
        cells = {(k or "").strip(): v for k, v in raw.items()}
        if not any(_text(v) for v in cells.values()):
            continue  # blank line
        values, problems = to_values(cells)
        clean, errors = check_values(values, site_ids=site_ids, on=on) if not problems else (
            None, [])
        for col, msg in problems + errors:
            parsed.errors.append(RowError(n, column_of.get(col, col), msg))
        if clean is None:
            continue
        key = (clean["agency"], clean["application_number"], clean["sequence"])
        if key in seen:
            parsed.errors.append(RowError(n, column_of.get("sequence", "sequence"),
                                          f"The same submission is already in row {seen[key]}."))
            continue
        seen[key] = n
        parsed.rows.append((n, clean))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(2, "", "The file has no data rows."))
    return parsed


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_")


def _from_template(cells: dict) -> tuple[dict, list]:
    return {_norm(k): v for k, v in cells.items()}, []


# Our field -> the Drugs@FDA column it comes from, for error messages.
_FDA_COLUMN = {"application_number": "ApplNo", "sequence": "SubmissionNo",
               "submission_type": "SubmissionType", "decided_on": "SubmissionStatusDate",
               "outcome": "SubmissionStatus", "status": "SubmissionStatus",
               "product": "DrugName"}


def _from_drugs_at_fda(cells: dict) -> tuple[dict, list]:
    """Map a row of Drugs@FDA's Submissions table (plus optional ApplType, DrugName)."""
    problems = []
    appl_no = _text(cells.get("ApplNo"))
    appl_type = (_text(cells.get("ApplType")) or "NDA").upper()
    appl_type = {"N": "NDA", "A": "ANDA", "B": "BLA"}.get(appl_type, appl_type)
    kind = _text(cells.get("SubmissionType")).upper()
    if kind == "ORIG":
        stype = appl_type
    elif kind == "SUPPL":
        stype = "s" + appl_type
    else:
        stype = ""
        problems.append(("submission_type", "SubmissionType must be ORIG or SUPPL."))
    code = _text(cells.get("SubmissionStatus")).upper()
    when = cells.get("SubmissionStatusDate")
    values = {"product": _text(cells.get("DrugName")) or (f"FDA application {appl_no}"
                                                         if appl_no else ""),
              "application_number": f"{appl_type} {appl_no.zfill(6)}" if appl_no else "",
              "sequence": _text(cells.get("SubmissionNo")), "submission_type": stype,
              "agency": "FDA", "region": "North America"}
    if code == "AP":
        values.update(outcome="approved", decided_on=when)
    elif code == "TA":
        # Tentative approval: approvable, but not yet final (patents, exclusivity).
        values.update(status="under_review")
    else:
        problems.append(("outcome", f"SubmissionStatus {code or '(empty)'} is not known; "
                                    "AP (approved) and TA (tentative approval) are."))
    return values, problems


def check_csv(session: Session, *, actor: Actor, text: str) -> ParsedCsv:
    """Check an upload without writing anything: the rows it would import and any problems."""
    check_access(actor)
    return parse_csv(text, site_ids=_site_ids(session))


def import_csv(session: Session, *, actor: Actor, text: str, file_name: str = "",
               on_progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Create or update (by agency, application number, sequence) every row of the file.

    Raises ImportRejected, writing nothing, if any row is bad. The caller's transaction holds
    every row, so a failure part-way leaves nothing behind either.
    """
    check_access(actor)
    parsed = parse_csv(text, site_ids=_site_ids(session))
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    reason = (f"CSV import {file_name} ({parsed.layout}, sha256 "
              f"{hashlib.sha256(text.encode()).hexdigest()[:12]})")
    keys = [(c["agency"], c["application_number"], c["sequence"]) for _, c in parsed.rows]
    existing: dict[tuple, Submission] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for sub in session.scalars(select(Submission).where(
                tuple_(Submission.agency, Submission.application_number,
                       Submission.sequence).in_(chunk)).with_for_update()):
            existing[(sub.agency, sub.application_number, sub.sequence)] = sub
    created = updated = 0
    total = len(parsed.rows)
    for done, (_n, clean) in enumerate(parsed.rows, start=1):
        key = (clean["agency"], clean["application_number"], clean["sequence"])
        sub = existing.get(key)
        if sub is None:
            sub = Submission(**clean, updated_at=utcnow())
            session.add(sub)
            session.flush()
            audit.record(session, actor=actor, action="submission.created",
                         entity_type="submission", entity_id=sub.id, after=_snapshot(sub),
                         reason=reason)
            created += 1
        elif _apply(session, actor, sub, clean, reason=reason):
            updated += 1
        if on_progress and (done % 50 == 0 or done == total):
            on_progress(done, total)
    return ImportResult(created, updated, total - created - updated)


# --- Kaplan-Meier -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KMStep:
    time: int
    at_risk: int
    events: int
    censored: int
    survival: float  # share not yet approved just after `time`


def kaplan_meier(observations: Iterable[tuple[int, int, int]]) -> list[KMStep]:
    """The product-limit estimate from (time, events, censored) counts.

    At each time with events, S(t) = S(before) * (1 - events / at_risk). Someone censored at t
    was still at risk at t (events come first), then leaves.
    """
    obs = np.array(list(observations), dtype=np.int64).reshape(-1, 3)
    times = np.repeat(obs[:, 0], obs[:, 1] + obs[:, 2])
    approved = np.concatenate([np.repeat([True, False], [d, c]) for _t, d, c in obs] or
                              [np.zeros(0, dtype=bool)])
    found, at_risk, events, survival = _km(times, approved)
    leaving = -np.diff(np.append(at_risk, 0))
    return [KMStep(int(t), int(n), int(d), int(gone - d), float(sv)) for t, n, d, gone, sv
            in zip(found, at_risk, events, leaving, survival, strict=True)]


_PENDING, _APPROVED, _CLOSED = 0, 1, 2


def _km(times: np.ndarray, approved: np.ndarray
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """kaplan_meier on arrays (one entry per submission: days, approved or censored), for
    tens of thousands of submissions: each distinct time, at risk, events and S(t) after it."""
    if not len(times):
        nothing = np.zeros(0, dtype=np.int64)
        return nothing, nothing, nothing, np.zeros(0)
    order, slot = np.unique(times, return_inverse=True)
    events = np.bincount(slot, weights=approved, minlength=len(order)).astype(np.int64)
    leaving = np.bincount(slot, minlength=len(order))
    at_risk = len(times) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    return order, at_risk, events, np.cumprod(1 - events / at_risk)


def _km_quantile(steps: tuple[np.ndarray, ...], q: float) -> int | None:
    """km_quantile on _km's arrays."""
    times, _at_risk, events, survival = steps
    hit = np.flatnonzero((events > 0) & (survival <= 1 - q + 1e-12))
    return int(times[hit[0]]) if len(hit) else None


def _evenly(n: int, keep: int) -> np.ndarray:
    """Positions of at most `keep` of `n` points, evenly spaced, the first and last always."""
    if n <= keep:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max(keep, 2)).round().astype(np.int64))


def km_quantile(steps: list[KMStep], q: float) -> int | None:
    """Days by which a share `q` of submissions is approved (S(t) <= 1 - q); None if never."""
    for s in steps:
        if s.events and s.survival <= 1 - q + 1e-12:
            return s.time
    return None


# --- throughput metrics -------------------------------------------------------------------------

def _at_sites(filters: Filters):
    return Submission.site_id.in_(filters.sites) if filters.sites else literal(True)


class _NoIndex(FunctionElement):
    """A column SQLite's planner will not use an index for (a unary plus; other engines get
    the bare column). For queries that read most submissions whatever the range: the planner
    would walk the (agency, submitted_on) index, to skip a sort or for a range that covers
    nearly every row, and fetch every row in index order at random. Medium, 90 days: 110-130 ms
    against 15-20 ms for a plain scan and a sort."""

    name = "no_index"
    inherit_cache = True

    def __init__(self, column) -> None:
        super().__init__(column)
        self.type = column.type  # compared and bound as the column is


@compiles(_NoIndex)
def _bare_column(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_NoIndex, "sqlite")
def _unindexed_column(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


def monthly_throughput(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Submissions filed and approvals received per month and agency."""
    check_access(actor)
    s = Submission
    frames = []
    for measure, col, cond in (("Submitted", s.submitted_on, literal(True)),
                               ("Approved", s.decided_on, s.outcome == "approved")):
        m = period(session, "month", col).label("month")
        # Scanned, not read through the date index: a range of months holds a large part of
        # all submissions, fetched at random through the index (two years: 50 ms against 8).
        rows = session.execute(
            select(m, s.agency, func.count())
            .where(_NoIndex(col).between(filters.start, filters.end), cond, _at_sites(filters))
            .group_by(m, s.agency).order_by(m, s.agency)).all()
        df = pd.DataFrame([tuple(r) for r in rows], columns=["month", "agency", "submissions"])
        df["measure"] = measure
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["month"] = pd.to_datetime(out["month"])
    return out[["month", "measure", "agency", "submissions"]]


@dataclass(frozen=True)
class TimeToApproval:
    summary: pd.DataFrame  # agency, submission_type, submissions, approved, pending, closed,
    #                        q1_days, median_days, q3_days
    curves: pd.DataFrame  # agency, days, share_approved, at_risk; CURVE_ROWS at most
    as_of: date


def time_to_approval(session: Session, *, actor: Actor, filters: Filters,
                     on: date | None = None) -> TimeToApproval:
    """Days from submission to approval for submissions filed in the range, by agency and type.

    Kaplan-Meier: a submission still pending is censored at the end of the range (or today, if
    earlier); one rejected or withdrawn is censored at its decision.
    """
    check_access(actor)
    as_of = min(filters.end, on or today())
    s = Submission
    decided = and_(s.decided_on.is_not(None), s.decided_on <= as_of)
    end = case((decided, s.decided_on), else_=literal(as_of))
    kind = case((and_(decided, s.outcome == "approved"), _APPROVED), (decided, _CLOSED),
                else_=_PENDING)
    days = days_between(session, end, s.submitted_on)
    # Per agency and type, each submission's days and kind as one text of integers, read from
    # ix_submissions_approval alone; the estimates are taken on those arrays in numpy.
    found = session.execute(
        select(s.agency, s.submission_type,
               joined_integers(session, cast(days, String).concat(",")
                               .concat(cast(kind, String))))
        .where(s.submitted_on.is_not(None), s.submitted_on.between(filters.start, as_of),
               _at_sites(filters))
        .group_by(s.agency, s.submission_type)).all()
    groups: dict[tuple[str, str], list[np.ndarray]] = {}
    for agency, stype, text_ in found:
        rows = np.fromstring(text_, dtype=np.int64, sep=",").reshape(-1, 2)
        groups[agency, stype] = [rows]
        groups.setdefault((agency, "All types"), []).append(rows)
    summary_rows, curve_rows = [], []
    # Years of history give each agency a step per distinct approval day, more than a chart
    # takes: each curve keeps evenly spaced steps of its own share of the rows, every kept
    # step exact. The quartiles are taken on the whole estimate first.
    per_curve = CURVE_ROWS // max(1, len({agency for agency, _type in groups}))
    for (agency, stype), parts in groups.items():
        rows = np.concatenate(parts)
        days_, kinds = rows[:, 0], rows[:, 1]
        steps = _km(days_, kinds == _APPROVED)
        tally = np.bincount(kinds, minlength=3)
        summary_rows.append((agency, stype, len(rows), int(tally[_APPROVED]),
                             int(tally[_PENDING]), int(tally[_CLOSED]),
                             _km_quantile(steps, 0.25), _km_quantile(steps, 0.5),
                             _km_quantile(steps, 0.75)))
        if stype == "All types":
            times, at_risk, events, survival = steps
            hit = events > 0  # the steps: days on which some were approved
            at = np.concatenate(([0], times[hit]))
            share = np.concatenate(([0.0], np.round(1 - survival[hit], 4)))
            waiting = np.concatenate((at_risk[:1] if len(at_risk) else [0], at_risk[hit]))
            kept = _evenly(len(at), per_curve)
            curve_rows.extend(zip([agency] * len(kept), at[kept].tolist(),
                                  share[kept].tolist(), waiting[kept].tolist(), strict=True))
    summary = pd.DataFrame(summary_rows, columns=[
        "agency", "submission_type", "submissions", "approved", "pending", "closed",
        "q1_days", "median_days", "q3_days"])
    summary = summary.sort_values(["agency", "submission_type"]).reset_index(drop=True)
    curve_rows.sort(key=lambda row: row[0])  # by agency; each agency's steps stay in order
    curves = pd.DataFrame(curve_rows, columns=["agency", "days", "share_approved", "at_risk"])
    return TimeToApproval(summary, curves, as_of)


def decision_quality(session: Session, *, actor: Actor, filters: Filters) -> pd.DataFrame:
    """Per agency, for approvals and rejections decided in the range: first-cycle approval rate
    (approved with no question rounds) and on-time share (decided by the target date)."""
    check_access(actor)
    s = Submission
    one = literal(1)
    rows = session.execute(
        select(s.agency, func.count(),
               func.sum(case((and_(s.outcome == "approved", s.question_rounds == 0), one),
                             else_=0)),
               func.count(s.target_on),
               func.sum(case((and_(s.target_on.is_not(None), s.decided_on <= s.target_on), one),
                             else_=0)))
        .where(s.outcome.in_(("approved", "rejected")),
               s.decided_on.between(filters.start, filters.end), _at_sites(filters))
        .group_by(_NoIndex(s.agency)).order_by(s.agency)).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=[
        "agency", "decided", "first_cycle", "with_target", "on_time"])
    if not df.empty:
        total = df[["decided", "first_cycle", "with_target", "on_time"]].sum()
        df.loc[len(df)] = ["All agencies", *[int(v) for v in total]]
    for col in ("decided", "first_cycle", "with_target", "on_time"):
        df[col] = df[col].astype(int)
    df["first_cycle_rate"] = (df["first_cycle"] / df["decided"]).round(3)
    df["on_time_rate"] = (df["on_time"] / df["with_target"].where(df["with_target"] > 0)).round(3)
    return df


def backlog(session: Session, *, actor: Actor, filters: Filters,
            on: date | None = None) -> pd.DataFrame:
    """Submissions waiting for a decision at the end of the range (or today), by age."""
    check_access(actor)
    as_of = min(filters.end, on or today())
    s = Submission
    age = days_between(session, literal(as_of), s.submitted_on)
    band = case((age <= 30, AGE_BANDS[0]), (age <= 90, AGE_BANDS[1]), (age <= 180, AGE_BANDS[2]),
                (age <= 365, AGE_BANDS[3]), else_=AGE_BANDS[4])
    rows = session.execute(
        select(s.agency, band.label("band"), func.count())
        .where(s.submitted_on.is_not(None), _NoIndex(s.submitted_on) <= as_of,
               or_(s.decided_on.is_(None), s.decided_on > as_of), _at_sites(filters))
        .group_by(_NoIndex(s.agency), band).order_by(s.agency)).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=["agency", "age", "submissions"])
    df["age_order"] = df["age"].map(AGE_BANDS.index)
    return df.sort_values(["agency", "age_order"]).drop(columns="age_order").reset_index(
        drop=True)


# --- related questions and lessons ------------------------------------------------------------

def topic_tags(agency: str, submission_type: str) -> tuple[str, ...]:
    """The tags that questions and courses about this kind of submission carry."""
    return (agency.lower().replace(" ", "-"), *_TYPE_TAGS.get(submission_type, ()))


@dataclass(frozen=True)
class Related:
    tags: tuple[str, ...]
    questions: list[tuple[int, str, int]]  # id, title, answers
    lessons: list[tuple[int, str, str]]  # lesson id, title, course


def related(session: Session, *, actor: Actor, submission_id: int, limit: int = 5) -> Related:
    """Questions and lessons tagged with the submission's agency or type, best match first."""
    check_access(actor)
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFound("No such submission.")
    tags = topic_tags(sub.agency, sub.submission_type)
    matches = func.count().label("matches")
    questions = session.execute(
        select(Question.id, Question.title, Question.answer_count)
        .join(QuestionTag, QuestionTag.question_id == Question.id)
        .join(Tag, Tag.id == QuestionTag.tag_id)
        .where(Tag.name.in_(tags), Question.status == "visible")
        .group_by(Question.id, Question.title, Question.answer_count, Question.score)
        .order_by(matches.desc(), Question.score.desc(), Question.id.desc()).limit(limit)).all()
    lessons = session.execute(
        select(Lesson.id, LessonRevision.title, Course.title)
        .join(Course, Course.id == Lesson.course_id)
        .join(CourseTag, CourseTag.course_id == Course.id)
        .join(Tag, Tag.id == CourseTag.tag_id)
        .join(LessonRevision, LessonRevision.id == Lesson.published_revision_id)
        .where(Tag.name.in_(tags))
        .group_by(Lesson.id, LessonRevision.title, Course.title, Lesson.position)
        .order_by(matches.desc(), Course.title, Lesson.position).limit(limit)).all()
    return Related(tags, [tuple(r) for r in questions], [tuple(r) for r in lessons])
