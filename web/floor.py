"""The shared floor of the web blueprints: request checks and response helpers.

Blueprints (``api``, ``ogcapi``, ``wfs``, ``tiles``, ``downloads``, ``pages``, the approvals and
import pages) import from here, from ``web.access`` (who is asking), ``web.board`` and the
non-blueprint helpers — never from one another (a test holds this).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response

from geoplatform.catalogue import COMPANY_KEY
from geoplatform.errors import InvalidParameter, NotFound
from geoplatform.models import CODE_PATTERN
from layers.registry import LAYERS, Layer, get_layer
from web import context

GEOJSON = "application/geo+json"
RECORD_PAGES = {
    "deposits": "/deposits/",
    "projects": "/projects/",
    "approvals": "/projects/",
    "companies": "/companies/",
}
"""Where a layer's record pages live (a web concern, so not part of the layer declaration)."""
CODE_RE = re.compile(CODE_PATTERN)


def json_response(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    """UTF-8 JSON with Chinese left readable; dates and decimals as text."""
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype=mimetype)


def check_code(code: str) -> str:
    """A record code as the catalogue allows them, or a 400 that says what a code looks like."""
    if not CODE_RE.fullmatch(code):
        raise InvalidParameter(
            "A record code has 2 to 40 characters: upper-case letters, digits, '-' and '_' (e.g. DEP-JINCHUAN)."
        )
    return code


def check_company_key(key: str) -> str:
    """A company key as the catalogue writes them, or a 400 that says what one looks like."""
    if not COMPANY_KEY.fullmatch(key):
        raise InvalidParameter(
            "A company key has 1 to 60 characters: lower-case letters, digits, '.', '-' and '_' (e.g. cmoc)."
        )
    return key


def prepared(layer: Layer) -> Layer:
    """``layer`` with its derived table brought up to date (most layers have none)."""
    if layer.prepare is not None:
        layer.prepare(context.engine(), context.read_engine())
    return layer


def published_layers() -> list[Layer]:
    """Every registered layer, ready to be read, in collection order."""
    return [prepared(layer) for layer in LAYERS.values()]


def collection_layer(collection_id: str) -> Layer:
    """The layer a standard service names as a collection (a 404 pointing to the list when unknown)."""
    try:
        layer = get_layer(collection_id)
    except NotFound:
        raise NotFound("There is no collection with that id; see /ogcapi/collections.") from None
    return prepared(layer)


def feature_collection_text(members: dict[str, Any], features_json: str) -> str:
    """A FeatureCollection: ``members`` written here, ``features`` spliced in as PostGIS wrote it."""
    head = json.dumps(members, ensure_ascii=False)
    return head[:-1] + ', "features": ' + features_json + "}"
