"""The analytics pages through AppTest: leaders see every chart with its CSV, the one period and
site filter drives them all (and lives in the address), caches refresh after writes, others are
turned away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from components import analytics_widgets as aw
from components.analytics_widgets import plain
from db import analytics, regulatory
from db.models import Submission, utcnow
from tests.conftest import ROOT, open_session
from tests.test_analytics import build_org

PAGES = {"engagement": "Engagement", "network": "Who helps whom",
         "submissions": "Regulatory submissions"}
USERNAME = {"learner": "lena", "trainer": "tomas", "leader": "lars", "admin": "ada"}
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def page(db, name: str, username: str = "lars", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=60)
    at.session_state["auth_sid"] = open_session(db, username)
    at.query_params.update(query or {})
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def charts_shown(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


def csv_names(at: AppTest) -> list[str]:
    return [b.proto.id for b in at.get("download_button")]


@pytest.fixture
def downloads(monkeypatch):
    """read(at, key): what the download button with that key offers. AppTest keeps the files
    in memory only while a run lasts; one store for every run keeps them readable after."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    store = MemoryMediaFileStorage("/mock/media")
    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", lambda _endpoint: store)

    def read(at: AppTest, key: str) -> str:
        [button] = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
        return store.get_file(button.proto.url.rsplit("/", 1)[-1]).content.decode()

    return read


@pytest.fixture
def org(db, people):
    ids = build_org(db)
    with db.write() as s:
        for n, (agency, day) in enumerate((("FDA", 3), ("EMA", 9), ("FDA", 20))):
            decided = {"decided_on": "2026-03-25", "outcome": "approved",
                       "target_on": "2026-03-30"} if n == 0 else {}
            regulatory.create_submission(s, actor=people["leader"], values={
                "product": f"Product {n}", "application_number": f"APP {n}",
                "submission_type": "NDA" if agency == "FDA" else "MAA", "agency": agency,
                "submitted_on": f"2026-03-{day:02d}", "site": "Alpha", **decided})
    return ids


TABS = [  # page, tab, charts on it
    ("engagement", "Activity", 4), ("engagement", "Questions and answers", 2),
    ("engagement", "Learning", 3), ("engagement", "Suggestions", 2),
    ("engagement", "Top contributors", 1), ("network", "Site by site", 2),
    ("network", "Network picture", 2), ("network", "Bridges and gaps", 1),
    ("submissions", "Throughput", 5)]


@pytest.mark.parametrize(("name", "tab", "shown"), TABS, ids=[f"{p}-{t}" for p, t, _ in TABS])
def test_each_tab_shows_its_charts_with_csv_downloads(db, org, name, tab, shown, monkeypatch):
    monkeypatch.setattr(analytics, "MIN_GROUP", 1)  # the test organisation's groups are tiny
    at = page(db, name, query={**MARCH, f"{name}-tab": tab})
    at.run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [PAGES[name]]
    # Only the open tab's content runs; every chart has the CSV of its numbers next to it.
    assert charts_shown(at) == shown
    assert len([b for b in at.get("download_button")
                if "Download the numbers" in b.proto.label]) >= shown


def test_network_pictures_offer_the_help_between_them_as_csv(db, org, monkeypatch, downloads):
    monkeypatch.setattr(analytics, "MIN_GROUP", 1)
    at = page(db, "network", query={**MARCH, "network-tab": "Network picture"})
    at.run()
    assert not at.exception
    assert [b.proto.label for b in at.get("download_button")].count(aw.LINES_LABEL) == 2
    people = downloads(at, "csv-help-network-people-links").splitlines()
    assert people[0] == "source,source_name,target,target_name,acts"
    assert len(people) == 1 + 7  # every line of the picture (see test_charts)
    assert "Person a1" in "\n".join(people)
    sites = downloads(at, "csv-help-between-sites-links").splitlines()
    assert sites[0] == "site_a,site_b,acts,a_to_b,b_to_a" and len(sites) > 1
    # The dots keep their own download.
    assert downloads(at, "csv-help-network-people").startswith("id,name,site")


def test_a_chart_with_too_many_rows_warns_and_keeps_its_csv():
    def app():
        import pandas as pd
        import streamlit as st

        from components import analytics_widgets as aw
        from components import charts

        n = charts.MAX_ROWS + 1
        curves = pd.DataFrame({"agency": ["FDA"] * n, "days": range(n),
                               "share_approved": 0.5, "at_risk": 1})
        aw.show_chart(charts.approval_curve_chart, curves, name="approval-curves")
        st.write("The rest of the page")

    at = AppTest.from_function(app, default_timeout=30)
    at.run()
    assert not at.exception
    assert "Too much data to draw this chart" in at.warning[0].value
    assert charts_shown(at) == 0 and csv_names(at)[0].endswith("-csv-approval-curves")
    assert at.markdown[-1].value == "The rest of the page"


@pytest.mark.parametrize("name", list(PAGES))
def test_admins_see_the_pages_too(db, org, name):
    at = page(db, name, "ada", MARCH)
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == [PAGES[name]]


