"""The GeoJSON API: RFC 7946 output written by PostGIS, filters and paging that agree with SQL."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from sqlalchemy import Engine, text

from layers.counts import COUNTS

POSITION = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"}}
FEATURE_SCHEMA = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": {"type": "string"},
        "geometry": {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {"type": {"const": "Point"}, "coordinates": POSITION},
        },
        "properties": {"type": "object"},
    },
}
COLLECTION_SCHEMA = {
    "type": "object",
    "required": ["type", "features", "numberReturned", "links"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": FEATURE_SCHEMA},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "links": {"type": "array", "items": {"type": "object", "required": ["rel", "href"]}},
    },
}


def get_json(client, url: str, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return json.loads(response.data)


def sql_codes(engine: Engine, where: str = "TRUE", params: dict | None = None, table: str = "deposit") -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(f"SELECT code FROM {table} d WHERE {where}"), params or {}).scalars())  # noqa: S608


def walk(client, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Follow next links from ``url`` and return all features seen."""
    features: list[dict] = []
    pages = 0
    while url:
        body = get_json(client, url)
        jsonschema.validate(body, COLLECTION_SCHEMA)
        features += body["features"]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        parts = urlsplit(nxt[0]) if nxt else None
        url = f"{parts.path}?{parts.query}" if parts else ""
        pages += 1
        assert pages < 1000
    return features


def test_collection_is_rfc7946_with_lon_lat_order_and_media_type(client, engine: Engine) -> None:
    response = client.get("/api/v1/deposits?limit=500")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = json.loads(response.data)
    jsonschema.validate(body, COLLECTION_SCHEMA)
    with engine.connect() as conn:
        expected = {
            row.code: (row.lon, row.lat)
            for row in conn.execute(text("SELECT code, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM deposit"))
        }
    assert body["numberMatched"] == len(expected) == body["numberReturned"]
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx(expected[feature["id"]], abs=1e-6)
        if feature["properties"]["country_code"] == "CN":  # the demo covers the world; China's box tells the order
            assert 73 < lon < 136 and 18 < lat < 54, "Chinese deposits: longitude first, then latitude"


def test_feature_properties_carry_names_in_both_languages_and_commodities(client) -> None:
    feature = get_json(client, "/api/v1/deposits/DEP-JINCHUAN")
    jsonschema.validate(feature, FEATURE_SCHEMA)
    props = feature["properties"]
    assert props["name_zh"].startswith("金川") and "Jinchuan" in props["name_en"]
    assert props["primary_commodity"] == "nickel" and props["commodities"][0] == "nickel"
    assert props["region_code"] == "620000"


def test_walking_next_links_returns_every_feature_exactly_once(client, engine: Engine) -> None:
    features = walk(client, "/api/v1/deposits?limit=7")
    codes = [f["id"] for f in features]
    assert len(codes) == len(set(codes))
    assert set(codes) == sql_codes(engine)


def test_filters_combined_with_paging_match_sql(client, engine: Engine) -> None:
    features = walk(client, "/api/v1/deposits?commodity=lithium&limit=3")
    expected = sql_codes(
        engine,
        "EXISTS (SELECT 1 FROM deposit_commodity c WHERE c.deposit_id = d.id AND c.commodity_code = 'lithium')",
    )
    assert expected, "the demo data has lithium deposits"
    assert [f["id"] for f in features] == sorted(expected, key=[f["id"] for f in features].index)
    assert {f["id"] for f in features} == expected


@pytest.mark.parametrize("alias", ["lithium", "Li", "li", "锂", "Lithium"])
def test_commodity_filter_accepts_code_symbol_and_names(client, alias: str) -> None:
    reference = get_json(client, "/api/v1/deposits?commodity=lithium&limit=1000")
    body = get_json(client, f"/api/v1/deposits?commodity={alias}&limit=1000")
    assert body["numberMatched"] == reference["numberMatched"] > 0


def test_bbox_filter_matches_st_intersects(client, engine: Engine) -> None:
    body = get_json(client, "/api/v1/deposits?bbox=97,26,105,34&limit=1000")
    expected = sql_codes(engine, "ST_Intersects(geom, ST_MakeEnvelope(97, 26, 105, 34, 4326))")
    assert expected
    assert {f["id"] for f in body["features"]} == expected
    assert body["numberMatched"] == len(expected)


def test_status_and_region_filters_match_sql(client, engine: Engine) -> None:
    body = get_json(client, "/api/v1/deposits?status=producing,construction&region=510000&limit=1000")
    expected = sql_codes(engine, "status IN ('producing', 'construction') AND region_code LIKE '51%'")
    assert expected
    assert {f["id"] for f in body["features"]} == expected
    for feature in body["features"]:
        assert feature["properties"]["region_code"].startswith("51")


