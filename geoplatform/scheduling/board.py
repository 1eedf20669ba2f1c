"""Reads of the scheduling, with each milestone's state derived in SQL from its dates and today.

States, worst first: behind (planned date passed, not reached: behind schedule by N days), due soon
(planned within the warning days), on schedule, reached late (N days after the plan in force),
reached on time. As on the approval board, what is still running outranks what finished late. The
slip is how far the plan in force has moved from the baseline (the first plan), in days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, literal, select

from geoplatform.approvals.service import project_row
from geoplatform.models import Project, milestone_kind
from geoplatform.project_filter import ProjectFilter
from geoplatform.scheduling.service import events_t, milestones_t, problems_t, reports_t

projects_t = Project.__table__

SEVERITY = {"behind": 5, "due_soon": 4, "on_schedule": 3, "reached_late": 2, "reached_on_time": 1, "unplanned": 0}
DEFAULT_WARN_DAYS = 30


def _state_columns(today: dt.date, warn_days: int) -> list[Any]:
    m = milestones_t.c
    day = literal(today)
    state = case(
        (and_(m.actual_on.is_not(None), m.actual_on > m.planned_on), "reached_late"),
        (m.actual_on.is_not(None), "reached_on_time"),
        (m.planned_on < day, "behind"),
        (m.planned_on <= day + warn_days, "due_soon"),
        else_="on_schedule",
    )
    days = case(
        (m.actual_on > m.planned_on, m.actual_on - m.planned_on),
        (m.actual_on.is_not(None), None),
        (m.planned_on < day, day - m.planned_on),
        else_=m.planned_on - day,
    )
    return [state.label("schedule"), days.label("schedule_days"), (m.planned_on - m.baseline_on).label("slip_days")]


def _latest_report() -> Any:
    r = reports_t.c
    return (
        select(r.month.label("report_month"), r.percent_complete, r.investment_total_cny_10k)
        .where(r.project_id == projects_t.c.id)
        .order_by(r.month.desc())
        .limit(1)
        .lateral("latest")
    )


def milestone_rows(
    conn: Connection, where: Any = None, today: dt.date | None = None, warn_days: int = DEFAULT_WARN_DAYS
) -> list[dict[str, Any]]:
    """Milestones with their project, state, days, slip, the latest report and the open problems."""
    today = today or dt.date.today()
    latest = _latest_report()
    open_problems = (
        select(func.count())
        .where(problems_t.c.project_id == projects_t.c.id, problems_t.c.resolved_on.is_(None))
        .scalar_subquery()
    )
    query = (
        select(
            milestones_t.c.kind,
            milestones_t.c.baseline_on,
            milestones_t.c.planned_on,
            milestones_t.c.actual_on,
            milestones_t.c.replans,
            milestones_t.c.version,
            *_state_columns(today, warn_days),
            projects_t.c.code.label("project_code"),
            projects_t.c.name.label("project_name"),
            projects_t.c.name_zh.label("project_name_zh"),
            projects_t.c.name_en.label("project_name_en"),
            projects_t.c.stage,
            projects_t.c.green_channel,
            projects_t.c.country_code,
            projects_t.c.region_code,
            latest.c.report_month,
            latest.c.percent_complete,
            latest.c.investment_total_cny_10k,
            open_problems.label("open_problems"),
        )
        .join(projects_t, projects_t.c.id == milestones_t.c.project_id)
        .join(milestone_kind, milestone_kind.c.code == milestones_t.c.kind)
        .outerjoin(latest, literal(True))
        .order_by(projects_t.c.code, milestone_kind.c.sort_order)
    )
    if where is not None:
        query = query.where(where)
    return [dict(r) for r in conn.execute(query).mappings()]


def board(
    engine: Engine,
    *,
    kinds: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    behind: bool | None = None,
    projects: ProjectFilter | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Milestones across projects with the board's filters (values already validated)."""
    today = today or dt.date.today()
    conditions = (projects or ProjectFilter()).conditions()
    if kinds:
        conditions.append(milestones_t.c.kind.in_(kinds))
    with engine.connect() as conn:
        rows = milestone_rows(conn, and_(True, *conditions), today)
    if states:
        rows = [r for r in rows if r["schedule"] in states]
    if behind is not None:
        rows = [r for r in rows if (r["schedule"] == "behind") == behind]
    return rows


def worst(rows: list[dict[str, Any]]) -> str:
    """The worst state of a project's milestones ('unplanned' when it has none)."""
    return max((r["schedule"] for r in rows), key=SEVERITY.__getitem__, default="unplanned")


def project_schedule(engine: Engine, project_code: str, today: dt.date | None = None) -> dict[str, Any]:
    """A project's milestones (with states), reports (newest first), problems and scheduling history."""
    today = today or dt.date.today()
    with engine.connect() as conn:
        project = project_row(conn, project_code)
        milestones = milestone_rows(conn, milestones_t.c.project_id == project.id, today)
        reports = [
            dict(r)
            for r in conn.execute(
                select(reports_t).where(reports_t.c.project_id == project.id).order_by(reports_t.c.month.desc())
            ).mappings()
        ]
        problems = [
            dict(r)
            for r in conn.execute(
                select(problems_t)
                .where(problems_t.c.project_id == project.id)
                .order_by(problems_t.c.resolved_on.is_not(None), problems_t.c.raised_in.desc(), problems_t.c.id)
            ).mappings()
        ]
        events = [
            dict(r)
            for r in conn.execute(
                select(events_t)
                .where(events_t.c.project_id == project.id)
                .order_by(events_t.c.recorded_at, events_t.c.id)
            ).mappings()
        ]
    behind = [m for m in milestones if m["schedule"] == "behind"]
    return {
        "project": project_code,
        "worst_schedule": worst(milestones),
        "behind_days": max((m["schedule_days"] for m in behind), default=None),
        "milestones": milestones,
        "reports": reports,
        "problems": problems,
        "events": events,
    }
