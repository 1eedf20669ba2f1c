"""Regional project lists (资源开发项目清单): per province and per country abroad, the page, the CSV and
the XLSX laid out for submission show the same rows, and the API gives them with their codes."""

from __future__ import annotations

import csv
import html
import io
import re

from openpyxl import load_workbook
from sqlalchemy import Engine, text


def page_rows(page: str) -> list[list[str]]:
    body = page[page.index('<table class="gp-table gp-project-list">') :]
    body = body[: body.index("</table>")]
    rows = []
    for row in re.findall(r"<tr data-code=.*?</tr>", body, flags=re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def cell(value: object) -> str:
    return "" if value is None else str(value)


def test_the_xlsx_and_csv_of_a_province_match_its_page_row_for_row(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/lists/540000?lang=zh").get_data(as_text=True)
    shown = page_rows(page)
    with engine.connect() as conn:
        expected = conn.execute(
            text("SELECT count(*) FROM project WHERE region_code LIKE '54%' AND stage <> 'closed'")
        ).scalar_one()
    assert len(shown) == expected > 3
    assert "西藏自治区资源开发项目清单" in page and "拉果错盐湖锂资源开发一期" in page
    answer = client.get("/lists/540000?format=xlsx&lang=zh")
    assert answer.status_code == 200 and "spreadsheetml" in answer.mimetype
    sheet = load_workbook(io.BytesIO(answer.data)).active
    values = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].startswith("西藏自治区资源开发项目清单")
    assert values[2][:3] == ["序号", "项目编码", "项目名称"] and values[3][:3] == ["No.", "Code", "Project"]
    assert sheet.freeze_panes == "C5"
    numbers = [[re.sub(r"\.0$", "", v) for v in row] for row in values[4:]]
    assert numbers == shown, "the XLSX is the page's table"
    lakkor = next(row for row in values[4:] if row[1] == "PRJ-LAGUOCUO-PH1")
    header = values[2]
    assert lakkor[header.index("进度状态")] == "滞后" and int(lakkor[header.index("滞后天数")]) > 0
    assert lakkor[header.index("开工（实际）")] and lakkor[header.index("绿色通道")] == "是"
    jiama = next(row for row in values[4:] if row[1] == "PRJ-JIAMA-PH2")
    assert jiama[header.index("运营主体")] == "中国黄金集团有限公司", "the operator is named"
    table = list(
        csv.reader(io.StringIO(client.get("/lists/540000?format=csv&lang=zh").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert table[0][0] == "序号 No." and table[1:] == shown


def test_the_api_gives_the_same_list_with_codes_and_every_area_has_its_count(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/lists/540000").get_json()
    assert answer["area"] == {
        "code": "540000",
        "kind": "province",
        "name_zh": "西藏自治区",
        "name_en": "Xizang (Tibet)",
    }
    codes = [p["code"] for p in answer["projects"]]
    shown = [row[1] for row in page_rows(client.get("/lists/540000").get_data(as_text=True))]
    assert codes == shown and [p["no"] for p in answer["projects"]] == list(range(1, len(codes) + 1))
    lakkor = next(p for p in answer["projects"] if p["code"] == "PRJ-LAGUOCUO-PH1")
    assert lakkor["schedule"] == "behind" and lakkor["approvals_total"] >= lakkor["approvals_granted"] > 0
    assert lakkor["commodities"] == ["lithium"] and lakkor["construction_start_actual_on"]
    congo = client.get("/api/v1/lists/cd").get_json()
    assert congo["area"]["kind"] == "country" and {p["country_code"] for p in congo["projects"]} == {"CD"}
    assert any(p["commissioning_planned_on"] for p in congo["projects"]), "the smelter's milestones are listed"
    index = client.get("/api/v1/lists").get_json()["lists"]
    tibet = next(a for a in index if a["code"] == "540000")
    assert tibet["projects"] == answer["numberReturned"] and tibet["kind"] == "province"
    assert next(a for a in index if a["code"] == "CD")["projects"] == congo["numberReturned"]
    china = client.get("/api/v1/lists/CN").get_json()
    assert china["numberReturned"] == sum(a["projects"] for a in index if a["kind"] == "province")
    page = client.get("/lists?lang=en").get_data(as_text=True)
    assert 'data-code="540000"' in page and 'data-code="CD"' in page and "Regional project lists" in page


def test_a_list_abroad_is_titled_for_its_country_in_both_languages(client) -> None:  # type: ignore[no-untyped-def]
    assert "境外资源开发项目清单（刚果（金））" in client.get("/lists/CD?lang=zh").get_data(as_text=True)
    english = client.get("/lists/CD?lang=en").get_data(as_text=True)
    assert "Resource development projects abroad" in english and "Construction start (planned)" in english


def test_bad_areas_and_parameters_are_refused_with_a_message(client) -> None:  # type: ignore[no-untyped-def]
    for path, status in (
        ("/lists/620100", 400),
        ("/lists/990000", 404),
        ("/lists/XX", 404),
        ("/lists/CHN", 400),
        ("/lists/540000?format=pdf", 400),
        ("/lists/540000?region=62", 400),
        ("/api/v1/lists/12", 400),
    ):
        answer = client.get(path)
        assert answer.status_code == status, path
