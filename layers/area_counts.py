"""Matching records counted per country or per Chinese province: what the map's choropleths show.

One ``GROUP BY`` over the same matching half as every other output (the compiled filter tree,
:func:`layers.features_sql.where_clause`), so a choropleth always agrees with the points and the
count beside the filter panel. Answers are kept per data version, filter and grouping, as exact
counts are (:mod:`layers.counts`): on 1,000,000 deposits the first answer costs one scan, every
later view of the same filter nothing.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache

from sqlalchemy import ColumnElement, Connection, Select, func, literal, select

from layers.counts import UNKNOWN, CountCache, current_version, freeze
from layers.features_sql import PLANNED_PER_RUN, structure_of, where_clause
from layers.query import FeatureQuery
from layers.registry import LAYERS, Layer

GROUPINGS = ("country", "province")
"""``country``: ISO 3166-1 alpha-2 codes; ``province``: GB/T 2260 province codes (``510000``)."""

AREA_COUNTS = CountCache(size=512)


def can_group(layer: Layer, by: str) -> bool:
    """Whether ``layer`` has the column that grouping ``by`` needs."""
    return {"country": "country_code", "province": "region_code"}[by] in layer.table.c


def _area(layer: Layer, by: str) -> ColumnElement:
    t = layer.table
    if by == "country":
        return t.c.country_code
    # A county or prefecture code belongs to the province of its first two digits.
    return func.left(t.c.region_code, 2).op("||")(literal("0000"))


@lru_cache(maxsize=256)
def area_counts_statement(layer_name: str, structure: Hashable, by: str) -> Select:
    """``(code, n)`` per area of the matching rows; rows without the area are left out."""
    layer = LAYERS[layer_name]
    area = _area(layer, by).label("code")
    return (
        select(area, func.count().label("n"))
        .select_from(layer.table)
        .where(where_clause(layer, structure), area.is_not(None))
        .group_by(area)
        .order_by(area)
        .execution_options(**PLANNED_PER_RUN)
    )


@lru_cache(maxsize=256)
def extent_statement(layer_name: str, structure: Hashable) -> Select:
    """The bounding box of the matching rows, in degrees (one row; NULLs when nothing matches)."""
    layer = LAYERS[layer_name]
    box = func.ST_Extent(func.ST_Transform(layer.table.c[layer.geometry_column], 4326))
    return (
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))
        .select_from(layer.table)
        .where(where_clause(layer, structure))
        .execution_options(**PLANNED_PER_RUN)
    )


def matching_extent(conn: Connection, layer: Layer, query: FeatureQuery) -> list[float] | None:
    """``[west, south, east, north]`` of the matching records (None when none match), cached per
    data version and filter: what a filtered map is framed on."""
    structure, values = structure_of(query)
    key = (conn.engine.url, current_version(conn), layer.name, structure, freeze(values), "extent")
    found = AREA_COUNTS.get(key)
    if found is UNKNOWN:
        row = conn.execute(extent_statement(layer.name, structure), values).one()
        found = None if row[0] is None else tuple(round(float(v), 6) for v in row)
        AREA_COUNTS.put(key, found)  # type: ignore[arg-type]
    return None if found is None else list(found)  # type: ignore[arg-type]


def area_counts(conn: Connection, layer: Layer, query: FeatureQuery, by: str) -> dict[str, int]:
    """Matching records of ``layer`` per area (``by`` one of :data:`GROUPINGS`), cached per data version."""
    structure, values = structure_of(query)
    key = (conn.engine.url, current_version(conn), layer.name, structure, freeze(values), by)
    found = AREA_COUNTS.get(key)
    if found is not UNKNOWN:
        return dict(found)  # type: ignore[arg-type]
    rows = conn.execute(area_counts_statement(layer.name, structure, by), values).all()
    counts = {code: n for code, n in rows}
    AREA_COUNTS.put(key, tuple(counts.items()))  # type: ignore[arg-type]
    return counts
