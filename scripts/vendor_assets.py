#!/usr/bin/env python3
"""Vendor the browser assets that geoplatform serves so its maps work with no internet.

What this script writes (and only this):

* ``web/static/vendor/leaflet/`` -- ``leaflet.js``, ``leaflet.css``, ``images/*.png`` and
  ``LICENSE`` copied verbatim from the npm package ``leaflet@1.9.4`` (BSD-2-Clause,
  (c) Volodymyr Agafonkin and CloudMade).
* ``web/static/basemap/countries-<res>.geojson`` -- an offline country basemap: a GeoJSON
  FeatureCollection of country Polygons/MultiPolygons decoded by this script from the
  TopoJSON file ``countries-<res>.json`` of the npm package ``world-atlas@2.0.2``
  (packaging (c) Michael Bostock, ISC licence; ``LICENSE-world-atlas`` is copied next to
  the GeoJSON). The geometry itself is Natural Earth's Admin 0 countries, version 4.1.0,
  which Natural Earth places in the public domain. ``<res>`` is ``50m`` unless that file
  would exceed :data:`MAX_BASEMAP_BYTES`, in which case ``110m`` is used instead.
  Natural Earth draws de-facto boundaries; see ``web/static/vendor/NOTICE``.

Each feature keeps the TopoJSON ``name`` property and the ISO 3166-1 numeric ``id``
(as the GeoJSON feature ``id`` and as ``properties.id``; ``null`` for the few Natural
Earth units without one, e.g. Kosovo). Coordinates are rounded to 3 decimals (about 100 m),
and rings are wound per RFC 7946 (exterior counter-clockwise, holes clockwise, planar
lon/lat).

The TopoJSON decoder below is written for this project: it applies the quantization
transform, delta-decodes each arc, reverses arcs referenced as ``~i`` (negative indexes),
stitches arcs into closed rings and assembles Polygons and MultiPolygons.

How to re-run (the only source is the npm registry, through ``npm pack``)::

    python scripts/vendor_assets.py                 # npm pack both packages into a temp dir
    python scripts/vendor_assets.py \\
        --leaflet-dir /tmp/x/leaflet/package \\
        --world-atlas-dir /tmp/x/world-atlas/package # use already extracted tarballs
    python scripts/vendor_assets.py --check          # only validate the committed basemap

Re-running with the same pinned package versions rewrites byte-identical files. The
script uses the Python 3.11 standard library only; it exits non-zero if validation fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "web" / "static" / "vendor"
LEAFLET_DIR = VENDOR_DIR / "leaflet"
BASEMAP_DIR = REPO_ROOT / "web" / "static" / "basemap"

LEAFLET_PACKAGE = "leaflet"
LEAFLET_VERSION = "1.9.4"
WORLD_ATLAS_PACKAGE = "world-atlas"
WORLD_ATLAS_VERSION = "2.0.2"

#: Largest basemap we are willing to ship to the browser; above it, fall back to 110m.
MAX_BASEMAP_BYTES = 3 * 1024 * 1024
#: Resolutions tried in order when ``--resolution auto``.
RESOLUTIONS = ("50m", "110m")
#: Decimal places kept in output coordinates.
COORD_DECIMALS = 3

#: Files copied from the leaflet package, relative to its root -> relative to LEAFLET_DIR.
LEAFLET_FILES = {
    "dist/leaflet.js": "leaflet.js",
    "dist/leaflet.css": "leaflet.css",
    "LICENSE": "LICENSE",
}

#: Expected bounding box of the feature named "China" (lon_min, lat_min, lon_max, lat_max)
#: and the tolerance, in degrees, allowed on each side.
CHINA_BBOX = (73.0, 18.0, 135.0, 54.0)
CHINA_BBOX_TOLERANCE = 2.0

Position = tuple[float, float]
Ring = list[Position]


# --------------------------------------------------------------------------- npm packages


def npm_pack(package: str, version: str, workdir: Path) -> Path:
    """Fetch ``package@version`` with ``npm pack`` into *workdir*, extract it, return its root.

    The returned path is the tarball's ``package/`` directory.
    """
    spec = f"{package}@{version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--silent"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tarball_name = result.stdout.strip().splitlines()[-1]
    tarball = workdir / tarball_name
    dest = workdir / package
    dest.mkdir()
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(dest, filter="data")
    return dest / "package"


def resolve_package_dir(path: Path, package: str, version: str) -> Path:
    """Return the package root under *path* and check it is ``package@version``.

    *path* may be the tarball's ``package/`` directory or the directory it was extracted in.
    """
    root = path / "package" if (path / "package" / "package.json").is_file() else path
    manifest_path = root / "package.json"
    if not manifest_path.is_file():
        raise SystemExit(f"{path}: no package.json found (expected an extracted npm tarball)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("name") != package or manifest.get("version") != version:
        raise SystemExit(f"{root}: is {manifest.get('name')}@{manifest.get('version')}, expected {package}@{version}")
    return root


# --------------------------------------------------------------------------- TopoJSON


def _round(value: float) -> float:
    """Round a coordinate to :data:`COORD_DECIMALS` places, turning ``-0.0`` into ``0.0``."""
    return round(value, COORD_DECIMALS) + 0.0


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Return the topology's arcs as lists of absolute, rounded ``(lon, lat)`` positions.

    With a ``transform`` the arcs are quantized and delta-encoded: each position is the
    running sum of the deltas, then scaled and translated. Without one, positions are
    already absolute. Rounding happens here, per arc, so that a border shared by two
    countries stays identical in both.
    """
    transform = topology.get("transform")
    decoded: list[Ring] = []
    for arc in topology["arcs"]:
        points: Ring = []
        if transform is not None:
            scale_x, scale_y = transform["scale"]
            translate_x, translate_y = transform["translate"]
            x = y = 0
            for delta in arc:
                x += delta[0]
                y += delta[1]
                points.append((_round(x * scale_x + translate_x), _round(y * scale_y + translate_y)))
        else:
            points = [(_round(float(p[0])), _round(float(p[1]))) for p in arc]
        decoded.append(points)
    return decoded


