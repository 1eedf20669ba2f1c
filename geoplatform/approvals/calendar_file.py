"""Extending the holiday calendar: each autumn the State Council publishes the next year's holidays.

An admin loads the published year with ``geoplatform calendar import FILE`` (CSV or XLSX, English or
Chinese headers). A file names whole years: the days of every year it contains replace that year's
days in one transaction, so a corrected notice can be loaded again (idempotent). Every row is checked
first and nothing is written when one is wrong. Each import leaves a ``calendar_import`` row (who,
when, file hash, years); the shipped calendar never overwrites a year an admin imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, extract, insert, select

from geoplatform.approvals.calendar import WorkCalendar, load_calendar
from geoplatform.errors import InvalidParameter
from geoplatform.models import calendar_import, holiday_calendar

MAX_FILE_BYTES = 1_000_000
"""A year is about 40 rows; anything this large is not a holiday notice."""

COLUMNS = {
    "day": ("day", "date", "日期"),
    "kind": ("kind", "type", "类型", "安排"),
    "name_zh": ("name_zh", "name", "名称", "节日", "中文名称"),
    "name_en": ("name_en", "english", "英文名称"),
}
KINDS = {
    "holiday": "holiday",
    "workday": "workday",
    "放假": "holiday",
    "休": "holiday",
    "假": "holiday",
    "上班": "workday",
    "班": "workday",
    "调休上班": "workday",
}
COVERAGE_MONTHS = 12
"""The board and ``geoplatform db status`` warn when the calendar does not reach this far ahead."""


@dataclass
class CalendarFile:
    days: list[dict[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({day["day"].year for day in self.days})  # type: ignore[union-attr]


def _parse_day(text: str) -> dt.date:
    match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


def _rows(path: Path, content: bytes) -> list[dict[str, str]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        values = [
            ["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v)) for v in r]
            for r in sheet.iter_rows(values_only=True)
        ]
        if not values:
            return []
        header, body = values[0], values[1:]
        return [dict(zip(header, row, strict=False)) for row in body if any(cell.strip() for cell in row)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidParameter("The calendar file is neither UTF-8 nor GB18030 text.")
    return [row for row in csv.DictReader(io.StringIO(text)) if any((v or "").strip() for v in row.values())]


def _column(header: list[str], name: str) -> str | None:
    wanted = COLUMNS[name]
    for column in header:
        if column and column.strip().lower() in wanted:
            return column
    return None


def read_calendar_file(path: Path, known_names: dict[str, str] | None = None) -> CalendarFile:
    """Read and check a calendar file; ``errors`` lists every problem with its row number."""
    content = path.read_bytes()
    if len(content) > MAX_FILE_BYTES:
        raise InvalidParameter(f"The calendar file is larger than {MAX_FILE_BYTES:,} bytes.")
    rows = _rows(path, content)
    result = CalendarFile()
    if not rows:
        result.errors.append("The file has no rows.")
        return result
    header = list(rows[0].keys())
    columns = {name: _column(header, name) for name in COLUMNS}
    missing = [name for name in ("day", "kind", "name_zh") if columns[name] is None]
    if missing:
        result.errors.append(f"Missing column(s): {', '.join(missing)} (headers: day/日期, kind/类型, name_zh/名称).")
        return result
    seen: dict[dt.date, int] = {}
    known_names = known_names or {}
    for number, row in enumerate(rows, start=2):

        def cell(name: str, row: dict[str, str] = row) -> str:
            column = columns[name]
            return (row.get(column) or "").strip() if column else ""

        try:
            day = _parse_day(cell("day"))
        except ValueError:
            result.errors.append(f"row {number}: '{cell('day')}' is not a date (YYYY-MM-DD).")
            continue
        kind = KINDS.get(cell("kind").lower())
        if kind is None:
            result.errors.append(f"row {number}: kind '{cell('kind')}' is neither holiday/放假 nor workday/上班.")
            continue
        if kind == "workday" and day.weekday() < 5:
            result.errors.append(f"row {number}: {day} is a weekday; make-up working days (调休上班) are weekend days.")
            continue
        if day in seen:
            result.errors.append(f"row {number}: {day} is listed twice (first on row {seen[day]}).")
            continue
        seen[day] = number
        name_zh = cell("name_zh")
        if not name_zh:
            result.errors.append(f"row {number}: the day needs its name (name_zh/名称).")
            continue
        base = name_zh.removesuffix("调休上班").removesuffix("补班")
        name_en = cell("name_en") or known_names.get(name_zh) or known_names.get(base)
        if not name_en:
            result.errors.append(f"row {number}: no English name for '{name_zh}' (add a name_en column).")
            continue
        result.days.append({"day": day, "kind": kind, "name_zh": name_zh, "name_en": name_en})
    for year in result.years:
        if not any(d["kind"] == "holiday" and d["day"].year == year for d in result.days):  # type: ignore[union-attr]
            result.errors.append(f"{year}: a year without a single public holiday is not a State Council notice.")
    return result


def _known_names(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(holiday_calendar.c.name_zh, holiday_calendar.c.name_en)).all()
    names = {zh: en for zh, en in rows}
    names.update({zh.removesuffix("调休上班"): en.removesuffix(" make-up working day") for zh, en in rows})
    return names


@dataclass(frozen=True)
class CalendarImport:
    years: list[int]
    days: int
    replaced: int


def import_calendar(engine: Engine, path: Path, username: str) -> CalendarImport:
    """Replace the years in ``path`` with its days, in one transaction; raise with every error otherwise."""
    content = path.read_bytes()
    with engine.begin() as conn:
        parsed = read_calendar_file(path, _known_names(conn))
        if parsed.errors:
            raise InvalidParameter("The calendar file was not imported:\n  " + "\n  ".join(parsed.errors))
        years = parsed.years
        replaced = conn.execute(
            delete(holiday_calendar).where(extract("year", holiday_calendar.c.day).in_(years))
        ).rowcount
        conn.execute(insert(holiday_calendar), parsed.days)
        conn.execute(
            insert(calendar_import).values(
                username=username,
                file_name=path.name,
                sha256=hashlib.sha256(content).hexdigest(),
                years=years,
                days=len(parsed.days),
                replaced=replaced,
            )
        )
    return CalendarImport(years, len(parsed.days), replaced)


def imported_years(conn: Connection) -> set[int]:
    """Years an admin loaded: the shipped calendar file leaves them alone."""
    return {year for (years,) in conn.execute(select(calendar_import.c.years)) for year in years}


@dataclass(frozen=True)
class Coverage:
    first_day: dt.date | None
    last_day: dt.date | None
    missing_years: list[int]
    """Years within the next ``COVERAGE_MONTHS`` whose holidays are not known."""

    @property
    def sufficient(self) -> bool:
        return not self.missing_years

    def message(self) -> str:
        if self.sufficient:
            return f"holiday calendar: {self.first_day} – {self.last_day}"
        years = ", ".join(str(year) for year in self.missing_years)
        return (
            f"holiday calendar ends {self.last_day}: the holidays of {years} are missing, so working-day "
            "deadlines there ignore public holidays; load the State Council's notice with "
            "'geoplatform calendar import FILE'"
        )


def coverage(calendar: WorkCalendar, today: dt.date) -> Coverage:
    ahead = today + dt.timedelta(days=round(COVERAGE_MONTHS * 30.44))
    return Coverage(calendar.covered_from, calendar.covered_until, calendar.missing_years(today, ahead))


def calendar_coverage(conn: Connection, today: dt.date | None = None) -> Coverage:
    return coverage(load_calendar(conn), today or dt.date.today())
