"""Approval services: every change in one transaction with exactly one history event.

Concurrency is optimistic: a writer states the ``version`` of the item it read; the update only
happens ``WHERE version = :expected`` and bumps the version, so of two concurrent writers exactly one
succeeds and the other gets :class:`~geoplatform.errors.Conflict` (HTTP 409) — never a lost update.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from geoplatform.approvals import workflow
from geoplatform.approvals.calendar import Period, load_calendar
from geoplatform.approvals.calendar_file import Coverage, coverage
from geoplatform.approvals.timetable import SEVERITY, clock, timetable
from geoplatform.errors import Conflict, InvalidParameter, NotFound
from geoplatform.models import (
    ApprovalEvent,
    ApprovalItem,
    Project,
    ProjectPause,
    approval_kind,
    approval_template,
    target_change_reason,
)
from geoplatform.project_filter import ProjectFilter

items_t = ApprovalItem.__table__
events_t = ApprovalEvent.__table__
pauses_t = ProjectPause.__table__
projects_t = Project.__table__

MAX_TEXT = 2000


@dataclass(frozen=True)
class Change:
    """What an editor records for one item: a new status, and what came with it."""

    to_status: str
    event_date: dt.date
    expected_version: int
    comment: str | None = None
    document_number: str | None = None
    authority: str | None = None
    target_on: dt.date | None = None
    target_reason: str | None = None


def project_row(conn: Connection, code: str, *, lock: bool = False) -> Any:
    query = select(
        projects_t.c.id,
        projects_t.c.code,
        projects_t.c.project_type,
        projects_t.c.green_channel,
        projects_t.c.country_code,
    ).where(projects_t.c.code == code)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("There is no project with that code.")
    return row


def _kind(conn: Connection, kind: str) -> Any:
    row = conn.execute(select(approval_kind).where(approval_kind.c.code == kind)).mappings().first()
    if row is None:
        raise InvalidParameter("Unknown approval kind; see /api/v1/codelists/approval_kind.")
    return row


def log_event(
    conn: Connection,
    project_id: int,
    item_id: int | None,
    actor: str,
    action: str,
    event_date: dt.date,
    **values: Any,
) -> None:
    conn.execute(
        insert(events_t).values(
            project_id=project_id,
            item_id=item_id,
            actor=actor,
            action=action,
            event_date=event_date,
            **values,
        )
    )


def _check_text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidParameter(f"Field '{name}' is longer than {MAX_TEXT} characters.")
    return value or None


def _check_past(name: str, day: dt.date, today: dt.date) -> None:
    if day > today:
        raise InvalidParameter(f"Field '{name}' is in the future; record events when they have happened.")


# -- items ------------------------------------------------------------------------------------------
def create_items_from_template(engine: Engine, project_code: str, actor: str) -> int:
    """Create the usual items for the project's type (mine, brine, smelter …); existing ones stay.

    A project in China gets the domestic template; a project abroad the template for outbound
    investment (境外投资): the Chinese investor's NDRC and commerce filings, its foreign-exchange
    registration, and the host country's main permits.
    """
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        scope = "domestic" if project.country_code == "CN" else "overseas"
        kinds = conn.execute(
            select(approval_template.c.approval_kind).where(
                approval_template.c.project_type == project.project_type, approval_template.c.scope == scope
            )
        ).scalars()
        return sum(add_item_in(conn, project, kind, actor) for kind in kinds)


def add_item(engine: Engine, project_code: str, kind: str, actor: str) -> None:
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        if not add_item_in(conn, project, kind, actor):
            raise Conflict("The project has an item of that kind already.")


def add_item_in(conn: Connection, project: Any, kind: str, actor: str) -> bool:
    """Add an item of ``kind`` to ``project`` (a row with id and code) unless it has one; True if added."""
    kind_row = _kind(conn, kind)
    exists = conn.execute(
        select(items_t.c.id).where(items_t.c.project_id == project.id, items_t.c.kind == kind)
    ).first()
    if exists:
        return False
    item_id = conn.execute(
        insert(items_t)
        .values(
            project_id=project.id,
            kind=kind,
            authority=kind_row["authority_zh"],
            authority_level=kind_row["authority_level"],
        )
        .returning(items_t.c.id)
    ).scalar_one()
    log_event(conn, project.id, item_id, actor, "create", dt.date.today(), to_status=workflow.NOT_STARTED)
    return True


def record_change(
    engine: Engine, project_code: str, kind: str, change: Change, actor: str, today: dt.date | None = None
) -> int:
    """Apply one status change to an item; returns the item's new version."""
    with engine.begin() as conn:
        return apply_change(conn, project_code, kind, change, actor, today)


