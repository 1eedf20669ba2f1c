"""Importing approval steps (``--target approvals``): each row is one step an approval item took.

Rows are replayed in file order through the same service as the web forms
(:func:`geoplatform.approvals.service.apply_change`), so the state machine, the date rules, the
statutory deadlines on the working-day calendar and the append-only history all apply; the history
records the importing user. A row that the workflow refuses is rejected with the workflow's own
message (each row runs in a savepoint, so a refused row leaves nothing behind), and a step that the
item's history already holds (same status on the same date) is skipped, which makes re-imports
idempotent. A missing item is created first, as an editor would.

Undo: the history cannot be deleted, so undoing a batch sets each item it touched back to its state
before the batch and records that as an ``edit`` event naming the batch.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, text, update

from etl import columns as cols
from etl.normalise import date_value
from etl.projects import one_code
from etl.staging import as_text, copy_frame, create_staging_table
from etl.undo import LoadCounts
from etl.validate import Reject, Validator
from geoplatform.approvals import service
from geoplatform.errors import Conflict, InvalidParameter, NotFound
from geoplatform.models import ApprovalItem

STAGE = "stage_import_approvals"
COLUMNS = (
    "row",
    "project_code",
    "kind",
    "status",
    "event_date",
    "authority",
    "document_number",
    "target_on",
    "target_reason",
    "comment",
)
ITEM_FIELDS = (
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
    "notes",
)


class ApprovalValidator(Validator):
    target_fields = ()

    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
        chunk = self.prepare(chunk)
        p = cols.Problems(len(chunk))
        out: dict[str, Any] = {"row": chunk["_row"].to_numpy(dtype=np.int64)}
        out["project_code"] = self._per_value(chunk, "project_code", p, one_code)
        self._required(out["project_code"], "project_code", p, "project_code")
        out["kind"] = self._lookup(chunk, "kind", p, "approval_kind")
        self._required(out["kind"], "kind", p, "kind")
        out["status"] = self._lookup(chunk, "status", p, "approval_status")
        self._required(out["status"], "status", p, "status")
        out["event_date"] = self._per_value(chunk, "event_date", p, lambda v: date_value(v, self.options.today))
        self._required(out["event_date"], "event_date", p, "event_date")
        out["authority"] = self._text(chunk, "authority", p)
        out["document_number"] = self._text(chunk, "document_number", p)
        out["target_on"] = self._per_value(chunk, "target_on", p, lambda v: date_value(v, dt.date.max))
        out["target_reason"] = self._lookup(chunk, "target_reason", p)
        out["comment"] = self._text(chunk, "comment", p)
        rejects = self._rejects(out["row"], p)
        records = pd.DataFrame({c: out[c] for c in COLUMNS})
        return records[~p.bad].reset_index(drop=True), rejects


def open_stage(conn: Connection) -> None:
    create_staging_table(conn, STAGE, COLUMNS)


def copy_records(conn: Connection, records: pd.DataFrame) -> int:
    if records.empty:
        return 0
    frame = records.copy()
    for name in ("event_date", "target_on"):
        frame[name] = as_text(frame[name])
    return copy_frame(conn, STAGE, COLUMNS, frame, {"row": "int64"})


def post_checks(conn: Connection, columns: dict[str, str]) -> list[Reject]:
    rejects = [
        Reject(row, columns.get("project_code", "project_code"), value, "unknown project code")
        for row, value in conn.execute(
            text("""
            SELECT s.row::int, s.project_code FROM stage_import_approvals s
            WHERE NOT EXISTS (SELECT 1 FROM project p WHERE p.code = s.project_code)
        """)
        )
    ]
    if rejects:
        conn.execute(
            text("DELETE FROM stage_import_approvals WHERE row::int = ANY(:rows)"), {"rows": [r.row for r in rejects]}
        )
    return rejects


def _item(conn: Connection, project_code: str, kind: str) -> Any:
    return (
        conn.execute(
            text("""
            SELECT i.*, to_jsonb(i) AS image FROM approval_item i JOIN project p ON p.id = i.project_id
            WHERE p.code = :code AND i.kind = :kind FOR UPDATE OF i
        """),
            {"code": project_code, "kind": kind},
        )
        .mappings()
        .first()
    )


def replay(conn: Connection, batch_id: int, actor: str, columns: dict[str, str]) -> tuple[LoadCounts, list[Reject]]:
    """Apply the staged steps in file order; (counts, rows the workflow refused)."""
    rows = conn.execute(text("SELECT * FROM stage_import_approvals ORDER BY row::int")).mappings().all()
    created = applied = skipped = 0
    rejects: list[Reject] = []
    logged: set[str] = set()
    for row in rows:
        key = f"{row['project_code']}|{row['kind']}"
        event_date = dt.date.fromisoformat(row["event_date"])
        savepoint = conn.begin_nested()
        new_item = False
        try:
            item = _item(conn, row["project_code"], row["kind"])
            if item is None:
                project = service.project_row(conn, row["project_code"])
                service.add_item_in(conn, project, row["kind"], actor)
                item = _item(conn, row["project_code"], row["kind"])
                new_item = True
                _log_before(conn, batch_id, key, None, logged)
            seen = conn.execute(
                text("""
                SELECT 1 FROM approval_event
                WHERE item_id = :item AND action = 'transition' AND to_status = :status AND event_date = :day
            """),
                {"item": item["id"], "status": row["status"], "day": event_date},
            ).first()
            if seen:
                skipped += 1
            else:
                _log_before(conn, batch_id, key, item["image"], logged)  # no-op when created above
                service.apply_change(
                    conn,
                    row["project_code"],
                    row["kind"],
                    service.Change(
                        to_status=row["status"],
                        event_date=event_date,
                        expected_version=item["version"],
                        comment=row["comment"],
                        document_number=row["document_number"],
                        authority=row["authority"],
                        target_on=dt.date.fromisoformat(row["target_on"]) if row["target_on"] else None,
                        target_reason=row["target_reason"],
                    ),
                    actor,
                )
                applied += 1
            savepoint.commit()
            if new_item or not seen:
                logged.add(key)
            created += new_item
        except (InvalidParameter, NotFound, Conflict) as problem:
            savepoint.rollback()  # takes the before-image logged in it along
            rejects.append(Reject(int(row["row"]), columns.get("status", "status"), row["status"], problem.description))
    counts = LoadCounts(inserted=created, updated=applied, unchanged=skipped)
    return counts, rejects


def _log_before(conn: Connection, batch_id: int, key: str, image: dict[str, Any] | None, logged: set[str]) -> None:
    """The item's state before the batch first touched it (``None``: the batch created it)."""
    if key in logged or _logged(conn, batch_id, key):  # by an earlier row, or earlier in this row
        return
    conn.execute(
        text(
            "INSERT INTO import_change (batch_id, code, action, before) "
            "VALUES (:b, :code, :action, CAST(:before AS jsonb))"
        ),
        {
            "b": batch_id,
            "code": key,
            "action": "insert" if image is None else "update",
            "before": None if image is None else json.dumps(image, default=str),
        },
    )


