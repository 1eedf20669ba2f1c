"""Where each project stands with its approvals: the derived table behind the approvals layer.

One row per project with approval items: the worst timetable state of its items (the map colour),
the item that is worst, how many items are open, overdue and due soon, and the next deadline. The
states come from :mod:`geoplatform.approvals.timetable`, the one place they are computed, so the
services read a table instead of a second implementation in SQL.

The states change with the data (any write bumps the data version) and with the date (an item
becomes overdue overnight). :func:`ensure_current` rebuilds the table when either has moved on,
under an advisory lock so that concurrent requests rebuild it once; a rebuild for a new day bumps
the data version, because yesterday's cached counts and tiles of the layer are wrong today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Date, Engine, Integer, String, delete, func, insert, select, update, values
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geoplatform.approvals import workflow
from geoplatform.approvals.service import item_rows, projects_t
from geoplatform.models import approval_layer, approval_layer_state, data_version

LOCK_KEY = 0x6770_6170  # "gpap"

URGENT_FIRST = {"overdue": -1, "completed_late": -1}
"""For these states the item with the most days over is the worst; for the others, fewest days left."""


def _current(conn: Connection) -> tuple[int, int | None, dt.date | None]:
    row = conn.execute(
        select(data_version.c.version, approval_layer_state.c.data_version, approval_layer_state.c.built_on)
        .select_from(data_version.outerjoin(approval_layer_state, approval_layer_state.c.id == 1))
        .where(data_version.c.id == 1)
    ).one()
    return row[0], row[1], row[2]


def is_current(conn: Connection, today: dt.date) -> bool:
    version, built_for, built_on = _current(conn)
    return built_for == version and built_on == today


def ensure_current(engine: Engine, today: dt.date | None = None, read_engine: Engine | None = None) -> bool:
    """Rebuild the table if the data or the day moved on since it was built; True if it was rebuilt.

    The check is one small query (on ``read_engine``, an autocommit engine, when given: no BEGIN and
    ROLLBACK around it); only a stale table takes the lock and rebuilds, in a transaction of ``engine``."""
    today = today or dt.date.today()
    with (read_engine or engine).connect() as conn:
        if is_current(conn, today):
            return False
    with engine.begin() as conn:
        conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        if is_current(conn, today):
            return False  # another request rebuilt it while this one waited
        rebuild(conn, today)
    return True


def standings(items: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per project id: the worst state, its item, counts and the next deadline of open items."""
    by_project: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_project[item["project_id"]].append(item)
    result = {}
    for project_id, rows in by_project.items():
        worst = max(
            rows,
            key=lambda i: (i["severity"], URGENT_FIRST.get(i["timetable"], 1) * -(i["timetable_days"] or 0)),
        )
        open_rows = [i for i in rows if i["status"] not in workflow.GRANTED | workflow.INACTIVE]
        dated = [i for i in open_rows if i["effective_target_on"] is not None]
        upcoming = min(dated, key=lambda i: i["effective_target_on"]) if dated else None
        result[project_id] = {
            "timetable": worst["timetable"],
            "timetable_days": worst["timetable_days"],
            "worst_kind": worst["kind"],
            "items": len(rows),
            "open_items": len(open_rows),
            "overdue_items": sum(i["timetable"] == "overdue" for i in rows),
            "due_soon_items": sum(i["timetable"] == "due_soon" for i in rows),
            "next_due_on": upcoming["effective_target_on"] if upcoming else None,
            "next_due_kind": upcoming["kind"] if upcoming else None,
            "paused": worst["paused_now"],
        }
    return result


STANDING_COLUMNS = (
    ("timetable", String),
    ("timetable_days", Integer),
    ("worst_kind", String),
    ("items", Integer),
    ("open_items", Integer),
    ("overdue_items", Integer),
    ("due_soon_items", Integer),
    ("next_due_on", Date),
    ("next_due_kind", String),
)
PROJECT_COLUMNS = (
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "stage",
    "green_channel",
    "country_code",
    "region_code",
    "subdivision_code",
    "geom",
)


def rebuild(conn: Connection, today: dt.date) -> int:
    """Replace the table's rows inside the caller's transaction; returns how many projects it holds."""
    version, _, built_on = _current(conn)
    if built_on is not None and built_on != today:
        # New day, new states: caches keyed by the current version must not serve yesterday's.
        version = conn.execute(
            update(data_version)
            .where(data_version.c.id == 1)
            .values(version=data_version.c.version + 1)
            .returning(data_version.c.version)
        ).scalar_one()
    found = standings(item_rows(conn, today=today))
    conn.execute(delete(approval_layer))
    if found:
        paused = sql_column("paused_now", Integer)
        rows = values(sql_column("project_id", Integer), paused, *(sql_column(n, t) for n, t in STANDING_COLUMNS))
        rows = rows.data(
            [(pid, int(s["paused"]), *(s[name] for name, _ in STANDING_COLUMNS)) for pid, s in found.items()]
        ).alias("standing")
        conn.execute(
            insert(approval_layer).from_select(
                ["id", *PROJECT_COLUMNS, *(name for name, _ in STANDING_COLUMNS), "paused", "status_as_of"],
                select(
                    projects_t.c.id,
                    *(projects_t.c[name] for name in PROJECT_COLUMNS),
                    *(rows.c[name] for name, _ in STANDING_COLUMNS),
                    rows.c.paused_now == 1,
                    func.cast(today, Date),
                ).join_from(projects_t, rows, rows.c.project_id == projects_t.c.id),
            )
        )
    upsert = pg_insert(approval_layer_state).values(id=1, data_version=version, built_on=today)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["id"], set_={"data_version": version, "built_on": today, "built_at": func.now()}
        )
    )
    return len(found)
