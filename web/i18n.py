"""Chinese and English for the user interface.

Two languages and a few dozen labels: a dictionary is clearer than a gettext tool chain, and every
domain label (commodity, status, region …) already comes in both languages from the codelists.
The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language, then the setting.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request

from etl.reasons import reason_in
from web import context

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # key: (Chinese, English)
    "app_name": ("战略性矿产资源基础数据平台", "Strategic Mineral Resources Data Platform"),
    "search": ("搜索", "Search"),
    "search_label": ("搜索矿产地、项目、企业", "Search deposits, projects, companies"),
    "search_placeholder": (
        "名称、拼音、编号、矿种或地名，如 金川、jiajika、锂",
        "Name, pinyin, code, commodity or place, e.g. lithium",
    ),
    "search_found": ("找到 {n} 条结果", "{n} results"),
    "search_none": (
        "没有找到与“{q}”匹配的记录。可尝试更短的词、拼音或英文名。",
        "Nothing matches “{q}”. Try a shorter word, pinyin or the English name.",
    ),
    "search_not_understood": (
        "“{q}”中没有可搜索的文字（汉字、字母或数字）。",
        "“{q}” has nothing to search for (Chinese characters, letters or digits).",
    ),
    "search_all_types": ("全部类型", "All types"),
    "search_remove_filter": ("取消筛选", "remove filter"),
    "search_more": ("下一页", "Next page"),
    "search_previous": ("上一页", "Previous page"),
    "search_map": ("结果位置", "Where the results are"),
    "facet_type": ("类型", "Type"),
    "facet_commodity": ("矿种", "Commodity"),
    "facet_status": ("状态/阶段", "Status / stage"),
    "facet_country": ("国家", "Country"),
    "facet_province": ("省份", "Province"),
    "type_deposit": ("矿产地", "Deposit"),
    "type_project": ("开发项目", "Project"),
    "type_company": ("企业", "Company"),
    "map": ("地图", "Map"),
    "api": ("接口", "API"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "deposits": ("矿产地", "Deposits"),
    "projects": ("开发项目", "Projects"),
    "legend": ("图例", "Legend"),
    "code": ("编号", "Code"),
    "name": ("名称", "Name"),
    "commodities": ("矿种", "Commodities"),
    "primary": ("主矿种", "primary"),
    "associated": ("共伴生", "associated"),
    "grade": ("品位", "Grade"),
    "deposit_type": ("矿床类型", "Deposit type"),
    "stage": ("勘查程度", "Exploration stage"),
    "project_stage": ("项目阶段", "Project stage"),
    "size_class": ("规模", "Size class"),
    "status": ("开发状态", "Development status"),
    "as_of": ("截至", "as of"),
    "region": ("行政区", "Region"),
    "location": ("位置", "Location"),
    "source": ("来源", "Source"),
    "resources": ("资源量与储量", "Resources and reserves"),
    "category": ("类别", "Category"),
    "method": ("分类标准", "Classification"),
    "ore": ("矿石量", "Ore"),
    "contained": ("金属量", "Contained"),
    "resources_note": (
        "资源量与储量分别列示，不相加。",
        "Resources and reserves are listed separately and never added together.",
    ),
    "project_type": ("项目类型", "Project type"),
    "operator": ("运营主体", "Operator"),
    "capacity": ("产能", "Capacity"),
    "investment": ("总投资（亿元）", "Investment (10⁸ CNY)"),
    "green_channel": ("绿色通道", "Green channel"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "linked_deposits": ("关联矿产地", "Linked deposits"),
    "linked_projects": ("关联项目", "Linked projects"),
    "none": ("无", "none"),
    "details": ("详情", "Details"),
    "demo_notice": (
        "演示数据：位置与数值为公开资料中的近似值，仅供演示。",
        "Demonstration data: locations and figures are approximate public values, for demonstration only.",
    ),
    "deposit_status": ("矿产地开发状况", "Deposit status"),
    "at_home_abroad": ("国内 / 国外", "At home / abroad"),
    "choropleth": ("分级着色", "Choropleth"),
    "choropleth_country": ("各国矿产地数", "Deposits per country"),
    "choropleth_province": ("各省矿产地数", "Deposits per province"),
    "loading": ("加载中……", "Loading…"),
    "clusters": ("聚合", "Clusters"),
    "cluster_legend": ("数字为聚合的记录数;点击放大或列出", "Number of records; click to zoom in or list them"),
    "by_primary_commodity": ("按主矿种", "by primary commodity"),
    "next_deadline": ("下一截止日期", "Next deadline"),
    "zoom_in": ("放大到此处", "Zoom in here"),
    "cluster_of": ("此处 {n} 条记录", "{n} records here"),
    "matched": ("符合条件", "matching"),
    "count_unknown": ("数量未知", "count unknown"),
    "no_matches": ("没有符合条件的记录,请放宽筛选条件。", "Nothing matches these filters; try fewer."),
    "other": ("其他", "Other"),
    "catalogue_stats": ("矿产地与项目统计", "The catalogue in numbers"),
    "approval_stats": ("今日审批统计", "Approvals today"),
    "per_mineral": ("按战略性矿种(国内 / 国外)", "per strategic mineral (at home / abroad)"),
    "how": ("方式", "How"),
    "what_changed": ("变更内容", "What changed"),
    "history_import_insert": ("导入新增", "Imported (new)"),
    "history_import_update": ("导入更新", "Imported (update)"),
    "undone": ("已撤销", "undone"),
    "history_edit": ("在线编辑", "Edited"),
    "history_before": ("更新前", "Before"),
    "history_none": (
        "没有导入或编辑记录(演示数据随系统加载)。",
        "No imports or edits yet (the demo data is loaded with the system).",
    ),
    "company_key": ("企业标识", "Company key"),
    "chinese_company": ("中资企业", "Chinese company"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "subsidiaries": ("子公司", "Subsidiaries"),
    "holdings": ("持有与运营的矿产地和项目", "Deposits and projects held and operated"),
    "record": ("记录", "Record"),
    "type": ("类型", "Type"),
    "role": ("关系", "Role"),
    "held_by": ("持有方", "Held by"),
    "role_stake": ("持股", "Stake"),
    "role_operator": ("运营", "Operator"),
    "directly": ("本公司直接", "Directly"),
    "basemap_offline": ("离线底图", "Offline basemap"),
    "basemap_online": ("在线底图", "Online basemap"),
    "login_failed": ("用户名或密码错误。", "Wrong user name or password."),
    "logged_in_as": ("当前用户", "Signed in as"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "error": ("错误", "Error"),
    "approvals": ("审批进度", "Approvals"),
    "board": ("审批看板", "Approval board"),
    "dashboard": ("统计", "Dashboard"),
    "approval_kind": ("审批事项", "Approval"),
    "approval_status": ("状态", "Status"),
    "authority": ("审批机关", "Authority"),
    "submitted_on": ("提交", "Submitted"),
    "accepted_on": ("受理", "Accepted"),
    "decided_on": ("批复", "Decided"),
    "document_number": ("文号", "Document no."),
    "target_on": ("目标日期", "Target"),
    "statutory_due_on": ("法定期限", "Statutory due"),
    "timetable": ("时限状态", "Timetable"),
    "gate": ("关口", "Gate"),
    "history": ("变更记录", "History"),
    "when": ("时间", "When"),
    "who": ("操作人", "Who"),
    "event_date": ("发生日期", "Date"),
    "change": ("变更", "Change"),
    "reason": ("原因", "Reason"),
    "comment": ("说明", "Comment"),
    "record_step": ("记录进展", "Record a step"),
    "new_status": ("新状态", "New status"),
    "save": ("保存", "Save"),
    "saved": ("已保存。", "Saved."),
    "change_target": ("调整目标日期", "Change target date"),
    "pause": ("暂停", "Pause"),
    "resume": ("恢复", "Resume"),
    "paused_since": ("项目暂停中，自", "Project paused since"),
    "next_gate": ("下一关口", "Next gate"),
    "blocking": ("尚未取得（制约开工）", "Still open (blocking construction start)"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "overdue_only": ("仅超期", "Overdue only"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "province": ("省份", "Province"),
    "project": ("项目", "Project"),
    "days": ("天", "days"),
    "count": ("数量", "Count"),
    "median_days": ("中位数（天）", "Median (days)"),
    "p90_days": ("90 分位（天）", "90th percentile (days)"),
    "normal": ("常规", "Normal"),
    "by_status": ("按状态", "By status"),
    "by_kind": ("按审批事项", "By approval"),
    "by_timetable": ("按时限状态", "By timetable"),
    "durations": ("办理用时（受理至批复，扣除暂停）", "Duration (acceptance to decision, pauses excluded)"),
    "by_province": ("按省份", "By province"),
    "by_country": ("按国家（审批事项数）", "By country (approval steps)"),
    "overdue_list": ("超期事项", "Overdue items"),
    "no_items": ("没有符合条件的事项。", "No matching items."),
    "approval_layer": ("审批时限状态", "Approval timetable"),
    "import": ("数据导入", "Import"),
    "rows_loaded": ("已读取行数", "Rows read so far"),
    "calendar_gap": (
        "节假日数据未覆盖该日期所在年份：工作日期限未扣除该年法定节假日。",
        "The holiday calendar does not cover that year yet: the working-day deadline ignores its public holidays.",
    ),
    "import_help": (
        "支持 CSV/TSV（UTF-8 或 GBK）、Excel、Shapefile（.zip）、GeoPackage、GeoJSON、KML/KMZ；"
        "坐标支持经纬度、度分秒及 CGCS2000 高斯-克吕格坐标。",
        "CSV/TSV (UTF-8 or GBK), Excel, Shapefile (.zip), GeoPackage, GeoJSON, KML/KMZ; coordinates as degrees, "
        "degrees-minutes-seconds or CGCS2000 Gauss-Krüger.",
    ),
    "file": ("文件", "File"),
    "mapping": ("字段映射", "Mapping"),
    "automatic": ("自动选择", "Automatic"),
    "central_meridian": ("中央经线", "Central meridian"),
    "sheet_layer": ("工作表/图层", "Sheet / layer"),
    "default_status": ("缺省开发状态", "Default status"),
    "on_conflict": ("已有记录", "Existing records"),
    "max_reject_ratio": ("最大拒绝比例", "Max reject ratio"),
    "dry_run": ("试运行（不写入）", "Dry run (write nothing)"),
    "preview": ("预览", "Preview"),
    "importing": ("正在导入……", "Importing…"),
    "format": ("格式", "Format"),
    "rows": ("行数", "Rows"),
    "read": ("读取", "read"),
    "accepted": ("接受", "accepted"),
    "rejected": ("拒绝", "rejected"),
    "batch": ("批次", "Batch"),
    "inserted": ("新增", "inserted"),
    "updated": ("更新", "updated"),
    "unchanged": ("未变", "unchanged"),
    "nothing_written": ("试运行：未写入任何数据", "Dry run: nothing was written"),
    "columns": ("字段", "Columns"),
    "unmapped": ("未映射", "not mapped"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "action_create": ("创建", "Created"),
    "action_transition": ("状态变更", "Status"),
    "action_target": ("目标日期调整", "Target date"),
    "action_edit": ("修改", "Edited"),
    "action_pause": ("项目暂停", "Project paused"),
    "action_resume": ("项目恢复", "Project resumed"),
    "tt_overdue": ("超期", "Overdue"),
    "tt_due_soon": ("即将到期", "Due soon"),
    "tt_paused": ("暂停", "Paused"),
    "tt_on_schedule": ("按期推进", "On schedule"),
    "tt_completed_late": ("逾期办结", "Completed late"),
    "tt_completed_on_time": ("按期办结", "Completed on time"),
    "tt_completed": ("已办结（无时限）", "Completed (no time limit)"),
    "tt_no_limit": ("办理中（无时限）", "In progress (no time limit)"),
    "tt_no_clock": ("未受理", "Not yet accepted"),
    "tt_not_applicable": ("不适用", "Not applicable"),
    "import_target": ("导入内容", "Records"),
    "target_deposits": ("矿产地", "Deposits"),
    "target_projects": ("开发项目", "Development projects"),
    "target_resources": ("资源储量", "Resource and reserve estimates"),
    "target_approvals": ("审批进展", "Approval steps"),
    "country": ("国家", "Country"),
    "subdivision": ("一级行政区", "State / province"),
    "owners": ("权益结构", "Owners"),
    "owners_note": (
        "列示当前及历史持股；经项目持有的权益注明项目。",
        "Current and past stakes; stakes held through a project name it.",
    ),
    "company": ("企业", "Company"),
    "share": ("权益比例（%）", "Share (%)"),
    "since": ("起", "Since"),
    "until": ("止", "Until"),
    "via_project": ("经项目", "Through project"),
    "parent_company": ("上级企业", "Parent"),
    "chinese_stake": ("中资持股", "Chinese stake"),
    "chinese_stake_only": ("仅中资项目", "Chinese stake only"),
    "abroad": ("境外", "Abroad"),
    "at_home": ("境内", "In China"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "historical_estimates": ("历史估算（未分类）", "Historical estimates (unclassified)"),
    "warnings": ("提示", "Warnings"),
    "warned": ("提示", "warnings"),
    "strict_regions": (
        "位置与所填国家/省份不符时拒绝",
        "Reject rows whose location contradicts the stated country or province",
    ),
    "estimates": ("资源储量估算", "estimates"),
}


def current_language() -> str:
    return getattr(g, "lang", None) or context.settings().language


def t(key: str, **values: Any) -> str:
    zh, en = TEXT[key]
    text = zh if current_language() == "zh" else en
    return text.format(**values) if values else text


def label(row: dict[str, Any] | None) -> str:
    """The label of a codelist row (or any row with name_zh/name_en) in the current language."""
    if not row:
        return ""
    if current_language() == "zh":
        return row.get("name_zh") or row.get("name_en") or ""
    return row.get("name_en") or row.get("name_zh") or ""


def record_name(row: dict[str, Any] | None, prefix: str = "") -> str:
    """A record's name in the current language: its translation, else the name as given, else the other.

    ``prefix`` reads prefixed fields (``project_name``, ``project_name_zh`` …)."""
    if not row:
        return ""
    zh, en, given = row.get(prefix + "name_zh"), row.get(prefix + "name_en"), row.get(prefix + "name")
    first = zh if current_language() == "zh" else en
    second = en if current_language() == "zh" else zh
    return first or given or second or ""


def other_name(row: dict[str, Any] | None) -> str:
    """The record's name in the other language (or as given), when it differs from :func:`record_name`."""
    if not row:
        return ""
    shown = record_name(row)
    for candidate in (row.get("name_en") if current_language() == "zh" else row.get("name_zh"), row.get("name")):
        if candidate and candidate != shown:
            return str(candidate)
    return ""


