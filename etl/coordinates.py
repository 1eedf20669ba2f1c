"""Coordinates as Chinese and international survey tables write them, turned into WGS 84 lon/lat.

- Decimal degrees, and degrees-minutes-seconds in every common spelling: ``东经 101°23′45.6″``,
  ``101°23'45.6"E``, full-width symbols, ``N30 12 5.3``, ``30d12m5.3s``; packed ``ddd.mmss``; DMS split
  over several columns.
- CGCS2000 Gauss-Krüger X/Y: X is the northing (7 digits), Y the easting with the zone number in front
  (8 digits). The zone decides the 3° or 6° projection; the EPSG code comes from pyproj's database.
- Any EPSG CRS (``--crs`` or a ``.prj``). Beijing 1954 and Xian 1980 are refused unless the caller
  accepts that PROJ has no real datum shift for them (a "ballpark" transformation, errors of ~100 m).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyproj
from pyproj.database import query_crs_info

from geoplatform.errors import InvalidParameter

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
CHINA_EXTENT = (73.0, 3.0, 136.0, 54.0)
"""lon/lat box of China including the South China Sea islands: points outside are rejected."""

LEGACY_DATUMS = ("Beijing 1954", "Xian 1980", "New Beijing")


class CoordinateError(InvalidParameter):
    """A value that cannot be a coordinate (the message is a reject reason), or an unusable CRS."""


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip()
    # NFKC keeps the prime marks; fold every degree/minute/second symbol to d/m/s.
    # Double marks first: NFKC turns ″ into two primes, and tables write '' for seconds.
    for symbol, letter in (
        ("′′", "s"),
        ("''", "s"),
        ("’’", "s"),
        ("″", "s"),
        ('"', "s"),
        ("”", "s"),
        ("秒", "s"),
        ("°", "d"),
        ("º", "d"),
        ("度", "d"),
        ("′", "m"),
        ("'", "m"),
        ("’", "m"),
        ("分", "m"),
    ):
        text = text.replace(symbol, letter)
    return text


HEMISPHERES = {"东经": "E", "西经": "W", "北纬": "N", "南纬": "S", "东": "E", "西": "W", "北": "N", "南": "S"}
DMS_RE = re.compile(
    r"^(?P<deg>\d+(?:\.\d+)?)\s*(?:d|\s)\s*(?:(?P<min>\d+(?:\.\d+)?)\s*(?:m|\s)?\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:s|ss)?)?$"
)


def parse_angle(value: object, *, packed: bool = False) -> float:
    """One angle in degrees. ``packed`` reads ``ddd.mmss`` (110.002820 → 110°00′28.20″)."""
    if value is None:
        raise CoordinateError("empty coordinate")
    if isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            raise CoordinateError("not a number")
        return _unpack(number) if packed else number
    try:  # the common case first: a plain decimal number needs no cleaning
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    else:
        if math.isfinite(number):
            return _unpack(number) if packed else number
    text = _clean(str(value))
    if not text:
        raise CoordinateError("empty coordinate")
    sign = 1.0
    for word, hemisphere in sorted(HEMISPHERES.items(), key=lambda kv: -len(kv[0])):
        if text.startswith(word) or text.endswith(word):
            text = text.replace(word, "").strip()
            sign = -1.0 if hemisphere in "WS" else 1.0
            break
    # Hemisphere letters are upper case: a trailing lower-case "s" is the seconds mark.
    match = re.match(r"^([NSEW])\s*(.*)$", text) or re.match(r"^(.*?)\s*([NSEW])$", text)
    if match:
        letter, rest = (
            (match.group(1), match.group(2)) if len(match.group(1)) == 1 else (match.group(2), match.group(1))
        )
        sign = -1.0 if letter.upper() in "WS" else 1.0
        text = rest.strip()
    if text.startswith("-"):
        sign, text = -sign, text[1:].strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):  # 'nan', 'inf': numbers to Python, not coordinates
            raise CoordinateError("not a number")
        return sign * (_unpack(number) if packed else number)
    parts = DMS_RE.match(text.replace(" d", "d").replace("d ", "d"))
    if not parts:
        raise CoordinateError("not a recognisable coordinate")
    degrees = float(parts["deg"])
    minutes = float(parts["min"] or 0)
    seconds = float(parts["sec"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError("minutes and seconds must be below 60")
    return sign * (degrees + minutes / 60 + seconds / 3600)


def _unpack(number: float) -> float:
    """``ddd.mmss`` → degrees; 110.002820 is 110°00′28.20″."""
    sign = -1.0 if number < 0 else 1.0
    number = abs(number)
    degrees = math.floor(number)
    rest = round((number - degrees) * 100, 8)
    minutes = math.floor(rest)
    seconds = round((rest - minutes) * 100, 6)
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError("packed ddd.mmss value with minutes or seconds of 60 or more")
    return sign * (degrees + minutes / 60 + seconds / 3600)


def dms_columns(degrees: object, minutes: object, seconds: object) -> float:
    """An angle split over three columns.

    The sign may stand on the degrees only (``-27, 22, 15``) or on every part, as USGS tables write it
    (``-27, -22, -15``); parts with different signs (``-27, 22, -15``) are refused. ``-0, 30`` is
    south or west: the sign of a zero degree part counts.
    """
    try:
        d, m, s = (float(_clean(str(v)) or 0) for v in (degrees, minutes, seconds))
    except ValueError:
        raise CoordinateError("degree, minute or second column is not a number") from None
    negative = [math.copysign(1, part) < 0 for part in (d, m, s)]
    signed = [neg for neg, part in zip(negative, (d, m, s), strict=True) if part != 0 or neg]
    if (negative[1] or negative[2]) and not all(signed):
        raise CoordinateError("the degree, minute and second columns have different signs")
    if abs(m) >= 60 or abs(s) >= 60:
        raise CoordinateError("minutes and seconds must be between 0 and 60")
    sign = -1.0 if any(negative) else 1.0
    return sign * (abs(d) + abs(m) / 60 + abs(s) / 3600)


# -- Gauss-Krüger ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GaussKrugerZone:
    width: int  # 3 or 6 degrees
    zone: int
    epsg: int


@cache
def _cgcs2000_gk_codes() -> dict[tuple[str, int, int], int]:
    """EPSG codes of the CGCS2000 Gauss-Krüger CRSs, read from pyproj's database.

    Keys: ("zone", width, zone number) for eastings with the zone prefix ("CGCS2000 / 3-degree
    Gauss-Kruger zone 38", "CGCS2000 / Gauss-Kruger zone 19" for 6° zones), and ("cm", width, central
    meridian) for eastings without it ("CGCS2000 / 3-degree Gauss-Kruger CM 114E").
    """
    codes: dict[tuple[str, int, int], int] = {}
    pattern = re.compile(r"CGCS2000 / (?:(3)-degree )?Gauss-Kruger (zone|CM) (\d+)E?")
    for info in query_crs_info(auth_name="EPSG", pj_types=pyproj.enums.PJType.PROJECTED_CRS):
        match = pattern.fullmatch(info.name)
        if match:
            width = 3 if match.group(1) else 6
            key = "zone" if match.group(2) == "zone" else "cm"
            codes[(key, width, int(match.group(3)))] = int(info.code)
    return codes


def gauss_kruger_cm(central_meridian: int, width: int = 3) -> int:
    """EPSG code for eastings without zone prefix, given the central meridian (e.g. 114 → EPSG:4547)."""
    code = _cgcs2000_gk_codes().get(("cm", width, central_meridian))
    if code is None:
        raise CoordinateError(f"no CGCS2000 {width}-degree Gauss-Krüger CRS has central meridian {central_meridian}E")
    return code


def gauss_kruger_zone(easting_with_zone: float, width: int | None = None) -> GaussKrugerZone:
    """The zone from the digits in front of an 8-digit easting (e.g. 38 512 345.6 → 3° zone 38)."""
    zone = int(easting_with_zone // 1_000_000)
    if width is None:
        width = 3 if 25 <= zone <= 45 else 6 if 13 <= zone <= 23 else 0
    code = _cgcs2000_gk_codes().get(("zone", width, zone))
    if code is None:
        raise CoordinateError("the easting's zone prefix is not a CGCS2000 Gauss-Krüger zone (3°: 25-45, 6°: 13-23)")
    return GaussKrugerZone(width, zone, code)


def check_gk_pair(x: float, y: float) -> None:
    """Chinese tables give X = northing (7 digits) and Y = easting with zone (8 digits)."""
    if 10_000_000 <= x < 100_000_000 and 1_000_000 <= y < 10_000_000:
        raise CoordinateError("X and Y look swapped: X should be the 7-digit northing, Y the 8-digit easting")
    if not (1_000_000 <= x < 10_000_000 and 10_000_000 <= y < 100_000_000):
        raise CoordinateError("X/Y are not Gauss-Krüger coordinates with a zone prefix (7-digit X, 8-digit Y)")


@cache
def transformer(source: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, WGS84, always_xy=True)


def check_crs(crs: str | pyproj.CRS, accept_legacy_datum: bool = False) -> pyproj.CRS:
    """The CRS for ``crs``, refusing Beijing 1954 / Xian 1980 unless the ballpark shift is accepted."""
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise CoordinateError("unknown coordinate reference system") from None
    datum = parsed.datum.name if parsed.datum else ""
    if any(name in datum for name in LEGACY_DATUMS) and not accept_legacy_datum:
        raise CoordinateError(
            f"{parsed.name} uses the {datum} datum; PROJ has no real datum shift to CGCS2000/WGS 84 for it "
            "(errors of about 100 m). Re-project with official parameters, or accept the tolerance explicitly."
        )
    return parsed


def is_gauss_kruger(crs: pyproj.CRS) -> bool:
    """Whether ``crs`` is one of the CGCS2000 Gauss-Krüger projections (3° or 6° zones, with or without prefix)."""
    code = crs.to_epsg(min_confidence=90)
    return code is not None and code in set(_cgcs2000_gk_codes().values())


def to_lonlat(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform arrays of x/y (easting/northing or lon/lat, in that order) from ``crs`` to WGS 84."""
    if crs in (WGS84, CGCS2000, "OGC:CRS84"):
        return x, y  # CGCS2000 and WGS 84 agree within centimetres: no transformation needed
    lon, lat = transformer(crs).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def inside_china(lon: float, lat: float) -> bool:
    minx, miny, maxx, maxy = CHINA_EXTENT
    return minx <= lon <= maxx and miny <= lat <= maxy
