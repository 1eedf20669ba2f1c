"""What every import target shares for loading and undoing: counts, and the checks before an undo.

A batch can be undone while nothing has touched its records since: no later batch logged a
before-image of them, and no editor changed them after the batch finished. The per-target modules
then delete what the batch inserted and restore the before-images it logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql
from sqlalchemy import Connection, text

from geoplatform.errors import Conflict, NotFound
from geoplatform.staging import driver_connection

NEW_IN_0006 = ("name", "name_lang", "country_code", "subdivision_code", "subdivision_name")
"""Fields that before-images logged by earlier versions lack: an undo leaves those as they are."""


@dataclass(frozen=True)
class LoadCounts:
    inserted: int
    updated: int
    unchanged: int
    extra: dict[str, int] = field(default_factory=dict)
    """Counts of records written besides the target's own (a deposits file's historical estimates)."""


def lock_batch(conn: Connection, batch_id: int) -> str:
    """Lock the batch row; its target. Refuses unknown and already undone batches."""
    batch = conn.execute(
        text("SELECT target, status FROM import_batch WHERE id = :b FOR UPDATE"), {"b": batch_id}
    ).first()
    if batch is None:
        raise NotFound("There is no import batch with that number.")
    if batch.status != "done":
        raise Conflict("That batch has been undone already.")
    return str(batch.target)


def check_undo_allowed(conn: Connection, batch_id: int, table: str, key: str = "code") -> None:
    """Refuse when a later batch or an editor changed records of this batch (``table`` keyed by ``key``)."""
    later = conn.execute(
        text("""
        SELECT count(*) FROM import_change later JOIN import_batch b ON b.id = later.batch_id
        WHERE later.batch_id > :b AND b.status = 'done'
          AND ((later.before->>'batch_id')::int = :b
               OR later.code IN (SELECT code FROM import_change WHERE batch_id = :b))
    """),
        {"b": batch_id},
    ).scalar_one()
    if later:
        raise Conflict("A later import changed the same records; undo that batch first.")
    statement = sql.SQL(
        "SELECT count(*) FROM {table} r, import_batch b WHERE b.id = %(b)s AND r.updated_at > b.finished_at"
        " AND (r.batch_id = %(b)s OR r.{key} IN (SELECT code FROM import_change WHERE batch_id = %(b)s))"
    ).format(table=sql.Identifier(table), key=sql.Identifier(key))
    edited = driver_connection(conn).execute(statement, {"b": batch_id}).fetchone()
    if edited and edited[0]:
        raise Conflict("Records of this batch were edited after the import; undoing would lose those edits.")


def finish_undo(conn: Connection, batch_id: int) -> None:
    conn.execute(text("UPDATE import_batch SET status = 'undone' WHERE id = :b"), {"b": batch_id})
