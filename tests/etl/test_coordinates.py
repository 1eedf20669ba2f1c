"""Coordinate parsing and Chinese CRSs, checked against pyproj directly."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from etl import coordinates as co


@pytest.mark.parametrize(
    "text",
    [
        "东经 101°23′45.6″",
        "101°23'45.6\"E",
        "１０１°２３′４５．６″",
        "101 23 45.6",
        "101d23m45.6s",
        "101度23分45.6秒",
        "E101°23′45.6″",
        "101.396",
    ],
)
def test_every_common_spelling_of_a_longitude(text: str) -> None:
    assert co.parse_angle(text) == pytest.approx(101 + 23 / 60 + 45.6 / 3600, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("N30 12 5.3", 30.2014722),
        ("S33 30", -33.5),
        ("北纬30°12′", 30.2),
        ("30°12'05.3\"N", 30.2014722),
        ("-33.5", -33.5),
    ],
)
def test_latitudes_with_hemispheres(text: str, expected: float) -> None:
    assert co.parse_angle(text) == pytest.approx(expected, abs=1e-6)


def test_packed_ddd_mmss_and_split_columns() -> None:
    assert co.parse_angle("110.002820", packed=True) == pytest.approx(110 + 28.2 / 3600, abs=1e-9)
    assert co.parse_angle(30.1230, packed=True) == pytest.approx(30 + 12 / 60 + 30 / 3600, abs=1e-9)
    assert co.dms_columns("101", "23", "45.6") == pytest.approx(101.396)
    with pytest.raises(co.CoordinateError):
        co.dms_columns("101", "61", "0")
    with pytest.raises(co.CoordinateError):
        co.parse_angle("110.6500", packed=True)
    with pytest.raises(co.CoordinateError):
        co.parse_angle("abc")


def test_gauss_kruger_zone_38_matches_pyproj() -> None:
    zone = co.gauss_kruger_zone(38_512_345.6)
    assert (zone.width, zone.zone) == (3, 38)
    expected_crs = pyproj.CRS.from_epsg(zone.epsg)
    assert "3-degree Gauss-Kruger zone 38" in expected_crs.name
    # Reference: pyproj directly, from the EPSG definition, easting first.
    reference = pyproj.Transformer.from_crs(expected_crs, "EPSG:4326", always_xy=True)
    for easting, northing in ((38_512_345.6, 3_321_987.4), (38_400_000.0, 2_900_000.0)):
        lon, lat = co.to_lonlat(np.array([easting]), np.array([northing]), f"EPSG:{zone.epsg}")
        ref_lon, ref_lat = reference.transform(easting, northing)
        assert (lon[0], lat[0]) == pytest.approx((ref_lon, ref_lat), abs=1e-9)
        assert 112.5 < lon[0] < 115.5, "zone 38 has central meridian 114°E"


def test_six_degree_zones_and_central_meridians_come_from_the_epsg_database() -> None:
    assert "Gauss-Kruger zone 19" in pyproj.CRS.from_epsg(co.gauss_kruger_zone(19_500_000).epsg).name
    assert "CM 114E" in pyproj.CRS.from_epsg(co.gauss_kruger_cm(114)).name
    with pytest.raises(co.CoordinateError):
        co.gauss_kruger_zone(50_500_000)


def test_swapped_gauss_kruger_x_y_is_detected() -> None:
    co.check_gk_pair(3_321_987.4, 38_512_345.6)
    with pytest.raises(co.CoordinateError, match="swapped"):
        co.check_gk_pair(38_512_345.6, 3_321_987.4)


def test_beijing_1954_and_xian_1980_are_refused_unless_accepted() -> None:
    for code in ("EPSG:4214", "EPSG:2435", "EPSG:4610"):
        with pytest.raises(co.CoordinateError, match="datum"):
            co.check_crs(code)
        assert co.check_crs(code, accept_legacy_datum=True)
    with pytest.raises(co.CoordinateError, match="unknown"):
        co.check_crs("EPSG:999999")
