"""The GeoJSON API, ``/api/v1``: feature pages, single features, codelists and editor writes.

The feature bodies are written by PostGIS (``layers.features_sql``); this module only validates
parameters, splices the FeatureCollection members around that text and adds paging links.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from sqlalchemy import select

from geoplatform.catalogue import EDITABLE_FIELDS, company_geojson, feature_etag, update_record
from geoplatform.catalogue import owners as catalogue_owners
from geoplatform.catalogue_stats import catalogue_statistics
from geoplatform.errors import InvalidParameter, NotFound
from layers.area_counts import GROUPINGS, area_counts, can_group, matching_extent
from layers.basemap import basemap_features, basemap_version, parse_basemap_query
from layers.features_sql import count_matches, fetch_feature, fetch_page
from layers.query import FeatureQuery, parse_feature_query, parse_items_query
from layers.registry import Layer
from layers.registry import get_layer as registry_layer
from web import context
from web.access import current_account, require_role
from web.floor import (
    GEOJSON,
    check_code,
    check_company_key,
    collection_layer,
    feature_collection_text,
    json_response,
)
from web.searching import parse_search, run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")

V1_LAYERS = ("deposits", "projects")
"""The layers /api/v1 has always served; newer layers are published by the standard services."""


def get_layer(name: str) -> Layer:
    if name not in V1_LAYERS:
        raise NotFound("There is no layer with that name.")
    return registry_layer(name)


_json = json_response


def _page_url(layer: Layer, query: FeatureQuery, offset: int) -> str:
    args = {**query.filter_args(), "limit": str(query.limit), "offset": str(offset)}
    return url_for("api.items", layer_name=layer.name, _external=True) + "?" + urlencode(args)


def feature_collection(layer: Layer, query: FeatureQuery) -> str:
    """The FeatureCollection text: members built here, ``features`` spliced in as PostGIS wrote it."""
    settings = context.settings()
    with context.read_engine().connect() as conn:
        page = fetch_page(conn, layer, query, settings.count_timeout_ms)
    links = [{"rel": "self", "type": GEOJSON, "href": _page_url(layer, query, query.offset)}]
    if page.has_more:
        links.append({"rel": "next", "type": GEOJSON, "href": _page_url(layer, query, query.offset + query.limit)})
    if query.offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "href": _page_url(layer, query, max(0, query.offset - query.limit)),
            }
        )
    members: dict[str, Any] = {"type": "FeatureCollection"}
    if page.number_matched is not None:
        members["numberMatched"] = page.number_matched
    members["numberReturned"] = page.number_returned
    members["links"] = links
    return feature_collection_text(members, page.features_json)


def _feature_response(layer: Layer, code: str) -> Response:
    with context.read_engine().connect() as conn:
        feature = fetch_feature(conn, layer, code)
    if feature is None:
        raise NotFound("There is no record with that code in this layer.")
    response = Response(feature, mimetype=GEOJSON)
    response.headers["ETag"] = feature_etag(feature)
    return response


@bp.get("")
@bp.get("/")
def landing() -> Response:
    return _json(
        {
            "title": "geoplatform API",
            "links": [
                {
                    "rel": "data",
                    "href": url_for("api.items", layer_name=name, _external=True),
                    "type": GEOJSON,
                    "title": f"{layer.title_en} / {layer.title_zh}",
                }
                for name, layer in ((name, registry_layer(name)) for name in V1_LAYERS)
            ]
            + [
                {
                    "rel": "codelists",
                    "href": url_for("api.codelists", _external=True),
                    "type": "application/json",
                }
            ],
        }
    )


@bp.get("/search")
def search() -> Response:
    """Deposits, projects and companies by name (Chinese, English, pinyin, traditional), code,
    commodity or place: ranked results with facets (docs/api.md)."""
    return _json(run_search(parse_search(request.args, context.vocabulary())))


@bp.get("/counts/<layer_name>", endpoint="area_counts")
def area_counts_of(layer_name: str) -> Response:
    """How many records of a published layer match the filters (the OGC API items parameters);
    with ``by=country`` or ``by=province`` how many per area, with ``extent=true`` where they lie:
    the map's count, its choropleths and the frame of a filtered map."""
    layer = collection_layer(layer_name)
    args = request.args.to_dict(flat=True)
    by = args.pop("by", None) or None
    extent = args.pop("extent", "false")
    if extent not in ("true", "false"):
        raise InvalidParameter("Parameter 'extent' is true or false.")
    if by is not None and by not in GROUPINGS:
        raise InvalidParameter("Parameter 'by' is one of: " + ", ".join(GROUPINGS) + ".")
    if by is not None and not can_group(layer, by):
        raise InvalidParameter(f"This layer has no {by} to count by.")
    for name in ("limit", "offset", "crs"):
        if name in args:
            raise InvalidParameter("Counts take filters (and bbox) only, no limit, offset or crs.")
    settings = context.settings()
    query = parse_items_query(
        args, layer, context.codelists(), context.vocabulary(), default_limit=1, max_limit=settings.max_limit
    ).query
    with context.read_engine().connect() as conn:
        body: dict[str, Any] = {
            "layer": layer.name,
            "numberMatched": count_matches(conn, layer, query, settings.count_timeout_ms),
        }
        if by is not None:
            body["by"] = by
            body["counts"] = area_counts(conn, layer, query, by)
        if extent == "true":
            body["extent"] = matching_extent(conn, layer, query)
    return _json(body)


