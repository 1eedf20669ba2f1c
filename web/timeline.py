"""A project's approvals as a Gantt-like timeline, laid out in Python and drawn with plain HTML/CSS.

Each item is a bar from submission to decision (or today); the target date is a tick; colour is
the timetable state. Positions are percentages of the project's date span, so the page needs no
JavaScript and prints as it shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoplatform.approvals import workflow
from web import context


def layout(items: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    dates = [d for i in items for d in (i["submitted_on"], i["decided_on"], i["effective_target_on"]) if d]
    dates = dates or [today - dt.timedelta(days=90)]  # nothing submitted yet: an empty quarter up to today
    start = min(dates) - dt.timedelta(days=7)
    end = max([*dates, today]) + dt.timedelta(days=7)
    span = (end - start).days

    def pct(day: dt.date) -> float:
        return round(100 * (day - start).days / span, 2)

    rows = []
    for item in items:
        row: dict[str, Any] = {"item": item, "bar": None, "target": None}
        if item["submitted_on"]:
            finish = item["decided_on"] or today
            row["bar"] = (pct(item["submitted_on"]), max(pct(finish) - pct(item["submitted_on"]), 0.6))
        if item["effective_target_on"]:
            row["target"] = pct(item["effective_target_on"])
        rows.append(row)
    years = range(start.year + 1, end.year + 1)
    ticks = [(pct(dt.date(y, 1, 1)), str(y)) for y in years]
    return {"rows": rows, "start": start, "end": end, "today": pct(today), "ticks": ticks}


TIMETABLE_COLOURS = {
    "overdue": "#c62828",
    "due_soon": "#ef6c00",
    "paused": "#6a1b9a",
    "on_schedule": "#1565c0",
    "no_limit": "#4db6ac",
    "completed_late": "#8d6e63",
    "completed_on_time": "#2e7d32",
    "completed": "#81c784",
    "no_clock": "#9e9e9e",
    "not_applicable": "#cfd8dc",
}


def allowed_next(status: str) -> list[str]:
    """Next statuses for an item's form, in codelist order."""
    order = list(context.codelists()["approval_status"])
    return [s for s in order if s in workflow.TRANSITIONS[status]]
