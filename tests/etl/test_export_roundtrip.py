"""Export → import changes nothing, in every format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    with fresh_engine.begin() as conn:  # a footprint with coordinates no short decimal writes exactly
        conn.execute(
            text("UPDATE deposit SET footprint = ST_Multi(ST_Buffer(geom, 0.0123, 3)) WHERE code = 'DEP-BAIYINCHANG'")
        )
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


def test_points_only_files_keep_footprints_and_an_empty_wkt_cell_clears_one(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    footprint = "SELECT footprint IS NOT NULL FROM deposit WHERE code = 'DEP-BAIYINCHANG'"
    with fresh_engine.begin() as conn:
        conn.execute(
            text("UPDATE deposit SET footprint = ST_Multi(ST_Buffer(geom, 0.01, 2)) WHERE code = 'DEP-BAIYINCHANG'")
        )
    shapefile = tmp_path / "points.zip"
    export_deposits(fresh_engine, shapefile, "shp", "DEP-BAIYINCHANG")
    result = import_file(fresh_engine, ImportRequest(path=shapefile))
    assert (result.updated, result.unchanged) == (0, 1)
    with fresh_engine.connect() as conn:
        assert conn.execute(text(footprint)).scalar_one() is True

    table = tmp_path / "d.csv"
    export_deposits(fresh_engine, table, "csv", "DEP-BAIYINCHANG")
    frame = pd.read_csv(table, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert frame.loc[0, "footprint_wkt"].startswith("MULTIPOLYGON")
    frame.loc[0, "footprint_wkt"] = ""
    frame.to_csv(table, index=False, encoding="utf-8-sig")
    result = import_file(fresh_engine, ImportRequest(path=table))
    assert result.updated == 1
    with fresh_engine.connect() as conn:
        assert conn.execute(text(footprint)).scalar_one() is False
