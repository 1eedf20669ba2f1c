"""Illustrative schedules for a few demo projects, played through the real services.

Each history is recorded with :func:`service.record_milestone` and :func:`service.submit_report`, so it
passes the same checks as an editor's input; dates are placed relative to today, so that the board
always shows every state: a milestone behind schedule, one due soon, replanned ones with their typed
reasons, reached on time and late, open and solved coordination problems. Projects that have
milestones already are left alone (a rerun changes nothing). The figures are illustrative, and each
report says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select

from geoplatform.models import Project
from geoplatform.scheduling import service
from geoplatform.scheduling.service import MilestoneChange, Problem, Report, milestones_t

ACTOR = "demo"
NOTE = "示意进度，非真实数据 / Illustrative progress, not real data"

# project: (total investment in 10⁴ CNY, [(kind, planned days from today, actual days from today or None,
#           [(replanned days from today, reason)])], [(month offset, problem, owner, solved after days or None)])
PLANS: dict[
    str, tuple[int, list[tuple[str, int, int | None, list[tuple[int, str]]]], list[tuple[int, str, str, int | None]]]
] = {
    "PRJ-QULONG-PH2": (
        1_200_000,
        [
            ("construction_start", -600, -592, []),
            ("mechanical_completion", -30, None, [(60, "equipment")]),
            ("commissioning", 90, None, [(150, "equipment")]),
            ("full_capacity", 480, None, []),
        ],
        [
            (
                -5,
                "大型磨机到货延迟 / Delivery of the large grinding mills delayed",
                "设备供应商、项目公司 / Supplier and the project company",
                40,
            )
        ],
    ),
    "PRJ-LAGUOCUO-PH1": (
        450_000,
        [
            ("construction_start", -420, -400, []),
            ("mechanical_completion", -25, None, []),
            ("commissioning", 120, None, []),
            ("full_capacity", 400, None, []),
        ],
        [
            (
                -2,
                "110 kV 供电线路未接入 / 110 kV power line not yet connected",
                "国网西藏电力有限公司 / State Grid Tibet",
                None,
            )
        ],
    ),
    "PRJ-QARHAN-LI-40KT": (
        710_000,
        [
            ("construction_start", -500, -500, []),
            ("mechanical_completion", 20, None, []),
            ("commissioning", 110, None, []),
            ("full_capacity", 420, None, []),
        ],
        [],
    ),
    "PRJ-CUOLA": (
        290_000,
        [
            ("construction_start", -200, -55, [(-60, "approval_pending")]),
            ("mechanical_completion", 400, None, []),
            ("commissioning", 460, None, []),
        ],
        [
            (
                -1,
                "林地使用审批待批复 / Forest land use approval pending",
                "四川省林业和草原局 / Sichuan Forestry and Grassland Administration",
                None,
            )
        ],
    ),
    "PRJ-LIJIAGOU": (
        190_000,
        [
            ("construction_start", -900, -895, []),
            ("mechanical_completion", -330, -320, []),
            ("commissioning", -240, -236, []),
            ("full_capacity", -45, None, []),
        ],
        [
            (
                -3,
                "尾矿库扩容审批 / Approval of the tailings storage expansion",
                "阿坝州应急管理局 / Aba Prefecture Emergency Management Bureau",
                None,
            )
        ],
    ),
    "PRJ-CD-KAMOA-SMELTER": (
        600_000,
        [
            ("construction_start", -700, -690, []),
            ("mechanical_completion", -60, -20, [(-30, "host_country")]),
            ("commissioning", 40, None, [(75, "infrastructure")]),
            ("full_capacity", 400, None, []),
        ],
        [(-4, "电网供电不稳定 / Unstable grid supply", "刚果（金）国家电力公司 / SNEL", 60)],
    ),
}


def _months_back(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def load_demo_schedules(engine: Engine, today: dt.date | None = None) -> int:
    """Play the illustrative schedules of the demo projects without milestones; returns projects done."""
    today = today or dt.date.today()
    projects_t = Project.__table__
    with engine.connect() as conn:
        present = set(conn.execute(select(projects_t.c.code).where(projects_t.c.code.in_(PLANS))).scalars())
        planned = set(
            conn.execute(
                select(projects_t.c.code).join(milestones_t, milestones_t.c.project_id == projects_t.c.id)
            ).scalars()
        )
    done = 0
    for code in sorted(present - planned):
        total, milestones, problems = PLANS[code]
        _play(engine, code, total, milestones, problems, today)
        done += 1
    return done


def _play(
    engine: Engine,
    code: str,
    total: int,
    milestones: list[tuple[str, int, int | None, list[tuple[int, str]]]],
    problems: list[tuple[int, str, str, int | None]],
    today: dt.date,
) -> None:
    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    for kind, planned, actual, replans in milestones:
        version = service.record_milestone(engine, code, kind, MilestoneChange(planned_on=day(planned)), ACTOR, today)
        for new_plan, reason in replans:
            change = MilestoneChange(planned_on=day(new_plan), reason=reason, expected_version=version)
            version = service.record_milestone(engine, code, kind, change, ACTOR, today)
        if actual is not None:
            change = MilestoneChange(actual_on=day(actual), expected_version=version)
            service.record_milestone(engine, code, kind, change, ACTOR, today)
    start = day(milestones[0][2] if milestones[0][2] is not None else milestones[0][1])
    finish = day(max(m[3][-1][0] if m[3] else m[1] for m in milestones if m[0] != "full_capacity"))
    first = _months_back(start, -1)
    last = _months_back(today, 1)
    months = (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
    spent = Decimal(0)
    raised = {_months_back(today, -offset): (problem, owner, solved) for offset, problem, owner, solved in problems}
    for n in range(max(months, 0)):
        month = _months_back(first, -n)
        share = min((month - start).days / max((finish - start).days, 1), 1.0)
        percent = Decimal(str(round(min(100 * share**0.9, 100), 1)))
        target = (Decimal(total) * percent / 100).quantize(Decimal(1))
        this_month = max(target - spent, Decimal(0))
        spent += this_month
        found = raised.get(month)
        report = Report(
            month=month,
            percent_complete=percent,
            investment_month=this_month,
            investment_total=spent,
            summary=NOTE,
            problems=(Problem(found[0], found[1]),) if found else (),
        )
        service.submit_report(engine, code, report, ACTOR, today)
    schedule_problems = [(m, p) for m, p in raised.items() if p[2] is not None]
    if schedule_problems:
        from geoplatform.scheduling.board import project_schedule

        listed = project_schedule(engine, code, today)["problems"]
        for month, (problem, _owner, solved) in schedule_problems:
            for row in listed:
                if row["description"] == problem and row["resolved_on"] is None:
                    service.resolve_problem(
                        engine, code, row["id"], min(month + dt.timedelta(days=solved), today), ACTOR, today=today
                    )
