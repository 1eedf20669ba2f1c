"""The coordinate reference systems the services speak, each with its axis order.

OGC API – Features Part 2 and WFS name CRSs by URI and use each CRS's own axis order: EPSG:4326
and EPSG:4490 (CGCS2000) are latitude first, the CGCS2000 Gauss-Krüger zones northing first,
EPSG:3857 easting first; only OGC's CRS84 is longitude first. PostGIS keeps x = easting/longitude
whatever the EPSG definition says, so a CRS with ``y_first`` has its coordinates swapped on the
way out (``ST_FlipCoordinates``) and on the way in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geoplatform.errors import InvalidParameter

OGC_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"


@dataclass(frozen=True)
class CRS:
    uri: str
    srid: int
    y_first: bool
    decimals: int
    """Decimals written: 6 for degrees (~0.1 m), 2 for metres."""
    title: str

    @property
    def urn(self) -> str:
        """The URN form WFS responses use (``urn:ogc:def:crs:EPSG::4326``)."""
        if self.uri == OGC_CRS84:
            return "urn:ogc:def:crs:OGC:1.3:CRS84"
        return f"urn:ogc:def:crs:EPSG::{self.srid}"


def _zone(srid: int, title: str) -> CRS:
    return CRS(EPSG_URI.format(code=srid), srid, True, 2, title)


def _gauss_kruger() -> list[CRS]:
    """CGCS2000 Gauss-Krüger zones as EPSG defines them (all northing first): 6-degree zones 13-23
    with and without the zone prefix, 3-degree zones 25-45 with and without."""
    zones: list[CRS] = []
    for offset, zone in enumerate(range(13, 24)):
        zones.append(_zone(4491 + offset, f"CGCS2000 / Gauss-Kruger zone {zone}"))
        zones.append(_zone(4502 + offset, f"CGCS2000 / Gauss-Kruger CM {75 + 6 * offset}E"))
    for offset, zone in enumerate(range(25, 46)):
        zones.append(_zone(4513 + offset, f"CGCS2000 / 3-degree Gauss-Kruger zone {zone}"))
        zones.append(_zone(4534 + offset, f"CGCS2000 / 3-degree Gauss-Kruger CM {75 + 3 * offset}E"))
    return zones


CRS84 = CRS(OGC_CRS84, 4326, False, 6, "WGS 84 longitude/latitude (CRS84)")
WGS84 = CRS(EPSG_URI.format(code=4326), 4326, True, 6, "WGS 84 (latitude, longitude)")
CGCS2000 = CRS(EPSG_URI.format(code=4490), 4490, True, 6, "CGCS2000 (latitude, longitude)")
WEB_MERCATOR = CRS(EPSG_URI.format(code=3857), 3857, False, 2, "WGS 84 / Pseudo-Mercator")
SUPPORTED: tuple[CRS, ...] = (CRS84, WGS84, CGCS2000, WEB_MERCATOR, *_gauss_kruger())
BY_URI = {crs.uri: crs for crs in SUPPORTED}
BY_SRID = {crs.srid: crs for crs in SUPPORTED if crs.uri != OGC_CRS84}

_FORMS = (
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$"),
    re.compile(r"^urn:ogc:def:crs:EPSG:[0-9.]*:(\d+)$", re.IGNORECASE),
    re.compile(r"^EPSG:(\d+)$", re.IGNORECASE),
    re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$"),
)
_CRS84_FORMS = frozenset(
    {
        OGC_CRS84,
        "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "urn:ogc:def:crs:ogc:1.3:crs84",
        "crs84",
        "ogc:crs84",
    }
)


def parse_crs(raw: str, parameter: str = "crs") -> CRS:
    """A CRS named as a URI, a URN or ``EPSG:n``; a 400 naming the parameter when unsupported.

    The old forms ``EPSG:4326`` and ``…/gml/srs/epsg.xml#4326`` are read longitude first, as
    WFS 1.x clients that send them expect; URIs and URNs follow the EPSG axis order.
    """
    text = raw.strip()
    if text in _CRS84_FORMS or text.lower() in _CRS84_FORMS:
        return CRS84
    for index, form in enumerate(_FORMS):
        found = form.match(text)
        if found:
            crs = BY_SRID.get(int(found.group(1)))
            if crs is None:
                break
            legacy = index >= 2
            if legacy and crs.y_first and crs.srid in (4326, 4490):
                return CRS(crs.uri, crs.srid, False, crs.decimals, crs.title)
            return crs
    raise InvalidParameter(
        f"Parameter '{parameter}' names a CRS this service does not offer; see the collection's 'crs' list."
    )
