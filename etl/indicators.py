"""Importing supply-security indicator values (``--target indicators``).

One row is one value of a series: indicator (产量, 进口量, 价格 …), commodity, scope (全球/world, a
country, a GB/T 2260 province, ``company:KEY`` or ``project:CODE``), period (2024, 2024-Q3, 2024年7月),
value with its unit (``12.5万吨``, a unit column or the header: 万吨, 元/吨, USD/t, 百分比), source and
as-of date.

A value is identified by its series and period. Re-importing the same file changes nothing; a file
that revises a value supersedes the current version (kept, with the batch that superseded it) and
loads the new one, so the history of revisions stays. Undoing a batch deletes its versions and makes
the ones it superseded current again. After every import the warning rules are evaluated
(:func:`geoplatform.supply.warnings.evaluate`, trigger ``import``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from etl import columns as cols
from etl.normalise import date_value
from etl.staging import as_text, copy_frame, create_staging_table
from etl.undo import LoadCounts
from etl.validate import Reject, Validator
from geoplatform.errors import Conflict
from geoplatform.supply.periods import parse_period
from geoplatform.vocabulary import ValueProblem, clean

STAGE = "stage_import_indicators"
COLUMNS = (
    "row",
    "indicator",
    "commodity",
    "scope_kind",
    "scope_code",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "unit",
    "source",
    "as_of",
)
NUMBERS = {"row": "int64", "value": "float64"}
SCOPE_WORDS = {
    "world": "world",
    "global": "world",
    "全球": "world",
    "世界": "world",
    "country": "country",
    "国家": "country",
    "国别": "country",
    "province": "province",
    "省": "province",
    "省份": "province",
    "省级": "province",
    "company": "company",
    "企业": "company",
    "公司": "company",
    "project": "project",
    "项目": "project",
}
SERIES_KEY = ("indicator", "commodity", "scope_kind", "scope_code", "period_kind", "period_start")


class IndicatorValidator(Validator):
    target_fields = ()

    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        chunk = self.prepare(chunk)
        p = cols.Problems(len(chunk))
        out: dict[str, Any] = {"row": chunk["_row"].to_numpy(dtype=np.int64)}
        out["indicator"] = self._lookup(chunk, "indicator", p, "indicator")
        self._required(out["indicator"], "indicator", p, "indicator")
        out["commodity"] = self._per_value(chunk, "commodity", p, self._one_commodity)
        self._required(out["commodity"], "commodity", p, "commodity")
        kinds = self._per_value(chunk, "scope_kind", p, self._scope_kind)
        scopes = self._scopes(chunk, kinds, p)
        out["scope_kind"], out["scope_code"] = scopes[:, 0], scopes[:, 1]
        periods = self._periods(chunk, p)
        out["period_kind"] = [x[0] if x else None for x in periods]
        out["period_start"] = [x[1] if x else None for x in periods]
        out["period_end"] = [x[2] if x else None for x in periods]
        self._required(np.array(out["period_start"], dtype=object), "period", p, "period")
        out["value"], out["unit"] = self._quantity(chunk, "value", "unit", p)
        self._required(np.where(np.isnan(out["value"]), None, 1), "value", p, "value")
        out["as_of"] = self._per_value(chunk, "as_of", p, lambda v: date_value(v, self.options.today))
        out["source"] = self._text(chunk, "source", p)
        rejects = self._rejects(out["row"], p)
        records = pd.DataFrame({c: out[c] for c in COLUMNS})
        return records[~p.bad].reset_index(drop=True), rejects

    def _one_commodity(self, raw: object) -> str | None:
        return self._single_commodity(raw, ValueProblem("one commodity per indicator value"))

    @staticmethod
    def _scope_kind(raw: object) -> str | None:
        text = clean(raw)
        if text is None:
            return None
        kind = SCOPE_WORDS.get(text.lower())
        if kind is None:
            raise ValueProblem("scope kind is one of world/全球, country/国家, province/省, company/企业, project/项目")
        return kind

    def _scopes(self, chunk: pd.DataFrame, kinds: np.ndarray, p: cols.Problems) -> np.ndarray:
        header, series = self._series(chunk, "scope")
        raw = series.to_numpy(dtype=object) if series is not None else np.full(len(chunk), None, dtype=object)
        result = np.empty((len(chunk), 2), dtype=object)
        for i, (kind, value) in enumerate(zip(kinds, raw, strict=True)):
            try:
                result[i] = self._scope(kind, value)
            except ValueProblem as problem:
                result[i] = (None, None)
                p.add(np.arange(len(chunk)) == i, header, series if series is not None else "", problem.description)
        return result

    def _scope(self, kind: str | None, raw: object) -> tuple[str, str]:
        text = clean(raw)
        if text is None or SCOPE_WORDS.get(text.lower()) == "world":
            if kind not in (None, "world"):
                raise ValueProblem(f"a {kind} scope needs its code or name")
            return ("world", "")
        for prefix, prefixed_kind in (
            ("company:", "company"),
            ("企业:", "company"),
            ("project:", "project"),
            ("项目:", "project"),
        ):
            if text.lower().startswith(prefix):
                return (prefixed_kind, text[len(prefix) :].strip())
        if kind in ("company", "project"):
            return (kind, text)
        if kind in (None, "country"):
            try:
                found = self.vocabulary.country(text)
            except ValueProblem:
                found = None
            if found:
                return ("country", found[0])
            if kind == "country":
                raise ValueProblem("unknown country (ISO 3166-1 code or name)")
        try:
            region = self.vocabulary.region(text)
        except ValueProblem:
            region = None
        if region is None:
            raise ValueProblem("unknown scope: world/全球, a country, a province, company:KEY or project:CODE")
        return ("province", region)

    def _periods(self, chunk: pd.DataFrame, p: cols.Problems) -> list[tuple[str, str, str] | None]:
        header, series = self._series(chunk, "period")
        _, kinds = self._series(chunk, "period_kind")
        result: list[tuple[str, str, str] | None] = []
        if series is None:
            return [None] * len(chunk)
        for i, raw in enumerate(series.to_numpy(dtype=object)):
            kind = kinds.iloc[i] if kinds is not None else None
            kind = (
                None if kind is None or (isinstance(kind, float) and np.isnan(kind)) or not str(kind).strip() else kind
            )
            if raw is None or (isinstance(raw, float) and np.isnan(raw)) or not str(raw).strip():
                result.append(None)
                continue
            try:
                period = parse_period(raw, kind)
            except ValueError as problem:
                p.add(np.arange(len(chunk)) == i, header, series, str(problem))
                result.append(None)
                continue
            result.append((period.kind, period.start.isoformat(), period.end.isoformat()))
        return result


def open_stage(conn: Connection) -> None:
    create_staging_table(conn, STAGE, COLUMNS)


def copy_records(conn: Connection, records: pd.DataFrame) -> int:
    if records.empty:
        return 0
    frame = records.copy()
    frame["as_of"] = as_text(frame["as_of"])
    return copy_frame(conn, STAGE, COLUMNS, frame, NUMBERS)


def _drop(conn: Connection, rejects: list[Reject]) -> None:
    if rejects:
        conn.execute(text(f"DELETE FROM {STAGE} WHERE row::int = ANY(:rows)"), {"rows": [r.row for r in rejects]})


def post_checks(conn: Connection, columns: dict[str, str]) -> list[Reject]:
    """Checks of the whole file, set-based: derived indicators, units that do not fit the indicator,
    unknown companies and projects, and a period given twice for one series."""
    rejects: list[Reject] = []
    header = columns.get
    # A percentage is a grade unit (%) to the catalogue and a ratio to an indicator.
    conn.execute(
        text(f"""
        UPDATE {STAGE} s SET unit = 'percent' FROM indicator i
        WHERE i.code = s.indicator AND s.unit = 'pct' AND 'ratio' = ANY(i.quantities)
    """)
    )
    checks = (
        (
            "indicator",
            f"""SELECT s.row::int, s.indicator, 'a derived indicator is computed from the others, not imported'
                FROM {STAGE} s JOIN indicator i ON i.code = s.indicator WHERE i.derived""",
        ),
        (
            "unit",
            f"""SELECT s.row::int, s.unit,
                       'the unit ' || u.name_en || ' (' || u.quantity || ') does not fit ' || i.name_en
                       || ': give it in ' || array_to_string(i.quantities, ' or ')
                FROM {STAGE} s JOIN indicator i ON i.code = s.indicator JOIN unit u ON u.code = s.unit
                WHERE NOT u.quantity = ANY(i.quantities)""",
        ),
        (
            "value",
            f"""SELECT s.row::int, s.value, 'a ratio above 100 % is not a share'
                FROM {STAGE} s JOIN unit u ON u.code = s.unit JOIN indicator i ON i.code = s.indicator
                WHERE u.quantity = 'ratio' AND s.value::float8 * u.to_base > 1
                  AND s.indicator IN ('capacity_utilisation')""",
        ),
        (
            "scope",
            f"""SELECT s.row::int, s.scope_code, 'unknown company key'
                FROM {STAGE} s WHERE s.scope_kind = 'company'
                  AND NOT EXISTS (SELECT 1 FROM company c WHERE c.key = s.scope_code)
                UNION ALL
                SELECT s.row::int, s.scope_code, 'unknown project code'
                FROM {STAGE} s WHERE s.scope_kind = 'project'
                  AND NOT EXISTS (SELECT 1 FROM project p WHERE p.code = s.scope_code)""",
        ),
        (
            "period",
            f"""SELECT row::int, period_start, 'the file gives this series and period twice (first on row '
                       || first_row || ')'
                FROM (SELECT row, period_start,
                             first_value(row::int) OVER w AS first_row, row_number() OVER w AS n
                      FROM {STAGE}
                      WINDOW w AS (PARTITION BY {", ".join(SERIES_KEY)} ORDER BY row::int)) d
                WHERE n > 1""",
        ),
    )
    for field, statement in checks:
        found = [
            Reject(row, header(field, field), value, reason) for row, value, reason in conn.execute(text(statement))
        ]
        _drop(conn, found)
        rejects += found
    return rejects


TYPED = f"""
CREATE TEMP TABLE typed_indicators ON COMMIT DROP AS
SELECT s.indicator, s.commodity AS commodity_code, s.scope_kind, s.scope_code, s.period_kind,
       s.period_start::date AS period_start, s.period_end::date AS period_end,
       s.value::numeric AS value, s.unit, s.value::float8 * u.to_base AS value_base,
       CASE u.quantity WHEN 'mass' THEN 't' WHEN 'capacity' THEN 't/a' WHEN 'price_cny' THEN 'CNY/t'
            WHEN 'price_usd' THEN 'USD/t' WHEN 'ratio' THEN 'ratio' WHEN 'days' THEN 'd' WHEN 'years' THEN 'a'
            ELSE u.quantity END AS base_unit,
       s.source, s.as_of::date AS as_of,
       (SELECT v.id FROM indicator_value v
        WHERE v.superseded_at IS NULL AND v.indicator = s.indicator AND v.commodity_code = s.commodity
          AND v.scope_kind = s.scope_kind AND v.scope_code = s.scope_code AND v.period_kind = s.period_kind
          AND v.period_start = s.period_start::date) AS current_id
