"""HTML pages: bilingual record pages, the map page's layers, and offline assets."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text


def test_map_page_embeds_every_demo_feature_and_only_local_assets(client, engine: Engine) -> None:
    html = client.get("/?lang=zh").get_data(as_text=True)
    with engine.connect() as conn:
        codes = list(conn.execute(text("SELECT code FROM deposit UNION ALL SELECT code FROM project")).scalars())
    assert len(codes) >= 60
    for code in codes:
        assert f'"{code}"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert external == [], f"the map page must not load anything from the internet: {external}"
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "图例" in html and "生产" in html and "试生产" in html, "the legend names statuses in Chinese"


def test_vendored_assets_are_served(client) -> None:
    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/js/map.js",
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
