"""Vector tiles: clusters with counts at low zoom, points with a buffer above, cached per data version."""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from pathlib import Path

import mapbox_vector_tile
import pytest
from sqlalchemy import Engine, text

from layers.clusters import grid_version, source_version
from layers.counts import current_version
from layers.registry import DEPOSITS
from tests.conftest import EDITOR
from tests.test_api_features import sql_codes
from tests.test_auth import basic
from web.tiles import TILES

OGRINFO = shutil.which("ogrinfo")


def tile(client, path: str, status: int = 200) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)


def fraction(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile column and row of a point in WebMercatorQuad."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def deposits(engine: Engine) -> list[tuple[str, float, float]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT code, ST_X(geom), ST_Y(geom) FROM deposit ORDER BY id"))]


def test_world_tile_clusters_every_deposit_with_counts_per_status(client, engine: Engine) -> None:
    features = tile(client, "/tiles/deposits/0/0/0.mvt")["deposits"]["features"]
    assert all(f["properties"]["cluster"] for f in features)
    assert sum(f["properties"]["count"] for f in features) == len(sql_codes(engine))
    for feature in features:
        props = feature["properties"]
        assert sum(v for k, v in props.items() if k.startswith("s_")) == props["count"]
        assert sum(v for k, v in props.items() if k.startswith("c_")) == props["count"]
    with engine.connect() as conn:
        producing = conn.execute(text("SELECT count(*) FROM deposit WHERE status = 'producing'")).scalar_one()
    assert sum(f["properties"].get("s_producing", 0) for f in features) == producing


def test_filtered_clusters_count_only_the_matches(client, engine: Engine) -> None:
    features = tile(client, "/tiles/deposits/0/0/0.mvt?commodity=lithium&abroad=true")["deposits"]["features"]
    expected = sql_codes(
        engine,
        "country_code <> 'CN' AND id IN (SELECT deposit_id FROM deposit_commodity WHERE commodity_code = 'lithium')",
    )
    assert expected and sum(f["properties"]["count"] for f in features) == len(expected)


def test_points_above_the_cluster_zoom_carry_their_essentials(client, engine: Engine) -> None:
    x, y = fraction(102.15, 38.48, 10)  # Jinchuan
    layer = tile(client, f"/tiles/deposits/10/{int(x)}/{int(y)}.mvt")["deposits"]
    found = [f for f in layer["features"] if f["properties"]["code"] == "DEP-JINCHUAN"]
    assert found, "the deposit is in the tile that contains it"
    props = found[0]["properties"]
    assert props["name_zh"] == "金川铜镍矿" and props["status"] == "producing" and "cluster" not in props
    px, py = found[0]["geometry"]["coordinates"]
    # mapbox_vector_tile flips y by default: compare in the tile's own 0..4096 frame.
    assert px == pytest.approx((x % 1) * 4096, abs=2)
    assert py == pytest.approx((1 - y % 1) * 4096, abs=2)


def test_points_just_outside_a_tile_edge_are_in_its_buffer(client, engine: Engine) -> None:
    """tipg and pygeoapi drop these; a symbol on the edge must be drawn by both tiles."""
    for code, lon, lat in deposits(engine):
        for z in range(9, 22):
            fx, fy = fraction(lon, lat, z)
            if fx % 1 < 32 / 4096 and fx % 1 > 1 / 4096:
                neighbour = tile(client, f"/tiles/deposits/{z}/{int(fx) - 1}/{int(fy)}.mvt")
                codes = [f["properties"]["code"] for f in neighbour.get("deposits", {}).get("features", [])]
                assert code in codes, (code, z)
                return
    pytest.fail("no demo deposit lies near a tile edge at zoom 9-21")


