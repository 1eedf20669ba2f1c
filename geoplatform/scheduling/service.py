"""Writes of the scheduling: every change in one transaction with exactly one ``schedule_event``.

A milestone's first plan is its baseline; the plan in force moves only with a typed reason
(``replan_reason``, 'other' with a comment), as target dates of approval items do. Actual dates are
recorded when they have happened and must keep the milestones in order (construction start before
mechanical completion before commissioning before full capacity). A month's progress report is
revised, not duplicated, with the version the editor read; the history keeps what it replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from geoplatform.approvals.service import project_row
from geoplatform.errors import Conflict, InvalidParameter, NotFound
from geoplatform.models import (
    CoordinationProblem,
    ProgressReport,
    ProjectMilestone,
    ScheduleEvent,
    milestone_kind,
    replan_reason,
)
from geoplatform.numbers import sensible

milestones_t = ProjectMilestone.__table__
reports_t = ProgressReport.__table__
problems_t = CoordinationProblem.__table__
events_t = ScheduleEvent.__table__

MAX_TEXT = 2000
MAX_PROBLEMS = 20


def _text(name: str, value: str | None, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidParameter(f"Field '{name}' is longer than {MAX_TEXT} characters.")
    if required and not value:
        raise InvalidParameter(f"Field '{name}' is required.")
    return value or None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def log(conn: Connection, project_id: int, actor: str, action: str, **values: Any) -> None:
    conn.execute(insert(events_t).values(project_id=project_id, actor=actor, action=action, **values))


# -- milestones ---------------------------------------------------------------------------------------
def _kinds(conn: Connection) -> list[str]:
    query = select(milestone_kind.c.code).where(~milestone_kind.c.deprecated).order_by(milestone_kind.c.sort_order)
    return list(conn.execute(query).scalars())


def _check_order(kinds: list[str], dates: dict[str, dt.date], what: str) -> None:
    """Milestones happen in their order: a later one may not be dated before an earlier one."""
    previous: tuple[str, dt.date] | None = None
    for kind in kinds:
        day = dates.get(kind)
        if day is None:
            continue
        if previous and day < previous[1]:
            raise InvalidParameter(
                f"The {what} date of '{kind}' ({day}) is before that of '{previous[0]}' ({previous[1]}); "
                "milestones follow construction start, mechanical completion, commissioning, full capacity."
            )
        previous = (kind, day)


@dataclass(frozen=True)
class MilestoneChange:
    """What an editor records for one milestone: a plan, a replanning with its reason, an actual date."""

    planned_on: dt.date | None = None
    actual_on: dt.date | None = None
    reason: str | None = None
    comment: str | None = None
    expected_version: int | None = None
    """The version the editor read; required once the milestone exists."""


def record_milestone(
    engine: Engine, project_code: str, kind: str, change: MilestoneChange, actor: str, today: dt.date | None = None
) -> int:
    """Plan, replan or complete one milestone; returns its new version."""
    today = today or dt.date.today()
    comment = _text("comment", change.comment)
    if change.planned_on is None and change.actual_on is None:
        raise InvalidParameter("Give a planned date (planned_on), an actual date (actual_on) or both.")
    if change.actual_on and change.actual_on > today:
        raise InvalidParameter("Field 'actual_on' is in the future; record a milestone when it has been reached.")
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        kinds = _kinds(conn)
        if kind not in kinds:
            raise InvalidParameter("Unknown milestone kind; see /api/v1/codelists/milestone_kind.")
        rows = {
            r["kind"]: r
            for r in conn.execute(select(milestones_t).where(milestones_t.c.project_id == project.id)).mappings()
        }
        current = rows.get(kind)
        if current is None:
            return _first_plan(conn, project.id, kind, kinds, rows, change, comment, actor)
        if change.expected_version is None:
            raise InvalidParameter("Field 'version' is required to change an existing milestone; reload it first.")
        if current["version"] != change.expected_version:  # the project row is locked: no writer in between
            raise Conflict("The milestone was changed by someone else meanwhile; reload it and try again.")
        values: dict[str, Any] = {}
        if change.planned_on and change.planned_on != current["planned_on"]:
            _check_reason(conn, change.reason, comment)
            if current["actual_on"] is not None and change.reason != "correction":
                # Replanning a milestone already reached would turn "reached late" into "on time".
                raise InvalidParameter(
                    "The milestone has been reached: its plan can only change to correct an entry error "
                    "(reason 'correction')."
                )
            values.update(planned_on=change.planned_on, replans=current["replans"] + 1)
        elif change.reason:
            raise InvalidParameter("The planned date is unchanged: a reason is only recorded with a new planned date.")
        if change.actual_on and change.actual_on != current["actual_on"]:
            values["actual_on"] = change.actual_on
        if not values:
            raise InvalidParameter("Nothing changes: the milestone already has these dates.")
        _check_order(
            kinds,
            {k: values.get("planned_on", r["planned_on"]) if k == kind else r["planned_on"] for k, r in rows.items()},
            "planned",
        )
        actual = {k: r["actual_on"] for k, r in rows.items() if r["actual_on"]}
        if "actual_on" in values:
            actual[kind] = values["actual_on"]
        _check_order(kinds, actual, "actual")
        updated = conn.execute(
            update(milestones_t)
            .where(milestones_t.c.id == current["id"], milestones_t.c.version == change.expected_version)
            .values(**values, version=milestones_t.c.version + 1, updated_at=dt.datetime.now(dt.UTC))
            .returning(milestones_t.c.version)
        ).scalar()
        if updated is None:
            raise Conflict("The milestone was changed by someone else meanwhile; reload it and try again.")
        if "planned_on" in values:
            log(
                conn,
                project.id,
                actor,
                "replan",
                milestone_kind=kind,
                reason=change.reason,
                comment=comment,
                changes={"planned_on": [_iso(current["planned_on"]), _iso(values["planned_on"])]},
            )
        if "actual_on" in values:
            log(
                conn,
                project.id,
                actor,
                "actual",
                milestone_kind=kind,
                comment=comment,
                changes={"actual_on": [_iso(current["actual_on"]), _iso(values["actual_on"])]},
            )
        return int(updated)


def _first_plan(
    conn: Connection,
    project_id: int,
    kind: str,
    kinds: list[str],
    rows: dict[str, Any],
    change: MilestoneChange,
    comment: str | None,
    actor: str,
) -> int:
    if change.planned_on is None:
        raise InvalidParameter("A milestone starts with its planned date (planned_on): the baseline to report against.")
    if change.reason:
        raise InvalidParameter("The first plan is the baseline: it needs no replanning reason.")
    _check_order(kinds, {**{k: r["planned_on"] for k, r in rows.items()}, kind: change.planned_on}, "planned")
    actual = {k: r["actual_on"] for k, r in rows.items() if r["actual_on"]}
    if change.actual_on:
        actual[kind] = change.actual_on
    _check_order(kinds, actual, "actual")
    conn.execute(
        insert(milestones_t).values(
            project_id=project_id,
            kind=kind,
            baseline_on=change.planned_on,
            planned_on=change.planned_on,
            actual_on=change.actual_on,
        )
    )
    log(
        conn,
        project_id,
        actor,
        "plan",
        milestone_kind=kind,
        comment=comment,
        changes={"planned_on": [None, _iso(change.planned_on)]},
    )
    if change.actual_on:
        log(
            conn,
            project_id,
            actor,
            "actual",
            milestone_kind=kind,
            changes={"actual_on": [None, _iso(change.actual_on)]},
        )
    return 1


def _check_reason(conn: Connection, reason: str | None, comment: str | None) -> None:
    if not reason:
        raise InvalidParameter("A new planned date needs a reason (reason); see /api/v1/codelists/replan_reason.")
    known = conn.execute(select(replan_reason.c.code).where(replan_reason.c.code == reason)).first()
    if known is None:
        raise InvalidParameter("Unknown replanning reason; see /api/v1/codelists/replan_reason.")
    if reason == "other" and not comment:
        raise InvalidParameter("The reason 'other' needs a comment that explains it.")


# -- progress reports -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    description: str
    owner: str


@dataclass(frozen=True)
class Report:
    """A month's progress: percent complete, investment in the month and in total (10⁴ CNY), problems."""

    month: dt.date
    percent_complete: Decimal
    investment_month: Decimal
    investment_total: Decimal
    summary: str | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    expected_version: int | None = None