def apply_change(
    conn: Connection, project_code: str, kind: str, change: Change, actor: str, today: dt.date | None = None
) -> int:
    """:func:`record_change` inside the caller's transaction (the importer replays steps this way)."""
    today = today or dt.date.today()
    _check_past("event_date", change.event_date, today)
    comment = _check_text("comment", change.comment)
    project = project_row(conn, project_code)
    kind_row = _kind(conn, kind)
    item = (
        conn.execute(select(items_t).where(items_t.c.project_id == project.id, items_t.c.kind == kind))
        .mappings()
        .first()
    )
    if item is None:
        raise NotFound("The project has no approval item of that kind.")
    if item["version"] != change.expected_version:
        raise Conflict("The item changed since you read it (version mismatch); reload and try again.")
    workflow.check_transition(item["status"], change.to_status)
    values = _transition_values(conn, item, kind_row, change, project.green_channel)
    new_version = _update_if_unchanged(
        conn, item["id"], change.expected_version, {**values, "status": change.to_status}
    )
    log_event(
        conn,
        project.id,
        item["id"],
        actor,
        "transition",
        change.event_date,
        from_status=item["status"],
        to_status=change.to_status,
        comment=comment,
        reason=change.target_reason,
        changes={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()},
    )
    return new_version


def _update_if_unchanged(conn: Connection, item_id: int, expected_version: int, values: dict[str, Any]) -> int:
    """Update the item only if it still has ``expected_version``; bump and return the version, else 409."""
    new_version = conn.execute(
        update(items_t)
        .where(items_t.c.id == item_id, items_t.c.version == expected_version)
        .values(**values, version=items_t.c.version + 1, updated_at=func.now())
        .returning(items_t.c.version)
    ).scalar_one_or_none()
    if new_version is None:
        raise Conflict("The item changed since you read it (version mismatch); reload and try again.")
    return new_version


def _transition_values(
    conn: Connection, item: Any, kind_row: Any, change: Change, green_channel: bool
) -> dict[str, Any]:
    """The item's date fields after ``change``, checking that the dates make sense together."""
    values: dict[str, Any] = {}
    day = change.event_date
    new = change.to_status
    if change.authority is not None:
        values["authority"] = _check_text("authority", change.authority)
    if new == workflow.SUBMITTED:
        # A (re)submission starts a new round: acceptance, decision and clock are cleared.
        values.update(
            submitted_on=day,
            accepted_on=None,
            decided_on=None,
            statutory_due_on=None,
            target_on=None,
            target_reason=None,
        )
        return values
    submitted = item["submitted_on"]
    if new == workflow.ACCEPTED:
        if submitted is None or day < submitted:
            raise InvalidParameter("Acceptance cannot come before submission (event_date < submitted_on).")
        calendar = load_calendar(conn)
        limit = kind_row["statutory_days"]
        due = None if limit is None else calendar.due_date(day, limit, kind_row["day_kind"])
        values.update(accepted_on=day, statutory_due_on=due, target_on=due, target_reason="statutory" if due else None)
        if change.target_on is not None:
            values.update(_target_values(conn, change.target_on, change.target_reason, day, green_channel, kind_row))
    elif new in workflow.DECIDED:
        if submitted is None or day < submitted:
            raise InvalidParameter("A decision cannot come before submission (event_date < submitted_on).")
        if item["accepted_on"] is not None and day < item["accepted_on"]:
            raise InvalidParameter("A decision cannot come before acceptance (event_date < accepted_on).")
        document = _check_text("document_number", change.document_number)
        if new in workflow.GRANTED and not document:
            raise InvalidParameter("An approval needs its document number (document_number).")
        values.update(decided_on=day, document_number=document)
    elif submitted is not None and day < submitted:
        raise InvalidParameter("This event cannot come before submission (event_date < submitted_on).")
    return values


