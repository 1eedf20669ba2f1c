"""Layer declarations: one small record per published layer, checked against the database at start-up.

A layer names its table, the feature id column, the whitelisted properties (plain columns, plus
derived values computed only for the rows of the returned page) and which codelist each filter
draws from. Nothing outside this whitelist can reach SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, FromClause, Table, exists, func, inspect, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import Label

from geoplatform.errors import NotFound
from geoplatform.models import (
    Company,
    Deposit,
    DepositCommodity,
    Project,
    deposit_chinese_stake,
    project_chinese_stake,
    project_commodity,
    project_deposit,
)

DerivedColumns = Callable[[FromClause], list[Label]]


@dataclass(frozen=True)
class Layer:
    """A published layer: a table of point features keyed by a public code."""

    name: str
    table: Table
    title_zh: str
    title_en: str
    columns: tuple[str, ...]
    """Table columns published as properties, in output order."""
    derived: DerivedColumns
    """Properties computed per returned row (commodity lists, operator names)."""
    commodity_link: Table
    commodity_fk: str
    status_column: str
    status_codelist: str
    page_path: str
    """URL path of a record's HTML page, with ``{code}``."""
    chinese_stake: FromClause
    """The view listing the ids of this layer's records with a current Chinese stake."""
    internal_columns: tuple[str, ...] = ()
    """Columns the derived properties need that are not published themselves."""

    @property
    def chinese_stake_ids(self) -> ColumnElement:
        return self.chinese_stake.c[self.commodity_fk]

    @property
    def id_column(self) -> ColumnElement:
        return self.table.c.code

    @property
    def property_names(self) -> list[str]:
        return [*self.columns, *(label.name for label in self.derived(self.table))]

    def check(self, engine: Engine) -> None:
        """Fail at start-up, with the layer's name, if its table or a column is missing."""
        inspector = inspect(engine)
        if not inspector.has_table(self.table.name):
            raise RuntimeError(f"layer {self.name}: table {self.table.name} does not exist (run migrations)")
        existing = {c["name"] for c in inspector.get_columns(self.table.name)}
        missing = {"id", "code", "geom", self.status_column, *self.columns} - existing
        if missing:
            raise RuntimeError(f"layer {self.name}: columns missing in {self.table.name}: {sorted(missing)}")


def _deposit_derived(page: FromClause) -> list[Label]:
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


def _project_derived(page: FromClause) -> list[Label]:
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


DEPOSITS = Layer(
    name="deposits",
    table=Deposit.__table__,
    title_zh="矿产地",
    title_en="Deposits",
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
    derived=_deposit_derived,
    commodity_link=DepositCommodity.__table__,
    commodity_fk="deposit_id",
    status_column="status",
    status_codelist="development_status",
    page_path="/deposits/{code}",
    chinese_stake=deposit_chinese_stake,
)

PROJECTS = Layer(
    name="projects",
    table=Project.__table__,
    title_zh="开发项目",
    title_en="Projects",
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
    derived=_project_derived,
    commodity_link=project_commodity,
    commodity_fk="project_id",
    status_column="stage",
    status_codelist="project_stage",
    page_path="/projects/{code}",
    chinese_stake=project_chinese_stake,
    internal_columns=("operator_id",),
)

LAYERS: dict[str, Layer] = {layer.name: layer for layer in (DEPOSITS, PROJECTS)}


def get_layer(name: str) -> Layer:
    try:
        return LAYERS[name]
    except KeyError:
        raise NotFound("There is no layer with that name.") from None


def check_layers(engine: Engine) -> None:
    for layer in LAYERS.values():
        layer.check(engine)
