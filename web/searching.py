"""The search box's parameters, read the same way by ``GET /api/v1/search`` and the ``/search`` page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geoplatform.errors import InvalidParameter
from geoplatform.search import KINDS, MAX_LIMIT, SearchQuery, check_text, ensure_search_terms, search
from geoplatform.vocabulary import ValueProblem, Vocabulary
from layers.query import parse_bbox, parse_int
from web import context
from web.floor import RECORD_PAGES

PARAMETERS = frozenset(
    {"q", "type", "commodity", "country", "province", "status", "bbox", "limit", "offset", "lang", "f"}
)


def _status(vocabulary: Vocabulary, raw: str) -> str:
    for list_name in ("status", "project_stage"):
        try:
            code = vocabulary.code_of(list_name, raw)
        except ValueProblem:
            continue
        if code:
            return code
    raise InvalidParameter(
        "Parameter 'status' takes a deposit status or a project stage "
        "(see /api/v1/codelists/development_status and /api/v1/codelists/project_stage)."
    )


def parse_search(args: Mapping[str, str], vocabulary: Vocabulary, default_limit: int = 20) -> SearchQuery:
    """A :class:`SearchQuery` from request arguments; a 400 naming the parameter otherwise."""
    unknown = sorted(set(args) - PARAMETERS)
    if unknown:
        raise InvalidParameter(
            f"Unknown parameter(s): {', '.join(unknown[:5])}. Allowed: {', '.join(sorted(PARAMETERS))}."
        )
    kinds = KINDS
    if args.get("type", "").strip():
        kinds = tuple(dict.fromkeys(k.strip() for k in args["type"].split(",") if k.strip()))
        if not kinds or set(kinds) - set(KINDS):
            raise InvalidParameter(f"Parameter 'type' takes {', '.join(KINDS)} (comma-separated).")
    commodity = country = province = status = None
    if args.get("commodity", "").strip():
        found = vocabulary.commodity_list(args["commodity"])
        if len(found) != 1:
            raise InvalidParameter("Parameter 'commodity' takes one commodity (see /api/v1/codelists/commodity).")
        commodity = found[0]
    if args.get("country", "").strip():
        stated = vocabulary.country(args["country"])
        country = stated[0] if stated else None
    if args.get("province", "").strip():
        province = vocabulary.region(args["province"])
    if args.get("status", "").strip():
        status = _status(vocabulary, args["status"])
    bbox = None
    if args.get("bbox", "").strip():
        box = parse_bbox(args["bbox"])
        bbox = (box.minx, box.miny, box.maxx, box.maxy)
    return SearchQuery(
        text=check_text(args.get("q")),
        kinds=kinds,
        commodity=commodity,
        country=country,
        province=province,
        status=status,
        bbox=bbox,
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, MAX_LIMIT),
        offset=parse_int(args.get("offset"), "offset", 0, 0, 100_000),
    )


def run_search(query: SearchQuery) -> dict[str, Any]:
    """The answer to ``query``, each result with the URL of its record page."""
    ensure_search_terms(context.engine())
    with context.read_engine().connect() as conn:
        answer = search(conn, context.vocabulary(), query)
    for result in answer["results"]:
        page = RECORD_PAGES[{"deposit": "deposits", "project": "projects", "company": "companies"}[result["type"]]]
        result["url"] = page + result["code"]
    return answer