def _target_values(
    conn: Connection,
    target_on: dt.date,
    reason: str | None,
    accepted_on: dt.date | None,
    green_channel: bool,
    kind_row: Any,
) -> dict[str, Any]:
    if not reason:
        raise InvalidParameter("A change of target date needs a reason (target_reason).")
    known = conn.execute(select(target_change_reason.c.code).where(target_change_reason.c.code == reason)).first()
    if known is None:
        raise InvalidParameter("Unknown target_reason; see /api/v1/codelists/target_change_reason.")
    if reason == "green_channel" and not green_channel:
        raise InvalidParameter("Only green-channel projects can carry a green-channel target.")
    if accepted_on is not None and target_on < accepted_on:
        raise InvalidParameter("The target date cannot be before acceptance.")
    if reason == "extension":
        _check_extension(conn, target_on, accepted_on, kind_row)
    return {"target_on": target_on, "target_reason": reason}


def _check_extension(conn: Connection, target_on: dt.date, accepted_on: dt.date | None, kind_row: Any) -> None:
    """A statutory extension reaches at most ``statutory_days + extension_days`` from acceptance.

    The law sets the ceiling (e.g. 项目核准: 20 working days, extended by at most 40, State Council
    Decree No. 673 art. 10); an item whose law allows no extension cannot be given one."""
    extra, limit = kind_row["extension_days"], kind_row["statutory_days"]
    if limit is None or not extra:
        raise InvalidParameter("The law allows no extension for this kind of approval (extension_days is 0).")
    if accepted_on is None:
        return
    ceiling = load_calendar(conn).due_date(accepted_on, limit + extra, kind_row["day_kind"])
    if target_on > ceiling:
        raise InvalidParameter(
            f"An extension reaches at most {limit} + {extra} {kind_row['day_kind']} days from acceptance "
            f"({ceiling.isoformat()}); a later target needs another reason."
        )


def change_target(
    engine: Engine,
    project_code: str,
    kind: str,
    *,
    target_on: dt.date,
    reason: str,
    expected_version: int,
    actor: str,
    comment: str | None = None,
) -> int:
    """Set a new target date with a typed reason (and, for 'other', an explanation)."""
    comment = _check_text("comment", comment)
    if reason == "statutory":
        raise InvalidParameter("The statutory date is computed; choose why the target differs from it.")
    if reason == "other" and not comment:
        raise InvalidParameter("The reason 'other' needs a comment that explains it.")
    with engine.begin() as conn:
        project = project_row(conn, project_code)
        kind_row = _kind(conn, kind)
        item = (
            conn.execute(select(items_t).where(items_t.c.project_id == project.id, items_t.c.kind == kind))
            .mappings()
            .first()
        )
        if item is None:
            raise NotFound("The project has no approval item of that kind.")
        if item["accepted_on"] is None:
            raise InvalidParameter("The clock starts at acceptance: accept the item before setting a target.")
        values = _target_values(conn, target_on, reason, item["accepted_on"], project.green_channel, kind_row)
        new_version = _update_if_unchanged(conn, item["id"], expected_version, values)
        log_event(
            conn,
            project.id,
            item["id"],
            actor,
            "target",
            dt.date.today(),
            reason=reason,
            comment=comment,
            changes={"target_on": [item["target_on"] and item["target_on"].isoformat(), target_on.isoformat()]},
        )
        return new_version


