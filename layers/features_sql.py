"""The one SQL builder for features: PostGIS assembles the GeoJSON, Python only splices text.

A page query selects the matching rows in id order (``LIMIT n+1`` tells whether a next page
exists without counting), computes derived properties for the returned rows only, and aggregates
them with ``json_agg``; the result arrives as one text value that goes to the client untouched.

Statements are built once per layer and filter *structure* (the filter tree with its literals
lifted into bind parameters, :func:`layers.filter_tree.lift`) and reused: building a SQLAlchemy
statement with nested subqueries costs milliseconds, more than the query itself on a
small page. Every client value travels as a bound parameter.

``numberMatched`` is free on the last page; otherwise it is the exact count kept per layer, filter
and data version (:mod:`layers.counts`), counted once within a time budget and omitted when the
budget does not suffice.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from geoplatform.database import CUSTOM_PLAN
from layers.counts import cached_count, current_version, freeze, version_column
from layers.crs import CRS, CRS84
from layers.filter_sql import bind_values, compile_structure
from layers.filter_tree import lift
from layers.query import FeatureQuery
from layers.registry import LAYERS, Layer

PLANNED_PER_RUN = {CUSTOM_PLAN: True}
"""Execution options of the statements whose plan depends on their values (geoplatform.database)."""


@dataclass(frozen=True)
class FeaturePage:
    features_json: str
    """The encoded features as PostGIS wrote them (a JSON array, or GML members)."""
    number_returned: int
    has_more: bool
    number_matched: int | None
    """Exact count, or None when more than ``count_limit`` features match."""


NO_FILTER: Hashable = ("all",)
"""The structure of a query without a filter."""


def structure_of(query: FeatureQuery) -> tuple[Hashable, dict[str, Any]]:
    """The query's filter structure (the statement cache key) and its bound filter values."""
    if query.filter is None:
        return NO_FILTER, {}
    structure, values = lift(query.filter)
    return structure, bind_values(values)


def parameters(query: FeatureQuery) -> dict[str, Any]:
    """The bound values of a query, named as in the cached statements."""
    return {
        **structure_of(query)[1],
        "limit": query.limit,
        "fetch": query.limit + 1,
        "offset": query.offset,
    }


def base_clause(layer: Layer) -> ColumnElement[bool]:
    """The rows of the table that make up the layer."""
    return layer.base(layer.table) if layer.base is not None else true()


def where_clause(layer: Layer, structure: Hashable) -> ColumnElement[bool]:
    """The layer's rows that match the filter: compiled from the structure, every value bound."""
    if structure == NO_FILTER:
        return base_clause(layer)
    return and_(base_clause(layer), compile_structure(layer.name, structure))


def _page_columns(layer: Layer, *extra: str) -> list[ColumnElement]:
    """The table columns a page needs: id and geometry, published and internal columns (and ``extra``)."""
    wanted = {"id", layer.id_name, layer.geometry_column, *layer.columns, *layer.internal_columns, *extra}
    return [column for column in layer.table.c if column.name in wanted]


def output_geometry(geometry: ColumnElement, storage_srid: int, crs: CRS, multi: bool = False) -> ColumnElement:
    """The stored geometry in the requested CRS and that CRS's axis order (``multi``: as a
    multi-geometry, for layers that mix polygons and multipolygons)."""
    if multi:
        geometry = func.ST_Multi(geometry)
    if crs.srid != storage_srid:
        geometry = func.ST_Transform(geometry, crs.srid)
    return func.ST_FlipCoordinates(geometry) if crs.y_first else geometry


def _feature_object(layer: Layer, page, crs: CRS = CRS84) -> ColumnElement:  # type: ignore[no-untyped-def]
    geometry = output_geometry(page.c[layer.geometry_column], layer.srid, crs, layer.multi)
    properties: list[ColumnElement] = []
    for name in layer.columns:
        properties += [literal(name), page.c[name]]
    for label in layer.derived(page):
        properties += [literal(label.name), label.element]
    return func.json_build_object(
        literal("type"),
        literal("Feature"),
        literal("id"),
        page.c[layer.id_name],
        literal("geometry"),
        cast(func.ST_AsGeoJSON(geometry, crs.decimals, 0), JSON),
        literal("properties"),
        func.json_build_object(*properties),
    )


