"""Downloads of any items query: GeoJSON, CSV (UTF-8 with BOM, for Excel), GeoPackage, zipped
Shapefile (with a ``.cpg``) and KML — streamed, so that a million features never sit in memory.

The rows are the same matches as a page (the compiled filter tree), read through a server-side
cursor in chunks. GeoJSON is written by PostGIS feature by feature and passed through; CSV rows are
formatted per chunk; the GDAL formats are appended chunk by chunk to a temporary file (pyogrio)
that is then streamed and removed.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Hashable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyogrio
from sqlalchemy import Engine, Select, Text, cast, func, select

from layers.crs import CRS, CRS84
from layers.features_sql import _feature_object, where_clause
from layers.gml_sql import property_types
from layers.registry import LAYERS, Layer

CHUNK = 5000
FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
}
GDAL_DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "kml": "KML"}
ARROW_TYPES = {"xs:boolean": pa.bool_(), "xs:double": pa.float64(), "xs:integer": pa.int64()}


def _matches(layer: Layer, structure: Hashable) -> Any:
    """Every row of the layer that matches, in id order (no page window)."""
    t = layer.table
    return select(t).where(where_clause(layer, structure)).order_by(t.c.id).subquery("rows")


@lru_cache(maxsize=256)
def geojson_rows(layer_name: str, structure: Hashable, crs: CRS) -> Select:
    layer = LAYERS[layer_name]
    rows = _matches(layer, structure)
    return select(cast(_feature_object(layer, rows, crs), Text)).order_by(rows.c.id)


@lru_cache(maxsize=256)
def table_rows(layer_name: str, structure: Hashable, crs: CRS) -> Select:
    """Properties (arrays joined with ``;``) and the geometry as WKB in ``crs``, x first."""
    layer = LAYERS[layer_name]
    rows = _matches(layer, structure)
    geometry = rows.c[layer.geometry_column]
    if layer.multi:
        geometry = func.ST_Multi(geometry)
    if crs.srid != layer.srid:
        geometry = func.ST_Transform(geometry, crs.srid)
    columns: list[Any] = [rows.c[name] for name in layer.columns]
    for label in layer.derived(rows):
        value = label.element
        if label.name in ("commodities", "deposits"):
            value = func.array_to_string(value, ";")
        columns.append(value.label(label.name))
    return select(
        *columns,
        func.ST_X(func.ST_PointOnSurface(geometry)).label("x"),
        func.ST_Y(func.ST_PointOnSurface(geometry)).label("y"),
        func.ST_AsBinary(geometry).label("wkb"),
    ).order_by(rows.c.id)


def _stream(engine: Engine, statement: Select, values: dict[str, Any]) -> Iterator[Any]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(statement, values)
        yield from result.partitions(CHUNK)


def geojson_download(engine: Engine, layer: Layer, structure: Hashable, values: dict, crs: CRS) -> Iterator[bytes]:
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for chunk in _stream(engine, geojson_rows(layer.name, structure, crs), values):
        text = ",\n".join(row[0] for row in chunk)
        yield ((b"" if first else b",\n") + text.encode())
        first = False
    yield b"]}\n"


def csv_download(engine: Engine, layer: Layer, structure: Hashable, values: dict, crs: CRS) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so that Excel reads Chinese names correctly."""
    statement = table_rows(layer.name, structure, crs)
    axes = ("lon", "lat") if crs.srid in (4326, 4490) else ("x", "y")
    header = [c.name for c in statement.selected_columns if c.name not in ("x", "y", "wkb")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*header, *axes])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for chunk in _stream(engine, statement, values):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in chunk:
            writer.writerow([*("" if v is None else v for v in row[: len(header)]), row[-3], row[-2]])
        yield buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    """Numbers and flags stay typed; decimals become floats; dates and text become text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _short_names(names: list[str]) -> list[str]:
    """Unique field names of at most 10 characters (the dBASE limit of a Shapefile)."""
    short: list[str] = []
    for name in names:
        candidate, n = name[:10], 1
        while candidate in short:
            suffix = str(n)
            candidate, n = name[: 10 - len(suffix)] + suffix, n + 1
        short.append(candidate)
    return short


def gdal_download(
    engine: Engine, layer: Layer, structure: Hashable, values: dict, crs: CRS, kind: str
) -> tuple[Path, Path]:
    """Write the matches to a temporary GeoPackage, Shapefile (zipped) or KML; (file, its folder)."""
    folder = Path(tempfile.mkdtemp(prefix="geoplatform-download-"))
    target_crs = CRS84 if kind == "kml" else crs  # KML is WGS 84 longitude/latitude by definition
    statement = table_rows(layer.name, structure, target_crs)
    names = [c.name for c in statement.selected_columns if c.name not in ("x", "y", "wkb")]
    fields = _short_names(names) if kind == "shp" else names
    path = folder / f"{layer.name}.{kind}"
    kinds = {name: ARROW_TYPES.get(xs, pa.string()) for name, xs in property_types(layer)}
    written = False
    # An empty result is still a valid, empty file of the asked format: one write of no rows.
    for chunk in _chunks_or_empty(_stream(engine, statement, values)):
        cells = zip(*[row[: len(names)] for row in chunk], strict=True) if chunk else [[] for _ in names]
        arrays = [
            pa.array([_cell(v) for v in column], type=kinds[name]) for name, column in zip(names, cells, strict=True)
        ]
        geometry = pa.array([bytes(row[-1]) for row in chunk], type=pa.binary())
        pyogrio.write_arrow(
            pa.Table.from_arrays([*arrays, geometry], names=[*fields, "geometry"]),
            path,
            layer=layer.name,
            driver=GDAL_DRIVERS[kind],
            geometry_name="geometry",
            geometry_type=layer.geometry_type,
            crs=f"EPSG:{target_crs.srid}",
            encoding="UTF-8" if kind == "shp" else None,
            append=written,
        )
        written = True
    if kind != "shp":
        return path, folder
    archive = folder / f"{layer.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(folder.glob(f"{layer.name}.*")):
            if part.suffix != ".zip":
                bundle.write(part, part.name)
        if not (folder / f"{layer.name}.cpg").exists():
            bundle.writestr(f"{layer.name}.cpg", "UTF-8")
    return archive, folder


def _chunks_or_empty(chunks: Iterator[Any]) -> Iterator[Any]:
    """The chunks, or one empty chunk when there are none."""
    empty = True
    for chunk in chunks:
        empty = False
        yield chunk
    if empty:
        yield []


def file_chunks(path: Path, folder: Path) -> Iterator[bytes]:
    """The file's bytes in blocks, then the temporary folder removed."""
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 16):
                yield block
    finally:
        for part in folder.iterdir():
            part.unlink()
        folder.rmdir()
