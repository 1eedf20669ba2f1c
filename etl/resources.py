"""Importing resource and reserve estimates (``--target resources``).

One row is one reported quantity: a deposit (by code), one commodity, a category (GB/T 17766-2020
探明/控制/推断资源量, 证实/可信储量, or the JORC / NI 43-101 names), the classification method (default
GB/T 17766-2020 when the file has no method column), ore tonnage and/or contained quantity with units
(``12.5万吨`` is 12.5 in unit 万吨 = ``10kt``), grade and its unit, the date of the estimate.

An estimate is identified by deposit, commodity, category, method and date: re-importing the same
file changes nothing, a corrected quantity updates the row (its before-image kept for undo).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from etl import columns as cols
from etl.normalise import date_value
from etl.projects import one_code
from etl.staging import as_text, copy_frame, create_staging_table
from etl.undo import LoadCounts
from etl.validate import Reject, Validator
from geoplatform.errors import Conflict
from geoplatform.vocabulary import ValueProblem

STAGE = "stage_import_resources"
COLUMNS = (
    "row",
    "deposit_code",
    "commodity",
    "category",
    "method",
    "legacy_code",
    "ore_tonnage",
    "ore_unit",
    "contained",
    "contained_unit",
    "grade",
    "grade_unit",
    "as_of",
    "source",
)
NUMBERS = {"row": "int64", "ore_tonnage": "float64", "contained": "float64", "grade": "float64"}
DEFAULT_METHOD = "gbt17766_2020"
COMPARED = (
    "legacy_code",
    "ore_tonnage",
    "ore_unit",
    "contained",
    "contained_unit",
    "grade",
    "grade_unit",
    "source",
)
KEY = (
    "d.code || '|' || t.commodity_code || '|' || coalesce(t.category, '') || '|' || t.method || '|'"
    " || coalesce(t.as_of::text, '')"
)
"""The text key of an estimate in ``import_change``; statements here are built from fixed names only."""


class ResourceValidator(Validator):
    target_fields = ()

    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        chunk = self.prepare(chunk)
        p = cols.Problems(len(chunk))
        out: dict[str, Any] = {"row": chunk["_row"].to_numpy(dtype=np.int64)}
        out["deposit_code"] = self._per_value(chunk, "deposit_code", p, one_code)
        self._required(out["deposit_code"], "deposit_code", p, "deposit_code")
        out["commodity"] = self._per_value(chunk, "commodity", p, self._one_commodity)
        self._required(out["commodity"], "commodity", p, "commodity")
        out["category"] = self._lookup(chunk, "category", p, "category")
        self._required(out["category"], "category", p, "category")
        method = self._lookup(chunk, "method", p, "method")
        out["method"] = np.where(pd.isna(method), DEFAULT_METHOD, method)
        out["legacy_code"] = self._text(chunk, "legacy_code", p)
        out["ore_tonnage"], out["ore_unit"] = self._quantity(chunk, "ore_tonnage", "ore_unit", p)
        out["contained"], out["contained_unit"] = self._quantity(chunk, "contained", "contained_unit", p)
        out["grade"], out["grade_unit"] = self._quantity(chunk, "grade", "grade_unit", p)
        nothing = np.isnan(out["ore_tonnage"]) & np.isnan(out["contained"])
        header = self.columns.get("contained") or self.columns.get("ore_tonnage") or "contained"
        p.add(nothing, header, "", "an estimate needs an ore tonnage or a contained quantity")
        out["as_of"] = self._per_value(chunk, "as_of", p, lambda v: date_value(v, self.options.today))
        out["source"] = self._text(chunk, "source", p)
        rejects = self._rejects(out["row"], p)
        records = pd.DataFrame({c: out[c] for c in COLUMNS})
        return records[~p.bad].reset_index(drop=True), rejects

    def _one_commodity(self, raw: object) -> str | None:
        return self._single_commodity(raw, ValueProblem("one commodity per estimate row"))


def open_stage(conn: Connection) -> None:
    create_staging_table(conn, STAGE, COLUMNS)


def copy_records(conn: Connection, records: pd.DataFrame) -> int:
    if records.empty:
        return 0
    frame = records.copy()
    frame["as_of"] = as_text(frame["as_of"])
    return copy_frame(conn, STAGE, COLUMNS, frame, NUMBERS)


def post_checks(conn: Connection, columns: dict[str, str]) -> list[Reject]:
    """Rows for deposits the catalogue does not have: rejected and removed from staging."""
    rejects = [
        Reject(row, columns.get("deposit_code", "deposit_code"), value, "unknown deposit code")
        for row, value in conn.execute(
            text("""
            SELECT s.row::int, s.deposit_code FROM stage_import_resources s
            WHERE NOT EXISTS (SELECT 1 FROM deposit d WHERE d.code = s.deposit_code)
        """)
        )
    ]
    if rejects:
        conn.execute(
            text("DELETE FROM stage_import_resources WHERE row::int = ANY(:rows)"), {"rows": [r.row for r in rejects]}
        )
    return rejects


def upsert(conn: Connection, batch_id: int, on_conflict: str) -> LoadCounts:
    conn.execute(
        text("""
        CREATE TEMP TABLE typed_resources ON COMMIT DROP AS
        SELECT DISTINCT ON (d.id, s.commodity, s.category, s.method, s.as_of)
               d.id AS deposit_id, s.commodity AS commodity_code, s.category, s.method, s.legacy_code,
               s.ore_tonnage::numeric AS ore_tonnage, s.ore_unit, s.contained::numeric AS contained, s.contained_unit,
               s.grade::numeric AS grade, s.grade_unit, s.as_of::date AS as_of, s.source,
               (SELECT e.id FROM resource_estimate e
                WHERE e.deposit_id = d.id AND e.commodity_code = s.commodity
                  AND e.category IS NOT DISTINCT FROM s.category
                  AND e.method = s.method AND e.as_of IS NOT DISTINCT FROM s.as_of::date
                ORDER BY e.id LIMIT 1) AS existing_id
        FROM stage_import_resources s JOIN deposit d ON d.code = s.deposit_code
        ORDER BY d.id, s.commodity, s.category, s.method, s.as_of, s.row::int DESC
    """)
    )
    total = conn.execute(text("SELECT count(*) FROM typed_resources")).scalar_one()
    existing = conn.execute(text("SELECT count(*) FROM typed_resources WHERE existing_id IS NOT NULL")).scalar_one()
    if on_conflict == "fail" and existing:
        raise Conflict(f"{existing} estimates of this file exist already (--on-conflict fail); nothing was imported.")
    updated = 0
    if on_conflict == "update":
        changed = " OR ".join(f"e.{c} IS DISTINCT FROM t.{c}" for c in COMPARED)
        conn.execute(
            text(f"""
            CREATE TEMP TABLE changed_resources ON COMMIT DROP AS
            SELECT t.existing_id AS id FROM typed_resources t JOIN resource_estimate e ON e.id = t.existing_id
            WHERE {changed}
        """)
        )
        conn.execute(
            text(f"""
            INSERT INTO import_change (batch_id, code, action, before)
            SELECT :batch, {KEY.replace("t.", "e.")}, 'update', to_jsonb(e)
            FROM resource_estimate e JOIN changed_resources x ON x.id = e.id JOIN deposit d ON d.id = e.deposit_id
        """),
            {"batch": batch_id},
        )
        updated = conn.execute(
            text(
                "UPDATE resource_estimate e SET "
                + ", ".join(f"{c} = t.{c}" for c in COMPARED)
                + """, batch_id = :batch
            FROM typed_resources t JOIN changed_resources x ON x.id = t.existing_id WHERE e.id = t.existing_id
        """
            ),
            {"batch": batch_id},
        ).rowcount
    inserted = conn.execute(
        text(
            "INSERT INTO resource_estimate (deposit_id, commodity_code, category, method, as_of, batch_id, "
            + ", ".join(COMPARED)
            + ") SELECT t.deposit_id, t.commodity_code, t.category, t.method, t.as_of, :batch, "
            + ", ".join(f"t.{c}" for c in COMPARED)
            + " FROM typed_resources t WHERE t.existing_id IS NULL"
        ),
        {"batch": batch_id},
    ).rowcount
    return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)


def undo(conn: Connection, batch_id: int) -> dict[str, int]:
    """Delete the estimates the batch inserted and restore those it updated (estimates carry no edit
    timestamp; a later import of the same estimates blocks the undo)."""
    later = conn.execute(
        text("""
        SELECT count(*) FROM import_change later JOIN import_batch b ON b.id = later.batch_id
        WHERE later.batch_id > :b AND b.status = 'done'
          AND ((later.before->>'batch_id')::int = :b
               OR later.code IN (SELECT code FROM import_change WHERE batch_id = :b))
    """),
        {"b": batch_id},
    ).scalar_one()
    if later:
        raise Conflict("A later import changed the same records; undo that batch first.")
    # Estimate keys hold '|' (deposit|commodity|…); a deposits batch logs deposit codes beside them.
    deleted = conn.execute(
        text("""
        DELETE FROM resource_estimate e WHERE e.batch_id = :b
          AND NOT EXISTS (SELECT 1 FROM import_change c WHERE c.batch_id = :b AND c.code LIKE '%|%'
                          AND (c.before->>'id')::int = e.id)
    """),
        {"b": batch_id},
    ).rowcount
    restored = conn.execute(
        text(
            "UPDATE resource_estimate e SET "
            + ", ".join(f"{c} = r.{c}" for c in (*COMPARED, "batch_id"))
            + """
            FROM import_change c CROSS JOIN LATERAL jsonb_populate_record(NULL::resource_estimate, c.before) AS r
            WHERE c.batch_id = :b AND c.action = 'update' AND c.code LIKE '%|%' AND e.id = r.id
        """
        ),
        {"b": batch_id},
    ).rowcount
    return {"deleted": deleted, "restored": restored}
