"""Export deposits in the formats the importer reads, so that export → import changes nothing.

Columns follow the ``geoplatform`` mapping (``etl/mappings/geoplatform.toml``); commodities are one
cell, primary first; coordinates are rounded to 7 decimals like imported ones. CSV is UTF-8 with a
BOM (Excel opens it correctly). Footprints: CSV and Excel carry them as WKT (``footprint_wkt``, 17
decimals so that they re-import exactly); GeoJSON, GeoPackage and KML carry the footprint polygon as
the feature's geometry (points for deposits without one) beside the lon/lat columns; KML, whose
coordinates have 15 significant digits, also carries the WKT, which the importer prefers. A Shapefile
holds one geometry type and its text fields end at 254 bytes, so it carries the points only — and an
import of points leaves stored footprints alone.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "shp", "kml")
COLUMNS = (
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "commodities",
    "lon",
    "lat",
    "country_code",
    "region_code",
    "subdivision",
    "deposit_type",
    "stage",
    "size_class",
    "status",
    "status_as_of",
    "source",
    "grade",
    "grade_unit",
    "footprint_wkt",
)
EXPORT_SQL = text("""
    SELECT d.code, d.name, coalesce(d.name_lang, '') AS name_lang, coalesce(d.name_zh, '') AS name_zh,
           coalesce(d.name_en, '') AS name_en,
           coalesce((SELECT string_agg(dc.commodity_code, ',' ORDER BY dc.role <> 'primary', dc.commodity_code)
                     FROM deposit_commodity dc WHERE dc.deposit_id = d.id), '') AS commodities,
           round(ST_X(d.geom)::numeric, 7)::text AS lon, round(ST_Y(d.geom)::numeric, 7)::text AS lat,
           d.country_code, coalesce(d.region_code, '') AS region_code,
           coalesce(d.subdivision_code, d.subdivision_name, '') AS subdivision,
           coalesce(d.deposit_type, '') AS deposit_type,
           coalesce(d.stage, '') AS stage, coalesce(d.size_class, '') AS size_class, d.status,
           coalesce(d.status_as_of::text, '') AS status_as_of, coalesce(d.source, '') AS source,
           coalesce((SELECT dc.grade::text FROM deposit_commodity dc
                     WHERE dc.deposit_id = d.id AND dc.role = 'primary'), '') AS grade,
           coalesce((SELECT dc.grade_unit FROM deposit_commodity dc
                     WHERE dc.deposit_id = d.id AND dc.role = 'primary'), '') AS grade_unit,
           coalesce(ST_AsText(d.footprint, 17), '') AS footprint_wkt
    FROM deposit d
    WHERE d.code LIKE :pattern
    ORDER BY d.code
""")


def export_deposits(engine: Engine, output: Path, fmt: str, code_pattern: str = "%") -> int:
    """Write the deposits whose code matches ``code_pattern`` (SQL LIKE) to ``output``; return the count."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(EXPORT_SQL, {"pattern": code_pattern}).mappings().all(), columns=COLUMNS)
    if fmt == "csv":
        frame.to_csv(output, index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        frame.to_excel(output, index=False, sheet_name="deposits")
    else:
        points = gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float))
        if fmt == "shp":
            _write_shapefile(
                gpd.GeoDataFrame(frame.drop(columns="footprint_wkt"), geometry=points, crs="EPSG:4326"), output
            )
        else:
            has = frame["footprint_wkt"] != ""
            footprints = shapely.from_wkt(np.array([w or None for w in frame["footprint_wkt"]], dtype=object))
            shapes = np.where(has.to_numpy(), footprints, np.asarray(points))
            # KML writes 15 significant digits: there the exact footprint also travels as WKT text.
            attributes = frame if fmt == "kml" else frame.drop(columns="footprint_wkt")
            geo = gpd.GeoDataFrame(attributes, geometry=list(shapes), crs="EPSG:4326")
            driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "KML"}[fmt]
            options: dict[str, object] = {"layer": "deposits"} if fmt == "gpkg" else {}
            if fmt == "geojson":  # 17 decimals, so that coordinates re-import exactly
                options["layer_options"] = {"COORDINATE_PRECISION": "17"}
            geo.to_file(output, driver=driver, engine="pyogrio", **options)
    return len(frame)


def _write_shapefile(geo: gpd.GeoDataFrame, output: Path) -> None:
    """A Shapefile set with a UTF-8 .cpg; zipped when ``output`` ends in .zip (DBF names cut at 10 bytes)."""
    # Cut the names ourselves (status_as_of → status_as_); the importer's mappings accept such prefixes.
    geo = geo.rename(columns={column: column[:10] for column in COLUMNS if column in geo})
    with tempfile.TemporaryDirectory() as workdir:
        target = Path(workdir) / "deposits.shp" if output.suffix.lower() == ".zip" else output
        geo.to_file(target, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        if output.suffix.lower() == ".zip":
            with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(Path(workdir).glob("deposits.*")):
                    archive.write(part, part.name)
