"""Reporting periods of indicator values: a month, a quarter or a year, named by its first day.

Statistics name periods in many ways (``2024``, ``2024年``, ``2024-Q3``, ``2024年第三季度``,
``2024-07``, ``2024年7月``, ``2024/7``). A period is stored as its kind and first day, so two values
of one series and kind can never overlap: a "quarter" from February to April is refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

KINDS = ("month", "quarter", "year")
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
KIND_WORDS = {
    "month": "month",
    "monthly": "month",
    "月": "month",
    "月度": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "季": "quarter",
    "季度": "quarter",
    "year": "year",
    "annual": "year",
    "yearly": "year",
    "年": "year",
    "年度": "year",
}


class Period(NamedTuple):
    kind: str
    start: dt.date

    @property
    def end(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.start.year, 12, 31)
        last_month = self.start.month + (2 if self.kind == "quarter" else 0)
        return dt.date(self.start.year, last_month, calendar.monthrange(self.start.year, last_month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"


def _year(text: str) -> int:
    year = int(text)
    if not 1900 <= year <= 2200:
        raise ValueError(f"the year {year} is out of range")
    return year


def parse_period(raw: object, kind: str | None = None) -> Period:
    """The period named by ``raw``; ``kind`` (a word from ``KIND_WORDS``) settles a bare date.

    Raises ValueError with a reason that a reject report can show."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    wanted = KIND_WORDS.get(str(kind).strip().lower()) if kind else None
    if kind and wanted is None:
        raise ValueError(f"unknown period kind '{kind}' (month, quarter or year)")
    if isinstance(raw, dt.date):
        return _from_date(raw, wanted)
    text = str(raw).strip().replace("－", "-").replace("／", "/").upper()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if match := re.fullmatch(r"(\d{4})\s*年?(?:度)?", text):
        period = Period("year", dt.date(_year(match[1]), 1, 1))
    elif match := re.fullmatch(r"(\d{4})\s*[-/ ]?\s*Q([1-4])", text) or re.fullmatch(
        r"(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度?", text
    ):
        quarter = _CN_NUMBERS[match[2]]
        period = Period("quarter", dt.date(_year(match[1]), 3 * quarter - 2, 1))
    elif match := re.fullmatch(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?", text):
        month = int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"'{raw}' has no month {month}")
        period = Period("month", dt.date(_year(match[1]), month, 1))
    elif match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return _from_date(dt.date(int(match[1]), int(match[2]), int(match[3])), wanted)
    else:
        raise ValueError(f"'{raw}' is not a period (2024, 2024-Q3, 2024-07, 2024年7月, 2024年第三季度)")
    if wanted and wanted != period.kind:
        raise ValueError(f"'{raw}' is a {period.kind}, but the row says {wanted}")
    return period


def _from_date(day: dt.date, kind: str | None) -> Period:
    """A first day (2024-07-01 with kind month); any other day is ambiguous and refused."""
    kind = kind or "month"
    starts = {
        "month": day.day == 1,
        "quarter": day.day == 1 and day.month in (1, 4, 7, 10),
        "year": day.day == 1 and day.month == 1,
    }
    if not starts[kind]:
        raise ValueError(f"{day.isoformat()} is not the first day of a {kind}: periods cannot overlap")
    return Period(kind, day)
