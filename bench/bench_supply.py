"""Benchmark: supply warnings over 20 years of monthly series for 30 commodities and 200 countries.

About 1.44 million production values (country scope, monthly) plus a world price per commodity, and
three rules per commodity: one on production itself (commodity-wide, so every one of the values is
judged), the supply HHI and the price volatility, both derived from those values in SQL. Measured in
the same run, on the same database:

- **evaluation** (``geoplatform.supply.warnings.evaluate``: derive, judge every value by the rule in
  force, store the history of levels and the composites) against a plain sequential scan that reads
  the same current values once (goal: within 5×);
- **the /supply page** through the app (gunicorn, HTTP) against the raw SQL of its statements run
  with psycopg (goal: within 2×).

Usage: ``python bench/bench_supply.py [--years 20] [--commodities 30] [--countries 200]``; the data
lives in its own database of the bench cluster (``geoplatform_bench_supply``) and is generated once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench_api import _params, bench_database, http_get, start_server, timed

from geoplatform.cluster import free_port
from geoplatform.database import SESSION_OPTIONS
from geoplatform.demo import load_demo
from geoplatform.supply import queries
from geoplatform.supply.warnings import evaluate_all

DB = "geoplatform_bench_supply"
SCAN = "SELECT count(*), sum(value_base) FROM indicator_value WHERE superseded_at IS NULL"

GENERATE = """
INSERT INTO indicator_value (indicator, commodity_code, scope_kind, scope_code, period_kind, period_start,
                             period_end, value, unit, value_base, base_unit, source)
SELECT 'production', c.code, 'country', co.code, 'month', d::date, (d + interval '1 month - 1 day')::date,
       v, 't', v, 't', 'bench (synthetic)'
FROM (SELECT code FROM commodity WHERE NOT deprecated ORDER BY sort_order, code LIMIT :commodities) c
CROSS JOIN (SELECT code FROM country ORDER BY code LIMIT :countries) co
CROSS JOIN generate_series(make_date(:first, 1, 1), make_date(:last, 12, 1), interval '1 month') d
CROSS JOIN LATERAL (SELECT 1 + abs(hashtext(c.code || co.code || d::text)) % 1000 AS v) x
"""
PRICES = """
INSERT INTO indicator_value (indicator, commodity_code, scope_kind, scope_code, period_kind, period_start,
                             period_end, value, unit, value_base, base_unit, source)
SELECT 'price', c.code, 'world', '', 'month', d::date, (d + interval '1 month - 1 day')::date,
       p, 'USD/t', p, 'USD/t', 'bench (synthetic)'
FROM (SELECT code FROM commodity WHERE NOT deprecated ORDER BY sort_order, code LIMIT :commodities) c
CROSS JOIN generate_series(make_date(:first, 1, 1), make_date(:last, 12, 1), interval '1 month') d
CROSS JOIN LATERAL (SELECT 1000 + abs(hashtext(c.code || d::text)) % 200 AS p) x
"""
RULES = """
INSERT INTO warning_rule (indicator, commodity_code, scope_kind, scope_code, direction, blue, yellow, red,
                          effective_from, created_by, note)
SELECT r.indicator, c.code, r.scope_kind, r.scope_code, 'rising', r.blue, r.yellow, r.red, make_date(:first, 1, 1),
       'bench', 'bench'
FROM (SELECT code FROM commodity WHERE NOT deprecated ORDER BY sort_order, code LIMIT :commodities) c
CROSS JOIN (VALUES ('production', NULL, NULL, 700.0, 850.0, 950.0),
                   ('supply_hhi', 'world', '', 40.0, 60.0, 80.0),
                   ('price_volatility', 'world', '', 0.3, 0.4, 0.5)) AS r(indicator, scope_kind, scope_code,
                                                                          blue, yellow, red)
