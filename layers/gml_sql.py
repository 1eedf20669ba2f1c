"""The GML encoder: PostGIS writes each feature as GML 3.2 (WFS 2.0) or GML 3.1.1 (WFS 1.1).

It sits on the same matching half as the GeoJSON encoder (:func:`layers.features_sql.matched_page`),
so a WFS page selects exactly the rows an OGC API page does. Geometries come from ``ST_AsGML`` in
the requested CRS and axis order; property values are XML-escaped in SQL (``&``, ``<``, ``>``)
and element names come only from the layer declaration, which :func:`check_names` holds to XML
names. Null values are left out (the schema declares every property ``minOccurs="0"``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from layers.counts import version_column
from layers.crs import CRS
from layers.features_sql import PLANNED_PER_RUN, Sort, matched_page, output_geometry
from layers.registry import LAYERS, Layer

NAMESPACE = "https://geoplatform.org/ns/features"
PREFIX = "gp"
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def check_names(layer: Layer) -> None:
    for name in (layer.name, *layer.property_names):
        if not XML_NAME.match(name):
            raise RuntimeError(f"layer {layer.name}: {name!r} cannot be an XML element name")


def constant(text: str) -> ColumnElement:
    """A constant of the encoder (markup, never client data) inlined into the SQL text, so that the
    statement does not bind a hundred parameters per call."""
    if "'" in text or "\\" in text:
        raise ValueError("constants of the GML encoder hold no quotes or backslashes")
    return literal_column(f"'{text}'", Text)


def escape(value: ColumnElement) -> ColumnElement:
    text = cast(value, Text)
    amp = func.replace(text, constant("&"), constant("&amp;"))
    return func.replace(func.replace(amp, constant("<"), constant("&lt;")), constant(">"), constant("&gt;"))


def _text_of(value: ColumnElement) -> ColumnElement:
    if isinstance(value.type, ARRAY):
        return func.array_to_string(value, ",")
    return value


def _element(name: str, value: ColumnElement) -> ColumnElement:
    tag = f"{PREFIX}:{name}"
    return case(
        (value.is_(None), constant("")),
        else_=constant(f"<{tag}>") + escape(_text_of(value)) + constant(f"</{tag}>"),
    )


def _feature(layer: Layer, page: Any, crs: CRS, gml_version: str, legacy_srs: bool) -> ColumnElement:
    gml_id = constant(f"{layer.name}.") + page.c[layer.id_name]
    geometry = output_geometry(page.c[layer.geometry_column], layer.srid, crs, layer.multi)
    options = 0 if legacy_srs else 1  # 1: srsName as urn:ogc:def:crs:EPSG::n; 0: EPSG:n (longitude first)
    gml = func.ST_AsGML(
        literal_column("3"),
        geometry,
        literal_column(str(int(crs.decimals))),
        literal_column(str(options)),
        constant("gml"),
        gml_id + constant(".geom"),
    )
    parts: list[ColumnElement] = [
        constant(f'<{PREFIX}:{layer.name} gml:id="') + gml_id + constant('">'),
        constant(f"<{PREFIX}:geometry>") + gml + constant(f"</{PREFIX}:geometry>"),
    ]
    parts += [_element(name, page.c[name]) for name in layer.columns]
    parts += [_element(label.name, label.element) for label in layer.derived(page)]
    parts.append(constant(f"</{PREFIX}:{layer.name}>"))
    member = "wfs:member" if gml_version == "3.2" else "gml:featureMember"
    return func.concat(constant(f"<{member}>"), *parts, constant(f"</{member}>"))


@lru_cache(maxsize=1024)
def gml_page_statement(
    layer_name: str, structure: Any, crs: CRS, sort: Sort, gml_version: str, legacy_srs: bool = False
) -> Select:
    """One row: (the page's members as GML text, rows fetched ≤ limit + 1, data version)."""
    layer = LAYERS[layer_name]
    numbered = matched_page(layer, structure, sort)
    rows = select(_feature(layer, numbered, crs, gml_version, legacy_srs).label("member"), numbered.c.rn).subquery()
    members = func.string_agg(rows.c.member, aggregate_order_by(constant(""), rows.c.rn)).filter(
        rows.c.rn <= bindparam("limit", type_=Integer)
    )
    statement = select(func.coalesce(members, constant("")), func.count(), version_column()).select_from(rows)
    return statement.execution_options(**PLANNED_PER_RUN)


GML_PROPERTY_TYPES = {
    "Point": "gml:PointPropertyType",
    "MultiPoint": "gml:MultiPointPropertyType",
    "MultiPolygon": "gml:MultiSurfacePropertyType",
    "Polygon": "gml:SurfacePropertyType",
}


def gml_property_type(layer: Layer) -> str:
    return GML_PROPERTY_TYPES.get(layer.geometry_type, "gml:GeometryPropertyType")


def xsd_type(column_type: Any) -> str:
    """The XML Schema type of a published property."""
    if isinstance(column_type, Boolean):
        return "xs:boolean"
    if isinstance(column_type, DateTime):
        return "xs:dateTime"
    if isinstance(column_type, Date):
        return "xs:date"
    if isinstance(column_type, Integer):
        return "xs:integer"
    if isinstance(column_type, Numeric | Float):
        return "xs:double"
    if isinstance(column_type, String | Text | ARRAY):
        return "xs:string"
    return "xs:string"


def property_types(layer: Layer) -> list[tuple[str, str]]:
    """``(name, xs type)`` of every published property, in output order."""
    types = [(name, xsd_type(layer.table.c[name].type)) for name in layer.columns]
    return types + [(label.name, xsd_type(label.type)) for label in layer.derived(layer.table)]