def lonlat(lon: float, lat: float) -> str:
    """``101.2600°E, 30.2900°N`` / ``66.2800°W, 27.3708°S``."""
    return f"{abs(lon):.4f}°{'E' if lon >= 0 else 'W'}, {abs(lat):.4f}°{'N' if lat >= 0 else 'S'}"


def code_label(codelist: str, code: str | None) -> str:
    if code is None:
        return ""
    return label(context.codelists()[codelist].get(code)) or code


def language_url(code: str) -> str:
    """This page in language ``code``, with its other query parameters kept (a search, its filters)."""
    args = {k: v for k, v in request.args.items(multi=False) if k != "lang"}
    return "?" + urlencode({**args, "lang": code})


def init_app(app: Flask) -> None:
    @app.before_request
    def _choose_language() -> None:
        asked = request.args.get("lang") or request.cookies.get("lang")
        if asked not in LANGUAGES:
            asked = request.accept_languages.best_match(LANGUAGES)
        g.lang = asked or context.settings().language

    @app.after_request
    def _remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "t": t,
            "label": label,
            "code_label": code_label,
            "record_name": record_name,
            "other_name": other_name,
            "lonlat": lonlat,
            "number": lambda n: "" if n is None else f"{n:,}",
            "reason_text": lambda reason: reason_in(reason, current_language()),
            "lang": current_language(),
            "language_url": language_url,
            "codelists": context.codelists(),
        }
