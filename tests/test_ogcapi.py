"""OGC API – Features (Parts 1-3) answers what the standard says, on the demo catalogue."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from openapi_spec_validator import validate
from pyproj import Transformer
from sqlalchemy import Engine, text

from tests.test_api_features import sql_codes


def get(client, url: str, status: int = 200) -> Any:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, response.data[:400]
    return response.json if response.is_json or "json" in response.mimetype else response


def walk(client, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    features: list[dict] = []
    for _ in range(200):
        body = get(client, url)
        features += body["features"]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if not nxt:
            return features
        url = nxt[0].replace("http://localhost", "")
    raise AssertionError("paging did not end")


def test_landing_conformance_and_collections_link_each_other(client, engine: Engine) -> None:
    landing = get(client, "/ogcapi")
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    classes = get(client, "/ogcapi/conformance")["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter" in classes
    assert "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators" in classes
    collections = get(client, "/ogcapi/collections")["collections"]
    assert {c["id"] for c in collections} >= {"deposits", "projects"}
    deposits = get(client, "/ogcapi/collections/deposits")
    with engine.connect() as conn:
        box = conn.execute(
            text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM deposit) x")
        ).one()
    assert deposits["extent"]["spatial"]["bbox"][0] == pytest.approx(list(box), abs=1e-6)
    assert "http://www.opengis.net/def/crs/EPSG/0/4490" in deposits["crs"]
    assert deposits["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def test_html_pages_render_for_browsers(client) -> None:
    for url in ("/ogcapi?f=html", "/ogcapi/collections?f=html", "/ogcapi/collections/deposits/items?f=html&limit=5"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
    page = client.get("/ogcapi/collections/deposits/items/DEP-JINCHUAN?f=html&lang=zh").get_data(as_text=True)
    assert "金川" in page
    assert client.get("/ogcapi/collections", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_paging_follows_next_links_that_keep_every_parameter(client, engine: Engine) -> None:
    url = "/ogcapi/collections/deposits/items?limit=7&abroad=true&lang=en"
    features = walk(client, url)
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)), "no feature repeats across pages"
    assert set(ids) == sql_codes(engine, "country_code <> 'CN'")
    first = get(client, url)
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "abroad=true" in nxt and "lang=en" in nxt and "limit=7" in nxt
    assert first["numberMatched"] == len(ids) and first["numberReturned"] == 7


def test_one_feature_with_links_and_404s_as_json(client) -> None:
    feature = get(client, "/ogcapi/collections/deposits/items/DEP-JINCHUAN")
    assert feature["type"] == "Feature" and feature["id"] == "DEP-JINCHUAN"
    assert feature["geometry"]["coordinates"] == pytest.approx([102.15, 38.48], abs=1e-6)
    assert {link["rel"] for link in feature["links"]} >= {"self", "collection"}
    missing = get(client, "/ogcapi/collections/deposits/items/NOPE", 404)
    assert missing["code"] == "NotFound"
    assert get(client, "/ogcapi/collections/nope/items", 404)["code"] == "NotFound"


@pytest.mark.parametrize(
    ("crs", "expected"),
    [
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", (102.15, 38.48)),
        ("http://www.opengis.net/def/crs/EPSG/0/4326", (38.48, 102.15)),
        ("http://www.opengis.net/def/crs/EPSG/0/4490", (38.48, 102.15)),
    ],
)
def test_output_crs_follows_each_crs_axis_order(client, crs: str, expected: tuple[float, float]) -> None:
    response = client.get(f"/ogcapi/collections/deposits/items/DEP-JINCHUAN?crs={quote(crs, safe='')}")
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == f"<{crs}>"
    assert response.json["geometry"]["coordinates"] == pytest.approx(list(expected), abs=1e-5)


@pytest.mark.parametrize("srid", [3857, 4544])
def test_projected_output_matches_pyproj_northing_first_for_gauss_kruger(client, srid: int) -> None:
    crs = f"http://www.opengis.net/def/crs/EPSG/0/{srid}"
    body = get(client, f"/ogcapi/collections/deposits/items/DEP-JINCHUAN?crs={quote(crs, safe='')}")
    # pyproj in the EPSG axis order: 3857 easting first, the GK zone (CM 105E) northing first.
    expected = Transformer.from_crs("EPSG:4326", f"EPSG:{srid}").transform(38.48, 102.15)
    assert body["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.05)


def test_bbox_in_a_latitude_first_crs_selects_what_the_crs84_bbox_does(client) -> None:
    crs84 = walk(client, "/ogcapi/collections/deposits/items?bbox=100,20,120,40&limit=50")
    lat_first = walk(
        client,
        "/ogcapi/collections/deposits/items?bbox=20,100,40,120&limit=50&bbox-crs="
        + quote("http://www.opengis.net/def/crs/EPSG/0/4326", safe=""),
    )
    assert crs84 and {f["id"] for f in crs84} == {f["id"] for f in lat_first}


def _ids(client, collection: str, cql: str, lang: str = "cql2-text") -> set[str]:  # type: ignore[no-untyped-def]
    url = f"/ogcapi/collections/{collection}/items?limit=1000&filter-lang={lang}&filter={quote(cql, safe='')}"
    return {f["id"] for f in walk(client, url)}


@pytest.mark.parametrize(
    ("cql", "where"),
    [
        ("country_code = 'CD'", "country_code = 'CD'"),
        (
            "country_code IN ('AU', 'AR') AND status = 'producing'",
            "country_code IN ('AU','AR') AND status = 'producing'",
        ),
        ("name_en LIKE 'Jin%'", "name_en LIKE 'Jin%'"),
        ("CASEI(name_en) LIKE casei('%DEPOSIT%')", "lower(name_en) LIKE '%deposit%'"),
        ("status_as_of BETWEEN '2020-01-01' AND '2024-12-31'", "status_as_of BETWEEN '2020-01-01' AND '2024-12-31'"),
        ("status_as_of > DATE('2023-01-01')", "status_as_of > '2023-01-01'"),
        ("NOT (country_code = 'CN') AND name_zh IS NULL", "country_code <> 'CN' AND name_zh IS NULL"),
        ("S_INTERSECTS(geometry, BBOX(100, 20, 120, 40))", "ST_Intersects(geom, ST_MakeEnvelope(100,20,120,40,4326))"),
        (
            "S_WITHIN(geometry, POLYGON((100 20, 120 20, 120 40, 100 40, 100 20)))",
            "ST_Within(geom, ST_MakeEnvelope(100,20,120,40,4326))",
        ),
        ("commodity = '锂'", "id IN (SELECT deposit_id FROM deposit_commodity WHERE commodity_code = 'lithium')"),
        (
            "chinese_stake = true AND country_code <> 'CN'",
            "id IN (SELECT deposit_id FROM deposit_chinese_stake) AND country_code <> 'CN'",
        ),
    ],
)
def test_cql2_text_filters_select_what_sql_selects(client, engine: Engine, cql: str, where: str) -> None:
    expected = sql_codes(engine, where)
    assert expected, "the case selects something on the demo data"
    assert _ids(client, "deposits", cql) == expected


def test_cql2_json_bbox_builds_the_right_polygon(client, engine: Engine) -> None:
    # pygeofilter 0.4.0 got this wrong (its issue #163); the box here is tall and narrow on purpose.
    body = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [100, 20, 105, 45]}]}
    assert _ids(client, "deposits", json.dumps(body), "cql2-json") == sql_codes(
        engine, "ST_Intersects(geom, ST_MakeEnvelope(100,20,105,45,4326))"
    )


def test_a_doubled_quote_and_projects_queryables(client, engine: Engine) -> None:
    assert _ids(client, "deposits", "name_en = 'it''s not there'") == set()
    assert _ids(client, "projects", "green_channel = true AND capacity > 0") == sql_codes(
        engine, "green_channel AND capacity > 0", table="project"
    )


def test_queryables_are_a_json_schema_with_types_enums_and_titles(client) -> None:
    response = client.get("/ogcapi/collections/deposits/queryables?lang=en")
    assert response.mimetype == "application/schema+json"
    schema = response.json
    props = schema["properties"]
    assert props["status"]["type"] == "string" and "producing" in props["status"]["enum"]
    assert props["status"]["title"] == "Development status" and props["status"]["description"] == "开发利用状况"
    assert props["status_as_of"] == {**props["status_as_of"], "type": "string", "format": "date"}
    assert props["geometry"]["format"] == "geometry-point"
    assert "lithium" in props["commodity"]["enum"]
    assert schema["additionalProperties"] is False


def test_queryables_are_query_parameters_too(client, engine: Engine) -> None:
    got = {
        f["id"] for f in walk(client, "/ogcapi/collections/deposits/items?status=producing&country_code=AU&limit=100")
    }
    assert got == sql_codes(engine, "status = 'producing' AND country_code = 'AU'")


def test_openapi_document_validates_offline(client) -> None:
    response = client.get("/ogcapi/api")
    assert response.status_code == 200
    document = response.json
    validate(document)
    refs = [value for value in _values(document) if isinstance(value, str) and value.startswith(("http", "#"))]
    assert all(ref.startswith("#/") for ref in _refs(document)), "only internal $refs"
    assert refs


def _values(node: Any):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value)
    else:
        yield node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize(
    "query",
    [
        "unknown=1",
        "limit=0",
        "limit=10001",
        "bbox=1,2,3",
        "bbox=1,2,3,x",
        "bbox=0,0,200,10",
        "crs=EPSG:9999",
        "bbox-crs=http://example.com/crs",
        "datetime=yesterday",
        "filter-lang=sql&filter=code%3D%27x%27",
        "filter=nope%20%3D%201",
        "filter=code%20%3D",
        "filter=pg_sleep(10)%20%3D%201",
        "filter=status%20LIKE%201",
        "filter=capacity%20%3E%201",
        "filter=commodity%20%3D%20%27unobtainium%27",
        "filter-lang=cql2-json&filter=%7B%22op%22%3A%22%3D%22%7D",
        "filter-lang=cql2-json&filter=%5B1%2C2",
        # Found by schemathesis: a NUL character reached PostgreSQL, which cannot store it (was a 500).
        "name_en=v%23%00%F0%B6%B1%83&filter=&country_code=",
        "filter=name_en%20%3D%20%27a%00b%27",
    ],
)
def test_bad_parameters_are_400_with_a_json_message_and_no_echo(client, query: str) -> None:
    response = client.get(f"/ogcapi/collections/deposits/items?{query}")
    assert response.status_code == 400, response.data[:300]
    body = response.json
    assert body["code"] == "InvalidParameterValue" and body["description"]
    for echoed in ("pg_sleep", "unobtainium", "nope", "example.com", "yesterday"):
        assert echoed not in body["description"]
    assert "SELECT" not in body["description"] and "psycopg" not in body["description"]


def test_unknown_properties_are_named_against_the_queryables(client) -> None:
    body = get(client, "/ogcapi/collections/deposits/items?filter=" + quote("nope = 1"), 400)
    assert "queryables" in body["description"] and "country_code" in body["description"]


@pytest.mark.parametrize(
    "attack",
    [
        # GeoServer CVE-2023-25157: OGC filter functions and LIKE used to smuggle SQL.
        "strStartsWith(name_en, 'x'') = true OR 1=1--') = true",
        "name_en LIKE 'x'' OR ''1''=''1'",
        "PropertyIsLike(name_en, '%') = true",
        "code IN ('DEP-JINCHUAN'') OR 1=1--')",
        # GeoServer CVE-2024-36401: property names that are expressions.
        "\"exec(java.lang.Runtime.getRuntime(),'touch /tmp/x')\" = 1",
        "\"name_en; DROP TABLE deposit\" = 'x'",
        "pg_sleep(10) = 1",
        "name_en = 'a' OR pg_read_file('/etc/passwd') = 'x'",
    ],
)
def test_injection_attempts_are_refused_or_inert(client, engine: Engine, attack: str) -> None:
    response = client.get("/ogcapi/collections/deposits/items?filter=" + quote(attack, safe=""))
    assert response.status_code in (200, 400)
    data = response.get_data(as_text=True)
    assert "syntax error" not in data.lower() and "psycopg" not in data and "Traceback" not in data
    if response.status_code == 200:
        assert response.json["numberReturned"] == 0, "a quoted payload is only ever a value"
    assert sql_codes(engine), "the table is still there"


def test_each_collection_extent_covers_its_own_rows_only(client) -> None:
    """The provinces share a table with the countries; their extent is China's, not the world's."""
    minx, miny, maxx, maxy = get(client, "/ogcapi/collections/provinces")["extent"]["spatial"]["bbox"][0]
    assert 70 < minx < 80 and 0 < miny < 20 and 130 < maxx < 140 and 50 < maxy < 56
    footprints = get(client, "/ogcapi/collections/deposit_footprints")["extent"]["spatial"]["bbox"][0]
    assert footprints[2] - footprints[0] < 360
