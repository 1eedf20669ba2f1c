"""WFS 2.0.0 and 1.1.0 at /wfs, read by OWSLib and GDAL, filtered with FES, refused with ExceptionReports."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from defusedxml import ElementTree
from owslib.wfs import WebFeatureService
from sqlalchemy import Engine

from tests.test_api_features import sql_codes

WFS2 = "{http://www.opengis.net/wfs/2.0}"
GML32 = "{http://www.opengis.net/gml/3.2}"
GP = "{https://geoplatform.org/ns/features}"
OWS11 = "{http://www.opengis.net/ows/1.1}"
OGR2OGR = shutil.which("ogr2ogr")


def xml(client, url: str, status: int = 200):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return ElementTree.fromstring(response.data)


def feature_codes(root) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        element.findtext(f"{GP}code") for element in root.iter() if element.tag in (f"{GP}deposits", f"{GP}projects")
    ]


def get_feature(client, query: str, status: int = 200):  # type: ignore[no-untyped-def]
    return xml(client, f"/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=gp:deposits&{query}", status)


@pytest.mark.parametrize("version", ["2.0.0", "1.1.0"])
def test_owslib_reads_capabilities_schema_and_features(live_server, engine: Engine, version: str) -> None:  # type: ignore[no-untyped-def]
    service = WebFeatureService(f"{live_server.url}/wfs", version=version)
    assert {"gp:deposits", "gp:projects"} <= set(service.contents)
    schema = service.get_schema("gp:deposits")
    assert schema["geometry"] == "Point" and "name_zh" in schema["properties"]
    total = len(sql_codes(engine))
    seen: list[str] = []
    for start in range(0, total + 50, 50):
        response = service.getfeature(typename="gp:deposits", maxfeatures=50, startindex=start)
        seen += feature_codes(ElementTree.fromstring(response.read()))
    assert len(seen) == len(set(seen)) == total, "paging neither repeats nor skips"
    lat_lon = service.getfeature(
        typename="gp:deposits", featureid=["deposits.DEP-JINCHUAN"], srsname="urn:ogc:def:crs:EPSG::4490"
    ).read()
    assert b"38.48 102.15" in lat_lon, "EPSG:4490 is latitude first"


def test_capabilities_declare_paging_count_default_and_filters(client) -> None:
    root = xml(client, "/wfs?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=2.0.0")
    constraints = {c.get("name"): c.findtext(f"{OWS11}DefaultValue") for c in root.iter(f"{OWS11}Constraint")}
    assert constraints["ImplementsResultPaging"] == "TRUE"
    assert int(constraints["CountDefault"]) > 0
    names = [n.text for n in root.iter(f"{WFS2}Name")]
    assert names == [
        "gp:deposits",
        "gp:deposit_footprints",
        "gp:projects",
        "gp:approvals",
        "gp:countries",
        "gp:provinces",
    ]


def test_hits_count_exactly_and_gml_ids_are_ncnames(client, engine: Engine) -> None:
    hits = get_feature(client, "RESULTTYPE=hits&BBOX=20,100,40,120,urn:ogc:def:crs:EPSG::4326")
    expected = sql_codes(engine, "ST_Intersects(geom, ST_MakeEnvelope(100, 20, 120, 40, 4326))")
    assert int(hits.get("numberMatched")) == len(expected) and hits.get("numberReturned") == "0"
    page = get_feature(client, "COUNT=5")
    ids = [e.get(f"{GML32}id") for e in page.iter(f"{GP}deposits")]
    assert len(ids) == 5 and all(i.startswith("deposits.") for i in ids)
    assert int(page.get("numberMatched")) == len(sql_codes(engine)) and page.get("next")


def test_sortby_orders_and_resourceid_selects(client, engine: Engine) -> None:
    root = get_feature(client, "SORTBY=name_en%20DESC&COUNT=1000")
    names = [e.findtext(f"{GP}name_en") or "" for e in root.iter(f"{GP}deposits")]
    with_names = [n for n in names if n]
    assert with_names == sorted(with_names, reverse=True)
    one = get_feature(client, "RESOURCEID=deposits.DEP-JINCHUAN,DEP-BAIYINCHANG")
    assert sorted(feature_codes(one)) == ["DEP-BAIYINCHANG", "DEP-JINCHUAN"]


FES = 'xmlns="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"'


@pytest.mark.parametrize(
    ("fes", "where"),
    [
        (
            "<PropertyIsLike wildCard='*' singleChar='.' escapeChar='!' matchCase='false'>"
            "<ValueReference>gp:name_en</ValueReference><Literal>JIN*</Literal></PropertyIsLike>",
            "lower(name_en) LIKE 'jin%'",
        ),
        (
            "<And><PropertyIsEqualTo><ValueReference>country_code</ValueReference><Literal>AU</Literal>"
            "</PropertyIsEqualTo><Not><PropertyIsNull><ValueReference>name_en</ValueReference></PropertyIsNull>"
            "</Not></And>",
            "country_code = 'AU' AND name_en IS NOT NULL",
        ),
        (
            "<PropertyIsBetween><ValueReference>status_as_of</ValueReference><LowerBoundary><Literal>2020-01-01"
            "</Literal></LowerBoundary><UpperBoundary><Literal>2024-12-31</Literal></UpperBoundary></PropertyIsBetween>",
            "status_as_of BETWEEN '2020-01-01' AND '2024-12-31'",
        ),
        (
            "<Intersects><ValueReference>geometry</ValueReference><gml:Polygon srsName='urn:ogc:def:crs:EPSG::4326'>"
            "<gml:exterior><gml:LinearRing><gml:posList>20 100 20 120 40 120 40 100 20 100</gml:posList>"
            "</gml:LinearRing></gml:exterior></gml:Polygon></Intersects>",
            "ST_Intersects(geom, ST_MakeEnvelope(100, 20, 120, 40, 4326))",
        ),
        ("<ResourceId rid='deposits.DEP-JINCHUAN'/>", "code = 'DEP-JINCHUAN'"),
    ],
)
def test_fes_filters_select_what_sql_selects(client, engine: Engine, fes: str, where: str) -> None:
    expected = sql_codes(engine, where)
    assert expected
    root = get_feature(client, "COUNT=1000&FILTER=" + quote(f"<Filter {FES}>{fes}</Filter>"))
    assert set(feature_codes(root)) == expected


def test_filter_1_1_with_wfs_1_1_0(client, engine: Engine) -> None:
    fes = (
        '<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyIsEqualTo><ogc:PropertyName>status'
        "</ogc:PropertyName><ogc:Literal>producing</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
    )
    root = xml(
        client,
        "/wfs?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=gp:deposits&MAXFEATURES=1000&FILTER=" + quote(fes),
    )
    assert set(feature_codes(root)) == sql_codes(engine, "status = 'producing'")
    assert root.get("numberOfFeatures") == str(len(sql_codes(engine, "status = 'producing'")))


def test_geojson_output(client, engine: Engine) -> None:
    body = client.get(
        "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=gp:projects&OUTPUTFORMAT=application/json&COUNT=3"
    ).json
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 3
    assert body["numberMatched"] == len(sql_codes(engine, table="project"))


@pytest.mark.parametrize(
    ("query", "code", "locator"),
    [
        ("REQUEST=GetFeature&VERSION=2.0.0", "MissingParameterValue", "typeNames"),
        ("REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:nope", "InvalidParameterValue", "typeNames"),
        ("REQUEST=Transaction&VERSION=2.0.0", "OperationNotSupported", "request"),
        ("REQUEST=GetFeature&VERSION=3.0.0&TYPENAMES=gp:deposits", "InvalidParameterValue", "version"),
        ("VERSION=2.0.0", "MissingParameterValue", "request"),
        ("REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:deposits&COUNT=-1", "InvalidParameterValue", "count"),
        ("REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:deposits&BBOX=1,2,3", "InvalidParameterValue", "bbox"),
        (
            "REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:deposits&SRSNAME=EPSG:9999",
            "InvalidParameterValue",
            "srsName",
        ),
        ("REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:deposits&SORTBY=nope", "InvalidParameterValue", "sortBy"),
        ("REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=gp:deposits&FILTER=%3CFilter", "InvalidParameterValue", None),
    ],
)
def test_bad_requests_are_exception_reports(client, query: str, code: str, locator: str | None) -> None:
    response = client.get(f"/wfs?SERVICE=WFS&{query}")
    assert response.status_code == 400
    root = ElementTree.fromstring(response.data)
    exception = root.find(f"{OWS11}Exception")
    assert root.tag == f"{OWS11}ExceptionReport" and exception is not None
    assert exception.get("exceptionCode") == code
    if locator:
        assert exception.get("locator") == locator
    assert b"Traceback" not in response.data and b"psycopg" not in response.data


@pytest.mark.parametrize(
    "fes",
    [
        # GeoServer CVE-2023-25157: SQL in PropertyIsLike literals, in function arguments and in FeatureIds.
        "<PropertyIsLike wildCard='*' singleChar='.' escapeChar='!'><ValueReference>name_en</ValueReference>"
        "<Literal>x' OR '1'='1</Literal></PropertyIsLike>",
        "<PropertyIsEqualTo><Function name='strStartsWith'><ValueReference>name_en</ValueReference>"
        "<Literal>x') = true OR 1=1--</Literal></Function><Literal>true</Literal></PropertyIsEqualTo>",
        '<ResourceId rid="deposits.x\' OR 1=1--"/>',
        # CVE-2024-36401: a property name that is an expression.
        "<PropertyIsEqualTo><ValueReference>exec(java.lang.Runtime.getRuntime(),'touch /tmp/x')</ValueReference>"
        "<Literal>1</Literal></PropertyIsEqualTo>",
        "<PropertyIsEqualTo><ValueReference>name_en; DROP TABLE deposit</ValueReference>"
        "<Literal>1</Literal></PropertyIsEqualTo>",
    ],
)
def test_injection_payloads_are_refused_or_inert(client, engine: Engine, fes: str) -> None:
    response = client.get(
        "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=gp:deposits&FILTER="
        + quote(f"<Filter {FES}>{fes}</Filter>")
    )
    assert response.status_code in (200, 400)
    assert b"syntax error" not in response.data and b"psycopg" not in response.data
    if response.status_code == 200:
        assert feature_codes(ElementTree.fromstring(response.data)) == []
    assert sql_codes(engine)


def test_xml_entities_are_refused(client) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><Filter>&a;</Filter>'
    response = client.get(
        "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=gp:deposits&FILTER=" + quote(bomb)
    )
    assert response.status_code == 400 and b"ExceptionReport" in response.data


@pytest.fixture(scope="module")
def ogr2ogr() -> str:
    if OGR2OGR is None:
        pytest.fail("ogr2ogr is missing: run scripts/setup-system.sh test (Debian package gdal-bin)")
    return OGR2OGR


def _gpkg_codes(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute(f'SELECT code FROM "{table}"')]  # noqa: S608


@pytest.mark.parametrize(("layer", "table"), [("gp:deposits", "deposit"), ("gp:projects", "project")])
def test_ogr2ogr_copies_each_layer_over_several_pages(
    ogr2ogr: str, live_server, engine: Engine, tmp_path: Path, layer: str, table: str
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.gpkg"
    run = subprocess.run(
        [ogr2ogr, "-f", "GPKG", str(out), f"WFS:{live_server.url}/wfs", layer,
         "--config", "OGR_WFS_PAGING_ALLOWED", "ON", "--config", "OGR_WFS_PAGE_SIZE", "40"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    codes = _gpkg_codes(out, layer)
    assert len(codes) == len(set(codes)) and set(codes) == sql_codes(engine, table=table)


def test_ogr2ogr_sends_attribute_and_spatial_filters_as_fes(
    ogr2ogr: str, live_server, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "filtered.gpkg"
    run = subprocess.run(
        [ogr2ogr, "-f", "GPKG", str(out), f"WFS:{live_server.url}/wfs", "gp:deposits",
         "-where", "country_code = 'CN' AND status = 'producing'", "-spat", "100", "20", "120", "40",
         "--config", "CPL_DEBUG", "ON"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "FILTER=" in run.stderr, "GDAL sent the filter to the server"
    expected = sql_codes(
        engine,
        "country_code = 'CN' AND status = 'producing' AND ST_Intersects(geom, ST_MakeEnvelope(100,20,120,40,4326))",
    )
    assert expected and set(_gpkg_codes(out, "gp:deposits")) == expected
