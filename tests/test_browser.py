"""The map in real headless Chromium (Debian's chromium) with every non-loopback request blocked."""

from __future__ import annotations

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
MAP_READY = (
    "document.querySelector('.folium-map') && document.querySelector('.folium-map').dataset.basemap === 'loaded'"
)

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


def test_map_shows_every_marker_and_a_popup_that_links_to_the_record(offline_page, live_server, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    page, blocked, errors = offline_page
    page.goto(live_server.url + "/?lang=zh")
    page.wait_for_function("document.querySelector('.folium-map').dataset.basemap === 'loaded'")
    markers = page.locator("path.leaflet-interactive")
    with engine.connect() as conn:
        expected = conn.execute(
            text("SELECT (SELECT count(*) FROM deposit) + (SELECT count(*) FROM project)")
        ).scalar_one()
    assert markers.count() == expected >= 60
    # Open the popup of Jinchuan by its feature: find the marker whose popup names it.
    page.evaluate(
        """() => {
            for (const key of Object.keys(window)) {
                const layer = window[key];
                if (key.startsWith('geo_json_') && layer && layer.eachLayer) {
                    layer.eachLayer(l => { if (l.feature && l.feature.id === 'DEP-JINCHUAN') l.openPopup(); });
                }
            }
        }"""
    )
    popup = page.locator(".leaflet-popup-content .gp-popup")
    popup.wait_for()
    assert "金川" in popup.inner_text()
    assert "镍" in popup.inner_text()
    link = popup.locator("a.gp-popup-link")
    assert link.get_attribute("href") == "/deposits/DEP-JINCHUAN"
    link.click()
    page.wait_for_url("**/deposits/DEP-JINCHUAN")
    assert "金川" in page.locator("h1").inner_text()
    assert blocked == [], f"requests left the machine: {blocked}"
    assert errors == []


def test_clicking_a_marker_opens_its_popup(offline_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page, blocked, errors = offline_page
    page.goto(live_server.url + "/?lang=en")
    page.wait_for_function("document.querySelector('.folium-map').dataset.basemap === 'loaded'")
    page.locator("path.leaflet-interactive").first.click(force=True)
    popup = page.locator(".leaflet-popup-content .gp-popup")
    popup.wait_for()
    assert popup.locator("strong").inner_text().strip()
    assert popup.locator("a.gp-popup-link").get_attribute("href").startswith(("/deposits/", "/projects/"))
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
