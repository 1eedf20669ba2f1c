"""FES 2.0 and Filter Encoding 1.1 XML → the filter tree (WFS 2.0.0 and 1.1.0 ``FILTER``).

The XML is read with defusedxml (no entities, no external references, no DTDs). Element names are
matched in both namespaces; property names (``ValueReference`` / ``PropertyName``) may carry a
namespace prefix and nothing else: an XPath or an expression where a name belongs (GeoServer's
CVE-2024-36401) is an unknown property, refused by :func:`layers.queryables.resolve`. Functions,
arithmetic and temporal operators are not supported and are a 400 naming what is.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import shapely
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from geoplatform.errors import InvalidParameter
from layers.crs import CRS, parse_crs
from layers.filter_tree import (
    And,
    Between,
    Comparison,
    Envelope,
    GeometryValue,
    In,
    IsNull,
    Like,
    Node,
    Not,
    Or,
    Spatial,
    check_size,
)

FES20 = "http://www.opengis.net/fes/2.0"
OGC = "http://www.opengis.net/ogc"
GML32 = "http://www.opengis.net/gml/3.2"
GML = "http://www.opengis.net/gml"
MAX_XML_CHARS = 100_000
COMPARISONS = {
    "PropertyIsEqualTo": "=",
    "PropertyIsNotEqualTo": "<>",
    "PropertyIsLessThan": "<",
    "PropertyIsLessThanOrEqualTo": "<=",
    "PropertyIsGreaterThan": ">",
    "PropertyIsGreaterThanOrEqualTo": ">=",
}
SPATIAL = {
    "BBOX": "s_intersects",
    "Intersects": "s_intersects",
    "Within": "s_within",
    "Contains": "s_contains",
    "Disjoint": "s_disjoint",
    "Equals": "s_equals",
    "Touches": "s_touches",
    "Crosses": "s_crosses",
    "Overlaps": "s_overlaps",
}
SUPPORTED = "And, Or, Not, " + ", ".join([*COMPARISONS, "PropertyIsLike", "PropertyIsNull", "PropertyIsBetween"])
SUPPORTED += ", " + ", ".join(SPATIAL) + ", ResourceId / FeatureId / GmlObjectId"
NAME = re.compile(r"^(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][A-Za-z0-9_]*)$")


def _local(element: Element) -> str:
    return element.tag.rpartition("}")[2]


def _unsupported() -> InvalidParameter:
    return InvalidParameter(f"The filter uses an element that is not supported; supported: {SUPPORTED}.")


def parse_fes(text: str, default_crs: CRS, layer_name: str) -> Node:
    """A ``fes:Filter`` / ``ogc:Filter`` document → a checked tree (properties not yet resolved)."""
    if len(text) > MAX_XML_CHARS:
        raise InvalidParameter(f"The filter is longer than {MAX_XML_CHARS} characters.")
    try:
        root = ElementTree.fromstring(text, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise InvalidParameter("The filter is not well-formed XML (DTDs and entities are refused).") from None
    if _local(root) != "Filter" or len(root) == 0:
        raise InvalidParameter("The filter must be a fes:Filter (or ogc:Filter) element with one condition.")
    ids = [child for child in root if _local(child) in ("ResourceId", "FeatureId", "GmlObjectId")]
    if ids:
        if len(ids) != len(root):
            raise InvalidParameter("Resource ids cannot be mixed with other conditions in one filter.")
        node: Node = In("code", tuple(resource_code(_id_of(child), layer_name) for child in ids))
    elif len(root) != 1:
        raise InvalidParameter("A filter holds one condition (combine several with And or Or).")
    else:
        node = _node(root[0], default_crs, 0)
    check_size(node)
    return node


def _id_of(element: Element) -> str:
    for attribute in ("rid", "fid", f"{{{GML}}}id", f"{{{GML32}}}id", "id"):
        if element.get(attribute):
            return str(element.get(attribute))
    raise InvalidParameter("A resource id element needs its rid (or fid) attribute.")


def resource_code(identifier: str, layer_name: str) -> str:
    """``deposits.DEP-JINCHUAN`` (the gml:id we write) or the bare code → the record code."""
    prefix = layer_name + "."
    return identifier[len(prefix) :] if identifier.startswith(prefix) else identifier


def _node(element: Element, crs: CRS, depth: int) -> Node:
    if depth > 64:
        raise InvalidParameter("The filter is nested too deeply.")
    name = _local(element)
    children = list(element)
    if name in ("And", "Or"):
        if len(children) < 2:
            raise InvalidParameter("And and Or need at least two conditions.")
        parts = tuple(_node(child, crs, depth + 1) for child in children)
        return And(parts) if name == "And" else Or(parts)
    if name == "Not":
        if len(children) != 1:
            raise InvalidParameter("Not takes one condition.")
        return Not(_node(children[0], crs, depth + 1))
    if name in COMPARISONS:
        prop, literal = _property_and_literal(children)
        case_insensitive = element.get("matchCase", "true").lower() == "false"
        return Comparison(prop, COMPARISONS[name], literal, case_insensitive)
    if name == "PropertyIsLike":
        prop, literal = _property_and_literal(children)
        pattern = like_pattern(
            literal,
            element.get("wildCard", "*"),
            element.get("singleChar", element.get("singleChar".lower(), "?")),
            element.get("escapeChar", element.get("escape", "\\")),
        )
        return Like(prop, pattern, element.get("matchCase", "true").lower() == "false")
    if name == "PropertyIsNull":
        if len(children) != 1:
            raise InvalidParameter("PropertyIsNull takes one property.")
        return IsNull(_property(children[0]))
    if name == "PropertyIsBetween":
        if len(children) != 3:
            raise InvalidParameter("PropertyIsBetween takes a property, a LowerBoundary and an UpperBoundary.")
        bounds = {_local(child): child for child in children[1:]}
        if set(bounds) != {"LowerBoundary", "UpperBoundary"}:
            raise InvalidParameter("PropertyIsBetween takes a property, a LowerBoundary and an UpperBoundary.")
        return Between(
            _property(children[0]), _literal_in(bounds["LowerBoundary"]), _literal_in(bounds["UpperBoundary"])
        )
    if name in SPATIAL:
        return _spatial(name, children, crs)
    raise _unsupported()


def _property(element: Element) -> str:
    if _local(element) not in ("ValueReference", "PropertyName") or len(element):
        raise _unsupported()
    found = NAME.match((element.text or "").strip())
    if not found:
        # Not a plain (optionally prefixed) name: refused like any unknown property.
        return "\x00"
    return found.group(1)


def _literal(element: Element) -> str:
    if _local(element) != "Literal" or len(element):
        raise _unsupported()
    return element.text or ""


def _literal_in(boundary: Element) -> str:
    if len(boundary) != 1:
        raise InvalidParameter("A boundary holds one Literal.")
    return _literal(boundary[0])


def _property_and_literal(children: list[Element]) -> tuple[str, str]:
    if len(children) != 2:
        raise InvalidParameter("A comparison takes a property and a Literal.")
    first, second = children
    if _local(first) == "Literal":
        first, second = second, first
    return _property(first), _literal(second)


def like_pattern(pattern: str, wild: str, single: str, escape: str) -> str:
    """A FES LIKE pattern with its own wildcard, single character and escape → SQL LIKE with ``\\``."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if escape and char == escape and index + 1 < len(pattern):
            out.append(_sql_literal(pattern[index + 1]))
            index += 2
            continue
        if char == wild:
            out.append("%")
        elif char == single:
            out.append("_")
        else:
            out.append(_sql_literal(char))
        index += 1
    return "".join(out)


