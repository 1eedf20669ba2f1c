"""Column-at-a-time validation: the scalar parsers of ``normalise`` and ``coordinates`` applied to whole
chunks without paying a Python call per cell where it can be avoided.

Survey columns either repeat a few values (commodity, status, region, date, unit) or are mostly plain
numbers (coordinates, grades, quantities). So each helper parses every *distinct* value once with the
one scalar implementation, and plain numbers take a vectorised fast path (``pd.to_numeric``); only
what that path cannot read goes through the scalar parser. The answer is the same either way — the
scalar functions stay the single definition of what a cell means and why it is rejected.

:class:`Problems` keeps the first problem of each row, in the order the checks run, which is what the
reject report shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from etl.coordinates import CoordinateError
from geoplatform.vocabulary import SENTINELS, ValueProblem

MAX_SENTINEL = max(len(s) for s in SENTINELS)
PROBLEMS = (ValueProblem, CoordinateError)


class Problems:
    """The first problem found in each row of a chunk: column, offending value and reason."""

    def __init__(self, rows: int) -> None:
        self.column = np.full(rows, None, dtype=object)
        self.value = np.full(rows, None, dtype=object)
        self.reason = np.full(rows, None, dtype=object)

    @property
    def bad(self) -> np.ndarray:
        return pd.notna(self.reason)

    def add(self, mask: np.ndarray, column: str, values: Any, reasons: Any) -> None:
        """Record ``reasons`` for the rows in ``mask`` that have no problem yet (arrays or scalars)."""
        new = np.asarray(mask, dtype=bool) & ~self.bad
        if not new.any():
            return
        self.column[new] = column
        self.value[new] = _pick(values, new)
        self.reason[new] = _pick(reasons, new)


def _pick(values: Any, mask: np.ndarray) -> Any:
    if isinstance(values, pd.Series):
        return values.iloc[np.flatnonzero(mask)].to_numpy(dtype=object)
    if isinstance(values, np.ndarray):
        return values[mask]
    return values


def per_value(series: pd.Series, compute: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    """``compute`` once per distinct value: (results, reasons) per row; a reason where it raised."""
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=False)
    results = np.full(len(uniques), None, dtype=object)
    reasons = np.full(len(uniques), None, dtype=object)
    for i, value in enumerate(uniques):
        try:
            results[i] = compute(value)
        except PROBLEMS as problem:
            reasons[i] = str(problem)
    return results[codes], reasons[codes]


def texts(series: pd.Series, *, fold: bool) -> pd.Series:
    """:func:`geoplatform.vocabulary.clean` for a whole column: trimmed text, missing for sentinels and blanks.

    String work runs in Arrow's kernels (pandas' ``str`` dtype); only short cells, the only ones that
    can be 'no data' markers, are looked at one distinct value at a time.
    """
    text = series.reset_index(drop=True)
    if text.dtype != "str":
        text = text.where(text.notna(), "").astype(object).astype(str).astype("str")
    else:
        text = text.fillna("")
    if fold:
        # NFKC leaves ASCII alone: only the other cells (full-width forms and the like) need it.
        wide = ~text.str.isascii().fillna(True).to_numpy(dtype=bool)
        if wide.any():
            text = text.copy()
            where = np.flatnonzero(wide)
            text.iloc[where] = text.iloc[where].str.normalize("NFKC")
    else:
        text = text.str.replace("\u3000", " ", regex=False)
    text = text.str.strip()
    short = (text.str.len() <= MAX_SENTINEL).to_numpy(dtype=bool)
    if short.any():
        marker, _ = per_value(text[short], lambda v: unicodedata.normalize("NFKC", v).lower() in SENTINELS)
        text.iloc[np.flatnonzero(short)[marker.astype(bool)]] = None
    return text


def numbers(series: pd.Series, parse: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite plain numbers directly; every other cell through ``parse`` (once per distinct value).

    Returns (results, reasons, fast): results are floats where ``fast`` is true and whatever ``parse``
    returns for the rest.
    """
    as_numbers = pd.to_numeric(series, errors="coerce")
    fast = np.isfinite(as_numbers.to_numpy(dtype=float, na_value=np.nan))
    results = np.full(len(series), None, dtype=object)
    reasons = np.full(len(series), None, dtype=object)
    results[fast] = as_numbers.to_numpy(dtype=float, na_value=np.nan)[fast]
    slow = ~fast
    if slow.any():
        results[slow], reasons[slow] = per_value(series[slow], parse)
    return results, reasons, fast


def as_strings(values: np.ndarray) -> np.ndarray:
    """Raw cell values as report text (shortened), ``''`` for missing."""
    out = pd.Series(values, dtype=object)
    return out.where(out.notna(), "").astype(str).str.slice(0, 200).to_numpy(dtype=object)


class Notes:
    """Warnings about rows that are loaded anyway (a stated province that the location contradicts …).

    Unlike :class:`Problems`, a row may collect several; they are kept as arrays and turned into
    report rows only up to a limit, so a file in which every row is warned about costs no more than
    counting them.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, object, np.ndarray, np.ndarray]] = []
        self.count = 0

    def add(self, rows: np.ndarray, mask: np.ndarray, column: str, values: Any, reasons: Any) -> None:
        """Warn about the rows (source row numbers ``rows``) where ``mask`` holds."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        picked_values = _pick(values, mask)
        picked_reasons = _pick(reasons, mask)
        n = int(mask.sum())
        if not isinstance(picked_values, np.ndarray):
            picked_values = np.full(n, picked_values, dtype=object)
        if not isinstance(picked_reasons, np.ndarray):
            picked_reasons = np.full(n, picked_reasons, dtype=object)
        self._parts.append((rows[mask], column, picked_values, picked_reasons))
        self.count += n

    def take(self, limit: int) -> list[tuple[int, str, str, str]]:
        """Up to ``limit`` warnings as (row, column, value, reason), in row order; the rest are dropped."""
        out: list[tuple[int, str, str, str]] = []
        for rows, column, values, reasons in self._parts:
            room = limit - len(out)
            if room <= 0:
                break
            texts = as_strings(values[:room])
            out.extend(
                (int(r), str(column), str(v), str(why))
                for r, v, why in zip(rows[:room], texts, reasons[:room], strict=True)
            )
        self._parts.clear()
        return sorted(out, key=lambda item: item[0])
