"""Bulk mode for large batches: foreign keys checked once per batch, indexes rebuilt once.

PostgreSQL checks a foreign key with one trigger call per inserted row (about 10 µs each: with six
codelist keys on ``deposit`` that alone was 58 s of a 1,000,000-row load), and maintains every index
row by row (a GiST index on random points another 8 s). Re-adding a foreign key validates the whole
table with one anti-join (≈0.3 s per million rows); building an index sorts once. For a batch that is
large next to its table, dropping the keys and indexes inside the load's transaction and restoring
them before the commit is much faster and ends in exactly the same schema, every constraint
validated. DDL is transactional: a failure or a kill rolls the drops back with everything else.

The price is an ACCESS EXCLUSIVE lock on the tables until the commit (readers wait), which is why
it is used for large batches only (``--bulk auto``) or on request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import Connection, text

from geoplatform.staging import driver_connection

BULK_MIN_ROWS = 50_000
"""Below this many rows per batch the per-row checks cost less than revalidating the table."""
FK_TABLE_RATIO = 0.05
"""Foreign keys are re-added when the batch is at least this share of the table (break-even ≈ 3 %)."""
INDEX_TABLE_RATIO = 0.5
"""Secondary indexes are rebuilt when the batch is at least this share of the table after the load."""


@dataclass(frozen=True)
class BulkPlan:
    foreign_keys: bool
    indexes: bool

    @property
    def any(self) -> bool:
        return self.foreign_keys or self.indexes


def plan(conn: Connection, table: str, batch_rows: int, mode: str) -> BulkPlan:
    """What to defer for ``batch_rows`` new rows into ``table``: ``mode`` is auto, on or off."""
    if mode == "off" or batch_rows == 0:
        return BulkPlan(False, False)
    if mode == "on":
        return BulkPlan(True, True)
    if batch_rows < BULK_MIN_ROWS:
        return BulkPlan(False, False)
    estimate = conn.execute(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
    ).scalar_one()
    return BulkPlan(
        foreign_keys=batch_rows >= FK_TABLE_RATIO * estimate,
        indexes=batch_rows >= INDEX_TABLE_RATIO * (estimate + batch_rows),
    )


@contextmanager
def deferred(conn: Connection, tables: Sequence[str], bulk: BulkPlan) -> Iterator[None]:
    """Drop the foreign keys and/or secondary indexes of ``tables``; restore them on leaving.

    Names and definitions come from the system catalogue (``pg_get_constraintdef``,
    ``pg_get_indexdef``), never from input. Primary and unique keys are dropped and rebuilt too unless a
    foreign key depends on them; rebuilding them checks uniqueness again, so a duplicate still fails the
    whole batch.
    """
    if not bulk.any:
        yield
        return
    raw = driver_connection(conn)
    foreign_keys: list[tuple[str, str, str]] = []
    keys: list[tuple[str, str, str]] = []
    indexes: list[tuple[str, str]] = []
    for table in tables:
        raw.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table)))
        if bulk.foreign_keys:
            foreign_keys += _constraints(conn, table, "foreign")
        if bulk.indexes:
            # Primary and unique keys that no foreign key relies on are rebuilt too (and so re-checked).
            keys += _constraints(conn, table, "keys")
            indexes += [
                (name, definition)
                for name, definition in conn.execute(
                    text("""
                    SELECT x.relname, pg_get_indexdef(i.indexrelid)
                    FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                    WHERE i.indrelid = CAST(:t AS regclass)
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                    ORDER BY x.relname
                """),
                    {"t": table},
                ).all()
            ]
    for table, name, _ in [*foreign_keys, *keys]:
        raw.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for name, _ in indexes:
        raw.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    for _, definition in indexes:
        raw.execute(sql.SQL(definition))  # type: ignore[arg-type]  # catalogue text, see docstring
    for table, name, definition in [*keys, *foreign_keys]:
        raw.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table),
                sql.Identifier(name),
                sql.SQL(definition),  # type: ignore[arg-type]  # catalogue text, see docstring
            )
        )


CONSTRAINTS_SQL = """
    SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
    WHERE c.conrelid = CAST(:t AS regclass) AND (
        (:kind = 'foreign' AND c.contype = 'f')
        OR (:kind = 'keys' AND c.contype IN ('p', 'u')
            AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
    ORDER BY c.conname
"""


def _constraints(conn: Connection, table: str, kind: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys, or of the keys no foreign key depends on."""
    rows = conn.execute(text(CONSTRAINTS_SQL), {"t": table, "kind": kind}).all()
    return [(table, name, definition) for name, definition in rows]
