"""Red/yellow/blue supply warnings: rules as versioned data, evaluated in SQL.

**Rules.** A rule gives, for one indicator and commodity (and optionally one scope), the blue, yellow
and red thresholds and the direction that is worse (``rising``: import dependence, HHI, volatility;
``falling``: reserve life, inventory cover). Rules are never edited in place: a change is a new
version with its own ``effective_from``; a version is in force until the next version of the same
rule starts, and a withdrawn version is skipped. Each version records who made it and when (the
trace editors leave, as for approvals). Thresholds that contradict their direction (red below yellow
for a rising indicator) are refused, here and by the database.

**Levels.** A value reaches the worst level whose threshold it meets or passes (``value >= red`` is
red for a rising rule, ``value <= red`` for a falling one), otherwise ``normal``. A value is judged by
the rule version in force on the last day of its period, and a rule scoped to a country or province
wins over the commodity-wide one. The history of levels keeps one row per series and period where the
level changed, with the value and the rule version behind it, and the series' latest period (its level
now, with the latest value) even when the level did not change there.

**Composite level** per commodity (documented rule, :func:`composite`): from the latest level of each
series with a rule — red when one series is red or two are yellow; yellow when one is yellow or two
are blue; blue when one is blue; otherwise normal.

Evaluation runs from the CLI (``geoplatform supply evaluate``), the API (``POST
/api/v1/supply/evaluate``) and after every indicator import; each run is a ``warning_evaluation``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update

from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.models import WarningRule, commodity, indicator
from geoplatform.supply.derived import REFRESH

LEVELS = ("normal", "blue", "yellow", "red")
SEVERITY = {level: rank for rank, level in enumerate(LEVELS)}
DIRECTIONS = ("rising", "falling")
SCOPE_KINDS = ("world", "country", "province", "company", "project")
MAX_SCOPE_CODE = 40

RULES_IN_FORCE = """
    SELECT r.*,
           lead(r.effective_from) OVER (
               PARTITION BY r.indicator, r.commodity_code, coalesce(r.scope_kind, ''), coalesce(r.scope_code, '')
               ORDER BY r.effective_from, r.id) AS until
    FROM warning_rule r WHERE r.withdrawn_at IS NULL
"""

WINDOWED = """
    SELECT indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, period_end,
           {value} AS value, lag({value}) OVER w AS previous_value, lag(period_end) OVER w AS previous_end,
           lead(period_start) OVER w IS NULL AS last_period
    FROM {source}
    WINDOW w AS (PARTITION BY indicator, commodity_code, scope_kind, scope_code, period_kind ORDER BY period_start)
"""
"""A series with, on each value, the value and last day of the period before. The window's order is the
order of the unique index on the current values (``uq_indicator_value_current``), so the planner reads
the 1.4 million values in that order instead of sorting them; the derived values (a few thousand) are
sorted."""

SERIES_IN_ORDER = (
    WINDOWED.format(value="value_base", source="indicator_value WHERE superseded_at IS NULL")
    + " UNION ALL "
    + WINDOWED.format(value="value", source="derived_value")
)


def _judge(value: str, scoped: str, everywhere: str) -> str:
    """The level of ``value`` by the rule version joined as ``scoped`` (wins) or ``everywhere``; NULL
    when neither applies."""
    rule = f"coalesce({scoped}.{{}}, {everywhere}.{{}})"

    def over(limit: str, sign: str) -> str:
        return f"{value} {sign} {rule.format(limit, limit)}"

    def ladder(sign: str) -> str:
        return (
            f"CASE WHEN {over('red', sign)} THEN 'red' WHEN {over('yellow', sign)} THEN 'yellow' "
            f"WHEN {over('blue', sign)} THEN 'blue' ELSE 'normal' END"
        )

    return (
        f"CASE WHEN {scoped}.id IS NULL AND {everywhere}.id IS NULL THEN NULL "
        f"WHEN {rule.format('direction', 'direction')} = 'rising' THEN {ladder('>=')} ELSE {ladder('<=')} END"
    )


def _rule_joins(scoped: str, everywhere: str, day: str) -> str:
    """The rule versions in force on ``day`` for a series: one scoped to its scope, one commodity-wide."""
    return f"""
    LEFT JOIN rules {scoped}
      ON {scoped}.scope_kind IS NOT NULL AND {scoped}.indicator = s.indicator
     AND {scoped}.commodity_code = s.commodity_code AND {scoped}.scope_kind = s.scope_kind
     AND {scoped}.scope_code = s.scope_code
     AND {scoped}.effective_from <= {day} AND ({scoped}.until IS NULL OR {day} < {scoped}.until)
    LEFT JOIN rules {everywhere}
      ON {everywhere}.scope_kind IS NULL AND {everywhere}.indicator = s.indicator
     AND {everywhere}.commodity_code = s.commodity_code
     AND {everywhere}.effective_from <= {day} AND ({everywhere}.until IS NULL OR {day} < {everywhere}.until)"""


JUDGED = f"""
WITH series AS ({SERIES_IN_ORDER}),
rules AS ({RULES_IN_FORCE}),
judged AS (
    SELECT s.indicator, s.commodity_code, s.scope_kind, s.scope_code, s.period_kind, s.period_start, s.value,
           s.last_period, coalesce(scoped.id, everywhere.id) AS rule_id,
           {_judge("s.value", "scoped", "everywhere")} AS level,
           {_judge("s.previous_value", "scoped_before", "everywhere_before")} AS previous_level
    FROM series s
    {_rule_joins("scoped", "everywhere", "s.period_end")}
    {_rule_joins("scoped_before", "everywhere_before", "s.previous_end")}
    WHERE scoped.id IS NOT NULL OR everywhere.id IS NOT NULL
)
"""
"""Every value with a rule, judged by the version in force on its period's last day, and the period
before judged by the version in force on *its* last day: the level history needs no second pass (and
no sort) over the judged values. A period before any rule has no level (NULL), so the first judged
period always counts as a change."""

EVALUATE = f"""
{JUDGED},
kept AS (
    SELECT *, last_period AS last_change FROM judged
    WHERE previous_level IS DISTINCT FROM level OR last_period
),
stored AS (
    INSERT INTO warning_level (evaluation_id, indicator, commodity_code, scope_kind, scope_code, period_kind,
                               period_start, level, previous_level, value, rule_id, latest)
    SELECT :evaluation, indicator, commodity_code, scope_kind, scope_code, period_kind, period_start, level,
           previous_level, value, rule_id, last_change
    FROM kept
    RETURNING 1
)
SELECT (SELECT count(*) FROM judged), (SELECT count(*) FROM stored)
"""


@dataclass(frozen=True)
class Evaluation:
    id: int
    values: int
    levels: int
    seconds: float
    composite: dict[str, str]


def composite(levels: list[str]) -> str:
    """The composite level of a commodity from its series' latest levels (the rule in the module doc)."""
    count = Counter(levels)
    if count["red"] or count["yellow"] >= 2:
        return "red"
    if count["yellow"] or count["blue"] >= 2:
        return "yellow"
    if count["blue"]:
        return "blue"
    return "normal"