def stitch_ring(arc_indexes: Sequence[int], arcs: Sequence[Ring]) -> Ring:
    """Concatenate the arcs of one ring; index ``~i`` (i.e. ``-i - 1``) means arc *i* reversed.

    Consecutive arcs share an end point, which is kept once. Consecutive duplicate
    positions are dropped and the ring is closed if it is not already.
    """
    ring: Ring = []
    for index in arc_indexes:
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        for position in arc:
            if not ring or ring[-1] != position:
                ring.append(position)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def signed_area(ring: Ring) -> float:
    """Planar shoelace area of a closed ring: positive when counter-clockwise."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


def orient_polygon(rings: list[Ring]) -> list[Ring]:
    """Wind the exterior ring counter-clockwise and holes clockwise (RFC 7946 section 3.1.6)."""
    oriented: list[Ring] = []
    for number, ring in enumerate(rings):
        want_ccw = number == 0
        is_ccw = signed_area(ring) > 0
        oriented.append(ring if is_ccw == want_ccw else ring[::-1])
    return oriented


def build_polygon(ring_arcs: Sequence[Sequence[int]], arcs: Sequence[Ring]) -> list[Ring] | None:
    """Build one polygon's rings; rings that collapsed below 4 positions are dropped.

    Returns ``None`` if the exterior ring collapsed (the whole polygon is dropped).
    """
    rings = [stitch_ring(indexes, arcs) for indexes in ring_arcs]
    if not rings or len(rings[0]) < 4:
        return None
    return orient_polygon([ring for ring in rings if len(ring) >= 4])


def geometry_to_geojson(geometry: dict[str, Any], arcs: Sequence[Ring]) -> dict[str, Any] | None:
    """Convert one TopoJSON Polygon/MultiPolygon object to a GeoJSON geometry (or ``None``)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygon = build_polygon(geometry["arcs"], arcs)
        return None if polygon is None else {"type": "Polygon", "coordinates": polygon}
    if kind == "MultiPolygon":
        polygons = [p for p in (build_polygon(rings, arcs) for rings in geometry["arcs"]) if p is not None]
        if not polygons:
            return None
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}
    return None  # null geometries and non-areal types are not part of a country basemap


