"""Benchmark: the map page (``/``) in headless Chromium over 1,000,000 deposits.

What a user does, scripted: open the map on China at zoom 4, zoom in step by step to zoom 10 on
the dense south-east belt, pan there, and filter by a commodity. For each step: the time until
every tile of the view is painted (``#atlas[data-tiles=idle]``), the tiles it asked for, and the
longest main-thread task (the page stays responsive when no task blocks it for long). Every tile
the browser fetched is then timed as raw SQL — the statement the tile service runs for it, with
psycopg on the same database in the same run — against its duration in the browser (Resource
Timing, so queueing behind the browser's six connections counts too).

The page itself: its size and the time to its HTML, against the 144 KB page that embedded the
first 5,000 features of each layer before the map read tiles. Usage:
``python bench/bench_map.py [--rows 1000000]`` (gunicorn, 2 workers × 4 threads).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

import psycopg
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_api
from bench_api import prepare

from geoplatform.cluster import free_port
from geoplatform.codelists import load_codelists
from geoplatform.database import SESSION_OPTIONS, prepare_for
from geoplatform.vocabulary import load_vocabulary
from layers.clusters import refresh_grids
from layers.features_sql import NO_FILTER, structure_of
from layers.query import parse_items_query
from layers.registry import DEPOSITS, LAYERS
from layers.tiles_sql import filtered_clusters_statement, grid_clusters_statement, points_statement

IDLE = (
    "(() => { const a = document.getElementById('atlas'); "
    "return a.dataset.ready === 'true' && a.dataset.tiles === 'idle'; })()"
)
LONG_TASKS = """() => {
    performance.setResourceTimingBufferSize(100000);
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
        .observe({type: 'longtask', buffered: true});
}"""
STEPS: list[tuple[str, str]] = [
    ("zoom 5", "geoplatformAtlas.map.setView([27, 112], 5, {animate: false})"),
    ("zoom 7", "geoplatformAtlas.map.setView([26, 114], 7, {animate: false})"),
    ("zoom 8 (points)", "geoplatformAtlas.map.setView([26, 115], 8, {animate: false})"),
    ("zoom 10", "geoplatformAtlas.map.setView([26, 115.5], 10, {animate: false})"),
    ("pan east", "geoplatformAtlas.map.panBy([600, 0], {animate: false})"),
    ("pan south", "geoplatformAtlas.map.panBy([0, 400], {animate: false})"),
    ("zoom out to 6", "geoplatformAtlas.map.setView([27, 112], 6, {animate: false})"),
]
FILTER_STEP = ("filter: lithium, zoom 6", "select[name=commodity]", "lithium")
MAX_TILE_FEATURES = 20000


def tile_entries(page: Page, since: int) -> list[dict[str, Any]]:
    entries = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/'))"
        ".map(e => ({url: e.name, ms: e.duration}))"
    )
    return entries[since:]


def wait_idle(page: Page) -> float:
    started = time.perf_counter()
    # Give Leaflet the frame in which it asks for the new view's tiles, then wait for all of them.
    page.wait_for_timeout(50)
    page.wait_for_function(IDLE, timeout=120_000)
    return (time.perf_counter() - started) * 1000 + 50


def longest_task(page: Page) -> float:
    durations = page.evaluate("() => { const d = window.__long; window.__long = []; return d; }")
    return max(durations, default=0.0)


def raw_tile_ms(raw: psycopg.Connection, engine: Any, url: str, words: Any, lists: Any, repeat: int = 3) -> float:
    """The tile service's own statement for ``url``, run with psycopg: the median of ``repeat``."""
    parts = urlparse(url).path.split("/")
    layer_name, z, x, y = parts[2], int(parts[3]), int(parts[4]), int(parts[5].removesuffix(".mvt"))
    layer = LAYERS[layer_name]
    args = dict(parse_qsl(urlparse(url).query))
    query = parse_items_query(args, layer, lists, words, default_limit=1, max_limit=10).query
    structure, values = structure_of(query)
    if z > layer.cluster_max_zoom:
        statement = points_statement(layer.name, structure)
        values = {**values, "cap": MAX_TILE_FEATURES}
    elif structure == NO_FILTER:
        statement = grid_clusters_statement(layer.name)
    else:
        statement = filtered_clusters_statement(layer.name, structure)
    compiled = statement.compile(dialect=engine.dialect)
    params = {**compiled.params, **values, "z": z, "x": x, "y": y}
    how = prepare_for(statement)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        raw.execute(str(compiled), params, prepare=how).fetchone()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    engine, database_url = prepare(args.rows)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    grid = refresh_grids(engine, [DEPOSITS])
    print(f"{total:,} deposits; cluster grid built in {grid['deposits']:.1f} s\n")
    words, lists = load_vocabulary(engine), load_codelists(engine)
    raw = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), options=SESSION_OPTIONS)
    port = free_port()
    server = bench_api.start_server(database_url, port, workers=2, threads=4)
    base = f"http://127.0.0.1:{port}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    rows: list[tuple[str, float, int, float, list[str]]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            started = time.perf_counter()
            response = page.goto(base + "/?lang=zh#map=4/32/108&layers=deposits,projects")
            html_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
            page_bytes = len(response.body()) if response else 0
            page.evaluate(LONG_TASKS)
            page.wait_for_function(IDLE, timeout=120_000)
            first = (time.perf_counter() - started) * 1000
            drawn = page.evaluate("() => geoplatformAtlas.painted('deposits')")
            seen = tile_entries(page, 0)
            rows.append(("first render, zoom 4", first, len(seen), longest_task(page), [e["url"] for e in seen]))
            for name, action in STEPS:
                before = len(tile_entries(page, 0))
                started = time.perf_counter()
                # Resolve once the map has moved and its layers have asked for the new view's tiles.
                page.evaluate(
                    "() => new Promise((done) => { geoplatformAtlas.map.once('moveend', () => setTimeout(done, 0)); "
                    + action
                    + "; })"
                )
                page.wait_for_function(IDLE, timeout=120_000)
                ms = (time.perf_counter() - started) * 1000
                new = tile_entries(page, before)
                rows.append((name, ms, len(new), longest_task(page), [e["url"] for e in new]))
            before = len(tile_entries(page, 0))
            page.select_option(FILTER_STEP[1], FILTER_STEP[2])
            ms = wait_idle(page)
            new = tile_entries(page, before)
            rows.append((FILTER_STEP[0], ms, len(new), longest_task(page), [e["url"] for e in new]))
            durations = {e["url"]: e["ms"] for e in tile_entries(page, 0)}
            # A second visitor of the first view, in a browser of their own (server caches warm).
            second = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            started = time.perf_counter()
            second.goto(base + "/?lang=zh#map=4/32/108&layers=deposits,projects")
            second_html = second.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
            second.wait_for_function(IDLE, timeout=120_000)
            second_ms = (time.perf_counter() - started) * 1000
            browser.close()
    finally:
        server.terminate()
        server.wait()

    print(f"page: {page_bytes / 1024:.0f} KB, HTML in {html_ms:.0f} ms (the page that embedded features: 144 KB "
          f"for the demo's 151 deposits, capped at 5,000 per layer)")  # fmt: skip
    print(f"first view painted {drawn['records']:,} deposits in {drawn['clusters']:,} clusters; "
          f"a second visitor: HTML in {second_html:.0f} ms, painted in {second_ms:.0f} ms\n")  # fmt: skip
    header = f"{'step':<26} {'to idle ms':>10} {'tiles':>6} {'longest task ms':>16} {'raw SQL ms (sum/max)':>22}"
    print(header)
    print("-" * len(header))
    pairs = []
    for name, ms, count, task, urls in rows:
        raws = [raw_tile_ms(raw, engine, url, words, lists) for url in urls]
        pairs += [(durations[url], r) for url, r in zip(urls, raws, strict=True) if url in durations]
        summary = f"{sum(raws):.0f} / {max(raws, default=0):.0f}"
        print(f"{name:<26} {ms:>10.0f} {count:>6} {task:>16.0f} {summary:>22}")
    browser_ms = [b for b, _ in pairs]
    raw_ms = [r for _, r in pairs]
    p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
    print(f"\n{len(pairs)} tile requests: browser p50 {statistics.median(browser_ms):.1f} ms / "
          f"p95 {p95(browser_ms):.1f} ms; "
          f"raw SQL p50 {statistics.median(raw_ms):.1f} ms / p95 {p95(raw_ms):.1f} ms; "
          f"ratio p50 {statistics.median(browser_ms) / statistics.median(raw_ms):.2f}x, "
          f"p95 {p95(browser_ms) / p95(raw_ms):.2f}x")  # fmt: skip
    print(f"errors in the page: {errors or 'none'}")
    raw.close()


if __name__ == "__main__":
    main()
