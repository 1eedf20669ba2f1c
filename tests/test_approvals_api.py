"""The approval API over HTTP: reads for all, validated writes for editors, the national board."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine, text

from tests.conftest import EDITOR, VIEWER
from tests.test_approval_workflow import new_project
from tests.test_auth import basic


def demo_project_with_open_item(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.code, i.kind FROM approval_item i JOIN project p ON p.id = i.project_id "
                "WHERE i.status = 'under_review' ORDER BY p.code, i.kind LIMIT 1"
            )
        ).one()
    return row.code, row.kind


def test_project_approvals_lists_items_history_and_gates(client, engine: Engine) -> None:
    code, kind = demo_project_with_open_item(engine)
    body = client.get(f"/api/v1/projects/{code}/approvals").json
    assert body["project"] == code
    kinds = {i["kind"]: i for i in body["items"]}
    assert kinds[kind]["status"] == "under_review"
    assert kind in body["blocking_construction"]
    assert body["next_gate"] in kinds
    assert body["worst_timetable"] in ("overdue", "due_soon", "on_schedule", "no_limit", "paused")
    assert body["events"] and {"actor", "from_status", "to_status", "event_date"} <= set(body["events"][0])
    assert client.get("/api/v1/projects/PRJ-NOPE/approvals").status_code == 404


def test_editor_records_an_event_and_a_stale_version_gets_409(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    url = f"/api/v1/projects/{code}/approvals/eia_report/events"
    first = client.post(
        url, json={"status": "submitted", "event_date": "2025-03-03", "version": 1}, headers=basic(EDITOR)
    )
    assert first.status_code == 201, first.data
    assert first.json["version"] == 2
    stale = client.post(
        url,
        json={"status": "withdrawn", "event_date": "2025-03-04"},
        headers={**basic(EDITOR), "If-Match": '"1"'},
    )
    assert stale.status_code == 409
    assert stale.json["code"] == "Conflict"
    fresh = client.post(
        url,
        json={"status": "accepted", "event_date": "2025-03-05"},
        headers={**basic(EDITOR), "If-Match": '"2"'},
    )
    assert fresh.status_code == 201
    items = {i["kind"]: i for i in client.get(f"/api/v1/projects/{code}/approvals").json["items"]}
    assert items["eia_report"]["status"] == "accepted"
    # 60 calendar days end on 2025-05-04, inside the Labour Day holiday (May 1-5): due the day after it.
    assert items["eia_report"]["effective_due_on"] == "2025-05-06"


@pytest.mark.parametrize(
    ("kind", "body", "status", "fragment"),
    [
        (
            "eia_report",
            {"status": "approved", "event_date": "2025-03-03", "version": 1},
            400,
            "can only become",
        ),
        ("eia_report", {"status": "submitted", "event_date": "03/03/2025", "version": 1}, 400, "YYYY-MM-DD"),
        ("eia_report", {"status": "submitted", "event_date": "2999-01-01", "version": 1}, 400, "future"),
        ("eia_report", {"status": "submitted", "event_date": "2025-03-03"}, 400, "version"),
        (
            "no_such_kind",
            {"status": "submitted", "event_date": "2025-03-03", "version": 1},
            400,
            "Unknown approval kind",
        ),
        ("eia_report", {"event_date": "2025-03-03", "version": 1}, 400, "status"),
    ],
)
def test_bad_events_get_4xx_with_a_message_and_write_nothing(
    write_app, fresh_engine: Engine, kind: str, body: dict, status: int, fragment: str
) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    before = client.get(f"/api/v1/projects/{code}/approvals").json
    response = client.post(f"/api/v1/projects/{code}/approvals/{kind}/events", json=body, headers=basic(EDITOR))
    assert response.status_code == status
    assert fragment in response.json["description"]
    assert client.get(f"/api/v1/projects/{code}/approvals").json == before


def test_approval_writes_need_an_editor(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    url = f"/api/v1/projects/{code}/approvals/eia_report/events"
    body = {"status": "submitted", "event_date": "2025-03-03", "version": 1}
    assert client.post(url, json=body, headers=basic(("nobody", "wrong-password"))).status_code == 401
    # No credentials at all: 401 with a challenge, not a CSRF complaint (the check order once said 400).
    anonymous = client.post(url, json=body)
    assert anonymous.status_code == 401
    assert anonymous.json["code"] == "AuthenticationRequired"
    assert "Basic" in anonymous.headers["WWW-Authenticate"]
    assert client.post(url, json=body, headers=basic(VIEWER)).status_code == 403
    assert (
        client.post(
            f"/api/v1/projects/{code}/pause",
            json={"started_on": "2025-01-01", "reason": "x"},
            headers=basic(VIEWER),
        ).status_code
        == 403
    )


def test_pause_resume_and_add_item_over_http(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    assert (
        client.post(
            f"/api/v1/projects/{code}/pause", json={"started_on": "2025-01-01"}, headers=basic(EDITOR)
        ).status_code
        == 400
    ), "a pause needs a reason"
    assert (
        client.post(
            f"/api/v1/projects/{code}/pause",
            json={"started_on": "2025-01-01", "reason": "融资"},
            headers=basic(EDITOR),
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/projects/{code}/approvals").json["paused"] is True
    assert (
        client.post(
            f"/api/v1/projects/{code}/resume", json={"ended_on": "2024-12-01"}, headers=basic(EDITOR)
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/v1/projects/{code}/resume", json={"ended_on": "2025-02-01"}, headers=basic(EDITOR)
        ).status_code
        == 200
    )
    response = client.post(
        f"/api/v1/projects/{code}/approvals", json={"kind": "mining_licence_renewal"}, headers=basic(EDITOR)
    )
    assert response.status_code == 201
    again = client.post(
        f"/api/v1/projects/{code}/approvals", json={"kind": "mining_licence_renewal"}, headers=basic(EDITOR)
    )
    assert again.status_code == 409


def test_board_filters_match_the_items(client, engine: Engine) -> None:
    everything = client.get("/api/v1/approvals").json["items"]
    with engine.connect() as conn:
        assert len(everything) == conn.execute(text("SELECT count(*) FROM approval_item")).scalar_one()
    overdue = client.get("/api/v1/approvals?overdue=true").json["items"]
    assert overdue and all(i["timetable"] == "overdue" for i in overdue)
    assert len(overdue) == sum(1 for i in everything if i["timetable"] == "overdue")
    licences = client.get("/api/v1/approvals?kind=mining_licence&status=approved,approved_with_conditions").json
    assert licences["items"] and all(i["kind"] == "mining_licence" for i in licences["items"])
    sichuan = client.get("/api/v1/approvals?region=510000").json["items"]
    assert sichuan and all(i["region_code"].startswith("51") for i in sichuan)
    green = client.get("/api/v1/approvals?green_channel=true").json["items"]
    assert green and all(i["green_channel"] for i in green)
    lithium = client.get("/api/v1/approvals?commodity=Li").json["items"]
    assert lithium and len(lithium) < len(everything)


@pytest.mark.parametrize("query", ["overdue=maybe", "kind=nope", "region=12", "status=bogus", "sort=x"])
def test_board_rejects_bad_filters(client, query: str) -> None:
    response = client.get(f"/api/v1/approvals?{query}")
    assert response.status_code == 400 and response.json["code"] == "InvalidParameterValue"


def test_board_exports_csv_that_excel_reads_as_utf8(client) -> None:
    response = client.get("/api/v1/approvals?format=csv&overdue=true")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.get_data(as_text=True)
    assert data.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(data.lstrip("\ufeff"))))
    assert rows and all(r["timetable"] == "overdue" for r in rows)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in rows[0]["project_name_zh"])
