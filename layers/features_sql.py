"""The one SQL builder for features: PostGIS assembles the GeoJSON, Python only splices text.

A page query selects the matching rows in id order (``LIMIT n+1`` tells whether a next page
exists without counting), computes derived properties for the returned rows only, and aggregates
them with ``json_agg``; the result arrives as one text value that goes to the client untouched.

Statements are built once per *shape* (which filters are present) with named bind parameters, and
reused: building a SQLAlchemy statement with nested subqueries costs milliseconds, more than the
query itself on a small page. Every client value travels as a bound parameter.

``numberMatched`` is free on the last page. Otherwise it costs a capped count, ``count(*)`` over at
most ``count_limit + 1`` matching rows, which runs only when the planner's estimate does not put
the matches far above the cap. Above the cap the count is left out (OGC API – Features allows
that) instead of scanning a million rows to report a number nobody pages through.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSON, aggregate_order_by

from layers.query import FeatureQuery
from layers.registry import LAYERS, Layer

COORDINATE_DECIMALS = 6
"""Six decimals of a degree are about 0.1 m: finer than any deposit location."""

ESTIMATE_MARGIN = 3
"""Skip the count only when the planner expects this many times more rows than the cap."""


@dataclass(frozen=True)
class FeaturePage:
    features_json: str
    """The JSON array of features, as PostGIS wrote it."""
    number_returned: int
    has_more: bool
    number_matched: int | None
    """Exact count, or None when more than ``count_limit`` features match."""


@dataclass(frozen=True)
class Shape:
    """Which filters a query uses: one statement is built and cached per layer and shape."""

    layer: str
    bbox: bool
    commodities: bool
    statuses: bool
    region: bool
    countries: bool = False
    chinese_stake: bool | None = None
    abroad: bool | None = None


def shape_of(layer: Layer, query: FeatureQuery) -> Shape:
    return Shape(
        layer.name,
        query.bbox is not None,
        bool(query.commodities),
        bool(query.statuses),
        query.region is not None,
        bool(query.countries),
        query.chinese_stake,
        query.abroad,
    )


def region_range(code: str) -> tuple[str, str]:
    """A GB/T 2260 code covers its own subdivisions: 510000 → 510000..519999, 510100 → 510100..510199."""
    if code.endswith("0000"):
        return code, code[:2] + "9999"
    if code.endswith("00"):
        return code, code[:4] + "99"
    return code, code


def parameters(query: FeatureQuery, count_limit: int = 0) -> dict[str, Any]:
    """The bound values of a query, named as in the cached statements."""
    values: dict[str, Any] = {
        "limit": query.limit,
        "fetch": query.limit + 1,
        "offset": query.offset,
        "count_cap": count_limit + 1,
    }
    if query.bbox is not None:
        b = query.bbox
        values.update(minx=b.minx, miny=b.miny, maxx=b.maxx, maxy=b.maxy)
    if query.commodities:
        values["commodities"] = list(query.commodities)
    if query.statuses:
        values["statuses"] = list(query.statuses)
    if query.region:
        values["region_low"], values["region_high"] = region_range(query.region)
    if query.countries:
        values["countries"] = list(query.countries)
    return values


def where_clauses(layer: Layer, shape: Shape) -> list[ColumnElement[bool]]:
    """The filter conditions: every column comes from the layer, every value is a bind parameter."""
    t = layer.table
    conditions: list[ColumnElement[bool]] = []
    if shape.bbox:
        corners = (bindparam(name, type_=Float) for name in ("minx", "miny", "maxx", "maxy"))
        conditions.append(func.ST_Intersects(t.c.geom, func.ST_MakeEnvelope(*corners, 4326)))
    if shape.commodities:
        link = layer.commodity_link
        codes = bindparam("commodities", type_=ARRAY(String))
        conditions.append(
            exists().where(link.c[layer.commodity_fk] == t.c.id, link.c.commodity_code == func.any(codes))
        )
    if shape.statuses:
        conditions.append(t.c[layer.status_column] == func.any(bindparam("statuses", type_=ARRAY(String))))
    if shape.region:
        conditions.append(
            t.c.region_code.between(bindparam("region_low", type_=String), bindparam("region_high", type_=String))
        )
    if shape.countries:
        conditions.append(t.c.country_code == func.any(bindparam("countries", type_=ARRAY(String))))
    if shape.abroad is not None:
        conditions.append(t.c.country_code != "CN" if shape.abroad else t.c.country_code == "CN")
    if shape.chinese_stake is not None:
        held = t.c.id.in_(select(layer.chinese_stake_ids))
        conditions.append(held if shape.chinese_stake else ~held)
    return conditions


def _page_columns(layer: Layer) -> list[ColumnElement]:
    """The table columns a page needs: id and geometry, published and internal columns."""
    wanted = {"id", "geom", *layer.columns, *layer.internal_columns}
    return [column for column in layer.table.c if column.name in wanted]


def _feature_object(layer: Layer, page) -> ColumnElement:  # type: ignore[no-untyped-def]
    properties: list[ColumnElement] = []
    for name in layer.columns:
        properties += [literal(name), page.c[name]]
    for label in layer.derived(page):
        properties += [literal(label.name), label.element]
    return func.json_build_object(
        literal("type"),
        literal("Feature"),
        literal("id"),
        page.c.code,
        literal("geometry"),
        cast(func.ST_AsGeoJSON(page.c.geom, COORDINATE_DECIMALS), JSON),
        literal("properties"),
        func.json_build_object(*properties),
    )


@cache
def page_statement(shape: Shape) -> Select:
    """One row: (features as JSON text, rows fetched ≤ limit + 1)."""
    layer = LAYERS[shape.layer]
    t = layer.table
    matched = (
        select(*_page_columns(layer))
        .where(and_(True, *where_clauses(layer, shape)))
        .order_by(t.c.id)
        .limit(bindparam("fetch", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("matched")
    )
    numbered = select(matched, func.row_number().over(order_by=matched.c.id).label("rn")).subquery("page")
    rows = select(
        _feature_object(layer, numbered).label("feature"),
        numbered.c.id,
        numbered.c.rn,
    ).subquery("feature_row")
    features = func.json_agg(aggregate_order_by(rows.c.feature, rows.c.id)).filter(
        rows.c.rn <= bindparam("limit", type_=Integer)
    )
    return select(
        cast(func.coalesce(features, literal_column("'[]'::json")), Text),
        func.count(),
    ).select_from(rows)


@cache
def count_statement(shape: Shape) -> Select:
    """``count(*)`` of the matching rows, stopping at ``count_cap``."""
    layer = LAYERS[shape.layer]
    capped = (
        select(layer.table.c.id)
        .where(and_(True, *where_clauses(layer, shape)))
        .limit(bindparam("count_cap", type_=Integer))
        .subquery("capped")
    )
    return select(func.count()).select_from(capped)


@cache
def estimate_sql(shape: Shape) -> tuple[str, dict[str, Any]]:
    """``EXPLAIN`` of the matching rows as driver SQL (fixed text; values stay bound) and its constants."""
    layer = LAYERS[shape.layer]
    statement = select(layer.table.c.id).where(and_(True, *where_clauses(layer, shape)))
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    constants = {name: value for name, value in compiled.params.items() if value is not None}
    return "EXPLAIN (FORMAT JSON) " + str(compiled), constants


@cache
def feature_statement(layer_name: str) -> Select:
    """One feature by its public code, as JSON text (no row when the code is unknown)."""
    layer = LAYERS[layer_name]
    one = select(*_page_columns(layer)).where(layer.table.c.code == bindparam("code", type_=String)).subquery("one")
    return select(cast(_feature_object(layer, one), Text))


def fetch_page(conn: Connection, layer: Layer, query: FeatureQuery, count_limit: int) -> FeaturePage:
    """Run the page query and, when the page does not tell the total itself, a cheap count."""
    shape = shape_of(layer, query)
    values = parameters(query, count_limit)
    features_json, fetched = conn.execute(page_statement(shape), values).one()
    returned = min(fetched, query.limit)
    has_more = fetched > query.limit
    if not has_more and (returned or query.offset == 0):
        # The last page tells the total for free.
        return FeaturePage(features_json, returned, has_more, query.offset + returned)
    return FeaturePage(features_json, returned, has_more, _count(conn, shape, values, count_limit))


def _estimate(conn: Connection, shape: Shape, values: dict[str, Any]) -> float:
    sql_text, constants = estimate_sql(shape)
    plan = conn.exec_driver_sql(sql_text, {**constants, **values}).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])


def _count(conn: Connection, shape: Shape, values: dict[str, Any], count_limit: int) -> int | None:
    """Exact count when at most ``count_limit`` rows match, else None.

    The planner's estimate decides first: when it is far above the cap, counting would only find
    out that the cap is exceeded, at the price of reading ``count_limit`` rows. Otherwise the count
    runs, still stopping at ``count_limit + 1`` rows should the estimate have been too low.
    """
    if count_limit <= 0 or _estimate(conn, shape, values) > ESTIMATE_MARGIN * count_limit:
        return None
    total = conn.execute(count_statement(shape), values).scalar_one()
    return total if total <= count_limit else None


def fetch_feature(conn: Connection, layer: Layer, code: str) -> str | None:
    return conn.execute(feature_statement(layer.name), {"code": code}).scalar_one_or_none()