def evaluate(conn: Connection, trigger: str, username: str) -> Evaluation:
    """Judge every value that has a rule, replace the levels by this run's and store the composites."""
    started = time.perf_counter()
    # The derived indicators' hash aggregates and the small sorts stay in memory, not in temporary files.
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    evaluation = conn.execute(
        text(
            "INSERT INTO warning_evaluation (trigger, username, values_evaluated, levels, seconds) "
            "VALUES (:t, :u, 0, 0, 0) RETURNING id"
        ),
        {"t": trigger, "u": username},
    ).scalar_one()
    # The levels and derived values are a function of the data and the rules: only the latest run's are kept.
    conn.execute(text("DELETE FROM warning_level WHERE evaluation_id <> :e"), {"e": evaluation})
    conn.execute(text("DELETE FROM derived_value WHERE evaluation_id <> :e"), {"e": evaluation})
    conn.execute(text(REFRESH), {"evaluation": evaluation})
    values, _ = conn.execute(text(EVALUATE), {"evaluation": evaluation}).one()
    latest = conn.execute(
        text("""
        SELECT commodity_code, indicator, scope_kind, scope_code, period_kind, period_start, level, value, rule_id
        FROM warning_level WHERE evaluation_id = :e AND latest
        ORDER BY commodity_code, indicator, scope_kind, scope_code
    """),
        {"e": evaluation},
    ).all()
    by_commodity: dict[str, list[Any]] = {}
    for row in latest:
        by_commodity.setdefault(row.commodity_code, []).append(row)
    result: dict[str, str] = {}
    for code, rows in by_commodity.items():
        level = composite([r.level for r in rows])
        result[code] = level
        reason = [
            {
                "indicator": r.indicator,
                "scope_kind": r.scope_kind,
                "scope_code": r.scope_code,
                "period_kind": r.period_kind,
                "period_start": r.period_start.isoformat(),
                "level": r.level,
                "value": r.value,
                "rule_id": r.rule_id,
            }
            for r in sorted(rows, key=lambda r: -SEVERITY[r.level])
            if r.level != "normal"
        ]
        conn.execute(
            text(
                "INSERT INTO warning_composite (evaluation_id, commodity_code, level, reason) "
                "VALUES (:e, :c, :l, CAST(:r AS jsonb))"
            ),
            {"e": evaluation, "c": code, "l": level, "r": json.dumps(reason)},
        )
    seconds = time.perf_counter() - started
    levels = len(latest)
    conn.execute(
        text("UPDATE warning_evaluation SET values_evaluated = :v, levels = :l, seconds = :s WHERE id = :e"),
        {"v": values, "l": levels, "s": seconds, "e": evaluation},
    )
    return Evaluation(evaluation, values, levels, seconds, result)


