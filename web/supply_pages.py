"""Supply-security pages: ``/supply`` (a card per strategic mineral), ``/supply/warnings`` and
``/supply/<commodity>`` (its charts, warnings with their history, links to the map and search).

Charts are inline SVG drawn on the server (``_supply_charts.html``): they work offline and print."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from geoplatform.supply import queries
from web import context
from web.i18n import code_label
from web.supply_view import (
    LEVEL_COLOURS,
    check_parameters,
    commodity_parameter,
    formatted,
    level_parameter,
    period_label,
    unit_of,
)

bp = Blueprint("supply_pages", __name__)


def _helpers() -> dict[str, Any]:
    return {"colours": LEVEL_COLOURS, "formatted": formatted, "unit_of": unit_of, "period_label": period_label}


@bp.get("/supply")
def overview() -> str:
    check_parameters(set())
    with context.engine().connect() as conn:
        cards = queries.overview(conn)
        evaluation = queries.last_evaluation(conn)
    # Minerals with values first, worst level first; those without any value are listed in one line.
    severity = {"red": 0, "yellow": 1, "blue": 2, "normal": 3, None: 4}
    with_data = sorted((c for c in cards if c["has_values"]), key=lambda c: severity[c["level"]])
    without = [c for c in cards if not c["has_values"]]
    return render_template("supply.html", cards=with_data, without=without, evaluation=evaluation, **_helpers())


@bp.get("/supply/warnings")
def warnings() -> str:
    check_parameters({"level", "commodity"})
    commodity = request.args.get("commodity") or None
    level = level_parameter()
    with context.engine().connect() as conn:
        rows = queries.levels(conn, commodity=commodity_parameter(commodity) if commodity else None, level=level)
        evaluation = queries.last_evaluation(conn)
    filters = {k: v for k, v in {"level": level, "commodity": commodity}.items() if v}
    return render_template("supply_warnings.html", rows=rows, evaluation=evaluation, filters=filters, **_helpers())


@bp.get("/supply/<commodity>")
def commodity_page(commodity: str) -> str:
    check_parameters(set())
    with context.engine().connect() as conn:
        page = queries.commodity_page(conn, commodity_parameter(commodity))
    ruled = {(w["indicator"], w["scope_kind"], w["scope_code"], w["period_kind"]): w for w in page["warnings"]}
    charts = sorted(
        page["series"],
        key=lambda s: (
            (s["indicator"], s["scope_kind"], s["scope_code"], s["period_kind"]) not in ruled,
            s["indicator"] != "price",
            s["indicator"],
            s["scope_kind"],
        ),
    )
    producers = [(code_label("country", p["country"]), round(p["value"]), None) for p in page["producers"]]
    return render_template(
        "supply_commodity.html", page=page, charts=charts, ruled=ruled, producers=producers, **_helpers()
    )