def test_etag_revalidation_and_ogc_tile_paths(client) -> None:
    first = client.get("/tiles/projects/3/6/3.mvt")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/tiles/projects/3/6/3.mvt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    ogc = client.get("/ogcapi/collections/projects/tiles/WebMercatorQuad/3/3/6")
    assert ogc.data == first.data, "tileMatrix/tileRow/tileCol is z/y/x"
    tileset = client.get("/ogcapi/collections/projects/tiles/WebMercatorQuad").json
    assert tileset["tileMatrixSetURI"].endswith("WebMercatorQuad") and tileset["dataType"] == "vector"
    template = next(link["href"] for link in tileset["links"] if link["rel"] == "item")
    assert template.endswith("/{tileMatrix}/{tileRow}/{tileCol}")
    listed = client.get("/ogcapi/collections/projects/tiles").json["tilesets"]
    assert listed[0]["tileMatrixSetURI"] == tileset["tileMatrixSetURI"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tiles/deposits/3/8/0.mvt", 404),
        ("/tiles/deposits/23/0/0.mvt", 404),
        ("/tiles/nope/0/0/0.mvt", 404),
        ("/tiles/deposits/0/0/0.mvt?bbox=1,2,3,4", 400),
        ("/tiles/deposits/0/0/0.mvt?filter=nope%3D1", 400),
        ("/tiles/deposits/0/0/0.mvt?commodity=unobtainium", 400),
    ],
)
def test_bad_tiles_are_4xx_with_json(client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status and response.json["description"]


def test_a_write_rebuilds_the_cluster_grid(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()

    def producing() -> int:
        features = tile(client, "/tiles/deposits/0/0/0.mvt")["deposits"]["features"]
        return sum(f["properties"].get("s_producing", 0) for f in features)

    before = producing()
    change = {"status": "care_and_maintenance", "status_as_of": "2025-06-30"}
    assert client.patch("/api/v1/deposits/DEP-JINCHUAN", json=change, headers=basic(EDITOR)).status_code == 200
    assert producing() == before - 1, "right at once: the stale grid is not used while it is rebuilt"
    with fresh_engine.connect() as conn:
        version = source_version(conn, DEPOSITS)
    for _ in range(100):  # the rebuild started by that request runs in the background
        with fresh_engine.connect() as conn:
            if grid_version(conn, DEPOSITS) == version:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the cluster grid was not rebuilt for the new data version")
    TILES.clear()
    assert producing() == before - 1, "and the same from the rebuilt grid"


def test_a_cached_points_tile_is_not_served_after_a_write(write_app, fresh_engine: Engine) -> None:
    """Points tiles read the data version in their own statement; the cache is tried with the
    version last seen and used only once the version is read and found unchanged."""
    client = write_app.test_client()
    x, y = (int(v) for v in fraction(102.15, 38.48, 10))
    path = f"/tiles/deposits/10/{x}/{y}.mvt"

    def status_of_jinchuan(response_data: bytes) -> str:
        features = mapbox_vector_tile.decode(response_data)["deposits"]["features"]
        return next(f["properties"]["status"] for f in features if f["properties"]["code"] == "DEP-JINCHUAN")

    first = client.get(path)
    assert status_of_jinchuan(first.data) == "producing"
    cached = client.get(path)
    assert cached.data == first.data and cached.headers["ETag"] == first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    change = {"status": "care_and_maintenance", "status_as_of": "2025-06-30"}
    assert client.patch("/api/v1/deposits/DEP-JINCHUAN", json=change, headers=basic(EDITOR)).status_code == 200
    stale_tag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert stale_tag.status_code == 200 and stale_tag.headers["ETag"] != first.headers["ETag"]
    assert status_of_jinchuan(stale_tag.data) == "care_and_maintenance"
    assert status_of_jinchuan(client.get(path).data) == "care_and_maintenance"


def test_gdal_reads_a_tile(client, tmp_path: Path) -> None:
    if OGRINFO is None:
        pytest.fail("ogrinfo is missing: run scripts/setup-system.sh test (Debian package gdal-bin)")
    x, y = fraction(102.15, 38.48, 10)
    path = tmp_path / "tile.mvt"
    path.write_bytes(client.get(f"/tiles/deposits/10/{int(x)}/{int(y)}.mvt").data)
    run = subprocess.run(
        [OGRINFO, "-ro", "-al", "-oo", f"X={int(x)}", "-oo", f"Y={int(y)}", "-oo", "Z=10", f"MVT:{path}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "DEP-JINCHUAN" in run.stdout and "POINT" in run.stdout


def test_the_grid_stays_current_through_writes_it_does_not_count(write_app, fresh_engine: Engine) -> None:
    """A name, search terms or an approval do not change what a cluster counts; a status does."""
    from sqlalchemy import text

    from layers.clusters import grid_is_current, refresh_grids

    refresh_grids(fresh_engine, [DEPOSITS])
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE deposit SET name_en = name_en || ' (renamed)', search_extra = NULL WHERE code = 'DEP-JINCHUAN'"
            )
        )
        conn.execute(text("UPDATE approval_item SET notes = 'checked' WHERE id = (SELECT min(id) FROM approval_item)"))
    with fresh_engine.connect() as conn:
        version = current_version(conn)
    assert grid_is_current(fresh_engine, DEPOSITS, version), "a renamed deposit is counted in the same cell"
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE deposit SET status = 'closed' WHERE code = 'DEP-JINCHUAN'"))
    with fresh_engine.connect() as conn:
        version = current_version(conn)
    assert not grid_is_current(fresh_engine, DEPOSITS, version), "a new status is counted differently"
