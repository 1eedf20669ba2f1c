"""Real OGC clients read /ogcapi: OWSLib's Features and GDAL's OAPIF driver (ogr2ogr to GeoPackage)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import Engine, text

from tests.test_api_features import sql_codes

OGR2OGR = shutil.which("ogr2ogr")


@pytest.fixture(scope="module")
def ogr2ogr() -> str:
    if OGR2OGR is None:
        pytest.fail("ogr2ogr is missing: run scripts/setup-system.sh test (Debian package gdal-bin)")
    return OGR2OGR


def test_owslib_features_lists_every_layer_and_reads_items_in_pages(live_server, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    api = Features(f"{live_server.url}/ogcapi")
    assert {c["id"] for c in api.collections()["collections"]} >= {"deposits", "projects"}
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    queryables = api.collection_queryables("deposits")
    assert "country_code" in queryables["properties"]
    seen: list[str] = []
    offset = 0
    while True:
        page = api.collection_items("deposits", limit=40, offset=offset)
        seen += [f["id"] for f in page["features"]]
        assert page["numberMatched"] == len(sql_codes(engine))
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 40
    assert len(seen) == len(set(seen)) and set(seen) == sql_codes(engine)
    one = api.collection_item("deposits", "DEP-JINCHUAN")
    assert one["geometry"]["coordinates"] == pytest.approx([102.15, 38.48])
    lat_first = api.collection_items("deposits", limit=1, crs="http://www.opengis.net/def/crs/EPSG/0/4490")
    lon, lat = lat_first["features"][0]["geometry"]["coordinates"][::-1]
    assert -180 <= lon <= 180 and -90 <= lat <= 90


def _gpkg_codes(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute(f'SELECT code FROM "{table}"')]  # noqa: S608


LAYER_IDS = {
    "deposits": ("code", "SELECT code FROM deposit"),
    "projects": ("code", "SELECT code FROM project"),
    "approvals": ("code", "SELECT DISTINCT p.code FROM project p JOIN approval_item i ON i.project_id = p.id"),
    "deposit_footprints": ("code", "SELECT code FROM deposit WHERE footprint IS NOT NULL"),
    "countries": ("country_code", "SELECT country_code FROM boundary WHERE kind = 'country'"),
    "provinces": ("region_code", "SELECT region_code FROM boundary WHERE kind = 'province'"),
}


@pytest.mark.parametrize("layer", sorted(LAYER_IDS))
def test_ogr2ogr_copies_every_layer_to_a_geopackage_without_duplicates(
    ogr2ogr: str, live_server, engine: Engine, tmp_path: Path, layer: str
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{layer}.gpkg"
    run = subprocess.run(
        [ogr2ogr, "-f", "GPKG", str(out), f"OAPIF:{live_server.url}/ogcapi", layer, "-oo", "PAGE_SIZE=25"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    id_column, sql = LAYER_IDS[layer]
    with sqlite3.connect(out) as db:
        ids = [row[0] for row in db.execute(f'SELECT "{id_column}" FROM "{layer}"')]  # noqa: S608
    with engine.connect() as conn:
        expected = set(conn.execute(text(sql)).scalars())
    assert expected, "the demo publishes something in every layer"
    assert len(ids) == len(set(ids)) and set(ids) == expected


def test_ogr2ogr_sends_the_bbox_and_queryables_to_the_server_and_gets_the_right_features(
    ogr2ogr: str, live_server, engine: Engine, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "filtered.gpkg"
    run = subprocess.run(
        [
            ogr2ogr,
            "-f",
            "GPKG",
            str(out),
            f"OAPIF:{live_server.url}/ogcapi",
            "deposits",
            "-where",
            "(country_code = 'CN' OR country_code = 'AU') AND status = 'producing'",
            "-spat",
            "100",
            "20",
            "120",
            "40",
            "--debug",
            "on",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    fetched = [line for line in run.stderr.splitlines() if "Fetch(" in line and "/items?" in line]
    # GDAL 3.6 sends what the queryables and the OpenAPI document let it (the bbox and the
    # queryable as a query parameter) and evaluates the OR it cannot send on its side.
    assert all("status=producing" in line and "bbox=100" in line for line in fetched[1:]), fetched
    expected = sql_codes(
        engine,
        "country_code IN ('CN', 'AU') AND status = 'producing' "
        "AND ST_Intersects(geom, ST_MakeEnvelope(100,20,120,40,4326))",
    )
    assert expected and set(_gpkg_codes(out, "deposits")) == expected
