"""The OpenAPI 3.0 document of ``/ogcapi``, generated from the layer registry.

Every ``$ref`` is internal (``#/components/...``), so validators and schemathesis work offline.
One path per collection lists that collection's own queryables as parameters.
"""

from __future__ import annotations

from typing import Any

from layers.crs import SUPPORTED
from layers.registry import LAYERS, Layer

OPENAPI_TYPES = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter as OGC API – Features writes them: ``style: form``, ``explode: false``."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    }


COMMON_PARAMETERS: dict[str, Any] = {
    "f": _parameter("f", "Output format.", {"type": "string", "enum": ["json", "html"]}),
    "lang": _parameter("lang", "Language of titles and messages.", {"type": "string", "enum": ["zh", "en"]}),
    "limit": _parameter(
        "limit", "Features per page.", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}
    ),
    "offset": _parameter("offset", "Features to skip (next links set it).", {"type": "integer", "minimum": 0}),
    "bbox": _parameter(
        "bbox",
        "Lower and upper corner, in bbox-crs and its axis order (default CRS84: lon,lat).",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    "bbox-crs": _parameter("bbox-crs", "CRS of bbox.", {"type": "string", "format": "uri"}),
    "crs": _parameter("crs", "CRS of the returned geometries.", {"type": "string", "format": "uri"}),
    "datetime": _parameter("datetime", "Date or interval (start/end, '..' open) of status_as_of.", {"type": "string"}),
    "filter": _parameter("filter", "CQL2 filter over the queryables.", {"type": "string"}),
    "filter-lang": _parameter(
        "filter-lang", "Language of filter.", {"type": "string", "enum": ["cql2-text", "cql2-json"]}
    ),
    "filter-crs": _parameter("filter-crs", "CRS of literal geometries in filter.", {"type": "string", "format": "uri"}),
    "commodity": _parameter("commodity", "Commodity codes or names, comma-separated.", {"type": "string"}),
    "status": _parameter("status", "Status (deposits) or stage (projects) codes.", {"type": "string"}),
    "region": _parameter("region", "GB/T 2260 region code or name.", {"type": "string"}),
    "country": _parameter("country", "ISO 3166-1 codes or names, comma-separated.", {"type": "string"}),
    "chinese_stake": _parameter(
        "chinese_stake", "Only records with (true) or without a Chinese stake.", {"type": "boolean"}
    ),
    "abroad": _parameter("abroad", "Only records outside (true) or inside China.", {"type": "boolean"}),
}

SCHEMAS: dict[str, Any] = {
    "link": {
        "type": "object",
        "required": ["href"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    },
    "exception": {
        "type": "object",
        "required": ["code"],
        "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
    },
    "landingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    },
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    },
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            "extent": {"type": "object"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "storageCrs": {"type": "string"},
        },
    },
    "collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}},
        },
    },
    "geometryGeoJSON": {
        "type": "object",
        "nullable": True,
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": ["Point", "MultiPoint", "Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array"},
        },
    },
    "featureGeoJSON": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"$ref": "#/components/schemas/geometryGeoJSON"},
            "properties": {"type": "object", "nullable": True},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        },
    },
    "featureCollectionGeoJSON": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/featureGeoJSON"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    },
}


def _response(description: str, schema: str, media: str = "application/json") -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            media: {"schema": {"$ref": f"#/components/schemas/{schema}"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }


ERRORS = {
    "400": {"$ref": "#/components/responses/InvalidParameter"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "500": {"$ref": "#/components/responses/ServerError"},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _queryable_parameters(layer: Layer) -> list[dict[str, Any]]:
    parameters = []
    for q in layer.queryables.values():
        if q.type == "geometry" or q.name in COMMON_PARAMETERS:
            continue
        schema: dict[str, Any] = {"type": OPENAPI_TYPES.get(q.type, "string")}
        if q.type in ("date", "date-time"):
            schema["format"] = q.type
        parameters.append(_parameter(q.name, f"{q.title_en} / {q.title_zh} equals this value.", schema))
    return parameters


def _collection_paths(layer: Layer) -> dict[str, Any]:
    base = f"/collections/{layer.name}"
    item_parameters = [_ref(name) for name in COMMON_PARAMETERS]
    return {
        base: {
            "get": {
                "summary": f"{layer.title_en} / {layer.title_zh}",
                "operationId": f"describe_{layer.name}",
                "parameters": [_ref("f"), _ref("lang")],
                "responses": {"200": _response("The collection.", "collection"), **ERRORS},
            }
        },
        f"{base}/queryables": {
            "get": {
                "summary": f"Queryables of {layer.title_en}",
                "operationId": f"queryables_{layer.name}",
                "parameters": [_ref("f"), _ref("lang")],
                "responses": {
                    "200": {
                        "description": "JSON Schema of the queryables.",
                        "content": {"application/schema+json": {"schema": {"type": "object"}}},
                    },
                    **ERRORS,
                },
            }
        },
        f"{base}/items": {
            "get": {
                "summary": f"Features of {layer.title_en}",
                "operationId": f"items_{layer.name}",
                "parameters": [*item_parameters, *_queryable_parameters(layer)],
                "responses": {
                    "200": _response("A page of features.", "featureCollectionGeoJSON", "application/geo+json"),
                    **ERRORS,
                },
            }
        },
        f"{base}/items/{{featureId}}": {
            "get": {
                "summary": f"One feature of {layer.title_en}",
                "operationId": f"item_{layer.name}",
                "parameters": [
                    {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                    _ref("crs"),
                    _ref("f"),
                    _ref("lang"),
                ],
                "responses": {"200": _response("The feature.", "featureGeoJSON", "application/geo+json"), **ERRORS},
            }
        },
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Landing page",
                "operationId": "landing",
                "parameters": [_ref("f"), _ref("lang")],
                "responses": {"200": _response("Landing page.", "landingPage"), "500": ERRORS["500"]},
            }
        },
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "conformance",
                "parameters": [_ref("f"), _ref("lang")],
                "responses": {"200": _response("Conformance classes.", "confClasses"), "500": ERRORS["500"]},
            }
        },
        "/collections": {
            "get": {
                "summary": "Collections",
                "operationId": "collections",
                "parameters": [_ref("f"), _ref("lang")],
                "responses": {"200": _response("The collections.", "collections"), "500": ERRORS["500"]},
            }
        },
    }
    for layer in LAYERS.values():
        paths.update(_collection_paths(layer))
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "geoplatform — OGC API – Features",
            "version": "1.0.0",
            "description": "战略性矿产基础数据 / Strategic-mineral basic data. CRS: "
            + ", ".join(crs.uri for crs in SUPPORTED[:4])
            + " and the CGCS2000 Gauss-Krüger zones.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "parameters": COMMON_PARAMETERS,
            "responses": {
                "InvalidParameter": {"description": "A parameter is not valid.", "content": error},
                "NotFound": {"description": "No such collection or feature.", "content": error},
                "ServerError": {"description": "The server could not answer.", "content": error},
            },
        },
    }
