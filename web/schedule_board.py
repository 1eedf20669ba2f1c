"""The scheduling board shared by ``/api/v1/schedule`` and the ``/schedule`` page: filters, rows, CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from geoplatform.errors import InvalidParameter
from geoplatform.scheduling import board
from layers.query import parse_codes
from web import context
from web.board import PROJECT_PARAMETERS, flag, project_filter
from web.request_checks import check_parameters
from web.supply_view import csv_response

MILESTONE_FIELDS = (
    "kind",
    "baseline_on",
    "planned_on",
    "actual_on",
    "replans",
    "slip_days",
    "schedule",
    "schedule_days",
    "version",
)
SCHEDULE_FIELDS = (
    "project_code",
    "project_name_zh",
    "project_name_en",
    "project_name",
    "country_code",
    "region_code",
    "stage",
    "green_channel",
    *MILESTONE_FIELDS,
    "report_month",
    "percent_complete",
    "investment_total_cny_10k",
    "open_problems",
)
SCHEDULE_COLOURS = {  # worst first, as the states' severity
    "behind": "#c62828",
    "due_soon": "#ef6c00",
    "on_schedule": "#1565c0",
    "reached_late": "#8d6e63",
    "reached_on_time": "#2e7d32",
    "unplanned": "#9e9e9e",
}
SCHEDULE_PARAMETERS = PROJECT_PARAMETERS | {"kind", "state", "behind", "format"}


def _state(value: str) -> str:
    if value not in board.SEVERITY or value == "unplanned":
        raise InvalidParameter("Unknown schedule state; one of " + ", ".join(list(board.SEVERITY)[:-1]) + ".")
    return value


def schedule_rows() -> list[dict[str, Any]]:
    check_parameters(SCHEDULE_PARAMETERS)
    words = context.vocabulary()
    return board.board(
        context.engine(),
        kinds=parse_codes(request.args.get("kind"), "kind", lambda v: words.code_of("milestone_kind", v)),
        states=parse_codes(request.args.get("state"), "state", _state),
        behind=flag("behind"),
        projects=project_filter(),
    )


def schedule_csv(rows: list[dict[str, Any]]) -> Response:
    return csv_response(SCHEDULE_FIELDS, rows, "schedule")
