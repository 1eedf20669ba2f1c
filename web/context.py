"""Accessors for what create_app attached to the application (settings, engine, codelists)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Engine

from geoplatform.codelists import load_codelists
from geoplatform.config import Settings
from geoplatform.vocabulary import Vocabulary, load_vocabulary


def settings() -> Settings:
    return current_app.extensions["geoplatform"]["settings"]


def engine() -> Engine:
    return current_app.extensions["geoplatform"]["engine"]


def codelists() -> dict[str, dict[str, dict[str, Any]]]:
    return load_codelists(engine())


def vocabulary() -> Vocabulary:
    """Every spelling of every code (the importer reads files with the same one)."""
    return load_vocabulary(engine())


def read_engine() -> Engine:
    """The engine in autocommit mode, for single-statement reads.

    A read needs no transaction; without one psycopg sends no BEGIN and the pool no ROLLBACK, two
    round trips saved on every API request (measured in bench/bench_api.py).
    """
    return current_app.extensions["geoplatform"]["read_engine"]
