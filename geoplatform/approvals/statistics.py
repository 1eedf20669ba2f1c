"""Approval statistics: counts, durations (paused days excluded), overdue items.

Durations are calendar days from acceptance to decision minus paused days, so a project that was
paused at its own request does not make an authority look slow.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from geoplatform.approvals import workflow


def _percentiles(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[-1]
    return {"n": len(ordered), "median": statistics.median(ordered), "p90": round(p90, 1)}


def duration_days(item: dict[str, Any]) -> int | None:
    if item["decided_on"] is None or item["accepted_on"] is None or item["status"] not in workflow.DECIDED:
        return None
    return (item["decided_on"] - item["accepted_on"]).days - item["paused_days"]


def summarise(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(items)
    by_kind: dict[str, list[int]] = defaultdict(list)
    by_kind_channel: dict[tuple[str, bool], list[int]] = defaultdict(list)
    by_region: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        days = duration_days(row)
        if days is None:
            continue
        by_kind[row["kind"]].append(days)
        by_kind_channel[(row["kind"], bool(row["green_channel"]))].append(days)
        if row["region_code"]:
            # Provinces are China's; items abroad are counted by country instead.
            by_region[row["region_code"]].append(days)
    return {
        "items": len(rows),
        "by_status": dict(Counter(r["status"] for r in rows).most_common()),
        "by_kind": dict(Counter(r["kind"] for r in rows).most_common()),
        "by_timetable": dict(Counter(r["timetable"] for r in rows).most_common()),
        "by_country": dict(Counter(r["country_code"] for r in rows).most_common()),
        "days_by_kind": {kind: _percentiles(v) for kind, v in sorted(by_kind.items())},
        "days_by_kind_and_channel": [
            {"kind": kind, "green_channel": green, **_percentiles(v)}
            for (kind, green), v in sorted(by_kind_channel.items())
        ],
        "days_by_region": {region: _percentiles(v) for region, v in sorted(by_region.items())},
        "overdue": sorted((r for r in rows if r["timetable"] == "overdue"), key=lambda r: -(r["timetable_days"] or 0)),
    }
