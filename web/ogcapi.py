"""OGC API – Features under ``/ogcapi``: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS)
and Part 3 (queryables and CQL2 filters), generated from the layer registry.

The matching and the GeoJSON are the same as ``/api/v1`` (``layers.features_sql``); this module
adds the OGC resources around them: landing page, conformance, collection metadata, queryables
as JSON Schema, ``Content-Crs`` and links that carry every parameter of the request.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for

from geoplatform.errors import InvalidParameter, NotFound
from layers.crs import CRS84, SUPPORTED, parse_crs
from layers.downloads import FORMATS as DOWNLOAD_FORMATS
from layers.extents import layer_extent
from layers.features_sql import fetch_feature, fetch_page
from layers.query import parse_items_query
from layers.registry import Layer
from web import context
from web.floor import collection_layer, feature_collection_text, json_response, published_layers
from web.i18n import current_language
from web.openapi import openapi_document

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
)
ENUM_LIMIT = 300
"""Codelists longer than this are linked, not enumerated, in the queryables schema."""
PAGE_PARAMETERS = frozenset({"f", "lang"})


# -- negotiation and responses -------------------------------------------------------------------
def wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson"):
            raise InvalidParameter("Parameter 'f' must be json or html.")
        return f == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML])
    return best == HTML and request.accept_mimetypes[HTML] > request.accept_mimetypes[JSON]


def _link_header(links: list[dict[str, str]]) -> str:
    """The links as an HTTP ``Link`` header (RFC 8288), for clients that read headers, not bodies."""
    return ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"; type="{link["type"]}"' for link in links)


def _json(body: Any, mimetype: str = JSON) -> Response:
    return json_response(body, mimetype=mimetype)


def _html(title: str, body: dict[str, Any], kind: str) -> Response:
    return Response(render_template("ogcapi.html", title=title, body=body, kind=kind), mimetype=HTML)


def _here(**changes: str) -> str:
    """This request's URL with every parameter kept, ``changes`` applied (``f``, ``offset``)."""
    args = request.args.to_dict(flat=True)
    args.update(changes)
    query = urlencode(args)
    return request.base_url + ("?" + query if query else "")


def _self_links(title: str, json_type: str = JSON) -> list[dict[str, str]]:
    return [
        {"rel": "self", "type": json_type, "title": title, "href": _here(f="json")},
        {"rel": "alternate", "type": HTML, "title": title + " (HTML)", "href": _here(f="html")},
    ]


def _title(layer: Layer) -> str:
    return layer.title_zh if current_language() == "zh" else layer.title_en


def _description(layer: Layer) -> str:
    return layer.description_zh if current_language() == "zh" else layer.description_en


# -- landing, conformance, API ---------------------------------------------------------------------
@bp.get("")
@bp.get("/")
def landing() -> Response:
    body = {
        "title": "geoplatform — OGC API – Features",
        "description": "战略性矿产基础数据 / Strategic-mineral basic data (OGC API – Features, Parts 1–3).",
        "links": [
            *_self_links("This document"),
            {
                "rel": "service-desc",
                "type": OPENAPI_JSON,
                "title": "OpenAPI 3.0",
                "href": url_for("ogcapi.api", _external=True),
            },
            {
                "rel": "conformance",
                "type": JSON,
                "title": "Conformance",
                "href": url_for("ogcapi.conformance", _external=True),
            },
            {
                "rel": "data",
                "type": JSON,
                "title": "Collections",
                "href": url_for("ogcapi.collections", _external=True),
            },
        ],
    }
    return _html(body["title"], body, "landing") if wants_html() else _json(body)


@bp.get("/conformance")
def conformance() -> Response:
    body = {"conformsTo": list(CONFORMANCE)}
    return _html("Conformance", body, "conformance") if wants_html() else _json(body)


@bp.get("/api")
def api() -> Response:
    return _json(openapi_document(url_for("ogcapi.landing", _external=True).rstrip("/")), OPENAPI_JSON)


# -- collections ------------------------------------------------------------------------------------
def _extent(layer: Layer) -> list[float]:
    with context.read_engine().connect() as conn:
        return layer_extent(conn, layer)


def collection_document(layer: Layer) -> dict[str, Any]:
    items = url_for("ogcapi.items", collection_id=layer.name, _external=True)
    return {
        "id": layer.name,
        "title": _title(layer),
        "description": _description(layer),
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [_extent(layer)], "crs": CRS84.uri}},
        "crs": [crs.uri for crs in SUPPORTED],
        "storageCrs": CRS84.uri,
        "links": [
            {
                "rel": "self",
                "type": JSON,
                "title": _title(layer),
                "href": url_for("ogcapi.collection", collection_id=layer.name, _external=True),
            },
            {"rel": "items", "type": GEOJSON, "title": _title(layer), "href": items},
            {"rel": "items", "type": HTML, "title": _title(layer) + " (HTML)", "href": items + "?f=html"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": JSON,
                "title": "Vector tiles",
                "href": url_for("tiles.tilesets", collection_id=layer.name, _external=True),
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": SCHEMA_JSON,
                "title": "Queryables",
                "href": url_for("ogcapi.queryables", collection_id=layer.name, _external=True),
            },
        ],
    }


