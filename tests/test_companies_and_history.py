"""Company pages and their GeoJSON, and the history of a record: import batches and traced edits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, import_file
from tests.conftest import EDITOR
from tests.etl.test_import_files import SURVEY_ROWS, write_csv
from tests.test_auth import basic


def test_a_company_page_shows_its_subsidiaries_and_what_they_hold(client) -> None:
    zh = client.get("/companies/cmoc?lang=zh").get_data(as_text=True)
    assert "洛阳栾川钼业集团股份有限公司" in zh and "中资企业" in zh
    assert 'href="/companies/tenke_fungurume"' in zh or "/companies/" in zh.split("子公司", 1)[1]
    holdings = zh.split('id="holdings"', 1)[1].split("</table>", 1)[0]
    assert 'href="/deposits/DEP-CD-TENKE-FUNGURUME"' in holdings and "80" in holdings
    assert 'data-role="operator"' in holdings, "projects it operates are listed too"
    en = client.get("/companies/cmoc?lang=en").get_data(as_text=True)
    assert "CMOC Group Limited" in en and "Deposits and projects held and operated" in en


def test_a_company_geojson_lists_its_assets_with_their_stakes(client, engine: Engine) -> None:
    body = client.get("/api/v1/companies/cmoc").json
    assert body["type"] == "FeatureCollection"
    by_code = {f["id"]: f for f in body["features"]}
    tenke = by_code["DEP-CD-TENKE-FUNGURUME"]
    assert tenke["geometry"]["type"] == "Point" and tenke["properties"]["share_pct"] == 80
    with engine.connect() as conn:
        stakes = conn.execute(
            text(
                "SELECT count(*) FROM ownership_stake s JOIN company c ON c.id = s.company_id "
                "WHERE c.key = 'cmoc' OR c.parent_id = (SELECT id FROM company WHERE key = 'cmoc')"
            )
        ).scalar_one()
    assert sum(1 for f in body["features"] if f["properties"]["role"] == "stake") == stakes


def test_unknown_and_malformed_company_keys(client) -> None:
    assert client.get("/companies/nobody").status_code == 404
    assert client.get("/api/v1/companies/nobody").json["description"] == "There is no company with that key."
    response = client.get("/companies/NOT%20A%20KEY")
    assert response.status_code == 400 and "lower-case" in response.get_data(as_text=True)


def test_owners_and_search_results_link_to_company_pages(client) -> None:
    page = client.get("/deposits/DEP-CD-TENKE-FUNGURUME?lang=zh").get_data(as_text=True)
    assert 'href="/companies/cmoc"' in page.split('id="owners"', 1)[1]
    found = client.get("/api/v1/search?q=洛阳栾川&type=company").json["results"]
    assert found[0]["url"] == "/companies/cmoc"


def test_an_edit_is_traced_and_shown_in_the_records_history(write_app, fresh_engine: Engine) -> None:
    client = write_app.test_client()
    before = client.get("/deposits/DEP-JINCHUAN?lang=en").get_data(as_text=True)
    assert "No imports or edits yet" in before
    change = {"status": "care_and_maintenance", "status_as_of": "2025-06-30", "source": "annual report"}
    assert client.patch("/api/v1/deposits/DEP-JINCHUAN", json=change, headers=basic(EDITOR)).status_code == 200
    with fresh_engine.connect() as conn:
        edit = conn.execute(text("SELECT username, before, after FROM record_edit WHERE code = 'DEP-JINCHUAN'")).one()
    assert edit.username == EDITOR[0]
    assert edit.after["status"] == "care_and_maintenance" and edit.before["status"] == "producing"
    assert edit.after["status_as_of"] == "2025-06-30"
    page = client.get("/deposits/DEP-JINCHUAN?lang=en").get_data(as_text=True)
    history = page.split('id="history"', 1)[1]
    assert "Edited" in history and EDITOR[0] in history and "producing → care_and_maintenance" in history
    # The same values again change nothing and leave no second trace.
    assert client.patch("/api/v1/deposits/DEP-JINCHUAN", json=change, headers=basic(EDITOR)).status_code == 200
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM record_edit WHERE code = 'DEP-JINCHUAN'")).scalar_one() == 1


def test_an_import_batch_shows_in_the_history_of_the_records_it_wrote(
    write_app, fresh_engine: Engine, tmp_path: Path
) -> None:
    batch = import_file(fresh_engine, ImportRequest(path=write_csv(tmp_path / "survey.csv", SURVEY_ROWS)))
    assert batch.inserted == 2
    page = write_app.test_client().get("/deposits/SV-001?lang=zh").get_data(as_text=True)
    history = page.split('id="history"', 1)[1]
    assert "导入新增" in history and "survey.csv" in history
