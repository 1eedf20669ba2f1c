"""geoplatform: a PostGIS-backed basic-data platform for strategic mineral resources."""

__version__ = "0.1.0"
