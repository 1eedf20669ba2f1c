"""HTTP translation of errors, in one table: typed errors → status + ``{"code", "description"}``.

API paths always answer JSON; pages answer a small HTML page. Messages come from the typed error
(never from raw input), and unexpected exceptions become a generic 500 without internals.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from geoplatform.errors import GeoplatformError

HTTP_CODES = {
    400: "BadRequest",
    401: "AuthenticationRequired",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}


def wants_json() -> bool:
    if request.path.startswith("/ogcapi"):
        return request.args.get("f") != "html"
    machine = ("/api/", "/tiles/", "/downloads/")
    return request.path.startswith(machine) or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, description: str) -> Response:
    if wants_json():
        response = jsonify({"code": code, "description": description})
    else:
        response = Response(
            render_template("error.html", status=status, code=code, description=description),
            mimetype="text/html",
        )
    response.status_code = status
    if status == 401 and request.path.startswith("/api/"):
        response.headers["WWW-Authenticate"] = 'Basic realm="geoplatform"'
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(GeoplatformError)
    def _typed(error: GeoplatformError) -> Response:
        return error_response(error.status, error.code, error.description)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return error_response(400, "CSRFError", "The form's CSRF token is missing or invalid; reload the page.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        return error_response(status, HTTP_CODES.get(status, "HTTPError"), error.description or "")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "ServerError", "The server could not answer this request.")
