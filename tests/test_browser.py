"""The map in real headless Chromium (Debian's chromium) with every non-loopback request blocked."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

pytestmark = [
    pytest.mark.browser,
    # Werkzeug's test server leaves a static file's handle to the garbage collector when the browser
    # navigates away mid-download (the 1.7 MB basemap); that is the test server's doing, not the app's.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def only_loopback(page: Page, base_url: str) -> list[str]:
    """Let the page reach only the server under test; return the list that collects refused URLs."""
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return blocked


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def offline_page(browser: Browser, live_server) -> Iterator[tuple[Page, list[str], list[str]]]:  # type: ignore[no-untyped-def]
    """A page that may reach only the live server; blocked requests and page errors are recorded."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    blocked = only_loopback(page, live_server.url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, blocked, errors
    context.close()


MAP_READY = (
    "document.querySelector('.folium-map') && document.querySelector('.folium-map').dataset.basemap === 'loaded'"
)
"""A folium map (record pages, search results) has drawn its basemap."""
ATLAS_IDLE = "(() => { const a = document.getElementById('atlas'); return a.dataset.ready === 'true' && a.dataset.tiles === 'idle'; })()"


def painted(page: Page, layer: str) -> dict[str, int]:
    """What the map has painted of ``layer`` in its loaded tiles: points, clusters, records in both."""
    return page.evaluate("(name) => geoplatformAtlas.painted(name)", layer)


def wait_painted(page: Page, layer: str, records: int) -> None:
    page.wait_for_function(
        f"(([name, n]) => {ATLAS_IDLE} && geoplatformAtlas.painted(name).records === n)", arg=[layer, records]
    )


