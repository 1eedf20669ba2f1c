"""Request parameters → a typed, validated :class:`FeatureQuery` whose filter is a tree.

Everything a client sends is checked here against fixed rules, the codelists and the layer's
queryables; the SQL builder only ever sees the resolved tree (:mod:`layers.filter_tree`). Error
messages name the parameter and the rule, never the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geoplatform.errors import InvalidParameter
from geoplatform.vocabulary import ValueProblem, Vocabulary
from layers.cql2_filter import parse_filter
from layers.crs import CRS, CRS84, parse_crs
from layers.filter_tree import Between, Comparison, Envelope, In, Node, Spatial, conjunction
from layers.queryables import resolve
from layers.registry import Layer

REGION_PATTERN = re.compile(r"^[1-9][0-9]{5}$")
KNOWN_PARAMETERS = frozenset(
    {"bbox", "commodity", "status", "region", "country", "chinese_stake", "abroad", "limit", "offset", "f", "lang"}
)
STATUS_LISTS = {"development_status": "status", "project_stage": "project_stage"}
"""A layer's status codelist → its list in the vocabulary (which knows every spelling of its codes)."""


@dataclass(frozen=True)
class BBox:
    minx: float
    miny: float
    maxx: float
    maxy: float


@dataclass(frozen=True)
class FeatureQuery:
    """A validated page request for one layer: a resolved filter tree and a page window."""

    limit: int
    offset: int = 0
    filter: Node | None = None
    """The filter, checked against the layer's queryables (None: every feature)."""
    link_args: tuple[tuple[str, str], ...] = ()
    """The filter parameters as they appear in a URL, canonicalised (for next/prev links)."""
    sort: tuple[tuple[str, bool], ...] = ()
    """``((queryable, descending), …)`` before the id order (WFS SORTBY)."""

    def filter_args(self) -> dict[str, str]:
        return dict(self.link_args)


def parse_bbox(raw: str) -> BBox:
    parts = raw.split(",")
    message = "Parameter 'bbox' must be four comma-separated numbers minx,miny,maxx,maxy in WGS 84 degrees."
    if len(parts) != 4:
        raise InvalidParameter(message)
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter(message) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InvalidParameter(message)
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter("Parameter 'bbox' is outside -180..180 longitude or -90..90 latitude.")
    if minx > maxx or miny > maxy:
        raise InvalidParameter("Parameter 'bbox' must have minx <= maxx and miny <= maxy.")
    return BBox(minx, miny, maxx, maxy)


def parse_int(raw: str | None, name: str, default: int, minimum: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,12}", raw.strip()):
        raise InvalidParameter(f"Parameter '{name}' must be a whole number.")
    value = int(raw)
    if value < minimum:
        raise InvalidParameter(f"Parameter '{name}' must be at least {minimum}.")
    if value > maximum:
        raise InvalidParameter(f"Parameter '{name}' must be at most {maximum}.")
    return value


