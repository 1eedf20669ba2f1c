"""Importing survey files of every supported format and encoding, each made by the test itself."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyproj
import pytest
import shapely
from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, RejectRatioExceeded, import_file
from etl.sources import SourceError
from etl.validate import Options
from geoplatform.errors import InvalidParameter

SURVEY_HEADER = ["矿产地编号", "矿产地名称", "矿种", "经度", "纬度", "行政区", "规模", "开发利用状况", "品位(%)"]
SURVEY_ROWS = [
    ["SV-001", "测试锂矿", "锂、钽", "东经 101°23′45.6″", "北纬30°12′05.3″", "四川", "大型", "在产", "1.25"],
    ["SV-002", "测试铜矿", "Cu", "102.5", "29.5", "510000", "中型", "停产", "0.8"],
]


def run(engine: Engine, path: Path, **kwargs) -> object:  # type: ignore[no-untyped-def]
    options = kwargs.pop("options", Options())
    return import_file(engine, ImportRequest(path=path, options=options, **kwargs))


def deposit(engine: Engine, code: str) -> dict:
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT d.*, ST_X(geom) AS lon, ST_Y(geom) AS lat, ST_AsText(footprint) AS footprint_wkt, "
                    "(SELECT array_agg(commodity_code ORDER BY role <> 'primary', commodity_code) FROM deposit_commodity "
                    " WHERE deposit_id = d.id) AS commodities FROM deposit d WHERE code = :c"
                ),
                {"c": code},
            )
            .mappings()
            .first()
        )
    assert row is not None, code
    return dict(row)


def count(engine: Engine, sql: str = "SELECT count(*) FROM deposit") -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] = SURVEY_HEADER) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_csv_in_every_common_encoding(fresh_engine: Engine, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "survey.csv", SURVEY_ROWS, encoding)
    result = run(fresh_engine, path)
    assert result.mapping == "cn-survey" and result.rows_rejected == 0 and result.inserted == 2
    lithium = deposit(fresh_engine, "SV-001")
    assert lithium["name_zh"] == "测试锂矿" and lithium["commodities"] == ["lithium", "tantalum"]
    assert (lithium["lon"], lithium["lat"]) == pytest.approx((101.396, 30.2014722), abs=1e-6)
    assert (lithium["status"], lithium["size_class"], lithium["region_code"]) == ("producing", "large", "510000")


def test_quoted_fields_with_embedded_newlines_and_tsv(fresh_engine: Engine, tmp_path: Path) -> None:
    rows = [["SV-010", "多行\n名称矿", "铜", "102.1", "29.1", "四川", "", "在产", ""]]
    write_csv(tmp_path / "multi.csv", rows)
    assert run(fresh_engine, tmp_path / "multi.csv").inserted == 1
    assert deposit(fresh_engine, "SV-010")["name_zh"] == "多行\n名称矿"
    tsv = tmp_path / "survey.tsv"
    tsv.write_text(
        "\t".join(SURVEY_HEADER) + "\n" + "\t".join(SURVEY_ROWS[1]).replace("SV-002", "SV-011") + "\n", encoding="utf-8"
    )
    assert run(fresh_engine, tsv).inserted == 1


def test_excel_header_on_row_13_of_the_second_sheet(fresh_engine: Engine, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "本表为演示数据"
    sheet = book.create_sheet("矿产地")
    for i in range(1, 13):
        sheet.cell(row=i, column=1, value=f"表头说明第{i}行" if i % 3 == 0 else None)
    sheet.append(SURVEY_HEADER)  # row 13
    for row in SURVEY_ROWS:
        sheet.append(row)
    sheet.append([None] * 9)
    sheet.append(["SV-003", "坏行", "铜", "999", "29", "四川", "", "在产", ""])
    book.save(tmp_path / "survey.xlsx")
    result = run(fresh_engine, tmp_path / "survey.xlsx")
    assert result.layer == "矿产地" and result.layers == ["说明", "矿产地"]
    assert result.inserted == 2 and result.rows_rejected == 1
    assert result.rejects[0].row == 17, "the reject names the spreadsheet row"
    assert "extent" in result.rejects[0].reason


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # GDAL's laundering notice, in GBK
def test_shapefile_with_gbk_dbf_and_no_cpg_and_its_zip(fresh_engine: Engine, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "矿产地编号": ["SH-001", "SH-002"],
            "矿产地名称": ["甘肃镍矿", "江西钨矿"],
            "矿种": ["镍", "钨"],
            "开发利用状况": ["在产", "在产"],
        },
        geometry=[shapely.Point(102.2, 38.5), shapely.Point(114.3, 25.4)],
        crs="EPSG:4490",
    )
    shp = tmp_path / "gbk.shp"
    frame.to_file(shp, encoding="GBK", engine="pyogrio")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    assert "甘肃".encode("gbk") in shp.with_suffix(".dbf").read_bytes()
    result = run(fresh_engine, shp)
    assert result.columns["status"] == "开发利用状", "a DBF cuts names at 10 bytes; the mapping still finds it"
    assert result.inserted == 2 and result.rows_rejected == 0
    assert deposit(fresh_engine, "SH-001")["name_zh"] == "甘肃镍矿"
    archive = tmp_path / "gbk.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("gbk.*"):
            if part.suffix != ".zip":
                zipped.write(part, part.name)
    again = run(fresh_engine, archive)
    assert again.unchanged == 2 and again.inserted == again.updated == 0


def test_shapefile_in_gauss_kruger_zone_38_uses_its_prj(fresh_engine: Engine, tmp_path: Path) -> None:
    easting, northing = 38_512_345.6, 3_321_987.4
    frame = gpd.GeoDataFrame(
        {"code": ["GK-001"], "name_zh": ["湖北铜矿"], "commodity": ["copper"], "status": ["producing"]},
        geometry=[shapely.Point(easting, northing)],
        crs="EPSG:4526",
    )
    frame.to_file(tmp_path / "gk.shp", engine="pyogrio")
    run(fresh_engine, tmp_path / "gk.shp")
    expected = pyproj.Transformer.from_crs("EPSG:4526", "EPSG:4326", always_xy=True).transform(easting, northing)
    got = deposit(fresh_engine, "GK-001")
    assert (got["lon"], got["lat"]) == pytest.approx(expected, abs=1e-6)


def test_gauss_kruger_columns_in_a_survey_table_and_swapped_ones_rejected(fresh_engine: Engine, tmp_path: Path) -> None:
    header = ["矿产地编号", "矿产地名称", "矿种", "X坐标", "Y坐标", "开发利用状况"]
    rows = [
        ["GK-010", "测试", "铜", "3321987.4", "38512345.6", "在产"],
        ["GK-011", "调换", "铜", "38512345.6", "3321987.4", "在产"],
    ]
    result = run(fresh_engine, write_csv(tmp_path / "gk.csv", rows, header=header))
    assert result.inserted == 1
    assert "swapped" in result.rejects[0].reason and result.rejects[0].row == 3
    expected = pyproj.Transformer.from_crs("EPSG:4526", "EPSG:4326", always_xy=True).transform(38512345.6, 3321987.4)
    got = deposit(fresh_engine, "GK-010")
    assert (got["lon"], got["lat"]) == pytest.approx(expected, abs=1e-6)


def test_geopackage_layers_geojson_footprints_and_kml(fresh_engine: Engine, tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(
        {"code": ["GP-001"], "name_zh": ["一"], "commodities": ["tin"], "status": ["producing"]},
        geometry=[shapely.Point(103.1, 23.4)],
        crs="EPSG:4326",
    )
    polygons = gpd.GeoDataFrame(
        {"code": ["GP-002"], "name_zh": ["二"], "commodities": ["graphite"], "status": ["exploration"]},
        geometry=[shapely.box(130.0, 45.0, 130.2, 45.1)],
        crs="EPSG:4326",
    )
    gpkg = tmp_path / "two.gpkg"
    points.to_file(gpkg, layer="points", engine="pyogrio")
    polygons.to_file(gpkg, layer="footprints", engine="pyogrio")
    result = run(fresh_engine, gpkg, layer="footprints")
    assert result.layers == ["points", "footprints"] and result.inserted == 1
    footprint = deposit(fresh_engine, "GP-002")
    assert footprint["footprint_wkt"].startswith("MULTIPOLYGON") and 130.0 < footprint["lon"] < 130.2
    polygons.assign(code="GJ-002").to_file(tmp_path / "f.geojson", driver="GeoJSON", engine="pyogrio")
    assert run(fresh_engine, tmp_path / "f.geojson").inserted == 1
    points.assign(code="KM-001").to_file(tmp_path / "p.kml", driver="KML", engine="pyogrio")
    kml = run(fresh_engine, tmp_path / "p.kml")
    assert kml.inserted == 1 and deposit(fresh_engine, "KM-001")["lon"] == pytest.approx(103.1)


def test_lines_are_rejected_with_a_reason(fresh_engine: Engine, tmp_path: Path) -> None:
    lines = gpd.GeoDataFrame(
        {"code": ["LN-001"], "name_zh": ["线"], "status": ["producing"]},
        geometry=[shapely.LineString([(100, 30), (101, 31)])],
        crs="EPSG:4326",
    )
    lines.to_file(tmp_path / "l.geojson", driver="GeoJSON", engine="pyogrio")
    result = run(fresh_engine, tmp_path / "l.geojson")
    assert result.inserted == 0 and "points and polygons" in result.rejects[0].reason


def test_reimporting_the_same_file_changes_nothing_and_undo_restores(fresh_engine: Engine, tmp_path: Path) -> None:
    from etl.pipeline import undo_batch

    path = write_csv(tmp_path / "s.csv", SURVEY_ROWS)
    first = run(fresh_engine, path)
    before = deposit(fresh_engine, "SV-002")
    second = run(fresh_engine, path)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert deposit(fresh_engine, "SV-002") == before
    changed = write_csv(tmp_path / "s2.csv", [SURVEY_ROWS[0], [*SURVEY_ROWS[1][:7], "在产", "0.9"]])
    third = run(fresh_engine, changed)
    assert (third.inserted, third.updated) == (0, 1)
    assert deposit(fresh_engine, "SV-002")["status"] == "producing"
    undo_batch(fresh_engine, third.batch_id)
    restored = deposit(fresh_engine, "SV-002")
    assert restored["status"] == before["status"] and restored["commodities"] == before["commodities"]
    undo_batch(fresh_engine, first.batch_id)
    assert count(fresh_engine, "SELECT count(*) FROM deposit WHERE code LIKE 'SV-%'") == 0


def test_reject_report_and_reject_ratio(fresh_engine: Engine, tmp_path: Path) -> None:
    rows = [
        *SURVEY_ROWS,
        ["SV-004", "坏矿种", "金刚石", "101", "30", "四川", "", "在产", ""],
        ["SV-005", "无状态", "铜", "101", "30", "四川", "", "", ""],
    ]
    path = write_csv(tmp_path / "mixed.csv", rows)
    before = count(fresh_engine)
    with pytest.raises(RejectRatioExceeded) as exceeded:
        run(fresh_engine, path, max_reject_ratio=0.25)
    assert exceeded.value.result.rows_rejected == 2
    assert count(fresh_engine) == before, "an aborted batch writes nothing"
    result = run(fresh_engine, path)
    report = list(csv.DictReader(io.StringIO(result.reject_csv().lstrip("\ufeff"))))
    assert [(r["row"], r["column"], r["value"]) for r in report] == [("4", "矿种", "金刚石"), ("5", "开发利用状况", "")]
    assert "unknown commodity" in report[0]["reason"] and "status" in report[1]["reason"]
    dry = run(
        fresh_engine,
        write_csv(tmp_path / "dry.csv", [["SV-099", "试", "铜", "101", "30", "", "", "在产", ""]]),
        dry_run=True,
    )
    assert dry.rows_accepted == 1 and dry.batch_id is None
    assert count(fresh_engine, "SELECT count(*) FROM deposit WHERE code = 'SV-099'") == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("nothing.csv", b"foo,bar\n1,2\n", "No column"),
        ("broken.zip", b"PK\x03\x04 this is not really a zip", "ZIP"),
        ("fake.gpkg", b"not a geopackage at all", "cannot be opened"),
        ("header-only.csv", "矿产地名称,经度,纬度\n".encode(), "no data rows"),
        ("fake.xlsx", b"PK\x05\x06" + b"\x00" * 18, "cannot be opened"),
    ],
)
def test_bad_files_get_a_clear_error_and_load_nothing(
    fresh_engine: Engine, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = count(fresh_engine)
    with pytest.raises(InvalidParameter, match=message):
        run(fresh_engine, path)
    assert count(fresh_engine) == before


def test_kml_with_entity_expansion_is_refused(fresh_engine: Engine, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.kml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&b;</name>'
        "<Point><coordinates>101,30</coordinates></Point></Placemark></Document></kml>"
    )
    with pytest.raises(SourceError, match="entities"):
        run(fresh_engine, bomb)


def test_zip_that_expands_far_beyond_its_size_is_refused(fresh_engine: Engine, tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("huge.csv", b"0" * (60 * 1024 * 1024))
    assert archive.stat().st_size < 200_000
    with pytest.raises(SourceError, match="ZIP bomb"):
        run(fresh_engine, archive)


def test_unknown_or_legacy_crs_is_refused(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", SURVEY_ROWS)
    with pytest.raises(InvalidParameter, match="unknown coordinate reference system"):
        run(fresh_engine, path, options=Options(crs="EPSG:999999"))
    with pytest.raises(InvalidParameter, match="Beijing 1954"):
        run(fresh_engine, path, options=Options(crs="EPSG:4214"))
    result = run(fresh_engine, path, options=Options(crs="EPSG:4214", accept_legacy_datum=True))
    assert result.inserted == 2


def test_packed_dms_option(fresh_engine: Engine, tmp_path: Path) -> None:
    rows = [["PK-001", "包装坐标", "金", "110.002820", "30.123000", "", "", "在产", ""]]
    run(fresh_engine, write_csv(tmp_path / "p.csv", rows), options=Options(packed_dms=True))
    got = deposit(fresh_engine, "PK-001")
    assert got["lon"] == pytest.approx(110 + 28.2 / 3600, abs=1e-7)
    assert got["lat"] == pytest.approx(30 + 12 / 60 + 30 / 3600, abs=1e-7)
    assert np.isfinite(got["lat"])


def test_undo_is_refused_while_a_later_batch_changed_the_same_records(fresh_engine: Engine, tmp_path: Path) -> None:
    from etl.pipeline import undo_batch
    from geoplatform.errors import Conflict

    first = run(fresh_engine, write_csv(tmp_path / "a.csv", SURVEY_ROWS))
    second = run(fresh_engine, write_csv(tmp_path / "b.csv", [[*SURVEY_ROWS[0][:7], "停产", "1.25"]]))
    assert second.updated == 1
    with pytest.raises(Conflict, match="later import"):
        undo_batch(fresh_engine, first.batch_id)
    assert undo_batch(fresh_engine, second.batch_id) == {"deleted": 0, "restored": 1}
    assert undo_batch(fresh_engine, first.batch_id) == {"deleted": 2, "restored": 0}
    with pytest.raises(Conflict, match="undone already"):
        undo_batch(fresh_engine, first.batch_id)


def test_undo_restores_a_batch_whose_before_images_an_earlier_version_wrote_as_wkt(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    from etl.pipeline import undo_batch

    run(fresh_engine, write_csv(tmp_path / "a.csv", SURVEY_ROWS))
    before = deposit(fresh_engine, "SV-001")
    moved = [[*SURVEY_ROWS[0][:3], "101.5", "30.5", *SURVEY_ROWS[0][5:]]]
    second = run(fresh_engine, write_csv(tmp_path / "b.csv", moved))
    with fresh_engine.begin() as conn:  # the before-image as the previous version logged it
        conn.execute(
            text("""
            UPDATE import_change SET before = before - 'geom_hex' - 'footprint_hex'
                || jsonb_build_object('geom_wkt', 'POINT(101.396 30.2014722)', 'footprint_wkt', NULL)
            WHERE batch_id = :b
        """),
            {"b": second.batch_id},
        )
    assert undo_batch(fresh_engine, second.batch_id) == {"deleted": 0, "restored": 1}
    after = deposit(fresh_engine, "SV-001")
    assert after["lon"] == pytest.approx(101.396) and after["lat"] == pytest.approx(30.2014722)
    assert before["lon"] == pytest.approx(101.396, abs=1e-3)
