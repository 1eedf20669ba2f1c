"""Benchmark: importing a large deposit CSV, against ogr2ogr and a bare COPY of the same file, same run.

Three loads of one generated CSV (default 1,000,000 rows) into the same PostGIS:

1. ``geoplatform import`` — full pipeline: read in chunks, map, parse coordinates, validate against the
   codelists, COPY into staging, upsert into the constrained and indexed catalogue tables with
   commodity rows, batch record and undo log, in one transaction;
2. ``ogr2ogr -f PostgreSQL`` with ``PG_USE_COPY=YES`` into a new table (points built from lon/lat, no
   validation, no constraints);
3. a bare ``COPY`` into a table of text columns (the floor: what the server needs to take the bytes);
4. the schema floor: the same bare COPY, then plain ``INSERT … SELECT`` of the rows into ``deposit`` and
   ``deposit_commodity`` (in a database of their own) with the same bulk mode as the importer — no
   validation, no change detection, no undo log: what any loader pays for these constrained and
   indexed tables.

Each runs as its own process; wall time and peak resident memory (ru_maxrss of the child) are
printed, with ratios against ogr2ogr. Usage: ``python bench/bench_import.py [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import text

from etl.export import COLUMNS
from geoplatform.cluster import EmbeddedCluster
from geoplatform.database import create_db_engine, migrate
from geoplatform.demo import load_demo

DB = "geoplatform_import_bench"
HEADER = list(COLUMNS)  # geoplatform's own export columns


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(42)
    commodities = ["copper", "lithium", "nickel,cobalt", "tungsten,tin", "rare_earths", "graphite", "gold"]
    statuses = ["exploration", "prospect", "producing", "feasibility"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"BENCH-{i:08d}",
                    f"基准矿产地{i}",
                    f"Benchmark deposit {i}",
                    rng.choice(commodities),
                    f"{rng.uniform(98, 122):.6f}",
                    f"{rng.uniform(22, 45):.6f}",
                    "510000",
                    "porphyry",
                    "general_survey",
                    "small",
                    rng.choice(statuses),
                    "2024-12-31",
                    "benchmark",
                    f"{rng.uniform(0.1, 3):.3f}",
                    "pct",
                    "",
                ]
            )


FLOOR_SCRIPT = """
from sqlalchemy import text
from etl import bulk
from geoplatform.staging import copy_csv
from geoplatform.database import create_db_engine
engine = create_db_engine({url!r})
with engine.begin() as conn, open({path!r}, "rb") as source:
    conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    copy_csv(conn, "floor_stage", {columns!r}, source)
    with bulk.deferred(conn, ("deposit", "deposit_commodity"), bulk.BulkPlan(True, True)):
        conn.execute(text(
            "INSERT INTO deposit (code, name_zh, name_en, geom, region_code, deposit_type, stage, size_class, "
            "status, status_as_of, source) SELECT code, name_zh, name_en, "
            "ST_SetSRID(ST_MakePoint(lon::float8, lat::float8), 4326), region_code, deposit_type, stage, "
            "size_class, status, status_as_of::date, source FROM floor_stage"))
        conn.execute(text(
            "INSERT INTO deposit_commodity (deposit_id, commodity_code, role, grade, grade_unit) "
            "SELECT d.id, c.code, CASE WHEN c.n = 1 THEN 'primary' ELSE 'associated' END, "
            "CASE WHEN c.n = 1 THEN s.grade::numeric END, CASE WHEN c.n = 1 THEN s.grade_unit END "
            "FROM floor_stage s JOIN deposit d ON d.code = s.code "
            "CROSS JOIN LATERAL unnest(string_to_array(s.commodities, ',')) WITH ORDINALITY AS c(code, n)"))
