"""Request parameters → a typed, validated :class:`FeatureQuery`.

Everything a client sends is checked here against fixed rules and the codelists; the SQL builder
only ever sees this typed object. Error messages name the parameter and the rule, never the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoplatform.errors import InvalidParameter
from layers.registry import Layer

REGION_PATTERN = re.compile(r"^[1-9][0-9]{5}$")
KNOWN_PARAMETERS = frozenset({"bbox", "commodity", "status", "region", "limit", "offset", "f", "lang"})


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


def parse_codes(raw: str | None, name: str, allowed: Mapping[str, Any], aliases: Mapping[str, str]) -> tuple[str, ...]:
    """Comma-separated codes, each a known code (or alias such as a chemical symbol)."""
    if raw is None or raw.strip() == "":
        return ()
    codes = []
    for part in raw.split(","):
        token = part.strip()
        code = token if token in allowed else aliases.get(token.lower())
        if code is None:
            raise InvalidParameter(
                f"Parameter '{name}' has an unknown code; the allowed codes are listed at /api/v1/codelists."
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def commodity_aliases(commodities: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Lower-case symbol, English and Chinese name → commodity code (``Li``, ``lithium``, ``锂``)."""
    aliases: dict[str, str] = {}
    for code, row in commodities.items():
        for alias in (code, row.get("symbol"), row.get("name_en"), row.get("name_zh")):
            if alias:
                aliases.setdefault(str(alias).lower(), code)
    return aliases


def parse_region(raw: str | None, regions: Mapping[str, Any]) -> str | None:
    if raw is None or raw.strip() == "":
        return None
    code = raw.strip()
    if not REGION_PATTERN.fullmatch(code):
        raise InvalidParameter("Parameter 'region' must be a six-digit GB/T 2260 code, e.g. 510000.")
    if code not in regions:
        raise InvalidParameter("Parameter 'region' is not a known GB/T 2260 region code.")
    return code


def parse_feature_query(
    args: Mapping[str, str],
    layer: Layer,
    codelists: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    default_limit: int,
    max_limit: int,
) -> FeatureQuery:
    """Validate request parameters for ``layer``; raise :class:`InvalidParameter` on the first problem."""
    unknown = sorted(set(args) - KNOWN_PARAMETERS)
    if unknown:
        raise InvalidParameter(
            "Unknown query parameter; this endpoint accepts " + ", ".join(sorted(KNOWN_PARAMETERS)) + "."
        )
    bbox_raw = args.get("bbox")
    return FeatureQuery(
        limit=parse_int(args.get("limit"), "limit", default_limit, 1, max_limit),
        offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
        bbox=parse_bbox(bbox_raw) if bbox_raw else None,
        commodities=parse_codes(
            args.get("commodity"),
            "commodity",
            codelists["commodity"],
            commodity_aliases(codelists["commodity"]) if args.get("commodity") else {},
        ),
        statuses=parse_codes(args.get("status"), "status", codelists[layer.status_codelist], {}),
        region=parse_region(args.get("region"), codelists["admin_region"]),
    )