# -- pauses -----------------------------------------------------------------------------------------
def pause_project(
    engine: Engine,
    project_code: str,
    *,
    started_on: dt.date,
    reason: str,
    actor: str,
    today: dt.date | None = None,
) -> None:
    today = today or dt.date.today()
    _check_past("started_on", started_on, today)
    reason_text = _check_text("reason", reason)
    if not reason_text:
        raise InvalidParameter("A pause needs a reason.")
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        if _open_pause(conn, project.id) is not None:
            raise Conflict("The project is paused already.")
        last = conn.execute(select(func.max(pauses_t.c.ended_on)).where(pauses_t.c.project_id == project.id))
        last_end = last.scalar_one()
        if last_end is not None and started_on <= last_end:
            raise InvalidParameter("A pause cannot start before the previous one ended.")
        conn.execute(insert(pauses_t).values(project_id=project.id, started_on=started_on, reason=reason_text))
        log_event(conn, project.id, None, actor, "pause", started_on, reason=reason_text)


def resume_project(
    engine: Engine,
    project_code: str,
    *,
    ended_on: dt.date,
    actor: str,
    comment: str | None = None,
    today: dt.date | None = None,
) -> None:
    today = today or dt.date.today()
    _check_past("ended_on", ended_on, today)
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        pause = _open_pause(conn, project.id)
        if pause is None:
            raise Conflict("The project is not paused.")
        if ended_on < pause.started_on:
            raise InvalidParameter("A pause cannot end before it started.")
        conn.execute(update(pauses_t).where(pauses_t.c.id == pause.id).values(ended_on=ended_on))
        log_event(conn, project.id, None, actor, "resume", ended_on, comment=_check_text("comment", comment))


def _open_pause(conn: Connection, project_id: int) -> Any:
    return conn.execute(
        select(pauses_t).where(pauses_t.c.project_id == project_id, pauses_t.c.ended_on.is_(None))
    ).first()


def _pauses(conn: Connection, project_ids: list[int]) -> dict[int, list[Period]]:
    result: dict[int, list[Period]] = {pid: [] for pid in project_ids}
    rows = conn.execute(
        select(pauses_t.c.project_id, pauses_t.c.started_on, pauses_t.c.ended_on)
        .where(pauses_t.c.project_id.in_(project_ids))
        .order_by(pauses_t.c.started_on)
    )
    for pid, start, end in rows:
        result[pid].append((start, end))
    return result


