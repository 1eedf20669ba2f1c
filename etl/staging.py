"""Validated chunks into COPY blocks: the importer's side of the staging tables in :mod:`geoplatform.staging`.

Arrow writes each chunk as one CSV block that the server parses while the next chunk is validated;
array and date cells are turned into their PostgreSQL text forms once per distinct value.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from sqlalchemy import Connection

from geoplatform.staging import create_staging_table, driver_connection

__all__ = ["array_literals", "as_text", "copy_frame", "create_staging_table", "driver_connection"]


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
