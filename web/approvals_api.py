"""Approval API: ``/api/v1/projects/<code>/approvals…`` and the national list ``/api/v1/approvals``.

Reads are public; every write needs the editor role and names the ``version`` it read (body field or
``If-Match``): a stale version gets 409 and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, Response, request

from geoplatform.approvals import service, statistics
from geoplatform.errors import InvalidParameter
from web import context
from web.access import current_account, require_role
from web.board import BOARD_FIELDS, ITEM_FIELDS, board_csv, board_rows, jsonable
from web.floor import check_code

bp = Blueprint("approvals_api", __name__, url_prefix="/api/v1")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=jsonable), status=status, mimetype="application/json")


def _pick(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: jsonable(row.get(f)) for f in fields}


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("The body must be a JSON object.")
    return body


def _date(body: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise InvalidParameter(f"Field '{name}' is required (YYYY-MM-DD).")
        return None
    try:
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidParameter(f"Field '{name}' must be a date written YYYY-MM-DD.")


def _version(body: dict[str, Any]) -> int:
    raw = request.headers.get("If-Match", body.get("version"))
    if isinstance(raw, str):
        raw = raw.strip().strip("W/").strip('"')
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidParameter("Name the version you read: field 'version' or header If-Match.") from None


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidParameter(f"Field '{name}' must be text.")
    return value


def _actor() -> str:
    account = current_account()
    assert account is not None  # require_role ran first
    return account.username


@bp.get("/projects/<code>/approvals")
def project_approvals(code: str) -> Response:
    data = service.project_approvals(context.engine(), check_code(code))
    data["items"] = [_pick(i, ITEM_FIELDS) for i in data["items"]]
    data["events"] = [
        _pick(
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
    return _json(data)


@bp.post("/projects/<code>/approvals")
@require_role("editor")
def add_items(code: str) -> Response:
    """``{"template": true}`` adds the usual items for the project type; ``{"kind": "..."}`` adds one."""
    body = _body()
    if body.get("template") is True:
        created = service.create_items_from_template(context.engine(), check_code(code), _actor())
    elif isinstance(body.get("kind"), str):
        service.add_item(context.engine(), check_code(code), body["kind"], _actor())
        created = 1
    else:
        raise InvalidParameter('Send {"template": true} or {"kind": "<approval kind>"}.')
    return _json({"created": created}, 201)


@bp.post("/projects/<code>/approvals/<kind>/events")
@require_role("editor")
def post_event(code: str, kind: str) -> Response:
    body = _body()
    status = body.get("status")
    if not isinstance(status, str):
        raise InvalidParameter("Field 'status' is required: the item's new status.")
    change = service.Change(
        to_status=status,
        event_date=_date(body, "event_date"),  # type: ignore[arg-type]
        expected_version=_version(body),
        comment=_text(body, "comment"),
        document_number=_text(body, "document_number"),
        authority=_text(body, "authority"),
        target_on=_date(body, "target_on", required=False),
        target_reason=_text(body, "target_reason"),
    )
    version = service.record_change(context.engine(), check_code(code), kind, change, _actor())
    response = _json({"kind": kind, "status": status, "version": version}, 201)
    response.headers["ETag"] = f'"{version}"'
    return response


@bp.post("/projects/<code>/approvals/<kind>/target")
@require_role("editor")
def post_target(code: str, kind: str) -> Response:
    body = _body()
    reason = _text(body, "reason")
    if not reason:
        raise InvalidParameter("Field 'reason' is required: a target_change_reason code.")
    version = service.change_target(
        context.engine(),
        check_code(code),
        kind,
        target_on=_date(body, "target_on"),  # type: ignore[arg-type]
        reason=reason,
        expected_version=_version(body),
        actor=_actor(),
        comment=_text(body, "comment"),
    )
    return _json({"kind": kind, "version": version})


@bp.post("/projects/<code>/pause")
@require_role("editor")
def pause(code: str) -> Response:
    body = _body()
    service.pause_project(
        context.engine(),
        check_code(code),
        started_on=_date(body, "started_on"),  # type: ignore[arg-type]
        reason=_text(body, "reason") or "",
        actor=_actor(),
    )
    return _json({"paused": True})


@bp.post("/projects/<code>/resume")
@require_role("editor")
def resume(code: str) -> Response:
    body = _body()
    service.resume_project(
        context.engine(),
        check_code(code),
        ended_on=_date(body, "ended_on"),  # type: ignore[arg-type]
        actor=_actor(),
        comment=_text(body, "comment"),
    )
    return _json({"paused": False})


@bp.get("/approvals/statistics")
def approval_statistics() -> Response:
    """Counts and durations (median, 90th percentile) for the items matching the board's filters."""
    summary = statistics.summarise(board_rows())
    summary["overdue"] = [_pick(r, BOARD_FIELDS) for r in summary["overdue"]]
    return _json(summary)


@bp.get("/approvals")
def approvals() -> Response:
    rows = board_rows()
    if request.args.get("format") == "csv":
        return board_csv(rows)
    return _json({"numberReturned": len(rows), "items": [_pick(r, BOARD_FIELDS) for r in rows]})


@bp.get("/calendar")
def calendar() -> Response:
    """The holiday calendar's reach: first and last day known, and the years of the next twelve months
    that are missing (then working-day and calendar-day deadlines there ignore public holidays)."""
    cover = service.calendar_coverage(context.engine())
    return _json(
        {
            "first_day": cover.first_day,
            "last_day": cover.last_day,
            "missing_years": cover.missing_years,
            "sufficient": cover.sufficient,
        }
    )
