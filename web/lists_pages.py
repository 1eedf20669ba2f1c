"""Regional project lists (资源开发项目清单): ``/lists`` (every province and country), ``/lists/<area>``
(page, ``?format=csv`` or ``?format=xlsx`` laid out for submission) and ``/api/v1/lists…`` (JSON).

The page, the CSV and the XLSX are one table (:func:`submission_table`): the same columns, headers in
Chinese and English, codes as labels in the page's language; the API gives the rows with their codes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from geoplatform import project_lists
from geoplatform.errors import InvalidParameter
from web import context
from web.i18n import code_label, record_name
from web.json_io import json_response, pick
from web.messages import GROUPS
from web.request_checks import check_parameters

bp = Blueprint("lists_pages", __name__)

LIST_FIELDS = (
    "no",
    "code",
    "name",
    "name_zh",
    "name_en",
    "commodities",
    "project_type",
    "stage",
    "green_channel",
    "country_code",
    "region_code",
    "subdivision_code",
    "operator",
    "capacity",
    "capacity_unit",
    "investment_cny_100m",
    "approvals_granted",
    "approvals_total",
    "approvals_overdue",
    "approvals_timetable",
    "next_approval",
    "next_approval_due_on",
    "construction_start_planned_on",
    "construction_start_actual_on",
    "mechanical_completion_planned_on",
    "mechanical_completion_actual_on",
    "commissioning_planned_on",
    "commissioning_actual_on",
    "full_capacity_planned_on",
    "full_capacity_actual_on",
    "schedule",
    "behind_days",
    "percent_complete",
    "report_month",
    "status_as_of",
)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _number(value: Decimal | float | int | None) -> float | int | str:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else float(value)


def _location(row: dict[str, Any]) -> str:
    if row["country_code"] == "CN":
        return code_label("admin_region", row["region_code"])
    return row["subdivision_code"] or code_label("country", row["country_code"])


def _operator(row: dict[str, Any]) -> str:
    return record_name({"name": row["operator"], "name_zh": row["operator_zh"], "name_en": row["operator_en"]})


Column = tuple[str, str, Callable[[dict[str, Any]], Any]]


def _columns() -> list[Column]:
    """(Chinese header, English header, value of a row) for every column, in the order of the form."""
    columns: list[Column] = [
        ("序号", "No.", lambda r: r["no"]),
        ("项目编码", "Code", lambda r: r["code"]),
        ("项目名称", "Project", lambda r: record_name(r)),
        ("矿种", "Commodities", lambda r: "、".join(code_label("commodity", c) for c in r["commodities"])),
        ("项目类型", "Type", lambda r: code_label("project_type", r["project_type"])),
        ("所在地", "Location", _location),
        ("项目阶段", "Stage", lambda r: code_label("project_stage", r["stage"])),
        ("运营主体", "Operator", _operator),
        ("设计产能", "Capacity", lambda r: _number(r["capacity"])),
        ("产能单位", "Capacity unit", lambda r: code_label("unit", r["capacity_unit"])),
        ("总投资（亿元）", "Investment (10⁸ CNY)", lambda r: _number(r["investment_cny_100m"])),
        ("绿色通道", "Green channel", lambda r: _("yes") if r["green_channel"] else _("no")),
        (
            "审批事项（已批/总数）",
            "Approvals (granted/total)",
            lambda r: f"{r['approvals_granted']}/{r['approvals_total']}" if r["approvals_total"] else "",
        ),
        (
            "审批时限",
            "Approval timetable",
            lambda r: str(GROUPS["timetable"][r["approvals_timetable"]]) if r["approvals_timetable"] else "",
        ),
        ("下一审批事项", "Next approval", lambda r: code_label("approval_kind", r["next_approval"])),
        ("下一审批期限", "Next approval due", lambda r: _date(r["next_approval_due_on"])),
    ]
    for kind, zh, en in (
        ("construction_start", "开工", "Construction start"),
        ("mechanical_completion", "机械竣工", "Mechanical completion"),
        ("commissioning", "投产", "Commissioning"),
        ("full_capacity", "达产", "Full capacity"),
    ):
        columns.append((f"{zh}（计划）", f"{en} (planned)", lambda r, k=kind: _date(r[f"{k}_planned_on"])))
        columns.append((f"{zh}（实际）", f"{en} (actual)", lambda r, k=kind: _date(r[f"{k}_actual_on"])))
    columns += [
        ("进度状态", "Schedule", lambda r: str(GROUPS["schedule"][r["schedule"]])),
        ("滞后天数", "Days behind", lambda r: r["behind_days"] if r["behind_days"] is not None else ""),
        ("形象进度（%）", "Percent complete", lambda r: _number(r["percent_complete"])),
        ("填报月份", "Report month", lambda r: r["report_month"].strftime("%Y-%m") if r["report_month"] else ""),
    ]
    return columns


def submission_table(rows: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[list[Any]]]:
    columns = _columns()
    return [(zh, en) for zh, en, _value in columns], [[value(r) for _zh, _en, value in columns] for r in rows]


def _title(area: project_lists.Area) -> tuple[str, str]:
    if area.kind == "country":
        return f"境外资源开发项目清单（{area.name_zh}）", f"Resource development projects abroad: {area.name_en}"
    return f"{area.name_zh}资源开发项目清单", f"Resource development projects: {area.name_en}"


def _xlsx(area: project_lists.Area, headers: list[tuple[str, str]], body: list[list[Any]], today: dt.date) -> Response:
    book = Workbook()
    sheet = book.active
    sheet.title = area.code
    zh, en = _title(area)
    sheet.append([f"{zh} / {en}"])
    sheet.append([f"截至 As of {today.isoformat()} · {len(body)} 个项目 projects · geoplatform"])
    sheet.append([h[0] for h in headers])
    sheet.append([h[1] for h in headers])
    for values in body:
        sheet.append(values)
    width = len(headers)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in (*sheet[3], *sheet[4]):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, (header_zh, _header_en) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, 2 * len(header_zh) + 4))
    sheet.freeze_panes = "C5"
    out = io.BytesIO()
    book.save(out)
    response = Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename=project-list-{area.code}.xlsx"
    return response


def _csv(area: project_lists.Area, headers: list[tuple[str, str]], body: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{zh} {en}" for zh, en in headers])
    writer.writerows(body)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=project-list-{area.code}.csv"
    return response


def _check(allowed: frozenset[str]) -> str | None:
    check_parameters(allowed)
    wanted = request.args.get("format")
    if wanted not in (None, "", "html", "json", "csv", "xlsx"):
        raise InvalidParameter("Parameter 'format' must be csv or xlsx (or left out).")
    return wanted or None


@bp.get("/lists")
def index() -> str:
    _check(frozenset())
    return render_template("lists.html", areas=project_lists.areas(context.engine()))


@bp.get("/lists/<code>")
def area_list(code: str) -> Any:
    wanted = _check(frozenset({"format"}))
    area = project_lists.area(context.engine(), code)
    today = dt.date.today()
    rows = project_lists.project_list(context.engine(), area, today)
    headers, body = submission_table(rows)
    if wanted == "xlsx":
        return _xlsx(area, headers, body, today)
    if wanted == "csv":
        return _csv(area, headers, body)
    return render_template(
        "project_list.html", area=area, title=_title(area), headers=headers, body=body, rows=rows, today=today
    )


@bp.get("/api/v1/lists")
def api_index() -> Response:
    _check(frozenset())
    found = project_lists.areas(context.engine())
    return json_response({"numberReturned": len(found), "lists": found})


@bp.get("/api/v1/lists/<code>")
def api_list(code: str) -> Response:
    wanted = _check(frozenset({"format"}))
    area = project_lists.area(context.engine(), code)
    today = dt.date.today()
    rows = project_lists.project_list(context.engine(), area, today)
    if wanted in ("csv", "xlsx"):
        headers, body = submission_table(rows)
        return _xlsx(area, headers, body, today) if wanted == "xlsx" else _csv(area, headers, body)
    return json_response(
        {
            "area": {"code": area.code, "kind": area.kind, "name_zh": area.name_zh, "name_en": area.name_en},
            "as_of": today,
            "numberReturned": len(rows),
            "projects": [pick(r, LIST_FIELDS) for r in rows],
        }
    )
