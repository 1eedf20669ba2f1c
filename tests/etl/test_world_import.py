"""Importing the world: countries from the location, stated names checked tolerantly, swapped and sea points,
grade–tonnage tables, and the importer defects of issue #8."""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
import shapely
from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, import_file
from etl.validate import Options
from geoplatform.errors import InvalidParameter

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = ["code", "name", "country", "province", "lon", "lat", "commodity", "status"]


def write(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(engine: Engine, path: Path, **kwargs):  # type: ignore[no-untyped-def]
    options = kwargs.pop("options", Options())
    return import_file(engine, ImportRequest(path=path, options=options, **kwargs))


def rows(engine: Engine, sql: str, **params: object) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def test_the_usgs_world_porphyry_table_loads_with_every_row_placed_in_its_country(fresh_engine: Engine) -> None:
    """690 deposits in 53 countries, as a new user would load them: the shipped mapping is chosen by its
    headers, Chinese provinces spelt ``Xizhang (Tibet)`` or ``Heilongiang`` match, grades and tonnage load."""
    path = DATA / "PorCuEX2008.csv"
    result = run(fresh_engine, path)
    assert result.mapping == "usgs-porphyry-copper"
    assert (result.rows_read, result.rows_rejected) == (690, 0), [r.as_dict() for r in result.rejects[:5]]
    placed = rows(
        fresh_engine, "SELECT country_code, count(*) AS n FROM deposit WHERE code LIKE 'USGS-PCU-%' GROUP BY 1"
    )
    by_country = {r["country_code"]: r["n"] for r in placed}
    assert by_country["CN"] == 47 and by_country["US"] == 100 and by_country["CL"] >= 45
    with open(path, encoding="utf-8") as handle:
        stated = {f"USGS-PCU-{r['DepositID']}": r for r in csv.DictReader(handle)}
    china = rows(
        fresh_engine, "SELECT code, region_code FROM deposit WHERE code LIKE 'USGS-PCU-%' AND country_code = 'CN'"
    )
    tibet = [r for r in china if stated[r["code"]]["StateProvince"].strip().startswith("Xizhang")]
    assert len(tibet) == 21 and {r["region_code"] for r in tibet} == {"540000"}
    heilong = [r for r in china if stated[r["code"]]["StateProvince"] == "Heilongiang"]
    assert [r["region_code"] for r in heilong] == ["230000"]
    mismatches = [w for w in result.warnings if "the file says" in w.reason]
    assert len(mismatches) <= 3, [w.reason for w in mismatches]  # approximate points next to a border
    assert any("no status column" in w.reason and w.row == 0 for w in result.warnings)
    grades = rows(
        fresh_engine,
        "SELECT dc.commodity_code, dc.grade, dc.grade_unit FROM deposit_commodity dc JOIN deposit d ON d.id = dc.deposit_id "
        "WHERE d.code = 'USGS-PCU-323' ORDER BY dc.role <> 'primary', dc.commodity_code",
    )
    assert [(g["commodity_code"], float(g["grade"]), g["grade_unit"]) for g in grades] == [
        ("copper", 0.42, "pct"),
        ("gold", 0.18, "g/t"),
        ("molybdenum", 0.033, "pct"),
        ("silver", 3.2, "g/t"),
    ]
    estimates = rows(
        fresh_engine,
        "SELECT e.commodity_code, e.category, e.method, e.ore_tonnage, e.ore_unit FROM resource_estimate e "
        "JOIN deposit d ON d.id = e.deposit_id WHERE d.code = 'USGS-PCU-323' ORDER BY 1",
    )
    assert {(e["category"], e["method"], float(e["ore_tonnage"]), e["ore_unit"]) for e in estimates} == {
        (None, "historical", 1761.0, "Mt")
    } and len(estimates) == 4
    again = run(fresh_engine, path)
    assert (again.inserted, again.updated) == (0, 0)
    assert again.extra["estimates_unchanged"] == result.extra["estimates_inserted"] > 1000
    assert run(fresh_engine, path, dry_run=True).rows_rejected == 0
    from etl.pipeline import undo_batch

    undo_batch(fresh_engine, result.batch_id)
    assert rows(fresh_engine, "SELECT count(*) AS n FROM deposit WHERE code LIKE 'USGS-PCU-%'")[0]["n"] == 0
    assert rows(fresh_engine, "SELECT count(*) AS n FROM resource_estimate WHERE method = 'historical'")[0]["n"] == 0


def test_a_world_table_with_iso_codes_places_every_row_in_its_country(fresh_engine: Engine, tmp_path: Path) -> None:
    table = [
        ["W-1", "Escondida", "CL", "", -69.07, -24.27, "copper", "producing"],
        ["W-2", "Greenbushes", "AUS", "WA", 116.06, -33.86, "lithium", "producing"],
        ["W-3", "Tenke Fungurume", "180", "Lualaba", 26.19, -10.58, "copper", "producing"],
        ["W-4", "Oyu Tolgoi", "MN", "", 106.86, 43.01, "copper", "producing"],
        ["W-5", "Bayan Obo", "CN", "Inner Mongolia", 109.97, 41.79, "rare earths", "producing"],
        ["W-6", "Jinguashi", "TW", "", 121.85, 25.11, "gold", "closed"],
    ]
    result = run(fresh_engine, write(tmp_path / "world.csv", table))
    assert result.rows_rejected == 0 and result.rows_warned == 0, [w.reason for w in result.warnings]
    found = {r["code"]: r for r in rows(fresh_engine, "SELECT * FROM deposit WHERE code LIKE 'W-%'")}
    assert {c: (r["country_code"], r["region_code"]) for c, r in found.items()} == {
        "W-1": ("CL", None),
        "W-2": ("AU", None),
        "W-3": ("CD", None),
        "W-4": ("MN", None),
        "W-5": ("CN", "150000"),
        "W-6": ("CN", "710000"),
    }
    assert found["W-2"]["subdivision_code"] == "AU-WA" and found["W-3"]["subdivision_code"] == "CD-LU"
    assert found["W-1"]["name"] == "Escondida" and found["W-1"]["name_zh"] is None, "no Chinese name is made up"
    assert found["W-1"]["name_en"] == "Escondida" and found["W-1"]["name_lang"] == "en"


def test_stated_countries_and_provinces_that_the_location_contradicts_are_warned_or_rejected(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    table = [
        ["M-1", "Chuquicamata", "Argentina", "", -68.90, -22.29, "copper", "producing"],  # it is in Chile
        ["M-2", "Jiama", "China", "Sichuan", 91.77, 29.67, "copper", "producing"],  # it is in Tibet
        ["M-3", "Agua Rica", "Argentian", "Catamarca", -66.28, -27.37, "copper", "exploration"],  # a typo
        ["M-4", "Somewhere", "Xyzland", "", 25.47, -10.71, "cobalt", "exploration"],
    ]
    path = write(tmp_path / "mismatch.csv", table)
    result = run(fresh_engine, path)
    assert result.rows_rejected == 0 and result.inserted == 4
    reasons = {w.row: w.reason for w in result.warnings}
    assert reasons[2] == "the file says Argentina 阿根廷 (AR), the location is in Chile 智利 (CL)"
    assert reasons[3].startswith("the file says Sichuan 四川省 (510000), the location is in Xizang (Tibet)")
    assert 4 not in reasons, "Argentian is one swap from Argentina: taken"
    assert reasons[5].startswith("unknown country; did you mean:")
    placed = {
        r["code"]: r["country_code"]
        for r in rows(fresh_engine, "SELECT code, country_code FROM deposit WHERE code LIKE 'M-%'")
    }
    assert placed == {"M-1": "CL", "M-2": "CN", "M-3": "AR", "M-4": "CD"}, "the location decides"
    strict = run(fresh_engine, path, dry_run=True, options=Options(strict_regions=True))
    assert sorted(r.row for r in strict.rejects) == [2, 3, 5]
    zh = {w.row: w.as_dict()["reason_zh"] for w in result.warnings}
    assert zh[2] == "文件填写为 Argentina 阿根廷 (AR)，坐标位于 Chile 智利 (CL)"


def test_swapped_coordinates_points_at_sea_and_impossible_values_are_refused_with_a_reason(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    table = [
        ["S-1", "Escondida swapped", "Chile", "", -24.27, -69.07, "copper", "producing"],
        ["S-2", "Mid-Pacific", "", "", -150.0, 0.0, "copper", "producing"],
        ["S-3", "Not a number", "", "", "nan", "30", "copper", "producing"],
        ["S-4", "Infinite", "", "", "inf", "30", "copper", "producing"],
        ["S-5", "North Pole", "", "", 0, 90, "copper", "producing"],
        ["S-6", "Antimeridian", "", "", 180, 0, "copper", "producing"],
        ["S-7", "Beyond the globe", "", "", 200, 95, "copper", "producing"],
        ["S-8", "Kolwezi", "", "", 25.47, -10.71, "copper", "producing"],
    ]
    result = run(fresh_engine, write(tmp_path / "bad.csv", table))
    reasons = {r.row: r.reason for r in result.rejects}
    assert reasons[2] == "longitude and latitude look swapped: the swapped point lies in Chile 智利 (CL)"
    for row in (3, 6, 7):
        assert reasons[row] == "the point lies in the sea, more than 25 km from any country's land", row
    assert reasons[4] == reasons[5] == "not a number"
    assert reasons[8] == "the point lies outside the globe's extent (longitude -180..180, latitude -90..90)"
    assert 9 not in reasons and result.inserted == 1
    assert all(r.as_dict()["reason_zh"] != r.reason for r in result.rejects), "every reason has Chinese"


def test_gauss_kruger_input_must_lie_in_china(fresh_engine: Engine, tmp_path: Path) -> None:
    to_gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4491", always_xy=True)  # CGCS2000 6° zone 13
    inside = to_gk.transform(76.0, 39.5)  # Kashgar
    outside = to_gk.transform(76.95, 43.25)  # Almaty, Kazakhstan
    table = [
        ["GK-1", "喀什", "铜", inside[1], inside[0], "在产"],
        ["GK-2", "阿拉木图", "铜", outside[1], outside[0], "在产"],
    ]
    path = write(
        tmp_path / "gk.csv", table, header=["矿产地编号", "矿产地名称", "矿种", "X坐标", "Y坐标", "开发利用状况"]
    )
    result = run(fresh_engine, path)
    assert [r.row for r in result.rejects] == [3]
    assert (
        result.rejects[0].reason
        == "Gauss-Krüger coordinates (CGCS2000) lie in China; this point lies in Kazakhstan 哈萨克斯坦 (KZ)"
    )
    assert rows(fresh_engine, "SELECT region_code FROM deposit WHERE code = 'GK-1'") == [{"region_code": "650000"}]


def test_platinum_group_and_other_commodity_spellings_the_api_also_accepts(
    fresh_engine: Engine, tmp_path: Path, client
) -> None:
    table = [
        ["P-1", "Merensky", "ZA", "", 27.30, -25.60, "platinum group", "producing"],
        ["P-2", "Stillwater", "US", "", -109.90, 45.40, "Platinum Group Elements", "producing"],
        ["P-3", "甲基卡测试", "CN", "", 101.26, 30.29, "锂矿", "producing"],
    ]
    result = run(fresh_engine, write(tmp_path / "pgm.csv", table))
    assert result.rows_rejected == 0
    assert (
        rows(
            fresh_engine,
            "SELECT count(*) AS n FROM deposit_commodity dc JOIN deposit d ON d.id = dc.deposit_id "
            "WHERE d.code IN ('P-1', 'P-2') AND dc.commodity_code = 'pgm'",
        )[0]["n"]
        == 2
    )
    for spelling in ("锂矿", "lithium", "Li", "锂"):
        response = client.get("/api/v1/deposits", query_string={"commodity": spelling, "limit": 1})
        assert response.status_code == 200, spelling


def test_a_table_without_a_status_column_loads_as_unknown_with_one_warning(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    table = [[f"U-{i}", f"Deposit {i}", "CL", "", -69.0 - i / 100, -24.0, "copper"] for i in range(5)]
    result = run(fresh_engine, write(tmp_path / "nostatus.csv", table, header=HEADER[:-1]))
    assert result.rows_rejected == 0 and result.inserted == 5
    file_notes = [w for w in result.warnings if w.row == 0]
    assert len(file_notes) == 1 and "status unknown" in file_notes[0].reason
    assert {r["status"] for r in rows(fresh_engine, "SELECT status FROM deposit WHERE code LIKE 'U-%'")} == {"unknown"}


def test_a_bad_default_status_is_a_clear_error_not_a_traceback(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [["D-1", "x", "CL", "", -69, -24, "copper"]], header=HEADER[:-1])
    with pytest.raises(InvalidParameter, match="--default-status must be a development status"):
        run(fresh_engine, path, options=Options(default_status="no-such-status"))
    assert run(fresh_engine, path, options=Options(default_status="未知")).inserted == 1


def test_split_dms_columns_with_the_sign_on_every_part_as_usgs_writes_them(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    header = [
        "code",
        "name",
        "latitudedegrees",
        "latitudeminutes",
        "latitudeseconds",
        "longitudedegrees",
        "longitudeminutes",
        "longitudeseconds",
        "commodity",
        "status",
    ]
    mapping = tmp_path / "dms.toml"
    mapping.write_text(
        'name = "dms"\ntarget = "deposits"\n[fields]\ncode = ["code"]\nname = ["name"]\ncommodities = ["commodity"]\n'
        'status = ["status"]\nlat_d = ["latitudedegrees"]\nlat_m = ["latitudeminutes"]\nlat_s = ["latitudeseconds"]\n'
        'lon_d = ["longitudedegrees"]\nlon_m = ["longitudeminutes"]\nlon_s = ["longitudeseconds"]\n',
        encoding="utf-8",
    )
    table = [
        ["DMS-1", "Agua Rica", -27, -22, -15, -66, -16, -48, "copper", "exploration"],
        ["DMS-2", "Mixed signs", -27, 22, -15, -66, -16, -48, "copper", "exploration"],
    ]
    result = run(fresh_engine, write(tmp_path / "dms.csv", table, header), mapping=str(mapping))
    assert [r.row for r in result.rejects] == [3] and "different signs" in result.rejects[0].reason
    point = rows(fresh_engine, "SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM deposit WHERE code = 'DMS-1'")[0]
    assert point["x"] == pytest.approx(-(66 + 16 / 60 + 48 / 3600)) and point["y"] == pytest.approx(
        -(27 + 22 / 60 + 15 / 3600)
    )


def test_the_batch_records_when_it_finished_by_the_clock(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "clock.csv", [["C-1", "x", "CL", "", -69, -24, "copper", "producing"]])
    started = time.perf_counter()
    result = import_file(fresh_engine, ImportRequest(path=path), progress=lambda n: time.sleep(0.6))
    elapsed = time.perf_counter() - started
    span = rows(
        fresh_engine, "SELECT finished_at - started_at AS span FROM import_batch WHERE id = :b", b=result.batch_id
    )
    assert dt.timedelta(seconds=0.55) <= span[0]["span"] <= dt.timedelta(seconds=elapsed + 1)


def test_an_unchanged_reimport_writes_nothing_and_rebuilds_no_index(fresh_engine: Engine, tmp_path: Path) -> None:
    """Bulk mode is chosen on the rows that will be written: an unchanged big file drops and rebuilds nothing."""
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(60_000):
            writer.writerow(
                [
                    f"B-{i:06d}",
                    f"Deposit {i}",
                    "",
                    "",
                    f"{101 + (i % 100) / 100:.4f}",
                    f"{30 + (i // 100) / 1000:.4f}",
                    "copper",
                    "exploration",
                ]
            )
    first = run(fresh_engine, path)
    assert first.inserted == 60_000

    def index_files() -> dict[str, int]:
        found = rows(
            fresh_engine,
            "SELECT relname, relfilenode FROM pg_class WHERE relname IN "
            "('ix_deposit_geom', 'ix_deposit_status', 'uq_deposit_code')",
        )
        return {r["relname"]: r["relfilenode"] for r in found}

    before = index_files()
    again = run(fresh_engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 60_000)
    assert index_files() == before, "no index was dropped and rebuilt for an unchanged file"


def test_mapping_value_aliases_and_constants(fresh_engine: Engine, tmp_path: Path) -> None:
    mapping = tmp_path / "es.toml"
    mapping.write_text(
        'name = "es"\ntarget = "deposits"\n[fields]\nname = ["nombre"]\nstatus = ["estado"]\nlon = ["lon"]\n'
        'lat = ["lat"]\n[constants]\ncommodities = "copper"\n[values.status]\n"Producción" = "producing"\n'
        '"construcción" = "construction"\n[options]\nname_language = "es"\n',
        encoding="utf-8",
    )
    table = [["Los Bronces", "PRODUCCIÓN", -70.28, -33.15], ["Quebrada Blanca", "Construcción", -68.8, -21.0]]
    result = run(
        fresh_engine, write(tmp_path / "es.csv", table, ["nombre", "estado", "lon", "lat"]), mapping=str(mapping)
    )
    assert result.rows_rejected == 0 and result.columns["commodities"] == "(commodities)"
    found = rows(
        fresh_engine,
        "SELECT d.name, d.name_lang, d.name_en, d.status, dc.commodity_code FROM deposit d "
        "JOIN deposit_commodity dc ON dc.deposit_id = d.id WHERE d.name IN ('Los Bronces', 'Quebrada Blanca') ORDER BY 1",
    )
    assert [(r["name"], r["name_lang"], r["name_en"], r["status"], r["commodity_code"]) for r in found] == [
        ("Los Bronces", "es", None, "producing", "copper"),
        ("Quebrada Blanca", "es", None, "construction", "copper"),
    ]


def test_a_utf8_dbf_labelled_ansi_without_cpg_reads_as_utf8_and_says_why(fresh_engine: Engine, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["AR-1"], "name": ["Construcción"], "commodity": ["copper"], "status": ["producing"]},
        geometry=[shapely.MultiPoint([(-66.76, -23.74)])],
        crs="EPSG:4326",
    )
    shp = tmp_path / "ar.shp"
    frame.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
    shp.with_suffix(".cpg").unlink()
    dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
    dbf[29] = 0x57  # language driver: ANSI
    shp.with_suffix(".dbf").write_bytes(bytes(dbf))
    result = run(fresh_engine, shp)
    assert result.encoding == "UTF-8" and "valid UTF-8" in (result.encoding_reason or "")
    assert rows(fresh_engine, "SELECT name FROM deposit WHERE code = 'AR-1'") == [{"name": "Construcción"}]


def test_a_multipoint_of_one_point_is_that_point_and_of_several_a_clear_reject(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    frame = gpd.GeoDataFrame(
        {
            "code": ["MP-1", "MP-2"],
            "name": ["one", "two"],
            "commodity": ["copper", "copper"],
            "status": ["producing"] * 2,
        },
        geometry=[shapely.MultiPoint([(-69.07, -24.27)]), shapely.MultiPoint([(-69.07, -24.27), (-69.0, -24.0)])],
        crs="EPSG:4326",
    )
    path = tmp_path / "mp.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    result = run(fresh_engine, path)
    assert result.inserted == 1 and [r.reason for r in result.rejects] == [
        "a MultiPoint of several points: one location per row"
    ]
