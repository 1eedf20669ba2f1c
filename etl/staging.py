"""COPY into a temporary staging table: the fast, streamed first step of every load.

The staging table lives only until the transaction ends, so a load either finishes with its upsert
or leaves nothing behind. Columns are text: casting and checking happen in SQL afterwards, where a
bad value cannot half-load a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

import psycopg
from psycopg import sql
from sqlalchemy import Connection

CHUNK_BYTES = 1 << 20


def driver_connection(conn: Connection) -> psycopg.Connection:
    return conn.connection.driver_connection  # type: ignore[return-value]


def create_staging_table(conn: Connection, name: str, columns: Sequence[str]) -> None:
    """``CREATE TEMP TABLE name (col text, ...) ON COMMIT DROP``; names are quoted identifiers."""
    statement = sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns),
    )
    driver_connection(conn).execute(statement)


def copy_csv(conn: Connection, name: str, columns: Sequence[str], source: BinaryIO) -> int:
    """Stream a UTF-8 CSV file into the staging table; its header must name exactly ``columns``.

    ``HEADER MATCH`` makes PostgreSQL itself refuse a file whose header differs, so a column
    swapped in a data file fails loudly instead of loading values into the wrong fields.
    """
    create_staging_table(conn, name, columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER MATCH, ENCODING 'UTF8')").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with driver_connection(conn).cursor() as cursor:
        with cursor.copy(statement) as copy:
            while chunk := source.read(CHUNK_BYTES):
                copy.write(chunk)
        return cursor.rowcount
