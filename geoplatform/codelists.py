"""Codelists are data: CSV files in ``geoplatform/data/codelists`` with Chinese and English labels.

``sync_codelists`` upserts every row (so a corrected label or a new commodity reaches existing
databases on the next start) and never deletes a code that data may still reference; a code that
disappears from a file is marked ``deprecated`` instead.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Integer, Numeric, Table, delete, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert

from geoplatform.models import CODELIST_TABLES, approval_template, holiday_calendar, size_class_threshold

CODELIST_DIR = Path(__file__).parent / "data" / "codelists"
CALENDAR_DIR = Path(__file__).parent / "data" / "calendars"


def _typed(table: Table, row: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in row.items():
        column = table.c[name]
        if raw is None or raw == "":
            values[name] = None if column.nullable else ""
        elif isinstance(column.type, ARRAY):
            values[name] = [part.strip() for part in raw.split("|") if part.strip()]
        elif isinstance(column.type, Boolean):
            values[name] = raw.strip().lower() in ("true", "1", "yes")
        elif isinstance(column.type, Integer):
            values[name] = int(raw)
        elif isinstance(column.type, Numeric):
            values[name] = Decimal(raw)
        else:
            values[name] = raw.strip()
    return values


def read_codelist_file(name: str) -> list[dict[str, str]]:
    with open(CODELIST_DIR / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    stmt = insert(table).values(rows)
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if updates:
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=keys))


def read_calendar_file(name: str) -> list[dict[str, str]]:
    with open(CALENDAR_DIR / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sync_codelists(engine: Engine) -> None:
    """Upsert every codelist file (and the approval templates and holiday calendar) in one transaction."""
    with engine.begin() as conn:
        for name, table in CODELIST_TABLES.items():
            rows = [_typed(table, row) for row in read_codelist_file(name)]
            for row in rows:
                row.setdefault("deprecated", False)
            _upsert(conn, table, rows, ["code"])
            codes = [row["code"] for row in rows]
            conn.execute(update(table).where(table.c.code.not_in(codes)).values(deprecated=True))
        rows = [_typed(size_class_threshold, row) for row in read_codelist_file("size_class_threshold")]
        for row in rows:
            row["subtype"] = row["subtype"] or ""
        _upsert(conn, size_class_threshold, rows, ["commodity_code", "subtype"])
        # Templates are a plain list: the file is the truth, nothing references its rows.
        conn.execute(delete(approval_template))
        conn.execute(insert(approval_template).values(read_codelist_file("approval_template")))
        days = [_typed(holiday_calendar, row) for row in read_calendar_file("cn_public_holidays")]
        for row in days:
            row["day"] = dt.date.fromisoformat(row["day"])
        # A year an admin loaded from the State Council's notice is theirs: the shipped file keeps off it.
        from geoplatform.approvals.calendar_file import imported_years

        theirs = imported_years(conn)
        _upsert(conn, holiday_calendar, [row for row in days if row["day"].year not in theirs], ["day"])
    load_codelists.cache_clear()
    from geoplatform.vocabulary import load_vocabulary

    load_vocabulary.cache_clear()


@cache
def load_codelists(engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """All codelists as ``{list name: {code: row}}``, read once per engine (cleared by a sync)."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in CODELIST_TABLES.items():
            rows = conn.execute(select(table).order_by(table.c.sort_order, table.c.code)).mappings()
            result[name] = {row["code"]: dict(row) for row in rows}
    return result
