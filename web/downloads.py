"""Downloads of any items query: ``/downloads/{collectionId}.{geojson|csv|gpkg|shp|kml}?<filters>``.

The filters are those of ``/ogcapi/collections/{id}/items`` (shortcuts, queryables, CQL2,
``bbox``, ``datetime``, ``crs``); there is no paging: the whole match is streamed.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from geoplatform.errors import InvalidParameter, NotFound
from layers.downloads import FORMATS, csv_download, file_chunks, gdal_download, geojson_download
from layers.features_sql import structure_of
from layers.query import parse_items_query
from web import context
from web.floor import collection_layer

bp = Blueprint("downloads", __name__)


@bp.get("/downloads/<collection_id>.<kind>")
def download(collection_id: str, kind: str) -> Response:
    layer = collection_layer(collection_id)
    if kind not in FORMATS:
        raise NotFound("Downloads come as " + ", ".join(FORMATS) + ".")
    args = request.args.to_dict(flat=True)
    if {"limit", "offset"} & set(args):
        raise InvalidParameter("A download has every match: it takes no 'limit' or 'offset'.")
    settings = context.settings()
    parsed = parse_items_query(
        args, layer, context.codelists(), context.vocabulary(), default_limit=1, max_limit=settings.max_limit
    )
    structure, values = structure_of(parsed.query)
    engine = context.engine()  # a server-side cursor needs a transaction: not the autocommit reader
    mimetype, extension = FORMATS[kind]
    if kind == "geojson":
        body = geojson_download(engine, layer, structure, values, parsed.crs)
    elif kind == "csv":
        body = csv_download(engine, layer, structure, values, parsed.crs)
    else:
        path, folder = gdal_download(engine, layer, structure, values, parsed.crs, kind)
        body = file_chunks(path, folder)
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{layer.name}.{extension}"'
    if kind in ("geojson", "csv"):
        response.headers["Content-Crs"] = f"<{parsed.crs.uri}>"
    return response
