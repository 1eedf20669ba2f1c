"""A layer's bounding box in CRS84 (its own rows only), kept per data version (``ST_Extent`` reads
every row)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from layers.counts import COUNTS, UNKNOWN, current_version
from layers.features_sql import base_clause
from layers.registry import Layer

WORLD = [-180.0, -90.0, 180.0, 90.0]


def layer_extent(conn: Connection, layer: Layer) -> list[float]:
    key = (conn.engine.url, current_version(conn), "extent", layer.name)
    found = COUNTS.get(key)
    if found is not UNKNOWN:
        return found
    box = func.ST_Extent(layer.table.c[layer.geometry_column])
    corners = select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))
    row = conn.execute(corners.where(base_clause(layer))).one()
    extent = [round(v, 6) for v in row] if row[0] is not None else WORLD
    COUNTS.put(key, extent)  # type: ignore[arg-type]
    return extent
