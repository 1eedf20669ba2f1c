"""Chinese and English for the user interface.

The interface's messages are gettext catalogues (Flask-Babel): English in the source, the Chinese in
``web/translations/zh/LC_MESSAGES/messages.po``, which translators edit with standard tools
(``make translations`` extracts new messages with ``pybabel`` and compiles the ``.mo``); a test fails
while a message has no Chinese. Every domain label (commodity, status, region …) comes in both
languages from the codelists, and a record's name in the chosen language with the other as fallback
(:func:`record_name`). Numbers and dates are formatted for the locale by Babel.

The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language, then the setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import Babel, format_date, format_datetime, format_decimal

from etl.reasons import reason_in
from web import context
from web.messages import GROUPS

LANGUAGES = ("zh", "en")


def current_language() -> str:
    return getattr(g, "lang", None) or context.settings().language


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


TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def message(group: str, code: str | None) -> str:
    """The message of ``code`` in a group of :mod:`web.messages` (``timetable``, ``record_type`` …)."""
    found = GROUPS[group].get(code or "")
    return str(found) if found is not None else (code or "")


def number(value: Any) -> str:
    """A count or quantity written as the locale writes it (``1,000,151``)."""
    return "" if value is None else format_decimal(value)


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=current_language)

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
            "message": message,
            "label": label,
            "code_label": code_label,
            "record_name": record_name,
            "other_name": other_name,
            "lonlat": lonlat,
            "number": number,
            "format_datetime": format_datetime,
            "format_date": format_date,
            "reason_text": lambda reason: reason_in(reason, current_language()),
            "lang": current_language(),
            "language_url": language_url,
            "codelists": context.codelists(),
        }
