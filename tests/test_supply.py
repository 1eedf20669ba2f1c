"""Supply security: indicator imports with versions, derived indicators against hand-computed values,
warning rules by effective date, the composite level, and the demo reaching every level."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, text

from etl.pipeline import ImportRequest, import_file, undo_batch
from geoplatform.errors import Conflict, InvalidParameter
from geoplatform.supply.derived import DERIVED
from geoplatform.supply.warnings import RuleInput, add_rule, composite, evaluate_all, withdraw_rule

D = dt.date
HEADER = ["指标", "矿种", "范围", "期间", "数值", "单位", "来源"]


def write(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def imported(engine: Engine, path: Path, **options: object):  # type: ignore[no-untyped-def]
    return import_file(engine, ImportRequest(path=path, target="indicators", **options))  # type: ignore[arg-type]


def derived(engine: Engine, indicator: str, commodity: str = "tungsten") -> dict[tuple[str, str, D], float]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT scope_code, period_kind, period_start, value FROM ({DERIVED}) d "  # noqa: S608
                "WHERE indicator = :i AND commodity_code = :c"
            ),
            {"i": indicator, "c": commodity},
        ).all()
    return {(r.scope_code, r.period_kind, r.period_start): r.value for r in rows}


def values(engine: Engine, where: str = "TRUE", **params: object) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                text(f"SELECT * FROM indicator_value WHERE NOT illustrative AND {where} ORDER BY id"),  # noqa: S608
                params,
            ).mappings()
        ]


TUNGSTEN = [
    ["产量", "钨", "中国", "2024", "100", "吨", "测试"],
    ["进口量", "钨", "中国", "2024", "60", "吨", "测试"],
    ["出口量", "钨", "中国", "2024", "10", "吨", "测试"],
    ["储量", "钨", "中国", "2024", "0.2", "万吨", "测试"],
    ["库存", "钨", "中国", "2024", "30", "吨", "测试"],
    ["产能", "钨", "中国", "2024", "200", "吨/年", "测试"],
    ["产量", "钨", "越南", "2024", "30", "吨", "测试"],
    ["产量", "钨", "俄罗斯", "2024", "20", "吨", "测试"],
    ["产量", "钨", "玻利维亚", "2024", "50", "吨", "测试"],
]


def test_indicator_values_load_in_base_units_and_every_derived_indicator_matches_the_hand_computation(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    prices = [
        ["价格", "钨", "全球", f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", p, "美元/吨", "测试"]
        for m, p in enumerate(
            [100, 110, 99, 108.9, 98.01, 107.811, 97.0299, 106.73, 96.06, 105.66, 95.1, 104.6, 94.1, 120], start=1
        )
    ]
    result = imported(fresh_engine, write(tmp_path / "钨.csv", TUNGSTEN + prices))
    assert (result.inserted, result.rows_rejected) == (len(TUNGSTEN) + len(prices), 0), result.rejects
    reserve = values(fresh_engine, "indicator = 'reserves'")[0]
    assert (reserve["value"], reserve["unit"], reserve["value_base"], reserve["base_unit"]) == (
        Decimal("0.2"),
        "10kt",
        2000,
        "t",
    )
    year = ("CN", "year", D(2024, 1, 1))
    # apparent consumption 100 + 60 − 10 = 150; dependence (60 − 10) / 150
    assert derived(fresh_engine, "import_dependence")[year] == pytest.approx(50 / 150)
    assert derived(fresh_engine, "reserve_life")[year] == pytest.approx(2000 / 100)
    assert derived(fresh_engine, "inventory_cover")[year] == pytest.approx(30 / (150 / 366))  # 2024 has 366 days
    assert derived(fresh_engine, "capacity_use")[year] == pytest.approx(100 / (200 * 366 / 365.25))
    world = ("", "year", D(2024, 1, 1))
    # country shares 50, 30, 20 of 100 (China's own row is a country row too: 100 of 200)
    shares = [100 / 200, 50 / 200, 30 / 200, 20 / 200]
    assert derived(fresh_engine, "supply_hhi")[world] == pytest.approx(sum(s * s for s in shares) * 10000)
    assert derived(fresh_engine, "top3_share")[world] == pytest.approx(sum(shares[:3]))
    change = derived(fresh_engine, "price_change")
    assert change[("", "month", D(2024, 1, 1))] == pytest.approx(94.1 / 100 - 1)
    assert change[("", "month", D(2024, 2, 1))] == pytest.approx(120 / 110 - 1)
    series = [100, 110, 99, 108.9, 98.01, 107.811, 97.0299, 106.73, 96.06, 105.66, 95.1, 104.6, 94.1, 120]
    returns = [math.log(b / a) for a, b in itertools.pairwise(series)]

    def volatility(window: list[float]) -> float:
        mean = sum(window) / len(window)
        return math.sqrt(sum((r - mean) ** 2 for r in window) / (len(window) - 1)) * math.sqrt(12)

    vol = derived(fresh_engine, "price_volatility")
    assert set(vol) == {("", "month", D(2024, 1, 1)), ("", "month", D(2024, 2, 1))}, "twelve returns needed"
    assert vol[("", "month", D(2024, 1, 1))] == pytest.approx(volatility(returns[:12]))
    assert vol[("", "month", D(2024, 2, 1))] == pytest.approx(volatility(returns[1:13]))


def test_a_revised_value_keeps_its_earlier_version_and_undo_brings_it_back(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    first = imported(fresh_engine, write(tmp_path / "a.csv", TUNGSTEN[:2]))
    again = imported(fresh_engine, write(tmp_path / "a.csv", TUNGSTEN[:2]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    revised = imported(fresh_engine, write(tmp_path / "b.csv", [["产量", "钨", "中国", "2024", "105", "吨", "修订"]]))
    assert (revised.inserted, revised.updated) == (0, 1)
    versions = values(fresh_engine, "indicator = 'production'")
    assert [(v["value"], v["superseded_at"] is None) for v in versions] == [(100, False), (105, True)]
    assert versions[0]["superseded_by"] == revised.batch_id
    with pytest.raises(Conflict):
        undo_batch(fresh_engine, first.batch_id)
    assert undo_batch(fresh_engine, revised.batch_id) == {"deleted": 0, "restored": 1}
    assert [(v["value"], v["superseded_at"]) for v in values(fresh_engine, "indicator = 'production'")] == [(100, None)]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["产量", "钨", "中国", "2024", "100", "", ""], "数值", "no unit"),
        (["产量", "钨", "中国", "2024", "100", "元/吨", ""], "单位", "does not fit"),
        (["价格", "钨", "中国", "2024", "100", "万吨", ""], "单位", "does not fit"),
        (["产量", "钨", "中国", "2024-02-05", "100", "吨", ""], "期间", "periods cannot overlap"),
        (["产量", "钨", "中国", "2024-13", "100", "吨", ""], "期间", "no month 13"),
        (["对外依存度", "钨", "中国", "2024", "0.5", "比值", ""], "指标", "derived indicator"),
        (["产能利用率", "钨", "中国", "2024", "130", "百分比", ""], "数值", "above 100"),
        (["产量", "钨", "火星", "2024", "100", "吨", ""], "范围", "unknown scope"),
        (["产量", "钨", "company:NOPE", "2024", "100", "吨", ""], "范围", "unknown company"),
        (["产量", "钨", "中国", "2024", "-5", "吨", ""], "数值", "negative"),
        (["产量", "", "中国", "2024", "5", "吨", ""], "矿种", "required"),
    ],
)
def test_a_bad_value_is_a_reject_row_and_nothing_of_it_is_written(
    fresh_engine: Engine, tmp_path: Path, row: list[str], column: str, reason: str
) -> None:
    result = imported(fresh_engine, write(tmp_path / "bad.csv", [row]))
    assert result.rows_rejected == 1 and result.inserted == 0
    assert result.rejects[0].column == column and reason in result.rejects[0].reason, result.rejects
    assert values(fresh_engine) == []


def test_a_period_given_twice_is_rejected_after_its_first_row(fresh_engine: Engine, tmp_path: Path) -> None:
    rows = [TUNGSTEN[0], ["产量", "钨", "CN", "2024年", "101", "吨", ""]]
    result = imported(fresh_engine, write(tmp_path / "twice.csv", rows))
    assert (result.inserted, result.rows_rejected) == (1, 1)
    assert "twice (first on row 2)" in result.rejects[0].reason


def test_an_english_xlsx_with_quarters_percent_and_provinces_loads(fresh_engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "commodity", "scope", "period", "value", "unit", "source"])
    sheet.append(["capacity utilization", "lithium", "青海", "2025-Q2", 81.5, "%", "test"])
    sheet.append(["price", "Li", "world", "2025年第三季度", 9.8, "万元/吨", "test"])
    path = tmp_path / "indicators.xlsx"
    book.save(path)
    result = imported(fresh_engine, path)
    assert (result.inserted, result.rows_rejected) == (2, 0), result.rejects
    price, use = sorted(values(fresh_engine), key=lambda v: v["indicator"], reverse=True)
    assert (use["scope_kind"], use["scope_code"], use["period_kind"], use["period_start"]) == (
        "province",
        "630000",
        "quarter",
        D(2025, 4, 1),
    )
    assert (use["unit"], use["value_base"]) == ("percent", pytest.approx(0.815))
    assert (price["period_end"], price["value_base"], price["base_unit"]) == (D(2025, 9, 30), 98000, "CNY/t")


def test_rule_versions_apply_by_effective_date_and_the_levels_keep_their_history(fresh_engine: Engine) -> None:
    with fresh_engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT l.period_start, l.level, l.previous_level, l.value, r.effective_from, r.red, l.latest
            FROM warning_level l JOIN warning_rule r ON r.id = l.rule_id
            WHERE l.commodity_code = 'lithium' AND l.indicator = 'import_dependence' ORDER BY l.period_start
        """)
        ).all()
    by_year = {r.period_start.year: r for r in rows}
    # 2023: 0.676 under v1 (yellow ≥ 0.65); 2024: 0.688 under v2 (red ≥ 0.62), effective 2024-01-01.
    assert by_year[2021].level == "yellow" and by_year[2021].effective_from == D(2015, 1, 1)
    assert (by_year[2024].level, by_year[2024].previous_level, by_year[2024].red) == ("red", "yellow", 0.62)
    assert by_year[2024].effective_from == D(2024, 1, 1)
    assert by_year[2025].latest and by_year[2025].value == pytest.approx(0.70)
    # Withdrawing v2 judges 2024 by v1 again: yellow throughout since 2021.
    with fresh_engine.connect() as conn:
        v2 = conn.execute(
            text(
                "SELECT id FROM warning_rule WHERE commodity_code = 'lithium' "
                "AND indicator = 'import_dependence' AND effective_from = '2024-01-01'"
            )
        ).scalar_one()
    withdraw_rule(fresh_engine, v2, "editor")
    evaluate_all(fresh_engine, "api", "editor")
    with fresh_engine.connect() as conn:
        now = conn.execute(
            text(
                "SELECT level, period_start FROM warning_level WHERE commodity_code = 'lithium' "
                "AND indicator = 'import_dependence' AND latest"
            )
        ).one()
        withdrawn = conn.execute(text("SELECT withdrawn_by FROM warning_rule WHERE id = :i"), {"i": v2}).scalar_one()
    assert now.level == "yellow" and withdrawn == "editor"


