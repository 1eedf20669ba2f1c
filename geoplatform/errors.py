"""The typed family of errors geoplatform raises; ``web`` maps them to HTTP in one table.

Messages never echo raw client input: they name the parameter and say what is allowed, so that an
error page cannot be turned into a reflection of attacker-supplied text.
"""

from __future__ import annotations


class GeoplatformError(Exception):
    """Base class: ``code`` is a stable machine-readable name, ``description`` a sentence for people."""

    status = 500
    code = "ServerError"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidParameter(GeoplatformError):
    status = 400
    code = "InvalidParameterValue"


class NotFound(GeoplatformError):
    status = 404
    code = "NotFound"


class AuthenticationRequired(GeoplatformError):
    status = 401
    code = "AuthenticationRequired"


class Forbidden(GeoplatformError):
    status = 403
    code = "Forbidden"


class Conflict(GeoplatformError):
    status = 409
    code = "Conflict"


class PreconditionFailed(GeoplatformError):
    status = 412
    code = "PreconditionFailed"