def _logged(conn: Connection, batch_id: int, key: str) -> bool:
    found = conn.execute(
        text("SELECT 1 FROM import_change WHERE batch_id = :b AND code = :code"), {"b": batch_id, "code": key}
    ).first()
    return found is not None


def undo(conn: Connection, batch_id: int, actor: str) -> dict[str, int]:
    """Set every item the batch touched back to its state before the batch (history keeps both)."""
    finished = conn.execute(text("SELECT finished_at FROM import_batch WHERE id = :b"), {"b": batch_id}).scalar_one()
    changes = conn.execute(
        text("SELECT code, action, before FROM import_change WHERE batch_id = :b ORDER BY id"), {"b": batch_id}
    ).all()
    restored = 0
    for key, action, before in changes:
        project_code, kind = key.split("|", 1)
        item = _item(conn, project_code, kind)
        if item is None:
            continue
        later = conn.execute(
            text("SELECT count(*) FROM approval_event WHERE item_id = :i AND recorded_at > :t"),
            {"i": item["id"], "t": finished},
        ).scalar_one()
        if later:
            raise Conflict("Approval items of this batch changed after the import; undo refused.")
        target = dict.fromkeys(ITEM_FIELDS)
        target["status"] = "not_started"
        target["authority"], target["authority_level"] = item["authority"], item["authority_level"]
        if action == "update" and before:
            target.update({k: before.get(k) for k in ITEM_FIELDS})
        items = ApprovalItem.__table__
        conn.execute(
            update(items)
            .where(items.c.id == item["id"])
            .values(**target, version=items.c.version + 1, updated_at=func.now())
        )
        service.log_event(
            conn,
            item["project_id"],
            item["id"],
            actor,
            "edit",
            dt.date.today(),
            from_status=item["status"],
            to_status=target["status"],
            comment=f"import batch {batch_id} undone",
            changes={k: v for k, v in target.items() if v is not None},
        )
        restored += 1
    return {"deleted": 0, "restored": restored}
