"""Temporary staging tables filled by COPY: the fast, streamed first step of every bulk load.

The demo loader and the importer both load this way. A staging table lives only until the
transaction ends, so a load either finishes with its upsert or leaves nothing behind. The importer's
conversion of validated chunks into COPY blocks lives in :mod:`etl.staging`; what is here knows
nothing of the importer (the core imports nothing above it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import BinaryIO

import psycopg
from psycopg import sql
from sqlalchemy import Connection

CHUNK_BYTES = 1 << 20


def driver_connection(conn: Connection) -> psycopg.Connection:
    """The psycopg connection under a SQLAlchemy connection (for COPY and composed SQL)."""
    return conn.connection.driver_connection  # type: ignore[return-value]


def create_staging_table(
    conn: Connection, name: str, columns: Sequence[str], types: Mapping[str, str] | None = None
) -> None:
    """``CREATE TEMP TABLE name (col type, ...) ON COMMIT DROP``; text unless ``types`` says otherwise.

    Typed columns make COPY do the casting while it parses (on the server, while the client validates
    the next chunk). Names are quoted identifiers; types come from the code, never from input.
    """
    types = types or {}
    statement = sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(name),
        sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types.get(c, "text")))  # type: ignore[arg-type]
            for c in columns
        ),
    )
    driver_connection(conn).execute(statement)


def copy_csv(conn: Connection, name: str, columns: Sequence[str], source: BinaryIO) -> int:
    """Stream a UTF-8 CSV file into a new staging table; its header must name exactly ``columns``.

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
