"""COPY into a temporary staging table: the fast, streamed first step of every load.

The staging table lives only until the transaction ends, so a load either finishes with its upsert
or leaves nothing behind. Columns are text: casting and checking happen in SQL afterwards, where a
bad value cannot half-load a batch.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import BinaryIO

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from sqlalchemy import Connection

CHUNK_BYTES = 1 << 20


def driver_connection(conn: Connection) -> psycopg.Connection:
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


def array_literals(values: pd.Series) -> np.ndarray:
    """Tuples of codes as PostgreSQL array literals (``{a,b}``), built once per distinct tuple.

    Only for codelist codes and record codes, which are [A-Za-z0-9_-] words: no quoting is needed.
    """
    codes, uniques = pd.factorize(values)
    literals = np.array(["{" + ",".join(c) + "}" for c in uniques] + [None], dtype=object)
    return literals[codes]


def as_text(values: pd.Series) -> np.ndarray:
    """Python values (dates, …) as their text form, once per distinct value; missing stays missing."""
    codes, uniques = pd.factorize(values)
    return np.array([str(v) for v in uniques] + [None], dtype=object)[codes]


def copy_frame(
    conn: Connection, name: str, columns: Sequence[str], frame: pd.DataFrame, numbers: Mapping[str, str]
) -> int:
    """COPY a validated chunk into a staging table as one CSV block written by Arrow.

    Arrow writes nulls as unquoted empty fields and text always quoted, which is what PostgreSQL's CSV
    format reads as NULL and as (possibly empty) text; ``numbers`` names the numeric columns and their
    dtype. The server parses the block while the next chunk is validated.
    """
    if frame.empty:
        return 0
    table = pa.table({c: _arrow_column(frame[c], numbers.get(c)) for c in columns})
    block = io.BytesIO()
    pa_csv.write_csv(table, block, write_options=pa_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with driver_connection(conn).cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(block.getbuffer())
    return len(frame)


def _arrow_column(values: pd.Series, number: str | None) -> pa.Array | pa.ChunkedArray:
    """A column for Arrow's CSV writer; Arrow-backed text passes through (``__arrow_array__``)."""
    if number == "int64":
        return pa.array(values.to_numpy(), type=pa.int64())
    if number is not None:
        return pa.array(values.to_numpy(dtype="float64", na_value=np.nan), type=pa.float64(), from_pandas=True)
    return pa.array(values, type=pa.string(), from_pandas=True)