@bp.get("/collections")
def collections() -> Response:
    body = {
        "links": _self_links("Collections"),
        "collections": [collection_document(layer) for layer in published_layers()],
    }
    return _html("Collections", body, "collections") if wants_html() else _json(body)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    layer = collection_layer(collection_id)
    body = collection_document(layer)
    return _html(body["title"], body, "collection") if wants_html() else _json(body)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    layer = collection_layer(collection_id)
    lists = context.codelists()
    zh = current_language() == "zh"
    properties: dict[str, Any] = {}
    for q in layer.queryables.values():
        schema: dict[str, Any] = {"title": q.title_zh if zh else q.title_en}
        schema["description"] = q.title_en if zh else q.title_zh
        if q.type == "geometry":
            schema["format"] = f"geometry-{(q.geometry_type or 'any').lower()}"
            schema["x-ogc-role"] = "primary-geometry"
        elif q.type in ("date", "date-time"):
            schema.update(type="string", format=q.type)
        else:
            schema["type"] = q.type
        if q.codelist and q.codelist in lists and len(lists[q.codelist]) <= ENUM_LIMIT:
            schema["enum"] = sorted(lists[q.codelist])
        elif q.codelist:
            schema["x-codelist"] = url_for("api.codelist", name=q.codelist, _external=True)
        if q.name == layer.temporal_property:
            schema["x-ogc-role"] = "primary-instant"
        properties[q.name] = schema
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url_for("ogcapi.queryables", collection_id=layer.name, _external=True),
        "type": "object",
        "title": _title(layer),
        "properties": properties,
        "additionalProperties": False,
    }
    if wants_html():
        return _html(f"{_title(layer)} — queryables", body, "queryables")
    return _json(body, SCHEMA_JSON)


# -- features ---------------------------------------------------------------------------------------
@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    layer = collection_layer(collection_id)
    html = wants_html()
    settings = context.settings()
    parsed = parse_items_query(
        request.args.to_dict(flat=True),
        layer,
        context.codelists(),
        context.vocabulary(),
        default_limit=layer.default_limit or settings.default_limit,
        max_limit=settings.max_limit,
    )
    query = parsed.query
    with context.read_engine().connect() as conn:
        page = fetch_page(conn, layer, query, settings.count_timeout_ms, parsed.crs)
    links = [
        {"rel": "self", "type": GEOJSON, "title": "This page", "href": _here(f="json")},
        {"rel": "alternate", "type": HTML, "title": "This page (HTML)", "href": _here(f="html")},
        {
            "rel": "collection",
            "type": JSON,
            "title": _title(layer),
            "href": url_for("ogcapi.collection", collection_id=layer.name, _external=True),
        },
    ]
    links += _downloads(layer)
    if page.has_more:
        links.append({"rel": "next", "type": GEOJSON, "title": "Next page", "href": _next(query.offset + query.limit)})
    if query.offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "title": "Previous page",
                "href": _next(max(0, query.offset - query.limit)),
            }
        )
    members: dict[str, Any] = {"type": "FeatureCollection"}
    if page.number_matched is not None:
        members["numberMatched"] = page.number_matched
    members["numberReturned"] = page.number_returned
    members["timeStamp"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    members["links"] = links
    if html:
        body = {**members, "features": json.loads(page.features_json)}
        return _html(_title(layer), body, "items")
    response = Response(feature_collection_text(members, page.features_json), mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{parsed.crs.uri}>"
    response.headers["Link"] = _link_header(links)
    return response


def _downloads(layer: Layer) -> list[dict[str, str]]:
    """``enclosure`` links: every match of this query (no paging) as a file."""
    args = {k: v for k, v in request.args.to_dict(flat=True).items() if k not in ("limit", "offset", "f", "lang")}
    query = ("?" + urlencode(args)) if args else ""
    return [
        {
            "rel": "enclosure",
            "type": mimetype.partition(";")[0],
            "title": f"All matches ({kind})",
            "href": url_for("downloads.download", collection_id=layer.name, kind=kind, _external=True) + query,
        }
        for kind, (mimetype, _) in DOWNLOAD_FORMATS.items()
    ]


def _next(offset: int) -> str:
    href = _here(offset=str(offset))
    return href.replace("f=html", "f=json") if request.args.get("f") == "html" else href


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    layer = collection_layer(collection_id)
    html = wants_html()
    unknown = set(request.args) - {"f", "lang", "crs"}
    if unknown:
        raise InvalidParameter("Unknown query parameter; this endpoint accepts: crs, f, lang.")
    crs = parse_crs(request.args["crs"], "crs") if request.args.get("crs") else CRS84
    with context.read_engine().connect() as conn:
        feature = fetch_feature(conn, layer, feature_id, crs) if len(feature_id) <= 64 else None
    if feature is None:
        raise NotFound("There is no feature with that id in this collection.")
    links = [
        {"rel": "self", "type": GEOJSON, "href": _here(f="json")},
        {"rel": "alternate", "type": HTML, "href": _here(f="html")},
        {
            "rel": "collection",
            "type": JSON,
            "href": url_for("ogcapi.collection", collection_id=layer.name, _external=True),
        },
    ]
    if html:
        return _html(_title(layer), {**json.loads(feature), "links": links}, "item")
    response = Response(feature[:-1] + ', "links": ' + json.dumps(links) + "}", mimetype=GEOJSON)
    response.headers["Content-Crs"] = f"<{crs.uri}>"
    response.headers["Link"] = _link_header(links)
    return response
