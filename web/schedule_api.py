"""Scheduling API: the board ``/api/v1/schedule`` and a project's milestones, progress and problems.

Reads are public; writes need the editor role; a change to an existing milestone or report names the
``version`` it read (409 when stale), and every write leaves a ``schedule_event``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from geoplatform.errors import InvalidParameter
from geoplatform.scheduling import board, service
from web import context
from web.access import require_role
from web.floor import check_code
from web.json_io import actor, body, date_field, json_response, pick, text_field, version_field
from web.request_checks import check_parameters
from web.schedule_board import MILESTONE_FIELDS, SCHEDULE_FIELDS, schedule_csv, schedule_rows
from web.supply_view import csv_response

bp = Blueprint("schedule_api", __name__, url_prefix="/api/v1")

REPORT_FIELDS = (
    "month",
    "percent_complete",
    "investment_month_cny_10k",
    "investment_total_cny_10k",
    "summary",
    "reported_by",
    "version",
)
PROBLEM_FIELDS = ("id", "raised_in", "description", "owner", "resolved_on")
EVENT_FIELDS = (
    "id",
    "recorded_at",
    "actor",
    "action",
    "milestone_kind",
    "report_month",
    "reason",
    "comment",
    "changes",
)


@bp.get("/schedule")
def schedule() -> Response:
    rows = schedule_rows()
    if request.args.get("format") == "csv":
        return schedule_csv(rows)
    return json_response({"numberReturned": len(rows), "milestones": [pick(r, SCHEDULE_FIELDS) for r in rows]})


TABLES = {"milestones": MILESTONE_FIELDS, "reports": REPORT_FIELDS, "problems": PROBLEM_FIELDS, "events": EVENT_FIELDS}


@bp.get("/projects/<code>/schedule")
def project_schedule(code: str) -> Response:
    """A project's schedule as JSON; ``format=csv&table=milestones|reports|problems|events`` one table as CSV."""
    check_parameters({"format", "table"})
    data = board.project_schedule(context.engine(), check_code(code))
    if request.args.get("format") == "csv":
        table = request.args.get("table", "milestones")
        if table not in TABLES:
            raise InvalidParameter("Parameter 'table' is one of " + ", ".join(TABLES) + ".")
        rows = data[table]
        if table == "events":  # the changes as JSON text in their cell, not a Python repr
            rows = [{**e, "changes": json.dumps(e["changes"], ensure_ascii=False)} for e in rows]
        return csv_response(TABLES[table], rows, f"{code}-{table}")
    if request.args.get("format") not in (None, "", "json"):
        raise InvalidParameter("Parameter 'format' is json or csv.")
    data["milestones"] = [pick(m, MILESTONE_FIELDS) for m in data["milestones"]]
    data["reports"] = [pick(r, REPORT_FIELDS) for r in data["reports"]]
    data["problems"] = [pick(p, PROBLEM_FIELDS) for p in data["problems"]]
    data["events"] = [pick(e, EVENT_FIELDS) for e in data["events"]]
    return json_response(data)


@bp.post("/projects/<code>/milestones/<kind>")
@require_role("editor")
def post_milestone(code: str, kind: str) -> Response:
    """``{"planned_on": …}`` plans (the first plan is the baseline) or replans with ``reason``;
    ``{"actual_on": …}`` records that the milestone was reached."""
    data = body()
    change = service.MilestoneChange(
        planned_on=date_field(data, "planned_on", required=False),
        actual_on=date_field(data, "actual_on", required=False),
        reason=text_field(data, "reason"),
        comment=text_field(data, "comment"),
        expected_version=version_field(data, required=False),
    )
    version = service.record_milestone(context.engine(), check_code(code), kind, change, actor())
    response = json_response({"kind": kind, "version": version}, 201 if version == 1 else 200)
    response.headers["ETag"] = f'"{version}"'
    return response


def _problems(data: dict[str, Any]) -> tuple[service.Problem, ...]:
    raw = data.get("problems", [])
    if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
        raise InvalidParameter('Field \'problems\' must be a list of {"description": …, "owner": …}.')
    return tuple(
        service.Problem(description=text_field(p, "description") or "", owner=text_field(p, "owner") or "") for p in raw
    )


@bp.post("/projects/<code>/progress")
@require_role("editor")
def post_progress(code: str) -> Response:
    """A month's report: ``month`` (YYYY-MM), ``percent_complete``, ``investment_month_cny_10k``,
    ``investment_total_cny_10k`` (10⁴ CNY), ``summary``, ``problems``; ``version`` to revise one."""
    data = body()
    for name in ("month", "percent_complete", "investment_month_cny_10k", "investment_total_cny_10k"):
        if data.get(name) in (None, "") or isinstance(data.get(name), bool):
            raise InvalidParameter(f"Field '{name}' is required.")
    report = service.Report(
        month=service.parse_month(str(data["month"])),
        percent_complete=service.parse_amount("percent_complete", data["percent_complete"]),
        investment_month=service.parse_amount("investment_month_cny_10k", data["investment_month_cny_10k"]),
        investment_total=service.parse_amount("investment_total_cny_10k", data["investment_total_cny_10k"]),
        summary=text_field(data, "summary"),
        problems=_problems(data),
        expected_version=version_field(data, required=False),
    )
    version = service.submit_report(context.engine(), check_code(code), report, actor())
    return json_response({"month": report.month.isoformat()[:7], "version": version}, 201 if version == 1 else 200)


@bp.post("/projects/<code>/problems/<int:problem_id>/resolve")
@require_role("editor")
def resolve(code: str, problem_id: int) -> Response:
    data = body()
    service.resolve_problem(
        context.engine(),
        check_code(code),
        problem_id,
        date_field(data, "resolved_on"),  # type: ignore[arg-type]
        actor(),
        comment=text_field(data, "comment"),
    )
    return json_response({"problem": problem_id, "resolved": True})
