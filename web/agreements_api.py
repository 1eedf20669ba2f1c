"""Offtake and long-term supply agreements: ``/api/v1/agreements`` (list, filters, CSV), one agreement,
and ``PUT /api/v1/agreements/<code>`` to create or replace one (editor; traced in ``record_edit``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, request

from geoplatform.errors import InvalidParameter
from geoplatform.supply import agreements
from layers.query import one_commodity, parse_codes
from web import context
from web.access import require_role
from web.floor import check_code
from web.json_io import actor, body, date_field, json_response, pick, text_field, version_field
from web.request_checks import check_parameters
from web.supply_view import csv_response

bp = Blueprint("agreements_api", __name__, url_prefix="/api/v1/agreements")

AGREEMENT_FIELDS = (
    "code",
    "buyer_key",
    "buyer_name",
    "buyer_country_code",
    "seller_key",
    "seller_name",
    "project_code",
    "project_name",
    "source_country_code",
    "commodity_code",
    "product",
    "annual_quantity",
    "quantity_unit",
    "annual_quantity_t",
    "start_on",
    "end_on",
    "in_force",
    "pricing_basis",
    "pricing_note",
    "source",
    "version",
)
PARAMETERS = frozenset({"commodity", "project", "company", "format"})


@bp.get("")
def agreement_list() -> Response:
    check_parameters(PARAMETERS)
    commodity = parse_codes(request.args.get("commodity"), "commodity", one_commodity(context.vocabulary()))
    rows = agreements.agreement_rows(
        context.engine(),
        project=request.args.get("project") or None,
        company=request.args.get("company") or None,
        commodities=commodity,
    )
    if request.args.get("format") == "csv":
        return csv_response(AGREEMENT_FIELDS, rows, "agreements")
    return json_response({"numberReturned": len(rows), "agreements": [pick(r, AGREEMENT_FIELDS) for r in rows]})


@bp.get("/<code>")
def one(code: str) -> Response:
    found = agreements.agreement(context.engine(), check_code(code))
    response = json_response(pick(found, AGREEMENT_FIELDS))
    response.headers["ETag"] = f'"{found["version"]}"'
    return response


def _quantity(data: dict[str, Any]) -> Decimal:
    raw = data.get("annual_quantity")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidParameter("Field 'annual_quantity' is required: a number greater than zero.")
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise InvalidParameter("Field 'annual_quantity' must be a number greater than zero.") from None


def _commodity(raw: str) -> str:
    """A commodity as the vocabulary knows it: a code, a symbol or a name (锂, Li, lithium)."""
    return one_commodity(context.vocabulary())(raw) or raw  # an unknown one: the service refuses it


def _unit(raw: str) -> str:
    """A unit as the vocabulary knows it: a code (10kt) or its spelling (万吨, 万吨/年)."""
    return context.vocabulary().unit(raw) or raw  # an unknown one: the service names the allowed units


def _required(data: dict[str, Any], name: str) -> str:
    value = text_field(data, name)
    if not value or not value.strip():
        raise InvalidParameter(f"Field '{name}' is required.")
    return value.strip()


@bp.put("/<code>")
@require_role("editor")
def save(code: str) -> Response:
    """Create (no version) or replace (the version read, in the body or If-Match) one agreement."""
    check_code(code)
    data = body()
    agreement = agreements.AgreementInput(
        code=code,
        buyer=_required(data, "buyer"),
        seller=text_field(data, "seller") or None,
        project=text_field(data, "project") or None,
        commodity=_commodity(_required(data, "commodity")),
        product=text_field(data, "product"),
        annual_quantity=_quantity(data),
        unit=_unit(_required(data, "unit")),
        start_on=date_field(data, "start_on"),  # type: ignore[arg-type]
        end_on=date_field(data, "end_on", required=False),
        pricing_basis=_required(data, "pricing_basis"),
        pricing_note=text_field(data, "pricing_note"),
        source=_required(data, "source"),
        expected_version=version_field(data, required=False),
    )
    saved = agreements.save_agreement(context.engine(), agreement, actor())
    response = json_response(
        {"code": code, "outcome": saved.outcome, "version": saved.version}, 201 if saved.outcome == "created" else 200
    )
    response.headers["ETag"] = f'"{saved.version}"'
    return response
