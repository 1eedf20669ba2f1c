"""Chinese and English for the user interface.

Two languages and a few dozen labels: a dictionary is clearer than a gettext tool chain, and every
domain label (commodity, status, region …) already comes in both languages from the codelists.
The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language, then the setting.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request

from web import context

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # key: (Chinese, English)
    "app_name": ("战略性矿产资源基础数据平台", "Strategic Mineral Resources Data Platform"),
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
    "truncated": ("地图仅显示前 {shown} 个要素。", "The map shows the first {shown} features only."),
    "login_failed": ("用户名或密码错误。", "Wrong user name or password."),
    "logged_in_as": ("当前用户", "Signed in as"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "error": ("错误", "Error"),
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


def code_label(codelist: str, code: str | None) -> str:
    if code is None:
        return ""
    return label(context.codelists()[codelist].get(code)) or code


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
        return {"t": t, "label": label, "code_label": code_label, "lang": current_language()}
