"""Realistic approval histories for the demo projects, played through the real services.

Every demo history is recorded with :func:`service.record_change` and friends, so it passes the same
state machine and date checks as an editor's input. Dates are placed relative to today, so the board
always shows a live mix: approvals on time and late, items overdue or due soon, a paused project,
green-channel projects with shorter targets. Deterministic per project code; projects that already
have approval items are left alone (a rerun changes nothing).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import Engine, column, or_, select, table

from geoplatform.approvals import service, workflow
from geoplatform.approvals.calendar import load_calendar
from geoplatform.models import ApprovalItem, Project, approval_kind

ACTOR = "demo"


def _day(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=max(days_ago, 0))


def load_demo_approvals(engine: Engine, today: dt.date | None = None) -> int:
    """Create and play approval histories for demo projects without items; returns projects done."""
    today = today or dt.date.today()
    items_t, projects_t = ApprovalItem.__table__, Project.__table__
    with engine.connect() as conn:
        # Abroad, approvals are the Chinese investor's (境外投资): only projects with a Chinese stake have them.
        chinese = table("project_chinese_stake", column("project_id"))
        todo = conn.execute(
            select(projects_t.c.code, projects_t.c.stage, projects_t.c.green_channel)
            .where(projects_t.c.code.like("PRJ-%"))
            .where(~projects_t.c.id.in_(select(items_t.c.project_id)))
            .where(or_(projects_t.c.country_code == "CN", projects_t.c.id.in_(select(chinese.c.project_id))))
            .order_by(projects_t.c.code)
        ).all()
        kinds = {r.code: r for r in conn.execute(select(approval_kind))}
        calendar = load_calendar(conn)
    for code, stage, green in todo:
        service.create_items_from_template(engine, code, ACTOR)
        _play(engine, code, stage, green, kinds, calendar, today, random.Random(code))  # noqa: S311
    return len(todo)


def _play(
    engine: Engine,
    code: str,
    stage: str,
    green: bool,
    kinds: dict[str, Any],
    calendar: Any,
    today: dt.date,
    rng: random.Random,
) -> None:
    """One project's history, consistent with its stage.

    Operating projects finished their approvals years ago; about a third of the mines among them have
    a mining-licence renewal under way. Projects in construction or commissioning still wait for their
    last one or two items. Some waits are overdue, some paused.
    """
    items = service.project_approvals(engine, code, today)["items"]
    ordered = sorted(items, key=lambda i: kinds[i["kind"]].sort_order)
    building = stage in ("construction", "commissioning")
    pending = rng.randint(1, 2) if building else 0
    start = rng.randint(400, 800) if building else rng.randint(1500, 3000)
    for index, item in enumerate(ordered):
        submitted_ago = start - index * rng.randint(10, 30)
        still_open = index >= len(ordered) - pending
        _history(engine, code, item, kinds[item["kind"]], calendar, today, rng, submitted_ago, green, still_open)
    renewal = stage == "operation" and "mining_licence" in {i["kind"] for i in items} and rng.random() < 0.35
    if renewal:
        service.add_item(engine, code, "mining_licence_renewal", ACTOR)
        item = next(
            i for i in service.project_approvals(engine, code, today)["items"] if i["kind"] == "mining_licence_renewal"
        )
        _history(
            engine,
            code,
            item,
            kinds["mining_licence_renewal"],
            calendar,
            today,
            rng,
            rng.randint(15, 120),
            green,
            True,
        )
    if (building or renewal) and rng.random() < 0.25:
        service.pause_project(
            engine,
            code,
            started_on=_day(today, rng.randint(5, 60)),
            actor=ACTOR,
            reason="企业申请暂停：方案调整 / paused at the company's request",
            today=today,
        )


def _history(
    engine: Engine,
    code: str,
    item: dict[str, Any],
    kind: Any,
    calendar: Any,
    today: dt.date,
    rng: random.Random,
    submitted_ago: int,
    green: bool,
    still_open: bool,
) -> None:
    """Submit, accept and (unless ``still_open``) decide one item, sometimes with a return on the way."""
    name, version = item["kind"], item["version"]
    # Where the law sets no limit, a typical duration paces the story (a bank registers in days,
    # a host-country licence takes months); such items are never overdue, only in progress or done.
    typical = kind.statutory_days if kind.statutory_days is not None else (5 if name.startswith("odi_") else 90)
    calendar_days = typical * (1.45 if kind.day_kind == "working" else 1)
    if still_open:
        # Spread the open items over the limit: on schedule, due soon and overdue all occur.
        submitted_ago = rng.randint(8, int(calendar_days * 1.7) + 10)
    if name == "eia_report" and not still_open and rng.random() < 0.1:
        _go(engine, code, name, workflow.NOT_APPLICABLE, _day(today, submitted_ago), version)
        return
    version = _go(engine, code, name, workflow.SUBMITTED, _day(today, submitted_ago), version)
    accepted_ago = max(submitted_ago - rng.randint(1, 5), 3)
    if rng.random() < 0.1 and not still_open:
        version = _go(engine, code, name, workflow.ACCEPTED, _day(today, accepted_ago), version)
        version = _go(
            engine,
            code,
            name,
            workflow.RETURNED,
            _day(today, accepted_ago - 8),
            version,
            comment="材料不全，退回补正 / incomplete documents",
        )
        version = _go(engine, code, name, workflow.SUBMITTED, _day(today, accepted_ago - 20), version)
        accepted_ago -= 22
    target = None
    if green and kind.statutory_days is not None:
        limit = max(int(kind.statutory_days * 0.6), 1)
        target = calendar.due_date(_day(today, accepted_ago), limit, kind.day_kind)
    version = _go(
        engine,
        code,
        name,
        workflow.ACCEPTED,
        _day(today, accepted_ago),
        version,
        target_on=target,
        target_reason="green_channel" if target else None,
    )
    if still_open:
        _go(engine, code, name, workflow.UNDER_REVIEW, _day(today, accepted_ago - 2), version)
        return
    if green:  # decided within the shorter green-channel target (60 % of the statutory limit) as a rule
        share = rng.uniform(0.25, 0.6) if rng.random() < 0.9 else rng.uniform(0.6, 1.0)
    else:
        share = rng.uniform(0.4, 0.95) if rng.random() < 0.8 else rng.uniform(1.1, 1.8)
    decided_ago = max(accepted_ago - max(int(calendar_days * share), 1), 0)
    status = workflow.APPROVED_WITH_CONDITIONS if rng.random() < 0.2 else workflow.APPROVED
    document = f"{kind.name_zh[:2]}〔{_day(today, decided_ago).year}〕{rng.randint(10, 300)}号"
    _go(engine, code, name, status, _day(today, decided_ago), version, document_number=document)


def _go(engine: Engine, code: str, kind: str, status: str, day: dt.date, version: int, **extra: Any) -> int:
    change = service.Change(to_status=status, event_date=day, expected_version=version, **extra)
    return service.record_change(engine, code, kind, change, ACTOR)
