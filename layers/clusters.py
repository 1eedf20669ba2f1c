"""The precomputed cluster grid of the low-zoom tiles: built per layer and data version.

Building reads every point once per zoom level (about 5 s for 1,000,000 points and levels 0-7,
issue #9's measurement); a tile then reads a primary-key range of ``tile_cluster``. The grid is
rebuilt when the data version moved on: by the first tile request that finds it stale (under an
advisory lock, so concurrent requests wait for one build) or by ``geoplatform tiles refresh``.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, Engine, delete, func, insert, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geoplatform.models import tile_cluster, tile_cluster_state
from layers.counts import current_version
from layers.registry import Layer
from layers.tiles_sql import cluster_points, clusters

LOCK_KEY = 0x6770_7469  # "gpti": one advisory lock for all grid builds
MAX_LATITUDE = 85.0511287798


def grid_version(conn: Connection, layer: Layer) -> int | None:
    return conn.execute(
        select(tile_cluster_state.c.data_version).where(tile_cluster_state.c.layer == layer.name)
    ).scalar_one_or_none()


def build_grid(conn: Connection, layer: Layer, version: int) -> float:
    """Replace the layer's grid inside the caller's transaction; returns the seconds it took."""
    started = time.perf_counter()
    geometry = layer.table.c[layer.geometry_column]
    levels = select(func.generate_series(0, layer.cluster_max_zoom).label("z")).subquery("levels")
    points = (
        cluster_points(layer, func.ST_Y(geometry).between(-MAX_LATITUDE, MAX_LATITUDE))
        .add_columns(levels.c.z)
        .select_from(layer.table.join(levels, true()))
        .subquery("points")
    )
    grid = clusters(points, points.c.z)
    conn.execute(delete(tile_cluster).where(tile_cluster.c.layer == layer.name))
    conn.execute(
        insert(tile_cluster).from_select(
            ["layer", "z", "cx", "cy", "n", "x", "y", "counts"],
            select(
                func.cast(layer.name, tile_cluster.c.layer.type),
                grid.c.z,
                grid.c.cx,
                grid.c.cy,
                grid.c.n,
                grid.c.x,
                grid.c.y,
                grid.c.counts,
            ),
        )
    )
    seconds = time.perf_counter() - started
    upsert = pg_insert(tile_cluster_state).values(layer=layer.name, data_version=version, seconds=seconds)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["layer"], set_={"data_version": version, "seconds": seconds, "built_at": func.now()}
        )
    )
    return seconds


def ensure_grid(engine: Engine, layer: Layer, version: int) -> None:
    """Make the layer's grid current for ``version`` (one build at a time, across processes)."""
    with engine.begin() as conn:
        if grid_version(conn, layer) == version:
            return
        conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        if grid_version(conn, layer) == version:
            return
        build_grid(conn, layer, version)


def refresh_grids(engine: Engine, layers: list[Layer]) -> dict[str, float]:
    """Rebuild every layer's grid now (after an import); the seconds each took."""
    took = {}
    with engine.begin() as conn:
        conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        version = current_version(conn)
        for layer in layers:
            took[layer.name] = build_grid(conn, layer, version)
    return took
