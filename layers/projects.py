"""The projects layer: development projects as points, with operator, capacity and deposits."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, Table, exists, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import Label

from geoplatform.models import Company, Deposit, Project, project_chinese_stake, project_commodity, project_deposit
from layers.queryables import Queryable, catalogue_queryables
from layers.registry import Layer, register


def derived(page: FromClause) -> list[Label]:
    company = Company.__table__
    deposit = Deposit.__table__
    commodities = (
        select(
            func.array_agg(aggregate_order_by(project_commodity.c.commodity_code, project_commodity.c.commodity_code))
        )
        .where(project_commodity.c.project_id == page.c.id)
        .scalar_subquery()
    )
    deposits = (
        select(func.array_agg(aggregate_order_by(deposit.c.code, deposit.c.code)))
        .select_from(project_deposit.join(deposit, deposit.c.id == project_deposit.c.deposit_id))
        .where(project_deposit.c.project_id == page.c.id)
        .scalar_subquery()
    )
    operator = select(company.c.name_zh).where(company.c.id == page.c.operator_id).scalar_subquery()
    operator_en = select(company.c.name_en).where(company.c.id == page.c.operator_id).scalar_subquery()
    chinese = exists().where(project_chinese_stake.c.project_id == page.c.id)
    return [
        commodities.label("commodities"),
        deposits.label("deposits"),
        operator.label("operator_zh"),
        operator_en.label("operator_en"),
        chinese.label("chinese_stake"),
    ]


def first_commodity(t: Table) -> tuple[FromClause, ColumnElement]:
    """Projects with their first commodity code (clusters count by it)."""
    first = (
        select(project_commodity.c.project_id, func.min(project_commodity.c.commodity_code).label("code"))
        .group_by(project_commodity.c.project_id)
        .subquery("first_commodity")
    )
    return t.outerjoin(first, first.c.project_id == t.c.id), first.c.code


LAYER = register(
    Layer(
        name="projects",
        table=Project.__table__,
        title_zh="开发项目",
        title_en="Projects",
        description_zh="矿产资源开发项目(国内外):阶段、产能、投资、运营方与中资持股。",
        description_en="Mineral development projects at home and abroad: stage, capacity, investment, operators.",
        columns=(
            "code",
            "name_zh",
            "name_en",
            "project_type",
            "stage",
            "green_channel",
            "capacity",
            "capacity_unit",
            "investment_cny_100m",
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
                "project_type", "string", "项目类型", "Project type", codelist="project_type", vocabulary="project_type"
            ),
            Queryable(
                "stage", "string", "项目阶段", "Project stage", codelist="project_stage", vocabulary="project_stage"
            ),
            Queryable("green_channel", "boolean", "绿色通道", "Green channel"),
            Queryable("capacity", "number", "设计产能", "Design capacity"),
            Queryable("investment_cny_100m", "number", "投资(亿元)", "Investment (CNY 100 m)"),
        ),
        commodity_link=project_commodity,
        commodity_fk="project_id",
        status_column="stage",
        status_codelist="project_stage",
        flags={"chinese_stake": lambda t: t.c.id.in_(select(project_chinese_stake.c.project_id))},
        internal_columns=("operator_id",),
        wfs_type_name="projects",
        tile_properties=(
            "code",
            "name_zh",
            "name_en",
            "name",
            "stage",
            "green_channel",
            "country_code",
            "chinese_stake",
        ),
        cluster_category=first_commodity,
        property_aliases={"geom": "geometry"},
        order=20,
    )
)
