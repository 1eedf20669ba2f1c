"""HTML pages: bilingual record pages, the map page's layers, and offline assets."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text


def test_map_page_embeds_no_features_and_loads_only_local_assets(client, engine: Engine) -> None:
    """The browser reads the features from the tiles: the page is small whatever the catalogue's size."""
    response = client.get("/?lang=zh")
    html = response.get_data(as_text=True)
    with engine.connect() as conn:
        codes = list(conn.execute(text("SELECT code FROM deposit UNION ALL SELECT code FROM project")).scalars())
    assert len(codes) >= 60
    assert not [code for code in codes if f'"{code}"' in html], "no record is embedded in the map page"
    assert len(response.data) < 60_000
    sources = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'": "(/static/[^"]+)"', html)
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert external == [], f"the map page must not load anything from the internet: {external}"
    for asset in ("vendor/leaflet/leaflet.js", "js/atlas.js", "vendor/vector-tile/index.js", "vendor/pbf/index.js"):
        assert f"/static/{asset}" in sources
    assert "图例" in html and "锂" in html and "建设" in html, "the legend names commodities and stages in Chinese"


def test_vendored_assets_are_served(client) -> None:
    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/js/map.js",
        "/static/js/atlas.js",
        "/static/vendor/vector-tile/index.js",
        "/static/vendor/pbf/index.js",
        "/static/vendor/point-geometry/index.js",
        "/api/v1/basemap?zoom=2",  # the basemap comes from PostGIS now (China as its standard map draws it)
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path


def test_deposit_page_speaks_chinese_and_english(client) -> None:
    zh = client.get("/deposits/DEP-JINCHUAN?lang=zh").get_data(as_text=True)
    assert "金川" in zh and "镍" in zh and "甘肃省" in zh and "开发状态" in zh
    en = client.get("/deposits/DEP-JINCHUAN?lang=en").get_data(as_text=True)
    assert "Jinchuan" in en and "Nickel" in en and "Gansu" in en and "Development status" in en


def test_language_choice_is_remembered_in_a_cookie(client) -> None:
    client.get("/?lang=en")
    assert "Development status" in client.get("/deposits/DEP-JINCHUAN").get_data(as_text=True)


def test_deposit_page_lists_resources_apart_from_reserves_and_linked_projects(client, engine: Engine) -> None:
    with engine.connect() as conn:
        code = conn.execute(
            text(
                "SELECT d.code FROM deposit d JOIN resource_estimate r ON r.deposit_id = d.id "
                "JOIN project_deposit pd ON pd.deposit_id = d.id ORDER BY d.code LIMIT 1"
            )
        ).scalar_one()
        project = conn.execute(
            text(
                "SELECT p.code FROM project p JOIN project_deposit pd ON pd.project_id = p.id "
                "JOIN deposit d ON d.id = pd.deposit_id WHERE d.code = :c ORDER BY p.code LIMIT 1"
            ),
            {"c": code},
        ).scalar_one()
    html = client.get(f"/deposits/{code}?lang=en").get_data(as_text=True)
    assert "never added together" in html
    assert f"/projects/{project}" in html


def test_project_page_shows_operator_and_linked_deposits(client, engine: Engine) -> None:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT p.code, c.name_zh FROM project p JOIN company c ON c.id = p.operator_id "
                "JOIN project_deposit pd ON pd.project_id = p.id ORDER BY p.code LIMIT 1"
            )
        ).one()
    html = client.get(f"/projects/{row.code}?lang=zh").get_data(as_text=True)
    assert row.name_zh in html and "/deposits/DEP-" in html and "绿色通道" in html


def test_unknown_and_malformed_record_pages(client) -> None:
    response = client.get("/deposits/DEP-NOPE")
    assert response.status_code == 404 and "text/html" in response.content_type
    assert client.get("/projects/<script>").status_code == 400
