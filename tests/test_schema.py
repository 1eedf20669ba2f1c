"""Schema: migrations go up and down, match the model, and constraints protect the data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from geoplatform.database import create_db_engine, downgrade, migrate
from geoplatform.models import Base
from geoplatform.uscc import check_character, is_valid_uscc
from tests.conftest import admin_connection


@pytest.fixture()
def empty_engine(server_url):  # type: ignore[no-untyped-def]
    with admin_connection(server_url) as conn:
        conn.execute("DROP DATABASE IF EXISTS geoplatform_empty WITH (FORCE)")
        conn.execute("CREATE DATABASE geoplatform_empty")
    engine = create_db_engine(server_url.set(database="geoplatform_empty"))
    yield engine
    engine.dispose()
    with admin_connection(server_url) as conn:
        conn.execute("DROP DATABASE IF EXISTS geoplatform_empty WITH (FORCE)")


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}


def test_migrations_upgrade_downgrade_and_upgrade_again(empty_engine: Engine) -> None:
    migrate(empty_engine)
    created = _tables(empty_engine)
    assert {"deposit", "project", "company", "resource_estimate", "commodity", "admin_region"} <= created
    downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT to_regproc('gp_uscc_valid')")).scalar_one() is None
    migrate(empty_engine)
    assert _tables(empty_engine) == created


def test_migrated_schema_matches_the_model(engine: Engine) -> None:
    def include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return not (type_ == "table" and name in {"spatial_ref_sys", "alembic_version"})

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_codelists_cover_the_strategic_minerals_with_symbols_and_both_languages(engine: Engine) -> None:
    with engine.connect() as conn:
        strategic = conn.execute(
            text("SELECT code, symbol, name_zh, name_en, commodity_group FROM commodity WHERE strategic")
        ).all()
    codes = {row.code for row in strategic}
    assert len(codes - {"pgm", "platinum", "palladium"}) == 24
    assert {"lithium", "cobalt", "nickel", "rare_earths", "graphite", "tungsten", "pgm"} <= codes
    for row in strategic:
        assert row.name_zh and row.name_en
    by_code = {row.code: row for row in strategic}
    assert by_code["lithium"].symbol == "Li" and by_code["lithium"].name_zh == "锂"
    metals = [row for row in strategic if row.commodity_group == "metal" and row.code not in ("pgm",)]
    assert all(row.symbol for row in metals)


def test_resource_categories_are_the_five_of_gbt_17766_2020_split_into_resources_and_reserves(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT name_zh, kind FROM resource_category")).all())
    assert rows == {
        "推断资源量": "resource",
        "控制资源量": "resource",
        "探明资源量": "resource",
        "可信储量": "reserve",
        "证实储量": "reserve",
    }


def test_exploration_stages_accept_legacy_reconnaissance_as_deprecated(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = {
            r.name_zh: r.deprecated for r in conn.execute(text("SELECT name_zh, deprecated FROM exploration_stage"))
        }
    assert rows == {"预查": True, "普查": False, "详查": False, "勘探": False}


def test_admin_regions_are_the_34_province_level_gb2260_codes(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT code, name_zh FROM admin_region WHERE level = 'province'")).all())
    assert len(rows) == 34
    assert rows["630000"] == "青海省" and rows["510000"] == "四川省" and rows["540000"] == "西藏自治区"


def test_classification_methods_include_chinese_and_international_codes(engine: Engine) -> None:
    with engine.connect() as conn:
        codes = set(conn.execute(text("SELECT code FROM classification_method")).scalars())
    assert {"gbt17766_2020", "gbt17766_1999", "jorc_2012", "ni43_101"} <= codes


INSERT_DEPOSIT = """
INSERT INTO deposit (code, name_zh, geom, status, region_code)
VALUES (:code, '测试', ST_GeomFromText(:wkt, :srid), :status, :region)
"""


@pytest.mark.parametrize(
    ("values", "violated"),
    [
        ({"status": "bogus"}, "fk_deposit_status_development_status"),
        ({"region": "999999"}, "fk_deposit_region_code_admin_region"),
        ({"code": "lower-case"}, "ck_deposit_code_format"),
        ({"wkt": "POINT(200 30)"}, "ck_deposit_geom_valid"),
        ({"wkt": "POINT(100 -91)"}, "ck_deposit_geom_valid"),
        ({"wkt": "POINT EMPTY"}, "ck_deposit_geom_valid"),
        ({"wkt": "POINT(NaN 30)"}, "ck_deposit_geom_valid"),
        ({"code": "X"}, "ck_deposit_code_format"),
        ({"code": "-LEADING-DASH"}, "ck_deposit_code_format"),
        ({"code": "A" * 41}, "value too long"),
        ({"srid": 3857}, "enforce_srid|Geometry SRID"),
    ],
)
def test_deposit_constraints_refuse_bad_rows(fresh_engine: Engine, values: dict, violated: str) -> None:
    params = {
        "code": "DEP-TEST",
        "wkt": "POINT(100 30)",
        "srid": 4326,
        "status": "producing",
        "region": "510000",
    }
    params.update(values)
    with pytest.raises(Exception, match=violated), fresh_engine.begin() as conn:
        conn.execute(text(INSERT_DEPOSIT), params)


def test_quantities_cannot_be_negative_and_need_units(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        deposit_id = conn.execute(text("SELECT id FROM deposit ORDER BY id LIMIT 1")).scalar_one()
    statement = text(
        "INSERT INTO resource_estimate (deposit_id, commodity_code, category, method, contained, contained_unit) "
        "VALUES (:d, 'copper', 'indicated', 'gbt17766_2020', :q, :u)"
    )
    with pytest.raises(IntegrityError, match="contained_non_negative"), fresh_engine.begin() as conn:
        conn.execute(statement, {"d": deposit_id, "q": -1, "u": "t"})
    with pytest.raises(IntegrityError, match="contained_has_unit"), fresh_engine.begin() as conn:
        conn.execute(statement, {"d": deposit_id, "q": 5, "u": None})
    with fresh_engine.begin() as conn:
        conn.execute(statement, {"d": deposit_id, "q": 5, "u": "10kt"})


def test_a_deposit_has_at_most_one_primary_commodity(fresh_engine: Engine) -> None:
    with (
        pytest.raises(IntegrityError, match="uq_deposit_commodity_one_primary"),
        fresh_engine.begin() as conn,
    ):
        conn.execute(
            text(
                "INSERT INTO deposit_commodity (deposit_id, commodity_code, role) "
                "SELECT d.id, 'boron', 'primary' FROM deposit d WHERE d.code = 'DEP-JINCHUAN'"
            )
        )


def test_unified_social_credit_codes_are_checked_in_python_and_in_postgres(fresh_engine: Engine) -> None:
    valid = "91350100M000100Y43"
    assert is_valid_uscc(valid)
    assert check_character(valid[:17]) == "3"
    wrong = valid[:17] + "4"
    assert not is_valid_uscc(wrong)
    assert not is_valid_uscc("91350100M000100Y4")  # too short
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the alphabet
    with fresh_engine.begin() as conn:
        agree = conn.execute(
            text("SELECT gp_uscc_valid(:a), gp_uscc_valid(:b), gp_uscc_valid(:c)"),
            {"a": valid, "b": wrong, "c": "91350100M000100I43"},
        ).one()
        assert tuple(agree) == (True, False, False)
        conn.execute(text("INSERT INTO company (name_zh, uscc) VALUES ('有效公司', :u)"), {"u": valid})
    with pytest.raises(IntegrityError, match="uscc_check_character"), fresh_engine.begin() as conn:
        conn.execute(text("INSERT INTO company (name_zh, uscc) VALUES ('错误公司', :u)"), {"u": wrong})
