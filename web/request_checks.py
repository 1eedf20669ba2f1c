"""What every blueprint does with a request the same way: refuse unknown query parameters, and run an
editor form's service call with its outcome as a message on the page it came from."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import flash, redirect, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from geoplatform.errors import GeoplatformError, InvalidParameter


def check_parameters(allowed: Iterable[str]) -> None:
    """A 400 naming the accepted parameters when the request has others (``lang`` is always accepted)."""
    accepted = set(allowed)
    unknown = set(request.args) - accepted - {"lang"}
    if unknown:
        raise InvalidParameter("Unknown query parameter; accepted: " + ", ".join(sorted(accepted)) + ".")


def apply_form(action: Callable[[], object], back: str) -> Response:
    """Run a form's service call and go ``back`` with "Saved." or the refusal: the service writes
    nothing when it refuses, so a refused form changes nothing."""
    try:
        action()
        flash(_("Saved."), "ok")
    except GeoplatformError as error:
        flash(error.description, "error")
    return redirect(back)
