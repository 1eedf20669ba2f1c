"""Supply-security API: ``/api/v1/supply…`` — composite levels, a commodity's series and warnings,
the warnings list, the rules with every version, and (editors) new rule versions, withdrawals and
evaluations. Every table is also CSV (``format=csv``)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from flask import Blueprint, Response, request

from geoplatform.errors import InvalidParameter
from geoplatform.supply import queries
from geoplatform.supply.warnings import RuleInput, add_rule, evaluate_all, rules, withdraw_rule
from web import context
from web.access import current_account, require_role
from web.request_checks import check_parameters
from web.supply_view import (
    commodity_parameter,
    csv_response,
    csv_wanted,
    jsonable,
    level_parameter,
)

bp = Blueprint("supply_api", __name__, url_prefix="/api/v1/supply")

OVERVIEW_FIELDS = ("code", "name_zh", "name_en", "level", "driver", "has_values", "illustrative")
LEVEL_FIELDS = (
    "commodity_code",
    "commodity_zh",
    "commodity_en",
    "indicator",
    "indicator_zh",
    "indicator_en",
    "scope_kind",
    "scope_code",
    "period_kind",
    "period_start",
    "level",
    "previous_level",
    "value",
    "rule_id",
    "direction",
    "blue",
    "yellow",
    "red",
    "effective_from",
    "latest",
)
SERIES_FIELDS = ("indicator", "scope_kind", "scope_code", "period_kind", "period_start", "value", "base_unit")
RULE_FIELDS = (
    "id",
    "indicator",
    "commodity_code",
    "scope_kind",
    "scope_code",
    "direction",
    "blue",
    "yellow",
    "red",
    "effective_from",
    "until",
    "note",
    "created_by",
    "created_at",
    "withdrawn_at",
    "withdrawn_by",
)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(jsonable(body), ensure_ascii=False), status=status, mimetype="application/json")


def _pick(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: row.get(f) for f in fields}


@bp.get("")
def overview() -> Response:
    """The composite level per strategic mineral, with the indicators behind it and the worst one's trend."""
    check_parameters({"format"})
    with context.engine().connect() as conn:
        cards = queries.overview(conn)
        evaluation = queries.last_evaluation(conn)
    if csv_wanted():
        return csv_response(OVERVIEW_FIELDS, cards, "supply")
    return _json(
        {
            "evaluation": evaluation,
            "commodities": [{**_pick(c, OVERVIEW_FIELDS), "reason": c["reason"], "trend": c["trend"]} for c in cards],
        }
    )


@bp.get("/warnings")
def warning_list() -> Response:
    """The latest level of every series with a rule (``level=``, ``commodity=``); ``history=true`` adds
    every period where a level changed."""
    check_parameters({"format", "level", "commodity", "history"})
    history = request.args.get("history", "false")
    if history not in ("true", "false"):
        raise InvalidParameter("history is true or false.")
    commodity = request.args.get("commodity")
    with context.engine().connect() as conn:
        rows = queries.levels(
            conn,
            commodity=commodity_parameter(commodity) if commodity else None,
            level=level_parameter(),
            latest_only=history == "false",
        )
    if csv_wanted():
        return csv_response(LEVEL_FIELDS, rows, "warnings")
    return _json({"numberReturned": len(rows), "warnings": [_pick(r, LEVEL_FIELDS) for r in rows]})


@bp.get("/rules")
def rule_list() -> Response:
    """Every rule version, withdrawn ones included, with the day the next version takes over (``until``)."""
    check_parameters({"format", "commodity"})
    commodity = request.args.get("commodity")
    with context.engine().connect() as conn:
        rows = rules(conn, commodity_parameter(commodity) if commodity else None)
    if csv_wanted():
        return csv_response(RULE_FIELDS, rows, "warning-rules")
    return _json({"numberReturned": len(rows), "rules": [_pick(r, RULE_FIELDS) for r in rows]})


def _number(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameter(f"{name} must be a number.")
    return float(value)


def _text(body: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidParameter(f"{name} must be a text of at most 500 characters.")
    return value.strip()


def _actor() -> str:
    account = current_account()
    return account.username if account else "anonymous"


@bp.post("/rules")
@require_role("editor")
def new_rule() -> Response:
    """A rule version: ``indicator``, ``commodity``, ``direction`` (rising|falling), ``blue``, ``yellow``,
    ``red``, ``effective_from`` (YYYY-MM-DD), optional ``scope_kind``/``scope_code`` and ``note``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("The body must be a JSON object.")
    try:
        since = dt.date.fromisoformat(str(body.get("effective_from")))
    except ValueError:
        raise InvalidParameter("effective_from must be a date (YYYY-MM-DD).") from None
    scope_kind = _text(body, "scope_kind")
    scope_code = body.get("scope_code")
    if scope_code is not None and not isinstance(scope_code, str):
        raise InvalidParameter("scope_code must be a text.")
    rule = RuleInput(
        indicator=_text(body, "indicator", required=True) or "",
        commodity_code=commodity_parameter(_text(body, "commodity", required=True) or ""),
        direction=_text(body, "direction", required=True) or "",
        blue=_number(body, "blue"),
        yellow=_number(body, "yellow"),
        red=_number(body, "red"),
        effective_from=since,
        scope_kind=scope_kind,
        scope_code=scope_code,
        note=_text(body, "note"),
    )
    rule_id = add_rule(context.engine(), rule, _actor())
    done = evaluate_all(context.engine(), "api", _actor())
    return _json({"id": rule_id, "evaluation": done.id, "composite": done.composite}, 201)


@bp.post("/rules/<int:rule_id>/withdraw")
@require_role("editor")
def withdraw(rule_id: int) -> Response:
    withdraw_rule(context.engine(), rule_id, _actor())
    done = evaluate_all(context.engine(), "api", _actor())
    return _json({"id": rule_id, "withdrawn": True, "evaluation": done.id, "composite": done.composite})


@bp.post("/evaluate")
@require_role("editor")
def evaluate() -> Response:
    """Evaluate every rule now (imports and rule changes evaluate by themselves)."""
    done = evaluate_all(context.engine(), "api", _actor())
    return _json(
        {
            "evaluation": done.id,
            "values": done.values,
            "levels": done.levels,
            "seconds": done.seconds,
            "composite": done.composite,
        },
        201,
    )


@bp.get("/<commodity>")
def commodity(commodity: str) -> Response:
    """One commodity: composite level with its reasons, warnings, history, series (world and China) and
    the largest producers; ``format=csv`` gives the series."""
    check_parameters({"format"})
    with context.engine().connect() as conn:
        page = queries.commodity_page(conn, commodity_parameter(commodity))
    if csv_wanted():
        points = [
            {**{k: s[k] for k in SERIES_FIELDS if k in s}, "period_start": day, "value": value}
            for s in page["series"]
            for day, value in s["points"]
        ]
        return csv_response(SERIES_FIELDS, points, f"supply-{commodity}")
    page["warnings"] = [_pick(r, LEVEL_FIELDS) for r in page["warnings"]]
    page["history"] = [_pick(r, LEVEL_FIELDS) for r in page["history"]]
    return _json(page)
