"""Importing projects, resource estimates and approval steps: validated, linked, idempotent, undoable."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, import_file, undo_batch
from geoplatform.errors import Conflict

PROJECT_HEADER = [
    "项目编号",
    "项目名称",
    "项目类型",
    "项目阶段",
    "绿色通道",
    "业主单位",
    "经度",
    "纬度",
    "行政区",
    "设计产能(万吨/年)",
    "总投资(亿元)",
    "矿种",
    "依托矿产地",
]
GOOD_PROJECT = [
    "PRJ-IMPORT-1",
    "导入测试镍钴矿山",
    "矿山",
    "在建",
    "是",
    "金川集团股份有限公司",
    "102.1",
    "38.5",
    "甘肃",
    "50",
    "12.5",
    "镍、钴",
    "DEP-BAIYINCHANG",
]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def one(engine: Engine, sql: str, **params: object) -> dict:
    with engine.connect() as conn:
        row = conn.execute(text(sql), params).mappings().first()
    assert row is not None
    return dict(row)


def test_projects_are_linked_to_operator_deposits_and_commodities_and_bad_rows_say_why(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        GOOD_PROJECT,
        [
            "PRJ-IMPORT-2",
            "未知业主项目",
            "mine",
            "planning",
            "否",
            "不存在的公司",
            "102",
            "38",
            "620000",
            "",
            "",
            "",
            "",
        ],
        ["PRJ-IMPORT-3", "未知矿产地项目", "mine", "planning", "", "", "102", "38", "620000", "", "", "", "DEP-NOPE"],
        ["PRJ-IMPORT-4", "类型错误项目", "quarry", "planning", "", "", "102", "38", "620000", "", "", "", ""],
        ["PRJ-IMPORT-5", "绿色通道写错", "mine", "planning", "也许", "", "102", "38", "620000", "", "", "", ""],
    ]
    path = write(tmp_path / "projects.csv", PROJECT_HEADER, rows)
    result = import_file(fresh_engine, ImportRequest(path=path, target="projects"))
    assert result.mapping == "projects"
    assert (result.inserted, result.rows_rejected) == (1, 4)
    reasons = {r.row: (r.column, r.value, r.reason) for r in result.rejects}
    assert reasons[3] == ("业主单位", "不存在的公司", "unknown operator: add the company first")
    assert reasons[4] == ("依托矿产地", "DEP-NOPE", "unknown deposit code")
    assert reasons[5][0] == "项目类型" and "unknown project type" in reasons[5][2]
    assert reasons[6][0] == "绿色通道" and "yes/no" in reasons[6][2]

    project = one(
        fresh_engine,
        """SELECT p.*, c.name_zh AS operator, ST_X(p.geom) AS lon,
                  ARRAY(SELECT commodity_code FROM project_commodity WHERE project_id = p.id ORDER BY 1) AS commodities,
                  ARRAY(SELECT d.code FROM project_deposit pd JOIN deposit d ON d.id = pd.deposit_id
                        WHERE pd.project_id = p.id) AS deposits
           FROM project p LEFT JOIN company c ON c.id = p.operator_id WHERE p.code = 'PRJ-IMPORT-1'""",
    )
    assert project["project_type"] == "mine" and project["stage"] == "construction" and project["green_channel"]
    assert project["operator"] == "金川集团股份有限公司" and project["region_code"] == "620000"
    assert (project["capacity"], project["capacity_unit"]) == (Decimal("50"), "10kt/a")
    assert project["investment_cny_100m"] == Decimal("12.5") and project["lon"] == pytest.approx(102.1)
    assert project["commodities"] == ["cobalt", "nickel"] and project["deposits"] == ["DEP-BAIYINCHANG"]

    again = import_file(fresh_engine, ImportRequest(path=path, target="projects"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)

    changed = write(tmp_path / "projects2.csv", PROJECT_HEADER, [[*GOOD_PROJECT[:9], "60", *GOOD_PROJECT[10:12], ""]])
    second = import_file(fresh_engine, ImportRequest(path=changed, target="projects"))
    assert (second.inserted, second.updated) == (0, 1)
    assert one(fresh_engine, "SELECT capacity FROM project WHERE code = 'PRJ-IMPORT-1'")["capacity"] == 60

    with pytest.raises(Conflict):
        undo_batch(fresh_engine, result.batch_id)  # the later batch changed the same project
    assert undo_batch(fresh_engine, second.batch_id) == {"deleted": 0, "restored": 1}
    restored = one(
        fresh_engine,
        """SELECT capacity, ARRAY(SELECT d.code FROM project_deposit pd JOIN deposit d ON d.id = pd.deposit_id
                                  WHERE pd.project_id = p.id) AS deposits FROM project p WHERE code = 'PRJ-IMPORT-1'""",
    )
    assert restored == {"capacity": Decimal("50"), "deposits": ["DEP-BAIYINCHANG"]}
    assert undo_batch(fresh_engine, result.batch_id) == {"deleted": 1, "restored": 0}
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM project WHERE code LIKE 'PRJ-IMPORT-%'")).scalar_one() == 0


RESOURCE_HEADER = ["矿产地编号", "矿种", "资源储量类型", "矿石量", "金属量", "品位(%)", "估算基准日", "资料来源"]


def test_resource_estimates_keep_chinese_units_and_reimport_changes_nothing(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["DEP-BAIYINCHANG", "铜", "控制资源量", "1200万吨", "5.6万吨", "0.47", "2023-12-31", "导入测试"],
        ["DEP-BAIYINCHANG", "Cu", "推断", "", "2.1万吨", "", "2023-12-31", "导入测试"],
        ["DEP-NOPE", "铜", "推断", "", "1万吨", "", "2023-12-31", ""],
        ["DEP-BAIYINCHANG", "铜", "推断", "", "", "", "2022-12-31", ""],
        ["DEP-BAIYINCHANG", "铜", "猜测资源量", "", "1万吨", "", "2022-12-31", ""],
        ["DEP-BAIYINCHANG", "铜", "推断", "", "-3吨", "", "2022-12-31", ""],
    ]
    path = write(tmp_path / "resources.csv", RESOURCE_HEADER, rows)
    result = import_file(fresh_engine, ImportRequest(path=path, target="resources"))
    assert (result.inserted, result.rows_rejected) == (2, 4)
    reasons = {r.row: r.reason for r in result.rejects}
    assert reasons[4] == "unknown deposit code"
    assert reasons[5] == "an estimate needs an ore tonnage or a contained quantity"
    assert "unknown category" in reasons[6] and reasons[7] == "a quantity cannot be negative"
    indicated = one(
        fresh_engine,
        """SELECT e.* FROM resource_estimate e JOIN deposit d ON d.id = e.deposit_id
           WHERE d.code = 'DEP-BAIYINCHANG' AND e.category = 'indicated' AND e.batch_id = :b""",
        b=result.batch_id,
    )
    assert (indicated["ore_tonnage"], indicated["ore_unit"]) == (Decimal("1200"), "10kt")
    assert (indicated["contained"], indicated["contained_unit"]) == (Decimal("5.6"), "10kt")
    assert (indicated["grade"], indicated["grade_unit"]) == (Decimal("0.47"), "pct")
    assert indicated["method"] == "gbt17766_2020" and indicated["as_of"] == dt.date(2023, 12, 31)

    again = import_file(fresh_engine, ImportRequest(path=path, target="resources"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert undo_batch(fresh_engine, again.batch_id) == {"deleted": 0, "restored": 0}
    assert undo_batch(fresh_engine, result.batch_id) == {"deleted": 2, "restored": 0}


APPROVAL_HEADER = ["项目编号", "审批事项", "状态", "日期", "批复文号", "备注"]


def test_approval_steps_replay_through_the_workflow_with_history_and_deadlines(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    import_file(
        fresh_engine, ImportRequest(path=write(tmp_path / "p.csv", PROJECT_HEADER, [GOOD_PROJECT]), target="projects")
    )
    rows = [
        ["PRJ-IMPORT-1", "节能审查", "已提交", "2025-03-03", "", "线上提交"],
        ["PRJ-IMPORT-1", "节能审查", "受理", "2025-03-10", "", ""],
        ["PRJ-IMPORT-1", "采矿证", "批复", "2025-03-12", "", ""],
        ["PRJ-IMPORT-1", "节能审查", "批复", "2025-04-01", "甘发改能评〔2025〕12号", ""],
        ["PRJ-NOPE", "节能审查", "已提交", "2025-03-03", "", ""],
        ["PRJ-IMPORT-1", "节能审查", "已提交", "2099-01-01", "", ""],
    ]
    path = write(tmp_path / "approvals.csv", APPROVAL_HEADER, rows)
    result = import_file(fresh_engine, ImportRequest(path=path, target="approvals", username="steward"))
    reasons = {r.row: r.reason for r in result.rejects}
    assert set(reasons) == {4, 6, 7}
    assert "can only become" in reasons[4]  # not_started → approved is not a legal step
    assert reasons[6] == "unknown project code" and reasons[7] == "date in the future"
    assert (result.inserted, result.updated) == (1, 3)  # one item created, three steps applied
    item = one(
        fresh_engine,
        """SELECT i.* FROM approval_item i JOIN project p ON p.id = i.project_id
           WHERE p.code = 'PRJ-IMPORT-1' AND i.kind = 'energy_review'""",
    )
    assert item["status"] == "approved" and item["accepted_on"] == dt.date(2025, 3, 10)
    assert item["statutory_due_on"] is not None and item["document_number"] == "甘发改能评〔2025〕12号"
    history = (
        "SELECT count(*) FROM approval_event e JOIN project p ON p.id = e.project_id WHERE p.code = 'PRJ-IMPORT-1'"
    )
    with fresh_engine.connect() as conn:
        events = conn.execute(text(history)).scalar_one()
        actors = set(conn.execute(text(history.replace("count(*)", "e.actor"))).scalars())
    assert actors == {"steward"}

    again = import_file(fresh_engine, ImportRequest(path=path, target="approvals", username="steward"))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    with fresh_engine.connect() as conn:
        assert conn.execute(text(history)).scalar_one() == events

    assert undo_batch(fresh_engine, again.batch_id, "steward") == {"deleted": 0, "restored": 0}
    assert undo_batch(fresh_engine, result.batch_id, "steward") == {"deleted": 0, "restored": 1}
    item = one(
        fresh_engine,
        """SELECT i.status, i.accepted_on FROM approval_item i JOIN project p ON p.id = i.project_id
           WHERE p.code = 'PRJ-IMPORT-1' AND i.kind = 'energy_review'""",
    )
    assert item == {"status": "not_started", "accepted_on": None}
    with fresh_engine.connect() as conn:
        assert conn.execute(text(history)).scalar_one() == events + 1  # the undo is history too


def test_a_mapping_for_another_target_is_refused(fresh_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", PROJECT_HEADER, [GOOD_PROJECT])
    with pytest.raises(Exception, match="That mapping is for deposits"):
        import_file(fresh_engine, ImportRequest(path=path, target="projects", mapping="geoplatform"))
