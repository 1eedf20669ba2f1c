"""The one filter tree: every way a client can filter (query-string shortcuts, CQL2 text and JSON,
and later FES XML) becomes these nodes, and only these nodes reach the SQL compiler.

The tree is deliberately small. A comparison always has a property on one side and a literal on
the other (never two properties, never an expression), which is what the OGC conformance classes
we declare need and what keeps the compiler a whitelist: property names are checked against the
layer's queryables, functions against :data:`ALLOWED_FUNCTIONS`, and literals only ever become
bound parameters.

:func:`lift` splits a tree into its *structure* (hashable, literals replaced by their kind) and its
*values*; statements are compiled and cached per structure, so ten thousand different bounding
boxes share one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator
from dataclasses import dataclass

from geoplatform.errors import InvalidParameter

MAX_DEPTH = 24
MAX_NODES = 400
MAX_LIST = 1000
MAX_VERTICES = 20_000
COMPARISON_OPS = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL_OPS = (
    "s_intersects",
    "s_disjoint",
    "s_within",
    "s_contains",
    "s_equals",
    "s_touches",
    "s_crosses",
    "s_overlaps",
)
ALLOWED_FUNCTIONS = ("casei",)
"""Functions a filter may call. Everything else is refused before any SQL exists."""


@dataclass(frozen=True)
class Envelope:
    """A bounding box in ``srid``, axes as x (easting/longitude) then y."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int = 4326


@dataclass(frozen=True)
class GeometryValue:
    """A literal geometry as WKB in ``srid`` (converted from GeoJSON/WKT by the parser)."""

    wkb: bytes
    srid: int = 4326


Scalar = str | int | float | bool | dt.date | dt.datetime
Literal = Scalar | Envelope | GeometryValue


@dataclass(frozen=True)
class Comparison:
    prop: str
    op: str
    value: Scalar
    case_insensitive: bool = False


@dataclass(frozen=True)
class Like:
    prop: str
    pattern: str
    """SQL LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes), as CQL2 defines it."""
    case_insensitive: bool = False


@dataclass(frozen=True)
class In:
    prop: str
    values: tuple[Scalar, ...]
    case_insensitive: bool = False


@dataclass(frozen=True)
class Between:
    prop: str
    low: Scalar
    high: Scalar


@dataclass(frozen=True)
class IsNull:
    prop: str


@dataclass(frozen=True)
class Spatial:
    op: str
    prop: str
    geometry: Envelope | GeometryValue


@dataclass(frozen=True)
class And:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    arg: Node


Node = Comparison | Like | In | Between | IsNull | Spatial | And | Or | Not


def conjunction(nodes: list[Node]) -> Node | None:
    """AND of the given conditions (None when there are none; the node itself when alone)."""
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.args if isinstance(node, And) else (node,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, And | Or):
        for arg in node.args:
            yield from walk(arg)
    elif isinstance(node, Not):
        yield from walk(node.arg)


def properties(node: Node) -> set[str]:
    return {n.prop for n in walk(node) if hasattr(n, "prop")}


def check_size(node: Node) -> None:
    """Refuse trees deep or large enough to cost the planner more than the query."""

    def depth(n: Node) -> int:
        if isinstance(n, And | Or):
            return 1 + max(depth(a) for a in n.args)
        if isinstance(n, Not):
            return 1 + depth(n.arg)
        return 1

    if depth(node) > MAX_DEPTH:
        raise InvalidParameter(f"The filter is nested too deeply (at most {MAX_DEPTH} levels).")
    nodes = list(walk(node))
    if len(nodes) > MAX_NODES:
        raise InvalidParameter(f"The filter has too many conditions (at most {MAX_NODES}).")
    for n in nodes:
        if isinstance(n, In) and len(n.values) > MAX_LIST:
            raise InvalidParameter(f"An IN list may have at most {MAX_LIST} values.")


def _kind(value: Literal) -> Hashable:
    if isinstance(value, Envelope):
        return ("envelope", value.srid)
    if isinstance(value, GeometryValue):
        return ("geometry", value.srid)
    return type(value).__name__


def lift(node: Node) -> tuple[Hashable, list[Literal]]:
    """``(structure, values)``: the structure names each literal's kind and position only.

    Two filters with the same structure compile to the same SQL; the values bind to ``f0, f1, …``
    in the order of :func:`walk`.
    """
    values: list[Literal] = []

    def slot(value: Literal) -> Hashable:
        values.append(value)
        return _kind(value)

    def shape(n: Node) -> Hashable:
        if isinstance(n, Comparison):
            return ("cmp", n.prop, n.op, n.case_insensitive, slot(n.value))
        if isinstance(n, Like):
            return ("like", n.prop, n.case_insensitive, slot(n.pattern))
        if isinstance(n, In):
            # The list binds as one array, so lists of any length share a statement.
            kinds = {_kind(v) for v in n.values}
            values.append(n.values)  # type: ignore[arg-type]
            return ("in", n.prop, n.case_insensitive, tuple(sorted(map(str, kinds))))
        if isinstance(n, Between):
            return ("between", n.prop, slot(n.low), slot(n.high))
        if isinstance(n, IsNull):
            return ("null", n.prop)
        if isinstance(n, Spatial):
            return ("spatial", n.op, n.prop, slot(n.geometry))
        if isinstance(n, And | Or):
            return (type(n).__name__, tuple(shape(a) for a in n.args))
        if isinstance(n, Not):
            return ("not", shape(n.arg))
        raise TypeError(f"not a filter node: {n!r}")

    return shape(node), values
