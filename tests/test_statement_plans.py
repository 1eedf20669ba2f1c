"""Which statements PostgreSQL may keep a generic plan for (geoplatform.database.CUSTOM_PLAN)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from layers.features_sql import feature_statement, page_statement, parameters, structure_of
from layers.query import BBox, FeatureQuery, bbox_node
from layers.registry import DEPOSITS


def _prepared(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return list(conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_value_dependent_pages_are_never_prepared_and_one_feature_is(engine: Engine) -> None:
    query = FeatureQuery(limit=10, filter=bbox_node(BBox(100, 20, 120, 40)))
    page = page_statement(DEPOSITS.name, structure_of(query)[0])
    one = feature_statement(DEPOSITS.name)
    with engine.connect() as conn:
        for _ in range(8):  # psycopg prepares a statement on its sixth run
            conn.execute(page, parameters(query)).one()
            conn.execute(one, {"code": "DEP-JINCHUAN"}).one()
        prepared = _prepared(conn)
    assert any("json_agg" in statement for statement in prepared) is False, "a bbox page is planned per run"
    assert any("WHERE deposit.code = $" in statement for statement in prepared), "one feature keeps its generic plan"
