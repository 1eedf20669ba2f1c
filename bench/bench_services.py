"""Benchmark: the standard services (OGC API – Features, WFS, vector tiles) against raw SQL.

With 1,000,000 synthetic deposits (the database of ``bench/bench_api.py``), each request is timed
over HTTP to the app served by gunicorn, and the same statement the service runs (built by
``layers``) is executed with psycopg on the same database in the same run:

* a 1,000-feature bbox page (OGC API items, GeoJSON) and the same page as WFS GML 3.2;
* a CQL2 attribute-filter page (second page, so numberMatched comes from the count kept for the
  query) and, once, the first request of that query, which pays for the exact count;
* z10 tiles of the dense south-east China belt, each requested once (so no tile cache helps),
  against raw ``ST_AsMVT`` of the same rows;
* a dense z6 tile: the precomputed cluster grid against raw ``ST_AsMVT`` of all its points, with
  the cluster counts checked against the number of points;
* throughput at concurrency 8 (gunicorn 2 workers × 1 thread; raw SQL on 8 connections).

Usage: ``python bench/bench_services.py [--rows 1000000] [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import mapbox_vector_tile
import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_api
from bench_api import http_get, prepare, timed

from geoplatform.cluster import free_port
from geoplatform.database import SESSION_OPTIONS, prepare_for
from geoplatform.vocabulary import load_vocabulary
from layers.clusters import refresh_grids
from layers.cql2_filter import parse_cql2_text
from layers.crs import WGS84
from layers.features_sql import page_statement, parameters, structure_of
from layers.gml_sql import gml_page_statement
from layers.query import BBox, FeatureQuery, bbox_node, resolve_filter
from layers.registry import DEPOSITS
from layers.tiles_sql import grid_clusters_statement, points_statement


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    engine, database_url = prepare(args.rows)
    words = load_vocabulary(engine)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    started = time.perf_counter()
    grid_seconds = refresh_grids(engine, [DEPOSITS])
    print(f"\n{total:,} deposits; cluster grid (zoom 0-{DEPOSITS.cluster_max_zoom}) built in "
          f"{grid_seconds['deposits']:.1f} s ({time.perf_counter() - started:.1f} s with the lock)")  # fmt: skip

    bbox = BBox(113.0, 24.0, 118.0, 30.0)
    bbox_query = FeatureQuery(limit=1000, filter=resolve_filter(bbox_node(bbox), DEPOSITS, words))
    cql = "commodity = 'tungsten' AND status = 'producing'"
    cql_query = FeatureQuery(limit=100, offset=100, filter=resolve_filter(parse_cql2_text(cql), DEPOSITS, words))
    cases = [
        (
            "OGC bbox page, 1000",
            "/ogcapi/collections/deposits/items?bbox=113,24,118,30&limit=1000",
            page_statement("deposits", structure_of(bbox_query)[0]),
            parameters(bbox_query),
        ),
        (
            "WFS GML 3.2 bbox page, 1000",
            "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=gp:deposits&COUNT=1000"
            "&BBOX=24,113,30,118,urn:ogc:def:crs:EPSG::4326",
            gml_page_statement("deposits", structure_of(bbox_query)[0], WGS84, (), "3.2"),
            parameters(bbox_query),
        ),
        (
            "CQL2 filter, 2nd page of 100",
            "/ogcapi/collections/deposits/items?limit=100&offset=100&filter=" + quote(cql),
            page_statement("deposits", structure_of(cql_query)[0]),
            parameters(cql_query),
        ),
    ]
    port = free_port()
    server = bench_api.start_server(database_url, port, workers=2)
    raw = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), options=SESSION_OPTIONS)
    try:
        first = time.perf_counter()
        body = http_get(port, cases[2][1])
        cold = (time.perf_counter() - first) * 1000
        print(f"CQL2 query, first request (exact count of its matches included): {cold:.1f} ms")
        matched = json.loads(body).get("numberMatched")
        print(f"  numberMatched = {matched:,}\n" if matched is not None else "  numberMatched omitted\n")
        header = f"{'case':<32} {'raw SQL ms':>16} {'HTTP ms':>16} {'HTTP/raw':>9}"
        print(header)
        print("-" * len(header))
        for name, path, statement, values in cases:
            compiled = statement.compile(dialect=engine.dialect)
            sql_text, params = str(compiled), {**compiled.params, **values}
            how = prepare_for(statement)  # prepared or not, as the app's engine does it
            raw_ms = timed(lambda s=sql_text, p=params, h=how: raw.execute(s, p, prepare=h).fetchone(), args.repeat)
            api_ms = timed(lambda p=path: http_get(port, p), args.repeat)
            p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
            r, a = statistics.median(raw_ms), statistics.median(api_ms)
            print(f"{name:<32} {r:>7.1f} [{p90(raw_ms):>6.1f}] {a:>7.1f} [{p90(api_ms):>6.1f}] {a / r:>8.2f}x")

        # z10 tiles, each once: no cache can help the HTTP side.
        x0, y0 = tile_of(113.0, 30.0, 10)
        x1, y1 = tile_of(118.0, 24.0, 10)
        tiles = [(10, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)][: args.repeat * 3]
        statement = points_statement("deposits", ("all",))
        compiled = statement.compile(dialect=engine.dialect)
        raw_tiles, api_tiles, sizes = [], [], []
        for z, x, y in tiles:
            params = {**compiled.params, "z": z, "x": x, "y": y, "cap": 20000}
            t = time.perf_counter()
            raw.execute(str(compiled), params, prepare=prepare_for(statement)).fetchone()
            raw_tiles.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            sizes.append(len(http_get(port, f"/tiles/deposits/{z}/{x}/{y}.mvt")))
            api_tiles.append((time.perf_counter() - t) * 1000)
        r, a = statistics.median(raw_tiles), statistics.median(api_tiles)
        print(f"{'z10 tiles (each once), points':<32} {r:>7.1f} {'':>8} {a:>7.1f} {'':>8} {a / r:>8.2f}x"
              f"   ({len(tiles)} tiles, median {statistics.median(sizes) / 1024:.0f} KB)")  # fmt: skip

        # A dense z6 tile: clusters from the grid against every point of it as raw ST_AsMVT.
        z, x, y = (6, *tile_of(115.5, 27.0, 6))
        grid = grid_clusters_statement("deposits").compile(dialect=engine.dialect)
        grid_params = {**grid.params, "z": z, "x": x, "y": y}
        all_points = {**compiled.params, "z": z, "x": x, "y": y, "cap": 10**9}
        with engine.connect() as conn:
            inside = conn.execute(
                text("SELECT count(*) FROM deposit WHERE geom && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)"),
                {"z": z, "x": x, "y": y},
            ).scalar_one()
        raw_all = timed(lambda: raw.execute(str(compiled), all_points).fetchone(), 5, warmup=1)
        raw_grid = timed(lambda: raw.execute(str(grid), grid_params).fetchone(), args.repeat)
        tile_body = http_get(port, f"/tiles/deposits/{z}/{x}/{y}.mvt")
        api_grid = timed(lambda: http_get(port, f"/tiles/deposits/{z}/{x}/{y}.mvt"), args.repeat)
        clusters = mapbox_vector_tile.decode(tile_body)["deposits"]["features"]
        counted = sum(f["properties"]["count"] for f in clusters)
        ra, rg, ag = statistics.median(raw_all), statistics.median(raw_grid), statistics.median(api_grid)
        print(f"\ndense z6 tile {z}/{x}/{y}: {inside:,} points in it, {counted:,} counted by {len(clusters)} clusters")
        print(f"  raw ST_AsMVT of all its points {ra:.1f} ms; grid clusters raw {rg:.1f} ms, over HTTP {ag:.1f} ms "
              f"({ra / ag:.0f}x faster than all points)")  # fmt: skip

        # Throughput at concurrency 8.
        print("\nconcurrency 8 (requests per second)")
        for name, path, statement, values in cases:
            compiled_case = statement.compile(dialect=engine.dialect)
            sql_text, params = str(compiled_case), {**compiled_case.params, **values}
            api_rate = throughput(lambda p=path: http_get(port, p), 8, args.repeat * 4)
            raw_rate = raw_throughput(database_url, sql_text, params, 8, args.repeat * 4, prepare_for(statement))
            print(f"  {name:<32} raw {raw_rate:>7.0f}/s   HTTP {api_rate:>7.0f}/s   ({api_rate / raw_rate:.2f} of raw)")
    finally:
        raw.close()
        server.terminate()
        server.wait(timeout=30)


def raw_throughput(
    database_url: str, sql_text: str, params: dict, threads: int, requests: int, prepare: bool | None = None
) -> float:
    """The statement on ``threads`` connections of its own, like the app's pooled ones."""
    dsn = database_url.replace("postgresql+psycopg", "postgresql")
    connections = [psycopg.connect(dsn, options=SESSION_OPTIONS) for _ in range(threads)]
    local = threading.local()
    free = iter(connections)
    lock = threading.Lock()

    def run() -> None:
        if not hasattr(local, "conn"):
            with lock:
                local.conn = next(free)
        local.conn.execute(sql_text, params, prepare=prepare).fetchone()

    try:
        return throughput(run, threads, requests, warm=False)
    finally:
        for connection in connections:
            connection.close()


def throughput(fn: Any, threads: int, requests: int, warm: bool = True) -> float:
    remaining = iter(range(requests))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            fn()

    for _ in range(threads if warm else 0):  # warm the server's connections first
        fn()
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return requests / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
