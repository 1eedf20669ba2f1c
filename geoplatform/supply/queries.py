"""What the supply pages and API show, read from the last evaluation (one statement per table).

The composite levels, the levels of each series and the derived values are those the last evaluation
stored (:mod:`geoplatform.supply.warnings`), so that a page shows exactly what was evaluated and when.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geoplatform.errors import NotFound
from geoplatform.supply.derived import SERIES

LAST_EVALUATION = "SELECT * FROM warning_evaluation ORDER BY id DESC LIMIT 1"

OVERVIEW = """
WITH last AS (SELECT id FROM warning_evaluation ORDER BY id DESC LIMIT 1),
driver AS (
    SELECT DISTINCT ON (l.commodity_code) l.commodity_code, l.indicator, l.scope_kind, l.scope_code, l.period_kind
    FROM warning_level l JOIN last ON l.evaluation_id = last.id
    WHERE l.latest
    ORDER BY l.commodity_code, array_position(ARRAY['red', 'yellow', 'blue', 'normal']::text[], l.level::text),
             l.indicator
)
SELECT c.code, c.name_zh, c.name_en, c.sort_order, w.level, w.reason,
       d.indicator AS driver, d.scope_kind AS driver_scope_kind, d.scope_code AS driver_scope_code,
       d.period_kind AS driver_period_kind,
       EXISTS (SELECT 1 FROM indicator_value v
               WHERE v.superseded_at IS NULL AND v.commodity_code = c.code) AS has_values,
       EXISTS (SELECT 1 FROM indicator_value v
               WHERE v.superseded_at IS NULL AND v.commodity_code = c.code AND v.illustrative) AS illustrative
FROM commodity c
LEFT JOIN warning_composite w ON w.commodity_code = c.code AND w.evaluation_id = (SELECT id FROM last)
LEFT JOIN driver d ON d.commodity_code = c.code
WHERE c.strategic AND NOT c.deprecated
ORDER BY c.sort_order, c.code
"""

TRENDS = """
SELECT t.commodity_code, s.period_start, s.value
FROM unnest(CAST(:commodities AS text[]), CAST(:indicators AS text[]), CAST(:kinds AS text[]),
            CAST(:codes AS text[]), CAST(:periods AS text[]))
     AS t(commodity_code, indicator, scope_kind, scope_code, period_kind)
CROSS JOIN LATERAL (
    SELECT v.period_start, v.value_base AS value FROM indicator_value v
    WHERE v.superseded_at IS NULL AND v.indicator = t.indicator AND v.commodity_code = t.commodity_code
      AND v.scope_kind = t.scope_kind AND v.scope_code = t.scope_code AND v.period_kind = t.period_kind
    UNION ALL
    SELECT d.period_start, d.value FROM derived_value d
    WHERE d.indicator = t.indicator AND d.commodity_code = t.commodity_code
      AND d.scope_kind = t.scope_kind AND d.scope_code = t.scope_code AND d.period_kind = t.period_kind
) s
ORDER BY t.commodity_code, s.period_start
"""
"""The worst series of each card, read by index (one series each from values or derived values)."""

LEVELS = """
SELECT l.commodity_code, l.indicator, i.name_zh AS indicator_zh, i.name_en AS indicator_en, l.scope_kind,
       l.scope_code, l.period_kind, l.period_start, l.level, l.previous_level, l.value, l.latest, l.rule_id,
       r.direction, r.blue, r.yellow, r.red, r.effective_from, r.note,
       c.name_zh AS commodity_zh, c.name_en AS commodity_en
FROM warning_level l
JOIN warning_rule r ON r.id = l.rule_id
JOIN indicator i ON i.code = l.indicator
JOIN commodity c ON c.code = l.commodity_code
WHERE l.evaluation_id = (SELECT id FROM warning_evaluation ORDER BY id DESC LIMIT 1)
"""

COMMODITY_SERIES = f"""
SELECT s.indicator, s.scope_kind, s.scope_code, s.period_kind, s.period_start, s.value, s.base_unit
FROM ({SERIES}) s
WHERE s.commodity_code = :c AND (s.scope_kind = 'world' OR (s.scope_kind = 'country' AND s.scope_code = 'CN'))
ORDER BY s.indicator, s.scope_kind, s.scope_code, s.period_kind, s.period_start
"""

TOP_PRODUCERS = """
WITH latest AS (
    SELECT max(period_start) AS period_start FROM indicator_value
    WHERE superseded_at IS NULL AND commodity_code = :c AND indicator = 'production'
      AND scope_kind = 'country' AND period_kind = 'year'
)
SELECT v.scope_code AS country, co.name_zh, co.name_en, v.value_base AS value, v.period_start
FROM indicator_value v JOIN latest ON v.period_start = latest.period_start
LEFT JOIN country co ON co.code = v.scope_code
WHERE v.superseded_at IS NULL AND v.commodity_code = :c AND v.indicator = 'production'
  AND v.scope_kind = 'country' AND v.period_kind = 'year'
