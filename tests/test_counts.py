"""numberMatched is exact, counted once per query and data version, and counted again after a write."""

from __future__ import annotations

from sqlalchemy import Engine, text

from layers.counts import COUNTS, current_version
from tests.conftest import EDITOR
from tests.test_auth import CHANGE, basic


def deposit_count(engine: Engine, where: str = "TRUE") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM deposit WHERE {where}")).scalar_one()  # noqa: S608


def test_paging_through_one_query_counts_once_and_exactly(client, engine: Engine) -> None:
    COUNTS.clear()
    misses = COUNTS.misses
    totals = set()
    for offset in (0, 3, 6, 9):
        body = client.get(f"/api/v1/deposits?limit=3&offset={offset}&abroad=true").json
        totals.add(body["numberMatched"])
    assert totals == {deposit_count(engine, "country_code <> 'CN'")}
    assert COUNTS.misses == misses + 1, "the second and later pages reuse the count"


def test_every_write_bumps_the_data_version_and_the_next_page_recounts(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    COUNTS.clear()
    url = "/api/v1/deposits?limit=1&status=producing"
    before = client.get(url).json["numberMatched"]
    assert before > 2
    with fresh_engine.connect() as conn:
        version = current_version(conn)
    code = (
        fresh_engine.connect()
        .execute(text("SELECT code FROM deposit WHERE status = 'producing' ORDER BY code LIMIT 1"))
        .scalar_one()
    )
    response = client.patch(f"/api/v1/deposits/{code}", json=CHANGE, headers=basic(EDITOR))
    assert response.status_code == 200, response.data
    with fresh_engine.connect() as conn:
        assert current_version(conn) > version
    misses = COUNTS.misses
    after = client.get(url).json
    assert COUNTS.misses == misses + 1
    assert after["numberMatched"] == before - 1 == deposit_count(fresh_engine, "status = 'producing'")
