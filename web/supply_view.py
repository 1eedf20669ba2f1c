"""What the supply API and pages share: parameter checks, number formats per base unit, CSV answers.

Not a blueprint: ``supply_api`` and ``supply_pages`` both stand on it (blueprints never import one another).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request

from geoplatform.errors import InvalidParameter
from geoplatform.supply.periods import Period
from geoplatform.supply.warnings import LEVELS

COMMODITY_RE = re.compile(r"[a-z][a-z0-9_]{1,39}")
LEVEL_COLOURS = {"red": "#c62828", "yellow": "#f9a825", "blue": "#1565c0", "normal": "#2e7d32", None: "#9e9e9e"}
"""Red, yellow and blue as the warning mechanism names them; green for normal, grey for no rule."""


def commodity_parameter(code: str) -> str:
    if not COMMODITY_RE.fullmatch(code):
        raise InvalidParameter("A commodity code is lower-case letters, digits and '_' (e.g. lithium, rare_earths).")
    return code


def level_parameter() -> str | None:
    level = request.args.get("level") or None
    if level is not None and level not in LEVELS:
        raise InvalidParameter("level is one of " + ", ".join(LEVELS) + ".")
    return level


def csv_wanted() -> bool:
    wanted = request.args.get("format")
    if wanted not in (None, "", "json", "csv"):
        raise InvalidParameter("format is json or csv.")
    return wanted == "csv"


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def csv_response(fields: Sequence[str], rows: Iterable[dict[str, Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row.get(f) is None else jsonable(row.get(f)) for f in fields])
    # UTF-8 with BOM: Excel then shows the Chinese names correctly.
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={name}.csv"
    return response


def formatted(value: float | None, base_unit: str) -> str:
    """A value for people: ratios as percentages, HHI as whole points, tonnes with separators."""
    if value is None:
        return "–"
    if base_unit == "ratio":
        return f"{value * 100:.1f} %"
    if base_unit == "hhi":
        return f"{value:,.0f}"
    if base_unit in ("a", "d"):
        return f"{value:,.1f} {base_unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {base_unit}"
    return f"{value:,.2f} {base_unit}"


INDICATOR_UNITS = {
    "import_dependence": "ratio",
    "top3_share": "ratio",
    "price_change": "ratio",
    "price_volatility": "ratio",
    "capacity_use": "ratio",
    "capacity_utilisation": "ratio",
    "supply_hhi": "hhi",
    "capacity_hhi": "hhi",
    "offtake_hhi": "hhi",
    "offtake_top3_share": "ratio",
    "reserve_life": "a",
    "inventory_cover": "d",
}


def period_label(kind: str, start: dt.date) -> str:
    """2025, 2025-Q3 or 2025-07: the period as statistics name it (``Period.label``)."""
    return Period(kind, start).label()


def unit_of(indicator: str, fallback: str = "") -> str:
    return INDICATOR_UNITS.get(indicator, fallback)
