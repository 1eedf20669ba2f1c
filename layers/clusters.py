"""The precomputed cluster grid of the low-zoom tiles: built per layer and data version.

Building reads every point once, counts it into the cells of the finest clustered zoom, and derives
the coarser zooms from those cells (``layers.tiles_sql.pyramid``); a tile then reads a primary-key
range of ``tile_cluster``. The time it takes on 1,000,000 points is in docs/benchmarks.md. The grid is
rebuilt when its source moved on (the layer's rows, positions, status or commodities: the counter of
``grid_source_version``, migration 0011; other writes leave it alone): in the background, started by
the first tile request that finds it stale (tiles are clustered from their rows until it is done),
or by ``geoplatform tiles refresh`` after an import.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geoplatform.models import grid_source_version, tile_cluster, tile_cluster_state
from layers.counts import current_version, version_column
from layers.registry import Layer
from layers.tiles_sql import cluster_points
from layers.tiles_sql import grid as clusters_grid

LOCK_KEY = 0x6770_7469  # "gpti": one advisory lock for all grid builds
MAX_LATITUDE = 85.0511287798


def source_version(conn: Connection, layer: Layer) -> int:
    """The counter of the rows the layer's grid is built from (0 before their first write)."""
    found = conn.execute(
        select(grid_source_version.c.version).where(grid_source_version.c.source == layer.table.name)
    ).scalar_one_or_none()
    return found or 0


def grid_version(conn: Connection, layer: Layer) -> int | None:
    """The source version the layer's grid was built from (None: never built)."""
    return conn.execute(
        select(tile_cluster_state.c.source_version).where(tile_cluster_state.c.layer == layer.name)
    ).scalar_one_or_none()


def build_grid(conn: Connection, layer: Layer, version: int) -> float:
    """Replace the layer's grid inside the caller's transaction; returns the seconds it took."""
    started = time.perf_counter()
    geometry = layer.table.c[layer.geometry_column]
    points = cluster_points(layer, func.ST_Y(geometry).between(-MAX_LATITUDE, MAX_LATITUDE)).subquery("points")
    grid = clusters_grid(points, layer.cluster_max_zoom)
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
    built_from = {"data_version": version, "source_version": source_version(conn, layer), "seconds": seconds}
    upsert = pg_insert(tile_cluster_state).values(layer=layer.name, **built_from)
    conn.execute(upsert.on_conflict_do_update(index_elements=["layer"], set_={**built_from, "built_at": func.now()}))
    return seconds


_building: set[tuple[str, str]] = set()
_building_lock = threading.Lock()


_current_at: dict[tuple[str, str], int] = {}
"""Per database and layer, the data version at which its grid was last found current. Every write
to a grid's source also moves the data version, so at that version the grid stays current and the
tile service checks it once per version, not once per tile (the check was 40 % of a grid tile's
time: 3.8 of 9 ms)."""


def grid_is_current(engine: Engine, layer: Layer, version: int, conn: Connection | None = None) -> bool:
    """Whether the layer's grid was built from its source as it is at data ``version`` (read on
    ``conn`` when given, else on a connection of ``engine``). When it was not, a rebuild starts in the
    background (one per layer and database in this process; an advisory lock keeps other processes
    from building at the same time) and the caller clusters the tile's rows itself meanwhile: no
    tile request waits for a rebuild, which takes tens of seconds on a million points."""
    key = (str(engine.url), layer.name)
    if _current_at.get(key) == version:
        return True
    built = tile_cluster_state.c.source_version
    standing = select(grid_source_version.c.version).where(grid_source_version.c.source == layer.table.name)
    current = select(built == func.coalesce(standing.scalar_subquery(), 0), version_column()).where(
        tile_cluster_state.c.layer == layer.name
    )
    if conn is None:
        with engine.connect() as own:
            row = own.execute(current).one_or_none()
    else:
        row = conn.execute(current).one_or_none()
    if row is not None and row[0]:
        if row[1] == version:  # read in one statement: current at exactly this version
            _current_at[key] = version
        return True
    with _building_lock:
        if key in _building:
            return False
        _building.add(key)
    threading.Thread(target=_rebuild, args=(engine, layer, key), daemon=True, name=f"grid-{layer.name}").start()
    return False


def _rebuild(engine: Engine, layer: Layer, key: tuple[str, str]) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(select(func.set_config("statement_timeout", "0", True)))
            if not conn.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar_one():
                return  # another process is building; the next stale request will look again
            build_grid(conn, layer, current_version(conn))
    except Exception:
        logging.getLogger(__name__).exception("rebuilding the cluster grid of %s failed", layer.name)
    finally:
        with _building_lock:
            _building.discard(key)


def refresh_grids(engine: Engine, layers: list[Layer]) -> dict[str, float]:
    """Rebuild every layer's grid now (after an import); the seconds each took."""
    took = {}
    with engine.begin() as conn:
        conn.execute(select(func.set_config("statement_timeout", "0", True)))
        conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        version = current_version(conn)
        for layer in layers:
            took[layer.name] = build_grid(conn, layer, version)
    return took