# -- reading --------------------------------------------------------------------------------------
def item_rows(conn: Connection, where: Any = None, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Items (optionally filtered) with their project, kind, effective deadlines and timetable."""
    today = today or dt.date.today()
    query = (
        select(
            items_t,
            projects_t.c.code.label("project_code"),
            projects_t.c.name.label("project_name"),
            projects_t.c.name_zh.label("project_name_zh"),
            projects_t.c.name_en.label("project_name_en"),
            projects_t.c.green_channel,
            projects_t.c.country_code,
            projects_t.c.region_code,
            approval_kind.c.name_zh.label("kind_zh"),
            approval_kind.c.name_en.label("kind_en"),
            approval_kind.c.statutory_days,
            approval_kind.c.day_kind,
            approval_kind.c.gate,
            approval_kind.c.sort_order.label("kind_order"),
        )
        .join(projects_t, projects_t.c.id == items_t.c.project_id)
        .join(approval_kind, approval_kind.c.code == items_t.c.kind)
        .order_by(projects_t.c.code, approval_kind.c.sort_order)
    )
    if where is not None:
        query = query.where(where)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    calendar = load_calendar(conn)
    pauses = _pauses(conn, sorted({r["project_id"] for r in rows}))
    for row in rows:
        periods = pauses[row["project_id"]]
        paused_now = any(end is None for _, end in periods)
        item_clock = clock(
            accepted_on=row["accepted_on"],
            decided_on=row["decided_on"],
            target_on=row["target_on"] if row["target_reason"] != "statutory" else None,
            statutory_days=row["statutory_days"],
            day_kind=row["day_kind"],
            calendar=calendar,
            pauses=periods,
            today=today,
        )
        state = timetable(row["status"], item_clock, row["decided_on"], today, paused_now)
        covered = calendar.covered_until
        row["calendar_covers_due_date"] = not (
            item_clock.statutory_due is not None and covered is not None and item_clock.statutory_due > covered
        )
        # Before the calendar's first year the holidays are unknown: say so instead of counting without them.
        row["calendar_covers_accepted_on"] = row["accepted_on"] is None or calendar.covers(row["accepted_on"])
        row.update(
            effective_due_on=item_clock.statutory_due,
            effective_target_on=item_clock.target,
            paused_days=item_clock.paused_days,
            timetable=state.state,
            timetable_days=state.days,
            severity=state.severity,
            paused_now=paused_now,
        )
    return rows


def calendar_coverage(engine: Engine, today: dt.date | None = None) -> Coverage:
    """Whether the holiday calendar reaches twelve months ahead (the board warns when it does not)."""
    with engine.connect() as conn:
        return coverage(load_calendar(conn), today or dt.date.today())


def project_approvals(engine: Engine, project_code: str, today: dt.date | None = None) -> dict[str, Any]:
    """A project's items, history, pauses, next gate and what still blocks construction."""
    with engine.connect() as conn:
        project = project_row(conn, project_code)
        items = item_rows(conn, items_t.c.project_id == project.id, today)
        events = [
            dict(r)
            for r in conn.execute(
                select(events_t, approval_kind.c.code.label("kind"))
                .outerjoin(items_t, items_t.c.id == events_t.c.item_id)
                .outerjoin(approval_kind, approval_kind.c.code == items_t.c.kind)
                .where(events_t.c.project_id == project.id)
                .order_by(events_t.c.recorded_at, events_t.c.id)
            ).mappings()
        ]
        pauses = _pauses(conn, [project.id])[project.id]
    open_items, next_due = still_open(items)
    next_gate = next_due or (open_items[0] if open_items else None)
    worst = max((i["severity"] for i in items), default=0)
    return {
        "project": project_code,
        "green_channel": project.green_channel,
        "paused": any(end is None for _, end in pauses),
        "pauses": [{"started_on": s, "ended_on": e} for s, e in pauses],
        "worst_timetable": next((k for k, v in SEVERITY.items() if v == worst), "not_applicable"),
        "next_gate": next_gate["kind"] if next_gate else None,
        "blocking_construction": [i["kind"] for i in open_items],
        "items": items,
        "events": events,
    }


def still_open(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A project's items not granted and not inactive, and the one of them due first (None: none is dated)."""
    open_items = [i for i in items if i["status"] not in workflow.GRANTED and i["status"] not in workflow.INACTIVE]
    dated = [i for i in open_items if i["effective_target_on"] is not None]
    return open_items, min(dated, key=lambda i: i["effective_target_on"]) if dated else None


def authorities(engine: Engine) -> list[str]:
    """The deciding authorities named on items, for the board's filter."""
    with engine.connect() as conn:
        query = select(items_t.c.authority).where(items_t.c.authority.is_not(None)).distinct()
        return list(conn.execute(query.order_by(items_t.c.authority)).scalars())


def countries(engine: Engine) -> list[str]:
    """The countries of projects that have approval items, for the board's filter (China first)."""
    with engine.connect() as conn:
        query = select(projects_t.c.country_code).where(projects_t.c.id.in_(select(items_t.c.project_id))).distinct()
        found = set(conn.execute(query).scalars())
    return sorted(found, key=lambda code: (code != "CN", code))


def board(
    engine: Engine,
    *,
    statuses: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    overdue: bool | None = None,
    authority: str | None = None,
    projects: ProjectFilter | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Items across all projects with the board's filters (values already validated)."""
    conditions = (projects or ProjectFilter()).conditions()
    if statuses:
        conditions.append(items_t.c.status.in_(statuses))
    if kinds:
        conditions.append(items_t.c.kind.in_(kinds))
    if authority:
        conditions.append(items_t.c.authority == authority)
    with engine.connect() as conn:
        rows = item_rows(conn, and_(True, *conditions), today)
    if overdue is not None:
        rows = [r for r in rows if (r["timetable"] == "overdue") == overdue]
    return rows