def evaluate_in(conn: Connection, trigger: str, username: str) -> Evaluation:
    """Evaluate inside the caller's transaction, one evaluation at a time (a transaction-scoped lock)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('geoplatform.warning_evaluation'))"))
    return evaluate(conn, trigger, username)


def evaluate_all(engine: Engine, trigger: str, username: str) -> Evaluation:
    with engine.begin() as conn:
        return evaluate_in(conn, trigger, username)


# -- rules ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleInput:
    indicator: str
    commodity_code: str
    direction: str
    blue: float
    yellow: float
    red: float
    effective_from: dt.date
    scope_kind: str | None = None
    scope_code: str | None = None
    note: str | None = None


def check_rule(rule: RuleInput) -> None:
    """Refuse thresholds that contradict their direction, and unknown directions and scopes."""
    if rule.direction not in DIRECTIONS:
        raise InvalidParameter("direction is 'rising' (higher is worse) or 'falling' (lower is worse).")
    for name in ("blue", "yellow", "red"):
        value = getattr(rule, name)
        if not isinstance(value, int | float) or value != value:
            raise InvalidParameter(f"The {name} threshold must be a number.")
    if rule.direction == "rising" and not rule.blue <= rule.yellow <= rule.red:
        raise InvalidParameter(
            "For a rising indicator the thresholds must grow: blue ≤ yellow ≤ red "
            f"(got blue {rule.blue}, yellow {rule.yellow}, red {rule.red})."
        )
    if rule.direction == "falling" and not rule.blue >= rule.yellow >= rule.red:
        raise InvalidParameter(
            "For a falling indicator the thresholds must shrink: blue ≥ yellow ≥ red "
            f"(got blue {rule.blue}, yellow {rule.yellow}, red {rule.red})."
        )
    if (rule.scope_kind is None) != (rule.scope_code is None):
        raise InvalidParameter("A scoped rule needs both scope_kind and scope_code (world: scope_code '').")
    if rule.scope_kind is not None and rule.scope_kind not in SCOPE_KINDS:
        raise InvalidParameter("scope_kind is one of " + ", ".join(SCOPE_KINDS) + ".")
    if rule.scope_kind == "world" and rule.scope_code != "":
        raise InvalidParameter("A world rule has the scope_code '' (world series have no code).")
    if rule.scope_code is not None and len(rule.scope_code) > MAX_SCOPE_CODE:
        raise InvalidParameter(f"scope_code has at most {MAX_SCOPE_CODE} characters.")
    for name in ("indicator", "commodity_code", "scope_code", "note"):
        value = getattr(rule, name)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidParameter(f"{name} may not contain a NUL character.")
    if rule.note is not None and len(rule.note) > 500:
        raise InvalidParameter("note has at most 500 characters.")


def add_rule(engine: Engine, rule: RuleInput, username: str) -> int:
    """Add a rule version (a new rule, or a new version of one from ``effective_from``)."""
    check_rule(rule)
    with engine.begin() as conn:
        if conn.execute(select(indicator.c.code).where(indicator.c.code == rule.indicator)).first() is None:
            raise InvalidParameter("Unknown indicator; see /api/v1/codelists/indicator.")
        if conn.execute(select(commodity.c.code).where(commodity.c.code == rule.commodity_code)).first() is None:
            raise InvalidParameter("Unknown commodity; see /api/v1/codelists/commodity.")
        same = conn.execute(
            select(WarningRule.id).where(
                WarningRule.indicator == rule.indicator,
                WarningRule.commodity_code == rule.commodity_code,
                WarningRule.scope_kind.is_not_distinct_from(rule.scope_kind),
                WarningRule.scope_code.is_not_distinct_from(rule.scope_code),
                WarningRule.effective_from == rule.effective_from,
                WarningRule.withdrawn_at.is_(None),
            )
        ).first()
        if same is not None:
            raise InvalidParameter(
                "A version of this rule starts on that day already; withdraw it first or choose another date."
            )
        return conn.execute(
            insert(WarningRule).values(**rule.__dict__, created_by=username).returning(WarningRule.id)
        ).scalar_one()


def withdraw_rule(engine: Engine, rule_id: int, username: str, commodity_code: str | None = None) -> None:
    """Withdraw a rule version in force (only of ``commodity_code`` when given: a page withdraws its own)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(WarningRule)
            .where(WarningRule.id == rule_id, WarningRule.withdrawn_at.is_(None))
            .where(True if commodity_code is None else WarningRule.commodity_code == commodity_code)
            .values(withdrawn_at=text("now()"), withdrawn_by=username)
        ).rowcount
        if not done:
            raise NotFound("No rule version in force has that id.")


def rules(conn: Connection, commodity_code: str | None = None) -> list[dict[str, Any]]:
    """Every rule version, withdrawn ones included, with the day the next version takes over."""
    query = f"""
        SELECT r.*, f.until FROM warning_rule r LEFT JOIN ({RULES_IN_FORCE}) f ON f.id = r.id
        {"WHERE r.commodity_code = :c" if commodity_code else ""}
        ORDER BY r.commodity_code, r.indicator, r.scope_kind NULLS FIRST, r.scope_code, r.effective_from, r.id
    """
    return [dict(row) for row in conn.execute(text(query), {"c": commodity_code}).mappings()]
