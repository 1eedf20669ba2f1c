"""CQL2 text and CQL2 JSON → the filter tree.

The PyPI ``cql2`` package (a Rust parser) reads both encodings and gives CQL2 JSON back; this
module walks that JSON into :mod:`layers.filter_tree` nodes. We never use its ``to_sql()``: it
pastes values into SQL text and passes any function through. Whatever this walk does not know
(arithmetic, temporal and array operators, functions other than ``CASEI``) is a 400 that names
what is supported. Error messages carry the position of a syntax error, never the input itself.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import cql2
import shapely
from shapely.geometry import shape

from geoplatform.errors import InvalidParameter
from layers.crs import CRS, CRS84
from layers.filter_tree import (
    ALLOWED_FUNCTIONS,
    COMPARISON_OPS,
    MAX_VERTICES,
    SPATIAL_OPS,
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
    Scalar,
    Spatial,
    check_size,
)

MAX_FILTER_CHARS = 20_000
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}
SPATIAL_CONVERSE = {"s_within": "s_contains", "s_contains": "s_within"}
SUPPORTED = "and, or, not, =, <>, <, <=, >, >=, like, in, between, isNull, casei, " + ", ".join(SPATIAL_OPS)
POSITION = re.compile(r"-->\s*(\d+):(\d+)")


def parse_cql2_text(text: str, crs: CRS = CRS84) -> Node:
    _check_length(text)
    try:
        expression = cql2.parse_text(text)
    except (cql2.ParseError, cql2.ValidationError, ValueError) as error:
        raise InvalidParameter("The filter is not valid CQL2 text" + _where(error) + ".") from None
    return from_cql2_json(expression.to_json(), crs)


def parse_cql2_json(text: str, crs: CRS = CRS84) -> Node:
    _check_length(text)
    try:
        expression = cql2.parse_json(text)
    except (cql2.ParseError, cql2.ValidationError, ValueError):
        raise InvalidParameter("The filter is not valid CQL2 JSON.") from None
    return from_cql2_json(expression.to_json(), crs)


def _check_length(text: str) -> None:
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidParameter(f"The filter is longer than {MAX_FILTER_CHARS} characters.")


def _where(error: Exception) -> str:
    found = POSITION.search(str(error))
    return f" (line {found.group(1)}, column {found.group(2)})" if found else ""


def from_cql2_json(expression: Any, crs: CRS = CRS84) -> Node:
    """A CQL2 JSON expression (as parsed by ``cql2``) → a checked filter tree."""
    node = _node(expression, crs, depth=0)
    check_size(node)
    return node


def _unsupported() -> InvalidParameter:
    return InvalidParameter(f"The filter uses an operator or function that is not supported; supported: {SUPPORTED}.")


def _node(expression: Any, crs: CRS, depth: int) -> Node:
    if depth > 64:
        raise InvalidParameter("The filter is nested too deeply.")
    if not isinstance(expression, dict) or "op" not in expression:
        raise InvalidParameter("The filter must be a condition (a comparison or a spatial predicate).")
    op = str(expression["op"])
    args = expression.get("args") or []
    if not isinstance(args, list):
        raise InvalidParameter("The filter is not valid CQL2.")
    if op in ("and", "or"):
        parts = tuple(_node(arg, crs, depth + 1) for arg in args)
        if len(parts) < 2:
            raise InvalidParameter("'and' and 'or' need at least two conditions.")
        return And(parts) if op == "and" else Or(parts)
    if op == "not":
        if len(args) != 1:
            raise InvalidParameter("'not' takes one condition.")
        return Not(_node(args[0], crs, depth + 1))
    if op in COMPARISON_OPS:
        return _comparison(op, args)
    if op == "like":
        prop, casei_prop = _property(args[0]) if args else (None, False)
        pattern, casei_value = _scalar(args[1]) if len(args) == 2 else (None, False)
        if prop is None or not isinstance(pattern, str) or len(args) != 2:
            raise InvalidParameter("LIKE compares a property with a text pattern.")
        return Like(prop, pattern, casei_prop or casei_value)
    if op == "in":
        prop, casei = _property(args[0]) if args else (None, False)
        if prop is None or len(args) != 2 or not isinstance(args[1], list) or not args[1]:
            raise InvalidParameter("IN compares a property with a non-empty list of values.")
        values = tuple(_scalar(value)[0] for value in args[1])
        return In(prop, values, casei)
    if op == "between":
        prop, _ = _property(args[0]) if args else (None, False)
        if prop is None or len(args) != 3:
            raise InvalidParameter("BETWEEN compares a property with two values.")
        return Between(prop, _scalar(args[1])[0], _scalar(args[2])[0])
    if op == "isNull":
        prop, _ = _property(args[0]) if len(args) == 1 else (None, False)
        if prop is None:
            raise InvalidParameter("IS NULL applies to a property.")
        return IsNull(prop)
    if op in SPATIAL_OPS:
        return _spatial(op, args, crs)
    raise _unsupported()


def _property(value: Any) -> tuple[str | None, bool]:
    """(property name, wrapped in CASEI) or (None, False) when ``value`` is not a property."""
    if isinstance(value, dict) and set(value) == {"property"} and isinstance(value["property"], str):
        return value["property"], False
    if isinstance(value, dict) and value.get("op") in ALLOWED_FUNCTIONS:
        inner = value.get("args") or []
        if len(inner) == 1:
            name, _ = _property(inner[0])
            if name is not None:
                return name, True
        return None, False
    if isinstance(value, dict) and "op" in value and value["op"] not in COMPARISON_OPS:
        raise _unsupported()
    return None, False


def _scalar(value: Any) -> tuple[Scalar, bool]:
    """(literal value, wrapped in CASEI); a 400 for properties, arrays and unsupported literals."""
    if isinstance(value, bool | str):
        return value, False
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidParameter("Numbers in a filter must be finite.")
        return value, False
    if isinstance(value, dict):
        if value.get("op") in ALLOWED_FUNCTIONS and len(value.get("args") or []) == 1:
            inner, _ = _scalar(value["args"][0])
            return inner, True
        if set(value) == {"date"} and isinstance(value["date"], str):
            try:
                return dt.date.fromisoformat(value["date"]), False
            except ValueError:
                raise InvalidParameter("A DATE in the filter is not a valid date.") from None
        if set(value) == {"timestamp"} and isinstance(value["timestamp"], str):
            try:
                return dt.datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00")), False
            except ValueError:
                raise InvalidParameter("A TIMESTAMP in the filter is not valid.") from None
        if "property" in value:
            raise InvalidParameter("A comparison needs a property on one side and a value on the other.")
    raise _unsupported()


def _comparison(op: str, args: list[Any]) -> Comparison:
    if len(args) != 2:
        raise InvalidParameter("A comparison takes two arguments.")
    left, right = args
    prop, casei = _property(left)
    if prop is None:
        prop, casei = _property(right)
        if prop is None:
            raise InvalidParameter("A comparison needs a property on one side and a value on the other.")
        op, right = FLIPPED[op], left
    value, casei_value = _scalar(right)
    return Comparison(prop, op, value, casei or casei_value)


def _spatial(op: str, args: list[Any], crs: CRS) -> Spatial:
    if len(args) != 2:
        raise InvalidParameter("A spatial predicate takes a property and a geometry.")
    prop, _ = _property(args[0])
    literal = args[1]
    if prop is None:
        prop, _ = _property(args[1])
        literal = args[0]
        op = SPATIAL_CONVERSE.get(op, op)
    if prop is None:
        raise InvalidParameter("A spatial predicate needs a geometry property and a geometry.")
    return Spatial(op, prop, geometry_literal(literal, crs))


def geometry_literal(value: Any, crs: CRS) -> Envelope | GeometryValue:
    """A CQL2 ``bbox`` or GeoJSON geometry → a literal in ``crs`` (axes put x first)."""
    if isinstance(value, dict) and set(value) == {"bbox"}:
        box = value["bbox"]
        if not isinstance(box, list) or len(box) not in (4, 6) or not all(_finite(v) for v in box):
            raise InvalidParameter("A BBOX has four (or six) numbers.")
        half = len(box) // 2
        x1, y1, x2, y2 = box[0], box[1], box[half], box[half + 1]
        if crs.y_first:
            x1, y1, x2, y2 = y1, x1, y2, x2
        if x1 > x2 or y1 > y2:
            raise InvalidParameter("A BBOX must have its lower corner first.")
        if crs.srid == 4326 and not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= y2 <= 90):
            raise InvalidParameter("A BBOX in degrees lies within -180..180 and -90..90.")
        return Envelope(x1, y1, x2, y2, crs.srid)
    if isinstance(value, dict) and "type" in value and "coordinates" in value:
        try:
            geometry = shape(value)
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
            raise InvalidParameter("A geometry in the filter is not valid GeoJSON.") from None
        if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
            raise InvalidParameter(f"A geometry in the filter has more than {MAX_VERTICES} vertices.")
        if not all(math.isfinite(v) for v in shapely.get_coordinates(geometry).ravel()):
            raise InvalidParameter("A geometry in the filter has coordinates that are not finite numbers.")
        if crs.y_first:
            geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
        return GeometryValue(shapely.to_wkb(geometry, output_dimension=2), crs.srid)
    raise InvalidParameter("A spatial predicate needs a BBOX or a geometry (POINT, LINESTRING, POLYGON, …).")


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_filter(text: str, language: str | None, crs: CRS = CRS84) -> Node:
    """``filter`` + ``filter-lang`` as OGC API – Features Part 3 defines them."""
    language = (language or "cql2-text").strip().lower()
    if language == "cql2-text":
        return parse_cql2_text(text, crs)
    if language == "cql2-json":
        return parse_cql2_json(text, crs)
    raise InvalidParameter("Parameter 'filter-lang' must be cql2-text or cql2-json.")