"""
"""The schema floor, run as its own process like the other loads."""


def fresh_database(info, name: str):  # type: ignore[no-untyped-def]
    """A new database with the migrated schema and the demo catalogue; its URL."""
    admin = info.url("postgres")
    with psycopg.connect(
        host=admin.host,
        port=admin.port,
        user=admin.username,
        password=admin.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = info.url(name)
    engine = create_db_engine(url)
    migrate(engine)
    load_demo(engine)
    engine.dispose()
    return url


def run_child(command: list[str], env: dict[str, str], quiet: list[str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one child process (its own rusage, via wait4).

    ``quiet`` (libpq strings of the databases in use) first runs VACUUM ANALYZE in each and a
    CHECKPOINT, so that no load pays for flushing the previous one's pages or shares the two cores
    with autovacuum working through the previous one's rows.
    """
    for database in quiet or ():
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{command[0]} failed: {errors.read()[-2000:].decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    base = Path(os.environ.get("GEOPLATFORM_DATA_DIR") or Path(tempfile.gettempdir()) / "geoplatform-bench")
    info = EmbeddedCluster(base).start()
    url = fresh_database(info, DB)
    engine = create_db_engine(url)
    libpq = f"host={url.host} port={url.port} user={url.username} password={url.password} dbname={DB}"

    workdir = Path(tempfile.mkdtemp(prefix="geoplatform-bench-import-"))
    try:
        path = workdir / "deposits.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1024**2
        print(f"{args.rows:,} rows, {size_mb:.0f} MiB CSV written in {time.perf_counter() - started:.1f} s\n")
        env = {**os.environ, "GEOPLATFORM_DATABASE_URL": url.render_as_string(hide_password=False)}

        copy_script = (
            "import sys, psycopg\n"
            f"conn = psycopg.connect({libpq!r})\n"
            "conn.execute('CREATE TABLE bench_copy (" + ", ".join(f"{c} text" for c in HEADER) + ")')\n"
            "with conn.cursor().copy('COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)') as copy:\n"
            f"    with open({str(path)!r}, 'rb') as f:\n"
            "        while block := f.read(1 << 20): copy.write(block)\n"
            "conn.commit()\n"
        )
        floor_url = fresh_database(info, DB + "_floor")
        quiet = [libpq, libpq.replace(f"dbname={DB}", f"dbname={DB}_floor")]
        results = {"bare COPY (text table)": run_child([sys.executable, "-c", copy_script], env, quiet)}
        floor_script = FLOOR_SCRIPT.format(
            url=floor_url.render_as_string(hide_password=False), path=str(path), columns=HEADER
        )
        results["schema floor (COPY + INSERT)"] = run_child([sys.executable, "-c", floor_script], env, quiet)
        ogr2ogr = shutil.which("ogr2ogr")
        if ogr2ogr:
            results["ogr2ogr PG_USE_COPY"] = run_child(
                [
                    ogr2ogr,
                    "-f",
                    "PostgreSQL",
                    f"PG:{libpq}",
                    str(path),
                    "-nln",
                    "bench_ogr",
                    "-overwrite",
                    "-oo",
                    "X_POSSIBLE_NAMES=lon",
                    "-oo",
                    "Y_POSSIBLE_NAMES=lat",
                    "-a_srs",
                    "EPSG:4326",
                    "--config",
                    "PG_USE_COPY",
                    "YES",
                    "-lco",
                    "SPATIAL_INDEX=GIST",
                ],
                env,
                quiet,
            )
        geoplatform = Path(sys.executable).with_name("geoplatform")
        results["geoplatform import (validated)"] = run_child(
            [str(geoplatform), "import", str(path), "--mapping", "geoplatform"], env, quiet
        )
        with engine.connect() as conn:
            loaded = conn.execute(text("SELECT count(*) FROM deposit WHERE code LIKE 'BENCH-%'")).scalar_one()
        baseline = results.get("ogr2ogr PG_USE_COPY", results["bare COPY (text table)"])[0]
        floor = results["schema floor (COPY + INSERT)"][0]
        print(f"{'load':<32} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13} {'vs ogr2ogr':>11} {'vs floor':>9}")
        for name, (seconds, peak) in results.items():
            print(
                f"{name:<32} {seconds:>8.1f} {args.rows / seconds:>10,.0f} {peak:>13,.0f}"
                f" {seconds / baseline:>10.2f}x {seconds / floor:>8.2f}x"
            )
        print(f"\ngeoplatform loaded {loaded:,} deposits (with commodity rows, batch record and undo log).")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        engine.dispose()


if __name__ == "__main__":
    main()
