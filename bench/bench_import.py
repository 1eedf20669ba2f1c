"""Benchmark: importing a large deposit CSV, against ogr2ogr and a bare COPY of the same file, same run.

One generated CSV (default 1,000,000 rows) of deposits scattered around the demo deposits in China and
abroad, each row stating the country (and in China the province) its point lies in, is loaded into
copies of the same migrated database:

1. a bare ``COPY`` into a table of text columns (the floor: what the server needs to take the bytes);
2. the schema floor: the same bare COPY, then plain ``INSERT … SELECT`` of the rows into ``deposit`` and
   ``deposit_commodity`` with the same bulk mode as the importer — no validation, no change detection,
   no undo log: what any loader pays for these constrained and indexed tables;
3. ``ogr2ogr -f PostgreSQL`` with ``PG_USE_COPY=YES`` into a new table (points built from lon/lat, no
   validation, no constraints);
4. ``geoplatform import`` — the full pipeline: read in chunks, map, parse coordinates, validate against
   the vocabulary, place every point in its country and province (and compare with what the file
   says), COPY into staging, upsert with commodity rows, batch record and undo log, in one transaction;
5. the same file imported again, unchanged: it should cost little more than reading and comparing it;
6. what placing costs: the same import into fresh copies, once with the real locator and once with a
   locator that replays answers computed before the run (same rows, same warnings, no point-in-polygon),
   alternated ``--repeat`` times. The goal: placement adds at most 15 % to the import.

Each load runs as its own process after a VACUUM ANALYZE and a CHECKPOINT; wall time and peak resident
memory (ru_maxrss of the child) are printed with ratios. Usage:
``python bench/bench_import.py [--rows 1000000] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import URL

from geoplatform.cluster import EmbeddedCluster

# The parent process stays small (psycopg and the cluster only): Linux carries a process's peak
# resident set into the children it starts, and each load's peak memory must be its own. Everything
# heavy (pandas, shapely, the migration) runs in child processes: this script with --prepare or
# --generate, the import scripts below.

DB = "geoplatform_import_bench"
TEMPLATE = DB + "_template"
SPREAD_DEG = 0.15
"""Standard deviation of the scatter around each demo deposit (about 17 km): many points fall in a
neighbouring province or country, some just off a coast, as in a real national table."""


def scatter_points(engine, rows: int, rng):  # type: ignore[no-untyped-def]
    """``rows`` points around the demo deposits that lie on land (or within the coastal tolerance), with
    where the locator places them: the file then states the truth, and the import warns only of points
    off a coast."""
    import numpy as np
    from sqlalchemy import text

    from geoplatform.locate import Locator

    with engine.connect() as conn:
        seeds = np.array(conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM deposit ORDER BY code")).all())
    locator = Locator(engine)
    lon, lat, country, region, distance = [], [], [], [], []
    wanted = rows
    while wanted > 0:
        n = int(wanted * 1.15) + 100
        pick = seeds[rng.integers(0, len(seeds), n)]
        x = np.round(pick[:, 0] + rng.normal(0, SPREAD_DEG, n), 6)
        y = np.round(np.clip(pick[:, 1] + rng.normal(0, SPREAD_DEG, n), -89.9, 89.9), 6)
        found = locator.locate(x, y)
        keep = np.flatnonzero(found.placed)[:wanted]
        lon.append(x[keep])
        lat.append(y[keep])
        country.append(found.country[keep])
        region.append(found.region[keep])
        distance.append(found.distance_km[keep])
        wanted -= len(keep)
    return tuple(np.concatenate(a) for a in (lon, lat, country, region, distance))


def write_csv(path: Path, lon, lat, country, region) -> None:  # type: ignore[no-untyped-def]
    """geoplatform's own export columns, so that the ``geoplatform`` mapping reads the file."""
    from etl.export import COLUMNS

    rng = random.Random(42)
    # "platinum group" is a spelling the vocabulary maps to pgm (it refused 2 % of such a file once).
    commodities = ["copper", "lithium", "nickel,cobalt", "tungsten,tin", "rare_earths", "graphite", "platinum group"]
    statuses = ["exploration", "prospect", "producing", "feasibility"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for i in range(len(lon)):
            chinese = country[i] == "CN"
            writer.writerow(
                {
                    "code": f"BENCH-{i:08d}",
                    "name": f"基准矿产地{i}" if chinese else f"Benchmark deposit {i}",
                    "name_lang": "zh" if chinese else "en",
                    "name_zh": f"基准矿产地{i}" if chinese else "",
                    "name_en": f"Benchmark deposit {i}",
                    "commodities": rng.choice(commodities),
                    "lon": f"{lon[i]:.6f}",
                    "lat": f"{lat[i]:.6f}",
                    "country_code": country[i],
                    "region_code": region[i] or "",
                    "deposit_type": "porphyry",
                    "stage": "general_survey",
                    "size_class": "small",
                    "status": rng.choice(statuses),
                    "status_as_of": "2024-12-31",
                    "source": "benchmark",
                    "grade": f"{rng.uniform(0.1, 3):.3f}",
                    "grade_unit": "pct",
                }
            )


IMPORT_SCRIPT = """
import sys
from pathlib import Path
import numpy as np
from etl.pipeline import ImportRequest, import_file
from geoplatform.database import create_db_engine
from geoplatform.locate import Placement

url, path, answers, replay = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "replay"
saved = np.load(answers, allow_pickle=True)


class Replay:
    # Answers computed before the run, handed out in file order (checked against the coordinates).

    def __init__(self, engine):
        names = ("lon", "country", "region", "distance")
        self.lon, self.country, self.region, self.distance = (saved[k] for k in names)
        self.at = 0

    def locate(self, lon, lat):
        n = len(lon)
        part = slice(self.at, self.at + n)
        if not np.array_equal(lon, self.lon[part]):
            raise RuntimeError("the replayed placement is out of step with the rows")
        self.at += n
        return Placement(self.country[part].copy(), self.region[part].copy(), self.distance[part].copy(),
                         np.ones(n, dtype=bool))


engine = create_db_engine(url)
result = import_file(engine, ImportRequest(path=path, mapping="geoplatform", locator=Replay if replay else None))
assert result.rows_accepted == result.rows_read, (result.rows_read, result.rows_accepted)
print(result.rows_accepted, result.rows_warned)
"""
"""One import into ``url``, placing with the real locator or replaying saved answers."""

PLACE_SCRIPT = """
import sys, time
import numpy as np
from geoplatform.database import create_db_engine
from geoplatform.locate import Locator

saved = np.load(sys.argv[2], allow_pickle=True)
locator = Locator(create_db_engine(sys.argv[1]))
started = time.perf_counter()
for at in range(0, len(saved["lon"]), 50_000):
    locator.locate(saved["lon"][at:at + 50_000], saved["lat"][at:at + 50_000])
print(f"{time.perf_counter() - started:.2f}")
"""
"""Placement alone, in chunks as the importer asks for it."""

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
            "INSERT INTO deposit (code, name, name_lang, name_zh, name_en, geom, country_code, region_code, "
            "deposit_type, stage, size_class, status, status_as_of, source) SELECT code, name, name_lang, "
            "nullif(name_zh, ''), name_en, ST_SetSRID(ST_MakePoint(lon::float8, lat::float8), 4326), "
            "country_code, nullif(region_code, ''), deposit_type, stage, size_class, status, status_as_of::date, "
            "source FROM floor_stage"))
        conn.execute(text(
            "INSERT INTO deposit_commodity (deposit_id, commodity_code, role, grade, grade_unit) "
            "SELECT d.id, CASE c.code WHEN 'platinum group' THEN 'pgm' ELSE c.code END, "
            "CASE WHEN c.n = 1 THEN 'primary' ELSE 'associated' END, "
            "CASE WHEN c.n = 1 THEN s.grade::numeric END, CASE WHEN c.n = 1 THEN s.grade_unit END "
            "FROM floor_stage s JOIN deposit d ON d.code = s.code "
            "CROSS JOIN LATERAL unnest(string_to_array(s.commodities, ',')) WITH ORDINALITY AS c(code, n)"))
