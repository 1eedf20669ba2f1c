"""Benchmark: search over 1,000,000 deposits, over HTTP against the same statement as raw SQL.

Query shapes: one Chinese character (锂), two characters (稀土), a four-character name (甲基卡锂),
an English word (lithium), pinyin (jiajika), a code (DEP-JINCHUAN) and a common synthetic term that
matches every synthetic deposit (矿产: 1,000,000 matches, the worst case for ranking and facets).
For each: p50 and p95 of ``GET /api/v1/search`` (gunicorn, 2 workers × 1 thread) and of the search
statement run with psycopg on the same database in the same run, and their ratio (goal: p95
within 3× of raw). Usage: ``python bench/bench_search.py [--rows 1000000] [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_api
from bench_api import http_get, prepare, timed

from geoplatform.cluster import free_port
from geoplatform.database import SESSION_OPTIONS
from geoplatform.search import SEARCH_SQL, SearchQuery, fill_search_extra, search_parameters
from geoplatform.vocabulary import load_vocabulary

QUERIES = ["锂", "稀土", "甲基卡锂", "lithium", "jiajika", "DEP-JINCHUAN", "矿产"]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--queries", nargs="*", default=QUERIES, help="the query shapes to time (default: all)")
    args = parser.parse_args()
    engine, database_url = prepare(args.rows)
    started = time.perf_counter()
    written = fill_search_extra(engine)  # the demo load in prepare() has written most of them already
    print(f"search terms written for {written:,} more records in {time.perf_counter() - started:.1f} s")
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    vocabulary = load_vocabulary(engine)
    # The raw baseline: the same statement text and values, compiled by SQLAlchemy, never prepared
    # (as the app's engine runs it).
    compiled = text(SEARCH_SQL).compile(dialect=engine.dialect)
    raw = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), options=SESSION_OPTIONS)
    port = free_port()
    server = bench_api.start_server(database_url, port, workers=2)
    try:
        print(f"\n{total:,} deposits; {args.repeat} timed runs each\n")
        columns = ("raw p50", "raw p95", "HTTP p50", "HTTP p95")
        header = f"{'query':<16} {'matches':>10} " + " ".join(f"{c:>9}" for c in columns) + f" {'p95/raw':>8}"
        print(header + "\n" + "-" * len(header))
        for query in args.queries:
            values = {**compiled.params, **search_parameters(vocabulary, SearchQuery(text=query))}
            raw_ms = timed(lambda v=values: raw.execute(str(compiled), v, prepare=False).fetchall(), args.repeat)
            path = "/api/v1/search?q=" + quote(query)
            api_ms = timed(lambda p=path: http_get(port, p), args.repeat)
            matched = json.loads(http_get(port, path))["numberMatched"]
            print(
                f"{query:<16} {matched:>10,} {statistics.median(raw_ms):>9.1f} {p95(raw_ms):>9.1f} "
                f"{statistics.median(api_ms):>9.1f} {p95(api_ms):>9.1f} {p95(api_ms) / p95(raw_ms):>7.2f}x",
                flush=True,
            )
    finally:
        server.terminate()
        raw.close()


if __name__ == "__main__":
    main()
