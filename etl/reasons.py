"""Reject reasons in Chinese: every reason the importer (and the approvals workflow it replays) gives.

Reasons are produced in English where they arise — one message per check, in one place — and
translated here for the reject report (``reason_zh``), the upload page and the CLI in Chinese. Fixed
reasons are looked up whole; the few with a variable part are matched by pattern. A reason without a
translation is shown in English rather than not at all; a test keeps the table complete for the
reasons the importer's own modules contain.
"""

from __future__ import annotations

import re

FIXED: dict[str, str] = {
    "X and Y look swapped: X should be the 7-digit northing, Y the 8-digit easting": "X、Y 疑似颠倒：X 应为 7 位纵坐标（北），Y 应为带带号的 8 位横坐标（东）",
    "X/Y are not Gauss-Krüger coordinates with a zone prefix (7-digit X, 8-digit Y)": "X/Y 不是带带号的高斯-克吕格坐标（X 为 7 位，Y 为 8 位）",
    "X/Y must be numbers in metres": "X/Y 必须是以米为单位的数字",
    "X/Y are missing": "缺少 X/Y 坐标",
    "a code has 2-40 characters: letters, digits, '-' and '_'": "编号须为 2-40 个字符：字母、数字、“-”和“_”",
    "date in the future": "日期晚于今天",
    "degree, minute or second column is not a number": "度、分或秒列不是数字",
    "empty coordinate": "坐标为空",
    "empty geometry": "几何图形为空",
    "not a WKT polygon": "不是 WKT 格式的多边形",
    "a footprint must be a polygon": "范围必须是多边形",
    "the footprint polygon is invalid and cannot be repaired": "范围多边形无效且无法修复",
    "longitude and latitude look swapped": "经度与纬度疑似颠倒",
    "only points and polygons (footprints) can be imported": "只能导入点和面（范围）",
    "investment is in 亿元 (or 万元)": "投资额单位应为亿元（或万元）",
    "minutes and seconds must be below 60": "分和秒必须小于 60",
    "minutes and seconds must be between 0 and 60": "分和秒必须在 0 到 60 之间",
    "not a GB/T 2260 region code": "不是 GB/T 2260 行政区划代码",
    "not a date (YYYY-MM-DD)": "不是日期（YYYY-MM-DD）",
    "not a number": "不是数字",
    "not a recognisable coordinate": "无法识别的坐标",
    "not a valid calendar date": "不是有效的日历日期",
    "not yes/no (是/否, true/false, 1/0)": "不是“是/否”（是/否、true/false、1/0）",
    "one code per cell": "每个单元格只能填一个编号",
    "one commodity per estimate row": "每行资源储量只能填一个矿种",
    "packed ddd.mmss value with minutes or seconds of 60 or more": "ddd.mmss 格式的分或秒大于等于 60",
    "the easting's zone prefix is not a CGCS2000 Gauss-Krüger zone (3°: 25-45, 6°: 13-23)": "横坐标的带号不是 CGCS2000 高斯-克吕格投影带（3°带：25-45，6°带：13-23）",
    "unknown administrative region": "未知的行政区",
    "unknown commodity (see /api/v1/codelists/commodity)": "未知矿种（见 /api/v1/codelists/commodity）",
    "unknown coordinate reference system": "未知的坐标参考系",
    "a grade needs a commodity": "有品位时必须填写矿种",
    "an estimate needs an ore tonnage or a contained quantity": "资源储量须填写矿石量或金属量",
    "no coordinate columns (lon/lat, DMS columns or X/Y) are mapped": "没有映射坐标列（经纬度、度分秒列或 X/Y）",
    "a deposit needs a name": "矿产地须有名称",
    "a project needs a name": "项目须有名称",
    "status is required (map a status column or give --default-status)": "缺少开发利用状况（映射状态列或指定缺省状态）",
    "a grade cannot be negative": "品位不能为负数",
    "a quantity cannot be negative": "数量不能为负数",
    "unknown unit (see /api/v1/codelists/unit)": "未知单位（见 /api/v1/codelists/unit）",
    "the quantity has no unit (write it in the header or the cell)": "数量缺少单位（写在表头括号或单元格中）",
    "the grade has no unit (write it in the header, e.g. 品位(%), or the cell)": "品位缺少单位（写在表头，如“品位(%)”，或单元格中）",
    "the point lies outside China's extent (73-136 E, 3-54 N)": "点位超出中国范围（东经 73-136°，北纬 3-54°）",
    "the point lies outside the globe's extent (longitude -180..180, latitude -90..90)": "坐标超出地球范围（经度 -180 至 180，纬度 -90 至 90）",
    "the point lies in the sea, more than 25 km from any country's land": "该点位于海中，距任何国家的陆地超过 25 千米",
    "a MultiPoint of several points: one location per row": "多点几何含多个点：每行只能有一个位置",
    "the degree, minute and second columns have different signs": "度、分、秒列的正负号不一致",
    "a tonnage cannot be negative": "矿石量不能为负数",
    "not a language code (zh, en, es, …)": "不是语言代码（zh、en、es 等）",
    "not a geometry (WKT, WKB in hex, or GeoJSON)": "不是几何图形（WKT、十六进制 WKB 或 GeoJSON）",
    "the file has no status column: its rows are loaded with status unknown": "文件没有开发利用状况列：各行按“未知”导入",
    "unknown operator: add the company first": "未知业主单位：请先添加该企业",
    "unknown deposit code": "未知矿产地编号",
    "unknown project code": "未知项目编号",
    "unknown company key": "未知企业代码",
    "one commodity per indicator value": "每个指标值只能填一个矿种",
    "scope kind is one of world/全球, country/国家, province/省, company/企业, project/项目": "范围类型须为 world/全球、country/国家、province/省、company/企业、project/项目 之一",
    "unknown country (ISO 3166-1 code or name)": "未知的国家（ISO 3166-1 代码或名称）",
    "unknown scope: world/全球, a country, a province, company:KEY or project:CODE": "未知的范围：应为全球、国家、省份、company:企业代码 或 project:项目编号",
    "a derived indicator is computed from the others, not imported": "派生指标由其他指标计算得出，不能导入",
    "a ratio above 100 % is not a share": "比例不能超过 100%",
    "A change of target date needs a reason (target_reason).": "调整目标日期须说明原因（target_reason）。",
    "A decision cannot come before acceptance (event_date < accepted_on).": "决定日期不能早于受理日期。",
    "A decision cannot come before submission (event_date < submitted_on).": "决定日期不能早于提交日期。",
    "Acceptance cannot come before submission (event_date < submitted_on).": "受理日期不能早于提交日期。",
    "An approval needs its document number (document_number).": "批复须填写文号（document_number）。",
    "Only green-channel projects can carry a green-channel target.": "只有绿色通道项目才能采用绿色通道承诺时限。",
    "The target date cannot be before acceptance.": "目标日期不能早于受理日期。",
    "This event cannot come before submission (event_date < submitted_on).": "该事件日期不能早于提交日期。",
    "Unknown target_reason; see /api/v1/codelists/target_change_reason.": "未知的目标调整原因；见 /api/v1/codelists/target_change_reason。",
    "The project has no approval item of that kind.": "该项目没有此类审批事项。",
    "There is no project with that code.": "没有该编号的项目。",
}
LIST_NAMES = {
    "country": "国家",
    "administrative region": "行政区",
    "status": "开发利用状况",
    "stage": "勘查程度",
    "size class": "规模",
    "deposit type": "矿床类型",
    "project type": "项目类型",
    "project stage": "项目阶段",
    "category": "资源储量类别",
    "method": "分类标准",
    "approval kind": "审批事项",
    "approval status": "审批状态",
    "target reason": "目标调整原因",
}
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"unknown (?P<list>[a-z ]+)$"), "未知的{list}"),
    (
        re.compile(r"unknown (?P<list>[a-z ]+); did you mean: (?P<suggestions>.+)\?$"),
        "未知的{list}；是否指：{suggestions}？",
    ),
    (
        re.compile(r"longitude and latitude look swapped: the swapped point lies in (?P<place>.+)$"),
        "经度与纬度疑似颠倒：互换后的点位于 {place}",
    ),
    (
        re.compile(r"Gauss-Krüger coordinates \(CGCS2000\) lie in China; this point lies in (?P<place>.+)$"),
        "高斯-克吕格坐标（CGCS2000）应位于中国境内；该点位于 {place}",
    ),
    (
        re.compile(r"the file says (?P<stated>.+), the location is in (?P<located>.+)$"),
        "文件填写为 {stated}，坐标位于 {located}",
    ),
    (
        re.compile(r"the point lies (?P<km>[0-9.]+) km off the coast of (?P<place>.+); placed there$"),
        "该点位于 {place} 海岸外 {km} 千米，已归入该国",
    ),
    (re.compile(r"(?P<field>\w+) is required$"), "缺少必填字段 {field}"),
    (re.compile(r"longer than (?P<n>\d+) characters$"), "超过 {n} 个字符"),
    (
        re.compile(r"An item that is '(?P<status>[a-z_]+)' can only become: (?P<next>.+)\.$"),
        "事项当前为“{status}”，只能变为：{next}。",
    ),
    (
        re.compile(r"An item that is '(?P<status>[a-z_]+)' is final and cannot change any more\.$"),
        "事项当前为“{status}”，已办结，不能再变更。",
    ),
    (re.compile(r"Field '(?P<field>\w+)' is in the future; .*$"), "字段 {field} 晚于今天；请在事件发生后再登记。"),
    (
        re.compile(r"the file gives this series and period twice \(first on row (?P<row>\d+)\)$"),
        "文件中同一序列、同一期间出现两次（首次在第 {row} 行）",
    ),
    (
        re.compile(r"the unit (?P<unit>.+) \((?P<q>\w+)\) does not fit (?P<ind>.+): give it in (?P<ok>.+)$"),
        "单位 {unit}（{q}）不适用于{ind}：应使用 {ok} 类单位",
    ),
    (
        re.compile(r"(?P<day>\d{4}-\d{2}-\d{2}) is not the first day of a (?P<kind>\w+): periods cannot overlap$"),
        "{day} 不是{kind}的第一天：期间不能重叠",
    ),
    (re.compile(r"'(?P<raw>.+)' is not a period \(.*\)$"), "“{raw}”不是期间（如 2024、2024-Q3、2024-07、2024年7月）"),
    (re.compile(r"'(?P<raw>.+)' has no month (?P<m>\d+)$"), "“{raw}”没有第 {m} 月"),
    (
        re.compile(r"no CGCS2000 (?P<w>\d)-degree Gauss-Krüger CRS has central meridian (?P<cm>\d+)E$"),
        "没有中央经线为东经 {cm}° 的 CGCS2000 {w}° 带高斯-克吕格坐标系",
    ),
]


def reason_zh(reason: str) -> str:
    """The Chinese for an English reject reason (the English itself when there is none)."""
    fixed = FIXED.get(reason)
    if fixed is not None:
        return fixed
    for pattern, template in PATTERNS:
        match = pattern.match(reason)
        if match:
            parts = match.groupdict()
            if "list" in parts:
                if parts["list"] not in LIST_NAMES:
                    continue
                parts["list"] = LIST_NAMES[parts["list"]]
            return template.format(**parts)
    return reason


def reason_in(reason: str, language: str) -> str:
    return reason_zh(reason) if language == "zh" else reason