"""
"""The schema floor, run as its own process like the other loads (it states the country, so the
database's placing trigger does not fire: the importer does not make it fire either)."""


def admin(url: URL):  # type: ignore[no-untyped-def]
    return psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname="postgres", autocommit=True
    )


def prepare_template(info) -> URL:  # type: ignore[no-untyped-def]
    """The migrated schema with its boundaries and the demo catalogue, to copy for every load."""
    with admin(info.url("postgres")) as conn:
        for name in (DB, DB + "_floor", DB + "_place", TEMPLATE):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    url = info.url(TEMPLATE)
    run_child([sys.executable, __file__, "--prepare", url.render_as_string(hide_password=False)], dict(os.environ))
    return url


def prepare(url: str) -> None:
    from geoplatform.database import create_db_engine, migrate
    from geoplatform.demo import load_demo

    engine = create_db_engine(url)
    migrate(engine)
    load_demo(engine)
    engine.dispose()


def clone(info, name: str) -> URL:  # type: ignore[no-untyped-def]
    """A fresh copy of the template (file copy on PostgreSQL 15+: a second, not a migration)."""
    with admin(info.url("postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        strategy = sql.SQL(" STRATEGY FILE_COPY") if conn.info.server_version >= 150000 else sql.SQL("")
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(sql.Identifier(name), sql.Identifier(TEMPLATE), strategy)
        )
    return info.url(name)


def libpq(url: URL) -> str:
    return f"host={url.host} port={url.port} user={url.username} password={url.password} dbname={url.database}"


def run_child(command: list[str], env: dict[str, str], quiet: list[str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MiB) and standard output of one child process (its own
    rusage, via wait4).

    ``quiet`` (libpq strings of the databases in use) first runs VACUUM ANALYZE in each and a
    CHECKPOINT, so that no load pays for flushing the previous one's pages or shares the two cores
    with autovacuum working through the previous one's rows.
    """
    for database in quiet or ():
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{command[0]} failed: {errors.read()[-2000:].decode(errors='replace')}")
        output.seek(0)
        printed = output.read().decode(errors="replace")
    return seconds, usage.ru_maxrss / 1024, printed


def generate(url: str, rows: int, path: Path, answers: Path) -> None:
    """Write the CSV and the locator's answers for its rows; print what the file holds."""
    import numpy as np

    from geoplatform.database import create_db_engine

    engine = create_db_engine(url)
    lon, lat, country, region, distance = scatter_points(engine, rows, np.random.default_rng(42))
    engine.dispose()
    np.savez(answers, lon=lon, lat=lat, country=country, region=region, distance=distance)
    write_csv(path, lon, lat, country, region)
    abroad = int(np.sum(country != "CN"))
    print(
        f"{rows:,} rows ({abroad:,} abroad in {len(set(country.tolist()))} countries, "
        f"{int(np.sum(distance > 2)):,} more than 2 km off a coast)"
    )


def main() -> None:
    if sys.argv[1:2] == ["--prepare"]:
        prepare(sys.argv[2])
        return
    if sys.argv[1:2] == ["--generate"]:
        url, rows, path, answers = sys.argv[2:6]
        generate(url, int(rows), Path(path), Path(answers))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="placed/replayed import pairs (alternated)")
    args = parser.parse_args()
    base = Path(os.environ.get("GEOPLATFORM_DATA_DIR") or Path(tempfile.gettempdir()) / "geoplatform-bench")
    info = EmbeddedCluster(base).start()
    started = time.perf_counter()
    template = prepare_template(info)
    print(f"template database (schema, boundaries, demo) ready in {time.perf_counter() - started:.1f} s")

    workdir = Path(tempfile.mkdtemp(prefix="geoplatform-bench-import-"))
    try:
        path, answers = workdir / "deposits.csv", workdir / "placement.npz"
        # Generated in a child process: Linux carries a parent's peak RSS into the children it forks,
        # and the loads' peak memory must be their own.
        writer = [sys.executable, __file__, "--generate", template.render_as_string(hide_password=False)]
        seconds, _, printed = run_child([*writer, str(args.rows), str(path), str(answers)], dict(os.environ))
        size_mb = path.stat().st_size / 1024**2
        with open(path, encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        print(f"{printed.strip()}, {size_mb:.0f} MiB CSV written in {seconds:.1f} s\n")
        main_url, floor_url = clone(info, DB), clone(info, DB + "_floor")
        env = {**os.environ, "GEOPLATFORM_DATABASE_URL": main_url.render_as_string(hide_password=False)}
        quiet = [libpq(main_url), libpq(floor_url)]

        copy_script = (
            "import sys, psycopg\n"
            f"conn = psycopg.connect({libpq(main_url)!r})\n"
            "conn.execute('CREATE TABLE bench_copy (" + ", ".join(f"{c} text" for c in header) + ")')\n"
            "with conn.cursor().copy('COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)') as copy:\n"
            f"    with open({str(path)!r}, 'rb') as f:\n"
            "        while block := f.read(1 << 20): copy.write(block)\n"
            "conn.commit()\n"
        )
        results = {"bare COPY (text table)": run_child([sys.executable, "-c", copy_script], env, quiet)}
        floor_script = FLOOR_SCRIPT.format(
            url=floor_url.render_as_string(hide_password=False), path=str(path), columns=header
        )
        results["schema floor (COPY + INSERT)"] = run_child([sys.executable, "-c", floor_script], env, quiet)
        ogr2ogr = shutil.which("ogr2ogr")
        if ogr2ogr:
            results["ogr2ogr PG_USE_COPY"] = run_child(
                [
                    ogr2ogr,
                    "-f",
                    "PostgreSQL",
                    f"PG:{libpq(main_url)}",
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
        command = [str(geoplatform), "import", str(path), "--mapping", "geoplatform"]
        results["geoplatform import (validated)"] = run_child(command, env, quiet)
        results["the same file again, unchanged"] = run_child(command, env, quiet)
        with psycopg.connect(libpq(main_url)) as conn:
            loaded = conn.execute("SELECT count(*) FROM deposit WHERE code LIKE 'BENCH-%'").fetchone()[0]
            batches = conn.execute(
                "SELECT rows_read, rows_inserted, rows_unchanged, "
                "round(extract(epoch FROM finished_at - started_at)::numeric, 1)::float8 "
                "FROM import_batch ORDER BY id DESC LIMIT 2"
            ).fetchall()
        baseline = results.get("ogr2ogr PG_USE_COPY", results["bare COPY (text table)"])[0]
        floor = results["schema floor (COPY + INSERT)"][0]
        print(f"{'load':<32} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13} {'vs ogr2ogr':>11} {'vs floor':>9}")
        for name, (seconds, peak, _) in results.items():
            print(
                f"{name:<32} {seconds:>8.1f} {args.rows / seconds:>10,.0f} {peak:>13,.0f}"
                f" {seconds / baseline:>10.2f}x {seconds / floor:>8.2f}x"
            )
        first, again = results["geoplatform import (validated)"][0], results["the same file again, unchanged"][0]
        print(f"\ngeoplatform loaded {loaded:,} deposits (with commodity rows, batch record and undo log);")
        print(f"batches (read, inserted, unchanged, seconds recorded), last first: {[tuple(b) for b in batches]}")
        print(f"the unchanged re-import took {again / first:.2f}x the first import.\n")

        # What placing costs: the same import with the real locator and with replayed answers.
        placed: list[float] = []
        replayed: list[float] = []
        for _ in range(args.repeat):
            for mode, times in (("locate", placed), ("replay", replayed)):
                with admin(info.url("postgres")) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB)))
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB + "_floor"))
                    )
                place_url = clone(info, DB + "_place")
                seconds, _, printed = run_child(
                    [
                        sys.executable,
                        "-c",
                        IMPORT_SCRIPT,
                        place_url.render_as_string(hide_password=False),
                        str(path),
                        str(answers),
                        mode,
                    ],
                    env,
                    [libpq(place_url)],
                )
                times.append(seconds)
                print(
                    f"import with placement {'replayed' if mode == 'replay' else 'computed'}: {seconds:.1f} s"
                    f" (accepted, warned: {printed.strip()})"
                )
        alone, _, printed = run_child(
            [sys.executable, "-c", PLACE_SCRIPT, template.render_as_string(hide_password=False), str(answers)], env
        )
        best_placed, best_replayed = min(placed), min(replayed)
        print(
            f"\nplacement: best of {args.repeat} {best_placed:.1f} s placed against {best_replayed:.1f} s replayed:"
            f" +{(best_placed / best_replayed - 1) * 100:.1f} % (median of runs"
            f" +{(statistics.median(placed) / statistics.median(replayed) - 1) * 100:.1f} %; goal at most +15 %);"
        )
        print(
            f"placing the {args.rows:,} points alone, in 50,000-point chunks: {float(printed.strip()):.1f} s"
            f" (child process {alone:.1f} s with start-up and the boundary fetch)."
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
