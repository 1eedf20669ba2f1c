"""The import targets: what each one validates, stages, checks against the catalogue, loads and undoes.

The pipeline (:mod:`etl.pipeline`) is the same for all of them; only these steps differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from etl import approvals, indicators, load, projects, resources
from etl.undo import LoadCounts
from etl.validate import Reject, Validator


@dataclass(frozen=True)
class Target:
    name: str
    validator: type[Validator]
    open_stage: Callable[[Connection], None]
    copy_records: Callable[[Connection, pd.DataFrame], int]
    post_checks: Callable[[Connection, dict[str, str]], list[Reject]]
    """Checks against the catalogue after staging (unknown deposit, project, operator): rejects."""
    load: Callable[[Connection, int, str, str, str, dict[str, str]], tuple[LoadCounts, list[Reject]]]
    """(conn, batch, on_conflict, bulk, user, columns) → counts and rows refused while loading."""
    undo: Callable[[Connection, int, str], dict[str, int]]


def _no_checks(conn: Connection, columns: dict[str, str]) -> list[Reject]:
    return []


TARGETS = {
    "deposits": Target(
        "deposits",
        Validator,
        load.open_stage,
        load.copy_records,
        _no_checks,
        lambda conn, batch, on_conflict, bulk, user, columns: (load.upsert(conn, batch, on_conflict, bulk), []),
        lambda conn, batch, user: load.undo(conn, batch),
    ),
    "projects": Target(
        "projects",
        projects.ProjectValidator,
        projects.open_stage,
        projects.copy_records,
        projects.post_checks,
        lambda conn, batch, on_conflict, bulk, user, columns: (projects.upsert(conn, batch, on_conflict), []),
        lambda conn, batch, user: projects.undo(conn, batch),
    ),
    "resources": Target(
        "resources",
        resources.ResourceValidator,
        resources.open_stage,
        resources.copy_records,
        resources.post_checks,
        lambda conn, batch, on_conflict, bulk, user, columns: (resources.upsert(conn, batch, on_conflict), []),
        lambda conn, batch, user: resources.undo(conn, batch),
    ),
    "approvals": Target(
        "approvals",
        approvals.ApprovalValidator,
        approvals.open_stage,
        approvals.copy_records,
        approvals.post_checks,
        lambda conn, batch, on_conflict, bulk, user, columns: approvals.replay(conn, batch, user, columns),
        approvals.undo,
    ),
    "indicators": Target(
        "indicators",
        indicators.IndicatorValidator,
        indicators.open_stage,
        indicators.copy_records,
        indicators.post_checks,
        lambda conn, batch, on_conflict, bulk, user, columns: (indicators.load(conn, batch, on_conflict, user), []),
        lambda conn, batch, user: indicators.undo(conn, batch),
    ),
}
