"""Approval pages: the national board (``/approvals``), the dashboard, and the editor forms.

Forms post to these views with a CSRF token; each view checks the role, turns the form into the
same service call the JSON API makes, and redirects back with a message. Errors are shown, never
half-applied: the service writes nothing when it refuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

from geoplatform.approvals import service, statistics
from geoplatform.catalogue_stats import catalogue_statistics
from geoplatform.errors import InvalidParameter
from web import context
from web.access import require_role
from web.board import BOARD_PARAMETERS, PROJECT_PARAMETERS, board_rows
from web.floor import check_code
from web.i18n import code_label, label
from web.json_io import actor
from web.messages import GROUPS
from web.request_checks import apply_form
from web.timeline import TIMETABLE_COLOURS

bp = Blueprint("approvals_pages", __name__)


def _filters() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in BOARD_PARAMETERS and k != "format" and v}


@bp.get("/approvals")
def board() -> str:
    rows = board_rows()
    filters = _filters()
    return render_template(
        "approvals_board.html",
        rows=rows,
        filters=filters,
        project_query={k: v for k, v in filters.items() if k in PROJECT_PARAMETERS},
        authorities=service.authorities(context.engine()),
        countries=service.countries(context.engine()),
        csv_url=url_for("approvals_api.approvals") + "?" + urlencode({**filters, "format": "csv"}),
        colours=TIMETABLE_COLOURS,
        calendar=service.calendar_coverage(context.engine()),
    )


@bp.get("/dashboard")
def dashboard() -> str:
    """The catalogue counted (per strategic mineral at home and abroad, country, province, status,
    stage, size class) and today's approval statistics; charts drawn as SVG, numbers as tables."""
    summary = statistics.summarise(board_rows())
    with context.read_engine().connect() as conn:
        catalogue = catalogue_statistics(conn)
    minerals = _minerals(catalogue)
    return render_template(
        "dashboard.html",
        s=summary,
        charts=_charts(summary),
        filters=_filters(),
        colours=TIMETABLE_COLOURS,
        c=catalogue,
        minerals=minerals,
        catalogue_charts={
            **_catalogue_charts(catalogue),
            "minerals_deposits": [(m["label"], m["deposits"]["home"], m["deposits"]["abroad"]) for m in minerals],
            "minerals_projects": [(m["label"], m["projects"]["home"], m["projects"]["abroad"]) for m in minerals],
        },
    )


def _minerals(catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per strategic mineral the catalogue has: deposits and projects at home and abroad."""
    rows = []
    for code, row in context.codelists()["commodity"].items():
        deposits = catalogue["commodity"]["deposits"].get(code, {"home": 0, "abroad": 0})
        projects = catalogue["commodity"]["projects"].get(code, {"home": 0, "abroad": 0})
        if row.get("strategic") and (sum(deposits.values()) or sum(projects.values())):
            rows.append({"code": code, "label": label(row), "deposits": deposits, "projects": projects})
    return rows


def _catalogue_charts(catalogue: dict[str, Any]) -> dict[str, list[tuple[str, Any, str | None]]]:
    def ranked(counts: dict[str, int], codelist: str, top: int = 15) -> list[tuple[str, Any, str | None]]:
        best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
        return [(code_label(codelist, code), n, None) for code, n in best]

    def ordered(counts: dict[str, int], codelist: str) -> list[tuple[str, Any, str | None]]:
        return [
            (label(row), counts[code], None) for code, row in context.codelists()[codelist].items() if code in counts
        ]

    return {
        "country": ranked(catalogue["country"]["deposits"], "country"),
        "province": ranked(catalogue["province"]["deposits"], "admin_region"),
        "status": ordered(catalogue["status"]["deposits"], "development_status"),
        "stage": ordered(catalogue["stage"]["projects"], "project_stage"),
        "size_class": ordered(catalogue["size_class"]["deposits"], "size_class"),
    }


def _charts(summary: dict[str, Any]) -> dict[str, list[tuple[str, Any, str | None]]]:
    """Rows (label, value, colour) for the dashboard's bar charts, labels in the current language."""
    green, normal = "#2e7d32", "#1565c0"
    return {
        "timetable": [
            (str(GROUPS["timetable"][k]), v, TIMETABLE_COLOURS[k]) for k, v in summary["by_timetable"].items()
        ],
        "status": [(code_label("approval_status", k), v, None) for k, v in summary["by_status"].items()],
        "kind": [(code_label("approval_kind", k), v, None) for k, v in summary["by_kind"].items()],
        "country": [(code_label("country", k), v, None) for k, v in summary["by_country"].items()],
        "median_by_kind_channel": [
            (
                code_label("approval_kind", row["kind"]),
                row["median"],
                green if row["green_channel"] else normal,
            )
            for row in summary["days_by_kind_and_channel"]
        ],
        "p90_by_kind": [(code_label("approval_kind", k), v["p90"], None) for k, v in summary["days_by_kind"].items()],
        "median_by_region": [
            (code_label("admin_region", k), v["median"], None) for k, v in summary["days_by_region"].items()
        ],
    }


def _form_date(name: str) -> dt.date:
    raw = request.form.get(name, "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"Field '{name}' must be a date written YYYY-MM-DD.") from None


def _form_int(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise InvalidParameter(f"Field '{name}' is missing; reload the page.")
    return int(raw)


def _apply(code: str, action: Any) -> Response:
    """Run a service call for a form; show the outcome on the project page either way."""
    return apply_form(action, url_for("pages.project_page", code=code) + "#approvals")


@bp.post("/projects/<code>/approvals/<kind>")
@require_role("editor")
def record(code: str, kind: str) -> Response:
    check_code(code)

    def action() -> None:
        target = request.form.get("target_on") or None
        change = service.Change(
            to_status=request.form.get("status", ""),
            event_date=_form_date("event_date"),
            expected_version=_form_int("version"),
            comment=request.form.get("comment") or None,
            document_number=request.form.get("document_number") or None,
            target_on=_form_date("target_on") if target else None,
            target_reason=request.form.get("target_reason") or None,
        )
        service.record_change(context.engine(), code, kind, change, actor())

    return _apply(code, action)


@bp.post("/projects/<code>/approvals/<kind>/target")
@require_role("editor")
def target(code: str, kind: str) -> Response:
    check_code(code)
    return _apply(
        code,
        lambda: service.change_target(
            context.engine(),
            code,
            kind,
            target_on=_form_date("target_on"),
            reason=request.form.get("reason", ""),
            expected_version=_form_int("version"),
            actor=actor(),
            comment=request.form.get("comment") or None,
        ),
    )


@bp.post("/projects/<code>/pause")
@require_role("editor")
def pause(code: str) -> Response:
    check_code(code)
    return _apply(
        code,
        lambda: service.pause_project(
            context.engine(),
            code,
            started_on=_form_date("started_on"),
            reason=request.form.get("reason", ""),
            actor=actor(),
        ),
    )


@bp.post("/projects/<code>/resume")
@require_role("editor")
def resume(code: str) -> Response:
    check_code(code)
    return _apply(
        code,
        lambda: service.resume_project(
            context.engine(),
            code,
            ended_on=_form_date("ended_on"),
            actor=actor(),
            comment=request.form.get("comment") or None,
        ),
    )