@bp.get("/statistics")
def statistics() -> Response:
    """The catalogue counted per commodity (at home and abroad), country, province, status, stage and size class."""
    with context.read_engine().connect() as conn:
        return _json(catalogue_statistics(conn))


@bp.get("/codelists")
def codelists() -> Response:
    lists = context.codelists()
    return _json({name: list(rows.values()) for name, rows in lists.items()})


@bp.get("/codelists/<name>")
def codelist(name: str) -> Response:
    lists = context.codelists()
    if name not in lists:
        raise NotFound("There is no codelist with that name.")
    return _json(list(lists[name].values()))


@bp.get("/basemap")
def basemap() -> Response:
    """Countries, China's provinces and its maritime boundary line for the map (GeoJSON, by zoom band)."""
    query = parse_basemap_query(request.args.to_dict(flat=True))
    with context.read_engine().connect() as conn:
        version = basemap_version(conn)
        tag = hashlib.sha256(f"{version}|{query}".encode()).hexdigest()[:32]
        if request.if_none_match.contains(tag):
            return Response(status=304)
        features = basemap_features(conn, query)
    response = Response('{"type": "FeatureCollection", "features": ' + features + "}", mimetype=GEOJSON)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/companies/<key>")
def company(key: str) -> Response:
    """The deposits and projects a company and its subsidiaries hold or operate, as GeoJSON."""
    body = company_geojson(context.engine(), check_company_key(key))
    if body is None:
        raise NotFound("There is no company with that key.")
    return Response(body, mimetype=GEOJSON)


@bp.get("/<layer_name>/<code>/owners")
def owners(layer_name: str, code: str) -> Response:
    """Who holds what of one deposit or project: stakes with their holders and the holders' ultimate parents."""
    layer = get_layer(layer_name)
    check_code(code)
    with context.read_engine().connect() as conn:
        found = conn.execute(select(layer.table.c.id).where(layer.table.c.code == code)).scalar_one_or_none()
        if found is None:
            raise NotFound("There is no record with that code in this layer.")
        kind = "deposit_id" if layer.name == "deposits" else "project_id"
        rows = catalogue_owners(conn, **{kind: found})
    return _json({"code": code, "owners": rows})


@bp.get("/<layer_name>")
def items(layer_name: str) -> Response:
    layer = get_layer(layer_name)
    settings = context.settings()
    query = parse_feature_query(
        request.args.to_dict(flat=True),
        layer,
        context.codelists(),
        default_limit=settings.default_limit,
        max_limit=settings.max_limit,
        vocabulary=context.vocabulary(),
    )
    return Response(feature_collection(layer, query), mimetype=GEOJSON)


@bp.get("/<layer_name>/<code>")
def item(layer_name: str, code: str) -> Response:
    layer = get_layer(layer_name)
    return _feature_response(layer, check_code(code))


@bp.patch("/<layer_name>/<code>")
@require_role("editor")
def patch_item(layer_name: str, code: str) -> Response:
    """Change whitelisted attributes of one record; ``If-Match`` (an ETag from GET) guards lost updates."""
    layer = get_layer(layer_name)
    check_code(code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise InvalidParameter(
            "The body must be a JSON object with fields to change: " + ", ".join(EDITABLE_FIELDS[layer.name]) + "."
        )
    account = current_account()
    assert account is not None  # require_role let the request in
    update_record(
        context.engine(),
        layer.name,
        code,
        body,
        context.codelists(),
        username=account.username,
        if_match=request.headers.get("If-Match"),
        current_etag=lambda conn: feature_etag(fetch_feature(conn, layer, code) or ""),
    )
    return _feature_response(layer, code)
