"""Offtake and long-term supply agreements: saved whole by an editor with a trace, shown on project and
company pages, listed by the API, and counted in the offtake concentration indicators."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import Engine, text

from tests.conftest import EDITOR, VIEWER
from tests.test_auth import basic

NEW = {
    "buyer": "tsingshan",
    "project": "PRJ-ID-WEDA-BAY-MINE",
    "commodity": "镍",
    "product": "镍铁 nickel pig iron (Ni content)",
    "annual_quantity": 3,
    "unit": "万吨",
    "start_on": "2024-07-01",
    "end_on": "2030-06-30",
    "pricing_basis": "formula",
    "source": "test",
}


def shares(engine: Engine, commodity: str, year: int) -> dict[str, float]:
    """Each source country's contracted tonnes in ``year`` (Chinese buyers, weighted by days in force)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = (last - first).days + 1
    with engine.connect() as conn:
        rows = conn.execute(
            text("""SELECT a.annual_quantity_t, a.start_on, a.end_on, coalesce(p.country_code, s.country_code)
                    FROM offtake_agreement a JOIN chinese_company c ON c.id = a.buyer_id
                    LEFT JOIN project p ON p.id = a.project_id LEFT JOIN company s ON s.id = a.seller_id
                    WHERE a.commodity_code = :c"""),
            {"c": commodity},
        ).all()
    found: dict[str, float] = {}
    for tonnes, start, end, country in rows:
        overlap = (min(end or last, last) - max(start, first)).days + 1
        if overlap > 0:
            found[country] = found.get(country, 0.0) + float(tonnes) * overlap / days
    return found


def stored(engine: Engine, indicator: str, commodity: str, year: int) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text("""SELECT value FROM derived_value WHERE indicator = :i AND commodity_code = :c
                        AND scope_kind = 'country' AND scope_code = 'CN' AND period_start = :d
                        AND evaluation_id = (SELECT max(id) FROM warning_evaluation)"""),
                {"i": indicator, "c": commodity, "d": dt.date(year, 1, 1)},
            ).scalar_one()
        )


def test_offtake_concentration_is_the_hhi_and_top3_of_contracted_tonnes_by_source_country(engine: Engine) -> None:
    for year in (2019, 2024):
        by_country = shares(engine, "lithium", year)
        total = sum(by_country.values())
        hhi = sum((t / total) ** 2 for t in by_country.values()) * 10000
        top3 = sum(sorted(by_country.values(), reverse=True)[:3]) / total
        assert stored(engine, "offtake_hhi", "lithium", year) == pytest.approx(hhi, rel=1e-9)
        assert stored(engine, "offtake_top3_share", "lithium", year) == pytest.approx(top3, rel=1e-9)
    assert set(shares(engine, "lithium", 2024)) == {"AU", "AR", "ZW"}, "Goulamina starts in 2025"
    with engine.connect() as conn:
        future = conn.execute(
            text("SELECT max(period_start) FROM derived_value WHERE indicator = 'offtake_hhi'")
        ).scalar_one()
    assert future.year == dt.date.today().year, "no year beyond this one is counted"


def test_project_and_company_pages_show_their_agreements(client) -> None:  # type: ignore[no-untyped-def]
    project = client.get("/projects/PRJ-AU-PILGANGOORA?lang=zh").get_data(as_text=True)
    section = project[project.index('id="agreements"') :]
    assert 'data-code="OFT-PILGAN-GANFENG"' in section and 'data-code="OFT-PILGAN-YIBIN"' in section
    assert "包销及长期供应协议" in section and "江西赣锋锂业集团股份有限公司" in section and "公式定价" in section
    company = client.get("/companies/ganfeng_lithium?lang=en").get_data(as_text=True)
    listed = company[company.index('id="agreements"') :]
    for code in ("OFT-MT-MARION-GANFENG", "OFT-GOULAMINA-GANFENG", "OFT-CAUCHARI-GANFENG"):
        assert f'data-code="{code}"' in listed
    goulamina = re.search(r'data-code="OFT-GOULAMINA-GANFENG".*?</tr>', listed, flags=re.S)
    assert goulamina and "<td>50 ten thousand tonnes (10⁴ t)/year</td>" in goulamina.group(0)
    assert "E+" not in listed, "quantities are written as people write them"
    seller = client.get("/companies/mp_materials?lang=en").get_data(as_text=True)
    assert 'data-code="OFT-MTNPASS-SHENGHE" class="gp-past"' in seller, "an ended agreement is shown as past"


