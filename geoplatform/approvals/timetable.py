"""Timetable status of an approval item, derived (never stored) from its dates and the project's pauses.

States, worst first: overdue, due soon, paused, on schedule, no limit (running with no time limit:
host-country procedures, bank registrations), completed late, completed on time, completed (with no
time limit to meet), no clock (not yet accepted), not applicable. A project's map colour is the worst
state of its items, so what is still running outranks what finished late long ago.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from geoplatform.approvals import workflow
from geoplatform.approvals.calendar import Period, WorkCalendar

SEVERITY = {
    "overdue": 9,
    "due_soon": 8,
    "paused": 7,
    "on_schedule": 6,
    "no_limit": 5,
    "completed_late": 4,
    "completed_on_time": 3,
    "completed": 2,
    "no_clock": 1,
    "not_applicable": 0,
}
DEFAULT_WARN_DAYS = 10


@dataclass(frozen=True)
class Clock:
    """The deadlines of one item with paused time taken out."""

    statutory_due: dt.date | None
    target: dt.date | None
    paused_days: int


@dataclass(frozen=True)
class Timetable:
    state: str
    days: int | None
    """Days left (on schedule, due soon), days over (overdue, completed late), else None."""

    @property
    def severity(self) -> int:
        return SEVERITY[self.state]


def _overlap_days(start: dt.date, end: dt.date, periods: Iterable[Period]) -> int:
    """Calendar days of ``periods`` that fall after ``start`` and up to ``end``."""
    total = 0
    for p_start, p_end in periods:
        lo = max(p_start, start + dt.timedelta(days=1))
        hi = min(p_end or end, end)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def clock(
    *,
    accepted_on: dt.date | None,
    decided_on: dt.date | None,
    target_on: dt.date | None,
    statutory_days: int | None,
    day_kind: str,
    calendar: WorkCalendar,
    pauses: Iterable[Period],
    today: dt.date,
) -> Clock:
    """Effective statutory due date and target, each moved later by the paused days since acceptance.

    ``statutory_days`` is None where the law sets no limit (a host country's own procedure): then only
    a target recorded on the item gives a deadline."""
    if accepted_on is None:
        return Clock(None, None, 0)
    until = decided_on or today
    periods = [(start, min(end or until, until)) for start, end in pauses if start <= until]
    statutory = None if statutory_days is None else calendar.due_date(accepted_on, statutory_days, day_kind, periods)
    paused = _overlap_days(accepted_on, until, periods)
    target = target_on + dt.timedelta(days=paused) if target_on else statutory
    return Clock(statutory, target, paused)


def timetable(
    status: str,
    item_clock: Clock,
    decided_on: dt.date | None,
    today: dt.date,
    paused_now: bool,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> Timetable:
    if status in workflow.INACTIVE:
        return Timetable("not_applicable", None)
    target = item_clock.target
    if status in workflow.DECIDED and decided_on is not None:
        if target is None:
            return Timetable("completed", None)
        if decided_on <= target:
            return Timetable("completed_on_time", None)
        return Timetable("completed_late", (decided_on - target).days)
    if target is None or status not in workflow.CLOCK_RUNNING:
        if paused_now:
            return Timetable("paused", None)
        # Accepted, but neither the law nor the item sets a limit: running, and never overdue.
        return Timetable("no_limit" if status in workflow.CLOCK_RUNNING else "no_clock", None)
    if paused_now:
        return Timetable("paused", None)
    left = (target - today).days
    if left < 0:
        return Timetable("overdue", -left)
    if left <= warn_days:
        return Timetable("due_soon", left)
    return Timetable("on_schedule", left)