def test_small_groups_stay_hidden_on_the_page(db, org):
    at = page(db, "network", query=MARCH)
    at.run()
    assert not at.exception
    hidden = [i.value for i in at.info if "fewer than 5 people" in i.value]
    assert len(hidden) == 2  # site matrix, function matrix
    at = page(db, "engagement", query=MARCH)
    at.run()
    assert "Beta" not in str(at.get("vega_lite_chart")[3].proto.spec)  # participation


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_page_turns_away_learners_and_trainers(db, people, name, role):
    at = page(db, name, USERNAME[role])
    at.run()
    assert not at.exception
    assert "You do not have access" in at.error[0].value
    assert charts_shown(at) == 0 and len(at.metric) == 0


@pytest.mark.parametrize("name", list(PAGES))
def test_page_on_an_empty_database_explains_instead_of_failing(db, people, name):
    at = page(db, name)
    at.run()
    assert not at.exception and not at.error
    assert charts_shown(at) == 0 and at.info


def test_the_address_sets_the_period_and_sites(db, org):
    at = page(db, "engagement", query=MARCH)
    at.run()
    assert at.selectbox(key="engagement-period").value == "Custom range"
    assert metric(at, "People active") == "4"  # a1, a2, a3, b2 in March
    # Beta (3 people) and Gamma (1) are not offered: a filter to them would single people out.
    assert at.multiselect(key="engagement-sites").options == ["Alpha"]
    at.multiselect(key="engagement-sites").set_value(["Alpha"]).run()
    assert not at.exception
    assert metric(at, "People active") == "3"  # a1, a2, a3
    assert at.query_params["sites"] == "Alpha"
    at.date_input(key="engagement-range").set_value(
        (utcnow().date().replace(year=2026, month=4, day=1),
         utcnow().date().replace(year=2026, month=4, day=30))).run()
    assert metric(at, "People active") == "0"  # only b1 (Beta) and g1 (Gamma) in April
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-04-01", "2026-04-30")
    at = page(db, "engagement", query={**MARCH, "sites": "Beta"})  # a link cannot force it
    at.run()
    assert at.multiselect(key="engagement-sites").value == []
    assert metric(at, "People active") == "4"


def test_changing_the_period_moves_every_chart(db, org):
    at = page(db, "submissions", query=MARCH)
    at.run()
    assert metric(at, "Submitted") == "3"
    at.selectbox(key="submissions-period").set_value("Last 30 days").run()
    assert not at.exception
    today = utcnow().date()
    assert at.query_params["from"] == (today - timedelta(days=29)).isoformat()
    assert metric(at, "Submitted") == "0"


def test_cached_numbers_refresh_after_a_write(db, people, org):
    at = page(db, "submissions", query=MARCH)
    at.run()
    assert metric(at, "Submitted") == "3"
    at.run()  # from the cache
    assert metric(at, "Submitted") == "3"
    with db.write() as s:
        regulatory.create_submission(s, actor=people["admin"], values={
            "product": "New", "application_number": "APP 9", "submission_type": "NDA",
            "agency": "FDA", "submitted_on": "2026-03-30"})
    at.run()  # a write elsewhere: the figures may be up to a minute old
    assert metric(at, "Submitted") == "3"
    aw.figures_changed()  # the minute has passed (or this server wrote it)
    at.run()
    assert metric(at, "Submitted") == "4"


def test_a_leaders_own_submission_counts_at_once_and_the_page_says_how_fresh(db, org):
    at = page(db, "submissions", query=MARCH)
    at.run()
    assert metric(at, "Submitted") == "3"
    assert any(c.value.startswith("Figures as of ") for c in at.caption)
    at = page(db, "submissions", query={**MARCH, "submissions-tab": "Tracker"})
    at.run()
    _fill(at, "new-submission", {
        "product": "Quickumab", "application_number": "BLA 700002", "submission_type": "BLA",
        "agency": "FDA", "submitted_on": utcnow().date().replace(year=2026, month=3, day=26)})
    _save(at, "new-submission")
    assert not at.exception and not at.error, [e.value for e in at.error]
    back = page(db, "submissions", query=MARCH)
    back.run()
    assert metric(back, "Submitted") == "4"  # no minute's wait for one's own write


def _fill(at: AppTest, form: str, values: dict) -> None:
    for name, value in values.items():
        key = f"{form}-{name}"
        if name in ("submission_type", "agency", "site", "outcome", "status"):
            at.selectbox(key=key).set_value(value)
        elif name.endswith("_on"):
            at.date_input(key=key).set_value(value)
        elif name == "question_rounds":
            at.number_input(key=key).set_value(value)
        else:
            at.text_input(key=key).set_value(value)


def _save(at: AppTest, form: str) -> None:
    next(b for b in at.button if b.proto.form_id == form).click().run()


