"""Exact ``numberMatched`` at little cost: counts cached per layer, filter and data version.

An exact ``count(*)`` over a million rows costs tens to hundreds of milliseconds, which is most of
what makes well-known servers slow on large layers. Clients page through one query many times
(QGIS and GDAL fetch page after page and read the total each time), so the count is kept, keyed
by the layer, the filter's structure and values, and the data version that every write bumps
(migration 0007). Paging through one query counts once; any import batch, edit or undo makes the
next request count afresh. A count that does not finish within the budget is not an error: the
answer says the total is unknown the way each standard allows (OGC API omits ``numberMatched``,
WFS writes ``numberMatched="unknown"``), and that outcome is remembered for the version too, so
later pages do not pay the budget again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from geoplatform.models import data_version

MAX_ENTRIES = 4096
UNKNOWN = object()


class CountCache:
    """A small thread-safe LRU of counts (``None`` stored as "too slow to count")."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, int | None] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key not in self._entries:
                return UNKNOWN
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value: int | None) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


COUNTS = CountCache()


def version_column() -> Any:
    """The data version as a scalar subquery, to read it in the same statement as a page."""
    return select(data_version.c.version).where(data_version.c.id == 1).scalar_subquery()


def current_version(conn: Connection) -> int:
    return conn.execute(select(version_column())).scalar_one()


def freeze(values: dict[str, Any]) -> Hashable:
    return tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in values.items()))


def cached_count(
    conn: Connection,
    key: Hashable,
    statement: Select,
    values: dict[str, Any],
    version: int,
    budget_ms: int,
) -> int | None:
    """The exact count for ``key`` at ``version``: from the cache, else counted within the budget."""
    if budget_ms <= 0:
        return None  # not counted, which is not "too slow to count": nothing to keep
    # The version numbers of two databases are unrelated: the database is part of the key.
    versioned = (conn.engine.url, version, key)
    found = COUNTS.get(versioned)
    if found is not UNKNOWN:
        return found
    COUNTS.misses += 1
    total = _count_within(conn, statement, values, budget_ms)
    COUNTS.put(versioned, total)
    return total


def _count_within(conn: Connection, statement: Select, values: dict[str, Any], budget_ms: int) -> int | None:
    """``count(*)`` with its own statement timeout; None when the budget runs out."""
    if budget_ms <= 0:
        return None
    conn.execute(select(func.set_config("statement_timeout", str(int(budget_ms)), False)))
    try:
        return conn.execute(statement, values).scalar_one()
    except (OperationalError, DBAPIError) as error:
        if getattr(error.orig, "sqlstate", None) != "57014":  # query_canceled
            raise
        if conn.in_transaction():
            conn.rollback()
        return None
    finally:
        conn.exec_driver_sql("RESET statement_timeout")
