"""Export → import changes nothing, in every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl.export import export_deposits
from etl.pipeline import ImportRequest, import_file


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("csv", "d.csv"),
        ("xlsx", "d.xlsx"),
        ("geojson", "d.geojson"),
        ("gpkg", "d.gpkg"),
        ("shp", "d.zip"),
        ("kml", "d.kml"),
    ],
)
def test_export_then_import_changes_nothing(fresh_engine: Engine, tmp_path: Path, fmt: str, name: str) -> None:
    with fresh_engine.connect() as conn:
        before = conn.execute(text("SELECT md5(string_agg(d::text, '|' ORDER BY code)) FROM deposit d")).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
    path = tmp_path / name
    assert export_deposits(fresh_engine, path, fmt) == total
    result = import_file(fresh_engine, ImportRequest(path=path))
    assert result.mapping == "geoplatform", result.columns
    assert result.rows_rejected == 0, [r.as_dict() for r in result.rejects[:3]]
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, total)
    with fresh_engine.connect() as conn:
        after = conn.execute(text("SELECT md5(string_agg(d::text, '|' ORDER BY code)) FROM deposit d")).scalar_one()
    assert after == before
