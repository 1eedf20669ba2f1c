"""Offtake and long-term supply agreements: who buys how much a year of what, from whom, until when.

An agreement is written whole (create, or replace by its code) by an editor; each write that changes
something leaves the fields before and after in ``record_edit`` (layer ``agreements``). The annual
quantity is kept as given (万吨, t, kt/a …) and in tonnes a year, which the offtake concentration
indicators (:mod:`geoplatform.supply.derived`) add up by the source country: the project's country,
else the seller's country of incorporation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased

from geoplatform.errors import Conflict, InvalidParameter, NotFound
from geoplatform.models import (
    CODE_CHECK,
    Company,
    OfftakeAgreement,
    Project,
    RecordEdit,
    commodity,
    pricing_basis,
    unit,
)
from geoplatform.numbers import sensible

agreements_t = OfftakeAgreement.__table__
companies_t = Company.__table__
projects_t = Project.__table__

ANNUAL_QUANTITIES = ("mass", "capacity")
"""A yearly quantity is given as a mass (read as per year: 20 万吨) or as a rate (20 万吨/年)."""
MAX_TEXT = 2000
FIELDS = (
    "buyer",
    "seller",
    "project",
    "commodity",
    "product",
    "annual_quantity",
    "unit",
    "start_on",
    "end_on",
    "pricing_basis",
    "pricing_note",
    "source",
)


@dataclass(frozen=True)
class Saved:
    outcome: str
    """'created', 'updated' or 'unchanged'."""
    version: int


@dataclass(frozen=True)
class AgreementInput:
    code: str
    buyer: str
    """Company key of the buyer."""
    commodity: str
    annual_quantity: Decimal
    unit: str
    start_on: dt.date
    pricing_basis: str
    source: str
    seller: str | None = None
    """Company key of the seller; a project, a seller or both."""
    project: str | None = None
    product: str | None = None
    end_on: dt.date | None = None
    pricing_note: str | None = None
    expected_version: int | None = None
    """The version read, required to replace an existing agreement (None: create a new one)."""


def _text(name: str, value: str | None, required: bool = False) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidParameter(f"Field '{name}' is longer than {MAX_TEXT} characters.")
    if required and not value:
        raise InvalidParameter(f"Field '{name}' is required.")
    return value or None


def _check(agreement: AgreementInput) -> None:
    pattern = CODE_CHECK.split("'")[1]
    if len(agreement.code or "") > 40 or not re.fullmatch(pattern, agreement.code or ""):
        raise InvalidParameter("Field 'code' must be upper-case letters, digits, '-' or '_' (e.g. OFT-MT-MARION).")
    if agreement.seller is None and agreement.project is None:
        raise InvalidParameter("Name the seller (a company key), the project, or both.")
    if agreement.seller is not None and agreement.seller == agreement.buyer:
        raise InvalidParameter("The buyer and the seller are the same company.")
    quantity = agreement.annual_quantity
    if not quantity.is_finite() or quantity <= 0 or not sensible(quantity):
        raise InvalidParameter(
            "Field 'annual_quantity' must be a number greater than zero, below 10¹⁶, with at most 30 digits."
        )
    if agreement.end_on is not None and agreement.end_on < agreement.start_on:
        raise InvalidParameter("Field 'end_on' is before 'start_on'.")


def save_agreement(engine: Engine, agreement: AgreementInput, actor: str, *, evaluate: bool = True) -> Saved:
    """Create the agreement, or replace the one with its code (naming the version read, else 409).

    With ``evaluate`` a change re-evaluates the warnings in the same transaction: the agreement and the
    offtake indicators it moves commit together (the demo saves all, then evaluates once)."""
    _check(agreement)
    source = _text("source", agreement.source, required=True)
    with engine.begin() as conn:

        def company(key: str | None, field: str) -> int | None:
            if key is None:
                return None
            found = conn.execute(select(companies_t.c.id).where(companies_t.c.key == key)).scalar()
            if found is None:
                raise InvalidParameter(f"Field '{field}': there is no company with the key '{key}'.")
            return int(found)

        project_id = None
        if agreement.project is not None:
            project_id = conn.execute(select(projects_t.c.id).where(projects_t.c.code == agreement.project)).scalar()
            if project_id is None:
                raise InvalidParameter(f"Field 'project': there is no project with the code '{agreement.project}'.")
        if conn.execute(select(commodity.c.code).where(commodity.c.code == agreement.commodity)).first() is None:
            raise InvalidParameter("Unknown commodity; see /api/v1/codelists/commodity.")
        to_base = conn.execute(
            select(unit.c.to_base).where(unit.c.code == agreement.unit, unit.c.quantity.in_(ANNUAL_QUANTITIES))
        ).scalar()
        if to_base is None:
            raise InvalidParameter("Field 'unit' must be a unit of mass or of yearly output (t, 万吨, kt/a …).")
        if (
            conn.execute(select(pricing_basis.c.code).where(pricing_basis.c.code == agreement.pricing_basis)).first()
            is None
        ):
            raise InvalidParameter("Unknown pricing basis; see /api/v1/codelists/pricing_basis.")
        values = {
            "buyer_id": company(agreement.buyer, "buyer"),
            "seller_id": company(agreement.seller, "seller"),
            "project_id": project_id,
            "commodity_code": agreement.commodity,
            "product": _text("product", agreement.product),
            "annual_quantity": agreement.annual_quantity,
            "quantity_unit": agreement.unit,
            "annual_quantity_t": agreement.annual_quantity * Decimal(to_base),
            "start_on": agreement.start_on,
            "end_on": agreement.end_on,
            "pricing_basis": agreement.pricing_basis,
            "pricing_note": _text("pricing_note", agreement.pricing_note),
            "source": source,
        }
        current = (
            conn.execute(select(agreements_t).where(agreements_t.c.code == agreement.code).with_for_update())
            .mappings()
            .first()
        )
        after = _described(agreement)
        if current is None:
            if agreement.expected_version is not None:
                raise Conflict("There is no agreement with that code to replace; leave out the version to create it.")
            # Two editors creating the same code at once: one inserts, the other gets 409, never a 500.
            inserted = conn.execute(
                pg_insert(agreements_t)
                .values(code=agreement.code, created_by=actor, **values)
                .on_conflict_do_nothing(index_elements=["code"])
                .returning(agreements_t.c.id)
            ).first()
            if inserted is None:
                raise Conflict("Someone created an agreement with that code meanwhile; read it and try again.")
            _trace(conn, agreement.code, actor, {}, after)
            _evaluate(conn, evaluate, actor)
            return Saved("created", 1)
        if agreement.expected_version != current["version"]:
            raise Conflict(
                f"The agreement exists (version {current['version']}): name the version you read to replace it "
                "(field 'version' or header If-Match)."
            )
        before = _stored(conn, agreement.code)
        changed = {k for k in FIELDS if before.get(k) != after.get(k)}
        if not changed:
            return Saved("unchanged", current["version"])
        version = conn.execute(
            update(agreements_t)
            .where(agreements_t.c.id == current["id"])
            .values(**values, version=agreements_t.c.version + 1, updated_at=func.now())
            .returning(agreements_t.c.version)
        ).scalar_one()
        _trace(conn, agreement.code, actor, {k: before[k] for k in changed}, {k: after[k] for k in changed})
        _evaluate(conn, evaluate, actor)
        return Saved("updated", version)


def _evaluate(conn: Any, wanted: bool, actor: str) -> None:
    if wanted:
        from geoplatform.supply.warnings import evaluate_in

        evaluate_in(conn, "api", actor)


def plain(number: Decimal) -> str:
    """A quantity as people write it: 50, 7.5, 100000 — never 5E+1."""
    return format(number.normalize(), "f")


def _described(agreement: AgreementInput) -> dict[str, Any]:
    """The agreement as its fields are named in the API (what the trace records)."""
    values = asdict(agreement)
    values.pop("code")
    values.pop("expected_version")
    values["annual_quantity"] = plain(agreement.annual_quantity)
    for name in ("start_on", "end_on"):
        values[name] = values[name].isoformat() if values[name] else None
    for name in ("product", "pricing_note", "source"):
        values[name] = _text(name, values[name])
    return values


def _stored(conn: Any, code: str) -> dict[str, Any]:
    row = next(iter(_rows(conn, agreements_t.c.code == code)))
    return {
        "buyer": row["buyer_key"],
        "seller": row["seller_key"],
        "project": row["project_code"],
        "commodity": row["commodity_code"],
        "product": row["product"],
        "annual_quantity": plain(Decimal(row["annual_quantity"])),
        "unit": row["quantity_unit"],
        "start_on": row["start_on"].isoformat(),
        "end_on": row["end_on"].isoformat() if row["end_on"] else None,
        "pricing_basis": row["pricing_basis"],
        "pricing_note": row["pricing_note"],
        "source": row["source"],
    }


def _trace(conn: Any, code: str, actor: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    conn.execute(
        insert(RecordEdit.__table__).values(layer="agreements", code=code, username=actor, before=before, after=after)
    )


def _rows(conn: Any, where: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or dt.date.today()
    buyer, seller = aliased(companies_t), aliased(companies_t)
    a = agreements_t.c
    source_country = func.coalesce(projects_t.c.country_code, seller.c.country_code)
    query = (
        select(
            a.code,
            a.commodity_code,
            a.product,
            a.annual_quantity,
            a.quantity_unit,
            a.annual_quantity_t,
            a.start_on,
            a.end_on,
            a.pricing_basis,
            a.pricing_note,
            a.source,
            a.created_by,
            a.version,
            a.updated_at,
            buyer.c.key.label("buyer_key"),
            buyer.c.name.label("buyer_name"),
            buyer.c.name_zh.label("buyer_name_zh"),
            buyer.c.name_en.label("buyer_name_en"),
            buyer.c.country_code.label("buyer_country_code"),
            seller.c.key.label("seller_key"),
            seller.c.name.label("seller_name"),
            seller.c.name_zh.label("seller_name_zh"),
            seller.c.name_en.label("seller_name_en"),
            projects_t.c.code.label("project_code"),
            projects_t.c.name.label("project_name"),
            projects_t.c.name_zh.label("project_name_zh"),
            projects_t.c.name_en.label("project_name_en"),
            source_country.label("source_country_code"),
            and_(a.start_on <= today, or_(a.end_on.is_(None), a.end_on >= today)).label("in_force"),
        )
        .join(buyer, buyer.c.id == a.buyer_id)
        .outerjoin(seller, seller.c.id == a.seller_id)
        .outerjoin(projects_t, projects_t.c.id == a.project_id)
        .where(where)
        .order_by(a.commodity_code, a.start_on.desc(), a.code)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def agreement_rows(
    engine: Engine,
    *,
    project: str | None = None,
    company: str | None = None,
    commodities: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Agreements of a project, of a company (as buyer or seller) or of a commodity; all without a filter."""
    terms: list[Any] = [True]
    if project is not None:
        terms.append(projects_t.c.code == project)
    if company is not None:
        ids = select(companies_t.c.id).where(companies_t.c.key == company).scalar_subquery()
        terms.append(or_(agreements_t.c.buyer_id == ids, agreements_t.c.seller_id == ids))
    if commodities:
        terms.append(agreements_t.c.commodity_code.in_(commodities))
    with engine.connect() as conn:
        return _rows(conn, and_(*terms), today)


def agreement(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = _rows(conn, agreements_t.c.code == code)
    if not rows:
        raise NotFound("There is no agreement with that code.")
    return rows[0]
