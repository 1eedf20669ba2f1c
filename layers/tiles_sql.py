"""The one tile SQL builder: one ``ST_AsMVT`` query per tile, points above a layer's cluster zoom,
grid clusters at and below it.

* **Points** (z > cluster zoom): rows whose point lies in the tile envelope *widened by the tile
  buffer* (64/4096 of a tile, ``ST_TileEnvelope``'s ``margin``), so that symbols straddling a
  tile edge are drawn on both sides; tipg and pygeoapi query the bare envelope and drop them.
  The envelope is transformed into the storage CRS, so the spatial index serves. At most
  ``cap`` features per tile, in id order.
* **Clusters** (z ≤ cluster zoom): without a filter, the cells of the precomputed grid
  (``tile_cluster``, 8 × 8 cells per tile, rebuilt per data version by :mod:`layers.clusters`);
  with a filter, the same grid computed from the filtered rows of the tile. Each cluster carries
  ``count`` and counts per category and status (``c_<code>``, ``s_<code>``), so the totals of a
  tile equal its points' count.

Filters are the compiled filter tree (:mod:`layers.filter_sql`), as for every other output.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)

from geoplatform.models import tile_cluster
from layers.counts import version_column
from layers.features_sql import PLANNED_PER_RUN, where_clause
from layers.registry import LAYERS, Layer

EXTENT = 4096
BUFFER = 64
CELLS_PER_TILE = 8
HALF_WORLD = 20037508.342789244
"""Half the width of the EPSG:3857 world, in metres."""


def tile_columns(layer: Layer) -> list[str]:
    return [name for name in layer.tile_properties if name in layer.table.c]


@lru_cache(maxsize=512)
def points_statement(layer_name: str, structure: Hashable) -> Select:
    """One row: the MVT of the tile's points and the data version it was read at (bind ``z``,
    ``x``, ``y``, ``cap``). One statement, one snapshot: the tile service keys its cache by the
    version without a round trip of its own to read it."""
    layer = LAYERS[layer_name]
    t = layer.table
    z, x, y = (bindparam(name, type_=Integer) for name in ("z", "x", "y"))
    envelope = func.ST_TileEnvelope(z, x, y)
    wide = func.ST_TileEnvelope(z, x, y, literal_column(f"margin => {BUFFER / EXTENT}"))
    geometry = func.ST_AsMVTGeom(
        func.ST_Transform(t.c[layer.geometry_column], 3857), envelope, EXTENT, BUFFER, True
    ).label("geom")
    properties = [t.c[name] for name in tile_columns(layer)]
    derived = [label for label in layer.derived(t) if label.name in layer.tile_properties]
    rows = (
        select(geometry, *properties, *derived)
        .where(
            t.c[layer.geometry_column].op("&&")(func.ST_Transform(wide, layer.srid)),
            where_clause(layer, structure),
        )
        .order_by(t.c.id)
        .limit(bindparam("cap", type_=Integer))
        .subquery("tile_rows")
    )
    tile = func.ST_AsMVT(literal_column("tile_rows"), layer.name, EXTENT, "geom")
    statement = select(tile.label("tile"), version_column().label("version")).select_from(rows)
    return statement.execution_options(**PLANNED_PER_RUN)


@lru_cache(maxsize=64)
def grid_clusters_statement(layer_name: str) -> Select:
    """The MVT of a tile's precomputed clusters (bind ``z``, ``x``, ``y``).

    The grid at zoom z has 8 × 2^z cells per axis; tile (x, y) covers cx in [8x, 8x + 7] and cy
    in [8y, 8y + 7] (a primary-key range), and a cell's point lies inside its cell, so every
    cluster is in exactly one tile.
    """
    layer = LAYERS[layer_name]
    c = tile_cluster.c
    z, x, y = (bindparam(name, type_=Integer) for name in ("z", "x", "y"))
    point = func.ST_SetSRID(func.ST_MakePoint(c.x, c.y), 3857)
    cells = (
        select(
            func.ST_AsMVTGeom(point, func.ST_TileEnvelope(z, x, y), EXTENT, BUFFER, True).label("geom"),
            c.n.label("count"),
            literal_column("true").label("cluster"),
            c.counts,
        )
        .where(
            c.layer == layer.name,
            c.z == z,
            c.cx.between(x * CELLS_PER_TILE, x * CELLS_PER_TILE + CELLS_PER_TILE - 1),
            c.cy.between(y * CELLS_PER_TILE, y * CELLS_PER_TILE + CELLS_PER_TILE - 1),
        )
        .subquery("cells")
    )
    return select(func.ST_AsMVT(literal_column("cells"), layer.name, EXTENT, "geom")).select_from(cells)


def cluster_points(layer: Layer, condition: ColumnElement[bool]) -> Select:
    """Points of ``layer`` in EPSG:3857 with the codes clusters count by (``mx, my, category, status``)."""
    t = layer.table
    point = func.ST_Transform(t.c[layer.geometry_column], 3857)
    source, category = layer.cluster_category(t) if layer.cluster_category else (t, literal_column("NULL"))
    return (
        select(
            func.ST_X(point).label("mx"),
            func.ST_Y(point).label("my"),
            category.label("category"),
            t.c[layer.status_column].label("status"),
        )
        .select_from(source)
        .where(condition)
    )


def cells(points: Subquery, zoom: ColumnElement) -> Subquery:
    """Points counted per grid cell, category and status at ``zoom`` (``z, cx, cy, category, status,
    n, sx, sy``: the sums keep the mean position computable after any regrouping)."""
    cell = (2 * HALF_WORLD) / (CELLS_PER_TILE * func.power(2, zoom))
    return (
        select(
            zoom.label("z"),
            cast(func.floor((points.c.mx + HALF_WORLD) / cell), Integer).label("cx"),
            cast(func.floor((HALF_WORLD - points.c.my) / cell), Integer).label("cy"),
            points.c.category,
            points.c.status,
            func.count().label("n"),
            func.sum(points.c.mx).label("sx"),
            func.sum(points.c.my).label("sy"),
        )
        .group_by(literal_column("1"), literal_column("2"), literal_column("3"), points.c.category, points.c.status)
        .subquery("cells")
    )


def pyramid(finest: Subquery, max_zoom: int) -> Subquery:
    """The cells of every zoom 0..``max_zoom`` from those of ``max_zoom``: a cell of zoom z is the
    union of the cells of the finest grid whose indices, shifted by ``max_zoom - z`` bits, are its
    own. One pass over the points, then regroupings of far fewer rows."""
    levels = select(func.generate_series(0, max_zoom).label("z")).subquery("levels")
    shift = max_zoom - levels.c.z
    return (
        select(
            levels.c.z,
            finest.c.cx.op(">>")(shift).label("cx"),
            finest.c.cy.op(">>")(shift).label("cy"),
            finest.c.category,
            finest.c.status,
            func.sum(finest.c.n).label("n"),
            func.sum(finest.c.sx).label("sx"),
            func.sum(finest.c.sy).label("sy"),
        )
        .select_from(finest.join(levels, true()))
        .group_by(literal_column("1"), literal_column("2"), literal_column("3"), finest.c.category, finest.c.status)
        .subquery("pyramid")
    )


def clusters(points: Subquery, zoom: ColumnElement) -> Subquery:
    """Grid clusters of ``points`` at ``zoom`` (a bound value): ``z, cx, cy, n, x, y, counts``."""
    return summarise(cells(points, zoom))


def grid(points: Subquery, max_zoom: int) -> Subquery:
    """Grid clusters of ``points`` at every zoom 0..``max_zoom``, for ``tile_cluster``."""
    return summarise(pyramid(cells(points, literal(max_zoom, Integer)), max_zoom))


def summarise(per_cell: Subquery) -> Subquery:
    """One row per cell: ``z, cx, cy, n, x, y, counts`` with ``counts`` = {"c_<category>": n, "s_<status>": n}."""
    key = (per_cell.c.z, per_cell.c.cx, per_cell.c.cy)

    def counts(column: ColumnElement, prefix: str, name: str) -> Subquery:
        grouped = (
            select(*key, column.label("code"), func.sum(per_cell.c.n).label("n")).group_by(*key, column).subquery()
        )
        label = func.concat(prefix, func.coalesce(grouped.c.code, "none"))
        return (
            select(grouped.c.z, grouped.c.cx, grouped.c.cy, func.jsonb_object_agg(label, grouped.c.n).label("counts"))
            .group_by(grouped.c.z, grouped.c.cx, grouped.c.cy)
            .subquery(name)
        )

    by_category = counts(per_cell.c.category, "c_", "by_category")
    by_status = counts(per_cell.c.status, "s_", "by_status")
    totals = (
        select(
            *key,
            func.sum(per_cell.c.n).label("n"),
            (func.sum(per_cell.c.sx) / func.sum(per_cell.c.n)).label("x"),
            (func.sum(per_cell.c.sy) / func.sum(per_cell.c.n)).label("y"),
        )
        .group_by(*key)
        .subquery("totals")
    )

    def same_cell(other: Subquery) -> ColumnElement[bool]:
        return and_(other.c.z == totals.c.z, other.c.cx == totals.c.cx, other.c.cy == totals.c.cy)

    return (
        select(
            totals.c.z,
            cast(totals.c.cx, Integer).label("cx"),
            cast(totals.c.cy, Integer).label("cy"),
            cast(totals.c.n, Integer).label("n"),
            totals.c.x,
            totals.c.y,
            by_category.c.counts.op("||")(by_status.c.counts).label("counts"),
        )
        .select_from(totals.join(by_category, same_cell(by_category)).join(by_status, same_cell(by_status)))
        .subquery("clusters")
    )


@lru_cache(maxsize=512)
def filtered_clusters_statement(layer_name: str, structure: Hashable) -> Select:
    """The MVT of clusters computed from the filtered rows of one tile (bind ``z``, ``x``, ``y``)."""
    layer = LAYERS[layer_name]
    t = layer.table
    z, x, y = (bindparam(name, type_=Integer) for name in ("z", "x", "y"))
    envelope = func.ST_TileEnvelope(z, x, y)
    in_tile = t.c[layer.geometry_column].op("&&")(func.ST_Transform(envelope, layer.srid))
    points = cluster_points(layer, and_(in_tile, where_clause(layer, structure))).subquery("points")
    grid = clusters(points, z)
    point = func.ST_SetSRID(func.ST_MakePoint(grid.c.x, grid.c.y), 3857)
    cells = select(
        func.ST_AsMVTGeom(point, envelope, EXTENT, BUFFER, True).label("geom"),
        grid.c.n.label("count"),
        literal_column("true").label("cluster"),
        grid.c.counts,
    ).subquery("cells")
    statement = select(func.ST_AsMVT(literal_column("cells"), layer.name, EXTENT, "geom")).select_from(cells)
    return statement.execution_options(**PLANNED_PER_RUN)