def test_the_demo_reaches_every_level_and_each_is_explained(engine: Engine) -> None:
    with engine.connect() as conn:
        composites = dict(
            conn.execute(
                text("""
            SELECT c.commodity_code, c.level FROM warning_composite c
            WHERE c.evaluation_id = (SELECT max(id) FROM warning_evaluation)""")
            ).all()
        )
        latest = conn.execute(text("SELECT level, value, rule_id FROM warning_level WHERE latest")).all()
        illustrative = conn.execute(text("SELECT bool_and(illustrative) FROM indicator_value")).scalar_one()
    assert set(composites.values()) == {"red", "yellow", "blue", "normal"}
    assert composites == {
        "lithium": "red",
        "cobalt": "red",
        "nickel": "red",
        "copper": "yellow",
        "graphite": "blue",
        "rare_earths": "normal",
    }
    assert {r.level for r in latest} == {"red", "yellow", "blue", "normal"}
    assert all(r.rule_id is not None and r.value is not None for r in latest)
    assert illustrative, "the demo's series are all marked illustrative"


def test_the_composite_rule() -> None:
    assert composite([]) == "normal"
    assert composite(["blue", "normal"]) == "blue"
    assert composite(["blue", "blue"]) == "yellow"
    assert composite(["yellow"]) == "yellow"
    assert composite(["yellow", "yellow"]) == "red"
    assert composite(["red", "normal"]) == "red"


