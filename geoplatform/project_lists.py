"""Regional lists of resource-development projects (资源开发项目清单): per province in China, per
country abroad, each project with its stage, approval status, milestones, capacity and investment.

One function builds the rows, so that the page, the CSV, the XLSX laid out for submission and the API
show the same list. A province is a GB/T 2260 code (``620000``), a country abroad its ISO 3166 code
(``CD``); China as a whole is the list of all provinces (``CN``). Closed projects are left out: the
list is of what is being developed or operated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.dialects.postgresql import distinct_on

from geoplatform.approvals import service as approvals
from geoplatform.approvals import workflow
from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.models import Company, Project, admin_region, country, milestone_kind, project_commodity
from geoplatform.project_filter import ProjectFilter
from geoplatform.scheduling import board
from geoplatform.scheduling.service import reports_t

projects_t = Project.__table__
companies_t = Company.__table__
LEFT_OUT_STAGES = ("closed",)


@dataclass(frozen=True)
class Area:
    code: str
    kind: str
    """'province' (GB/T 2260), 'country' (abroad) or 'china' (every province)."""
    name_zh: str
    name_en: str

    def conditions(self) -> list[Any]:
        if self.kind == "province":
            return ProjectFilter(region=(self.code, self.code[:2] + "9999")).conditions()
        if self.kind == "china":
            return ProjectFilter(abroad=False).conditions()
        return ProjectFilter(countries=(self.code,)).conditions()


def area(engine: Engine, code: str) -> Area:
    """The province (``620000``) or country (``CD``) a list is for; 4xx for anything else."""
    raw = code.strip()
    with engine.connect() as conn:
        if raw.isdigit():
            if len(raw) != 6 or not raw.endswith("0000"):
                raise InvalidParameter("A list is per province: give its GB/T 2260 code (e.g. 620000).")
            row = conn.execute(select(admin_region).where(admin_region.c.code == raw)).mappings().first()
            if row is None:
                raise NotFound("There is no province with that code.")
            return Area(raw, "province", row["name_zh"], row["name_en"])
        upper = raw.upper()
        if len(upper) != 2 or not upper.isalpha():
            raise InvalidParameter("Give a province's GB/T 2260 code (620000) or a country's ISO 3166 code (CD).")
        row = conn.execute(select(country).where(country.c.code == upper)).mappings().first()
        if row is None:
            raise NotFound("There is no country with that code.")
        return Area(upper, "china" if upper == "CN" else "country", row["name_zh"], row["name_en"])


def areas(engine: Engine) -> list[dict[str, Any]]:
    """Every province and country with projects on a list, and how many (provinces first)."""
    province = (func.left(projects_t.c.region_code, 2) + "0000").label("code")
    live = projects_t.c.stage.not_in(LEFT_OUT_STAGES)
    with engine.connect() as conn:
        provinces = conn.execute(
            select(province, admin_region.c.name_zh, admin_region.c.name_en, func.count().label("projects"))
            .join(admin_region, admin_region.c.code == province)
            .where(live, projects_t.c.country_code == "CN", projects_t.c.region_code.is_not(None))
            .group_by(province, admin_region.c.name_zh, admin_region.c.name_en)
            .order_by(province)
        ).mappings()
        result = [dict(r, kind="province") for r in provinces]
        abroad = conn.execute(
            select(country.c.code, country.c.name_zh, country.c.name_en, func.count().label("projects"))
            .join(projects_t, projects_t.c.country_code == country.c.code)
            .where(live, projects_t.c.country_code != "CN")
            .group_by(country.c.code, country.c.name_zh, country.c.name_en)
            .order_by(func.count().desc(), country.c.code)
        ).mappings()
        result += [dict(r, kind="country") for r in abroad]
    return result


def project_list(engine: Engine, where: Area, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The list's rows, numbered, in the order of the region code (or country subdivision) and name."""
    today = today or dt.date.today()
    conditions = [*where.conditions(), projects_t.c.stage.not_in(LEFT_OUT_STAGES)]
    commodities = (
        select(func.array_agg(project_commodity.c.commodity_code))
        .where(project_commodity.c.project_id == projects_t.c.id)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        projects = [
            dict(r)
            for r in conn.execute(
                select(
                    projects_t.c.id,
                    projects_t.c.code,
                    projects_t.c.name,
                    projects_t.c.name_zh,
                    projects_t.c.name_en,
                    projects_t.c.project_type,
                    projects_t.c.stage,
                    projects_t.c.green_channel,
                    projects_t.c.country_code,
                    projects_t.c.region_code,
                    projects_t.c.subdivision_code,
                    projects_t.c.capacity,
                    projects_t.c.capacity_unit,
                    projects_t.c.investment_cny_100m,
                    projects_t.c.status_as_of,
                    companies_t.c.name.label("operator"),
                    companies_t.c.name_zh.label("operator_zh"),
                    companies_t.c.name_en.label("operator_en"),
                    commodities.label("commodities"),
                )
                .outerjoin(companies_t, companies_t.c.id == projects_t.c.operator_id)
                .where(and_(True, *conditions))
                .order_by(func.coalesce(projects_t.c.region_code, projects_t.c.subdivision_code), projects_t.c.code)
            ).mappings()
        ]
        ids = [p["id"] for p in projects]
        items = approvals.item_rows(conn, approvals.items_t.c.project_id.in_(ids), today) if ids else []
        milestones = board.milestone_rows(conn, board.milestones_t.c.project_id.in_(ids), today) if ids else []
        kinds = list(conn.execute(select(milestone_kind.c.code).order_by(milestone_kind.c.sort_order)).scalars())
        r = reports_t.c
        latest = {
            row.project_id: row
            for row in conn.execute(
                select(r.project_id, r.month, r.percent_complete)
                .ext(distinct_on(r.project_id))
                .where(r.project_id.in_(ids))
                .order_by(r.project_id, r.month.desc())
            )
        }
    by_project_items: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_project_items.setdefault(item["project_code"], []).append(item)
    by_project_milestones: dict[str, dict[str, dict[str, Any]]] = {}
    for m in milestones:
        by_project_milestones.setdefault(m["project_code"], {})[m["kind"]] = m
    rows = []
    for number, project in enumerate(projects, start=1):
        own = by_project_items.get(project["code"], [])
        worst = max(own, key=lambda i: i["severity"], default=None)
        _open, next_gate = approvals.still_open(own)
        marks = by_project_milestones.get(project["code"], {})
        row = {
            "no": number,
            **{k: v for k, v in project.items() if k != "id"},
            "commodities": sorted(project["commodities"] or []),
            "approvals_total": len(own),
            "approvals_granted": sum(1 for i in own if i["status"] in workflow.GRANTED),
            "approvals_timetable": worst["timetable"] if worst else None,
            "approvals_overdue": sum(1 for i in own if i["timetable"] == "overdue"),
            "next_approval": next_gate["kind"] if next_gate else None,
            "next_approval_due_on": next_gate["effective_target_on"] if next_gate else None,
            "schedule": board.worst(list(marks.values())),
            "behind_days": max((m["schedule_days"] for m in marks.values() if m["schedule"] == "behind"), default=None),
            "percent_complete": latest[project["id"]].percent_complete if project["id"] in latest else None,
            "report_month": latest[project["id"]].month if project["id"] in latest else None,
        }
        for kind in kinds:
            mark = marks.get(kind)
            row[f"{kind}_planned_on"] = mark["planned_on"] if mark else None
            row[f"{kind}_actual_on"] = mark["actual_on"] if mark else None
        rows.append(row)
    return rows