def console_errors(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    return found


def test_the_map_draws_every_layer_from_tiles_filters_toggles_and_keeps_the_view_in_the_url(  # type: ignore[no-untyped-def]
    offline_page, live_server, engine
) -> None:
    from sqlalchemy import text

    page, blocked, errors = offline_page
    console = console_errors(page)
    tiles: list[str] = []
    page.on("request", lambda request: tiles.append(request.url) if "/tiles/" in request.url else None)
    with engine.connect() as conn:
        deposits, projects = conn.execute(
            text("SELECT (SELECT count(*) FROM deposit), (SELECT count(*) FROM project)")
        ).one()
        lithium = conn.execute(
            text("SELECT count(DISTINCT deposit_id) FROM deposit_commodity WHERE commodity_code = 'lithium'")
        ).scalar_one()
    # The whole world at zoom 1: every deposit and project is in a cluster of a loaded tile.
    page.goto(live_server.url + "/?lang=zh#map=1/20/0")
    page.wait_for_function(ATLAS_IDLE)
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [o.strip() for o in overlays] == ["矿产地", "矿产地范围", "开发项目", "审批进展", "国家", "省级行政区"]
    wait_painted(page, "deposits", deposits)
    wait_painted(page, "projects", projects)
    assert painted(page, "deposits")["clusters"] > 0 and painted(page, "deposits")["points"] == 0
    assert tiles and all(".mvt" in url for url in tiles)
    counts = page.locator("#map-counts")
    page.wait_for_function("document.getElementById('map-counts').dataset.counts !== undefined")
    assert json.loads(counts.get_attribute("data-counts"))["deposits"] == deposits
    assert f"矿产地 {deposits}" in counts.inner_text()

    # Toggling a layer off removes its symbols and its count, and the URL says so.
    page.locator(".leaflet-control-layers-overlays label", has_text="开发项目").locator("input").uncheck()
    page.wait_for_function("!('projects' in JSON.parse(document.getElementById('map-counts').dataset.counts))")
    assert painted(page, "projects") == {"points": 0, "clusters": 0, "records": 0}
    assert "projects" not in page.url.split("layers=", 1)[1]

    # A filter redraws the tiles and the count.
    page.select_option("select[name=commodity]", "lithium")
    wait_painted(page, "deposits", lithium)
    page.wait_for_function(f"JSON.parse(document.getElementById('map-counts').dataset.counts).deposits === {lithium}")
    assert "commodity=lithium" in page.url and lithium < deposits

    # A choropleth of the filtered deposits per province, with its legend.
    page.select_option("#choropleth", "province")
    page.wait_for_function("Number(document.getElementById('atlas').dataset.choroplethAreas) > 0")
    assert page.locator("#choropleth-legend").is_visible()
    screenshot(page, "map-zh-lithium-by-province")

    # The URL keeps the view, the layers, the filters and the choropleth: reloading it shows the same map.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_function(ATLAS_IDLE)
    assert page.evaluate("geoplatformAtlas.map.getZoom()") == 1
    assert page.locator("select[name=commodity]").input_value() == "lithium"
    assert page.locator("#choropleth").input_value() == "province"
    assert not page.locator(".leaflet-control-layers-overlays label", has_text="开发项目").locator("input").is_checked()
    wait_painted(page, "deposits", lithium)

    # The language switch changes the interface and keeps the map as it is.
    page.locator("header a[hreflang=en]").click()
    page.wait_for_function(ATLAS_IDLE)
    assert "Deposits" in page.locator(".leaflet-control-layers-overlays").inner_text()
    assert page.locator("select[name=commodity]").input_value() == "lithium" and "#map=1/" in page.url
    screenshot(page, "map-en")
    assert blocked == [], f"requests left the machine: {blocked}"
    assert errors == [] and console == []


def test_clicking_a_deposit_opens_its_popup_and_then_its_record_page(offline_page, live_server, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    page, blocked, errors = offline_page
    console = console_errors(page)
    with engine.connect() as conn:
        lon, lat = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM deposit WHERE code = 'DEP-JINCHUAN'")).one()
    page.goto(live_server.url + f"/?lang=zh#map=11/{lat}/{lon}&layers=deposits")
    page.wait_for_function(f"{ATLAS_IDLE} && geoplatformAtlas.painted('deposits').points > 0")
    x, y = page.evaluate(
        "([lat, lon]) => { const p = geoplatformAtlas.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#atlas").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.locator(".leaflet-popup-content .gp-popup")
    popup.wait_for()
    assert "金川" in popup.inner_text() and "镍" in popup.inner_text()
    link = popup.locator("a.gp-popup-link")
    assert link.get_attribute("href") == "/deposits/DEP-JINCHUAN"
    link.click()
    page.wait_for_url("**/deposits/DEP-JINCHUAN")
    assert "金川" in page.locator("h1").inner_text()
    assert blocked == [] and errors == [] and console == []


def test_a_small_cluster_lists_its_records_and_a_large_one_zooms_in(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    page.goto(live_server.url + "/?lang=en#map=3/32/105&layers=deposits")
    page.wait_for_function(f"{ATLAS_IDLE} && geoplatformAtlas.painted('deposits').clusters > 0")
    # The screen position of the largest cluster on screen, and of one of two to twelve records.
    spots = page.evaluate(
        """() => {
            const atlas = geoplatformAtlas, layer = atlas.layers.find(l => l.entry.name === 'deposits');
            const size = atlas.map.getSize(), found = [];
            for (const tile of layer.painted.values()) {
                for (const item of tile.items) {
                    const ll = atlas.map.unproject([tile.coords.x * 256 + item.x, tile.coords.y * 256 + item.y], tile.coords.z);
                    const p = atlas.map.latLngToContainerPoint(ll);
                    if (p.x > 60 && p.y > 60 && p.x < size.x - 260 && p.y < size.y - 60) found.push([item.props.count, p.x, p.y]);
                }
            }
            return found.sort((a, b) => b[0] - a[0]);
        }"""
    )
    small = next(spot for spot in spots if 2 <= spot[0] <= 12)
    box = page.locator("#atlas").bounding_box()
    page.mouse.click(box["x"] + small[1], box["y"] + small[2])
    listing = page.locator(".leaflet-popup-content .gp-popup-list")
    listing.wait_for()
    assert listing.locator("a").count() == small[0]
    assert all(
        href.startswith("/deposits/")
        for href in listing.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    )
    screenshot(page, "map-cluster-list")
    page.locator(".gp-popup-zoom").click()
    page.wait_for_function("geoplatformAtlas.map.getZoom() > 3")
    assert blocked == [] and errors == []


def test_board_and_timeline_in_the_browser_and_an_editor_records_a_step(  # type: ignore[no-untyped-def]
    browser: Browser, write_app
) -> None:
    from tests.conftest import EDITOR, LiveServer
    from tests.test_approval_workflow import new_project

    engine = write_app.extensions["geoplatform"]["engine"]
    code = new_project(engine)
    with LiveServer(write_app) as server:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        blocked = only_loopback(page, server.url)
        page.goto(server.url + "/approvals?overdue=true&lang=en")
        rows = page.locator("table.gp-board tbody tr")
        assert rows.count() > 0
        assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.timetable)")) == {"overdue"}

        page.goto(server.url + "/login?lang=en")
        page.fill("input[name=username]", EDITOR[0])
        page.fill("input[name=password]", EDITOR[1])
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")  # leaving the map page mid-download can leave a file unclosed
        page.goto(server.url + f"/projects/{code}?lang=en")
        page.wait_for_function(MAP_READY)
        assert page.locator(".gp-gantt-row").count() >= 8
        form = page.locator("tr.gp-form-row").first
        form.locator("summary").first.click()
        form.locator("select[name=status]").first.select_option("submitted")
        form.locator("input[name=event_date]").first.fill("2025-05-06")
        form.locator("button[type=submit]").first.click()
        page.wait_for_url("**#approvals")
        page.wait_for_function(MAP_READY)
        assert "Saved." in page.locator(".gp-flash").inner_text()
        assert page.locator("table.gp-items tr[data-kind=project_approval] .gp-item-status").inner_text() == "Submitted"
        history = page.locator("table.gp-history tbody tr", has_text="Not started → Submitted")
        assert history.count() == 1 and EDITOR[0] in history.inner_text()
        assert blocked == []
        context.close()


ARTEFACTS = Path(
    os.environ.get("GEOPLATFORM_TEST_ARTEFACTS", Path(__file__).resolve().parent.parent / "test-artefacts")
)
"""Where browser tests save their screenshots (kept out of git; CI can upload the folder)."""


def screenshot(page: Page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_search_in_chinese_pinyin_and_english_with_facets_and_a_map(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    page.goto(live_server.url + "/search?lang=zh")
    box = page.locator("#gp-q")
    box.fill("锂")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert "找到" in page.locator("#gp-search-count").inner_text()
    assert page.locator(".gp-result").count() == 20
    page.wait_for_function(MAP_READY)
    assert page.locator(".gp-search-map path.leaflet-interactive").count() > 0, "the results are on the map"
    screenshot(page, "search-zh-li")
    # A facet narrows the search; the language switch keeps it.
    page.locator(".gp-facets a", has_text="澳大利亚").first.click()
    page.wait_for_url("**country=AU*")
    assert all("澳大利亚" in text for text in page.locator(".gp-result-facts").all_inner_texts())
    page.locator("header a[hreflang=en]").click()
    page.wait_for_url("**lang=en*")
    assert "results" in page.locator("#gp-search-count").inner_text() and "Australia" in page.content()
    page.goto(live_server.url + "/search?q=jiajika&lang=en")
    first = page.locator(".gp-result a").first
    assert "Jiajika" in first.inner_text()
    screenshot(page, "search-en-pinyin")
    first.click()
    page.wait_for_url("**/deposits/DEP-JIAJIKA*")
    page.goto(live_server.url + "/search?q=" + "铜" * 300)
    assert "200" in page.locator("[role=alert]").inner_text()
    assert blocked == [] and errors == []


def test_the_dashboard_charts_render_in_both_languages(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    console = console_errors(page)
    for lang, heading in (("zh", "矿产地与项目统计"), ("en", "The catalogue in numbers")):
        page.goto(live_server.url + f"/dashboard?lang={lang}")
        assert heading in page.locator("#catalogue").inner_text()
        bars = page.locator("#chart-minerals-deposits svg rect")
        assert bars.count() > 10
        assert bars.first.bounding_box()["width"] > 0, "the bars are drawn"
        assert page.locator("#chart-timetable svg rect").count() > 0
        screenshot(page, f"dashboard-{lang}")
    assert blocked == [] and errors == [] and console == []


def test_search_this_area_from_the_map_and_from_the_results(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    page.goto(live_server.url + "/?lang=zh#map=6/30.5/101.5&layers=deposits")
    page.wait_for_function(ATLAS_IDLE)
    page.fill("#area-search input[name=q]", "锂")
    page.locator("#area-search button").click()
    page.wait_for_url("**/search?**")
    assert "bbox=" in page.url
    found = page.locator("#gp-search-count").inner_text()
    assert "条结果" in found and page.locator("#gp-area-chip").is_visible()
    page.locator("#gp-area-chip").click()
    page.wait_for_url("**/search?**")
    assert "bbox" not in page.url
    page.locator("#gp-search-area").click()
    page.wait_for_url("**bbox=**")
    assert page.locator("#gp-area-chip").is_visible()
    assert blocked == [] and errors == []


def test_the_map_fits_a_tablet_and_its_controls_work_from_the_keyboard(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    blocked = only_loopback(page, live_server.url)
    page.goto(live_server.url + "/?lang=zh")
    page.wait_for_function(ATLAS_IDLE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, "nothing sticks out sideways on a tablet"
    atlas = page.locator("#atlas").bounding_box()
    assert atlas["height"] > 500 and atlas["width"] == 768
    # The filter panel from the keyboard: focus the commodity list, choose with the arrow keys.
    page.focus("select[name=commodity]")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("new URLSearchParams(location.search).has('commodity')")
    page.wait_for_function(ATLAS_IDLE)
    # The layer control from the keyboard: Tab reaches its check boxes, Space toggles one.
    page.focus(".leaflet-control-layers-overlays input")
    page.keyboard.press("Space")
    page.wait_for_function("!location.hash.includes('layers=deposits')")
    screenshot(page, "map-tablet")
    assert blocked == []
    context.close()


def test_the_supply_pages_draw_levels_and_charts_in_both_languages(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    console = console_errors(page)
    for lang, title, red in (("zh", "供应安全", "红色预警"), ("en", "Supply security", "Red warning")):
        page.goto(live_server.url + f"/supply?lang={lang}")
        assert page.locator("h1").inner_text() == title
        card = page.locator('.gp-card[data-commodity="lithium"]')
        assert card.get_attribute("data-level") == "red" and red in card.inner_text()
        assert card.locator("svg.gp-sparkline polyline").bounding_box()["width"] > 50, "the trend is drawn"
        assert page.locator('.gp-card[data-level="normal"]').count() >= 1
        screenshot(page, f"supply-{lang}")
    page.locator('.gp-card[data-commodity="cobalt"] h2 a').click()
    page.wait_for_url("**/supply/cobalt")
    chart = page.locator('.gp-chart[data-indicator="import_dependence"] svg')
    assert chart.bounding_box()["height"] > 100
    assert page.locator('#commodity-warnings tr[data-level="red"]').count() >= 2
    page.locator("text=Deposits and projects on the map").click()
    page.wait_for_url("**/?commodity=cobalt**")
    page.goto(live_server.url + "/supply/warnings?lang=zh&level=red")
    assert page.locator('#warnings tbody tr[data-level="red"]').count() >= 4
    screenshot(page, "supply-warnings-zh")
    assert blocked == [] and errors == [] and console == []


def test_the_scheduling_board_project_schedule_and_regional_list_render_in_chinese(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    console = console_errors(page)
    page.goto(live_server.url + "/schedule?lang=zh&behind=true")
    assert page.locator("h1").inner_text() == "调度看板"
    behind = page.locator('tr[data-schedule="behind"]')
    assert behind.count() >= 2 and "滞后" in behind.first.inner_text()
    screenshot(page, "schedule-board-zh")
    behind.first.locator("a").first.click()
    page.wait_for_url("**/projects/**#schedule")
    section = page.locator("#schedule")
    assert section.locator('tr[data-schedule="behind"]').count() >= 1
    bar = section.locator(".gp-progress-bar > span").bounding_box()
    assert bar is not None and bar["width"] > 10, "the progress bar is drawn"
    page.goto(live_server.url + "/lists/540000?lang=zh")
    assert page.locator("h1").inner_text() == "西藏自治区资源开发项目清单"
    assert page.locator(".gp-project-list tbody tr").count() >= 4
    header = page.locator(".gp-project-list th").first.bounding_box()
    assert header is not None and header["height"] < 120, "headers are not squeezed into a column of characters"
    screenshot(page, "project-list-zh")
    assert blocked == [] and errors == [] and console == []