FROM {STAGE} s JOIN unit u ON u.code = s.unit
"""


COUNT_TYPED = "SELECT count(*), count(current_id) FROM typed_indicators"


def upsert(conn: Connection, batch_id: int, on_conflict: str) -> LoadCounts:
    conn.execute(text(TYPED))
    total, existing = conn.execute(text(COUNT_TYPED)).one()
    if on_conflict == "fail" and existing:
        raise Conflict(f"{existing} values of this file exist already (--on-conflict fail); nothing was imported.")
    conn.execute(
        text("""
        CREATE TEMP TABLE revised_indicators ON COMMIT DROP AS
        SELECT t.current_id AS id FROM typed_indicators t JOIN indicator_value v ON v.id = t.current_id
        WHERE v.value IS DISTINCT FROM t.value OR v.unit IS DISTINCT FROM t.unit
           OR v.source IS DISTINCT FROM t.source OR v.as_of IS DISTINCT FROM t.as_of
    """)
    )
    revised = 0
    if on_conflict == "update":
        revised = conn.execute(
            text("""
            UPDATE indicator_value v SET superseded_at = now(), superseded_by = :batch
            FROM revised_indicators r WHERE v.id = r.id
        """),
            {"batch": batch_id},
        ).rowcount
    new_rows = "t.current_id IS NULL" + (" OR t.current_id IN (SELECT id FROM revised_indicators)" if revised else "")
    inserted = conn.execute(
        text(f"""
        INSERT INTO indicator_value (indicator, commodity_code, scope_kind, scope_code, period_kind, period_start,
                                     period_end, value, unit, value_base, base_unit, source, as_of, batch_id)
        SELECT indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
               value, unit, value_base, base_unit, source, as_of, :batch
        FROM typed_indicators t WHERE {new_rows}
    """),
        {"batch": batch_id},
    ).rowcount
    return LoadCounts(inserted=inserted - revised, updated=revised, unchanged=total - inserted)


def load(conn: Connection, batch_id: int, on_conflict: str, username: str) -> LoadCounts:
    """Load the staged values, then evaluate the warning rules in the same transaction."""
    from geoplatform.supply.warnings import evaluate

    counts = upsert(conn, batch_id, on_conflict)
    evaluate(conn, "import", username)
    return counts


def undo(conn: Connection, batch_id: int) -> dict[str, int]:
    """Delete the batch's versions and make current again the versions it superseded."""
    later = conn.execute(
        text("SELECT count(*) FROM indicator_value WHERE batch_id = :b AND superseded_by IS NOT NULL"),
        {"b": batch_id},
    ).scalar_one()
    if later:
        raise Conflict("A later import revised values of this batch; undo that batch first.")
    deleted = conn.execute(text("DELETE FROM indicator_value WHERE batch_id = :b"), {"b": batch_id}).rowcount
    restored = conn.execute(
        text("UPDATE indicator_value SET superseded_at = NULL, superseded_by = NULL WHERE superseded_by = :b"),
        {"b": batch_id},
    ).rowcount
    from geoplatform.supply.warnings import evaluate

    evaluate(conn, "undo", "import-undo")
    return {"deleted": deleted - restored, "restored": restored}