def parse_month(raw: str) -> dt.date:
    """'2026-10' (or '2026-10-01') as the first day of that month."""
    try:
        if len(raw) == 7:
            return dt.date.fromisoformat(raw + "-01")
        day = dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidParameter("Field 'month' must be a month written YYYY-MM.") from None
    if day.day != 1:
        raise InvalidParameter("Field 'month' must be a month written YYYY-MM.")
    return day


def parse_amount(name: str, raw: Any, *, maximum: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise InvalidParameter(f"Field '{name}' must be a number.") from None
    if not value.is_finite() or value < 0:
        raise InvalidParameter(f"Field '{name}' must be a number of zero or more.")
    if not sensible(value):
        raise InvalidParameter(f"Field '{name}' is too large or too precise (below 10¹⁶, at most 30 digits).")
    if maximum is not None and value > maximum:
        raise InvalidParameter(f"Field '{name}' may not exceed {maximum}.")
    return value


def submit_report(engine: Engine, project_code: str, report: Report, actor: str, today: dt.date | None = None) -> int:
    """Store a month's report (or revise it, with the version read); returns its version."""
    today = today or dt.date.today()
    if report.month > today.replace(day=1):
        raise InvalidParameter("Field 'month' is in the future; report a month once it has begun.")
    if report.percent_complete > 100:
        raise InvalidParameter("Field 'percent_complete' may not exceed 100.")
    if report.investment_total < report.investment_month:
        raise InvalidParameter("The total investment to date is less than the investment of the month.")
    if len(report.problems) > MAX_PROBLEMS:
        raise InvalidParameter(f"A report lists at most {MAX_PROBLEMS} problems.")
    summary = _text("summary", report.summary)
    problems = [
        (_text("problem", p.description, required=True), _text("owner", p.owner, required=True))
        for p in report.problems
    ]
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        _check_neighbours(conn, project.id, report)
        current = (
            conn.execute(
                select(reports_t).where(reports_t.c.project_id == project.id, reports_t.c.month == report.month)
            )
            .mappings()
            .first()
        )
        values = {
            "percent_complete": report.percent_complete,
            "investment_month_cny_10k": report.investment_month,
            "investment_total_cny_10k": report.investment_total,
            "summary": summary,
            "reported_by": actor,
        }
        if current is None:
            if report.expected_version is not None:
                raise Conflict("There is no report for that month to revise; reload the page.")
            conn.execute(insert(reports_t).values(project_id=project.id, month=report.month, **values))
            version = 1
            log(conn, project.id, actor, "report", report_month=report.month, changes=_jsonable(values))
        else:
            if report.expected_version is None:
                raise Conflict("That month has a report already: revise it with the version you read (version).")
            if current["version"] != report.expected_version:  # the project row is locked: no writer in between
                raise Conflict("The report was revised by someone else meanwhile; reload it and try again.")
            # Who reported is not a revision by itself: only the figures and the summary count.
            changed = {k: v for k, v in values.items() if k != "reported_by" and current[k] != v}
            version = current["version"]
            if changed:
                version = conn.execute(
                    update(reports_t)
                    .where(reports_t.c.id == current["id"])
                    .values(**values, version=reports_t.c.version + 1, updated_at=dt.datetime.now(dt.UTC))
                    .returning(reports_t.c.version)
                ).scalar_one()
                log(
                    conn,
                    project.id,
                    actor,
                    "revise_report",
                    report_month=report.month,
                    changes={k: [_jsonable({k: current[k]})[k], _jsonable({k: v})[k]] for k, v in changed.items()},
                )
        # A revision that sends the month's problems again does not raise them twice.
        known = {
            (row.description, row.owner)
            for row in conn.execute(
                select(problems_t.c.description, problems_t.c.owner).where(
                    problems_t.c.project_id == project.id, problems_t.c.raised_in == report.month
                )
            )
        }
        for description, owner in dict.fromkeys(problems):
            if (description, owner) in known:
                continue
            conn.execute(
                insert(problems_t).values(
                    project_id=project.id, raised_in=report.month, description=description, owner=owner
                )
            )
            log(
                conn,
                project.id,
                actor,
                "problem",
                report_month=report.month,
                comment=description,
                changes={"owner": owner},
            )
        return int(version)


def _check_neighbours(conn: Connection, project_id: int, report: Report) -> None:
    """Cumulative figures do not go backwards: the total investment (and the percent complete) of a month
    is at least that of the month before and at most that of the month after."""
    earlier = conn.execute(
        select(reports_t.c.month, reports_t.c.percent_complete, reports_t.c.investment_total_cny_10k)
        .where(reports_t.c.project_id == project_id, reports_t.c.month < report.month)
        .order_by(reports_t.c.month.desc())
        .limit(1)
    ).first()
    later = conn.execute(
        select(reports_t.c.month, reports_t.c.percent_complete, reports_t.c.investment_total_cny_10k)
        .where(reports_t.c.project_id == project_id, reports_t.c.month > report.month)
        .order_by(reports_t.c.month)
        .limit(1)
    ).first()
    if earlier and (
        report.investment_total < earlier.investment_total_cny_10k or report.percent_complete < earlier.percent_complete
    ):
        raise InvalidParameter(
            f"The report of {earlier.month:%Y-%m} has a higher percent complete or total investment: "
            "cumulative figures cannot fall (revise that month if it was wrong)."
        )
    if later and (
        report.investment_total > later.investment_total_cny_10k or report.percent_complete > later.percent_complete
    ):
        raise InvalidParameter(
            f"The report of {later.month:%Y-%m} has a lower percent complete or total investment: "
            "cumulative figures cannot fall (revise that month if it was wrong)."
        )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def resolve_problem(
    engine: Engine,
    project_code: str,
    problem_id: int,
    resolved_on: dt.date,
    actor: str,
    comment: str | None = None,
    today: dt.date | None = None,
) -> None:
    today = today or dt.date.today()
    comment = _text("comment", comment)
    if resolved_on > today:
        raise InvalidParameter("Field 'resolved_on' is in the future.")
    with engine.begin() as conn:
        project = project_row(conn, project_code, lock=True)
        problem = (
            conn.execute(select(problems_t).where(problems_t.c.id == problem_id, problems_t.c.project_id == project.id))
            .mappings()
            .first()
        )
        if problem is None:
            raise NotFound("The project has no coordination problem with that id.")
        if problem["resolved_on"] is not None:
            raise Conflict("The problem is marked solved already.")
        if resolved_on < problem["raised_in"]:
            raise InvalidParameter("A problem cannot be solved before the month that raised it.")
        conn.execute(update(problems_t).where(problems_t.c.id == problem_id).values(resolved_on=resolved_on))
        log(
            conn,
            project.id,
            actor,
            "resolve",
            report_month=problem["raised_in"],
            comment=comment,
            changes={"problem": problem_id, "resolved_on": resolved_on.isoformat()},
        )
