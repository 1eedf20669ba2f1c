"""The Flask web app: pages, the GeoJSON API and authentication. Built only by :func:`create_app`."""

from web.app import create_app

__all__ = ["create_app"]
