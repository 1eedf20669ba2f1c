"""The one SQL builder for features: PostGIS assembles the GeoJSON, Python only splices text.

A page query selects the matching rows in id order (``LIMIT n+1`` tells whether a next page
exists without counting), computes derived properties for the returned rows only, and aggregates
them with ``json_agg``; the result arrives as one text value that goes to the client untouched.

``numberMatched`` costs a second, capped count: ``count(*)`` over at most ``count_limit + 1``
matching rows. Above the cap the count is left out (OGC API – Features allows that) instead of
scanning a million rows to report a number nobody pages through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Text,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from layers.query import FeatureQuery
from layers.registry import Layer

COORDINATE_DECIMALS = 6
"""Six decimals of a degree are about 0.1 m: finer than any deposit location."""


@dataclass(frozen=True)
class FeaturePage:
    features_json: str
    """The JSON array of features, as PostGIS wrote it."""
    number_returned: int
    has_more: bool
    number_matched: int | None
    """Exact count, or None when more than ``count_limit`` features match."""


def _region_range(code: str) -> tuple[str, str]:
    """A GB/T 2260 code covers its own subdivisions: 510000 → 510000..519999, 510100 → 510100..510199."""
    if code.endswith("0000"):
        return code, code[:2] + "9999"
    if code.endswith("00"):
        return code, code[:4] + "99"
    return code, code


def where_clauses(layer: Layer, query: FeatureQuery) -> list[ColumnElement[bool]]:
    """The filter conditions; every value is a bound parameter, every column comes from the layer."""
    t = layer.table
    conditions: list[ColumnElement[bool]] = []
    if query.bbox is not None:
        b = query.bbox
        envelope = func.ST_MakeEnvelope(
            *(literal(float(v), Float) for v in (b.minx, b.miny, b.maxx, b.maxy)), 4326
        )
        conditions.append(func.ST_Intersects(t.c.geom, envelope))
    if query.commodities:
        link = layer.commodity_link
        conditions.append(
            exists().where(
                link.c[layer.commodity_fk] == t.c.id,
                link.c.commodity_code.in_(query.commodities),
            )
        )
    if query.statuses:
        conditions.append(t.c[layer.status_column].in_(query.statuses))
    if query.region:
        low, high = _region_range(query.region)
        conditions.append(t.c.region_code.between(low, high))
    return conditions


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


def _page_columns(layer: Layer) -> list[ColumnElement]:
    """The table columns a page needs: id and geometry, published and internal columns."""
    wanted = {"id", "geom", *layer.columns, *layer.internal_columns}
    return [column for column in layer.table.c if column.name in wanted]


def page_sql(layer: Layer, query: FeatureQuery) -> Select:
    """One row: (features as JSON text, rows fetched ≤ limit + 1)."""
    t = layer.table
    matched = (
        select(*_page_columns(layer))
        .where(and_(True, *where_clauses(layer, query)))
        .order_by(t.c.id)
        .limit(query.limit + 1)
        .offset(query.offset)
        .subquery("matched")
    )
    numbered = select(
        matched,
        func.row_number().over(order_by=matched.c.id).label("rn"),
    ).subquery("page")
    rows = select(
        _feature_object(layer, numbered).label("feature"),
        numbered.c.id,
        numbered.c.rn,
    ).subquery("feature_row")
    features = func.json_agg(aggregate_order_by(rows.c.feature, rows.c.id)).filter(rows.c.rn <= query.limit)
    return select(
        cast(func.coalesce(features, literal_column("'[]'::json")), Text),
        func.count(),
    ).select_from(rows)


def count_sql(layer: Layer, query: FeatureQuery, cap: int) -> Select:
    """``count(*)`` of the matching rows, stopping at ``cap + 1``."""
    t = layer.table
    capped = select(t.c.id).where(and_(True, *where_clauses(layer, query))).limit(cap + 1).subquery("capped")
    return select(func.count()).select_from(capped)


def feature_sql(layer: Layer, code: str) -> Select:
    """One feature by its public code, as JSON text (no row when the code is unknown)."""
    one = select(*_page_columns(layer)).where(layer.table.c.code == code).subquery("one")
    return select(cast(_feature_object(layer, one), Text))


def fetch_page(conn: Connection, layer: Layer, query: FeatureQuery, count_limit: int) -> FeaturePage:
    """Run the page query and, when needed, the capped count."""
    features_json, fetched = conn.execute(page_sql(layer, query)).one()
    returned = min(fetched, query.limit)
    has_more = fetched > query.limit
    if not has_more:
        # The last page tells the total for free.
        matched: int | None = query.offset + returned if (returned or query.offset == 0) else None
        if matched is None:
            matched = _count(conn, layer, query, count_limit)
    else:
        matched = _count(conn, layer, query, count_limit)
    return FeaturePage(features_json, returned, has_more, matched)


def _count(conn: Connection, layer: Layer, query: FeatureQuery, count_limit: int) -> int | None:
    if count_limit <= 0:
        return None
    total = conn.execute(count_sql(layer, query, count_limit)).scalar_one()
    return total if total <= count_limit else None


def fetch_feature(conn: Connection, layer: Layer, code: str) -> str | None:
    return conn.execute(feature_sql(layer, code)).scalar_one_or_none()
