"""A project's approvals as a Gantt-like timeline, laid out in Python and drawn with plain HTML/CSS.

Each item is a bar from submission to decision (or today); the target date is a tick; colour is
the timetable state. Positions are percentages of the project's date span, so the page needs no
JavaScript and prints as it shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


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
