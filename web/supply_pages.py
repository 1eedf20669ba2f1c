"""Supply-security pages: ``/supply`` (a card per strategic mineral), ``/supply/warnings`` and
``/supply/<commodity>`` (its charts, warnings with their history, its rule versions with the editors'
forms to add and withdraw them, links to the map and search).

Charts are inline SVG drawn on the server (``_supply_charts.html``): they work offline and print."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

from geoplatform.errors import InvalidParameter
from geoplatform.supply import queries
from geoplatform.supply.warnings import RuleInput, add_rule, evaluate_all, rules, withdraw_rule
from web import context
from web.access import require_role
from web.i18n import code_label
from web.json_io import actor
from web.request_checks import apply_form, check_parameters
from web.supply_view import (
    LEVEL_COLOURS,
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
    with context.engine().connect() as conn:
        versions = rules(conn, page["commodity"]["code"])
    return render_template(
        "supply_commodity.html",
        page=page,
        charts=charts,
        ruled=ruled,
        producers=producers,
        rules=versions,
        **_helpers(),
    )


def _back(commodity: str) -> str:
    return url_for("supply_pages.commodity_page", commodity=commodity) + "#rules"


def _number(name: str) -> float:
    raw = request.form.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(f"The {name} threshold must be a number.") from None
    if not math.isfinite(value):
        raise InvalidParameter(f"The {name} threshold must be a number.")
    return value


@bp.post("/supply/<commodity>/rules")
@require_role("editor")
def new_rule(commodity: str) -> Response:
    """The page form for a new rule version: the same service call as ``POST /api/v1/supply/rules``, then
    an evaluation, and the outcome as a message on the commodity page."""
    code = commodity_parameter(commodity)

    def action() -> None:
        try:
            since = dt.date.fromisoformat(request.form.get("effective_from", ""))
        except ValueError:
            raise InvalidParameter("effective_from must be a date (YYYY-MM-DD).") from None
        scope_kind = request.form.get("scope_kind") or None
        rule = RuleInput(
            indicator=request.form.get("indicator", ""),
            commodity_code=code,
            direction=request.form.get("direction", ""),
            blue=_number("blue"),
            yellow=_number("yellow"),
            red=_number("red"),
            effective_from=since,
            scope_kind=scope_kind,
            # World series have the scope code '': the form leaves it empty, the rule needs it so.
            scope_code="" if scope_kind == "world" else (request.form.get("scope_code") or "").strip() or None,
            note=(request.form.get("note") or "").strip() or None,
        )
        add_rule(context.engine(), rule, actor())
        evaluate_all(context.engine(), "api", actor())

    return apply_form(action, _back(code))


@bp.post("/supply/<commodity>/rules/<int:rule_id>/withdraw")
@require_role("editor")
def withdraw(commodity: str, rule_id: int) -> Response:
    code = commodity_parameter(commodity)

    def action() -> None:
        withdraw_rule(context.engine(), rule_id, actor(), commodity_code=code)
        evaluate_all(context.engine(), "api", actor())

    return apply_form(action, _back(code))
