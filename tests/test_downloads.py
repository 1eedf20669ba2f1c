"""Downloads of any items query, in five formats, read back by GDAL (pyogrio) with every match."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Engine

from tests.test_api_features import sql_codes

ABROAD_LITHIUM = "abroad=true&commodity=lithium"
WHERE = "country_code <> 'CN' AND id IN (SELECT deposit_id FROM deposit_commodity WHERE commodity_code = 'lithium')"


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "kml"])
def test_gdal_formats_hold_every_match_with_chinese_names(client, engine: Engine, tmp_path: Path, kind: str) -> None:
    response = client.get(f"/downloads/deposits.{kind}?{ABROAD_LITHIUM}")
    assert response.status_code == 200 and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / f"out.{kind}"
    path.write_bytes(response.data)
    frame = pyogrio.read_dataframe(path)
    assert set(frame["code"]) == sql_codes(engine, WHERE)
    assert frame.geometry.geom_type.eq("Point").all()
    assert frame["name_zh"].dropna().str.contains(r"[\u4e00-\u9fff]").any()


def test_zipped_shapefile_has_a_cpg_and_utf8_text(client, engine: Engine, tmp_path: Path) -> None:
    response = client.get(f"/downloads/projects.shp?{ABROAD_LITHIUM.replace('abroad=true&', '')}")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        names = set(bundle.namelist())
        assert {"projects.shp", "projects.shx", "projects.dbf", "projects.prj", "projects.cpg"} <= names
        assert bundle.read("projects.cpg").decode().strip().upper().replace("-", "") == "UTF8"
        bundle.extractall(tmp_path)
    frame = pyogrio.read_dataframe(tmp_path / "projects.shp")
    expected = sql_codes(
        engine, "id IN (SELECT project_id FROM project_commodity WHERE commodity_code = 'lithium')", table="project"
    )
    assert set(frame["code"]) == expected
    assert frame["name_zh"].dropna().str.contains(r"[\u4e00-\u9fff]").any()
    assert all(len(column) <= 10 for column in frame.columns)


def test_csv_is_utf8_with_a_bom_for_excel(client, engine: Engine) -> None:
    response = client.get(f"/downloads/deposits.csv?{ABROAD_LITHIUM}")
    data = response.data
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["code"] for row in rows} == sql_codes(engine, WHERE)
    assert {"lon", "lat", "commodities", "name_zh"} <= set(rows[0])
    assert all(-180 <= float(row["lon"]) <= 180 for row in rows)


def test_a_download_takes_the_items_filters_and_crs(client, engine: Engine, tmp_path: Path) -> None:
    crs = "http://www.opengis.net/def/crs/EPSG/0/4490"
    response = client.get(f"/downloads/deposits.gpkg?filter=country_code%3D%27CN%27&crs={crs}")
    path = tmp_path / "cn.gpkg"
    path.write_bytes(response.data)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4490"
    assert info["features"] == len(sql_codes(engine, "country_code = 'CN'"))


def test_an_empty_match_is_an_empty_file(client, tmp_path: Path) -> None:
    response = client.get("/downloads/deposits.gpkg?filter=code%3D%27NONE%27")
    path = tmp_path / "empty.gpkg"
    path.write_bytes(response.data)
    assert pyogrio.read_info(path)["features"] == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/downloads/deposits.exe", 404),
        ("/downloads/nope.csv", 404),
        ("/downloads/deposits.csv?limit=5", 400),
        ("/downloads/deposits.csv?filter=nope%3D1", 400),
    ],
)
def test_bad_downloads_are_4xx_with_json(client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status and response.json["description"]


def test_items_pages_link_their_downloads(client, engine: Engine) -> None:
    body = client.get("/ogcapi/collections/deposits/items?limit=2&country_code=AU").json
    enclosures = {link["type"]: link["href"] for link in body["links"] if link["rel"] == "enclosure"}
    assert len(enclosures) == 5
    csv_link = enclosures["text/csv"].replace("http://localhost", "")
    assert "country_code=AU" in csv_link and "limit" not in csv_link
    rows = list(csv.DictReader(io.StringIO(client.get(csv_link).data.decode("utf-8-sig"))))
    assert {row["code"] for row in rows} == sql_codes(engine, "country_code = 'AU'")
