"""Connecting to PostGIS: the configured server or the embedded cluster, then migrations and codelists.

``open_database(settings)`` is the one door: it resolves the URL (starting the embedded cluster if
no URL is configured), builds the engine with the session settings the app relies on (no JIT, a
statement timeout), and brings the schema to the newest migration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from geoplatform.cluster import EmbeddedCluster, PostGISNotFound, install_hint
from geoplatform.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` URLs as well and always drive them with psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    return EmbeddedCluster(Path(settings.data_dir), settings.pg_bin)


def resolve_database_url(settings: Settings) -> URL:
    """The configured URL, or the URL of the embedded cluster (started if it is not running)."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    return embedded_cluster(settings).start().url()


SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"
"""Session settings of every geoplatform connection, each measured on 1,000,000 deposits (bench/):

- ``jit=off``: JIT compilation made dense ST_AsMVT / json_agg queries several times slower;
- ``max_parallel_workers_per_gather=0``: starting parallel workers cost 10-25 ms per page query,
  more than the whole serial LIMIT query (a 1,000-feature bbox page: 20 ms serial, 30-45 ms parallel).
"""

CUSTOM_PLAN = "geoplatform_custom_plan"
"""Execution option of statements whose best plan depends on their values (a bbox, a filter, a tile).

psycopg prepares a statement after five runs, and PostgreSQL may then switch to a generic plan that
cannot see the values: the 1,000-feature bbox page took 300 ms instead of 20 ms that way. Statements
carrying this option are never prepared, so each run is planned with its values. Every other
statement (one feature by code, the data version, the approvals check) is prepared as psycopg
decides and keeps its generic plan: one feature by code spent 1.7 ms of its 2.5 ms planning a
custom plan on every request, against 0.56 ms in all with the generic one (measured on 1,000,000
deposits; until 2026-12-01 the sessions forced custom plans for everything)."""


def prepare_for(statement: Any) -> bool | None:
    """psycopg's ``prepare`` argument for ``statement`` (False: never prepared), as the engine decides it."""
    return False if statement.get_execution_options().get(CUSTOM_PLAN) else None


def _execute_unprepared(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    if context.execution_options.get(CUSTOM_PLAN):
        cursor.execute(statement, parameters, prepare=False)
        return True
    return False


def create_db_engine(url: str | URL, statement_timeout_ms: int = 0, pool_size: int = 5) -> Engine:
    """An engine whose connections use :data:`SESSION_OPTIONS` (and a statement timeout if given)."""
    options = SESSION_OPTIONS
    if statement_timeout_ms:
        options += f" -c statement_timeout={int(statement_timeout_ms)}"
    engine = create_engine(
        normalise_url(url),
        connect_args={"options": options, "application_name": "geoplatform"},
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=10,
    )
    event.listen(engine, "do_execute", _execute_unprepared)
    return engine


def create_extensions(engine: Engine) -> None:
    """``CREATE EXTENSION postgis, pg_trgm`` with a message that names the package when missing."""
    with engine.begin() as conn:
        for extension in ("postgis", "pg_trgm"):
            try:
                with conn.begin_nested():
                    conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {extension}"))
            except DBAPIError as exc:
                version = conn.execute(text("SHOW server_version_num")).scalar_one()
                major = int(version) // 10000
                raise PostGISNotFound(
                    f"The database server cannot create the {extension} extension ({exc.orig}). " + install_hint(major)
                ) from None


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head", progress: Callable[[str], None] | None = None) -> None:
    """Apply migrations up to ``revision``, synchronise the codelists and load the boundaries if needed.

    The boundaries (countries and China's provinces) are data from a registry package, like the
    codelists: a database without them could not place a single record, so they are part of the
    schema being ready. Loading takes about half a minute, once per database and package version.
    """
    from geoplatform.boundaries import ensure_boundaries
    from geoplatform.codelists import sync_codelists

    create_extensions(engine)
    command.upgrade(alembic_config(engine), revision)
    if revision == "head":
        sync_codelists(engine)
        ensure_boundaries(engine, progress)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def open_database(
    settings: Settings, *, migrate_schema: bool = True, progress: Callable[[str], None] | None = None
) -> Engine:
    """Engine for the configured (or embedded) database, schema at the newest migration."""
    engine = create_db_engine(resolve_database_url(settings), settings.statement_timeout_ms)
    if migrate_schema:
        migrate(engine, progress=progress)
    return engine
