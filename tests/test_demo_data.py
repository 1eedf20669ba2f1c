"""The demo catalogue: real deposits, loaded idempotently; the synthetic generator is deterministic."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geoplatform.demo import DEMO_DIR, DemoDataError, generate_synthetic, load_demo


def counts(engine: Engine) -> dict[str, int]:
    tables = ("deposit", "deposit_commodity", "resource_estimate", "project", "project_deposit", "company")
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}  # noqa: S608


def test_demo_has_at_least_60_well_known_deposits_across_china(engine: Engine) -> None:
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name_zh FROM deposit WHERE country_code = 'CN'")).scalars())
        provinces = conn.execute(text("SELECT count(DISTINCT region_code) FROM deposit")).scalar_one()
        outside = conn.execute(
            text(
                "SELECT count(*) FROM deposit WHERE country_code = 'CN'"
                " AND NOT ST_Intersects(geom, ST_MakeEnvelope(73, 18, 136, 54, 4326))"
            )
        ).scalar_one()
        marked = conn.execute(text("SELECT count(*) FROM deposit WHERE source NOT ILIKE '%approximate%'")).scalar_one()
    assert len(names) >= 60
    assert provinces >= 15
    assert outside == 0
    assert marked == 0, "every demo record says its location is approximate"
    for expected in ("金川", "德兴", "察尔汗", "甲基卡", "白云鄂博", "甲玛", "玉龙", "柿竹园"):
        assert any(expected in name for name in names), expected


def test_loading_the_demo_twice_changes_nothing(fresh_engine: Engine) -> None:
    before = counts(fresh_engine)
    with fresh_engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM deposit ORDER BY id")).scalars())
    load_demo(fresh_engine)
    assert counts(fresh_engine) == before
    with fresh_engine.connect() as conn:
        assert list(conn.execute(text("SELECT id FROM deposit ORDER BY id")).scalars()) == ids


def test_a_broken_demo_file_loads_nothing(fresh_engine: Engine, tmp_path: Path) -> None:
    for source in DEMO_DIR.glob("*.csv"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    with open(tmp_path / "deposit_commodities.csv", "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(["DEP-NOT-THERE", "copper", "primary", "", ""])
    with fresh_engine.begin() as conn:
        conn.execute(text("UPDATE deposit SET name_en = 'changed' WHERE code = 'DEP-JINCHUAN'"))
    before = counts(fresh_engine)
    with pytest.raises(DemoDataError, match="deposit_code"):
        load_demo(fresh_engine, tmp_path)
    assert counts(fresh_engine) == before
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT name_en FROM deposit WHERE code = 'DEP-JINCHUAN'")).scalar_one() == "changed"


def test_synthetic_generator_is_deterministic_clustered_and_idempotent(fresh_engine: Engine) -> None:
    assert generate_synthetic(fresh_engine, 2000, seed=0.3) == 2000
    with fresh_engine.connect() as conn:
        first = conn.execute(
            text("SELECT code, ST_AsText(geom), status FROM deposit WHERE code LIKE 'SYN-%' ORDER BY code")
        ).all()
        far = conn.execute(
            text(
                "SELECT count(*) FROM deposit s WHERE s.code LIKE 'SYN-%' AND NOT EXISTS ("
                "SELECT 1 FROM deposit r WHERE r.code NOT LIKE 'SYN-%' AND ST_DWithin(r.geom, s.geom, 5))"
            )
        ).scalar_one()
        without_commodity = conn.execute(
            text(
                "SELECT count(*) FROM deposit d WHERE code LIKE 'SYN-%' AND NOT EXISTS ("
                "SELECT 1 FROM deposit_commodity c WHERE c.deposit_id = d.id AND c.role = 'primary')"
            )
        ).scalar_one()
    assert far == 0, "synthetic deposits cluster within a few degrees of real ones"
    assert without_commodity == 0
    assert generate_synthetic(fresh_engine, 2000, seed=0.3) == 0, "the same codes are not added twice"
    with fresh_engine.begin() as conn:
        conn.execute(text("DELETE FROM deposit WHERE code LIKE 'SYN-%'"))
    generate_synthetic(fresh_engine, 2000, seed=0.3)
    with fresh_engine.connect() as conn:
        again = conn.execute(
            text("SELECT code, ST_AsText(geom), status FROM deposit WHERE code LIKE 'SYN-%' ORDER BY code")
        ).all()
    assert again == first
