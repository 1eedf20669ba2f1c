"""The map's data doors besides the tiles: counts per layer and area, the frame of a filtered map,
and what the page tells the browser (layers, filters, basemaps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geoplatform.config import SettingsError
from tests.conftest import make_settings


def page_config(html: str) -> dict:
    return json.loads(html.split('id="atlas-config">', 1)[1].split("</script>", 1)[0])


def test_counts_agree_with_sql_and_with_the_features_service(client, engine: Engine) -> None:
    with engine.connect() as conn:
        lithium = conn.execute(
            text(
                "SELECT count(*) FROM deposit d WHERE EXISTS (SELECT 1 FROM deposit_commodity c "
                "WHERE c.deposit_id = d.id AND c.commodity_code = 'lithium')"
            )
        ).scalar_one()
        per_province = dict(
            conn.execute(
                text(
                    "SELECT left(region_code, 2) || '0000', count(*) FROM deposit d WHERE region_code IS NOT NULL "
                    "AND EXISTS (SELECT 1 FROM deposit_commodity c WHERE c.deposit_id = d.id "
                    "AND c.commodity_code = 'lithium') GROUP BY 1"
                )
            ).all()
        )
    body = client.get("/api/v1/counts/deposits?commodity=锂&by=province").json
    assert body["numberMatched"] == lithium > 10
    assert body["counts"] == per_province and body["counts"]["510000"] >= 3, "Sichuan's lithium"
    served = client.get("/ogcapi/collections/deposits/items?commodity=lithium&limit=1&f=json").json
    assert served["numberMatched"] == lithium
    by_country = client.get("/api/v1/counts/deposits?by=country").json
    assert sum(by_country["counts"].values()) == by_country["numberMatched"]
    assert by_country["counts"]["CN"] > by_country["counts"]["AR"] > 0


def test_counts_take_the_layers_own_queryables(client) -> None:
    building = client.get("/api/v1/counts/projects?stage=construction&green_channel=true").json
    everything = client.get("/api/v1/counts/projects").json
    assert 0 < building["numberMatched"] < everything["numberMatched"]
    large = client.get("/api/v1/counts/deposit_footprints?size_class=large&by=country").json
    assert large["numberMatched"] == sum(large["counts"].values()) > 0
    overdue = client.get("/api/v1/counts/approvals?timetable=overdue").json
    assert overdue["numberMatched"] >= 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/counts/deposits?by=continent", "'by' is one of: country, province"),
        ("/api/v1/counts/deposits?size=huge", "Unknown query parameter"),
        ("/api/v1/counts/deposits?limit=5", "filters (and bbox) only"),
        ("/api/v1/counts/deposits?extent=maybe", "'extent' is true or false"),
        ("/api/v1/counts/deposits?commodity=unobtainium", "commodity"),
        ("/api/v1/counts/deposits?bbox=1,2,3", "bbox"),
        ("/api/v1/counts/volcanoes", "no collection"),
    ],
)
def test_bad_count_requests_are_4xx_with_a_message(client, path: str, message: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert message in response.json["description"]


def test_an_empty_filter_counts_zero_and_has_no_extent(client) -> None:
    body = client.get("/api/v1/counts/deposits?country=CN&abroad=true&extent=true&by=province").json
    assert body == {"layer": "deposits", "numberMatched": 0, "by": "province", "counts": {}, "extent": None}


def test_the_page_tells_the_browser_every_layer_its_tiles_and_the_filters_each_takes(client) -> None:
    config = page_config(client.get("/?lang=en&size_class=large&stage=construction").get_data(as_text=True))
    names = [entry["name"] for entry in config["layers"]]
    assert names == ["deposits", "deposit_footprints", "projects", "approvals", "countries", "provinces"]
    entries = {entry["name"]: entry for entry in config["layers"]}
    assert entries["deposits"]["tiles"] == "/tiles/deposits/{z}/{x}/{y}.mvt"
    assert "size_class" in entries["deposits"]["filters"] and "stage" not in entries["deposits"]["filters"]
    assert "stage" in entries["projects"]["filters"] and "size_class" not in entries["projects"]["filters"]
    assert entries["countries"]["filters"] == [] and not entries["countries"]["counted"]
    assert config["filters"] == {"size_class": "large", "stage": "construction"}
    assert config["onlineTiles"] is None, "offline unless a deployment configures a tile source"


def test_a_configured_online_tile_source_is_offered_beside_the_offline_basemap(settings, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from web import create_app

    online = settings.with_overrides(
        basemap_tiles_url="https://tiles.example.org/{z}/{x}/{y}.png", basemap_tiles_attribution="Example"
    )
    config = page_config(create_app(online, engine).test_client().get("/").get_data(as_text=True))
    assert config["onlineTiles"] == {"url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "Example"}
    with pytest.raises(SettingsError, match="basemap_tiles_url"):
        make_settings(engine.url, Path(tmp_path), basemap_tiles_url="ftp://tiles/{z}/{x}")


def test_the_dashboard_counts_the_catalogue_per_strategic_mineral_at_home_and_abroad(client, engine: Engine) -> None:
    with engine.connect() as conn:
        home, abroad = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE d.country_code = 'CN'), count(*) FILTER (WHERE d.country_code <> 'CN') "
                "FROM deposit d JOIN deposit_commodity c ON c.deposit_id = d.id AND c.commodity_code = 'lithium'"
            )
        ).one()
        per_stage = dict(conn.execute(text("SELECT stage, count(*) FROM project GROUP BY stage")).all())
    stats = client.get("/api/v1/statistics").json
    assert stats["commodity"]["deposits"]["lithium"] == {"home": home, "abroad": abroad}
    assert stats["stage"]["projects"] == per_stage
    assert sum(stats["country"]["deposits"].values()) == stats["totals"]["deposits"]
    page = client.get("/dashboard?lang=zh").get_data(as_text=True)
    row = page.split('data-commodity="lithium"', 1)[1].split("</tr>", 1)[0]
    assert "锂" in row and f"<td>{home}</td><td>{abroad}</td>" in row
    for chart in ("chart-minerals-deposits", "chart-catalogue-province", "chart-catalogue-stage", "chart-timetable"):
        assert f'id="{chart}"' in page
    assert "四川" in page.split('id="chart-catalogue-province"', 1)[1].split("</svg>", 1)[0]
