"""Approval pages: board, dashboard, project timeline, and editor forms with CSRF and roles."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from tests.conftest import EDITOR, VIEWER
from tests.test_approval_workflow import item, new_project
from tests.test_auth import csrf_token


def login(client, user: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    response = client.post("/login", data={"username": user[0], "password": user[1], "csrf_token": token})
    assert response.status_code == 302


def test_board_lists_overdue_items_with_filters_and_a_csv_link(client, engine: Engine) -> None:
    html = client.get("/approvals?overdue=true&lang=zh").get_data(as_text=True)
    with engine.connect() as conn:
        names = list(conn.execute(text("SELECT name_zh FROM project WHERE name_zh IS NOT NULL")).scalars())
    rows = re.findall(r'<tr data-timetable="([a-z_]+)"', html)
    assert rows and set(rows) == {"overdue"}
    assert "/api/v1/approvals?overdue=true&amp;format=csv" in html
    assert any(name in html for name in names)
    assert "审批看板" in html and "超期" in html


def test_dashboard_draws_charts_and_lists_overdue_items(client) -> None:
    html = client.get("/dashboard?lang=en").get_data(as_text=True)
    for chart in (
        "chart-timetable",
        "chart-status",
        "chart-kind",
        "chart-durations",
        "chart-p90",
        "chart-province",
    ):
        assert f'id="{chart}"' in html
    assert html.count("<svg") >= 6 and "<rect" in html
    assert 'id="overdue"' in html and "Overdue" in html
    stats = client.get("/api/v1/approvals/statistics").json
    assert stats["days_by_kind"]["project_approval"]["n"] > 0
    assert {"median", "p90"} <= set(stats["days_by_kind"]["project_approval"])
    assert any(row["green_channel"] for row in stats["days_by_kind_and_channel"])


def test_project_page_shows_timeline_items_and_history(client, engine: Engine) -> None:
    with engine.connect() as conn:
        code = conn.execute(
            text(
                "SELECT p.code FROM project p JOIN approval_item i ON i.project_id = p.id "
                "WHERE i.status = 'under_review' ORDER BY p.code LIMIT 1"
            )
        ).scalar_one()
    html = client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert 'class="gp-gantt"' in html and "gp-gantt-bar" in html
    assert "Next gate" in html and "History" in html
    assert "Under review" in html
    assert "Record a step" not in html, "anonymous visitors get no editor forms"


def test_editor_records_a_step_through_the_form(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    login(client, EDITOR)
    page = client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert "Record a step" in page
    token = csrf_token(client, f"/projects/{code}")
    form = {"csrf_token": token, "version": "1", "status": "submitted", "event_date": "2025-04-01"}
    response = client.post(f"/projects/{code}/approvals/eia_report", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("#approvals")
    assert item(fresh_engine, code, "eia_report")["status"] == "submitted"
    after = client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert "Saved." in after
    # The same stale form again: refused with a message, nothing written.
    client.post(f"/projects/{code}/approvals/eia_report", data=form)
    assert "version mismatch" in client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert item(fresh_engine, code, "eia_report")["version"] == 2
    # An illegal transition via the form is explained and changes nothing.
    client.post(f"/projects/{code}/approvals/eia_report", data={**form, "version": "2", "status": "not_started"})
    assert "can only become" in client.get(f"/projects/{code}?lang=en").get_data(as_text=True)
    assert item(fresh_engine, code, "eia_report")["status"] == "submitted"


def test_forms_need_csrf_and_an_editor(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    code = new_project(fresh_engine)
    form = {"version": "1", "status": "submitted", "event_date": "2025-04-01"}
    assert client.post(f"/projects/{code}/approvals/eia_report", data=form).status_code == 400  # no CSRF token
    token = csrf_token(client)  # a valid token of this anonymous session, from the login form
    assert client.post(f"/projects/{code}/approvals/eia_report", data={**form, "csrf_token": token}).status_code == 401
    login(client, VIEWER)
    token = csrf_token(client, f"/projects/{code}")
    assert client.post(f"/projects/{code}/approvals/eia_report", data={**form, "csrf_token": token}).status_code == 403
    assert (
        client.post(
            f"/projects/{code}/pause", data={"csrf_token": token, "started_on": "2025-01-01", "reason": "x"}
        ).status_code
        == 403
    )
    assert item(fresh_engine, code, "eia_report")["status"] == "not_started"


def test_map_offers_a_layer_of_projects_by_worst_timetable(client) -> None:
    import json

    import mapbox_vector_tile

    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Approval timetable" in html and "Overdue" in html.split('class="gp-legend"', 1)[1]
    config = json.loads(html.split('id="atlas-config">', 1)[1].split("</script>", 1)[0])
    approvals = next(entry for entry in config["layers"] if entry["name"] == "approvals")
    assert approvals["style"] == "timetable" and approvals["tiles"] == "/tiles/approvals/{z}/{x}/{y}.mvt"
    world = mapbox_vector_tile.decode(client.get(approvals["tiles"].format(z=0, x=0, y=0)).data)
    overdue = sum(f["properties"].get("s_overdue", 0) for f in world["approvals"]["features"])
    assert overdue >= 1, "the tiles the map draws carry the overdue projects"
