"""The deposits layer: every deposit of the catalogue as a point, with its commodities."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, Table, and_, exists, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import Label

from geoplatform.models import Deposit, DepositCommodity, deposit_chinese_stake
from layers.queryables import Queryable, catalogue_queryables
from layers.registry import Layer, register


def derived(page: FromClause) -> list[Label]:
    link = DepositCommodity.__table__
    ordered = func.array_agg(aggregate_order_by(link.c.commodity_code, link.c.role != "primary", link.c.commodity_code))
    commodities = (
        select(func.coalesce(ordered, literal_column("ARRAY[]::varchar[]")))
        .where(link.c.deposit_id == page.c.id)
        .scalar_subquery()
    )
    primary = (
        select(link.c.commodity_code).where(link.c.deposit_id == page.c.id, link.c.role == "primary").scalar_subquery()
    )
    chinese = exists().where(deposit_chinese_stake.c.deposit_id == page.c.id)
    return [commodities.label("commodities"), primary.label("primary_commodity"), chinese.label("chinese_stake")]


def primary_commodity(t: Table) -> tuple[FromClause, ColumnElement]:
    """Deposits with their primary commodity (clusters count by it)."""
    link = DepositCommodity.__table__.alias("primary_link")
    joined = t.outerjoin(link, and_(link.c.deposit_id == t.c.id, link.c.role == "primary"))
    return joined, link.c.commodity_code


LAYER = register(
    Layer(
        name="deposits",
        table=Deposit.__table__,
        title_zh="矿产地",
        title_en="Deposits",
        description_zh="战略性矿产矿产地(国内外),含矿种、规模、开发利用状况与中资持股。",
        description_en="Strategic-mineral deposits at home and abroad: commodities, size, status and Chinese stakes.",
        columns=(
            "code",
            "name_zh",
            "name_en",
            "deposit_type",
            "stage",
            "size_class",
            "status",
            "status_as_of",
            "region_code",
            "source",
            "name",
            "name_lang",
            "country_code",
            "subdivision_code",
            "subdivision_name",
        ),
        derived=derived,
        queryables=catalogue_queryables(
            Queryable(
                "deposit_type", "string", "矿床类型", "Deposit type", codelist="deposit_type", vocabulary="deposit_type"
            ),
            Queryable(
                "stage", "string", "勘查程度", "Exploration stage", codelist="exploration_stage", vocabulary="stage"
            ),
            Queryable("size_class", "string", "规模", "Size class", codelist="size_class", vocabulary="size_class"),
            Queryable(
                "status",
                "string",
                "开发利用状况",
                "Development status",
                codelist="development_status",
                vocabulary="status",
            ),
        ),
        commodity_link=DepositCommodity.__table__,
        commodity_fk="deposit_id",
        status_column="status",
        status_codelist="development_status",
        flags={"chinese_stake": lambda t: t.c.id.in_(select(deposit_chinese_stake.c.deposit_id))},
        wfs_type_name="deposits",
        tile_properties=(
            "code",
            "name_zh",
            "name_en",
            "name",
            "status",
            "size_class",
            "country_code",
            "primary_commodity",
            "chinese_stake",
        ),
        cluster_category=primary_commodity,
        property_aliases={"geom": "geometry"},
        order=10,
    )
)