def test_projects_layer_filters_by_stage_and_commodity(client, engine: Engine) -> None:
    body = get_json(client, "/api/v1/projects?limit=1000")
    assert body["numberMatched"] == len(sql_codes(engine, table="project"))
    first = body["features"][0]["properties"]
    assert {"operator_zh", "commodities", "deposits", "green_channel"} <= set(first)
    lithium = get_json(client, "/api/v1/projects?commodity=Li&limit=1000")
    expected = sql_codes(
        engine,
        "EXISTS (SELECT 1 FROM project_commodity c WHERE c.project_id = d.id AND c.commodity_code = 'lithium')",
        table="project",
    )
    assert {f["id"] for f in lithium["features"]} == expected


def test_empty_result_is_a_valid_empty_collection(client) -> None:
    body = get_json(client, "/api/v1/deposits?bbox=-10,-10,-9,-9")
    jsonschema.validate(body, COLLECTION_SCHEMA)
    assert body["features"] == [] and body["numberMatched"] == 0
    assert [link["rel"] for link in body["links"]] == ["self"]


def test_offset_past_the_end_counts_and_returns_nothing(client, engine: Engine) -> None:
    body = get_json(client, "/api/v1/deposits?offset=100000&limit=5")
    assert body["features"] == [] and body["numberMatched"] == len(sql_codes(engine))


def test_counts_without_a_budget_are_omitted_but_paging_still_works(settings, engine: Engine) -> None:
    from web import create_app

    app = create_app(settings.with_overrides(count_timeout_ms=0), engine)
    client = app.test_client()
    COUNTS.clear()  # a count kept from an earlier request would be given for free
    body = get_json(client, "/api/v1/deposits?limit=4")
    assert "numberMatched" not in body
    assert any(link["rel"] == "next" for link in body["links"])
    # The last page still tells the total: it costs nothing.
    last = get_json(client, f"/api/v1/deposits?limit=4&offset={len(sql_codes(engine)) - 2}")
    assert last["numberMatched"] == len(sql_codes(engine))
    assert len(walk(client, "/api/v1/deposits?limit=20")) == len(sql_codes(engine))


def test_one_feature_by_code_and_unknown_or_malformed_codes(client) -> None:
    response = client.get("/api/v1/projects/PRJ-DOES-NOT-EXIST")
    assert response.status_code == 404
    assert response.json["code"] == "NotFound"
    response = client.get("/api/v1/deposits/bad%20code;drop")
    assert response.status_code == 400
    assert "drop" not in response.json["description"]
    assert client.get("/api/v1/no-such-layer").status_code == 404


BAD_REQUESTS = [
    ("bbox", "1,2,3"),
    ("bbox", "a,b,c,d"),
    ("bbox", "10,10,5,5"),
    ("bbox", "0,0,200,10"),
    ("bbox", "nan,0,1,1"),
    ("commodity", "unobtainium"),
    ("status", "bogus"),
    ("region", "51"),
    ("region", "999999"),
    ("limit", "0"),
    ("limit", "10001"),
    ("limit", "-5"),
    ("limit", "ten"),
    ("offset", "-1"),
    ("sortby", "name"),
    ("commodity", "copper') OR 1=1 --"),
    ("status", "producing'; DROP TABLE deposit; --"),
    ("region", "510000 OR 1=1"),
    # GeoServer CVE-2023-25157 / CVE-2024-36401 style payloads must be plain invalid values here.
    ("commodity", "strStartsWith(name,'x'') = true; DROP TABLE deposit; --')"),
    ("bbox", "exec(java.lang.Runtime.getRuntime(),'touch /tmp/pwned')"),
]


@pytest.mark.parametrize(("name", "value"), BAD_REQUESTS)
def test_bad_parameters_get_400_with_a_message_that_does_not_echo_input(
    client, engine: Engine, name: str, value: str
) -> None:
    response = client.get("/api/v1/deposits", query_string={name: value})
    assert response.status_code == 400
    body = response.json
    assert set(body) == {"code", "description"}
    assert body["code"] == "InvalidParameterValue"
    if len(value) > 3:  # a two-letter value may occur in any sentence
        assert value not in body["description"]
    assert name in body["description"] or "parameter" in body["description"]
    assert sql_codes(engine), "the deposit table is intact"


def test_codelists_endpoint_lists_bilingual_labels(client) -> None:
    lists = get_json(client, "/api/v1/codelists")
    commodities = {row["code"]: row for row in lists["commodity"]}
    assert commodities["rare_earths"]["name_zh"] == "稀土"
    assert get_json(client, "/api/v1/codelists/admin_region")[0]["code"].isdigit()
    assert client.get("/api/v1/codelists/nope").status_code == 404
