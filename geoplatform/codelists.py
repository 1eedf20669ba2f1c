"""Codelists are data: CSV files in ``geoplatform/data/codelists`` with Chinese and English labels.

``sync_codelists`` upserts every row (so a corrected label or a new commodity reaches existing
databases on the next start) and never deletes a code that data may still reference; a code that
disappears from a file is marked ``deprecated`` instead.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Engine, Integer, Numeric, Table, select, update
from sqlalchemy.dialects.postgresql import insert

from geoplatform.models import CODELIST_TABLES, size_class_threshold

CODELIST_DIR = Path(__file__).parent / "data" / "codelists"


def _typed(table: Table, row: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in row.items():
        column = table.c[name]
        if raw is None or raw == "":
            values[name] = None if column.nullable else ""
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


def sync_codelists(engine: Engine) -> None:
    """Upsert every codelist file into its table in one transaction."""
    with engine.begin() as conn:
        for name, table in CODELIST_TABLES.items():
            rows = [_typed(table, row) for row in read_codelist_file(name)]
            for row in rows:
                row.setdefault("deprecated", False)
            stmt = insert(table).values(rows)
            keys = [c for c in rows[0] if c != "code"]
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["code"], set_={k: stmt.excluded[k] for k in keys})
            )
            codes = [row["code"] for row in rows]
            conn.execute(update(table).where(table.c.code.not_in(codes)).values(deprecated=True))
        rows = [_typed(size_class_threshold, row) for row in read_codelist_file("size_class_threshold")]
        for row in rows:
            row["subtype"] = row["subtype"] or ""
        stmt = insert(size_class_threshold).values(rows)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["commodity_code", "subtype"],
                set_={k: stmt.excluded[k] for k in ("measure", "unit_code", "large_min", "medium_min")},
            )
        )
    load_codelists.cache_clear()


@cache
def load_codelists(engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """All codelists as ``{list name: {code: row}}``, read once per engine (cleared by a sync)."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in CODELIST_TABLES.items():
            rows = conn.execute(select(table).order_by(table.c.sort_order, table.c.code)).mappings()
            result[name] = {row["code"]: dict(row) for row in rows}
    return result
