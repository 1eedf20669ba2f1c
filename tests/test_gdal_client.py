"""GDAL (a real GIS client) reads the GeoJSON API: features, attributes and coordinates."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import Engine, text

OGRINFO = shutil.which("ogrinfo")


@pytest.fixture(scope="module")
def ogrinfo() -> str:
    if OGRINFO is None:
        pytest.fail("ogrinfo is missing: run scripts/setup-system.sh test (Debian package gdal-bin)")
    return OGRINFO


def test_ogrinfo_reads_every_deposit_with_attributes_and_lon_lat(ogrinfo: str, live_server, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    url = f"GeoJSON:{live_server.url}/api/v1/deposits?limit=10000"
    summary = subprocess.run([ogrinfo, "-ro", "-so", "-al", url], capture_output=True, text=True, timeout=60)
    assert summary.returncode == 0, summary.stderr
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    assert f"Feature Count: {total}" in summary.stdout
    assert "Geometry: Point" in summary.stdout
    assert "name_zh: String" in summary.stdout
    detail = subprocess.run(
        [ogrinfo, "-ro", "-al", "-where", "code = 'DEP-JINCHUAN'", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert detail.returncode == 0, detail.stderr
    assert "POINT (102.15 38.48)" in detail.stdout
    assert "金川" in detail.stdout
