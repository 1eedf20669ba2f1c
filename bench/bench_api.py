"""Benchmark: GeoJSON API pages over HTTP against the same feature query run directly in PostGIS.

With 1,000,000 synthetic deposits (``geoplatform demo --synthetic``), four requests are timed at
concurrency 1 — a 1,000-feature bbox page, a 10-feature first page, one feature by code and a
commodity-filter page — each over HTTP to the app served by gunicorn (1 worker, 1 thread), and
the same page statement (``layers.features_sql.page_statement``) executed with psycopg on the same database,
in the same run. It prints medians, 90th percentiles and the ratio API / raw SQL, plus the cost of
the exact ``COUNT(*)`` the API pays once per query and data version (``layers.counts``).

Usage: ``python bench/bench_api.py [--rows 1000000] [--repeat 30]`` (uses the embedded cluster in
``$GEOPLATFORM_DATA_DIR`` or ``/tmp/geoplatform-bench``; the first run spends a few minutes
generating the synthetic deposits, later runs reuse them).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from geoplatform.approvals.demo import load_demo_approvals
from geoplatform.cluster import EmbeddedCluster, free_port
from geoplatform.database import SESSION_OPTIONS, create_db_engine, migrate, prepare_for
from geoplatform.demo import generate_synthetic, load_demo
from layers.features_sql import count_statement, feature_statement, page_statement, parameters, structure_of
from layers.filter_tree import In
from layers.query import BBox, FeatureQuery, bbox_node
from layers.registry import DEPOSITS

BENCH_DB = "geoplatform_bench"


def bench_database(name: str) -> tuple[Engine, URL]:
    """A migrated database ``name`` in the bench cluster (created the first time)."""
    base = Path(os.environ.get("GEOPLATFORM_DATA_DIR") or Path(tempfile.gettempdir()) / "geoplatform-bench")
    info = EmbeddedCluster(base).start()
    with psycopg.connect(**_params(info.url("postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = info.url(name)
    engine = create_db_engine(url)
    migrate(engine)
    return engine, url


def prepare(rows: int) -> tuple[Engine, str]:
    engine, url = bench_database(BENCH_DB)
    load_demo(engine)
    load_demo_approvals(engine)  # as `make demo` does: every layer has rows
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM deposit WHERE code LIKE 'SYN-%'")).scalar_one()
    if present < rows:
        started = time.perf_counter()
        print(f"generating {rows - present:,} synthetic deposits …", flush=True)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM deposit WHERE code LIKE 'SYN-%'"))
        generate_synthetic(engine, rows)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return engine, url.render_as_string(hide_password=False)


def _params(url) -> dict:  # type: ignore[no-untyped-def]
    return {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }


def timed(fn: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def start_server(database_url: str, port: int, workers: int = 1, threads: int = 1) -> subprocess.Popen:
    env = {
        **os.environ,
        "GEOPLATFORM_DATABASE_URL": database_url,
        "GEOPLATFORM_SECRET_KEY": "bench-secret-key-not-for-production",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web:create_app()",
        ],
        env=env,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the app did not start")


def http_get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}: {body[:200]!r}")
    conn.close()
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    engine, database_url = prepare(args.rows)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
        sample_code = conn.execute(
            text("SELECT code FROM deposit WHERE code LIKE 'SYN-%' ORDER BY code OFFSET :o LIMIT 1"),
            {"o": args.rows // 2},
        ).scalar_one()
    bbox = BBox(113.0, 24.0, 118.0, 30.0)  # the south-east China tungsten-REE-copper belt: dense
    queries = {
        "bbox page, 1000 features": ("bbox=113,24,118,30&limit=1000", FeatureQuery(limit=1000, filter=bbox_node(bbox))),
        "first page, 10 features": ("limit=10", FeatureQuery(limit=10)),
        "commodity filter page, 100": (
            "commodity=lithium&limit=100",
            FeatureQuery(limit=100, filter=In("commodity", ("lithium",))),
        ),
    }
    cases = [
        (
            name,
            f"/api/v1/deposits?{args_}",
            page_statement(DEPOSITS.name, structure_of(query)[0]),
            parameters(query),
            query,
        )
        for name, (args_, query) in queries.items()
    ]
    one = ("one feature by code", f"/api/v1/deposits/{sample_code}", feature_statement("deposits"))
    cases.insert(2, (*one, {"code": sample_code}, None))

    port = free_port()
    server = start_server(database_url, port)
    # The raw baseline runs with the same session settings as the app's connections.
    raw = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), options=SESSION_OPTIONS)
    results = []
    try:
        print(f"\n{total:,} deposits; concurrency 1; {args.repeat} timed runs each (medians; p90 in brackets)\n")
        floor = timed(lambda: http_get(port, "/api/v1/"), args.repeat)
        print(f"HTTP + WSGI floor (GET /api/v1/, no database): {statistics.median(floor):.1f} ms median\n")
        header = f"{'case':<30} {'matched':>9} {'raw SQL ms':>16} {'API ms':>16} {'API/raw':>8}"
        print(header)
        print("-" * len(header))
        for name, path, statement, values, query in cases:
            compiled = statement.compile(dialect=engine.dialect)
            sql_text, params = str(compiled), {**compiled.params, **values}

            def run_raw(sql_text: str = sql_text, params: dict = params, how: bool | None = None) -> None:
                raw.execute(sql_text, params, prepare=how).fetchone()

            how = prepare_for(statement)  # prepared or not, as the app's engine does it
            raw_ms = timed(lambda run=run_raw, h=how: run(how=h), args.repeat)
            api_ms = timed(lambda path=path: http_get(port, path), args.repeat)
            body = json.loads(http_get(port, path))
            matched = body.get("numberMatched", "unknown") if body.get("type") == "FeatureCollection" else 1
            raw_med, api_med = statistics.median(raw_ms), statistics.median(api_ms)
            p90 = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
            print(
                f"{name:<30} {matched!s:>9} {raw_med:>7.1f} [{p90(raw_ms):>6.1f}] {api_med:>7.1f} "
                f"[{p90(api_ms):>6.1f}] {api_med / raw_med:>7.2f}x"
            )
            results.append(
                {
                    "case": name,
                    "matched": matched,
                    "raw_median_ms": raw_med,
                    "api_median_ms": api_med,
                    "ratio": api_med / raw_med,
                }
            )
            if query is not None:
                exact = count_statement(DEPOSITS.name, structure_of(query)[0])
                uncapped = parameters(query)
                with engine.connect() as conn:
                    count_ms = timed(lambda q=exact, v=uncapped: conn.execute(q, v).scalar_one(), 5, warmup=1)
                    exact_count = conn.execute(exact, uncapped).scalar_one()
                print(
                    f"{'':<30} the exact COUNT(*) of {exact_count:,} matches, paid once per query, costs "
                    f"{statistics.median(count_ms):.1f} ms ({statistics.median(count_ms) / raw_med:.1f}x raw)"
                )
    finally:
        raw.close()
        server.terminate()
        server.wait(timeout=10)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    summary = {"deposits": total, "http_floor_ms": statistics.median(floor), "results": results}
    (out / "bench_api.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
