"""Deadline arithmetic on China's working-day calendar, with pauses excluded, and timetable states."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from geoplatform.approvals.calendar import WorkCalendar, load_calendar
from geoplatform.approvals.timetable import clock, timetable

D = dt.date


@pytest.fixture(scope="module")
def calendar(engine: Engine) -> WorkCalendar:
    with engine.connect() as conn:
        return load_calendar(conn)


def test_make_up_working_days_count_and_holidays_do_not(calendar: WorkCalendar) -> None:
    assert calendar.is_working_day(D(2025, 1, 26))  # Sunday, Spring Festival make-up day
    assert calendar.is_working_day(D(2025, 2, 8))  # Saturday, make-up day
    assert not calendar.is_working_day(D(2025, 1, 29))  # Spring Festival
    assert not calendar.is_working_day(D(2025, 10, 8))  # National Day + Mid-Autumn
    assert calendar.is_working_day(D(2025, 9, 28))  # Sunday, National Day make-up day
    assert not calendar.is_working_day(D(2025, 3, 1))  # an ordinary Saturday


def test_twenty_working_days_across_the_2025_spring_festival(calendar: WorkCalendar) -> None:
    # Accepted Thursday 2025-01-23. Working days: Jan 24, Sun Jan 26 (make-up), Jan 27; holiday Jan 28-Feb 4;
    # Feb 5, 6, 7, Sat Feb 8 (make-up) = 7; Feb 10-14 = 12; Feb 17-21 = 17; Feb 24, 25, 26 = 20.
    assert calendar.due_date(D(2025, 1, 23), 20, "working") == D(2025, 2, 26)


def test_twenty_working_days_across_national_day_2025(calendar: WorkCalendar) -> None:
    # Accepted Wednesday 2025-09-24: Sep 25, 26, Sun 28 (make-up), 29, 30 = 5; holiday Oct 1-8;
    # Oct 9, 10, Sat 11 (make-up) = 8; Oct 13-17 = 13; Oct 20-24 = 18; Oct 27, 28 = 20.
    assert calendar.due_date(D(2025, 9, 24), 20, "working") == D(2025, 10, 28)


def test_spring_festival_2026_with_both_make_up_saturdays(calendar: WorkCalendar) -> None:
    # Accepted Thursday 2026-02-12: Feb 13, Sat 14 (make-up) = 2; holiday Feb 15-23; Feb 24-27 = 6,
    # Sat Feb 28 (make-up) = 7; Mar 2-4 = 10.
    assert calendar.due_date(D(2026, 2, 12), 10, "working") == D(2026, 3, 4)


def test_calendar_day_limits_count_every_day_and_a_sunday_end_moves_to_monday(calendar: WorkCalendar) -> None:
    # 60 days from 2025-09-24 end on Sunday 2025-11-23, a weekly rest day: 民法典 art. 203 moves it to Monday.
    assert calendar.due_date(D(2025, 9, 24), 60, "calendar") == D(2025, 11, 24)
    assert calendar.due_date(D(2025, 9, 24), 59, "calendar") == D(2025, 11, 24)  # Saturday → Monday
    assert calendar.due_date(D(2025, 9, 24), 57, "calendar") == D(2025, 11, 20)  # a Thursday stays
    assert calendar.due_date(D(2025, 9, 24), 0, "calendar") == D(2025, 9, 24)


def test_an_eia_report_accepted_on_6_august_2026_is_due_after_the_national_day_holiday(
    calendar: WorkCalendar,
) -> None:
    # 60 calendar days end on Monday 2026-10-05, inside the National Day holiday (Oct 1-7): 民法典 art. 203
    # ends the limit on the day after the holiday, Thursday 2026-10-08.
    assert calendar.due_date(D(2026, 8, 6), 60, "calendar") == D(2026, 10, 8)


def test_a_calendar_day_limit_ending_in_the_spring_festival_ends_after_it(calendar: WorkCalendar) -> None:
    # 60 days from 2025-12-17 end on 2026-02-15, the first day of the Spring Festival holiday (Feb 15-23).
    assert calendar.due_date(D(2025, 12, 17), 60, "calendar") == D(2026, 2, 24)
    # 30 days from 2025-01-01 end on 2025-01-31, inside the 2025 holiday (Jan 28 - Feb 4).
    assert calendar.due_date(D(2025, 1, 1), 30, "calendar") == D(2025, 2, 5)


def test_a_calendar_day_limit_ending_on_a_make_up_saturday_stays_there(calendar: WorkCalendar) -> None:
    # Saturday 2026-02-28 is a make-up working day (调休上班), not a rest day.
    assert calendar.due_date(D(2026, 1, 29), 30, "calendar") == D(2026, 2, 28)


def test_paused_days_do_not_count(calendar: WorkCalendar) -> None:
    plain = calendar.due_date(D(2025, 3, 3), 10, "working")
    paused = calendar.due_date(D(2025, 3, 3), 10, "working", [(D(2025, 3, 5), D(2025, 3, 11))])
    # The pause covers five working days (Mar 5, 6, 7, 10, 11): the deadline moves five working days.
    assert plain == D(2025, 3, 17)
    assert paused == D(2025, 3, 24)
    assert calendar.days_counted(D(2025, 3, 3), D(2025, 3, 24), "working", [(D(2025, 3, 5), D(2025, 3, 11))]) == 10


def test_a_pause_is_excluded_from_overrun(calendar: WorkCalendar) -> None:
    accepted, today = D(2025, 6, 2), D(2025, 8, 15)
    without = clock(
        accepted_on=accepted,
        decided_on=None,
        target_on=None,
        statutory_days=30,
        day_kind="calendar",
        calendar=calendar,
        pauses=[],
        today=today,
    )
    assert timetable("under_review", without, None, today, paused_now=False).state == "overdue"
    with_pause = clock(
        accepted_on=accepted,
        decided_on=None,
        target_on=None,
        statutory_days=30,
        day_kind="calendar",
        calendar=calendar,
        pauses=[(D(2025, 6, 10), D(2025, 8, 1))],
        today=today,
    )
    assert with_pause.paused_days == 53
    # 30 counted days end on Sunday 2025-08-24, a rest day: the limit ends on Monday (民法典 art. 203).
    assert with_pause.statutory_due == D(2025, 8, 25)
    state = timetable("under_review", with_pause, None, today, paused_now=False)
    assert (state.state, state.days) == ("due_soon", 10)


def test_timetable_states(calendar: WorkCalendar) -> None:
    today = D(2025, 5, 20)
    running = clock(
        accepted_on=D(2025, 5, 6),
        decided_on=None,
        target_on=None,
        statutory_days=30,
        day_kind="calendar",
        calendar=calendar,
        pauses=[],
        today=today,
    )
    assert timetable("accepted", running, None, today, False).state == "on_schedule"
    assert timetable("accepted", running, None, today, True).state == "paused"
    assert (
        timetable(
            "preparing",
            clock(
                accepted_on=None,
                decided_on=None,
                target_on=None,
                statutory_days=30,
                day_kind="calendar",
                calendar=calendar,
                pauses=[],
                today=today,
            ),
            None,
            today,
            False,
        ).state
        == "no_clock"
    )
    done = clock(
        accepted_on=D(2025, 3, 1),
        decided_on=D(2025, 4, 10),
        target_on=None,
        statutory_days=30,
        day_kind="calendar",
        calendar=calendar,
        pauses=[],
        today=today,
    )
    late = timetable("approved", done, D(2025, 4, 10), today, False)
    assert (late.state, late.days) == ("completed_late", 10)
    assert timetable("not_applicable", done, None, today, False).state == "not_applicable"
    green = clock(
        accepted_on=D(2025, 5, 6),
        decided_on=None,
        target_on=D(2025, 5, 16),
        statutory_days=30,
        day_kind="calendar",
        calendar=calendar,
        pauses=[],
        today=today,
    )
    overdue = timetable("under_review", green, None, today, False)
    assert (overdue.state, overdue.days) == ("overdue", 4), "a shorter green-channel target is what counts"


def test_an_item_without_a_time_limit_is_never_overdue_unless_it_records_a_target(calendar: WorkCalendar) -> None:
    """Host-country licences and bank registrations have no limit in Chinese law (statutory_days NULL)."""
    today = D(2025, 12, 1)

    def host_clock(decided_on: dt.date | None, target_on: dt.date | None = None):
        return clock(
            accepted_on=D(2025, 1, 6),
            decided_on=decided_on,
            target_on=target_on,
            statutory_days=None,
            day_kind="calendar",
            calendar=calendar,
            pauses=[],
            today=today,
        )

    assert host_clock(None).statutory_due is None
    assert timetable("under_review", host_clock(None), None, today, False).state == "no_limit"
    assert timetable("under_review", host_clock(None), None, today, True).state == "paused"
    assert timetable("approved", host_clock(D(2025, 11, 1)), D(2025, 11, 1), today, False).state == "completed"
    with_target = timetable("under_review", host_clock(None, D(2025, 6, 30)), None, today, False)
    assert (with_target.state, with_target.days) == ("overdue", 154), "a target recorded on the item counts"