def _sql_literal(char: str) -> str:
    return "\\" + char if char in "%_\\" else char


def _spatial(name: str, children: list[Element], crs: CRS) -> Spatial:
    geometries = [child for child in children if _local(child) not in ("ValueReference", "PropertyName")]
    props = [child for child in children if _local(child) in ("ValueReference", "PropertyName")]
    if len(geometries) != 1 or len(props) > 1:
        raise InvalidParameter(f"{name} takes an optional property and one geometry.")
    prop = _property(props[0]) if props else "geometry"
    return Spatial(SPATIAL[name], prop, gml_geometry(geometries[0], crs))


def _srs(element: Element, crs: CRS) -> CRS:
    name = element.get("srsName")
    return parse_crs(name, "srsName") if name else crs


def _numbers(text: str | None) -> list[float]:
    try:
        return [float(v) for v in (text or "").replace(",", " ").split()]
    except ValueError:
        raise InvalidParameter("GML coordinates must be numbers.") from None


def _pairs(values: list[float], y_first: bool) -> list[tuple[float, float]]:
    if len(values) % 2 or not values:
        raise InvalidParameter("GML coordinates come in pairs (2D only).")
    pairs = list(zip(values[::2], values[1::2], strict=True))
    return [(b, a) for a, b in pairs] if y_first else pairs


def _ring(element: Element, crs: CRS) -> list[tuple[float, float]]:
    poslist = [c for c in element.iter() if _local(c) in ("posList", "coordinates")]
    if poslist:
        return _pairs(_numbers(poslist[0].text), crs.y_first)
    positions = [c for c in element.iter() if _local(c) == "pos"]
    return _pairs([v for p in positions for v in _numbers(p.text)], crs.y_first)


def gml_geometry(element: Element, crs: CRS) -> Envelope | GeometryValue:
    """gml:Envelope, Point, LineString or Polygon (GML 3.1.1 or 3.2) → a literal in its srsName."""
    crs = _srs(element, crs)
    name = _local(element)
    try:
        if name == "Envelope":
            corners = {_local(c): _pairs(_numbers(c.text), crs.y_first)[0] for c in element}
            if set(corners) != {"lowerCorner", "upperCorner"}:
                raise InvalidParameter("A gml:Envelope has a lowerCorner and an upperCorner.")
            (x1, y1), (x2, y2) = corners["lowerCorner"], corners["upperCorner"]
            if x1 > x2 or y1 > y2:
                raise InvalidParameter("A gml:Envelope has its lower corner first.")
            return Envelope(x1, y1, x2, y2, crs.srid)
        if name == "Point":
            geometry = shapely.Point(_ring(element, crs)[0])
        elif name == "LineString":
            geometry = shapely.LineString(_ring(element, crs))
        elif name == "Polygon":
            rings = [c for c in element if _local(c) in ("exterior", "interior", "outerBoundaryIs", "innerBoundaryIs")]
            if not rings:
                raise InvalidParameter("A gml:Polygon needs an exterior ring.")
            geometry = shapely.Polygon(_ring(rings[0], crs), [_ring(r, crs) for r in rings[1:]])
        else:
            raise InvalidParameter("Spatial operators take a gml:Envelope, Point, LineString or Polygon.")
    except (ValueError, shapely.errors.GEOSException):
        raise InvalidParameter("A GML geometry in the filter is not valid.") from None
    return GeometryValue(shapely.to_wkb(geometry, output_dimension=2), crs.srid)
