"""Vector tiles: ``/tiles/{collectionId}/{z}/{x}/{y}.mvt`` and the OGC API – Tiles paths
(``/ogcapi/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}``).

One ``ST_AsMVT`` query per tile (``layers.tiles_sql``); clusters at low zoom, points above. Tiles
are kept in memory per data version and filter, and carry an ETag built from both, so a client
revalidates with ``If-None-Match`` and gets a 304 until the data changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request, url_for

from geoplatform.errors import InvalidParameter, NotFound
from layers.clusters import grid_is_current
from layers.counts import CountCache, current_version, freeze
from layers.features_sql import NO_FILTER, structure_of
from layers.query import parse_items_query
from layers.registry import Layer
from layers.tiles_sql import filtered_clusters_statement, grid_clusters_statement, points_statement
from web import context
from web.floor import collection_layer, json_response

bp = Blueprint("tiles", __name__)

MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
TILES = CountCache(size=4096)
LAST_VERSION: dict[Any, int] = {}
"""Per database, the data version the last points tile was read at."""
NOT_FOR_TILES = frozenset({"bbox", "bbox-crs", "crs", "limit", "offset", "filter-crs"})
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"


def _filters(layer: Layer) -> Any:
    args = request.args.to_dict(flat=True)
    refused = sorted(NOT_FOR_TILES & set(args))
    if refused:
        raise InvalidParameter("Tiles take filters only (no bbox, crs, limit or offset).")
    settings = context.settings()
    return parse_items_query(
        args, layer, context.codelists(), context.vocabulary(), default_limit=1, max_limit=settings.max_limit
    ).query


def tile_response(layer: Layer, z: int, x: int, y: int) -> Response:
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"There is no such tile: zoom is 0 to {MAX_ZOOM}, column and row 0 to 2^zoom - 1.")
    query = _filters(layer)
    structure, values = structure_of(query)
    engine = context.read_engine()
    with engine.connect() as conn:
        tile = TileRequest(engine.url, layer, z, x, y, structure, freeze(values))
        if z > layer.cluster_max_zoom:
            return _points_tile(conn, tile, values)
        version = current_version(conn)
        if request.if_none_match.contains(tile.tag(version)):
            return _headers(Response(status=304), tile.tag(version))
        body = TILES.get(tile.key(version))
        if not isinstance(body, bytes):
            body = _clusters(conn, layer, structure, {**values, "z": z, "x": x, "y": y}, version)
            TILES.put(tile.key(version), body)  # type: ignore[arg-type]
    return _headers(Response(body, mimetype=MVT), tile.tag(version))


@dataclass(frozen=True)
class TileRequest:
    """What identifies a tile's bytes, but for the data version they were read at."""

    url: Any
    layer: Layer
    z: int
    x: int
    y: int
    structure: Any
    values: Any

    def key(self, version: int) -> tuple:
        return (self.url, version, self.layer.name, self.z, self.x, self.y, self.structure, self.values)

    def tag(self, version: int) -> str:
        return hashlib.sha256(repr(self.key(version)).encode()).hexdigest()[:32]


def _points_tile(conn: Any, tile: TileRequest, values: dict) -> Response:
    """A points tile in one round trip when the cache cannot answer: the statement returns the data
    version with the tile. The version last seen is only a guess at which cache entry to try; a
    cached tile or a 304 is served only after the version is read and found unchanged."""
    seen = LAST_VERSION.get(tile.url)
    if seen is not None:
        cached = TILES.get(tile.key(seen))
        revalidating = request.if_none_match.contains(tile.tag(seen))
        if (isinstance(cached, bytes) or revalidating) and current_version(conn) == seen:
            if revalidating:
                return _headers(Response(status=304), tile.tag(seen))
            return _headers(Response(cached, mimetype=MVT), tile.tag(seen))
    params = {**values, "z": tile.z, "x": tile.x, "y": tile.y, "cap": context.settings().max_tile_features}
    body, version = conn.execute(points_statement(tile.layer.name, tile.structure), params).one()
    body = bytes(body or b"")
    LAST_VERSION[tile.url] = version
    TILES.put(tile.key(version), body)  # type: ignore[arg-type]
    return _headers(Response(body, mimetype=MVT), tile.tag(version))


def _clusters(conn: Any, layer: Layer, structure: Any, params: dict, version: int) -> bytes:
    if structure == NO_FILTER and grid_is_current(context.engine(), layer, version, conn):
        statement = grid_clusters_statement(layer.name)
    else:
        statement = filtered_clusters_statement(layer.name, structure)
    return bytes(conn.execute(statement, params).scalar_one() or b"")


def _headers(response: Response, tag: str) -> Response:
    response.set_etag(tag)
    response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/tiles/<collection_id>/<int:z>/<int:x>/<int:y>.mvt")
def tile(collection_id: str, z: int, x: int, y: int) -> Response:
    return tile_response(collection_layer(collection_id), z, x, y)


@bp.get("/ogcapi/collections/<collection_id>/tiles/WebMercatorQuad/<int:tile_matrix>/<int:tile_row>/<int:tile_col>")
def ogc_tile(collection_id: str, tile_matrix: int, tile_row: int, tile_col: int) -> Response:
    return tile_response(collection_layer(collection_id), tile_matrix, tile_col, tile_row)


def _tileset(layer: Layer) -> dict[str, Any]:
    base = url_for("tiles.tileset", collection_id=layer.name, _external=True)
    return {
        "title": f"{layer.title_en} / {layer.title_zh}",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"rel": "self", "type": "application/json", "href": base},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "type": "application/json",
                "href": WEB_MERCATOR_QUAD,
            },
            {
                "rel": "item",
                "type": MVT,
                "templated": True,
                "href": base + "/{tileMatrix}/{tileRow}/{tileCol}",
            },
        ],
        "tileMatrixSetLimits": [
            {"tileMatrix": str(z), "minTileRow": 0, "maxTileRow": 2**z - 1, "minTileCol": 0, "maxTileCol": 2**z - 1}
            for z in range(layer.min_zoom, min(layer.max_zoom, MAX_ZOOM) + 1)
        ],
        "layers": [
            {
                "id": layer.name,
                "dataType": "vector",
                "geometryDimension": 0,
                "minTileMatrix": str(layer.min_zoom),
                "maxTileMatrix": str(min(layer.max_zoom, MAX_ZOOM)),
                "description": (
                    f"Grid clusters (count, c_<category>, s_<status>) up to zoom {layer.cluster_max_zoom}, "
                    "points above."
                ),
            }
        ],
    }


@bp.get("/ogcapi/collections/<collection_id>/tiles")
def tilesets(collection_id: str) -> Response:
    layer = collection_layer(collection_id)
    body = {"tilesets": [_tileset(layer)], "links": [{"rel": "self", "href": request.base_url}]}
    return json_response(body)


@bp.get("/ogcapi/collections/<collection_id>/tiles/WebMercatorQuad")
def tileset(collection_id: str) -> Response:
    return json_response(_tileset(collection_layer(collection_id)))
