"""The approvals layer: projects with the worst timetable state of their items, kept current."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, text

from geoplatform.approvals import service, standing
from geoplatform.approvals.timetable import SEVERITY
from geoplatform.models import approval_layer
from layers.counts import current_version


def _layer_rows(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {row["code"]: dict(row) for row in conn.execute(select(approval_layer)).mappings()}


def test_each_project_with_items_has_the_worst_state_the_record_page_shows(engine: Engine) -> None:
    standing.ensure_current(engine)
    rows = _layer_rows(engine)
    with engine.connect() as conn:
        with_items = set(
            conn.execute(
                text("SELECT DISTINCT p.code FROM project p JOIN approval_item i ON i.project_id = p.id")
            ).scalars()
        )
    assert rows and set(rows) == with_items
    states = {row["timetable"] for row in rows.values()}
    assert {"overdue", "on_schedule"} <= states, "the demo shows both on the map"
    for code in sorted(rows)[:25]:
        record = service.project_approvals(engine, code)
        row = rows[code]
        assert row["timetable"] == record["worst_timetable"], code
        assert row["items"] == len(record["items"])
        assert row["overdue_items"] == sum(i["timetable"] == "overdue" for i in record["items"])
        worst = [i for i in record["items"] if i["kind"] == row["worst_kind"]]
        assert worst and worst[0]["severity"] == SEVERITY[row["timetable"]]
        assert row["paused"] == record["paused"]


def test_a_write_makes_the_layer_stale_and_the_next_read_rebuilds_it(fresh_engine: Engine) -> None:
    standing.ensure_current(fresh_engine)
    assert standing.ensure_current(fresh_engine) is False, "current: no second rebuild"
    code = next(code for code, row in _layer_rows(fresh_engine).items() if row["timetable"] == "on_schedule")
    service.pause_project(fresh_engine, code, started_on=dt.date.today(), reason="测试暂停", actor="test")
    with fresh_engine.connect() as conn:
        assert not standing.is_current(conn, dt.date.today())
    assert standing.ensure_current(fresh_engine) is True
    row = _layer_rows(fresh_engine)[code]
    assert row["paused"] is True and row["timetable"] == "paused", "a running clock stops"


def test_a_new_day_rebuilds_the_states_and_bumps_the_data_version(fresh_engine: Engine) -> None:
    today = dt.date.today()
    standing.ensure_current(fresh_engine, today)
    with fresh_engine.connect() as conn:
        before = current_version(conn)
    later = today + dt.timedelta(days=400)
    assert standing.ensure_current(fresh_engine, later) is True
    with fresh_engine.connect() as conn:
        assert current_version(conn) == before + 1, "caches of yesterday's states are dropped"
    rows = _layer_rows(fresh_engine)
    assert {row["status_as_of"] for row in rows.values()} == {later}
    # 400 days on, nothing of the demo is merely on schedule or due soon any more.
    assert not {row["timetable"] for row in rows.values()} & {"on_schedule", "due_soon"}
    assert standing.ensure_current(fresh_engine, later) is False


def test_ogcapi_filters_the_approvals_layer_by_timetable_state(client, engine: Engine) -> None:
    standing.ensure_current(engine)
    overdue = {code for code, row in _layer_rows(engine).items() if row["timetable"] == "overdue"}
    answer = client.get("/ogcapi/collections/approvals/items?timetable=overdue&limit=500").get_json()
    assert {f["id"] for f in answer["features"]} == overdue
    assert answer["numberMatched"] == len(overdue)
    cql = client.get(
        "/ogcapi/collections/approvals/items",
        query_string={"filter": "timetable IN ('overdue','due_soon') AND green_channel = true", "limit": 500},
    ).get_json()
    assert all(f["properties"]["timetable"] in ("overdue", "due_soon") for f in cql["features"])
    bad = client.get("/ogcapi/collections/approvals/items?timetable=late")
    assert bad.status_code == 400 and "/api/v1/codelists/timetable_state" in bad.get_json()["description"]
    assert client.get("/api/v1/codelists/timetable_state").status_code == 200
    chinese = client.get("/ogcapi/collections/approvals/items?timetable=超期&limit=500").get_json()
    assert {f["id"] for f in chinese["features"]} == overdue


def test_the_approvals_queryables_list_every_timetable_state(client) -> None:
    schema = client.get("/ogcapi/collections/approvals/queryables").get_json()
    timetable = schema["properties"]["timetable"]
    assert set(timetable["enum"]) == set(SEVERITY), "the codelist and the timetable rules agree"
    assert timetable["title"] and "next_due_on" in schema["properties"]
