"""Major-project scheduling: milestones planned against actual with typed replanning reasons, monthly
progress with coordination problems, states derived from today, the board and its API, the forms."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from geoplatform.errors import Conflict, InvalidParameter, NotFound
from geoplatform.scheduling import board, service
from geoplatform.scheduling.service import MilestoneChange, Problem, Report
from tests.conftest import EDITOR, VIEWER
from tests.test_approval_pages import login
from tests.test_approval_workflow import new_project
from tests.test_auth import basic, csrf_token

TODAY = dt.date(2026, 6, 15)


def milestone(engine: Engine, code: str, kind: str, today: dt.date = TODAY) -> dict:
    return next(m for m in board.project_schedule(engine, code, today)["milestones"] if m["kind"] == kind)


def test_a_milestone_is_planned_replanned_for_a_typed_reason_and_reached_with_every_change_in_history(
    fresh_engine: Engine,
) -> None:
    code = new_project(fresh_engine)
    plan = MilestoneChange(planned_on=dt.date(2026, 3, 1))
    assert service.record_milestone(fresh_engine, code, "construction_start", plan, "ed", TODAY) == 1
    with pytest.raises(InvalidParameter, match="needs a reason"):
        service.record_milestone(
            fresh_engine,
            code,
            "construction_start",
            MilestoneChange(dt.date(2026, 4, 1), expected_version=1),
            "ed",
            TODAY,
        )
    with pytest.raises(InvalidParameter, match="needs a comment"):
        change = MilestoneChange(dt.date(2026, 4, 1), reason="other", expected_version=1)
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    with pytest.raises(InvalidParameter, match="Unknown replanning reason"):
        change = MilestoneChange(dt.date(2026, 4, 1), reason="weather", expected_version=1)
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    replan = MilestoneChange(dt.date(2026, 4, 1), reason="land_and_resettlement", expected_version=1)
    assert service.record_milestone(fresh_engine, code, "construction_start", replan, "ed", TODAY) == 2
    with pytest.raises(Conflict):
        service.record_milestone(fresh_engine, code, "construction_start", replan, "ed", TODAY)
    with pytest.raises(InvalidParameter, match="in the future"):
        change = MilestoneChange(actual_on=TODAY + dt.timedelta(days=1), expected_version=2)
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    behind = milestone(fresh_engine, code, "construction_start")
    assert (behind["schedule"], behind["schedule_days"], behind["slip_days"], behind["replans"]) == (
        "behind",
        75,
        31,
        1,
    )
    reached = MilestoneChange(actual_on=dt.date(2026, 4, 11), expected_version=2)
    service.record_milestone(fresh_engine, code, "construction_start", reached, "ed", TODAY)
    done = milestone(fresh_engine, code, "construction_start")
    assert (done["baseline_on"], done["planned_on"], done["actual_on"]) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 11),
    )
    assert (done["schedule"], done["schedule_days"]) == ("reached_late", 10)
    with pytest.raises(InvalidParameter, match="has been reached"):
        change = MilestoneChange(dt.date(2026, 4, 11), reason="construction", expected_version=3)
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    with pytest.raises(InvalidParameter, match="planned date is unchanged"):
        change = MilestoneChange(actual_on=dt.date(2026, 4, 12), reason="funding", expected_version=3)
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    events = board.project_schedule(fresh_engine, code, TODAY)["events"]
    assert [(e["action"], e["reason"]) for e in events] == [
        ("plan", None),
        ("replan", "land_and_resettlement"),
        ("actual", None),
    ]
    assert events[1]["changes"] == {"planned_on": ["2026-03-01", "2026-04-01"]} and events[1]["actor"] == "ed"
    with pytest.raises(DBAPIError, match="schedule_event is append-only"), fresh_engine.begin() as conn:
        conn.execute(text("UPDATE schedule_event SET actor = 'someone else'"))


def test_milestones_keep_their_order_and_need_a_known_kind_and_project(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    service.record_milestone(fresh_engine, code, "commissioning", MilestoneChange(dt.date(2027, 1, 1)), "ed", TODAY)
    with pytest.raises(InvalidParameter, match="before that of 'construction_start'"):
        change = MilestoneChange(dt.date(2027, 3, 1))
        service.record_milestone(fresh_engine, code, "construction_start", change, "ed", TODAY)
    with pytest.raises(InvalidParameter, match="Unknown milestone kind"):
        service.record_milestone(fresh_engine, code, "topping_out", MilestoneChange(dt.date(2027, 1, 1)), "ed", TODAY)
    with pytest.raises(NotFound):
        service.record_milestone(fresh_engine, "PRJ-NONE", "commissioning", MilestoneChange(TODAY), "ed", TODAY)
    with pytest.raises(InvalidParameter, match="starts with its planned date"):
        service.record_milestone(fresh_engine, code, "full_capacity", MilestoneChange(actual_on=TODAY), "ed", TODAY)


def test_states_follow_today_behind_due_soon_on_schedule_and_reached_on_time(fresh_engine: Engine) -> None:
    code = new_project(fresh_engine)
    planned = dt.date(2026, 7, 1)
    service.record_milestone(fresh_engine, code, "mechanical_completion", MilestoneChange(planned), "ed", TODAY)
    for today, state, days in (
        (planned - dt.timedelta(days=60), "on_schedule", 60),
        (planned - dt.timedelta(days=5), "due_soon", 5),
        (planned, "due_soon", 0),
        (planned + dt.timedelta(days=12), "behind", 12),
    ):
        found = milestone(fresh_engine, code, "mechanical_completion", today)
        assert (found["schedule"], found["schedule_days"]) == (state, days), today
    later = planned + dt.timedelta(days=40)
    change = MilestoneChange(actual_on=dt.date(2026, 6, 30), expected_version=1)
    service.record_milestone(fresh_engine, code, "mechanical_completion", change, "ed", later)
    assert milestone(fresh_engine, code, "mechanical_completion", later)["schedule"] == "reached_on_time"
    assert board.project_schedule(fresh_engine, code, later)["worst_schedule"] == "reached_on_time"


def test_monthly_reports_are_checked_revised_with_their_version_and_raise_problems_to_solve(
    fresh_engine: Engine,
) -> None:
    code = new_project(fresh_engine)

    def report(month: str, percent: str, spent: str, total: str, **extra: object) -> Report:
        return Report(
            month=service.parse_month(month),
            percent_complete=Decimal(percent),
            investment_month=Decimal(spent),
            investment_total=Decimal(total),
            **extra,  # type: ignore[arg-type]
        )

    problem = Problem("征地补偿未到位", "县人民政府 / county government")
    assert (
        service.submit_report(
            fresh_engine, code, report("2026-04", "10", "500", "500", problems=(problem,)), "ed", TODAY
        )
        == 1
    )
    service.submit_report(fresh_engine, code, report("2026-05", "18.5", "400", "900"), "ed", TODAY)
    for bad, message in (
        (report("2026-07", "20", "1", "901"), "in the future"),
        (report("2026-06", "101", "1", "901"), "may not exceed 100"),
        (report("2026-06", "20", "100", "50"), "less than the investment of the month"),
        (report("2026-06", "15", "0", "900"), "cannot fall"),
        (report("2026-03", "12", "0", "600"), "cannot fall"),
    ):
        with pytest.raises(InvalidParameter, match=message):
            service.submit_report(fresh_engine, code, bad, "ed", TODAY)
    with pytest.raises(Conflict, match="has a report already"):
        service.submit_report(fresh_engine, code, report("2026-05", "19", "400", "900"), "ed", TODAY)
    revised = report("2026-05", "19", "400", "900", summary="更正 / corrected", expected_version=1)
    assert service.submit_report(fresh_engine, code, revised, "ed2", TODAY) == 2
    again = report("2026-04", "10", "500", "500", problems=(problem, problem), expected_version=1)
    assert service.submit_report(fresh_engine, code, again, "ed", TODAY) == 1, "the same figures: no revision"
    with pytest.raises(InvalidParameter, match="too large"):
        service.parse_amount("investment_total_cny_10k", "1e999999")
    with pytest.raises(InvalidParameter, match="must be a number"):
        service.parse_amount("investment_total_cny_10k", "NaN")
    with pytest.raises(InvalidParameter, match="too precise"):
        service.parse_amount("investment_month_cny_10k", "1E-500000")
    with pytest.raises(InvalidParameter):
        service.parse_month("2026-13")
    schedule = board.project_schedule(fresh_engine, code, TODAY)
    assert [(r["month"], r["percent_complete"], r["version"]) for r in schedule["reports"]] == [
        (dt.date(2026, 5, 1), Decimal("19"), 2),
        (dt.date(2026, 4, 1), Decimal("10"), 1),
    ]
    revision = next(e for e in schedule["events"] if e["action"] == "revise_report")
    assert revision["changes"]["percent_complete"] == ["18.5", "19"] and revision["actor"] == "ed2"
    raised = schedule["problems"][0]
    assert (raised["description"], raised["owner"], raised["resolved_on"]) == (problem.description, problem.owner, None)
    with pytest.raises(InvalidParameter, match="before the month"):
        service.resolve_problem(fresh_engine, code, raised["id"], dt.date(2026, 3, 31), "ed", today=TODAY)
    service.resolve_problem(fresh_engine, code, raised["id"], dt.date(2026, 5, 20), "ed", today=TODAY)
    with pytest.raises(Conflict):
        service.resolve_problem(fresh_engine, code, raised["id"], dt.date(2026, 5, 21), "ed", today=TODAY)
    actions = [e["action"] for e in board.project_schedule(fresh_engine, code, TODAY)["events"]]
    assert actions == ["report", "problem", "report", "revise_report", "resolve"]
    assert len(board.project_schedule(fresh_engine, code, TODAY)["problems"]) == 1


def test_the_demo_board_shows_every_state_and_the_api_page_and_csv_agree(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/schedule").get_json()
    states = {m["schedule"] for m in answer["milestones"]}
    assert states == {"behind", "due_soon", "on_schedule", "reached_late", "reached_on_time"}
    assert any(m["replans"] and m["slip_days"] > 0 for m in answer["milestones"])
    behind = client.get("/api/v1/schedule?behind=true").get_json()["milestones"]
    assert behind and all(m["schedule"] == "behind" and m["schedule_days"] > 0 for m in behind)
    tibet = client.get("/api/v1/schedule?region=540000").get_json()["milestones"]
    assert tibet and {m["region_code"][:2] for m in tibet} == {"54"}
    abroad = client.get("/api/v1/schedule?abroad=true&kind=commissioning").get_json()["milestones"]
    assert abroad and all(m["country_code"] != "CN" and m["kind"] == "commissioning" for m in abroad)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/schedule?format=csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert [r["project_code"] + r["kind"] for r in rows] == [
        m["project_code"] + m["kind"] for m in answer["milestones"]
    ]
    page = client.get("/schedule?lang=zh").get_data(as_text=True)
    assert page.count("<tr data-schedule=") == answer["numberReturned"]
    assert "调度看板" in page and "滞后" in page and "开工建设" in page
    assert "Scheduling board" in client.get("/schedule?lang=en").get_data(as_text=True)
    for bad in ("state=late", "behind=maybe", "kind=topping_out", "colour=red"):
        response = client.get(f"/api/v1/schedule?{bad}")
        assert response.status_code == 400 and response.get_json()["description"], bad
    assert client.get("/api/v1/projects/PRJ-NONE/schedule").status_code == 404


def test_the_project_page_shows_milestones_progress_and_problems(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/projects/PRJ-LAGUOCUO-PH1?lang=zh").get_data(as_text=True)
    section = html[html.index('id="schedule"') :]
    assert re.search(r'data-kind="mechanical_completion" data-schedule="behind"', section)
    assert "月度进度" in section and "需协调解决的问题" in section and "国网西藏" in section
    assert "示意进度" in section, "the demo's progress is marked illustrative"
    assert "Replan or record as reached" not in section and "补录" not in section, "no forms for visitors"
    data = client.get("/api/v1/projects/PRJ-LAGUOCUO-PH1/schedule").get_json()
    assert data["worst_schedule"] == "behind" and data["behind_days"] > 0
    assert data["reports"][0]["percent_complete"] <= 100 and data["problems"][0]["resolved_on"] is None
    reports = client.get("/api/v1/projects/PRJ-LAGUOCUO-PH1/schedule?format=csv&table=reports").get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(reports.lstrip("\ufeff"))))
    assert [r["month"] for r in table] == [r["month"] for r in data["reports"]]
    events = client.get("/api/v1/projects/PRJ-LAGUOCUO-PH1/schedule?format=csv&table=events").get_data(as_text=True)
    assert '{""planned_on"": [null,' in events, "changes are JSON in their cell"
    assert client.get("/api/v1/projects/PRJ-LAGUOCUO-PH1/schedule?format=csv&table=secrets").status_code == 400


def test_writes_need_an_editor_and_the_api_and_forms_record_milestones_and_reports(
    write_app, fresh_engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    client = write_app.test_client()
    code = new_project(fresh_engine)
    url = f"/api/v1/projects/{code}/milestones/construction_start"
    body = {"planned_on": "2026-01-10"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=basic(VIEWER)).status_code == 403
    created = client.post(url, json=body, headers=basic(EDITOR))
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    replanned = client.post(
        url, json={"planned_on": "2026-02-10", "reason": "funding", "version": 1}, headers=basic(EDITOR)
    )
    assert replanned.status_code == 200 and replanned.get_json()["version"] == 2
    stale = client.post(url, json={"actual_on": "2026-02-01", "version": 1}, headers=basic(EDITOR))
    assert stale.status_code == 409
    assert client.post(url, json={"planned_on": "10/02/2026", "version": 2}, headers=basic(EDITOR)).status_code == 400
    report = {
        "month": "2026-02",
        "percent_complete": 5,
        "investment_month_cny_10k": 300,
        "investment_total_cny_10k": 300,
        "problems": [{"description": "施工用电", "owner": "供电公司"}],
    }
    progress = f"/api/v1/projects/{code}/progress"
    assert client.post(progress, json=report).status_code == 401
    assert client.post(progress, json=report, headers=basic(EDITOR)).status_code == 201
    for bad in (
        {**report, "percent_complete": 120, "version": 1},
        {**report, "month": "Feb"},
        {**report, "problems": "x"},
        {**report, "investment_total_cny_10k": -1},
    ):
        answer = client.post(progress, json=bad, headers=basic(EDITOR))
        assert answer.status_code == 400 and answer.get_json()["description"], bad
    for bad in (
        {"planned_on": "2026-03-01", "reason": "funding", "version": 1.9},
        {"actual_on": "2026-02-01", "version": True},
    ):
        answer = client.post(url, json=bad, headers=basic(EDITOR))
        assert answer.status_code == 400, bad
    huge = client.post(
        progress, json={**report, "month": "2026-03", "investment_total_cny_10k": "1e999999"}, headers=basic(EDITOR)
    )
    assert huge.status_code == 400
    data = client.get(f"/api/v1/projects/{code}/schedule").get_json()
    problem = data["problems"][0]["id"]
    solved = client.post(
        f"/api/v1/projects/{code}/problems/{problem}/resolve", json={"resolved_on": "2026-02-20"}, headers=basic(EDITOR)
    )
    assert solved.status_code == 200
    # The page forms: CSRF token and the editor role, then the same service.
    form = {"kind": "commissioning", "planned_on": "2027-05-01"}
    assert client.post(f"/projects/{code}/milestones", data=form).status_code == 400  # no CSRF token
    login(client, EDITOR)
    page = client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert "Plan a milestone" in page and "Report a month" in page and "Mark solved" not in page
    token = csrf_token(client, f"/projects/{code}")
    answer = client.post(f"/projects/{code}/milestones", data={**form, "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#schedule")
    client.post(
        f"/projects/{code}/progress",
        data={
            "csrf_token": token,
            "month": "2026-03",
            "percent_complete": "2",
            "investment_month": "10",
            "investment_total": "310",
        },
    )
    assert "cumulative figures cannot fall" in client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    odd = client.post(
        f"/projects/{code}/milestones", data={**form, "csrf_token": token, "version": "²", "kind": "construction_start"}
    )
    assert odd.status_code == 302, "a strange version is a message, not a server error"
    kinds = {m["kind"]: m for m in client.get(f"/api/v1/projects/{code}/schedule").get_json()["milestones"]}
    assert kinds["commissioning"]["planned_on"] == "2027-05-01"
    with fresh_engine.connect() as conn:
        actors = set(
            conn.execute(
                text("SELECT e.actor FROM schedule_event e JOIN project p ON p.id = e.project_id WHERE p.code = :c"),
                {"c": code},
            ).scalars()
        )
    assert actors == {EDITOR[0]}
    # A project with monthly reports but no milestones still shows its progress on the regional list.
    plain = new_project(fresh_engine)
    body = {
        "month": "2026-01",
        "percent_complete": 12.5,
        "investment_month_cny_10k": 40,
        "investment_total_cny_10k": 40,
    }
    assert client.post(f"/api/v1/projects/{plain}/progress", json=body, headers=basic(EDITOR)).status_code == 201
    listed = client.get("/api/v1/lists/CN").get_json()["projects"]
    row = next(p for p in listed if p["code"] == plain)
    assert (row["percent_complete"], row["report_month"], row["schedule"]) == (12.5, "2026-01-01", "unplanned")