Sort = tuple[tuple[str, bool], ...]
"""``((queryable, descending), …)``: the requested order; the id always follows, so paging is stable."""


def matched_page(layer: Layer, structure: Hashable, sort: Sort = ()) -> Subquery:
    """The matching half shared by every encoder: one page of rows, numbered ``rn`` in page order.

    The rows are ordered and cut in the inner query (the index on the order serves); the outer
    numbering repeats the order over at most ``limit + 1`` rows, so encoders aggregate by ``rn``.
    """
    t = layer.table
    sort_columns = [layer.queryables[name].column or name for name, _ in sort]

    def order(source: FromClause) -> list[ColumnElement]:
        keys = [
            source.c[column].desc() if descending else source.c[column]
            for column, (_, descending) in zip(sort_columns, sort, strict=True)
        ]
        return [*keys, source.c.id]

    matched = (
        select(*_page_columns(layer, *sort_columns))
        .where(where_clause(layer, structure))
        .order_by(*order(t))
        .limit(bindparam("fetch", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("matched")
    )
    return select(matched, func.row_number().over(order_by=order(matched)).label("rn")).subquery("page")


@lru_cache(maxsize=1024)
def page_statement(layer_name: str, structure: Hashable, crs: CRS = CRS84, sort: Sort = ()) -> Select:
    """One row: (features as JSON text, rows fetched ≤ limit + 1, data version)."""
    layer = LAYERS[layer_name]
    numbered = matched_page(layer, structure, sort)
    rows = select(
        _feature_object(layer, numbered, crs).label("feature"),
        numbered.c.rn,
    ).subquery("feature_row")
    features = func.json_agg(aggregate_order_by(rows.c.feature, rows.c.rn)).filter(
        rows.c.rn <= bindparam("limit", type_=Integer)
    )
    return (
        select(
            cast(func.coalesce(features, literal_column("'[]'::json")), Text),
            func.count(),
            version_column(),
        )
        .select_from(rows)
        .execution_options(**PLANNED_PER_RUN)
    )


@lru_cache(maxsize=1024)
def count_statement(layer_name: str, structure: Hashable) -> Select:
    """``count(*)`` of the matching rows."""
    layer = LAYERS[layer_name]
    return (
        select(func.count())
        .select_from(layer.table)
        .where(where_clause(layer, structure))
        .execution_options(**PLANNED_PER_RUN)
    )


@lru_cache(maxsize=64)
def feature_statement(layer_name: str, crs: CRS = CRS84) -> Select:
    """One feature by its public code, as JSON text (no row when the code is unknown)."""
    layer = LAYERS[layer_name]
    one = (
        select(*_page_columns(layer))
        .where(layer.id_column == bindparam("code", type_=String), base_clause(layer))
        .subquery("one")
    )
    return select(cast(_feature_object(layer, one, crs), Text))


def fetch_page(
    conn: Connection,
    layer: Layer,
    query: FeatureQuery,
    count_budget_ms: int,
    crs: CRS = CRS84,
    statement: Select | None = None,
) -> FeaturePage:
    """Run a page statement (GeoJSON unless another encoder's is given); when the page does not
    tell the total itself, the cached exact count."""
    structure = structure_of(query)[0]
    values = parameters(query)
    statement = statement if statement is not None else page_statement(layer.name, structure, crs, query.sort)
    body, fetched, version = conn.execute(statement, values).one()
    returned = min(fetched, query.limit)
    has_more = fetched > query.limit
    if not has_more and (returned or query.offset == 0):
        # The last page tells the total for free.
        return FeaturePage(body, returned, has_more, query.offset + returned)
    return FeaturePage(body, returned, has_more, count_matches(conn, layer, query, count_budget_ms, version))


def count_matches(
    conn: Connection, layer: Layer, query: FeatureQuery, count_budget_ms: int, version: int | None = None
) -> int | None:
    """The exact number of matches (cached per data version), None when it cannot be had in time."""
    structure, filter_values = structure_of(query)
    if version is None:
        version = current_version(conn)
    key = (layer.name, structure, freeze(filter_values))
    return cached_count(conn, key, count_statement(layer.name, structure), filter_values, version, count_budget_ms)


def fetch_feature(conn: Connection, layer: Layer, code: str, crs: CRS = CRS84) -> str | None:
    return conn.execute(feature_statement(layer.name, crs), {"code": code}).scalar_one_or_none()
