"""The national approvals list shared by the JSON API and the board page: its filters, rows and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Response, request

from geoplatform.approvals import service
from geoplatform.errors import InvalidParameter
from geoplatform.project_filter import ProjectFilter
from layers.query import one_commodity, parse_codes, parse_countries, parse_region, region_range
from web import context
from web.request_checks import check_parameters

ITEM_FIELDS = (
    "kind",
    "kind_zh",
    "kind_en",
    "status",
    "authority",
    "authority_level",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "document_number",
    "statutory_due_on",
    "target_on",
    "target_reason",
    "effective_due_on",
    "effective_target_on",
    "paused_days",
    "timetable",
    "timetable_days",
    "gate",
    "notes",
    "version",
)
BOARD_FIELDS = (
    "project_code",
    "project_name_zh",
    "project_name_en",
    "region_code",
    "green_channel",
    *ITEM_FIELDS,
    "project_name",
    "country_code",
)
PROJECT_PARAMETERS = frozenset({"region", "country", "abroad", "chinese_stake", "green_channel", "commodity"})
"""The project filters every board and list accepts (see :func:`project_filter`)."""
BOARD_PARAMETERS = PROJECT_PARAMETERS | {"status", "kind", "overdue", "authority", "format"}


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def flag(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise InvalidParameter(f"Parameter '{name}' must be true or false.")


def project_filter() -> ProjectFilter:
    """The project filters of the request, shared by the approval board, the scheduling board and the
    regional lists: province, country, abroad, Chinese stake, green channel, commodity."""
    lists = context.codelists()
    words = context.vocabulary()
    countries, implied_region = parse_countries(request.args.get("country"), words)
    region = parse_region(request.args.get("region"), lists["admin_region"], words) or implied_region
    return ProjectFilter(
        region=region_range(region) if region else None,
        countries=countries,
        abroad=flag("abroad"),
        chinese_stake=flag("chinese_stake"),
        green_channel=flag("green_channel"),
        commodity=parse_codes(request.args.get("commodity"), "commodity", one_commodity(words)),
    )


def board_rows() -> list[dict[str, Any]]:
    """The national list with the filters of the request (shared by the API and the board page)."""
    check_parameters(BOARD_PARAMETERS)
    words = context.vocabulary()
    return service.board(
        context.engine(),
        statuses=parse_codes(request.args.get("status"), "status", lambda v: words.code_of("approval_status", v)),
        kinds=parse_codes(request.args.get("kind"), "kind", lambda v: words.code_of("approval_kind", v)),
        overdue=flag("overdue"),
        authority=_authority(request.args.get("authority")),
        projects=project_filter(),
    )


def _authority(raw: str | None) -> str | None:
    """The board's authority filter: a deciding authority's name, compared exactly (a bound value)."""
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > 200:
        raise InvalidParameter("Parameter 'authority' is longer than 200 characters.")
    return raw.strip()


def board_csv(rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BOARD_FIELDS)
    for row in rows:
        writer.writerow(["" if row.get(f) is None else jsonable(row.get(f)) for f in BOARD_FIELDS])
    # UTF-8 with BOM: Excel (the usual way these lists are opened) then shows Chinese correctly.
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=approvals.csv"
    return response