ORDER BY v.value_base DESC LIMIT 10
"""


def last_evaluation(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(text(LAST_EVALUATION)).mappings().first()
    return dict(row) if row else None


def overview(conn: Connection, trend_points: int = 24) -> list[dict[str, Any]]:
    """A card per strategic mineral: composite level, the indicators that drive it, the trend of the worst."""
    cards = [dict(row) for row in conn.execute(text(OVERVIEW)).mappings()]
    with_driver = [c for c in cards if c["driver"]]
    trends: dict[str, list[tuple[Any, float]]] = {}
    if with_driver:
        params = {
            "commodities": [c["code"] for c in with_driver],
            "indicators": [c["driver"] for c in with_driver],
            "kinds": [c["driver_scope_kind"] for c in with_driver],
            "codes": [c["driver_scope_code"] for c in with_driver],
            "periods": [c["driver_period_kind"] for c in with_driver],
        }
        for row in conn.execute(text(TRENDS), params):
            trends.setdefault(row.commodity_code, []).append((row.period_start, row.value))
    for card in cards:
        card["trend"] = trends.get(card["code"], [])[-trend_points:]
        card["reason"] = card["reason"] or []
    return cards


def levels(
    conn: Connection,
    *,
    commodity: str | None = None,
    level: str | None = None,
    latest_only: bool = True,
) -> list[dict[str, Any]]:
    """Levels of the last evaluation, worst first: the warnings list and a commodity's warnings."""
    where, params = [], {}
    if latest_only:
        where.append("l.latest")
    if commodity:
        where.append("l.commodity_code = :c")
        params["c"] = commodity
    if level:
        where.append("l.level = :l")
        params["l"] = level
    query = LEVELS + "".join(f" AND {w}" for w in where)
    query += (
        " ORDER BY array_position(ARRAY['red', 'yellow', 'blue', 'normal']::text[], l.level::text),"
        " c.sort_order, l.indicator, l.scope_kind, l.scope_code, l.period_start"
    )
    return [dict(row) for row in conn.execute(text(query), params).mappings()]


def commodity_page(conn: Connection, code: str) -> dict[str, Any]:
    """One commodity: composite, its warnings and their history, its series (world and China), producers."""
    row = (
        conn.execute(text("SELECT code, name_zh, name_en, symbol FROM commodity WHERE code = :c"), {"c": code})
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Unknown commodity; see /api/v1/codelists/commodity.")
    composite = (
        conn.execute(
            text("""SELECT w.level, w.reason FROM warning_composite w
                WHERE w.commodity_code = :c AND w.evaluation_id = (SELECT max(id) FROM warning_evaluation)"""),
            {"c": code},
        )
        .mappings()
        .first()
    )
    series: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for point in conn.execute(text(COMMODITY_SERIES), {"c": code}).mappings():
        key = (point["indicator"], point["scope_kind"], point["scope_code"], point["period_kind"])
        entry = series.setdefault(
            key,
            {
                "indicator": key[0],
                "scope_kind": key[1],
                "scope_code": key[2],
                "period_kind": key[3],
                "base_unit": point["base_unit"],
                "points": [],
            },
        )
        entry["points"].append((point["period_start"], point["value"]))
    return {
        "commodity": dict(row),
        "level": composite["level"] if composite else None,
        "reason": composite["reason"] if composite else [],
        "warnings": levels(conn, commodity=code),
        "history": levels(conn, commodity=code, latest_only=False),
        "series": list(series.values()),
        "producers": [dict(r) for r in conn.execute(text(TOP_PRODUCERS), {"c": code}).mappings()],
        "illustrative": bool(
            conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM indicator_value WHERE superseded_at IS NULL"
                    " AND commodity_code = :c AND illustrative)"
                ),
                {"c": code},
            ).scalar_one()
        ),
        "evaluation": last_evaluation(conn),
    }
