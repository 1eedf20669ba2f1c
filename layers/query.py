"""Request parameters → a typed, validated :class:`FeatureQuery`.

Everything a client sends is checked here against fixed rules and the codelists; the SQL builder
only ever sees this typed object. Error messages name the parameter and the rule, never the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geoplatform.errors import InvalidParameter
from geoplatform.vocabulary import ValueProblem, Vocabulary
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
    """A validated page request for one layer."""

    limit: int
    offset: int = 0
    bbox: BBox | None = None
    commodities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    region: str | None = None
    countries: tuple[str, ...] = ()
    chinese_stake: bool | None = None
    """True: only records in which a Chinese company holds a current stake; False: only the others."""
    abroad: bool | None = None
    """True: only records outside China; False: only those in China."""

    def filter_args(self) -> dict[str, str]:
        """The filter parameters as they appear in a URL (for next/prev links)."""
        args: dict[str, str] = {}
        if self.bbox:
            args["bbox"] = ",".join(repr(v) for v in (self.bbox.minx, self.bbox.miny, self.bbox.maxx, self.bbox.maxy))
        if self.commodities:
            args["commodity"] = ",".join(self.commodities)
        if self.statuses:
            args["status"] = ",".join(self.statuses)
        if self.region:
            args["region"] = self.region
        if self.countries:
            args["country"] = ",".join(self.countries)
        if self.chinese_stake is not None:
            args["chinese_stake"] = "true" if self.chinese_stake else "false"
        if self.abroad is not None:
            args["abroad"] = "true" if self.abroad else "false"
        return args


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
    """Validate request parameters for ``layer``; raise :class:`InvalidParameter` on the first problem."""
    unknown = sorted(set(args) - KNOWN_PARAMETERS)
    if unknown:
        raise InvalidParameter(
            "Unknown query parameter; this endpoint accepts " + ", ".join(sorted(KNOWN_PARAMETERS)) + "."
        )
    words = vocabulary or Vocabulary.from_codelists(codelists)
    bbox_raw = args.get("bbox")
    status_list = STATUS_LISTS[layer.status_codelist]
    countries, implied_region = parse_countries(args.get("country"), words)
    return FeatureQuery(
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
        bbox=parse_bbox(bbox_raw) if bbox_raw else None,
        commodities=parse_codes(args.get("commodity"), "commodity", one_commodity(words)),
        statuses=parse_codes(args.get("status"), "status", lambda token: words.code_of(status_list, token)),
        region=parse_region(args.get("region"), codelists["admin_region"], words) or implied_region,
        countries=countries,
        chinese_stake=parse_flag(args.get("chinese_stake"), "chinese_stake"),
        abroad=parse_flag(args.get("abroad"), "abroad"),
    )
