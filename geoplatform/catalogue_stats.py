"""What the catalogue holds, counted: per commodity (at home and abroad), country, province, status,
stage and size class — the dashboard's numbers and ``GET /api/v1/statistics``.

Each count is one ``GROUP BY`` in PostGIS; the answer is kept per database and data version, so the
dashboard costs those scans once per change of the data (on 1,000,000 deposits a few seconds),
and nothing afterwards.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Connection, Select, func, literal, select

from geoplatform.models import Deposit, DepositCommodity, Project, data_version, project_commodity

HOME = "CN"

_cache: dict[tuple[str, int], dict[str, Any]] = {}
_lock = threading.Lock()


def _per_commodity(table: Any, link: Any, fk: str) -> Select:
    home = table.c.country_code == HOME
    return (
        select(
            link.c.commodity_code,
            func.count().filter(home).label("home"),
            func.count().filter(~home).label("abroad"),
        )
        .select_from(table.join(link, link.c[fk] == table.c.id))
        .group_by(link.c.commodity_code)
    )


def _per(column: Any) -> Select:
    return select(column.label("code"), func.count().label("n")).where(column.is_not(None)).group_by(column)


def _province(table: Any) -> Any:
    return func.left(table.c.region_code, 2).op("||")(literal("0000"))


def _count(conn: Connection, statement: Select) -> dict[str, int]:
    return {code: n for code, n in conn.execute(statement).all()}


def catalogue_statistics(conn: Connection) -> dict[str, Any]:
    """The catalogue's counts at the current data version (computed once per version)."""
    version = conn.execute(select(data_version.c.version).where(data_version.c.id == 1)).scalar_one()
    key = (str(conn.engine.url), version)
    with _lock:
        if key in _cache:
            return _cache[key]
    d, p = Deposit.__table__, Project.__table__
    link = DepositCommodity.__table__
    found: dict[str, Any] = {
        "data_version": version,
        "totals": {
            "deposits": conn.execute(select(func.count()).select_from(d)).scalar_one(),
            "projects": conn.execute(select(func.count()).select_from(p)).scalar_one(),
        },
        "commodity": {
            "deposits": {
                c: {"home": h, "abroad": a} for c, h, a in conn.execute(_per_commodity(d, link, "deposit_id"))
            },
            "projects": {
                c: {"home": h, "abroad": a}
                for c, h, a in conn.execute(_per_commodity(p, project_commodity, "project_id"))
            },
        },
        "country": {"deposits": _count(conn, _per(d.c.country_code)), "projects": _count(conn, _per(p.c.country_code))},
        "province": {
            "deposits": _count(conn, _per(_province(d)).where(d.c.region_code.is_not(None))),
            "projects": _count(conn, _per(_province(p)).where(p.c.region_code.is_not(None))),
        },
        "status": {"deposits": _count(conn, _per(d.c.status))},
        "stage": {"projects": _count(conn, _per(p.c.stage))},
        "size_class": {"deposits": _count(conn, _per(d.c.size_class))},
    }
    with _lock:
        _cache.clear()  # one version per database is enough: older ones are never asked again
        _cache[key] = found
    return found
