"""Where a row lies: its country and, in China, its province — from its point, checked against the file.

The location decides (:mod:`geoplatform.locate` places the points). What the file states is read
tolerantly (:mod:`geoplatform.vocabulary`: names in Chinese or English, pinyin, ISO codes, typos) and
compared with it:

- a stated country or province the location contradicts gives a warning naming both, or a reject
  with ``--strict-regions``; so does a stated name that matches nothing (with suggestions);
- a point in the sea, farther from land than the tolerance, is rejected — unless latitude and
  longitude swapped lands it in the stated country (or, with none stated, on land): then the row is
  rejected as swapped, which is what it is;
- Gauss-Krüger coordinates (CGCS2000) are China's: a point they put elsewhere is rejected;
- abroad, a stated first-level subdivision is kept as its ISO 3166-2 code when it is one, else as
  given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl import columns as cols
from geoplatform.locate import TOLERANCE_KM, Locator, Placement, describe_distance
from geoplatform.vocabulary import Vocabulary, clean

COAST_NOTE_KM = 2.0
"""Points placed from farther off a coast than this get a warning that says so."""

SEA = f"the point lies in the sea, more than {TOLERANCE_KM:.0f} km from any country's land"
OUTSIDE_GLOBE = "the point lies outside the globe's extent (longitude -180..180, latitude -90..90)"


@dataclass
class Placed:
    country: np.ndarray
    region: np.ndarray
    subdivision_code: np.ndarray
    subdivision_name: np.ndarray


class Placer:
    """Places the rows of one import (the vocabulary, the locator and the options stay fixed)."""

    def __init__(
        self, locator: Locator, vocabulary: Vocabulary, columns: dict[str, str], *, strict: bool = False
    ) -> None:
        self.locator = locator
        self.vocabulary = vocabulary
        self.columns = columns
        self.strict = strict

    def _series(self, chunk: pd.DataFrame, name: str) -> tuple[str, pd.Series | None]:
        header = self.columns.get(name)
        if header is None or header not in chunk:
            return header or name, None
        return header, chunk[header]

    def _flag(
        self,
        p: cols.Problems,
        notes: cols.Notes,
        rows: np.ndarray,
        mask: np.ndarray,
        column: str,
        values: object,
        reasons: object,
    ) -> None:
        """A disagreement: a warning, or a reject when regions are strict."""
        if self.strict:
            p.add(mask, column, values, reasons)
        else:
            notes.add(rows, mask & ~p.bad, column, values, reasons)

    def place(
        self,
        chunk: pd.DataFrame,
        lon: np.ndarray,
        lat: np.ndarray,
        from_gauss_kruger: np.ndarray,
        header: str,
        p: cols.Problems,
        notes: cols.Notes,
    ) -> Placed:
        n = len(chunk)
        rows = chunk["_row"].to_numpy(dtype=np.int64)
        todo = ~p.bad
        placement = self._locate(lon, lat, todo)
        country = placement.country
        region = placement.region

        stated_header, stated_country, stated_region_of_country, bad_country = self._stated_countries(chunk, n)
        region_header, region_series = self._series(chunk, "region_code")
        # Swapped latitude and longitude: the point is in the sea, or not in the stated country, and
        # the swapped point is where the file says (or, with nothing stated, at least on land).
        suspect = todo & (~placement.placed | (pd.notna(stated_country) & (country != stated_country)))
        suspect &= np.abs(lon) <= 90
        if suspect.any():
            swapped = self._locate(lat, lon, suspect)
            fits = swapped.placed & np.where(pd.notna(stated_country), swapped.country == stated_country, True).astype(
                bool
            )
            fits &= suspect
            if fits.any():
                reasons = _reasons(
                    fits,
                    lambda c: (
                        f"longitude and latitude look swapped: the swapped point lies in "
                        f"{self.vocabulary.country_label(c)}"
                    ),
                    swapped.country,
                )
                p.add(fits, header, _formatted(fits, lon, lat), reasons)
        in_sea = todo & ~placement.placed & ~p.bad
        p.add(in_sea, header, _formatted(in_sea, lon, lat), SEA)
        gk_abroad = from_gauss_kruger & placement.placed & (country != "CN") & ~p.bad
        if gk_abroad.any():
            reasons = _reasons(
                gk_abroad,
                lambda c: (
                    "Gauss-Krüger coordinates (CGCS2000) lie in China; this point lies in "
                    f"{self.vocabulary.country_label(c)}"
                ),
                country,
            )
            p.add(gk_abroad, header, _formatted(gk_abroad, lon, lat), reasons)
        ok = placement.placed & ~p.bad

        # What the file says, against where the point is.
        if stated_header is not None:
            _, series = self._series(chunk, "country")
            assert series is not None
            unknown = ok & pd.notna(bad_country)
            self._flag(p, notes, rows, unknown, stated_header, series, bad_country)
            differs = ok & pd.notna(stated_country) & (stated_country != country)
            if differs.any():
                reasons = _reasons(
                    differs,
                    lambda s, c: (
                        f"the file says {self.vocabulary.country_label(s)}, "
                        f"the location is in {self.vocabulary.country_label(c)}"
                    ),
                    stated_country,
                    country,
                )
                self._flag(p, notes, rows, differs, stated_header, series, reasons)
        stated_region = np.where(pd.notna(stated_region_of_country), stated_region_of_country, None)
        if region_series is not None:
            china = ok & (country == "CN")
            given, reasons_region = cols.per_value(region_series, self.vocabulary.region)
            unknown_region = china & pd.notna(reasons_region)
            self._flag(p, notes, rows, unknown_region, region_header, region_series, reasons_region)
            stated_region = np.where(pd.notna(given), given, stated_region)
        china = ok & (country == "CN")
        differs = china & pd.notna(stated_region) & (stated_region != region)
        if differs.any():
            reasons = _reasons(
                differs,
                lambda s, r: (
                    f"the file says {self.vocabulary.region_label(s)}, "
                    f"the location is in {self.vocabulary.region_label(r)}"
                ),
                stated_region,
                region,
            )
            column = region_header if region_series is not None else (stated_header or header)
            values = region_series if region_series is not None else _formatted(differs, lon, lat)
            self._flag(p, notes, rows, differs, column, values, reasons)
        off_coast = ok & (placement.distance_km > COAST_NOTE_KM)
        if off_coast.any():
            reasons = _reasons(
                off_coast,
                lambda km, c: (
                    f"the point lies {describe_distance(km)} off the coast of "
                    f"{self.vocabulary.country_label(c)}; placed there"
                ),
                placement.distance_km,
                country,
            )
            notes.add(rows, off_coast & ~p.bad, header, _formatted(off_coast, lon, lat), reasons)
        code, name = self._subdivisions(chunk, country, n)
        return Placed(country, np.where(country == "CN", region, None), code, name)

    def _locate(self, lon: np.ndarray, lat: np.ndarray, mask: np.ndarray) -> Placement:
        """Placement of the masked rows (the others stay unplaced)."""
        n = len(lon)
        picked = np.flatnonzero(mask)
        country = np.full(n, None, dtype=object)
        region = np.full(n, None, dtype=object)
        distance = np.full(n, np.nan)
        valid = np.zeros(n, dtype=bool)
        if len(picked):
            found = self.locator.locate(lon[picked], lat[picked])
            country[picked], region[picked], distance[picked] = found.country, found.region, found.distance_km
            valid[picked] = found.valid
        return Placement(country, region, distance, valid)

    def _stated_countries(self, chunk: pd.DataFrame, n: int) -> tuple[str | None, np.ndarray, np.ndarray, np.ndarray]:
        """(header, stated country code, region implied by it (Taiwan, Hong Kong, Macao), reason if unknown)."""
        header, series = self._series(chunk, "country")
        empty = np.full(n, None, dtype=object)
        if series is None:
            return None, empty, empty.copy(), empty.copy()
        found, reasons = cols.per_value(series, self.vocabulary.country)
        codes = np.array([f[0] if f else None for f in found], dtype=object)
        regions = np.array([f[1] if f else None for f in found], dtype=object)
        return header, codes, regions, reasons

    def _subdivisions(self, chunk: pd.DataFrame, country: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """A foreign row's first-level subdivision: its ISO 3166-2 code when known, else the name given."""
        codes = np.full(n, None, dtype=object)
        names = np.full(n, None, dtype=object)
        _, series = self._series(chunk, "subdivision")
        if series is None:
            _, series = self._series(chunk, "region_code")  # one column for 省 and state alike
        if series is None:
            return codes, names
        abroad = np.flatnonzero(pd.notna(country) & (country != "CN"))
        if not len(abroad):
            return codes, names
        texts = series.iloc[abroad].to_numpy(dtype=object)
        pairs = pd.Series(list(zip(country[abroad], texts, strict=True)), dtype=object)
        found, _ = cols.per_value(pairs, lambda pair: self._subdivision(*pair))
        codes[abroad] = [f[0] for f in found]
        names[abroad] = [f[1] for f in found]
        return codes, names

    def _subdivision(self, country: str, raw: object) -> tuple[str | None, str | None]:
        text = clean(raw, fold=False)
        if text is None:
            return None, None
        code = self.vocabulary.subdivision(country, text)
        return (code, None) if code else (None, text[:200])


def _reasons(mask: np.ndarray, make: Callable[..., str], *columns: np.ndarray) -> np.ndarray:
    """``make(*values)`` for the rows of ``mask`` only (None elsewhere): a chunk has 50,000 rows and
    a handful of reasons."""
    reasons = np.full(len(mask), None, dtype=object)
    for i in np.flatnonzero(mask):
        reasons[i] = make(*(column[i] for column in columns))
    return reasons


def _formatted(mask: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    values = np.full(len(mask), None, dtype=object)
    for i in np.flatnonzero(mask):
        values[i] = f"{lon[i]:.6f}, {lat[i]:.6f}"
    return values
