"""Approval API: ``/api/v1/projects/<code>/approvals…`` and the national list ``/api/v1/approvals``.

Reads are public; every write needs the editor role and names the ``version`` it read (body field or
``If-Match``): a stale version gets 409 and nothing is written.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from geoplatform.approvals import service, statistics
from geoplatform.errors import InvalidParameter
from web import context
from web.access import require_role
from web.board import BOARD_FIELDS, ITEM_FIELDS, board_csv, board_rows
from web.floor import check_code
from web.json_io import actor, body, date_field, json_response, pick, text_field, version_field

bp = Blueprint("approvals_api", __name__, url_prefix="/api/v1")


@bp.get("/projects/<code>/approvals")
def project_approvals(code: str) -> Response:
    data = service.project_approvals(context.engine(), check_code(code))
    data["items"] = [pick(i, ITEM_FIELDS) for i in data["items"]]
    data["events"] = [
        pick(
            e,
            (
                "id",
                "kind",
                "recorded_at",
                "actor",
                "action",
                "from_status",
                "to_status",
                "event_date",
                "reason",
                "comment",
                "changes",
            ),
        )
        for e in data["events"]
    ]
    return json_response(data)


@bp.post("/projects/<code>/approvals")
@require_role("editor")
def add_items(code: str) -> Response:
    """``{"template": true}`` adds the usual items for the project type; ``{"kind": "..."}`` adds one."""
    data = body()
    if data.get("template") is True:
        created = service.create_items_from_template(context.engine(), check_code(code), actor())
    elif isinstance(data.get("kind"), str):
        service.add_item(context.engine(), check_code(code), data["kind"], actor())
        created = 1
    else:
        raise InvalidParameter('Send {"template": true} or {"kind": "<approval kind>"}.')
    return json_response({"created": created}, 201)


@bp.post("/projects/<code>/approvals/<kind>/events")
@require_role("editor")
def post_event(code: str, kind: str) -> Response:
    data = body()
    status = data.get("status")
    if not isinstance(status, str):
        raise InvalidParameter("Field 'status' is required: the item's new status.")
    change = service.Change(
        to_status=status,
        event_date=date_field(data, "event_date"),  # type: ignore[arg-type]
        expected_version=version_field(data),
        comment=text_field(data, "comment"),
        document_number=text_field(data, "document_number"),
        authority=text_field(data, "authority"),
        target_on=date_field(data, "target_on", required=False),
        target_reason=text_field(data, "target_reason"),
    )
    version = service.record_change(context.engine(), check_code(code), kind, change, actor())
    response = json_response({"kind": kind, "status": status, "version": version}, 201)
    response.headers["ETag"] = f'"{version}"'
    return response


@bp.post("/projects/<code>/approvals/<kind>/target")
@require_role("editor")
def post_target(code: str, kind: str) -> Response:
    data = body()
    reason = text_field(data, "reason")
    if not reason:
        raise InvalidParameter("Field 'reason' is required: a target_change_reason code.")
    version = service.change_target(
        context.engine(),
        check_code(code),
        kind,
        target_on=date_field(data, "target_on"),  # type: ignore[arg-type]
        reason=reason,
        expected_version=version_field(data),
        actor=actor(),
        comment=text_field(data, "comment"),
    )
    return json_response({"kind": kind, "version": version})


@bp.post("/projects/<code>/pause")
@require_role("editor")
def pause(code: str) -> Response:
    data = body()
    service.pause_project(
        context.engine(),
        check_code(code),
        started_on=date_field(data, "started_on"),  # type: ignore[arg-type]
        reason=text_field(data, "reason") or "",
        actor=actor(),
    )
    return json_response({"paused": True})


@bp.post("/projects/<code>/resume")
@require_role("editor")
def resume(code: str) -> Response:
    data = body()
    service.resume_project(
        context.engine(),
        check_code(code),
        ended_on=date_field(data, "ended_on"),  # type: ignore[arg-type]
        actor=actor(),
        comment=text_field(data, "comment"),
    )
    return json_response({"paused": False})


@bp.get("/approvals/statistics")
def approval_statistics() -> Response:
    """Counts and durations (median, 90th percentile) for the items matching the board's filters."""
    summary = statistics.summarise(board_rows())
    summary["overdue"] = [pick(r, BOARD_FIELDS) for r in summary["overdue"]]
    return json_response(summary)


@bp.get("/approvals")
def approvals() -> Response:
    rows = board_rows()
    if request.args.get("format") == "csv":
        return board_csv(rows)
    return json_response({"numberReturned": len(rows), "items": [pick(r, BOARD_FIELDS) for r in rows]})


@bp.get("/calendar")
def calendar() -> Response:
    """The holiday calendar's reach: first and last day known, and the years of the next twelve months
    that are missing (then working-day and calendar-day deadlines there ignore public holidays)."""
    cover = service.calendar_coverage(context.engine())
    return json_response(
        {
            "first_day": cover.first_day,
            "last_day": cover.last_day,
            "missing_years": cover.missing_years,
            "sufficient": cover.sufficient,
        }
    )
