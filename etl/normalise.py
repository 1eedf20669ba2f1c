"""Turning survey values into domain values: numbers with Chinese units and dates.

Each function takes one raw text value and returns the domain value, ``None`` for "not reported", or
raises :class:`ValueProblem` whose message becomes a reject reason. Codes (commodities, statuses,
regions, countries …) are looked up in the one vocabulary the whole platform shares,
:mod:`geoplatform.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
import re

from geoplatform.vocabulary import ValueProblem, clean

NUMBER_RE = re.compile(r"^(?P<number>[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(?P<unit>\S.*)?$", re.IGNORECASE)


def number_with_unit(raw: object) -> tuple[float | None, str | None]:
    """``'12.5万吨'`` → (12.5, '万吨'); ``'1,234.5'`` → (1234.5, None); sentinels → (None, None)."""
    text = clean(raw)
    if text is None:
        return None, None
    text = text.replace(",", "")
    match = NUMBER_RE.match(text)
    if not match:
        raise ValueProblem("not a number")
    return float(match["number"]), (match["unit"] or None)


def date_value(raw: object, today: dt.date) -> dt.date | None:
    text = clean(raw)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?", text) or re.fullmatch(
        r"(\d{4})年?", text
    )
    if not match:
        raise ValueProblem("not a date (YYYY-MM-DD)")
    year = int(match.group(1))
    month = int(match.group(2)) if match.lastindex and match.lastindex >= 2 and match.group(2) else 12
    day = int(match.group(3)) if match.lastindex and match.lastindex >= 3 and match.group(3) else None
    try:
        if day is None:  # a month or year stands for its last day
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            value = nxt - dt.timedelta(days=1)
        else:
            value = dt.date(year, month, day)
    except ValueError:
        raise ValueProblem("not a valid calendar date") from None
    if value > today:
        raise ValueProblem("date in the future")
    return value
