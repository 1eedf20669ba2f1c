"""Illustrative supply series and warning rules for the demo — NOT real statistics.

The series are made up (smooth trends, chosen last values) so that the warning page shows every level:
lithium, cobalt and nickel end red, copper yellow, graphite blue, rare earths normal. Every value
is marked ``illustrative`` and its source says so in both languages; the pages show the mark.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from geoplatform.errors import NotFound
from geoplatform.supply.agreements import AgreementInput, save_agreement
from geoplatform.supply.agreements import agreement as agreement_record
from geoplatform.supply.warnings import evaluate

SOURCE = "示意数据，非真实统计 / Illustrative data, not real statistics"
DEMO_USER = "demo"
AGREEMENTS_FILE = Path(__file__).parents[1] / "data" / "demo" / "agreements.csv"
FIRST_YEAR, LAST_YEAR = 2015, 2025
LAST_MONTH = dt.date(2026, 10, 1)

# commodity: China's production in 2015 (t), growth per year, import dependence in 2025,
# reserve life in 2025 (years), price in 2020-01 (USD/t), monthly price swing, country shares.
PROFILES: dict[str, dict[str, Any]] = {
    "lithium": {
        "production": 20_000,
        "growth": 0.12,
        "dependence": 0.70,
        "reserve_life": 20,
        "price": 9_000,
        "swing": 0.19,
        "shares": {"AU": 0.45, "CL": 0.25, "CN": 0.17, "AR": 0.08, "ZW": 0.05},
    },
    "cobalt": {
        "production": 3_000,
        "growth": 0.02,
        "dependence": 0.95,
        "reserve_life": 6,
        "price": 33_000,
        "swing": 0.04,
        "shares": {"CD": 0.72, "ID": 0.10, "RU": 0.04, "AU": 0.03, "PH": 0.03, "CU": 0.03, "CN": 0.05},
    },
    "nickel": {
        "production": 90_000,
        "growth": 0.01,
        "dependence": 0.78,
        "reserve_life": 20,
        "price": 13_500,
        "swing": 0.09,
        "shares": {"ID": 0.50, "PH": 0.11, "RU": 0.07, "CA": 0.05, "AU": 0.04, "CN": 0.03, "NC": 0.06},
    },
    "copper": {
        "production": 1_700_000,
        "growth": 0.01,
        "dependence": 0.72,
        "reserve_life": 40,
        "price": 6_000,
        "swing": 0.03,
        "shares": {"CL": 0.24, "CD": 0.12, "PE": 0.11, "CN": 0.08, "US": 0.05, "AU": 0.04, "ZM": 0.04},
    },
    "graphite": {
        "production": 780_000,
        "growth": 0.02,
        "dependence": -0.30,
        "reserve_life": 25,
        "price": 600,
        "swing": 0.03,
        "shares": {"CN": 0.77, "MZ": 0.06, "MG": 0.05, "BR": 0.04, "IN": 0.02},
    },
    "rare_earths": {
        "production": 105_000,
        "growth": 0.05,
        "dependence": -0.40,
        "reserve_life": 40,
        "price": 60_000,
        "swing": 0.03,
        "shares": {"CN": 0.69, "US": 0.12, "MM": 0.08, "AU": 0.05, "TH": 0.02},
    },
}

RULES = [
    # indicator, scope, direction, blue, yellow, red, effective_from, note
    ("import_dependence", ("country", "CN"), "rising", 0.5, 0.65, 0.8, dt.date(2015, 1, 1), "示意阈值 v1"),
    ("reserve_life", ("country", "CN"), "falling", 30, 15, 8, dt.date(2015, 1, 1), "示意阈值"),
    ("price_volatility", ("world", ""), "rising", 0.25, 0.4, 0.6, dt.date(2015, 1, 1), "示意阈值"),
    ("supply_hhi", ("world", ""), "rising", 1500, 2500, 4000, dt.date(2015, 1, 1), "示意阈值"),
]
RULE_COMMODITIES = {
    "import_dependence": tuple(PROFILES),
    "reserve_life": tuple(PROFILES),
    "price_volatility": tuple(PROFILES),
    "supply_hhi": ("lithium", "cobalt", "nickel", "copper"),
}
LITHIUM_V2 = ("import_dependence", "lithium", 0.4, 0.5, 0.62, dt.date(2024, 1, 1), "示意阈值 v2：从严")
"""A second version of lithium's import-dependence rule, in force from 2024: the demo's 2023 value
(0.676) is yellow by v1, the 2024 value (0.688) red by v2."""


def _values(code: str, profile: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []

    def add(
        indicator: str,
        scope: tuple[str, str],
        kind: str,
        start: dt.date,
        end: dt.date,
        value: float,
        unit: str,
        base: str,
    ) -> None:
        rows.append((indicator, code, *scope, kind, start, end, round(value, 4), unit, value, base))

    china = ("country", "CN")
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        age = LAST_YEAR - year
        produced = profile["production"] * (1 + profile["growth"]) ** (year - FIRST_YEAR)
        dependence = profile["dependence"] - 0.012 * age
        consumed = produced / (1 - dependence)
        exports = 0.05 * produced if dependence >= 0 else 0.05 * produced - dependence * consumed
        imports = dependence * consumed + exports
        reserves = profile["reserve_life"] * (1 + 0.02 * age) * produced
        add("production", china, "year", start, end, produced, "t", "t")
        add("consumption", china, "year", start, end, consumed, "t", "t")
        add("imports", china, "year", start, end, imports, "t", "t")
        add("exports", china, "year", start, end, exports, "t", "t")
        add("reserves", china, "year", start, end, reserves, "t", "t")
        add("inventory", china, "year", start, end, consumed * (20 + 2 * (year % 3)) / 365, "t", "t")
        add("capacity", china, "year", start, end, produced / (0.78 + 0.01 * (year % 5)), "t/a", "t/a")
        world = produced / profile["shares"].get("CN", 0.05)
        for country, share in profile["shares"].items():
            if country == "CN":  # China's own production is the row above
                continue
            add("production", ("country", country), "year", start, end, world * share, "t", "t")
    price, month = float(profile["price"]), dt.date(2020, 1, 1)
    step = 0
    while month <= LAST_MONTH:
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        add("price", ("world", ""), "month", month, end, price, "USD/t", "USD/t")
        swing = (
            profile["swing"]
            if (LAST_MONTH.year * 12 + LAST_MONTH.month) - (month.year * 12 + month.month) < 14
            else 0.03
        )
        price *= math.exp(swing if step % 2 == 0 else -swing * 0.9)
        step += 1
        month = end + dt.timedelta(days=1)
    return rows


def load_demo_agreements(engine: Engine) -> int:
    """The illustrative offtake agreements (``data/demo/agreements.csv``), saved through the service as an
    editor would; a rerun changes nothing. Returns how many were created or updated."""
    with open(AGREEMENTS_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    written = 0
    for row in rows:
        try:
            version: int | None = agreement_record(engine, row["code"])["version"]
        except NotFound:
            version = None
        agreement = AgreementInput(
            code=row["code"],
            buyer=row["buyer"],
            seller=row["seller"] or None,
            project=row["project"] or None,
            commodity=row["commodity"],
            product=row["product"] or None,
            annual_quantity=Decimal(row["annual_quantity"]),
            unit=row["unit"],
            start_on=dt.date.fromisoformat(row["start_on"]),
            end_on=dt.date.fromisoformat(row["end_on"]) if row["end_on"] else None,
            pricing_basis=row["pricing_basis"],
            pricing_note=row["pricing_note"] or None,
            source=row["source"],
            expected_version=version,
        )
        written += save_agreement(engine, agreement, DEMO_USER, evaluate=False).outcome != "unchanged"
    return written


def load_demo_supply(engine: Engine) -> dict[str, int]:
    """Replace the illustrative series and the demo rules, save the demo agreements, then evaluate the
    warnings once (the agreements count in the offtake concentration)."""
    agreements = load_demo_agreements(engine)
    rows = [row for code, profile in PROFILES.items() for row in _values(code, profile)]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM warning_level"))
        conn.execute(text("DELETE FROM warning_composite"))
        conn.execute(text("DELETE FROM warning_rule WHERE created_by = :u"), {"u": DEMO_USER})
        conn.execute(text("DELETE FROM indicator_value WHERE illustrative"))
        conn.execute(
            text("""
            INSERT INTO indicator_value (indicator, commodity_code, scope_kind, scope_code, period_kind, period_start,
                                         period_end, value, unit, value_base, base_unit, source, as_of, illustrative)
            VALUES (:i, :c, :sk, :sc, :pk, :ps, :pe, :v, :u, :vb, :bu, :src, :as_of, true)
        """),
            [
                dict(zip(("i", "c", "sk", "sc", "pk", "ps", "pe", "v", "u", "vb", "bu"), row, strict=True))
                | {"src": SOURCE, "as_of": dt.date(2026, 11, 1)}
                for row in rows
            ],
        )
        rules = [
            (indicator, code, scope, direction, blue, yellow, red, since, note)
            for indicator, scope, direction, blue, yellow, red, since, note in RULES
            for code in RULE_COMMODITIES[indicator]
        ]
        indicator, code, blue, yellow, red, since, note = LITHIUM_V2
        rules.append((indicator, code, ("country", "CN"), "rising", blue, yellow, red, since, note))
        conn.execute(
            text("""
            INSERT INTO warning_rule (indicator, commodity_code, scope_kind, scope_code, direction, blue, yellow, red,
                                      effective_from, note, created_by)
            VALUES (:i, :c, :sk, :sc, :d, :b, :y, :r, :f, :n, :u)
        """),
            [
                {"i": i, "c": c, "sk": s[0], "sc": s[1], "d": d, "b": b, "y": y, "r": r, "f": f, "n": n, "u": DEMO_USER}
                for i, c, s, d, b, y, r, f, n in rules
            ],
        )
        done = evaluate(conn, "demo", DEMO_USER)
    return {"values": len(rows), "rules": len(rules), "levels": done.levels, "agreements": agreements}
