"""Search (/api/v1/search, /search): Chinese, English, pinyin, traditional characters, codes,
commodities and places, ranked, with facets; bad input answered kindly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from geoplatform.search import extra_terms, simplified


def find(client, query: str, **params: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def codes(answer: dict) -> list[str]:
    return [r["code"] for r in answer["results"]]


def test_tokens_are_made_in_sql_whatever_the_database_locale(engine: Engine) -> None:
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT gp_search_tokens(ARRAY['德兴铜矿', 'Dexing copper'])")).scalar_one()
        query = conn.execute(text("SELECT gp_search_query_tokens('德兴铜 Cop')")).scalar_one()
        trigrams = conn.execute(text("SELECT show_trgm('德兴铜矿')")).scalar_one()
    assert {"德", "德兴", "兴铜", "铜矿", "co", "cop", "copper", "dexing"} <= set(tokens)
    assert set(query) == {"德兴", "兴铜", "cop"} and set(query) <= set(tokens)
    # The embedded cluster's LC_CTYPE is C: pg_trgm sees nothing in Chinese, hence these tokens.
    assert trigrams == []


def test_pinyin_and_simplified_forms_are_written_for_search() -> None:
    assert simplified("銅礦") == "铜矿"
    terms = extra_terms("甲基卡锂矿", None, "Jiajika deposit")
    assert "jiajikalikuang" in terms and "jia ji ka li kuang" in terms
    assert "金川铜镍矿" in extra_terms("金川銅鎳礦")


def test_a_chinese_name_finds_its_record_first(client) -> None:
    answer = find(client, "金川")
    assert codes(answer)[0] == "DEP-JINCHUAN"
    assert {"deposit", "company"} <= set(answer["facets"]["type"])
    assert any(r["type"] == "company" and r["code"] == "jinchuan_group" for r in answer["results"])


def test_one_character_finds_names_and_the_commodity(client, engine: Engine) -> None:
    answer = find(client, "锂", type="deposit", limit="100")
    with engine.connect() as conn:
        lithium = set(
            conn.execute(
                text(
                    "SELECT d.code FROM deposit d WHERE d.name_zh LIKE '%锂%' OR d.id IN "
                    "(SELECT deposit_id FROM deposit_commodity WHERE commodity_code = 'lithium')"
                )
            ).scalars()
        )
    assert answer["numberMatched"] == len(lithium) and set(codes(answer)) <= lithium
    assert answer["facets"]["type"] == {"deposit": len(lithium)}
    assert answer["facets"]["commodity"]["lithium"] >= 1


def test_english_word_pinyin_traditional_and_code(client) -> None:
    assert "DEP-JIAJIKA" in codes(find(client, "lithium", limit="100")), "the commodity in English"
    assert codes(find(client, "jiajika"))[0] == "DEP-JIAJIKA", "pinyin typed as one word"
    assert codes(find(client, "Jiajika"))[0] == "DEP-JIAJIKA"
    assert codes(find(client, "金川銅鎳礦"))[0] == "DEP-JINCHUAN", "traditional characters"
    assert codes(find(client, "DEP-JINCHUAN"))[0] == "DEP-JINCHUAN"
    assert codes(find(client, "dep-jinch"))[0] == "DEP-JINCHUAN", "the start of a code"


def test_a_place_finds_its_records_and_facets_filter(client) -> None:
    sichuan = find(client, "四川", type="deposit", limit="100")
    assert sichuan["numberMatched"] > 0 and all(r["region_code"].startswith("51") for r in sichuan["results"])
    chile = find(client, "Chile", limit="100")
    assert chile["numberMatched"] > 0 and {r["country_code"] for r in chile["results"]} == {"CL"}
    narrowed = find(client, "锂", country="AU", limit="100")
    assert narrowed["results"] and {r["country_code"] for r in narrowed["results"]} == {"AU"}
    assert narrowed["facets"]["country"] == {"AU": narrowed["numberMatched"]}


def test_results_link_to_their_record_pages(client) -> None:
    result = find(client, "金川")["results"][0]
    assert result["url"] == "/deposits/DEP-JINCHUAN" and result["lon"] == pytest.approx(102.15)
    assert client.get(result["url"]).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["'; DROP TABLE deposit; --", 'he said "copper"', "🙂🙂", "铜' OR '1'='1", "\\%_", "Cu 铜 медь", "a"],
)
def test_odd_searches_answer_200_and_break_nothing(client, engine: Engine, query: str) -> None:
    answer = find(client, query)
    assert isinstance(answer["results"], list) and answer["query"] == query
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deposit")).scalar_one() > 0


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"q": ""}, "Type something"),
        ({"q": "铜" * 5000}, "at most 200"),
        ({"q": "铜", "type": "mine"}, "deposit, project, company"),
        ({"q": "铜", "limit": "1000"}, "at most 100"),
        ({"q": "铜", "commodity": "unobtainium"}, "commodity"),
        ({"q": "铜", "sort": "x"}, "Unknown parameter"),
        ({"q": "铜", "status": "sleeping"}, "status"),
    ],
)
def test_bad_search_parameters_are_400_with_a_message(client, params: dict, needle: str) -> None:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400 and needle in response.get_json()["description"]


def test_renamed_records_get_new_search_terms(write_app, fresh_engine: Engine) -> None:
    from tests.conftest import EDITOR
    from tests.test_auth import basic

    client = write_app.test_client()
    assert codes(find(client, "jinchuan"))[0] == "DEP-JINCHUAN"
    change = {"name_zh": "白银厂铜矿"}
    assert client.patch("/api/v1/deposits/DEP-JINCHUAN", json=change, headers=basic(EDITOR)).status_code == 200
    assert "DEP-JINCHUAN" in codes(find(client, "baiyinchang")), "pinyin of the new name"


def test_search_this_area_keeps_only_records_located_there(client) -> None:
    everywhere = client.get("/api/v1/search?q=锂&limit=100").json
    sichuan = client.get("/api/v1/search?q=锂&limit=100&bbox=97,26,109,35").json
    assert 0 < sichuan["numberMatched"] < everywhere["numberMatched"]
    for r in sichuan["results"]:
        assert r["type"] != "company" and 97 <= r["lon"] <= 109 and 26 <= r["lat"] <= 35
    assert "DEP-JIAJIKA" in {r["code"] for r in sichuan["results"]}
    bad = client.get("/api/v1/search?q=锂&bbox=97,26,109")
    assert bad.status_code == 400 and "bbox" in bad.json["description"]
    page = client.get("/search?q=锂&bbox=97,26,109,35&lang=zh").get_data(as_text=True)
    assert 'id="gp-area-chip"' in page and "仅限所搜索的区域" in page and 'name="bbox" value="97,26,109,35"' in page