def topology_to_feature_collection(topology: dict[str, Any], object_name: str = "countries") -> dict[str, Any]:
    """Decode ``topology.objects[object_name]`` into a GeoJSON FeatureCollection.

    Each feature keeps ``properties.name`` and the object's ``id`` (also copied to
    ``properties.id``); objects without an areal geometry are skipped.
    """
    if topology.get("type") != "Topology":
        raise ValueError("not a TopoJSON Topology")
    arcs = decode_arcs(topology)
    collection = topology["objects"][object_name]
    members = collection["geometries"] if collection.get("type") == "GeometryCollection" else [collection]
    features: list[dict[str, Any]] = []
    for member in members:
        geometry = geometry_to_geojson(member, arcs)
        if geometry is None:
            continue
        properties = member.get("properties") or {}
        feature_id = member.get("id")
        feature: dict[str, Any] = {"type": "Feature"}
        if feature_id is not None:
            feature["id"] = feature_id
        feature["properties"] = {"name": properties.get("name"), "id": feature_id}
        feature["geometry"] = geometry
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def dump_geojson(collection: dict[str, Any]) -> bytes:
    """Serialise compactly and deterministically (UTF-8, no spaces, trailing newline)."""
    return (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- validation


def iter_polygons(geometry: dict[str, Any]) -> Iterable[list[list[list[float]]]]:
    """Yield the polygons (lists of rings) of a Polygon or MultiPolygon geometry."""
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["coordinates"]
    else:
        raise ValueError(f"unexpected geometry type {geometry['type']!r}")


def validate_feature_collection(collection: dict[str, Any]) -> dict[str, Any]:
    """Check the basemap and return a summary; ``summary["errors"]`` lists every problem.

    Checks: a FeatureCollection of Polygon/MultiPolygon features with a name; every ring
    has at least 4 positions and is closed; longitudes in [-180, 180], latitudes in
    [-90, 90]; a feature named "China" exists with a bounding box near
    :data:`CHINA_BBOX`.
    """
    errors: list[str] = []
    rings = positions = 0
    china_bbox: list[float] | None = None
    if collection.get("type") != "FeatureCollection":
        errors.append("not a FeatureCollection")
    features = collection.get("features", [])
    for feature in features:
        name = feature.get("properties", {}).get("name")
        if not name:
            errors.append(f"feature {feature.get('id')!r} has no name")
        bbox = [180.0, 90.0, -180.0, -90.0]
        try:
            polygons = list(iter_polygons(feature["geometry"]))
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            continue
        for polygon in polygons:
            for ring in polygon:
                rings += 1
                positions += len(ring)
                if len(ring) < 4:
                    errors.append(f"{name}: ring with {len(ring)} positions")
                if ring[0] != ring[-1]:
                    errors.append(f"{name}: ring not closed")
                for lon, lat in ring:
                    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                        errors.append(f"{name}: position out of range ({lon}, {lat})")
                        break
                    bbox = [min(bbox[0], lon), min(bbox[1], lat), max(bbox[2], lon), max(bbox[3], lat)]
        if name == "China":
            china_bbox = bbox
    if china_bbox is None:
        errors.append('no feature named "China"')
    elif any(abs(got - want) > CHINA_BBOX_TOLERANCE for got, want in zip(china_bbox, CHINA_BBOX, strict=True)):
        errors.append(f"China bbox {china_bbox} is not near {list(CHINA_BBOX)}")
    return {
        "features": len(features),
        "rings": rings,
        "positions": positions,
        "china_bbox": china_bbox,
        "errors": errors,
    }


# --------------------------------------------------------------------------- writers


def vendor_leaflet(package_root: Path, dest: Path = LEAFLET_DIR) -> list[Path]:
    """Copy Leaflet's dist files, its marker/layer images and LICENSE into *dest*."""
    written: list[Path] = []
    (dest / "images").mkdir(parents=True, exist_ok=True)
    for source, target in LEAFLET_FILES.items():
        shutil.copyfile(package_root / source, dest / target)
        written.append(dest / target)
    for image in sorted((package_root / "dist" / "images").glob("*.png")):
        shutil.copyfile(image, dest / "images" / image.name)
        written.append(dest / "images" / image.name)
    return written


def vendor_basemap(package_root: Path, resolution: str, dest: Path = BASEMAP_DIR) -> tuple[Path, dict[str, Any]]:
    """Decode world-atlas' countries TopoJSON, validate it and write it to *dest*.

    With ``resolution="auto"`` the finest of :data:`RESOLUTIONS` whose output fits in
    :data:`MAX_BASEMAP_BYTES` is written and any other ``countries-*.geojson`` removed.
    """
    candidates = RESOLUTIONS if resolution == "auto" else (resolution,)
    for candidate in candidates:
        topology = json.loads((package_root / f"countries-{candidate}.json").read_text(encoding="utf-8"))
        collection = topology_to_feature_collection(topology)
        payload = dump_geojson(collection)
        if resolution == "auto" and len(payload) > MAX_BASEMAP_BYTES and candidate != candidates[-1]:
            print(f"countries-{candidate}: {len(payload)} bytes > {MAX_BASEMAP_BYTES}, trying a coarser one")
            continue
        summary = validate_feature_collection(collection)
        summary["resolution"] = candidate
        summary["bytes"] = len(payload)
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / f"countries-{candidate}.geojson"
        if resolution == "auto":
            for stale in dest.glob("countries-*.geojson"):
                if stale != target:
                    stale.unlink()
        target.write_bytes(payload)
        shutil.copyfile(package_root / "LICENSE", dest / "LICENSE-world-atlas")
        return target, summary
    raise AssertionError("unreachable")


def print_summary(summary: dict[str, Any]) -> None:
    """Print a validation summary and its errors (at most 20 of them)."""
    shown = {key: value for key, value in summary.items() if key != "errors"}
    print(f"basemap: {json.dumps(shown)}")
    for error in summary["errors"][:20]:
        print(f"  ERROR {error}")
    if len(summary["errors"]) > 20:
        print(f"  ... and {len(summary['errors']) - 20} more errors")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaflet-dir", type=Path, help=f"extracted {LEAFLET_PACKAGE}@{LEAFLET_VERSION} tarball")
    parser.add_argument(
        "--world-atlas-dir", type=Path, help=f"extracted {WORLD_ATLAS_PACKAGE}@{WORLD_ATLAS_VERSION} tarball"
    )
    parser.add_argument("--resolution", choices=("auto", *RESOLUTIONS), default="auto")
    parser.add_argument("--check", action="store_true", help="only validate the basemap already written")
    args = parser.parse_args(argv)

    if args.check:
        files = sorted(BASEMAP_DIR.glob("countries-*.geojson"))
        if not files:
            print(f"no countries-*.geojson in {BASEMAP_DIR}")
            return 1
        status = 0
        for path in files:
            summary = validate_feature_collection(json.loads(path.read_text(encoding="utf-8")))
            summary["file"] = path.name
            print_summary(summary)
            status |= bool(summary["errors"])
        return status

    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as tmp:
        workdir = Path(tmp)
        if args.leaflet_dir is not None:
            leaflet_root = resolve_package_dir(args.leaflet_dir, LEAFLET_PACKAGE, LEAFLET_VERSION)
        else:
            leaflet_root = npm_pack(LEAFLET_PACKAGE, LEAFLET_VERSION, workdir)
        if args.world_atlas_dir is not None:
            atlas_root = resolve_package_dir(args.world_atlas_dir, WORLD_ATLAS_PACKAGE, WORLD_ATLAS_VERSION)
        else:
            atlas_root = npm_pack(WORLD_ATLAS_PACKAGE, WORLD_ATLAS_VERSION, workdir)

        for path in vendor_leaflet(leaflet_root):
            print(f"wrote {path.relative_to(REPO_ROOT)} ({path.stat().st_size} bytes)")
        target, summary = vendor_basemap(atlas_root, args.resolution)
        print(f"wrote {target.relative_to(REPO_ROOT)} ({summary['bytes']} bytes)")
        print_summary(summary)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
