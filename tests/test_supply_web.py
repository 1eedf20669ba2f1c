"""The supply pages and API on the demo: what they show is what the last evaluation stored, in both
languages, with CSV for every table, 4xx for bad input and 401/403 for writes without the role."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine, text

from tests.conftest import EDITOR, VIEWER
from tests.test_auth import basic


def latest_composites(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT commodity_code, level FROM warning_composite "
                    "WHERE evaluation_id = (SELECT max(id) FROM warning_evaluation)"
                )
            ).all()
        )


def test_the_overview_api_and_page_show_the_composites_of_the_last_evaluation(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    stored = latest_composites(engine)
    answer = client.get("/api/v1/supply").get_json()
    levels = {c["code"]: c["level"] for c in answer["commodities"] if c["level"]}
    assert levels == stored
    lithium = next(c for c in answer["commodities"] if c["code"] == "lithium")
    assert lithium["reason"][0]["level"] == "red" and len(lithium["trend"]) > 5 and lithium["illustrative"]
    page = client.get("/supply?lang=zh").get_data(as_text=True)
    for code, level in stored.items():
        assert f'data-commodity="{code}" data-level="{level}"' in page
    assert "红色预警" in page and "示意" in page and "综合等级" in page
    english = client.get("/supply?lang=en").get_data(as_text=True)
    assert "Red warning" in english and "Supply security" in english
    table = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/supply?format=csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert {r["code"]: r["level"] for r in table if r["level"]} == stored


def test_the_warnings_list_filters_by_level_and_its_csv_matches(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        red = conn.execute(text("SELECT count(*) FROM warning_level WHERE latest AND level = 'red'")).scalar_one()
    answer = client.get("/api/v1/supply/warnings?level=red").get_json()
    assert answer["numberReturned"] == red and all(w["level"] == "red" for w in answer["warnings"])
    page = client.get("/supply/warnings?level=red&lang=zh").get_data(as_text=True)
    assert page.count('data-level="red"') == red
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v1/supply/warnings?format=csv&level=red").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert len(rows) == red
    history = client.get("/api/v1/supply/warnings?history=true&commodity=lithium").get_json()["warnings"]
    assert any(not w["latest"] for w in history)


def test_a_commodity_page_draws_its_indicators_with_thresholds_and_links_to_the_map(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/supply/lithium?lang=zh").get_data(as_text=True)
    assert "示意数据" in page and "/?commodity=lithium" in page
    assert page.count('class="gp-line"') >= 8, "one chart per series"
    assert 'data-indicator="import_dependence" data-scope="country:CN"' in page
    assert "stroke-dasharray" in page, "thresholds are drawn"
    api = client.get("/api/v1/supply/lithium").get_json()
    assert api["level"] == "red" and {w["indicator"] for w in api["warnings"]} >= {
        "import_dependence",
        "price_volatility",
    }
    series = client.get("/api/v1/supply/lithium?format=csv").get_data(as_text=True)
    assert series.lstrip("\ufeff").startswith(
        "indicator,scope_kind,scope_code,period_kind,period_start,value,base_unit"
    )
    assert client.get("/supply/tungsten").status_code == 200, "a mineral without values has its (empty) page"


def test_bad_supply_requests_get_clear_4xx(client) -> None:  # type: ignore[no-untyped-def]
    for url, status in (
        ("/api/v1/supply/warnings?level=purple", 400),
        ("/api/v1/supply/warnings?history=maybe", 400),
        ("/api/v1/supply?colour=red", 400),
        ("/api/v1/supply/nope", 404),
        ("/api/v1/supply/Bad-Code", 400),
        ("/api/v1/supply/lithium?format=xml", 400),
        ("/supply/nope", 404),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert b"Traceback" not in response.data


RULE = {
    "indicator": "inventory_cover",
    "commodity": "copper",
    "direction": "falling",
    "blue": 30,
    "yellow": 15,
    "red": 10,
    "effective_from": "2020-01-01",
    "scope_kind": "country",
    "scope_code": "CN",
    "note": "测试",
}


def test_rule_writes_need_an_editor_are_audited_and_evaluate_at_once(write_app, fresh_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client = write_app.test_client()
    assert client.post("/api/v1/supply/rules", json=RULE).status_code == 401
    assert client.post("/api/v1/supply/rules", json=RULE, headers=basic(VIEWER)).status_code == 403
    bad = client.post("/api/v1/supply/rules", json={**RULE, "red": 40}, headers=basic(EDITOR))  # red above yellow
    assert bad.status_code == 400 and "shrink" in bad.get_json()["description"]
    made = client.post("/api/v1/supply/rules", json=RULE, headers=basic(EDITOR))
    assert made.status_code == 201, made.data
    rule_id = made.get_json()["id"]
    with fresh_engine.connect() as conn:
        who = conn.execute(text("SELECT created_by FROM warning_rule WHERE id = :i"), {"i": rule_id}).scalar_one()
        level = conn.execute(
            text("SELECT level FROM warning_level WHERE latest AND rule_id = :i"), {"i": rule_id}
        ).scalar_one()
    assert who == EDITOR[0]
    assert level == "blue"  # the demo's copper inventory covers 20 days in 2025: at most 30, above 15
    listed = client.get("/api/v1/supply/rules?commodity=copper").get_json()["rules"]
    assert any(r["id"] == rule_id and r["created_by"] == EDITOR[0] for r in listed)
    gone = client.post(f"/api/v1/supply/rules/{rule_id}/withdraw", headers=basic(EDITOR))
    assert gone.status_code == 200
    assert client.post(f"/api/v1/supply/rules/{rule_id}/withdraw", headers=basic(EDITOR)).status_code == 404
    assert client.post("/api/v1/supply/evaluate").status_code == 401
    assert client.post("/api/v1/supply/evaluate", headers=basic(EDITOR)).status_code == 201


def test_editors_add_and_withdraw_rule_versions_through_the_commodity_page(write_app, fresh_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from tests.test_approval_pages import login
    from tests.test_auth import csrf_token

    client = write_app.test_client()
    anonymous = client.get("/supply/graphite?lang=en").get_data(as_text=True)
    assert 'id="rule-versions"' in anonymous and "New rule version" not in anonymous
    form = {
        "indicator": "import_dependence",
        "scope_kind": "country",
        "scope_code": "CN",
        "direction": "rising",
        "blue": "0.1",
        "yellow": "0.2",
        "red": "0.3",
        "effective_from": "2020-01-01",
        "note": "页面表单 / page form",
    }
    assert client.post("/supply/graphite/rules", data=form).status_code == 400  # no CSRF token
    login(client, VIEWER)
    token = csrf_token(client, "/supply/graphite")
    assert client.post("/supply/graphite/rules", data={**form, "csrf_token": token}).status_code == 403
    client = write_app.test_client()
    login(client, EDITOR)
    token = csrf_token(client, "/supply/graphite")
    bad = client.post("/supply/graphite/rules", data={**form, "red": "0.05", "csrf_token": token})
    assert bad.status_code == 302
    assert "thresholds must grow" in client.get("/supply/graphite?lang=en").get_data(as_text=True)
    saved = client.post("/supply/graphite/rules", data={**form, "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#rules")
    with fresh_engine.connect() as conn:
        rule = conn.execute(
            text(
                "SELECT id, created_by, note FROM warning_rule WHERE commodity_code = 'graphite' AND note LIKE '页面%'"
            )
        ).one()
        evaluated = conn.execute(text("SELECT username FROM warning_evaluation ORDER BY id DESC LIMIT 1")).scalar_one()
    assert rule.created_by == EDITOR[0] and evaluated == EDITOR[0], "the rule is traced and judged at once"
    page = client.get("/supply/graphite?lang=en").get_data(as_text=True)
    assert f'data-rule="{rule.id}" class="gp-current"' in page and "New rule version" in page
    world = client.post(
        "/supply/graphite/rules",
        data={**form, "indicator": "price_volatility", "scope_kind": "world", "scope_code": "", "csrf_token": token},
    )
    assert world.status_code == 302
    for odd in ({"scope_code": "X" * 61}, {"note": "a\x00b"}, {"scope_kind": "galaxy"}, {"indicator": ""}):
        answer = client.post("/supply/graphite/rules", data={**form, **odd, "csrf_token": token})
        assert answer.status_code == 302, odd  # a message on the page, never a server error
    with fresh_engine.connect() as conn:
        scopes = conn.execute(
            text(
                "SELECT scope_kind, scope_code FROM warning_rule WHERE commodity_code = 'graphite' AND created_by = :u"
            ),
            {"u": EDITOR[0]},
        ).all()
        copper = conn.execute(text("SELECT id FROM warning_rule WHERE commodity_code = 'copper' LIMIT 1")).scalar_one()
    assert sorted(scopes) == [("country", "CN"), ("world", "")]
    client.post(f"/supply/graphite/rules/{copper}/withdraw", data={"csrf_token": token})
    assert "No rule version in force has that id" in client.get("/supply/graphite?lang=en").get_data(as_text=True)
    client.post(f"/supply/graphite/rules/{rule.id}/withdraw", data={"csrf_token": token})
    assert f'data-rule="{rule.id}" class="gp-past"' in client.get("/supply/graphite?lang=en").get_data(as_text=True)
