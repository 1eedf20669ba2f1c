"""The map over 1,000,000 synthetic deposits in headless Chromium: clusters, zooming, no errors.

The catalogue is a private copy of the demo with a million synthetic deposits added (about a minute
to generate and a minute to build the cluster grid on two cores), served on a free port. How fast
the map is at this size is measured by ``bench/bench_map.py``, not asserted here; this test holds
what must be true at any speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from geoplatform.database import create_db_engine
from geoplatform.demo import generate_synthetic
from layers.clusters import refresh_grids
from layers.registry import DEPOSITS
from tests.conftest import LiveServer, clone_database, drop_database, make_settings
from tests.test_browser import ATLAS_IDLE, console_errors, only_loopback, painted, screenshot
from tests.test_browser import browser as browser  # the fixture, shared with the other browser tests

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROWS = 1_000_000


@pytest.fixture(scope="module")
def million(server_url: URL, template_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from web import create_app

    url = clone_database(server_url, "geoplatform_million")
    engine = create_db_engine(url)
    try:
        assert generate_synthetic(engine, ROWS) == ROWS
        refresh_grids(engine, [DEPOSITS])
        app = create_app(make_settings(url, Path(tmp_path_factory.mktemp("million"))), engine)
        with LiveServer(app) as server:
            server.engine = engine  # type: ignore[attr-defined]
            yield server
    finally:
        engine.dispose()
        drop_database(server_url, "geoplatform_million")


def zoom_to(page, lat: float, lon: float, zoom: int) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        "([lat, lon, zoom]) => new Promise((done) => { const map = geoplatformAtlas.map; "
        "map.once('moveend', () => setTimeout(done, 0)); map.setView([lat, lon], zoom, {animate: false}); })",
        [lat, lon, zoom],
    )
    page.wait_for_function(ATLAS_IDLE, timeout=120_000)


def test_a_million_deposits_are_drawn_as_clusters_and_the_map_keeps_answering_while_zooming(  # type: ignore[no-untyped-def]
    browser, million
) -> None:
    with million.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    assert total >= ROWS
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    blocked = only_loopback(page, million.url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    console = console_errors(page)
    response = page.goto(million.url + "/?lang=zh#map=1/20/0&layers=deposits")
    assert response is not None and len(response.body()) < 60_000, "the page embeds no features at any size"
    page.wait_for_function(ATLAS_IDLE, timeout=120_000)
    world = painted(page, "deposits")
    assert world["records"] == total and world["points"] == 0, "the whole world: every deposit in a cluster"
    assert world["clusters"] < 5_000
    page.wait_for_function("document.getElementById('map-counts').dataset.counts !== undefined", timeout=120_000)
    assert f"{total:,}" in page.locator("#map-counts").inner_text()
    screenshot(page, "map-million-world")

    # Zooming in on the dense south-east belt: clusters up to the cluster zoom, points above it.
    for zoom in (4, 6, DEPOSITS.cluster_max_zoom):
        zoom_to(page, 26.0, 115.0, zoom)
        drawn = painted(page, "deposits")
        assert drawn["clusters"] > 0 and drawn["points"] == 0, f"zoom {zoom}: {drawn}"
    zoom_to(page, 26.0, 115.0, DEPOSITS.cluster_max_zoom + 3)
    drawn = painted(page, "deposits")
    assert drawn["points"] > 0 and drawn["clusters"] == 0
    screenshot(page, "map-million-points")

    # The map keeps answering while tiles load: a zoom asked for mid-load is applied at once, and the
    # tiles of the abandoned view never reach the canvas.
    page.evaluate("() => { geoplatformAtlas.map.setView([30, 110], 5, {animate: false}); }")
    page.evaluate("() => { geoplatformAtlas.map.setView([24, 113], 6, {animate: false}); }")
    assert page.evaluate("geoplatformAtlas.map.getZoom()") == 6
    page.wait_for_function(ATLAS_IDLE, timeout=120_000)
    # Tiles of the zoom left behind stay on screen until the new zoom's are in, then go.
    page.wait_for_function(
        "() => [...geoplatformAtlas.layers.find(l => l.entry.name === 'deposits').painted.values()]"
        ".every(t => t.coords.z === 6)",
        timeout=10_000,
    )
    assert painted(page, "deposits")["clusters"] > 0
    assert blocked == [] and errors == [] and console == []
    context.close()