def test_the_api_lists_agreements_by_commodity_project_and_company_with_csv(client) -> None:  # type: ignore[no-untyped-def]
    lithium = client.get("/api/v1/agreements?commodity=锂").get_json()["agreements"]
    assert lithium and {a["commodity_code"] for a in lithium} == {"lithium"}
    ganfeng = client.get("/api/v1/agreements?company=ganfeng_lithium").get_json()["agreements"]
    assert {a["buyer_key"] for a in ganfeng} == {"ganfeng_lithium"} and len(ganfeng) == 4
    one = client.get("/api/v1/agreements/OFT-MT-MARION-GANFENG").get_json()
    assert (one["annual_quantity_t"], one["source_country_code"], one["in_force"]) == (450000, "AU", True)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/agreements?format=csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert len(rows) == client.get("/api/v1/agreements").get_json()["numberReturned"]
    assert client.get("/api/v1/agreements/OFT-NONE").status_code == 404
    assert client.get("/api/v1/agreements?colour=red").status_code == 400
    assert client.get("/api/v1/agreements?commodity=unobtainium").status_code == 400


def test_editors_save_agreements_whole_and_every_change_is_traced(write_app, fresh_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client = write_app.test_client()
    url = "/api/v1/agreements/OFT-WEDA-TSINGSHAN"
    assert client.put(url, json=NEW).status_code == 401
    assert client.put(url, json=NEW, headers=basic(VIEWER)).status_code == 403
    created = client.put(url, json=NEW, headers=basic(EDITOR))
    assert created.status_code == 201 and created.get_json()["outcome"] == "created"
    saved = client.get(url).get_json()
    assert (saved["commodity_code"], saved["quantity_unit"], saved["annual_quantity_t"]) == ("nickel", "10kt", 30000)
    assert created.get_json()["version"] == 1 and created.headers["ETag"] == '"1"'
    exists = client.put(url, json=NEW, headers=basic(EDITOR))
    assert exists.status_code == 409 and "version" in exists.get_json()["description"], (
        "a replacement names its version"
    )
    again = client.put(url, json={**NEW, "version": 1}, headers=basic(EDITOR))
    assert again.status_code == 200 and again.get_json() == {
        "code": "OFT-WEDA-TSINGSHAN",
        "outcome": "unchanged",
        "version": 1,
    }
    changed = client.put(
        url, json={**NEW, "annual_quantity": 4, "end_on": None}, headers={**basic(EDITOR), "If-Match": '"1"'}
    )
    assert changed.get_json()["outcome"] == "updated" and changed.get_json()["version"] == 2
    stale = client.put(url, json={**NEW, "annual_quantity": 5, "version": 1}, headers=basic(EDITOR))
    assert stale.status_code == 409, "the second of two editors who read version 1 is refused"
    assert client.put(url, json={**NEW, "version": 1.9}, headers=basic(EDITOR)).status_code == 400
    with fresh_engine.connect() as conn:
        trace = conn.execute(
            text(
                "SELECT username, before, after FROM record_edit WHERE layer = 'agreements' AND code = :c ORDER BY id"
            ),
            {"c": "OFT-WEDA-TSINGSHAN"},
        ).all()
    assert [t.username for t in trace] == [EDITOR[0], EDITOR[0]]
    assert trace[1].before == {"annual_quantity": "3", "end_on": "2030-06-30"}
    assert trace[1].after == {"annual_quantity": "4", "end_on": None}
    for bad in (
        {**NEW, "unit": "USD/t"},
        {**NEW, "buyer": "nobody"},
        {**NEW, "end_on": "2020-01-01"},
        {**NEW, "seller": "tsingshan"},
        {**NEW, "project": None},
        {**NEW, "annual_quantity": 0},
        {**NEW, "annual_quantity": "many"},
        {**NEW, "pricing_basis": "barter"},
        {**NEW, "source": ""},
        {**NEW, "start_on": "July 2024"},
        {**NEW, "annual_quantity": "1e999999"},
        {**NEW, "annual_quantity": "NaN"},
        {**NEW, "annual_quantity": "1E-500000"},
        {**NEW, "buyer": 7},
    ):
        answer = client.put(url, json=bad, headers=basic(EDITOR))
        assert answer.status_code == 400 and answer.get_json()["description"], bad
    assert client.put("/api/v1/agreements/bad code", json=NEW, headers=basic(EDITOR)).status_code == 400
    assert client.put("/api/v1/agreements/" + "A" * 41, json=NEW, headers=basic(EDITOR)).status_code == 400
    # Saving an agreement judges the offtake indicators again: no separate evaluation needed.
    assert stored(fresh_engine, "offtake_hhi", "nickel", 2025) == pytest.approx(
        sum(
            (t / sum(shares(fresh_engine, "nickel", 2025).values())) ** 2
            for t in shares(fresh_engine, "nickel", 2025).values()
        )
        * 10000
    )
