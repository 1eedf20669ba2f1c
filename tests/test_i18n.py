"""The interface's messages are gettext catalogues: complete in Chinese, compiled, found in the source."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "web" / "translations" / "zh" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}


def source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message in the code and templates, as ``make translations`` extracts them."""
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(ROOT, method_map=method_map, keywords=KEYWORDS):
        found.add((context, message))
    return found


def test_every_message_of_the_interface_has_its_chinese() -> None:
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {(m.context, m.id): m.string for m in catalogue if m.id}
    messages = source_messages()
    assert len(messages) > 150
    missing = sorted(str(m) for m in messages if not translated.get(m))
    assert missing == [], f"run `make translations` and translate: {missing[:10]}"
    for (context, msgid), text in translated.items():
        assert re.findall(r"%\(\w+\)s", msgid) == re.findall(r"%\(\w+\)s", text), (context, msgid)


def test_the_compiled_catalogue_is_the_one_the_translators_wrote() -> None:
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    with (CATALOGUE / "messages.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in catalogue:
        if message.id and message.string:
            got = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            assert got == message.string, f"stale messages.mo: run `make translations` ({message.id!r})"


def test_no_template_or_view_uses_the_old_dictionary() -> None:
    for path in [*ROOT.glob("web/templates/*.html"), *ROOT.glob("web/*.py")]:
        assert not re.search(r"(?<![\w.])t\(['\"]", path.read_text(encoding="utf-8")), path


def test_numbers_and_dates_are_written_for_the_locale(app) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from web.i18n import format_date, format_datetime, number

    when = dt.datetime(2026, 12, 1, 9, 30)
    with app.test_request_context("/?lang=zh"):
        app.preprocess_request()
        assert number(1000151) == "1,000,151"
        assert format_date(when.date(), "long") == "2026年12月1日"
        assert "2026" in format_datetime(when, "short") and "9:30" in format_datetime(when, "short")
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert number(1000151.5) == "1,000,151.5"
        assert format_date(when.date(), "long") == "December 1, 2026"
