"""Validation: each source row becomes one deposit record, or reject rows that say why.

A reject row names the source row number, the column, the offending value (shortened) and a reason.
A source row with any problem is rejected whole; nothing of it is loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from etl import coordinates as co
from etl.mapping import Resolution
from etl.normalise import ValueProblem, Vocabulary, clean, date_value, number_with_unit
from geoplatform.models import CODE_PATTERN

CODE_RE = re.compile(CODE_PATTERN)
MAX_TEXT = 500


@dataclass
class Options:
    crs: str | None = None
    """CRS of lon/lat or X/Y columns (default: CGCS2000 geographic, or the zone of a Gauss-Krüger Y)."""
    central_meridian: int | None = None
    packed_dms: bool = False
    accept_legacy_datum: bool = False
    default_status: str | None = None
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class Reject:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


RECORD_COLUMNS = (
    "row",
    "code",
    "name_zh",
    "name_en",
    "lon",
    "lat",
    "footprint",
    "region_code",
    "deposit_type",
    "stage",
    "size_class",
    "status",
    "status_as_of",
    "source",
    "commodities",
    "grade",
    "grade_unit",
)


class RowProblem(Exception):
    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class Validator:
    """Validates chunks for one import: the mapping, the options and the vocabularies stay fixed."""

    def __init__(
        self, resolution: Resolution, vocabulary: Vocabulary, options: Options, layer_crs: str | None = None
    ) -> None:
        self.resolution = resolution
        self.columns = resolution.columns
        self.vocabulary = vocabulary
        self.options = options
        self.layer_crs = layer_crs
        if options.crs:
            co.check_crs(options.crs, options.accept_legacy_datum)
        if layer_crs:
            co.check_crs(layer_crs, options.accept_legacy_datum)
        if options.central_meridian is not None:
            self.fixed_gk = co.gauss_kruger_cm(options.central_meridian)
        else:
            self.fixed_gk = None
        self.grade_unit_from_header = vocabulary.unit(resolution.units.get("grade"))
        default = options.default_status
        self.default_status = vocabulary.code_of("status", default) if default else None

    # -- per chunk --------------------------------------------------------------------------------
    def validate(self, chunk: pd.DataFrame) -> tuple[list[tuple[Any, ...]], list[Reject]]:
        accepted: list[tuple[Any, ...]] = []
        rejects: list[Reject] = []
        for row in self._rows(chunk):
            try:
                accepted.append(self._record(row))
            except RowProblem as problem:
                value = "" if problem.value is None else str(problem.value)[:200]
                rejects.append(Reject(int(row["_row"]), problem.column, value, problem.reason))
        return accepted, rejects

    @staticmethod
    def _rows(chunk: pd.DataFrame) -> Iterator[dict[str, Any]]:
        yield from chunk.to_dict("records")

    def _get(self, row: dict[str, Any], name: str) -> tuple[str, Any]:
        header = self.columns.get(name)
        return (header or name), (row.get(header) if header else None)

    def _text(self, row: dict[str, Any], name: str, required: bool = False) -> str | None:
        header, raw = self._get(row, name)
        value = clean(raw, fold=False)
        if value is None and required:
            raise RowProblem(header, raw, f"{name} is required")
        if value is not None and len(value) > MAX_TEXT:
            raise RowProblem(header, raw, f"longer than {MAX_TEXT} characters")
        return value

    def _lookup(self, row: dict[str, Any], name: str) -> str | None:
        header, raw = self._get(row, name)
        try:
            return self.vocabulary.code_of(name, raw)
        except ValueProblem as problem:
            raise RowProblem(header, raw, str(problem)) from None

    def _record(self, row: dict[str, Any]) -> tuple[Any, ...]:
        name_zh = self._text(row, "name_zh") or self._text(row, "name_en")
        if name_zh is None:
            header = self.columns.get("name_zh") or self.columns.get("name_en") or "name_zh"
            raise RowProblem(header, None, "a deposit needs a name")
        lon, lat, footprint = self._location(row)
        status = self._lookup(row, "status") or self.default_status
        if status is None:
            raise RowProblem(
                self.columns.get("status", "status"),
                None,
                "status is required (map a status column or give --default-status)",
            )
        header, raw = self._get(row, "commodities")
        try:
            commodities = self.vocabulary.commodity_list(raw)
        except ValueProblem as problem:
            raise RowProblem(header, raw, str(problem)) from None
        header, raw = self._get(row, "region_code")
        try:
            region = self.vocabulary.region(raw)
        except ValueProblem as problem:
            raise RowProblem(header, raw, str(problem)) from None
        header, raw = self._get(row, "status_as_of")
        try:
            as_of = date_value(raw, self.options.today)
        except ValueProblem as problem:
            raise RowProblem(header, raw, str(problem)) from None
        grade, grade_unit = self._grade(row, commodities)
        code = self._code(row, name_zh, lon, lat)
        return (
            int(row["_row"]),
            code,
            name_zh,
            self._text(row, "name_en"),
            lon,
            lat,
            footprint,
            region,
            self._lookup(row, "deposit_type"),
            self._lookup(row, "stage"),
            self._lookup(row, "size_class"),
            status,
            as_of,
            self._text(row, "source"),
            commodities,
            grade,
            grade_unit,
        )

    def _code(self, row: dict[str, Any], name: str, lon: float, lat: float) -> str:
        header, raw = self._get(row, "code")
        text = clean(raw)
        if text is None:
            # No code column: a stable code from name and position keeps re-imports idempotent.
            digest = hashlib.sha1(f"{name}|{lon:.5f}|{lat:.5f}".encode()).hexdigest()[:12].upper()  # noqa: S324
            return f"IMP-{digest}"
        code = re.sub(r"[\s.]+", "-", text.upper())
        if not CODE_RE.fullmatch(code):
            raise RowProblem(header, raw, "a code has 2-40 characters: letters, digits, '-' and '_'")
        return code

    def _grade(self, row: dict[str, Any], commodities: list[str]) -> tuple[float | None, str | None]:
        header, raw = self._get(row, "grade")
        try:
            value, unit_text = number_with_unit(raw)
        except ValueProblem as problem:
            raise RowProblem(header, raw, str(problem)) from None
        if value is None or (value == 0 and "grade" in self.resolution.mapping.zero_means_missing):
            return None, None
        if value < 0:
            raise RowProblem(header, raw, "a grade cannot be negative")
        unit = self.vocabulary.unit(unit_text) if unit_text else None
        if unit is None:
            _, unit_raw = self._get(row, "grade_unit")
            unit = self.vocabulary.unit(clean(unit_raw)) if clean(unit_raw) else self.grade_unit_from_header
        if unit is None:
            raise RowProblem(header, raw, "the grade has no unit (write it in the header, e.g. 品位(%), or the cell)")
        if not commodities:
            raise RowProblem(header, raw, "a grade needs a commodity")
        return value, unit

    # -- coordinates ------------------------------------------------------------------------------
    def _location(self, row: dict[str, Any]) -> tuple[float, float, bytes | None]:
        wkb = row.get("_wkb")
        if wkb is not None and not (isinstance(wkb, float) and np.isnan(wkb)):
            return self._geometry(wkb)
        if "lon" in self.columns and "lat" in self.columns:
            lon = self._angle(row, "lon")
            lat = self._angle(row, "lat")
            x, y = self._project(np.array([lon]), np.array([lat]), self.options.crs or co.CGCS2000)
            return self._check_lonlat(row, "lon", float(x[0]), float(y[0]))
        if {"lon_d", "lat_d"} <= set(self.columns):
            try:
                lon = co.dms_columns(*(self._get(row, f"lon_{p}")[1] or 0 for p in "dms"))
                lat = co.dms_columns(*(self._get(row, f"lat_{p}")[1] or 0 for p in "dms"))
            except co.CoordinateError as problem:
                raise RowProblem(self.columns["lon_d"], self._get(row, "lon_d")[1], str(problem)) from None
            return self._check_lonlat(row, "lon_d", lon, lat)
        if {"gk_x", "gk_y"} <= set(self.columns):
            return self._gauss_kruger(row)
        raise RowProblem("coordinates", None, "no coordinate columns (lon/lat, DMS columns or X/Y) are mapped")

    def _angle(self, row: dict[str, Any], name: str) -> float:
        header, raw = self._get(row, name)
        try:
            return co.parse_angle(raw, packed=self.options.packed_dms)
        except co.CoordinateError as problem:
            raise RowProblem(header, raw, str(problem)) from None

    def _project(self, x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
        return co.to_lonlat(x, y, crs)

    def _gauss_kruger(self, row: dict[str, Any]) -> tuple[float, float, None]:
        header_x, raw_x = self._get(row, "gk_x")
        header_y, raw_y = self._get(row, "gk_y")
        try:
            x = float(clean(raw_x) or "nan")
            y = float(clean(raw_y) or "nan")
        except ValueError:
            raise RowProblem(header_x, raw_x, "X/Y must be numbers in metres") from None
        if not (np.isfinite(x) and np.isfinite(y)):
            raise RowProblem(header_x, raw_x, "X/Y are missing")
        try:
            if self.fixed_gk is not None or self.options.crs:
                crs = f"EPSG:{self.fixed_gk}" if self.fixed_gk else str(self.options.crs)
            else:
                co.check_gk_pair(x, y)
                crs = f"EPSG:{co.gauss_kruger_zone(y).epsg}"
        except co.CoordinateError as problem:
            raise RowProblem(f"{header_x}/{header_y}", f"{raw_x}/{raw_y}", str(problem)) from None
        # Survey tables: X = northing, Y = easting; PROJ wants easting first.
        lon, lat = self._project(np.array([y]), np.array([x]), crs)
        return self._check_lonlat(row, "gk_x", float(lon[0]), float(lat[0]))

    def _geometry(self, wkb: bytes) -> tuple[float, float, bytes | None]:
        geometry: BaseGeometry = shapely.from_wkb(wkb)
        if geometry is None or geometry.is_empty:
            raise RowProblem("geometry", None, "empty geometry")
        if self.layer_crs and self.layer_crs not in (co.WGS84, co.CGCS2000, "OGC:CRS84"):
            transformer = co.transformer(self.layer_crs)
            geometry = shapely.transform(
                geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
            )
        kind = geometry.geom_type
        if kind == "Point":
            return self._check_lonlat({"_row": 0}, "geometry", geometry.x, geometry.y)
        if kind in ("Polygon", "MultiPolygon"):
            if not geometry.is_valid:
                geometry = shapely.make_valid(geometry)
                if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                    raise RowProblem("geometry", None, "the footprint polygon is invalid and cannot be repaired")
            point = geometry.point_on_surface()
            lon, lat, _ = self._check_lonlat({"_row": 0}, "geometry", point.x, point.y)
            multi = geometry if geometry.geom_type == "MultiPolygon" else shapely.MultiPolygon([geometry])
            return lon, lat, shapely.to_wkb(multi, hex=False)
        raise RowProblem("geometry", kind, "only points and polygons (footprints) can be imported")

    def _check_lonlat(self, row: dict[str, Any], column: str, lon: float, lat: float) -> tuple[float, float, None]:
        header = self.columns.get(column, column)
        if co.inside_china(lat, lon) and not co.inside_china(lon, lat):
            raise RowProblem(header, f"{lon}, {lat}", "longitude and latitude look swapped")
        if not co.inside_china(lon, lat):
            raise RowProblem(
                header, f"{lon:.6f}, {lat:.6f}", "the point lies outside China's extent (73-136 E, 3-54 N)"
            )
        return round(lon, 7), round(lat, 7), None