"""


def prepare(years: int, commodities: int, countries: int) -> tuple[object, str]:
    engine, url = bench_database(DB)
    last = 2024
    params = {"commodities": commodities, "countries": countries, "first": last - years + 1, "last": last}
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM indicator_value")).scalar_one()
    wanted = commodities * countries * years * 12
    if present < wanted:
        print(f"generating {wanted:,} production values and {commodities * years * 12:,} prices …", flush=True)
        started = time.perf_counter()
        load_demo(engine)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM warning_level"))
            conn.execute(text("DELETE FROM derived_value"))
            conn.execute(text("DELETE FROM warning_composite"))
            conn.execute(text("DELETE FROM warning_rule"))
            conn.execute(text("DELETE FROM indicator_value"))
            conn.execute(text(GENERATE), params)
            conn.execute(text(PRICES), params)
            conn.execute(text(RULES), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE indicator_value"))
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return engine, url.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--commodities", type=int, default=30)
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine, url = prepare(args.years, args.commodities, args.countries)
    with engine.connect() as conn:
        values = conn.execute(text("SELECT count(*) FROM indicator_value WHERE superseded_at IS NULL")).scalar_one()
        rules = conn.execute(text("SELECT count(*) FROM warning_rule WHERE withdrawn_at IS NULL")).scalar_one()
    print(f"{values:,} current values, {rules} rules")

    raw = psycopg.connect(**_params(engine.url), options=SESSION_OPTIONS, autocommit=True)  # type: ignore[attr-defined]
    scan = timed(lambda: raw.execute(SCAN).fetchall(), args.repeat, warmup=1)
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        done = evaluate_all(engine, "bench", "bench")  # type: ignore[arg-type]
        runs.append((time.perf_counter() - started) * 1000)
    scan_ms, eval_ms = statistics.median(scan), statistics.median(runs)
    print(f"values judged per evaluation: {done.values:,}; series with a level: {done.levels:,}")
    print(f"sequential scan of the values   {scan_ms:9.1f} ms (median of {args.repeat})")
    print(f"evaluate every warning rule     {eval_ms:9.1f} ms  = {eval_ms / scan_ms:.1f}× the scan (goal ≤ 5×)")

    # The /supply page through the app against the raw SQL of its statements.
    with engine.connect() as conn:  # type: ignore[attr-defined]
        cards = queries.overview(conn)
    drivers = [c for c in cards if c["driver"]]
    trend_params = {
        "commodities": [c["code"] for c in drivers],
        "indicators": [c["driver"] for c in drivers],
        "kinds": [c["driver_scope_kind"] for c in drivers],
        "codes": [c["driver_scope_code"] for c in drivers],
        "periods": [c["driver_period_kind"] for c in drivers],
    }
    trends = queries.TRENDS.replace("CAST(:commodities AS text[])", "%(commodities)s::text[]")
    for name in ("indicators", "kinds", "codes", "periods"):
        trends = trends.replace(f"CAST(:{name} AS text[])", f"%({name})s::text[]")

    def page_sql() -> None:
        raw.execute(queries.OVERVIEW).fetchall()
        raw.execute(trends, trend_params).fetchall()
        raw.execute(queries.LAST_EVALUATION).fetchall()

    port = free_port()
    server = start_server(url, port)
    try:
        page = timed(lambda: http_get(port, "/supply"), args.repeat * 5)
        commodity = timed(lambda: http_get(port, "/supply/lithium"), args.repeat * 5)
    finally:
        server.terminate()
        server.wait()
    page_raw = timed(page_sql, args.repeat * 5)
    page_ms, raw_ms = statistics.median(page), statistics.median(page_raw)
    print(f"/supply raw SQL of its statements {raw_ms:7.1f} ms (median of {args.repeat * 5})")
    print(f"/supply page (HTTP)              {page_ms:8.1f} ms  = {page_ms / raw_ms:.1f}× the raw SQL (goal ≤ 2×)")
    print(f"/supply/lithium page (HTTP)      {statistics.median(commodity):8.1f} ms")
    raw.close()


if __name__ == "__main__":
    main()
