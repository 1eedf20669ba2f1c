"""Reading JSON bodies and writing JSON answers, shared by the API blueprints that write (and
:func:`actor`, the signed-in writer, by the page forms too).

Each field helper names the field in its error (HTTP 400), so a client learns what to mend; the
version a writer read comes from the body field ``version`` or the ``If-Match`` header."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from flask import Response, request

from geoplatform.errors import InvalidParameter
from web.access import current_account


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=jsonable), status=status, mimetype="application/json")


def pick(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: jsonable(row.get(f)) for f in fields}


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidParameter("The body must be a JSON object.")
    return data


def date_field(data: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise InvalidParameter(f"Field '{name}' is required (YYYY-MM-DD).")
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidParameter(f"Field '{name}' must be a date written YYYY-MM-DD.")


def version_field(data: dict[str, Any], required: bool = True) -> int | None:
    raw = request.headers.get("If-Match", data.get("version"))
    if raw is None and not required:
        return None
    if isinstance(raw, str):
        raw = raw.strip().removeprefix("W/").strip('"')
        if re.fullmatch(r"[0-9]{1,9}", raw):
            return int(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 10**9:
        return raw
    raise InvalidParameter("Name the version you read (a whole number): field 'version' or header If-Match.")


def text_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidParameter(f"Field '{name}' must be text.")
    return value


def actor() -> str:
    account = current_account()
    assert account is not None  # require_role ran first
    return account.username
