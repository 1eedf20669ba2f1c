"""The one compiler from filter trees to SQLAlchemy conditions.

It compiles a tree's *structure* (see :func:`layers.filter_tree.lift`), never its values: each
literal becomes a bind parameter ``f0, f1, …`` and the compiled condition is cached per layer and
structure. Property names arrive already checked by :func:`layers.queryables.resolve` and are
looked up again here in the layer's queryables, so nothing a client wrote is ever SQL text.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    and_,
    any_,
    bindparam,
    exists,
    false,
    func,
    not_,
    or_,
)
from sqlalchemy.dialects.postgresql import ARRAY

from layers.filter_tree import Envelope, GeometryValue, Literal, Node, lift

SPATIAL_FUNCTIONS = {
    "s_intersects": func.ST_Intersects,
    "s_within": func.ST_Within,
    "s_contains": func.ST_Contains,
    "s_equals": func.ST_Equals,
    "s_touches": func.ST_Touches,
    "s_crosses": func.ST_Crosses,
    "s_overlaps": func.ST_Overlaps,
}
SQL_TYPES = {
    "str": String,
    "int": Integer,
    "float": Float,
    "bool": Boolean,
    "date": Date,
    "datetime": DateTime(timezone=True),
}


def bind_values(values: list[Literal]) -> dict[str, Any]:
    """The bound values of a lifted tree, named as :func:`compile_structure` names them."""
    bound: dict[str, Any] = {}
    for index, value in enumerate(values):
        name = f"f{index}"
        if isinstance(value, Envelope):
            bound.update({f"{name}_minx": value.minx, f"{name}_miny": value.miny})
            bound.update({f"{name}_maxx": value.maxx, f"{name}_maxy": value.maxy})
        elif isinstance(value, GeometryValue):
            bound[name] = value.wkb
        elif isinstance(value, tuple):
            bound[name] = list(value)
        else:
            bound[name] = value
    return bound


def compile_filter(layer: Any, node: Node) -> tuple[ColumnElement[bool], dict[str, Any]]:
    """(condition, bound values) for an already resolved tree."""
    structure, values = lift(node)
    return compile_structure(layer.name, structure), bind_values(values)


@lru_cache(maxsize=2048)
def compile_structure(layer_name: str, structure: Hashable) -> ColumnElement[bool]:
    from layers.registry import get_layer

    layer = get_layer(layer_name)
    table = layer.table
    counter = iter(range(10**6))

    def param(kind: Hashable) -> Any:
        name = f"f{next(counter)}"
        if isinstance(kind, tuple) and kind[0] == "envelope":
            corners = [bindparam(f"{name}_{axis}", type_=Float) for axis in ("minx", "miny", "maxx", "maxy")]
            return _in_storage(func.ST_MakeEnvelope(*corners, kind[1]), kind[1], layer.srid)
        if isinstance(kind, tuple) and kind[0] == "geometry":
            return _in_storage(func.ST_GeomFromWKB(bindparam(name, type_=LargeBinary), kind[1]), kind[1], layer.srid)
        return bindparam(name, type_=SQL_TYPES[str(kind)])

    def array_param(kinds: tuple[str, ...]) -> Any:
        name = f"f{next(counter)}"
        element = SQL_TYPES[kinds[0]] if len(kinds) == 1 else String
        return bindparam(name, type_=ARRAY(element))

    def column(prop: str, case_insensitive: bool = False) -> Any:
        queryable = layer.queryables[prop]
        expression = table.c[queryable.column]
        return func.lower(expression) if case_insensitive else expression

    def member(prop: str, condition: Any) -> ColumnElement[bool]:
        link = layer.commodity_link
        return exists().where(link.c[layer.commodity_fk] == table.c.id, condition(link.c.commodity_code))

    def build(shape: Hashable) -> ColumnElement[bool]:
        assert isinstance(shape, tuple)
        tag = shape[0]
        if tag in ("And", "Or"):
            parts = [build(part) for part in shape[1]]
            return and_(*parts) if tag == "And" else or_(*parts)
        if tag == "not":
            return not_(build(shape[1]))
        prop = shape[2] if tag == "spatial" else shape[1]
        queryable = layer.queryables[prop]
        if tag == "cmp":
            _, _, op, casei, kind = shape
            value = param(kind)
            if queryable.kind == "member":
                held = member(prop, lambda code: code == value)
                return held if op == "=" else not_(held)
            if queryable.kind == "flag":
                flag = layer.flags[prop](table)
                return flag == value if op == "=" else flag != value
            return _compare(column(prop, casei), op, value)
        if tag == "in":
            _, _, casei, kinds = shape
            values = array_param(kinds)
            if queryable.kind == "member":
                return member(prop, lambda code: code == any_(values))
            return column(prop, casei) == any_(values)
        if tag == "like":
            _, _, casei, kind = shape
            return column(prop, casei).like(param(kind), escape="\\")
        if tag == "between":
            _, _, low, high = shape
            return column(prop).between(param(low), param(high))
        if tag == "null":
            if queryable.kind == "member":
                return not_(member(prop, lambda code: code.is_not(None)))
            if queryable.kind == "flag":
                return false()
            return column(prop).is_(None)
        if tag == "spatial":
            _, op, _, kind = shape
            geometry = param(kind)
            if op == "s_disjoint":
                return not_(func.ST_Intersects(column(prop), geometry))
            return SPATIAL_FUNCTIONS[op](column(prop), geometry)
        raise ValueError(f"unknown filter structure {tag}")

    return build(structure)


def _compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    if op == "=":
        return left == right
    if op == "<>":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    raise ValueError(f"unknown comparison {op}")


def _in_storage(geometry: Any, srid: int, storage_srid: int) -> Any:
    """A literal geometry moved into the storage CRS, so that the column's spatial index serves."""
    return geometry if srid == storage_srid else func.ST_Transform(geometry, storage_srid)
