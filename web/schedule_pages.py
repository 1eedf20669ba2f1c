"""Scheduling pages: the board ``/schedule`` beside the approval board, and the editor forms of a
project's milestones, monthly progress and coordination problems (posted with a CSRF token, turned into
the same service calls the API makes, answered with a message on the project page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

from geoplatform.approvals import service as approvals
from geoplatform.errors import InvalidParameter
from geoplatform.scheduling import board, service
from web import context
from web.access import require_role
from web.board import PROJECT_PARAMETERS
from web.floor import check_code
from web.json_io import actor
from web.request_checks import apply_form
from web.schedule_board import SCHEDULE_COLOURS, SCHEDULE_PARAMETERS, schedule_rows

bp = Blueprint("schedule_pages", __name__)


@bp.get("/schedule")
def schedule_board() -> str:
    rows = schedule_rows()
    filters = {k: v for k, v in request.args.items() if k in SCHEDULE_PARAMETERS and k != "format" and v}
    return render_template(
        "schedule_board.html",
        rows=rows,
        filters=filters,
        project_query={k: v for k, v in filters.items() if k in PROJECT_PARAMETERS},
        states=[s for s in board.SEVERITY if s != "unplanned"],
        countries=approvals.countries(context.engine()),
        csv_url=url_for("schedule_api.schedule") + "?" + urlencode({**filters, "format": "csv"}),
        colours=SCHEDULE_COLOURS,
    )


def _date(name: str, required: bool = True) -> dt.date | None:
    raw = request.form.get(name, "").strip()
    if not raw and not required:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"Field '{name}' must be a date written YYYY-MM-DD.") from None


def _version() -> int | None:
    raw = request.form.get("version", "").strip()
    return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None


def _apply(code: str, action: Callable[[], object]) -> Response:
    return apply_form(action, url_for("pages.project_page", code=code) + "#schedule")


@bp.post("/projects/<code>/milestones")
@require_role("editor")
def milestone(code: str) -> Response:
    check_code(code)

    def action() -> None:
        change = service.MilestoneChange(
            planned_on=_date("planned_on", required=False),
            actual_on=_date("actual_on", required=False),
            reason=request.form.get("reason") or None,
            comment=request.form.get("comment") or None,
            expected_version=_version(),
        )
        service.record_milestone(context.engine(), code, request.form.get("kind", ""), change, actor())

    return _apply(code, action)


@bp.post("/projects/<code>/progress")
@require_role("editor")
def progress(code: str) -> Response:
    check_code(code)

    def action() -> None:
        problem = (request.form.get("problem") or "").strip()
        owner = (request.form.get("owner") or "").strip()
        if bool(problem) != bool(owner):
            raise InvalidParameter("A problem needs both its description and who is to solve it.")
        report = service.Report(
            month=service.parse_month(request.form.get("month", "")),
            percent_complete=service.parse_amount("percent_complete", request.form.get("percent_complete", "")),
            investment_month=service.parse_amount("investment_month_cny_10k", request.form.get("investment_month", "")),
            investment_total=service.parse_amount("investment_total_cny_10k", request.form.get("investment_total", "")),
            summary=request.form.get("summary") or None,
            problems=(service.Problem(problem, owner),) if problem else (),
            expected_version=_version(),
        )
        service.submit_report(context.engine(), code, report, actor())

    return _apply(code, action)


@bp.post("/projects/<code>/problems/<int:problem_id>/resolve")
@require_role("editor")
def resolve(code: str, problem_id: int) -> Response:
    check_code(code)
    return _apply(
        code,
        lambda: service.resolve_problem(
            context.engine(),
            code,
            problem_id,
            _date("resolved_on"),
            actor(),  # type: ignore[arg-type]
            comment=request.form.get("comment") or None,
        ),
    )
