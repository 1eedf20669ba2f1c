"""Queryables: the only property names a filter may use, with their types, titles and codelists.

:func:`resolve` checks a parsed filter tree against a layer's queryables before any SQL exists:
unknown properties, operators that do not fit a property's type and values of the wrong type are
a 400 that names what is allowed (never the offending input). Codelist values are normalised
through the vocabulary, so ``commodity = '锂'`` means the same as ``commodity = 'li'``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from geoplatform.errors import InvalidParameter
from geoplatform.vocabulary import ValueProblem, Vocabulary
from layers.filter_tree import (
    And,
    Between,
    Comparison,
    In,
    IsNull,
    Like,
    Node,
    Not,
    Or,
    Scalar,
    Spatial,
)

if TYPE_CHECKING:
    from layers.registry import Layer

TYPES = ("string", "number", "integer", "boolean", "date", "date-time", "geometry")
ORDERED = frozenset({"string", "number", "integer", "date", "date-time"})


@dataclass(frozen=True)
class Queryable:
    """One filterable property.

    ``kind`` says how it reaches SQL: ``column`` (a column of the layer's table), ``member`` (the
    record has a row with this code in the layer's link table: commodities) or ``flag`` (a
    boolean the layer computes: a current Chinese stake).
    """

    name: str
    type: str
    title_zh: str
    title_en: str
    column: str | None = None
    kind: str = "column"
    codelist: str | None = None
    """Codelist table whose codes are the allowed values (``enum`` in the queryables schema)."""
    vocabulary: str | None = None
    """How stated values are normalised: ``commodity``, ``country`` or a vocabulary list name."""
    geometry_type: str | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"queryable {self.name}: unknown type {self.type}")
        if self.kind == "column" and self.column is None:
            object.__setattr__(self, "column", self.name)

    @property
    def operators(self) -> frozenset[str]:
        if self.type == "geometry":
            return frozenset({"spatial", "null"})
        if self.kind == "member":
            return frozenset({"=", "<>", "in"})
        if self.kind == "flag" or self.type == "boolean":
            return frozenset({"=", "<>", "null"})
        ops = {"=", "<>", "in", "null"}
        if self.type in ORDERED:
            ops |= {"<", "<=", ">", ">=", "between"}
        if self.type == "string":
            ops |= {"like", "casei"}
        return frozenset(ops)

    def coerce(self, value: object) -> Scalar:
        """The value as this property's type, or a 400 naming the property and the type."""
        problem = InvalidParameter(f"Property '{self.name}' takes {self.type} values.")
        if isinstance(value, bool) != (self.type == "boolean"):
            raise problem
        if self.type == "string":
            if not isinstance(value, str):
                raise problem
            if "\x00" in value:
                # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
                raise InvalidParameter(f"Property '{self.name}' cannot take text with NUL characters.")
            return value
        if self.type == "boolean":
            return bool(value)
        if self.type in ("number", "integer"):
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise problem
            if self.type == "integer":
                if value != int(value):
                    raise problem
                return int(value)
            return float(value)
        if self.type == "date":
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value[:10])
                except ValueError:
                    raise problem from None
            raise problem
        if self.type == "date-time":
            if isinstance(value, dt.datetime):
                return value
            if isinstance(value, str):
                try:
                    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    raise problem from None
            raise problem
        raise problem

    def parse_text(self, raw: str) -> Scalar:
        """A value written in a URL (``?green_channel=true``, ``?capacity=20``) as this type."""
        text = raw.strip()
        if self.type == "boolean":
            lowered = text.lower()
            if lowered in ("true", "1", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
            raise InvalidParameter(f"Parameter '{self.name}' must be true or false.")
        if self.type in ("number", "integer"):
            try:
                number = float(text)
            except ValueError:
                raise InvalidParameter(f"Parameter '{self.name}' must be a number.") from None
            return self.coerce(int(number) if self.type == "integer" and number.is_integer() else number)
        return self.coerce(text)

    def normalise(self, value: Scalar, vocabulary: Vocabulary) -> Scalar:
        """A codelist value in any spelling the vocabulary knows → its code (400 when unknown)."""
        if self.vocabulary is None or not isinstance(value, str):
            return value
        where = f" (see /api/v1/codelists/{self.codelist})" if self.codelist else ""
        problem = InvalidParameter(f"Property '{self.name}' has no such value{where}.")
        try:
            if self.vocabulary == "commodity":
                found = vocabulary.commodity_list(value)
                if len(found) != 1:
                    raise problem
                return found[0]
            if self.vocabulary == "country":
                country = vocabulary.country(value)
                if country is None:
                    raise problem
                return country[0]
            code = vocabulary.code_of(self.vocabulary, value)
        except ValueProblem:
            raise problem from None
        if code is None:
            raise problem
        return code


def _lowered(value: Scalar, case_insensitive: bool) -> Scalar:
    """Case-insensitive comparisons lower the literal once, here, and the column in SQL."""
    return value.lower() if case_insensitive and isinstance(value, str) else value


def _unknown(layer: Layer) -> InvalidParameter:
    names = ", ".join(layer.queryables)
    return InvalidParameter(f"Unknown property in the filter; the queryables of '{layer.name}' are: {names}.")


def resolve(node: Node, layer: Layer, vocabulary: Vocabulary) -> Node:
    """``node`` with every property checked and every value coerced; a 400 on the first problem."""

    def queryable(name: str, operator: str) -> Queryable:
        found = layer.queryables.get(name) or layer.queryables.get(layer.property_aliases.get(name, ""))
        if found is None:
            raise _unknown(layer)
        if operator not in found.operators:
            allowed = ", ".join(sorted(found.operators))
            raise InvalidParameter(f"Property '{found.name}' does not support this operator; it supports: {allowed}.")
        return found

    def visit(n: Node) -> Node:
        if isinstance(n, And | Or):
            return type(n)(tuple(visit(a) for a in n.args))
        if isinstance(n, Not):
            return Not(visit(n.arg))
        if isinstance(n, Comparison):
            q = queryable(n.prop, n.op)
            if n.case_insensitive:
                queryable(n.prop, "casei")
            value = q.normalise(q.coerce(n.value), vocabulary)
            return Comparison(q.name, n.op, _lowered(value, n.case_insensitive), n.case_insensitive)
        if isinstance(n, Like):
            q = queryable(n.prop, "like")
            if n.case_insensitive:
                queryable(n.prop, "casei")
            return replace(n, prop=q.name, pattern=_lowered(q.coerce(n.pattern), n.case_insensitive))
        if isinstance(n, In):
            q = queryable(n.prop, "in")
            if n.case_insensitive:
                queryable(n.prop, "casei")
            values = tuple(
                dict.fromkeys(_lowered(q.normalise(q.coerce(v), vocabulary), n.case_insensitive) for v in n.values)
            )
            return In(q.name, values, n.case_insensitive)
        if isinstance(n, Between):
            q = queryable(n.prop, "between")
            return Between(q.name, q.coerce(n.low), q.coerce(n.high))
        if isinstance(n, IsNull):
            return IsNull(queryable(n.prop, "null").name)
        if isinstance(n, Spatial):
            return replace(n, prop=queryable(n.prop, "spatial").name)
        raise TypeError(f"not a filter node: {n!r}")

    return visit(node)


def catalogue_queryables(
    *specific: Queryable, geometry_type: str = "Point", column: str = "geom"
) -> dict[str, Queryable]:
    """The queryables every catalogue layer has (code, names, place, commodity, stake, geometry),
    then the layer's own."""
    shared = (
        Queryable("code", "string", "编号", "Code"),
        Queryable("name_zh", "string", "中文名称", "Chinese name"),
        Queryable("name_en", "string", "英文名称", "English name"),
        Queryable("name", "string", "名称(原文)", "Name (as published)"),
        Queryable("country_code", "string", "国家", "Country", codelist="country", vocabulary="country"),
        Queryable("region_code", "string", "行政区划", "Region (GB/T 2260)", codelist="admin_region"),
        Queryable("subdivision_code", "string", "一级行政区", "Subdivision (ISO 3166-2)"),
        Queryable(
            "commodity", "string", "矿种", "Commodity", kind="member", codelist="commodity", vocabulary="commodity"
        ),
        Queryable("chinese_stake", "boolean", "中资持股", "Chinese stake", kind="flag"),
        Queryable("status_as_of", "date", "状态日期", "Status as of"),
    )
    found = {q.name: q for q in (*shared, *specific)}
    found["geometry"] = Queryable(
        "geometry", "geometry", "位置", "Location", column=column, geometry_type=geometry_type
    )
    return found