def parse_codes(raw: str | None, name: str, lookup: Callable[[str], str | None]) -> tuple[str, ...]:
    """Comma-separated values, each any spelling the vocabulary knows (a code, a name, a symbol)."""
    if raw is None or raw.strip() == "":
        return ()
    codes: list[str] = []
    for part in raw.split(","):
        if not part.strip():
            continue
        try:
            code = lookup(part.strip())
        except ValueProblem:
            code = None
        if code is None:
            raise InvalidParameter(
                f"Parameter '{name}' has an unknown code; the allowed codes are listed at /api/v1/codelists."
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def one_commodity(vocabulary: Vocabulary) -> Callable[[str], str | None]:
    def lookup(token: str) -> str | None:
        found = vocabulary.commodity_list(token)
        return found[0] if len(found) == 1 else None

    return lookup


def parse_region(raw: str | None, regions: Mapping[str, Any], vocabulary: Vocabulary) -> str | None:
    """A GB/T 2260 code (a province covers its prefectures and counties), or a province's name."""
    if raw is None or raw.strip() == "":
        return None
    code = raw.strip()
    if not code.isdigit():
        try:
            return vocabulary.region(code)
        except ValueProblem:
            raise InvalidParameter(
                "Parameter 'region' is not a known region: give a GB/T 2260 code (e.g. 510000) or a province's name."
            ) from None
    if not REGION_PATTERN.fullmatch(code):
        raise InvalidParameter("Parameter 'region' must be a six-digit GB/T 2260 code, e.g. 510000.")
    if code not in regions:
        raise InvalidParameter("Parameter 'region' is not a known GB/T 2260 region code.")
    return code


def parse_countries(raw: str | None, vocabulary: Vocabulary) -> tuple[tuple[str, ...], str | None]:
    """Comma-separated countries (ISO codes, Chinese or English names); and the region a country name
    stands for (``Hong Kong`` is China's 810000). Unknown ones are a 400 that suggests known ones."""
    if raw is None or raw.strip() == "":
        return (), None
    codes: list[str] = []
    region = None
    for part in raw.split(","):
        if not part.strip():
            continue
        try:
            found = vocabulary.country(part.strip())
        except ValueProblem as problem:
            suggestion = problem.description.partition("did you mean: ")[2].rstrip("?")
            hint = f" Did you mean: {suggestion}?" if suggestion else ""
            raise InvalidParameter(
                "Parameter 'country' is not a known country; give an ISO 3166-1 code or a Chinese or English name "
                f"(see /api/v1/codelists/country).{hint}"
            ) from None
        if found is None:
            continue
        code, implied_region = found
        region = implied_region or region
        if code not in codes:
            codes.append(code)
    return tuple(codes), region


def parse_flag(raw: str | None, name: str) -> bool | None:
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidParameter(f"Parameter '{name}' must be true or false.")


def parse_feature_query(
    args: Mapping[str, str],
    layer: Layer,
    codelists: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    default_limit: int,
    max_limit: int,
    vocabulary: Vocabulary | None = None,
) -> FeatureQuery:
    """Validate ``/api/v1`` request parameters for ``layer``; raise :class:`InvalidParameter` on the first problem."""
    unknown = sorted(set(args) - KNOWN_PARAMETERS)
    if unknown:
        raise InvalidParameter(
            "Unknown query parameter; this endpoint accepts " + ", ".join(sorted(KNOWN_PARAMETERS)) + "."
        )
    words = vocabulary or Vocabulary.from_codelists(codelists)
    nodes, link_args = shortcut_filters(args, layer, codelists, words)
    return FeatureQuery(
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
        filter=resolve_filter(conjunction(nodes), layer, words),
        link_args=tuple(link_args.items()),
    )


def resolve_filter(node: Node | None, layer: Layer, vocabulary: Vocabulary) -> Node | None:
    return None if node is None else resolve(node, layer, vocabulary)


def bbox_node(box: BBox, srid: int = 4326) -> Spatial:
    return Spatial("s_intersects", "geometry", Envelope(box.minx, box.miny, box.maxx, box.maxy, srid))


def shortcut_filters(
    args: Mapping[str, str],
    layer: Layer,
    codelists: Mapping[str, Mapping[str, Mapping[str, Any]]],
    vocabulary: Vocabulary,
    *,
    with_bbox: bool = True,
) -> tuple[list[Node], dict[str, str]]:
    """The named query-string filters as tree nodes, and their canonical spelling for links.

    ``bbox`` (WGS 84 degrees), ``commodity``, ``status``, ``region``, ``country``,
    ``chinese_stake`` and ``abroad`` each become one node; ``region`` covers the region's
    subdivisions and a country name such as Hong Kong stands for its GB/T 2260 region.
    """
    nodes: list[Node] = []
    link: dict[str, str] = {}
    bbox_raw = args.get("bbox") if with_bbox else None
    if bbox_raw:
        box = parse_bbox(bbox_raw)
        nodes.append(bbox_node(box))
        link["bbox"] = ",".join(repr(v) for v in (box.minx, box.miny, box.maxx, box.maxy))
    commodities = parse_codes(args.get("commodity"), "commodity", one_commodity(vocabulary))
    if commodities:
        nodes.append(In("commodity", commodities))
        link["commodity"] = ",".join(commodities)
    if args.get("status") and not (layer.status_column and layer.status_codelist):
        raise InvalidParameter("Parameter 'status' does not apply to this collection.")
    status_list = STATUS_LISTS.get(layer.status_codelist or "", "status")
    statuses = parse_codes(args.get("status"), "status", lambda token: vocabulary.code_of(status_list, token))
    if statuses and layer.status_column:
        nodes.append(In(layer.status_column, statuses))
        link["status"] = ",".join(statuses)
    countries, implied_region = parse_countries(args.get("country"), vocabulary)
    region = parse_region(args.get("region"), codelists["admin_region"], vocabulary) or implied_region
    if region:
        low, high = region_range(region)
        nodes.append(Between("region_code", low, high))
        link["region"] = region
    if countries:
        nodes.append(In("country_code", countries))
        link["country"] = ",".join(countries)
    chinese_stake = parse_flag(args.get("chinese_stake"), "chinese_stake")
    if chinese_stake is not None:
        nodes.append(Comparison("chinese_stake", "=", chinese_stake))
        link["chinese_stake"] = "true" if chinese_stake else "false"
    abroad = parse_flag(args.get("abroad"), "abroad")
    if abroad is not None:
        nodes.append(Comparison("country_code", "<>" if abroad else "=", "CN"))
        link["abroad"] = "true" if abroad else "false"
    return nodes, link


def region_range(code: str) -> tuple[str, str]:
    """A GB/T 2260 code covers its own subdivisions: 510000 → 510000..519999, 510100 → 510100..510199."""
    if code.endswith("0000"):
        return code, code[:2] + "9999"
    if code.endswith("00"):
        return code, code[:4] + "99"
    return code, code


ITEMS_PARAMETERS = frozenset(
    {
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "filter",
        "filter-lang",
        "filter-crs",
        "limit",
        "offset",
        "f",
        "lang",
        "commodity",
        "status",
        "region",
        "country",
        "chinese_stake",
        "abroad",
    }
)
"""What ``/ogcapi/collections/{id}/items`` accepts besides one parameter per queryable."""


@dataclass(frozen=True)
class ItemsRequest:
    query: FeatureQuery
    crs: CRS


def parse_items_query(
    args: Mapping[str, str],
    layer: Layer,
    codelists: Mapping[str, Mapping[str, Mapping[str, Any]]],
    vocabulary: Vocabulary,
    *,
    default_limit: int,
    max_limit: int,
) -> ItemsRequest:
    """OGC API – Features items parameters (Parts 1-3) → a query and the output CRS.

    ``bbox`` is read in ``bbox-crs`` (default CRS84) with that CRS's axis order, filter literals in
    ``filter-crs``; each queryable may also be given as a parameter of its own (``?stage=mining``).
    Anything else is a 400 that lists what is accepted.
    """
    queryable_parameters = {name for name, q in layer.queryables.items() if q.type != "geometry"}
    unknown = set(args) - ITEMS_PARAMETERS - queryable_parameters
    if unknown:
        accepted = ", ".join(sorted(ITEMS_PARAMETERS | queryable_parameters))
        raise InvalidParameter(f"Unknown query parameter; this endpoint accepts: {accepted}.")
    output_crs = parse_crs(args["crs"], "crs") if args.get("crs") else CRS84
    nodes, _ = shortcut_filters(args, layer, codelists, vocabulary, with_bbox=False)
    if args.get("bbox"):
        bbox_crs = parse_crs(args["bbox-crs"], "bbox-crs") if args.get("bbox-crs") else CRS84
        nodes.append(parse_ogc_bbox(args["bbox"], bbox_crs))
    elif args.get("bbox-crs"):
        parse_crs(args["bbox-crs"], "bbox-crs")
    if args.get("datetime"):
        nodes.append(parse_datetime(args["datetime"], layer))
    for name in sorted(queryable_parameters & set(args)):
        if name in ITEMS_PARAMETERS:
            continue
        queryable = layer.queryables[name]
        values = (
            [part for part in args[name].split(",") if part.strip()] if queryable.type == "string" else [args[name]]
        )
        parsed = tuple(queryable.parse_text(value) for value in values)
        if parsed:
            nodes.append(Comparison(name, "=", parsed[0]) if len(parsed) == 1 else In(name, parsed))
    if args.get("filter"):
        filter_crs = parse_crs(args["filter-crs"], "filter-crs") if args.get("filter-crs") else CRS84
        nodes.append(parse_filter(args["filter"], args.get("filter-lang"), filter_crs))
    elif args.get("filter-lang") or args.get("filter-crs"):
        raise InvalidParameter("Parameters 'filter-lang' and 'filter-crs' need a 'filter'.")
    query = FeatureQuery(
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
        filter=resolve_filter(conjunction(nodes), layer, vocabulary),
    )
    return ItemsRequest(query, output_crs)


def parse_ogc_bbox(raw: str, crs: CRS) -> Spatial:
    """``minx,miny,maxx,maxy`` (or six numbers with heights) in ``crs`` and its axis order."""
    parts = raw.split(",")
    message = "Parameter 'bbox' must be four (or six) comma-separated numbers, lower corner first."
    if len(parts) not in (4, 6):
        raise InvalidParameter(message)
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise InvalidParameter(message) from None
    if not all(math.isfinite(v) for v in numbers):
        raise InvalidParameter(message)
    half = len(numbers) // 2
    a1, b1, a2, b2 = numbers[0], numbers[1], numbers[half], numbers[half + 1]
    x1, y1, x2, y2 = (b1, a1, b2, a2) if crs.y_first else (a1, b1, a2, b2)
    degrees = crs.srid in (4326, 4490)
    if degrees and not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise InvalidParameter("Parameter 'bbox' is outside -180..180 longitude or -90..90 latitude.")
    if y1 > y2 or x1 > x2:
        raise InvalidParameter("Parameter 'bbox' must give the lower corner first.")
    return Spatial("s_intersects", "geometry", Envelope(x1, y1, x2, y2, crs.srid))


def parse_datetime(raw: str, layer: Layer) -> Node:
    """``datetime``: an instant or an interval (``a/b``, ``../b``, ``a/..``) on the layer's date."""
    name = layer.temporal_property
    if name is None:
        raise InvalidParameter("This collection has no temporal property to filter by 'datetime'.")
    queryable = layer.queryables[name]
    text = raw.strip()
    message = "Parameter 'datetime' must be a date or date-time (RFC 3339) or an interval start/end with '..' open."
    try:
        if "/" not in text:
            return Comparison(name, "=", queryable.coerce(text))
        start, _, end = text.partition("/")
        low = None if start in ("", "..") else queryable.coerce(start)
        high = None if end in ("", "..") else queryable.coerce(end)
    except InvalidParameter:
        raise InvalidParameter(message) from None
    if low is None and high is None:
        raise InvalidParameter(message)
    if low is not None and high is not None:
        if low > high:  # type: ignore[operator]
            raise InvalidParameter("Parameter 'datetime' has its end before its start.")
        return Between(name, low, high)
    return Comparison(name, ">=", low) if low is not None else Comparison(name, "<=", high)  # type: ignore[arg-type]
