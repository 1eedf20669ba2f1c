"""Validation: each source row becomes one deposit record, or reject rows that say why.

A reject row names the source row number, the column, the offending value (shortened) and a reason.
A source row with any problem is rejected whole; nothing of it is loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from etl import columns as cols
from etl import coordinates as co
from etl.mapping import Resolution
from etl.normalise import date_value, number_with_unit
from etl.placement import OUTSIDE_GLOBE, Placer
from etl.reasons import reason_zh
from geoplatform.errors import InvalidParameter
from geoplatform.locate import Locator
from geoplatform.models import CODE_PATTERN
from geoplatform.vocabulary import ValueProblem, Vocabulary, clean, key

HAN_PATTERN = r"[\x{3400}-\x{9fff}]"
"""CJK ideographs (RE2 syntax): a name written in them is Chinese."""

CODE_RE = re.compile(CODE_PATTERN)
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
MAX_TEXT = 500


@dataclass
class Options:
    crs: str | None = None
    """CRS of lon/lat or X/Y columns (default: CGCS2000 geographic, or the zone of a Gauss-Krüger Y)."""
    central_meridian: int | None = None
    packed_dms: bool = False
    accept_legacy_datum: bool = False
    default_status: str | None = None
    strict_regions: bool = False
    """Reject rows whose stated country or province the location contradicts (default: a warning)."""
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class Reject:
    """A row of the report: a refused row, or (``level`` warning) one loaded with a remark; row 0 is the file."""

    row: int
    column: str
    value: str
    reason: str
    level: str = "reject"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "reason_zh": reason_zh(self.reason),
            "level": self.level,
        }


RECORD_COLUMNS = (
    "row",
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "lon",
    "lat",
    "footprint",
    "country_code",
    "region_code",
    "subdivision_code",
    "subdivision_name",
    "deposit_type",
    "stage",
    "size_class",
    "status",
    "status_as_of",
    "source",
    "commodities",
    "grade",
    "grade_unit",
    "grades",
    "tonnage",
    "tonnage_unit",
)


class RowProblem(Exception):
    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class Validator:
    """Validates chunks for one import: the mapping, the options and the vocabularies stay fixed.

    Work is done a column at a time (see :mod:`etl.columns`); the checks run in a fixed order and
    each row reports its first problem.
    """

    def __init__(
        self,
        resolution: Resolution,
        vocabulary: Vocabulary,
        options: Options,
        layer_crs: str | None = None,
        locator: Locator | None = None,
    ) -> None:
        self.resolution = resolution
        self.columns = dict(resolution.columns)
        for field_name in resolution.mapping.constants:
            self.columns.setdefault(field_name, constant_header(field_name))
        self.vocabulary = vocabulary
        self.options = options
        self.layer_crs = layer_crs
        self.notes = cols.Notes()
        """Warnings of the rows validated so far (the pipeline drains them after each chunk)."""
        self.file_notes: list[str] = []
        """Warnings about the whole file (a column the table lacks …)."""
        self.placer = Placer(locator, vocabulary, self.columns, strict=options.strict_regions) if locator else None
        self.gauss_kruger_crs = False
        if options.crs:
            self.gauss_kruger_crs = co.is_gauss_kruger(co.check_crs(options.crs, options.accept_legacy_datum))
        if layer_crs:
            self.gauss_kruger_crs = co.is_gauss_kruger(co.check_crs(layer_crs, options.accept_legacy_datum))
        if options.central_meridian is not None:
            self.fixed_gk = co.gauss_kruger_cm(options.central_meridian)
        else:
            self.fixed_gk = None
        self.grade_unit_from_header = vocabulary.unit(resolution.units.get("grade"))
        self.grade_commodities = {c: self._mapped_commodity(c) for c in resolution.grade_columns}
        for _, unit in (*resolution.mapping.grades.values(), *filter(None, [resolution.mapping.tonnage])):
            if vocabulary.unit(unit) is None:
                raise InvalidParameter(
                    "The mapping gives a unit that is not in /api/v1/codelists/unit (e.g. %, g/t, Mt)."
                )
        default = options.default_status
        try:
            self.default_status = vocabulary.code_of("status", default) if default else None
        except ValueProblem:
            raise InvalidParameter(
                "--default-status must be a development status (a code, or its Chinese or English name); "
                "see /api/v1/codelists/development_status."
            ) from None
        if self.default_status is None and "status" in self.target_fields and "status" not in self.columns:
            # A table without a status column (USGS and GA tables have none): every row is loaded as
            # 'unknown', and the file says so once.
            self.default_status = "unknown"
            self.file_notes.append("the file has no status column: its rows are loaded with status unknown")

    def _single_commodity(self, raw: object, problem: ValueProblem) -> str | None:
        """The one commodity a cell names (None when empty); ``problem`` is raised when it names several
        (built at the call site with its literal message, where the reasons' translation check finds it)."""
        codes = self.vocabulary.commodity_list(raw)
        if len(codes) > 1:
            raise problem
        return codes[0] if codes else None

    def _mapped_commodity(self, name: str) -> str:
        try:
            codes = self.vocabulary.commodity_list(name)
        except ValueProblem:
            codes = []
        if len(codes) != 1:
            raise InvalidParameter(
                "The mapping's [grades] tables must be named after one commodity each (e.g. copper)."
            )
        return codes[0]

    target_fields: tuple[str, ...] = ("status",)
    """Fields of this target that :meth:`__init__` checks for (see the subclasses)."""

    # -- per chunk --------------------------------------------------------------------------------
    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        """The accepted records (columns :data:`RECORD_COLUMNS`) and one reject per refused row.

        Warnings about rows that are loaded all the same collect in :attr:`notes`.
        """
        chunk = self.prepare(chunk)
        n = len(chunk)
        p = cols.Problems(n)
        out: dict[str, Any] = {"row": chunk["_row"].to_numpy(dtype=np.int64)}
        out.update(self._names(chunk, p, "a deposit needs a name"))

        located = self._location(chunk, p)
        out["lon"], out["lat"], out["footprint"] = located.lon, located.lat, located.footprint

        status = self._lookup(chunk, "status", p)
        if self.default_status:
            status = np.where(pd.isna(status), self.default_status, status)
        p.add(
            pd.isna(status),
            self.columns.get("status", "status"),
            "",
            "status is required (map a status column or give --default-status)",
        )
        out["status"] = status

        commodities = self._per_value(chunk, "commodities", p, lambda v: tuple(self.vocabulary.commodity_list(v)), ())
        out["grades"], out["tonnage"], out["tonnage_unit"] = self._grade_columns(chunk, p)
        out["commodities"] = commodities = _with_graded(commodities, out["grades"])
        out["status_as_of"] = self._per_value(chunk, "status_as_of", p, lambda v: date_value(v, self.options.today))
        out["grade"], out["grade_unit"] = self._grade(chunk, commodities, p)
        out["code"] = self._code(chunk, out["name"], out["lon"], out["lat"], p)
        for field_name in ("deposit_type", "stage", "size_class"):
            out[field_name] = self._lookup(chunk, field_name, p)
        out["source"] = self._text(chunk, "source", p)
        out.update(self._place(chunk, located, p))

        rejects = self._rejects(out["row"], p)
        records = pd.DataFrame({name: out[name] for name in RECORD_COLUMNS})
        return records[~p.bad].reset_index(drop=True), rejects

    # -- mapping extras -------------------------------------------------------------------------
    def prepare(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The chunk with the mapping's constants as columns and its value aliases applied."""
        chunk = chunk.reset_index(drop=True)
        mapping = self.resolution.mapping
        for field_name, value in mapping.constants.items():
            if self.columns[field_name] == constant_header(field_name):
                chunk[constant_header(field_name)] = value
        for field_name, aliases in mapping.values.items():
            header = self.columns.get(field_name)
            if header is None or header not in chunk:
                continue
            values, _ = cols.per_value(chunk[header], lambda v, a=aliases: a.get(key(str(v)), v))
            chunk[header] = values
        return chunk

    def _names(self, chunk: pd.DataFrame, p: cols.Problems, required: str) -> dict[str, Any]:
        """The name as given (the generic name column, else the Chinese, else the English one) and its
        language; Chinese and English names when the file has them or the given name is one.

        A foreign record keeps the name it was given — no Chinese name is made up for it.
        """
        given = self._text(chunk, "name", p)
        zh = self._text(chunk, "name_zh", p)
        en = self._text(chunk, "name_en", p)
        language = self.resolution.mapping.name_language
        column_lang = self._per_value(chunk, "name_lang", p, _language)
        if language:
            given_lang = np.where(given.notna(), language, None)
        else:  # a name column of unknown language: Chinese when it is written in Han characters
            undecided = given.notna().to_numpy(dtype=bool) & pd.isna(column_lang)
            han = np.zeros(len(given), dtype=bool)
            if undecided.any():
                # Arrow's regex kernel: pandas' str.contains takes a Python path for this pattern (2 s a million).
                cells = pa.array(given[undecided].to_numpy(dtype=object), type=pa.string())
                han[undecided] = pc.match_substring_regex(cells, HAN_PATTERN).to_numpy(zero_copy_only=False)
            given_lang = np.where(han, "zh", None)
        given_lang = np.where(pd.notna(column_lang), column_lang, given_lang)
        name = given.where(given.notna(), zh.where(zh.notna(), en))
        lang = np.where(given.notna(), given_lang, np.where(zh.notna(), "zh", np.where(en.notna(), "en", None)))
        lang = np.where(pd.isna(lang), None, lang)
        name_zh = zh.where(zh.notna(), name.where(lang == "zh"))
        name_en = en.where(en.notna(), name.where(lang == "en"))
        header = self.columns.get("name") or self.columns.get("name_zh") or self.columns.get("name_en") or "name"
        p.add(name.isna().to_numpy(), header, "", required)
        return {"name": name, "name_lang": lang, "name_zh": name_zh, "name_en": name_en}

    def _place(self, chunk: pd.DataFrame, located: Located, p: cols.Problems) -> dict[str, Any]:
        """Country and province from the point (see :mod:`etl.placement`)."""
        n = len(chunk)
        if self.placer is None:  # a caller that places rows itself (none of geoplatform's)
            empty = np.full(n, None, dtype=object)
            return {"country_code": empty, "region_code": empty, "subdivision_code": empty, "subdivision_name": empty}
        placed = self.placer.place(chunk, located.lon, located.lat, located.gauss_kruger, located.header, p, self.notes)
        return {
            "country_code": placed.country,
            "region_code": placed.region,
            "subdivision_code": placed.subdivision_code,
            "subdivision_name": placed.subdivision_name,
        }

    def _grade_columns(self, chunk: pd.DataFrame, p: cols.Problems) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-commodity grades (USGS grade–tonnage tables: ``Copper grade`` in %, ``Gold grade`` in g/t)
        and the ore tonnage they apply to, each column with the unit the mapping gives it."""
        n = len(chunk)
        grades = _filled(n, ())
        tonnage = np.full(n, np.nan)
        tonnage_unit = np.full(n, None, dtype=object)
        resolution = self.resolution
        zero_missing = "grades" in resolution.mapping.zero_means_missing
        found: list[tuple[str, np.ndarray, str]] = []
        for commodity, header in resolution.grade_columns.items():
            if header not in chunk:
                continue
            unit = self.vocabulary.unit(resolution.mapping.grades[commodity][1])
            values = self._number_column(chunk[header], header, p, "a grade cannot be negative")
            if zero_missing:
                values[values == 0] = np.nan
            found.append((self.grade_commodities[commodity], values, str(unit)))
        if found:
            rows = [[] for _ in range(n)]
            for commodity, values, unit in found:
                for i in np.flatnonzero(~np.isnan(values)):
                    rows[i].append((commodity, float(values[i]), unit))
            grades = _filled(n, ())
            for i, row in enumerate(rows):
                if row:
                    grades[i] = tuple(row)
        header = resolution.tonnage_column
        if header is not None and header in chunk and resolution.mapping.tonnage is not None:
            tonnage = self._number_column(chunk[header], header, p, "a tonnage cannot be negative")
            if "tonnage" in resolution.mapping.zero_means_missing:
                tonnage[tonnage == 0] = np.nan
            unit = self.vocabulary.unit(resolution.mapping.tonnage[1])
            tonnage_unit = np.where(np.isnan(tonnage), None, unit)
        return grades, tonnage, tonnage_unit

    def _number_column(self, series: pd.Series, header: str, p: cols.Problems, negative: str) -> np.ndarray:
        parsed, reasons, plain = cols.numbers(series, number_with_unit)
        p.add(pd.notna(reasons), header, series, reasons)
        values = np.full(len(series), np.nan)
        values[plain] = parsed[plain].astype(float)
        for i in np.flatnonzero(pd.notna(parsed) & ~plain):
            values[i] = parsed[i][0] if parsed[i][0] is not None else np.nan
        p.add(values < 0, header, series, negative)
        return values

    # -- column helpers ---------------------------------------------------------------------------
    def _series(self, chunk: pd.DataFrame, name: str) -> tuple[str, pd.Series | None]:
        header = self.columns.get(name)
        if header is None or header not in chunk:
            return header or name, None
        return header, chunk[header]

    def _text(self, chunk: pd.DataFrame, name: str, p: cols.Problems) -> pd.Series:
        header, series = self._series(chunk, name)
        if series is None:
            return pd.Series([None] * len(chunk), dtype="str")
        values = cols.texts(series, fold=False)
        lengths = values.str.len().fillna(0).to_numpy()
        p.add(lengths > MAX_TEXT, header, series, f"longer than {MAX_TEXT} characters")
        return values

    def _per_value(
        self, chunk: pd.DataFrame, name: str, p: cols.Problems, compute: Any, missing: Any = None
    ) -> np.ndarray:
        header, series = self._series(chunk, name)
        if series is None:
            return np.full(len(chunk), missing, dtype=object) if missing is None else _filled(len(chunk), missing)
        values, reasons = cols.per_value(series, compute)
        p.add(pd.notna(reasons), header, series, reasons)
        return values

    def _lookup(self, chunk: pd.DataFrame, name: str, p: cols.Problems, codelist: str | None = None) -> np.ndarray:
        return self._per_value(chunk, name, p, lambda v: self.vocabulary.code_of(codelist or name, v))

    def _required(self, values: np.ndarray | pd.Series, name: str, p: cols.Problems, what: str) -> None:
        p.add(pd.isna(values), self.columns.get(name, name), "", f"{what} is required")

    def _quantity(
        self, chunk: pd.DataFrame, name: str, unit_name: str | None, p: cols.Problems
    ) -> tuple[np.ndarray, np.ndarray]:
        """A non-negative number with its unit: from the cell (``12.5万吨``), a unit column or the header."""
        n = len(chunk)
        header, series = self._series(chunk, name)
        values = np.full(n, np.nan)
        units = np.full(n, None, dtype=object)
        if series is None:
            return values, units
        parsed, reasons, plain = cols.numbers(series, number_with_unit)
        p.add(pd.notna(reasons), header, series, reasons)
        unit_texts = np.full(n, None, dtype=object)
        for i in np.flatnonzero(pd.notna(parsed) & ~plain):
            values[i], unit_texts[i] = parsed[i]
        values[plain] = parsed[plain].astype(float)
        has = ~np.isnan(values)
        p.add(has & (values < 0), header, series, "a quantity cannot be negative")
        units[:] = [self.vocabulary.unit(u) if u else None for u in unit_texts]
        p.add(has & pd.notna(unit_texts) & pd.isna(units), header, series, "unknown unit (see /api/v1/codelists/unit)")
        if unit_name is not None:
            _, unit_column = self._series(chunk, unit_name)
            if unit_column is not None:
                from_column, _ = cols.per_value(
                    unit_column, lambda v: self.vocabulary.unit(clean(v)) if clean(v) else None
                )
                units = np.where(pd.isna(units), from_column, units)
        units = np.where(pd.isna(units), self.vocabulary.unit(self.resolution.units.get(name)), units)
        p.add(has & pd.isna(units), header, series, "the quantity has no unit (write it in the header or the cell)")
        units[~has] = None
        return values, units

    def _rejects(self, rows: np.ndarray, p: cols.Problems) -> list[Reject]:
        bad = p.bad
        return [
            Reject(int(row), str(column), value, str(reason))
            for row, column, value, reason in zip(
                rows[bad], p.column[bad], cols.as_strings(p.value[bad]), p.reason[bad], strict=True
            )
        ]

    def _code(
        self, chunk: pd.DataFrame, name: pd.Series, lon: np.ndarray, lat: np.ndarray, p: cols.Problems
    ) -> pd.Series:
        header, series = self._series(chunk, "code")
        given = pd.Series([None] * len(chunk), dtype="str") if series is None else cols.texts(series, fold=True)
        missing = given.isna().to_numpy()
        codes = given.str.upper()
        prefix = self.resolution.mapping.code_prefix
        if prefix and series is not None:
            codes = (prefix + codes).where(~pd.isna(codes))
        spaced = codes.str.contains(r"[\s.]", regex=True).fillna(False).to_numpy(dtype=bool)
        if spaced.any():  # only the few codes that need it pay for the substitution
            codes = codes.copy()
            codes.iloc[np.flatnonzero(spaced)] = codes.iloc[np.flatnonzero(spaced)].str.replace(
                r"[\s.]+", "-", regex=True
            )
        valid = codes.str.fullmatch(CODE_PATTERN).fillna(False).to_numpy(dtype=bool)
        if series is not None:
            p.add(~missing & ~valid, header, series, "a code has 2-40 characters: letters, digits, '-' and '_'")
        # No code: a stable code from name and position keeps re-imports idempotent.
        derive = np.flatnonzero(missing & ~p.bad)
        if len(derive):
            codes = codes.astype(object)
            codes.iloc[derive] = [
                "IMP-" + hashlib.sha1(f"{name.iat[i]}|{lon[i]:.5f}|{lat[i]:.5f}".encode()).hexdigest()[:12].upper()  # noqa: S324
                for i in derive
            ]
        return codes

    def _grade(self, chunk: pd.DataFrame, commodities: np.ndarray, p: cols.Problems) -> tuple[np.ndarray, np.ndarray]:
        n = len(chunk)
        header, series = self._series(chunk, "grade")
        grades = np.full(n, np.nan)
        units = np.full(n, None, dtype=object)
        if series is None:
            return grades, units
        parsed, reasons, plain = cols.numbers(series, number_with_unit)
        p.add(pd.notna(reasons), header, series, reasons)
        unit_texts = np.full(n, None, dtype=object)
        for i in np.flatnonzero(pd.notna(parsed) & ~plain):
            grades[i], unit_texts[i] = parsed[i]
        grades[plain] = parsed[plain].astype(float)
        if "grade" in self.resolution.mapping.zero_means_missing:
            grades[grades == 0] = np.nan
        has = ~np.isnan(grades)
        p.add(has & (grades < 0), header, series, "a grade cannot be negative")
        units[:] = [self.vocabulary.unit(u) if u else None for u in unit_texts]
        _, unit_column = self._series(chunk, "grade_unit")
        if unit_column is not None:
            from_column, _ = cols.per_value(unit_column, lambda v: self.vocabulary.unit(clean(v)) if clean(v) else None)
            units = np.where(pd.isna(units), from_column, units)
        units = np.where(pd.isna(units), self.grade_unit_from_header, units)
        p.add(
            has & pd.isna(units),
            header,
            series,
            "the grade has no unit (write it in the header, e.g. 品位(%), or the cell)",
        )
        no_commodity = np.fromiter((not c for c in commodities), dtype=bool, count=n)
        p.add(has & no_commodity, header, series, "a grade needs a commodity")
        units[~has] = None
        return grades, units

    # -- coordinates ------------------------------------------------------------------------------
    def _location(self, chunk: pd.DataFrame, p: cols.Problems) -> Located:
        n = len(chunk)
        lon = np.full(n, np.nan)
        lat = np.full(n, np.nan)
        footprint = np.full(n, None, dtype=object)
        has_wkb = np.zeros(n, dtype=bool)
        wkb_column = "_wkb"
        if "geometry" in self.columns and self.columns["geometry"] in chunk:
            # A geometry written in a text column (WKT, hex WKB/EWKB or GeoJSON), as CSV exports of GIS
            # tables carry it: read it as if the file had a geometry.
            header, series = self._series(chunk, "geometry")
            assert series is not None
            cells, reasons = cols.per_value(series, geometry_cell)
            p.add(pd.notna(reasons), header, series, reasons)
            chunk = chunk.assign(_geometry_cell=cells)
            wkb_column = "_geometry_cell"
        if wkb_column in chunk:
            has_wkb = chunk[wkb_column].map(lambda v: isinstance(v, bytes | bytearray)).to_numpy(dtype=bool)
            for i in np.flatnonzero(has_wkb):
                try:
                    lon[i], lat[i], footprint[i] = self._geometry(chunk[wkb_column].iat[i])
                except RowProblem as problem:
                    p.add(
                        _one(n, i), problem.column, "" if problem.value is None else str(problem.value), problem.reason
                    )
        rest = ~has_wkb
        if "lon" in self.columns and "lat" in self.columns and has_wkb.any():
            # A footprint polygon with lon/lat columns (geoplatform's own export): the point is the columns'.
            given = (
                cols.texts(chunk[self.columns["lon"]], fold=True).notna().to_numpy()
                if self.columns["lon"] in chunk
                else np.zeros(n, dtype=bool)
            )
            rest |= has_wkb & pd.notna(footprint) & given
        if "footprint" in self.columns:
            self._footprint_column(chunk, p, footprint)
        gauss_kruger = has_wkb & self.gauss_kruger_crs
        header = "geometry"
        if not rest.any():
            return Located(lon, lat, footprint, gauss_kruger, header)
        sub = chunk[rest]
        if "lon" in self.columns and "lat" in self.columns:
            x, column = self._angles(sub, "lon", p, rest)
            y, _ = self._angles(sub, "lat", p, rest)
            x, y = co.to_lonlat(x, y, self.options.crs or co.CGCS2000)
            gauss_kruger[rest] = self.gauss_kruger_crs
        elif {"lon_d", "lat_d"} <= set(self.columns):
            x, y, column = self._dms_columns(sub, p, rest)
        elif {"gk_x", "gk_y"} <= set(self.columns):
            x, y, column = self._gauss_kruger(sub, p, rest)
            gauss_kruger[rest] = True
        else:
            p.add(rest, "coordinates", "", "no coordinate columns (lon/lat, DMS columns or X/Y) are mapped")
            return Located(lon, lat, footprint, gauss_kruger, header)
        lon[rest], lat[rest] = x, y
        self._check_globe(p, rest, column, lon, lat)
        return Located(np.round(lon, 7), np.round(lat, 7), footprint, gauss_kruger, self.columns.get(column, column))

    def _footprint_column(self, chunk: pd.DataFrame, p: cols.Problems, footprint: np.ndarray) -> None:
        """Footprints written as WKT in a text column (in the CRS of the lon/lat columns).

        The text wins over a polygon geometry of the same row (it is exact where KML is not); an empty
        cell without a polygon clears a stored footprint (``b""``); a file without the column leaves it.
        """
        header, series = self._series(chunk, "footprint")
        if series is None:
            return
        values = cols.texts(series, fold=True)
        crs = self.options.crs
        reproject = None
        if crs and crs not in (co.WGS84, co.CGCS2000, "OGC:CRS84"):
            transformer = co.transformer(crs)

            def reproject(xy: np.ndarray) -> np.ndarray:
                return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

        given = values.notna().to_numpy(dtype=bool)
        # An empty cell and no polygon geometry either: the record has no footprint.
        footprint[~given & np.equal(footprint, None)] = b""
        # Only the cells that hold text are looked at one by one (most files leave the column empty).
        for i in np.flatnonzero(given):
            wkt = values.iat[i]
            try:
                geometry = shapely.from_wkt(wkt)
            except shapely.errors.GEOSException:
                p.add(_one(len(chunk), i), header, wkt, "not a WKT polygon")
                continue
            if reproject is not None:
                geometry = shapely.transform(geometry, reproject)
            try:
                footprint[i] = self._polygon(geometry)
            except RowProblem as problem:
                p.add(_one(len(chunk), i), header, wkt, problem.reason)

    def _angles(self, sub: pd.DataFrame, name: str, p: cols.Problems, rows: np.ndarray) -> tuple[np.ndarray, str]:
        header, series = self._series(sub, name)
        assert series is not None
        packed = self.options.packed_dms

        def parse(value: object) -> float:
            return co.parse_angle(value, packed=packed)

        if packed:
            values, reasons = cols.per_value(series, parse)
        else:
            values, reasons, _ = cols.numbers(series, parse)
        p.add(_spread(rows, pd.notna(reasons)), header, _spread(rows, series), _spread(rows, reasons))
        return np.where(pd.isna(values), np.nan, values).astype(float), header

    def _dms_columns(self, sub: pd.DataFrame, p: cols.Problems, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
        header = self.columns["lon_d"]
        m = len(sub)
        x = np.full(m, np.nan)
        y = np.full(m, np.nan)
        parts = {k: (self._series(sub, k)[1]) for k in (f"{a}_{q}" for a in ("lon", "lat") for q in "dms")}
        reasons = np.full(m, None, dtype=object)
        for i in range(m):

            def cell(key: str, i: int = i) -> object:
                series = parts[key]
                return (series.iat[i] if series is not None else None) or 0

            try:
                x[i] = co.dms_columns(*(cell(f"lon_{q}") for q in "dms"))
                y[i] = co.dms_columns(*(cell(f"lat_{q}") for q in "dms"))
            except co.CoordinateError as problem:
                reasons[i] = str(problem)
        first = parts["lon_d"]
        p.add(_spread(rows, pd.notna(reasons)), header, _spread(rows, first), _spread(rows, reasons))
        return x, y, header

    def _gauss_kruger(
        self, sub: pd.DataFrame, p: cols.Problems, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, str]:
        header_x, raw_x = self._series(sub, "gk_x")
        header_y, raw_y = self._series(sub, "gk_y")
        assert raw_x is not None and raw_y is not None
        m = len(sub)
        pair_header = f"{header_x}/{header_y}"
        pair_values = raw_x.astype(str).to_numpy(dtype=object) + "/" + raw_y.astype(str).to_numpy(dtype=object)
        x_values, x_reasons, _ = cols.numbers(raw_x, _metres)
        y_values, y_reasons, _ = cols.numbers(raw_y, _metres)
        x = np.where(pd.isna(x_values), np.nan, x_values).astype(float)
        y = np.where(pd.isna(y_values), np.nan, y_values).astype(float)
        unreadable = pd.notna(x_reasons) | pd.notna(y_reasons)
        p.add(_spread(rows, unreadable), header_x, _spread(rows, raw_x), "X/Y must be numbers in metres")
        missing = ~unreadable & ~(np.isfinite(x) & np.isfinite(y))
        p.add(_spread(rows, missing), header_x, _spread(rows, raw_x), "X/Y are missing")
        usable = ~unreadable & ~missing
        lon = np.full(m, np.nan)
        lat = np.full(m, np.nan)
        if self.fixed_gk is not None or self.options.crs:
            crs_of_rows = np.full(m, f"EPSG:{self.fixed_gk}" if self.fixed_gk else str(self.options.crs), dtype=object)
        else:
            crs_of_rows = np.full(m, None, dtype=object)
            shaped = (x >= 1_000_000) & (x < 10_000_000) & (y >= 10_000_000) & (y < 100_000_000)
            reasons = np.full(m, None, dtype=object)
            for i in np.flatnonzero(usable & ~shaped):  # check_gk_pair says why
                try:
                    co.check_gk_pair(x[i], y[i])
                except co.CoordinateError as problem:
                    reasons[i] = str(problem)
            zones = np.floor(np.where(usable & shaped, y, 0) / 1_000_000).astype(int)
            for zone in np.unique(zones[usable & shaped]):
                in_zone = usable & shaped & (zones == zone)
                try:
                    crs_of_rows[in_zone] = f"EPSG:{co.gauss_kruger_zone(zone * 1_000_000.0).epsg}"
                except co.CoordinateError as problem:
                    reasons[in_zone] = str(problem)
            p.add(_spread(rows, pd.notna(reasons)), pair_header, _spread(rows, pair_values), _spread(rows, reasons))
        # Survey tables: X = northing, Y = easting; PROJ wants easting first.
        for crs in pd.unique(crs_of_rows[usable & pd.notna(crs_of_rows)]):
            group = usable & (crs_of_rows == crs)
            lon[group], lat[group] = co.to_lonlat(y[group], x[group], str(crs))
        return lon, lat, header_x

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
        if kind == "MultiPoint":  # what many Shapefiles hold, one point each
            if len(geometry.geoms) != 1:
                raise RowProblem(
                    "geometry", f"{len(geometry.geoms)} points", "a MultiPoint of several points: one location per row"
                )
            geometry, kind = geometry.geoms[0], "Point"
        if kind == "Point":
            return (*self._check_point(geometry.x, geometry.y), None)
        if kind in ("Polygon", "MultiPolygon"):
            wkb = self._polygon(geometry)
            point = shapely.from_wkb(wkb).point_on_surface()
            lon, lat = self._check_point(point.x, point.y)
            return lon, lat, wkb
        raise RowProblem("geometry", kind, "only points and polygons (footprints) can be imported")

    def _check_globe(self, p: cols.Problems, rows: np.ndarray, column: str, lon: np.ndarray, lat: np.ndarray) -> None:
        """Coordinates must be on the globe; whether the point lies in a country is the placer's question."""
        header = self.columns.get(column, column)
        here = _on_globe(lon, lat)
        swapped = rows & _on_globe(lat, lon) & ~here
        if swapped.any():
            p.add(swapped, header, _formatted(swapped, lon, lat, "{}, {}"), "longitude and latitude look swapped")
        outside = rows & ~here
        if outside.any():
            p.add(outside, header, _formatted(outside, lon, lat, "{:.6f}, {:.6f}"), OUTSIDE_GLOBE)

    def _polygon(self, geometry: BaseGeometry) -> bytes:
        """A footprint as MultiPolygon WKB, repaired if it is invalid; anything else is refused."""
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
            raise RowProblem("footprint", geometry.geom_type, "a footprint must be a polygon")
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                raise RowProblem("geometry", None, "the footprint polygon is invalid and cannot be repaired")
        multi = geometry if geometry.geom_type == "MultiPolygon" else shapely.MultiPolygon([geometry])
        return shapely.to_wkb(multi, hex=False)

    def _check_point(self, lon: float, lat: float) -> tuple[float, float]:
        if not _on_globe(np.array([lon]), np.array([lat]))[0]:
            if _on_globe(np.array([lat]), np.array([lon]))[0]:
                raise RowProblem("geometry", f"{lon}, {lat}", "longitude and latitude look swapped")
            raise RowProblem("geometry", f"{lon:.6f}, {lat:.6f}", OUTSIDE_GLOBE)
        return round(lon, 7), round(lat, 7)


@dataclass
class Located:
    """A chunk's points (WGS 84), footprints, which rows came from Gauss-Krüger input, and the field or
    column that reasons about the location name."""

    lon: np.ndarray
    lat: np.ndarray
    footprint: np.ndarray
    gauss_kruger: np.ndarray
    header: str


def _on_globe(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def geometry_cell(raw: object) -> bytes | None:
    """A geometry written as text: WKT or EWKT, hex WKB or EWKB, or GeoJSON; as WKB in WGS 84."""
    text = clean(raw)
    if text is None:
        return None
    srid = 0
    try:
        if text.startswith("{"):
            geometry = shapely.from_geojson(text)
        elif re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", text) and text[:2] in ("00", "01"):
            geometry = shapely.from_wkb(bytes.fromhex(text))
            srid = int(shapely.get_srid(geometry))
        else:
            match = re.match(r"^SRID=(\d+);(.*)$", text, re.DOTALL | re.IGNORECASE)
            if match:
                srid, text = int(match.group(1)), match.group(2)
            geometry = shapely.from_wkt(text)
    except (shapely.errors.GEOSException, ValueError):
        raise ValueProblem("not a geometry (WKT, WKB in hex, or GeoJSON)") from None
    if srid not in (0, 4326, 4490):
        crs = co.check_crs(f"EPSG:{srid}")
        transformer = co.transformer(crs.srs)
        geometry = shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return bytes(shapely.to_wkb(geometry))


def _language(raw: object) -> str | None:
    """A name's language as a BCP 47 tag (``zh``, ``en``, ``es``, ``pt-BR``)."""
    text = clean(raw)
    if text is None:
        return None
    tag = text.replace("_", "-")
    tag = tag.split("-")[0].lower() + "".join("-" + part for part in tag.split("-")[1:])
    if not LANGUAGE_RE.fullmatch(tag):
        raise ValueProblem("not a language code (zh, en, es, …)")
    return tag


def constant_header(field_name: str) -> str:
    """The column a mapping's constant for ``field_name`` is given in (what reject reports name)."""
    return f"({field_name})"


def _with_graded(commodities: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """The commodities of each row, plus those the per-commodity grade columns give grades for."""
    out = commodities.copy()
    for i in np.flatnonzero(np.fromiter((bool(g) for g in grades), dtype=bool, count=len(grades))):
        extra = tuple(c for c, _, _ in grades[i] if c not in commodities[i])
        if extra:
            out[i] = tuple(commodities[i]) + extra
    return out


def _formatted(mask: np.ndarray, lon: np.ndarray, lat: np.ndarray, pattern: str) -> np.ndarray:
    values = np.full(len(mask), None, dtype=object)
    for i in np.flatnonzero(mask):
        values[i] = pattern.format(lon[i], lat[i])
    return values


def _metres(value: object) -> float:
    text = clean(value)
    if text is None:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise co.CoordinateError("X/Y must be numbers in metres") from None


def _spread(rows: np.ndarray, values: Any) -> Any:
    """Values computed for the rows in ``rows`` placed back at their positions in the whole chunk."""
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    if not isinstance(values, np.ndarray):
        return values
    full = np.full(len(rows), None if values.dtype == object else False, dtype=values.dtype)
    full[rows] = values
    return full


def _one(n: int, i: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[i] = True
    return mask


def _filled(n: int, value: Any) -> np.ndarray:
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = value
    return out
