"""Turning survey values into domain values: codes, numbers with Chinese units, dates, sentinels.

Each function takes one raw text value and returns the domain value, ``None`` for "not reported", or
raises :class:`ValueProblem` whose message becomes a reject reason. Lookups are built once per import
from the codelists (Chinese and English labels, codes, chemical symbols and common variants).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SENTINELS = frozenset(
    {
        "",
        "<null>",
        "null",
        "none",
        "nan",
        "n.d.",
        "nd",
        "n/a",
        "na",
        "-",
        "--",
        "—",
        "/",
        "无",
        "不详",
        "未知",
        "空",
    }
)
COMMODITY_SPLIT = re.compile(r"\s*(?:[,，、;；/|&＋+]|\+/-|±|和|及|与|\band\b)\s*")
CHINESE_UNITS = {
    "万吨": ("t", 10_000),
    "亿吨": ("t", 100_000_000),
    "千吨": ("t", 1000),
    "吨": ("t", 1),
    "万t": ("t", 10_000),
    "kt": ("t", 1000),
    "mt": ("t", 1_000_000),
    "t": ("t", 1),
}
EXTRA_COMMODITY_ALIASES = {
    "ree": "rare_earths",
    "tree": "rare_earths",
    "稀土矿": "rare_earths",
    "轻稀土": "rare_earths",
    "重稀土": "rare_earths",
    "离子吸附型稀土": "rare_earths",
    "rare earth": "rare_earths",
    "rare earth elements": "rare_earths",
    "石墨": "graphite",
    "晶质石墨": "graphite",
    "鳞片石墨": "graphite",
    "钾": "potash",
    "钾盐": "potash",
    "铂族": "pgm",
    "铂族金属": "pgm",
    "pge": "pgm",
    "pgm": "pgm",
    "platinum group metals": "pgm",
    "锂辉石": "lithium",
    "锂云母": "lithium",
    "卤水锂": "lithium",
    "li2o": "lithium",
    "lce": "lithium",
    "铁矿石": "iron",
    "铝土矿": "aluminium",
    "aluminum": "aluminium",
    "bauxite": "aluminium",
    "磷矿": "phosphate",
    "phosphorus": "phosphate",
    "wolfram": "tungsten",
    "cesium": "cesium",
    "金矿": "gold",
    "岩金": "gold",
    "铀矿": "uranium",
    "萤石矿": "fluorite",
    "钨矿": "tungsten",
}
STATUS_ALIASES = {
    "在产": "producing",
    "生产": "producing",
    "正在开采": "producing",
    "开采": "producing",
    "停产": "care_and_maintenance",
    "停采": "care_and_maintenance",
    "在建": "construction",
    "基建": "construction",
    "闭坑": "closed",
    "关闭": "closed",
    "勘查中": "exploration",
    "mine": "producing",
    "producer": "producing",
    "past producer": "closed",
    "past producing": "closed",
    "occurrence": "occurrence",
    "prospect": "prospect",
    "developed deposit": "producing",
}
SIZE_ALIASES = {
    "大": "large",
    "中": "medium",
    "小": "small",
    "大型矿": "large",
    "中型矿": "medium",
    "小型矿": "small",
    "超大型": "large",
    "特大型": "large",
}

CATEGORY_ALIASES = {
    "探明": "measured",
    "控制": "indicated",
    "推断": "inferred",
    "证实": "proved",
    "可信": "probable",
    "measured": "measured",
    "indicated": "indicated",
    "inferred": "inferred",
    "proven": "proved",
    "proved": "proved",
    "probable": "probable",
    "measured resources": "measured",
    "indicated resources": "indicated",
    "inferred resources": "inferred",
    "proved reserves": "proved",
    "proven reserves": "proved",
    "probable reserves": "probable",
}
METHOD_ALIASES = {
    "gb/t 17766-2020": "gbt17766_2020",
    "gb/t17766-2020": "gbt17766_2020",
    "gbt 17766-2020": "gbt17766_2020",
    "gb/t 17766-1999": "gbt17766_1999",
    "jorc": "jorc_2012",
    "jorc 2012": "jorc_2012",
    "ni 43-101": "ni43_101",
    "43-101": "ni43_101",
    "ni43-101": "ni43_101",
    "s-k 1300": "sk1300",
}
APPROVAL_KIND_ALIASES = {
    "核准": "project_approval",
    "备案": "project_approval",
    "项目核准": "project_approval",
    "项目备案": "project_approval",
    "用地预审": "land_pre_exam",
    "节能审查": "energy_review",
    "节能": "energy_review",
    "环评": "eia_report",
    "环评报告书": "eia_report",
    "环评报告表": "eia_form",
    "水保": "soil_water",
    "安全预评价": "safety_pre_assessment",
    "安全设施设计": "safety_design",
    "开发利用方案": "mineral_plan",
    "采矿证": "mining_licence",
    "采矿许可": "mining_licence",
    "eia": "eia_report",
}
APPROVAL_STATUS_ALIASES = {
    "批复": "approved",
    "已批准": "approved",
    "批准": "approved",
    "受理": "accepted",
    "提交": "submitted",
    "已申报": "submitted",
    "申报": "submitted",
    "审查": "under_review",
    "退回": "returned",
    "补正": "returned",
    "撤回": "withdrawn",
    "不予批准": "rejected",
    "编制": "preparing",
}
PROJECT_STAGE_ALIASES = {"在建": "construction", "投产": "operation", "生产": "operation", "筹建": "planning"}


class ValueProblem(ValueError):
    """A value that cannot be used; the message is the reject reason."""


def clean(value: object, *, fold: bool = True) -> str | None:
    """Trimmed text; ``None`` for empty cells and the usual 'no data' markers.

    ``fold`` turns full-width characters into half-width ones (NFKC) — right for codes, numbers and
    coordinates, wrong for names, whose full-width brackets are part of how Chinese is written.
    """
    if value is None:
        return None
    raw = str(value)
    text = (unicodedata.normalize("NFKC", raw) if fold else raw.replace("\u3000", " ")).strip()
    if unicodedata.normalize("NFKC", text).lower() in SENTINELS:
        return None
    return text


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).strip().lower())


@dataclass
class Vocabulary:
    """Lookups from every spelling users write to the codelists' codes."""

    commodities: dict[str, str]
    codelists: dict[str, dict[str, str]]
    regions: dict[str, str]
    units: dict[str, str]

    @classmethod
    def from_codelists(cls, lists: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Vocabulary:
        def labels(name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
            table: dict[str, str] = {}
            for code, row in lists[name].items():
                for spelling in (code, row.get("name_zh"), row.get("name_en"), row.get("symbol")):
                    if spelling:
                        table.setdefault(_key(str(spelling)), code)
            for spelling, code in (extra or {}).items():
                table.setdefault(_key(spelling), code)
            return table

        regions: dict[str, str] = {}
        for code, row in lists["admin_region"].items():
            regions[code] = code
            for name in (row["name_zh"], row["name_en"]):
                regions[_key(name)] = code
                short = re.sub(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$", "", row["name_zh"])
                regions[_key(short)] = code
            regions[_key(row["name_en"].split(" (")[0])] = code
        units = labels(
            "unit",
            {"%": "pct", "克/吨": "g/t", "g/t": "g/t", "ppm": "g/t", "毫克/升": "mg/L", "mt": "Mt", "百万吨": "Mt"},
        )
        return cls(
            commodities=labels("commodity", EXTRA_COMMODITY_ALIASES),
            codelists={
                "status": labels("development_status", STATUS_ALIASES),
                "stage": labels("exploration_stage"),
                "size_class": labels("size_class", SIZE_ALIASES),
                "deposit_type": labels("deposit_type"),
                "project_type": labels("project_type"),
                "project_stage": labels("project_stage", PROJECT_STAGE_ALIASES),
                "category": labels("resource_category", CATEGORY_ALIASES),
                "method": labels("classification_method", METHOD_ALIASES),
                "approval_kind": labels("approval_kind", APPROVAL_KIND_ALIASES),
                "approval_status": labels("approval_status", APPROVAL_STATUS_ALIASES),
                "target_reason": labels("target_change_reason"),
            },
            regions=regions,
            units=units,
        )

    def __post_init__(self) -> None:
        # Survey columns repeat the same few values: remember each raw value's outcome.
        self._memo: dict[tuple[str, object], Any] = {}

    def _memoised(self, kind: str, raw: object, compute: Any) -> Any:
        key = (kind, raw)
        try:
            outcome = self._memo[key]
        except KeyError:
            try:
                outcome = ("ok", compute(raw))
            except ValueProblem as problem:
                outcome = ("problem", str(problem))
            if len(self._memo) < 100_000:
                self._memo[key] = outcome
        except TypeError:  # unhashable raw value
            outcome = ("ok", compute(raw))
        if outcome[0] == "problem":
            raise ValueProblem(outcome[1])
        return outcome[1]

    def commodity_list(self, raw: object) -> list[str]:
        return list(self._memoised("commodities", raw, self._commodity_list))

    def _commodity_list(self, raw: object) -> tuple[str, ...]:
        text = clean(raw)
        if text is None:
            return ()
        found: list[str] = []
        for token in COMMODITY_SPLIT.split(text):
            token = token.strip(" ()（）")
            if not token:
                continue
            key = _key(token)
            code = self.commodities.get(key) or self.commodities.get(key.rstrip("矿"))
            if code is None:
                raise ValueProblem("unknown commodity (see /api/v1/codelists/commodity)")
            if code not in found:
                found.append(code)
        return tuple(found)

    def code_of(self, list_name: str, raw: object) -> str | None:
        return self._memoised(list_name, raw, lambda value: self._code_of(list_name, value))

    def _code_of(self, list_name: str, raw: object) -> str | None:
        text = clean(raw)
        if text is None:
            return None
        code = self.codelists[list_name].get(_key(text))
        if code is None:
            raise ValueProblem(f"unknown {list_name.replace('_', ' ')}")
        return code

    def region(self, raw: object) -> str | None:
        return self._memoised("region", raw, self._region)

    def _region(self, raw: object) -> str | None:
        text = clean(raw)
        if text is None:
            return None
        if re.fullmatch(r"\d{6}", text):
            province = text[:2] + "0000"  # prefecture and county codes belong to their province
            if province in self.regions:
                return province
            raise ValueProblem("not a GB/T 2260 region code")
        code = self.regions.get(_key(text))
        if code is None:
            raise ValueProblem("unknown administrative region")
        return code

    def unit(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        return self.units.get(_key(raw))


NUMBER_RE = re.compile(r"^(?P<number>[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(?P<unit>\S.*)?$", re.IGNORECASE)


def number_with_unit(raw: object) -> tuple[float | None, str | None]:
    """``'12.5万吨'`` → (12.5, '万吨'); ``'1,234.5'`` → (1234.5, None); sentinels → (None, None)."""
    text = clean(raw)
    if text is None:
        return None, None
    text = text.replace(",", "")
    match = NUMBER_RE.match(text)
    if not match:
        raise ValueProblem("not a number")
    return float(match["number"]), (match["unit"] or None)


def date_value(raw: object, today: dt.date) -> dt.date | None:
    text = clean(raw)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?", text) or re.fullmatch(
        r"(\d{4})年?", text
    )
    if not match:
        raise ValueProblem("not a date (YYYY-MM-DD)")
    year = int(match.group(1))
    month = int(match.group(2)) if match.lastindex and match.lastindex >= 2 and match.group(2) else 12
    day = int(match.group(3)) if match.lastindex and match.lastindex >= 3 and match.group(3) else None
    try:
        if day is None:  # a month or year stands for its last day
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            value = nxt - dt.timedelta(days=1)
        else:
            value = dt.date(year, month, day)
    except ValueError:
        raise ValueProblem("not a valid calendar date") from None
    if value > today:
        raise ValueProblem("date in the future")
    return value
