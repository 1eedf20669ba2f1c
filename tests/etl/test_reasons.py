"""Every reject reason the importer can give has Chinese: the translation table is kept complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.reasons import reason_in, reason_zh

ROOT = Path(__file__).resolve().parents[2]
# Literal reasons as they appear in the code: raised problems, problems added per column, reject rows.
LITERAL = re.compile(
    r"(?:ValueProblem|CoordinateError)\(\s*\"([^\"{}]+)\"|"
    r"RowProblem\([^)]*?,\s*\"([^\"{}]+)\"\)|"
    r"p\.add\([^;]*?\"([^\"{}]{12,})\",?\s*\)|"
    r"value, \"([^\"{}]{12,})\"\)|"
    r"InvalidParameter\(\s*\"([A-Z][^\"{}]+ (?:before|needs|cannot|Only)[^\"{}]*)\"",
    re.S,
)
SOURCES = [*sorted((ROOT / "etl").glob("*.py")), ROOT / "geoplatform/approvals/service.py"]
FILE_ERRORS = ("A mapping file",)  # about the file as a whole: an error message, not a row's reason
# Messages of the web forms for pauses and targets: an import never gives them for a row.
NOT_ROW_REASONS = ("pause", "Pause", "'other'", "statutory date", "clock starts", "Unknown approval")


def reasons_in_code() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.update(g for g in match.groups() if g)
    return {r for r in found if not r.startswith(FILE_ERRORS) and not any(w in r for w in NOT_ROW_REASONS)}


def test_the_scan_finds_the_reasons() -> None:
    found = reasons_in_code()
    assert "date in the future" in found and "unknown deposit code" in found and len(found) > 40


@pytest.mark.parametrize("reason", sorted(reasons_in_code()))
def test_every_reason_has_chinese(reason: str) -> None:
    assert reason_zh(reason) != reason


@pytest.mark.parametrize(
    ("reason", "chinese"),
    [
        ("unknown status", "未知的开发利用状况"),
        ("unknown project type", "未知的项目类型"),
        ("status is required", "缺少必填字段 status"),
        ("longer than 500 characters", "超过 500 个字符"),
        (
            "An item that is 'not_started' can only become: preparing, submitted.",
            "事项当前为“not_started”，只能变为：preparing, submitted。",
        ),
        (
            "no CGCS2000 3-degree Gauss-Krüger CRS has central meridian 200E",
            "没有中央经线为东经 200° 的 CGCS2000 3° 带高斯-克吕格坐标系",
        ),
    ],
)
def test_reasons_with_a_variable_part(reason: str, chinese: str) -> None:
    assert reason_zh(reason) == chinese
    assert reason_in(reason, "en") == reason


def test_an_unknown_reason_stays_english() -> None:
    assert reason_zh("something new") == "something new"