def test_a_leader_adds_a_submission_with_the_form(db, org):
    at = page(db, "submissions", query={**MARCH, "submissions-tab": "Tracker"})
    at.run()
    _fill(at, "new-submission", {
        "product": "Testumab 100 mg", "application_number": "BLA 700001",
        "submission_type": "BLA", "agency": "FDA", "site": "Alpha",
        "submitted_on": utcnow().date().replace(year=2026, month=3, day=25),
        "question_rounds": 1})
    _save(at, "new-submission")
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.read() as s:
        sub = s.scalars(select(Submission).where(Submission.product == "Testumab 100 mg")).one()
        assert (sub.agency, sub.status, sub.question_rounds) == ("FDA", "submitted", 1)
        sid = sub.id
    assert at.query_params["submission"] == str(sid)  # a link to share
    assert [h.value for h in at.subheader] == [plain("FDA BLA 700001 / 0000: Testumab 100 mg")]
    assert "Related questions" in " ".join(m.value for m in at.markdown)


def test_bad_form_input_is_shown_next_to_the_field_and_nothing_is_saved(db, org):
    at = page(db, "submissions", query={**MARCH, "submissions-tab": "Tracker"})
    at.run()
    _fill(at, "new-submission", {"product": "No agency", "application_number": "X 1",
                                 "submission_type": "NDA"})
    _save(at, "new-submission")
    assert not at.exception
    assert any("Give the agency" in e.value for e in at.error)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 3


def test_a_shared_link_opens_the_submission_for_editing(db, org):
    with db.read() as s:
        sid = s.scalar(select(Submission.id).where(Submission.application_number == "APP 1"))
    at = page(db, "submissions", query={**MARCH, "submission": str(sid)})
    at.run()
    assert not at.exception
    form = f"edit-submission-{sid}"
    assert at.text_input(key=f"{form}-product").value == "Product 1"
    _fill(at, form, {"question_rounds": 2})
    _save(at, form)
    assert not at.exception and not at.error
    with db.read() as s:
        assert s.get(Submission, sid).question_rounds == 2


def test_an_unknown_submission_link_says_so(db, org):
    at = page(db, "submissions", query={**MARCH, "submission": "999"})
    at.run()
    assert not at.exception
    assert any("no submission 999" in w.value for w in at.warning)


def _upload(at: AppTest, text: str) -> None:
    at.file_uploader(key="import-file-0").set_value(
        ("submissions.csv", text.encode(), "text/csv")).run()


def submissions_in(db) -> list[tuple[str, str]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(select(
            Submission.agency, Submission.application_number).order_by(Submission.agency))]


def test_an_import_with_a_bad_row_lists_the_problems_and_stores_nothing(db, people):
    at = page(db, "submissions", query={"submissions-tab": "Import CSV"})
    at.run()
    bad = regulatory.template_csv().replace(",FDA,", ",Ministry,")
    _upload(at, bad)
    assert not at.exception
    assert "1 problem(s) found" in at.error[0].value
    [problems] = at.dataframe
    assert problems.value[["Row", "Column"]].values.tolist() == [[2, "agency"]]
    assert "csv-import-problems" in csv_names(at)[-1]
    assert not [b for b in at.button if b.key == "import-go"]  # nothing to press
    assert submissions_in(db) == []


def test_a_good_import_shows_its_progress_through_to_the_new_rows(db, people, monkeypatch):
    shown, real = [], regulatory.import_csv

    def import_csv(*args, on_progress, **kwargs):  # what the progress bar is told
        def progress(done: int, total: int) -> None:
            shown.append((done, total))
            on_progress(done, total)
        return real(*args, on_progress=progress, **kwargs)

    monkeypatch.setattr(regulatory, "import_csv", import_csv)
    at = page(db, "submissions", query={"submissions-tab": "Import CSV"})
    at.run()
    _upload(at, regulatory.template_csv())
    assert not at.exception and not at.error
    assert "2 submission(s) ready to import" in at.success[0].value
    assert submissions_in(db) == []  # checked, not yet imported
    at.button(key="import-go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown == [(2, 2)]
    assert [m.value for m in at.success] == [
        f"Imported {plain('submissions.csv')}: 2 new, 0 updated, 0 unchanged."]
    assert submissions_in(db) == [("EMA", "EMEA/H/C/009999"), ("FDA", "BLA 761999")]
    assert at.file_uploader(key="import-file-1").value is None  # ready for the next file


def test_user_text_is_shown_literally(db, people, org):
    with db.write() as s:
        sid = regulatory.create_submission(s, actor=people["leader"], values={
            "product": "**Big** ![pixel](https://tracker.example/p.gif) <b>x</b>",
            "application_number": "NDA 1", "submission_type": "NDA", "agency": "FDA"})
    at = page(db, "submissions", query={"submission": str(sid)})
    at.run()
    assert not at.exception
    [heading] = [h.value for h in at.subheader]
    assert "\\*\\*Big\\*\\*" in heading and "\\!\\[pixel\\]" in heading
    assert "\\<b\\>" in heading
