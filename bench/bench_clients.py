"""Real clients against 1,000,000 deposits: OWSLib, GDAL and ogctests, with what each took.

The test suite proves the clients against the demo (151 deposits); this proves them at scale, on
the database of ``bench/bench_api.py``, served by gunicorn as ``docker/`` serves it:

* OWSLib ``WebFeatureService`` 2.0.0 and 1.1.0: ``get_schema()`` of every layer, a bbox page in
  EPSG:4326 (latitude first) with the ids SQL finds;
* OWSLib ``Features``: three pages of 1,000 deposits without repeats, numberMatched exact, EPSG:4490;
* GDAL ``ogrinfo -so`` with ``OAPIF:`` and ``WFS:``: the feature count of the whole layer (from
  numberMatched and ``RESULTTYPE=hits``);
* GDAL ``ogr2ogr`` with ``OAPIF:`` and ``WFS:``: a full copy of the deposits layer (1,000,151
  features) and a copy with an attribute and a spatial filter, each checked for count and
  duplicates against SQL;
* ogctests: the OGC API – Features core and filtering suites, as tests/test_ogctests.py runs them.

Every check is an assertion; the figures are printed. Usage:
``python bench/bench_clients.py [--rows 1000000] [--skip-full-copy]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_api
from bench_api import prepare

from geoplatform.cluster import free_port
from layers.registry import LAYERS

ROOT = Path(__file__).resolve().parent.parent
OGCTESTS_PYTHON = Path(os.environ.get("OGCTESTS_PYTHON", ROOT / ".venv-ogctests" / "bin" / "python"))
FILTER_SQL = (
    "country_code = 'CN' AND status = 'producing' AND ST_Intersects(geom, ST_MakeEnvelope(100, 20, 120, 40, 4326))"
)


def step(title: str, started: float, detail: str = "") -> None:
    print(f"  {title:<58} {time.perf_counter() - started:8.1f} s  {detail}", flush=True)


def sql_codes(engine, where: str = "TRUE") -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return set(conn.execute(text(f"SELECT code FROM deposit WHERE {where}")).scalars())  # noqa: S608


def gpkg_codes(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute(f'SELECT code FROM "{table}"')]  # noqa: S608


def owslib_checks(base: str, engine, total: int) -> None:  # type: ignore[no-untyped-def]
    from owslib.ogcapi.features import Features
    from owslib.wfs import WebFeatureService

    bbox_codes = sql_codes(engine, "ST_Intersects(geom, ST_MakeEnvelope(113, 24, 114, 25, 4326))")
    for version in ("2.0.0", "1.1.0"):
        started = time.perf_counter()
        wfs = WebFeatureService(f"{base}/wfs", version=version, timeout=120)
        assert len(list(wfs.contents)) == len(LAYERS), list(wfs.contents)
        for name in wfs.contents:
            schema = wfs.get_schema(name)
            assert schema and schema["properties"], name
        step(f"OWSLib WFS {version}: capabilities, get_schema() x {len(LAYERS)}", started)
        started = time.perf_counter()
        response = wfs.getfeature(
            typename=["gp:deposits"],
            bbox=(113, 24, 114, 25, "urn:ogc:def:crs:EPSG::4326"),  # OWSLib takes x/y, sends lat/lon
            maxfeatures=10000,
            outputFormat="application/json",
        )
        import json

        features = json.loads(response.read())["features"]
        got = [f["id"].removeprefix("deposits.") for f in features]
        assert len(got) == len(set(got)) and set(got) == bbox_codes, (len(got), len(bbox_codes))
        step(f"OWSLib WFS {version}: bbox page (EPSG:4326, lat first)", started, f"{len(got):,} features = SQL")
    started = time.perf_counter()
    api = Features(base + "/ogcapi", timeout=120)
    seen: list[str] = []
    for offset in (0, 1000, 2000):
        page = api.collection_items("deposits", limit=1000, offset=offset)
        assert page["numberMatched"] == total, (page["numberMatched"], total)
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == 3000 and len(set(seen)) == 3000
    lat_first = api.collection_items(
        "deposits", limit=1, bbox=[113, 24, 114, 25], crs="http://www.opengis.net/def/crs/EPSG/0/4490"
    )
    lat, lon = lat_first["features"][0]["geometry"]["coordinates"]
    assert 24 <= lat <= 25 and 113 <= lon <= 114, (lat, lon)
    step("OWSLib Features: 3 pages of 1,000, numberMatched, EPSG:4490", started, f"numberMatched {total:,}")


def ogr2ogr(args: list[str], timeout: int = 3600) -> None:
    run = subprocess.run(["ogr2ogr", *args], capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise AssertionError(run.stderr[-2000:])


def gdal_checks(base: str, engine, total: int, full_copy: bool, work: Path) -> None:  # type: ignore[no-untyped-def]
    expected = sql_codes(engine, FILTER_SQL)
    for driver, source, layer in (
        ("OAPIF", f"OAPIF:{base}/ogcapi", "deposits"),
        ("WFS", f"WFS:{base}/wfs", "gp:deposits"),
    ):
        started = time.perf_counter()
        # GDAL trusts the WGS84BoundingBox of WFS capabilities only when told to (or when the default
        # CRS is CRS84); otherwise ``-so`` reads every feature to compute the extent.
        trust = ["-oo", "TRUST_CAPABILITIES_BOUNDS=YES"] if driver == "WFS" else []
        run = subprocess.run(
            ["ogrinfo", "-ro", "-so", *trust, source, layer], capture_output=True, text=True, timeout=600
        )
        found = re.search(r"Feature Count: (\d+)", run.stdout)
        assert run.returncode == 0 and found and int(found.group(1)) == total, run.stdout[-1500:] + run.stderr[-1500:]
        step(f"ogrinfo {driver}: feature count of the layer", started, f"{int(found.group(1)):,} = SQL")
    for driver, source, layer, extra in (
        ("OAPIF", f"OAPIF:{base}/ogcapi", "deposits", ["-oo", "PAGE_SIZE=10000"]),
        # GDAL's WFS client pages in 100s unless told otherwise (its open option PAGE_SIZE is not read
        # by ogr2ogr 3.6; the configuration options are).
        (
            "WFS",
            f"WFS:{base}/wfs",
            "gp:deposits",
            ["--config", "OGR_WFS_PAGING_ALLOWED", "ON", "--config", "OGR_WFS_PAGE_SIZE", "10000"],
        ),
    ):
        table = layer.replace(":", "_") if driver == "WFS" else layer
        started = time.perf_counter()
        out = work / f"filtered-{driver}.gpkg"
        ogr2ogr(
            [
                "-f",
                "GPKG",
                str(out),
                source,
                layer,
                "-nln",
                table,
                *extra,
                "-where",
                "country_code = 'CN' AND status = 'producing'",
                "-spat",
                "100",
                "20",
                "120",
                "40",
            ]
        )
        codes = gpkg_codes(out, table)
        assert len(codes) == len(set(codes)) and set(codes) == expected, (len(codes), len(expected))
        step(f"ogr2ogr {driver}: attribute + spatial filter", started, f"{len(codes):,} features = SQL")
        if not full_copy:
            continue
        started = time.perf_counter()
        out = work / f"all-{driver}.gpkg"
        ogr2ogr(["-f", "GPKG", str(out), source, layer, "-nln", table, *extra])
        with sqlite3.connect(out) as db:
            count, distinct = db.execute(f'SELECT count(*), count(DISTINCT code) FROM "{table}"').fetchone()  # noqa: S608
        assert count == distinct == total, (count, distinct, total)
        took = time.perf_counter() - started
        step(f"ogr2ogr {driver}: the whole layer", started, f"{count:,} features, no duplicates, {count / took:,.0f}/s")
        out.unlink()


def ogctests_checks(base: str, work: Path) -> None:
    if not OGCTESTS_PYTHON.exists():
        raise SystemExit("ogctests is not installed: run `make setup-test` (it creates .venv-ogctests)")
    sys.path.insert(0, str(ROOT / "tests"))
    from test_ogctests import SUITES, run_suite

    for scope in sorted(SUITES):
        started = time.perf_counter()
        run = run_suite(f"{base}/ogcapi", scope, work, timeout=1800)
        result = re.search(r"=+ (.*) in [0-9.]+s", run.stdout)
        summary = result.group(1) if result else run.stdout[-2000:]
        assert run.returncode == 0 and "failed" not in summary and "error" not in summary, run.stdout[-3000:]
        step(f"ogctests {scope}", started, summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-full-copy", action="store_true", help="leave out the two copies of the whole layer")
    args = parser.parse_args()
    if shutil.which("ogr2ogr") is None:
        raise SystemExit("ogr2ogr not found: install gdal-bin")
    engine, database_url = prepare(args.rows)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    port = free_port()
    server = bench_api.start_server(database_url, port, workers=2, threads=4)
    base = f"http://127.0.0.1:{port}"
    print(f"\n{total:,} deposits, served by gunicorn (2 workers x 4 threads) at {base}")
    try:
        with tempfile.TemporaryDirectory(prefix="geoplatform-clients-") as tmp:
            work = Path(tmp)
            owslib_checks(base, engine, total)
            gdal_checks(base, engine, total, not args.skip_full_copy, work)
            ogctests_checks(base, work)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("all client checks passed")


if __name__ == "__main__":
    main()