@pytest.mark.parametrize(
    ("direction", "blue", "yellow", "red", "message"),
    [
        ("rising", 0.5, 0.7, 0.6, "must grow"),
        ("falling", 10, 20, 5, "must shrink"),
        ("sideways", 1, 2, 3, "rising"),
    ],
)
def test_contradicting_thresholds_are_refused(
    fresh_engine: Engine, direction: str, blue: float, yellow: float, red: float, message: str
) -> None:
    rule = RuleInput("import_dependence", "tungsten", direction, blue, yellow, red, D(2025, 1, 1))
    with pytest.raises(InvalidParameter, match=message):
        add_rule(fresh_engine, rule, "editor")


def test_evaluation_runs_after_an_import(fresh_engine: Engine, tmp_path: Path) -> None:
    add_rule(
        fresh_engine,
        RuleInput(
            "reserve_life", "tungsten", "falling", 30, 15, 8, D(2020, 1, 1), scope_kind="country", scope_code="CN"
        ),
        "editor",
    )
    imported(fresh_engine, write(tmp_path / "w.csv", [TUNGSTEN[0], TUNGSTEN[3]]))
    with fresh_engine.connect() as conn:
        level = conn.execute(
            text(
                "SELECT l.level, e.trigger FROM warning_level l JOIN warning_evaluation e "
                "ON e.id = l.evaluation_id WHERE l.commodity_code = 'tungsten'"
            )
        ).one()
    assert tuple(level) == ("blue", "import")  # 2000 t ÷ 100 t/a = 20 years: at most 30 (blue), above 15 (yellow)
