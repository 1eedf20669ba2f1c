"""Working days in China: weekends and public holidays off, official make-up working days (调休) on.

The calendar is data (``geoplatform/data/calendars/cn_public_holidays.csv``, table
``holiday_calendar``), extended by an admin each autumn when the State Council publishes the next year
(``geoplatform calendar import FILE``). Deadlines also skip days on which the project was paused.

Two ways of counting, both from the day after the start (民法典 art. 201):

- **working days** (工作日): only working days count;
- **calendar days** (日): every day counts, but a limit whose last day is a rest day — a public holiday
  or a weekend that is not a make-up working day — ends on the first working day after it
  (民法典 art. 203: "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日"; the weekly
  rest days are 法定休假日 as well, and a make-up working day is not one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from geoplatform.models import holiday_calendar

ONE_DAY = dt.timedelta(days=1)

Period = tuple[dt.date, dt.date | None]
"""A closed period of days; an open end (None) means 'until further notice'."""


def _in_any(day: dt.date, periods: Iterable[Period]) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    """Make-up working days: weekends on which people work."""

    @property
    def years(self) -> frozenset[int]:
        """The years the calendar knows the holidays of (every real year has some)."""
        return frozenset(day.year for day in self.holidays)

    @property
    def covered_from(self) -> dt.date | None:
        """The first day of the first year the calendar has holidays for; earlier counts would be guesses."""
        return dt.date(min(self.years), 1, 1) if self.holidays else None

    @property
    def covered_until(self) -> dt.date | None:
        """The last day of the last year the calendar has holidays for; later working-day counts are guesses."""
        days = self.holidays | self.workdays
        return dt.date(max(days).year, 12, 31) if days else None

    def covers(self, day: dt.date) -> bool:
        """Whether the holidays of ``day``'s year are known."""
        return day.year in self.years

    def missing_years(self, start: dt.date, end: dt.date) -> list[int]:
        """The years between ``start`` and ``end`` whose holidays the calendar does not have."""
        return [year for year in range(start.year, end.year + 1) if year not in self.years]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def due_date(self, start: dt.date, days: int, kind: str, paused: Iterable[Period] = ()) -> dt.date:
        """The last day of a limit of ``days`` counted from the day after ``start``.

        ``kind`` is ``working`` (only working days count) or ``calendar`` (every day counts, and a last
        day that is a rest day moves to the next working day, 民法典 art. 203). Days inside a paused
        period never count. A limit of 0 days is due on ``start`` itself.
        """
        paused = list(paused)
        day, counted = start, 0
        while counted < days:
            day += ONE_DAY
            if _in_any(day, paused):
                continue
            if kind == "calendar" or self.is_working_day(day):
                counted += 1
            if day - start > dt.timedelta(days=3650):
                raise ValueError("a deadline more than ten years away: is a pause left open?")
        if kind == "calendar" and days > 0:
            while not self.is_working_day(day):
                day += ONE_DAY
        return day

    def days_counted(self, start: dt.date, end: dt.date, kind: str, paused: Iterable[Period] = ()) -> int:
        """How many days of a limit of ``kind`` lie after ``start`` up to and including ``end``."""
        paused = list(paused)
        total, day = 0, start
        while day < end:
            day += ONE_DAY
            if not _in_any(day, paused) and (kind == "calendar" or self.is_working_day(day)):
                total += 1
        return total


def load_calendar(conn: Connection) -> WorkCalendar:
    rows = conn.execute(select(holiday_calendar.c.day, holiday_calendar.c.kind)).all()
    return WorkCalendar(
        holidays=frozenset(day for day, kind in rows if kind == "holiday"),
        workdays=frozenset(day for day, kind in rows if kind == "workday"),
    )
