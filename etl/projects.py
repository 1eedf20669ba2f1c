"""Importing development projects (``--target projects``): validation, staging and the upsert.

A project row names its type, stage, location, operator (by USCC or name of a company already in the
catalogue), commodities and the deposits it develops (by deposit code). Operators and deposits that
the catalogue does not know are rejected row by row after staging, with one set-based query each.
The load follows the deposits' rules: one transaction, before-images for undo, nothing written for
rows that did not change.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from etl import columns as cols
from etl.normalise import date_value, number_with_unit
from etl.staging import array_literals, as_text, copy_frame, create_staging_table
from etl.undo import NEW_IN_0006, LoadCounts, check_undo_allowed
from etl.validate import CODE_RE, Reject, Validator
from geoplatform.errors import Conflict
from geoplatform.vocabulary import ValueProblem, clean

STAGE = "stage_import_projects"
COLUMNS = (
    "row",
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "project_type",
    "stage",
    "green_channel",
    "operator",
    "country_code",
    "region_code",
    "subdivision_code",
    "subdivision_name",
    "lon",
    "lat",
    "capacity",
    "capacity_unit",
    "investment_cny_100m",
    "commodities",
    "deposits",
    "status_as_of",
    "source",
)
NUMBERS = {"row": "int64", "lon": "float64", "lat": "float64", "capacity": "float64", "investment_cny_100m": "float64"}
YES = frozenset({"true", "yes", "y", "t", "1", "是", "√", "✓", "绿色通道"})
NO = frozenset({"false", "no", "n", "f", "0", "否", "×"})
CODE_SPLIT = re.compile(r"[\s,，;；、|]+")


def boolean(raw: object) -> bool | None:
    value = clean(raw)
    if value is None:
        return None
    key = value.lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueProblem("not yes/no (是/否, true/false, 1/0)")


def record_codes(raw: object) -> tuple[str, ...]:
    """``'CN-LI-001, CN-LI-002'`` → two deposit codes, normalised as deposit codes are."""
    value = clean(raw)
    if value is None:
        return ()
    codes = []
    for token in CODE_SPLIT.split(value):
        if not token:
            continue
        code = token.upper().replace(".", "-")
        if not CODE_RE.fullmatch(code):
            raise ValueProblem("a code has 2-40 characters: letters, digits, '-' and '_'")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def one_code(raw: object) -> str | None:
    """A single record code (deposit or project), normalised; two codes in one cell are refused."""
    codes = record_codes(raw)
    if len(codes) > 1:
        raise ValueProblem("one code per cell")
    return codes[0] if codes else None


def hundred_million_cny(raw: object) -> float | None:
    """Investment in 亿元 (10⁸ CNY); a cell in 万元 is converted."""
    value, unit = number_with_unit(raw)
    if value is None:
        return None
    if unit in (None, "亿元", "亿", "亿人民币"):
        return value
    if unit in ("万元", "万"):
        return value / 10_000
    raise ValueProblem("investment is in 亿元 (or 万元)")


class ProjectValidator(Validator):
    """Validates chunks of project rows (see :class:`etl.validate.Validator` for the machinery)."""

    target_fields = ()

    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        chunk = self.prepare(chunk)
        p = cols.Problems(len(chunk))
        out: dict[str, Any] = {"row": chunk["_row"].to_numpy(dtype=np.int64)}
        out.update(self._names(chunk, p, "a project needs a name"))
        name = out["name"]
        located = self._location(chunk, p)
        out["lon"], out["lat"] = located.lon, located.lat
        out["project_type"] = self._lookup(chunk, "project_type", p)
        self._required(out["project_type"], "project_type", p, "project_type")
        out["stage"] = self._lookup(chunk, "stage", p, "project_stage")
        self._required(out["stage"], "stage", p, "stage")
        green = self._per_value(chunk, "green_channel", p, boolean)
        out["green_channel"] = np.where(green == True, "true", "false")  # noqa: E712  (object array)
        out["operator"] = self._text(chunk, "operator", p)
        out["capacity"], out["capacity_unit"] = self._quantity(chunk, "capacity", "capacity_unit", p)
        investment = self._per_value(chunk, "investment_cny_100m", p, hundred_million_cny)
        out["investment_cny_100m"] = np.where(pd.isna(investment), np.nan, investment).astype(float)
        out["commodities"] = self._per_value(
            chunk, "commodities", p, lambda v: tuple(self.vocabulary.commodity_list(v)), ()
        )
        out["deposits"] = self._per_value(chunk, "deposits", p, record_codes, ())
        out["status_as_of"] = self._per_value(chunk, "status_as_of", p, lambda v: date_value(v, self.options.today))
        out["source"] = self._text(chunk, "source", p)
        out["code"] = self._code(chunk, name, out["lon"], out["lat"], p)
        out.update(self._place(chunk, located, p))
        rejects = self._rejects(out["row"], p)
        records = pd.DataFrame({c: out[c] for c in COLUMNS})
        return records[~p.bad].reset_index(drop=True), rejects


def open_stage(conn: Connection) -> None:
    create_staging_table(conn, STAGE, COLUMNS)


def copy_records(conn: Connection, records: pd.DataFrame) -> int:
    if records.empty:
        return 0
    frame = records.copy()
    frame["commodities"] = array_literals(frame["commodities"])
    frame["deposits"] = array_literals(frame["deposits"])
    frame["status_as_of"] = as_text(frame["status_as_of"])
    return copy_frame(conn, STAGE, COLUMNS, frame, NUMBERS)


OPERATOR_MATCH = (
    "(c.uscc = upper(s.operator) OR c.name = s.operator OR c.name_zh = s.operator OR c.name_en = s.operator"
    " OR c.key = s.operator)"
)


def post_checks(conn: Connection, columns: dict[str, str]) -> list[Reject]:
    """Rows naming an operator or a deposit the catalogue does not have: rejected, removed from staging."""
    rejects = [
        Reject(row, columns.get("operator", "operator"), value, "unknown operator: add the company first")
        for row, value in conn.execute(
            text(
                f"""
            SELECT s.row::int, s.operator FROM stage_import_projects s
            WHERE s.operator IS NOT NULL AND NOT EXISTS (SELECT 1 FROM company c WHERE {OPERATOR_MATCH})
        """
            )
        )
    ]
    rejects += [
        Reject(row, columns.get("deposits", "deposits"), value, "unknown deposit code")
        for row, value in conn.execute(
            text("""
            SELECT s.row::int, min(d.code) FROM stage_import_projects s
            CROSS JOIN LATERAL unnest(s.deposits::text[]) AS d(code)
            WHERE NOT EXISTS (SELECT 1 FROM deposit x WHERE x.code = d.code)
            GROUP BY s.row
        """)
        )
    ]
    if rejects:
        conn.execute(
            text("DELETE FROM stage_import_projects WHERE row::int = ANY(:rows)"), {"rows": [r.row for r in rejects]}
        )
    return rejects


COMPARED = (
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "project_type",
    "stage",
    "green_channel",
    "operator_id",
    "country_code",
    "region_code",
    "subdivision_code",
    "subdivision_name",
    "capacity",
    "capacity_unit",
    "investment_cny_100m",
    "status_as_of",
    "source",
)
_CHANGED = " OR ".join(f"p.{c} IS DISTINCT FROM t.{c}" for c in COMPARED) + (
    " OR NOT ST_Equals(p.geom, t.geom) OR l.commodities IS DISTINCT FROM t.commodities"
    " OR l.deposits IS DISTINCT FROM t.deposits"
)


def upsert(conn: Connection, batch_id: int, on_conflict: str) -> LoadCounts:
    conn.execute(
        text(
            f"""
        CREATE TEMP TABLE typed_projects ON COMMIT DROP AS
        SELECT DISTINCT ON (s.code) s.code, s.name, s.name_lang, s.name_zh, s.name_en, s.project_type, s.stage,
               s.green_channel::boolean AS green_channel,
               (SELECT c.id FROM company c WHERE {OPERATOR_MATCH} ORDER BY c.id LIMIT 1) AS operator_id,
               s.country_code, s.region_code, s.subdivision_code, s.subdivision_name,
               ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326) AS geom,
               s.capacity::numeric AS capacity, s.capacity_unit, s.investment_cny_100m::numeric AS investment_cny_100m,
               ARRAY(SELECT DISTINCT x FROM unnest(s.commodities::text[]) x ORDER BY x) AS commodities,
               ARRAY(SELECT DISTINCT x FROM unnest(s.deposits::text[]) x ORDER BY x) AS deposits,
               s.status_as_of::date AS status_as_of, s.source
        FROM stage_import_projects s ORDER BY s.code, s.row::int DESC
    """
        )
    )
    total = conn.execute(text("SELECT count(*) FROM typed_projects")).scalar_one()
    conn.execute(
        text("""
        CREATE TEMP TABLE current_links ON COMMIT DROP AS
        SELECT p.code,
               ARRAY(SELECT pc.commodity_code::text FROM project_commodity pc WHERE pc.project_id = p.id ORDER BY 1)
                   AS commodities,
               ARRAY(SELECT d.code::text FROM project_deposit pd JOIN deposit d ON d.id = pd.deposit_id
                     WHERE pd.project_id = p.id ORDER BY 1) AS deposits
        FROM project p JOIN typed_projects t ON t.code = p.code
    """)
    )
    existing = conn.execute(text("SELECT count(*) FROM current_links")).scalar_one()
    if on_conflict == "fail" and existing:
        raise Conflict(f"{existing} codes of this file exist already (--on-conflict fail); nothing was imported.")
    conn.execute(text("CREATE TEMP TABLE written_projects (code text, new boolean) ON COMMIT DROP"))
    updated = 0
    if on_conflict == "update":
        conn.execute(
            text(
                f"""
            INSERT INTO written_projects
            SELECT t.code, false FROM typed_projects t JOIN project p ON p.code = t.code
            JOIN current_links l ON l.code = t.code WHERE {_CHANGED}
        """
            )
        )
        conn.execute(
            text("""
            INSERT INTO import_change (batch_id, code, action, before)
            SELECT :batch, p.code, 'update',
                   to_jsonb(p) - 'geom' || jsonb_build_object('geom_hex', encode(ST_AsEWKB(p.geom), 'hex'),
                                                              'commodities', to_jsonb(l.commodities),
                                                              'deposits', to_jsonb(l.deposits))
            FROM project p JOIN written_projects w ON w.code = p.code JOIN current_links l ON l.code = p.code
        """),
            {"batch": batch_id},
        )
        updated = conn.execute(
            text(
                "UPDATE project p SET "
                + ", ".join(f"{c} = t.{c}" for c in COMPARED)
                + """, geom = t.geom, batch_id = :batch, updated_at = now()
            FROM typed_projects t JOIN written_projects w ON w.code = t.code WHERE p.code = t.code
        """
            ),
            {"batch": batch_id},
        ).rowcount
    inserted = conn.execute(
        text("""
        INSERT INTO written_projects
        SELECT t.code, true FROM typed_projects t WHERE NOT EXISTS (SELECT 1 FROM project p WHERE p.code = t.code)
    """)
    ).rowcount
    conn.execute(
        text(
            "INSERT INTO project (code, geom, batch_id, "
            + ", ".join(COMPARED)
            + ") SELECT t.code, t.geom, :batch, "
            + ", ".join(f"t.{c}" for c in COMPARED)
            + " FROM typed_projects t JOIN written_projects w ON w.code = t.code AND w.new"
        ),
        {"batch": batch_id},
    )
    _replace_links(conn)
    return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)


def _replace_links(conn: Connection) -> None:
    conn.execute(
        text("""
        DELETE FROM project_commodity pc USING project p, written_projects w
        WHERE pc.project_id = p.id AND p.code = w.code
    """)
    )
    conn.execute(
        text("""
        DELETE FROM project_deposit pd USING project p, written_projects w
        WHERE pd.project_id = p.id AND p.code = w.code
    """)
    )
    conn.execute(
        text("""
        INSERT INTO project_commodity (project_id, commodity_code)
        SELECT p.id, c FROM typed_projects t JOIN written_projects w ON w.code = t.code
        JOIN project p ON p.code = t.code CROSS JOIN LATERAL unnest(t.commodities) AS c
    """)
    )
    conn.execute(
        text("""
        INSERT INTO project_deposit (project_id, deposit_id)
        SELECT p.id, d.id FROM typed_projects t JOIN written_projects w ON w.code = t.code
        JOIN project p ON p.code = t.code CROSS JOIN LATERAL unnest(t.deposits) AS x(code)
        JOIN deposit d ON d.code = x.code
    """)
    )


def undo(conn: Connection, batch_id: int) -> dict[str, int]:
    check_undo_allowed(conn, batch_id, "project")
    blocked = conn.execute(
        text("""
        SELECT count(*) FROM project p
        WHERE p.batch_id = :b AND NOT EXISTS (SELECT 1 FROM import_change c WHERE c.batch_id = :b AND c.code = p.code)
          AND EXISTS (SELECT 1 FROM approval_item i WHERE i.project_id = p.id)
    """),
        {"b": batch_id},
    ).scalar_one()
    if blocked:
        raise Conflict("Projects of this batch now have approval items (and history); undo refused.")
    deleted = conn.execute(
        text("""
        DELETE FROM project p WHERE p.batch_id = :b
          AND NOT EXISTS (SELECT 1 FROM import_change c WHERE c.batch_id = :b AND c.code = p.code)
    """),
        {"b": batch_id},
    ).rowcount
    restored = conn.execute(
        text(
            "UPDATE project p SET "
            + ", ".join(
                # before-images of earlier versions lack the fields of 0006: those keep their values
                f"{c} = CASE WHEN c.before ? '{c}' THEN r.{c} ELSE p.{c} END" if c in NEW_IN_0006 else f"{c} = r.{c}"
                for c in (*COMPARED, "batch_id", "updated_at")
            )
            + """, geom = ST_GeomFromEWKB(decode(c.before->>'geom_hex', 'hex'))
            FROM import_change c CROSS JOIN LATERAL jsonb_populate_record(NULL::project, c.before - 'geom') AS r
            WHERE c.batch_id = :b AND c.action = 'update' AND p.code = c.code
        """
        ),
        {"b": batch_id},
    ).rowcount
    conn.execute(
        text("""
        DELETE FROM project_commodity pc USING project p, import_change c
        WHERE c.batch_id = :b AND c.action = 'update' AND p.code = c.code AND pc.project_id = p.id
    """),
        {"b": batch_id},
    )
    conn.execute(
        text("""
        DELETE FROM project_deposit pd USING project p, import_change c
        WHERE c.batch_id = :b AND c.action = 'update' AND p.code = c.code AND pd.project_id = p.id
    """),
        {"b": batch_id},
    )
    conn.execute(
        text("""
        INSERT INTO project_commodity (project_id, commodity_code)
        SELECT p.id, x FROM import_change c JOIN project p ON p.code = c.code
        CROSS JOIN LATERAL jsonb_array_elements_text(c.before->'commodities') AS x
        WHERE c.batch_id = :b AND c.action = 'update'
    """),
        {"b": batch_id},
    )
    conn.execute(
        text("""
        INSERT INTO project_deposit (project_id, deposit_id)
        SELECT p.id, d.id FROM import_change c JOIN project p ON p.code = c.code
        CROSS JOIN LATERAL jsonb_array_elements_text(c.before->'deposits') AS x JOIN deposit d ON d.code = x
        WHERE c.batch_id = :b AND c.action = 'update'
    """),
        {"b": batch_id},
    )
    return {"deleted": deleted, "restored": restored}
