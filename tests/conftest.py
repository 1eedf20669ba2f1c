"""Test fixtures: one real PostGIS per test run, started by the same code as the demo.

Without ``GEOPLATFORM_TEST_DATABASE_URL`` the suite starts a private cluster (geoplatform.cluster)
in a temporary directory and deletes it afterwards. A template database is migrated and loaded
with the demo data once; tests that only read share one copy of it, tests that write get their
own copy (``CREATE DATABASE … TEMPLATE``), so no test sees another's changes.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from werkzeug.serving import make_server

from geoplatform.approvals.demo import load_demo_approvals
from geoplatform.cluster import EmbeddedCluster
from geoplatform.config import Settings, load_settings
from geoplatform.database import create_db_engine, migrate, normalise_url
from geoplatform.demo import load_demo
from geoplatform.scheduling.demo import load_demo_schedules
from geoplatform.supply.demo import load_demo_supply
from geoplatform.users import create_user

TEMPLATE = "geoplatform_template"
_copies = itertools.count(1)

EDITOR = ("ed.itor", "editor-password-1")
VIEWER = ("viewer1", "viewer-password-1")
ADMIN = ("admin1", "admin-password-1")


@pytest.fixture(scope="session")
def server_url() -> Iterator[URL]:
    """URL of the maintenance database of the test server (embedded unless configured)."""
    import os

    configured = os.environ.get("GEOPLATFORM_TEST_DATABASE_URL")
    if configured:
        yield normalise_url(configured)
        return
    base = Path(tempfile.mkdtemp(prefix="geoplatform-test-"))
    cluster = EmbeddedCluster(base, durable=False)
    try:
        info = cluster.start()
        yield info.url("postgres")
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


def admin_connection(url: URL) -> psycopg.Connection:
    """An autocommit connection for CREATE/DROP DATABASE."""
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


def clone_database(server: URL, name: str) -> URL:
    """A copy of the template. PostgreSQL 15+ copies its files (FILE_COPY): 0.2 s for the template with its
    boundaries, where logging every block (WAL_LOG, the default) took 0.45 s — and the suite makes many."""
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        strategy = sql.SQL(" STRATEGY FILE_COPY") if conn.info.server_version >= 150000 else sql.SQL("")
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(sql.Identifier(name), sql.Identifier(TEMPLATE), strategy)
        )
    return server.set(database=name)


def drop_database(server: URL, name: str) -> None:
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def template_url(server_url: URL) -> URL:
    """A database migrated to head, with the demo data and three users; never written by tests."""
    with admin_connection(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    url = server_url.set(database=TEMPLATE)
    engine = create_db_engine(url)
    migrate(engine)
    load_demo(engine)
    load_demo_approvals(engine)
    load_demo_schedules(engine)
    load_demo_supply(engine)
    create_user(engine, *EDITOR, "editor")
    create_user(engine, *VIEWER, "viewer")
    create_user(engine, *ADMIN, "admin")
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def shared_url(server_url: URL, template_url: URL) -> Iterator[URL]:
    """One copy of the template for all read-only tests."""
    url = clone_database(server_url, "geoplatform_shared")
    yield url
    drop_database(server_url, "geoplatform_shared")


@pytest.fixture(scope="session")
def engine(shared_url: URL) -> Iterator[Engine]:
    engine = create_db_engine(shared_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def fresh_url(server_url: URL, template_url: URL) -> Iterator[URL]:
    """A private copy of the template for a test that writes."""
    name = f"geoplatform_w{next(_copies)}"
    url = clone_database(server_url, name)
    yield url
    drop_database(server_url, name)


@pytest.fixture()
def fresh_engine(fresh_url: URL) -> Iterator[Engine]:
    engine = create_db_engine(fresh_url)
    yield engine
    engine.dispose()


def make_settings(url: URL, data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: nothing from the developer's environment leaks in."""
    return load_settings(
        environ={},
        database_url=url.render_as_string(hide_password=False),
        data_dir=data_dir,
        secret_key="test-secret-key-for-the-suite",
        **overrides,
    )


@pytest.fixture(scope="session")
def settings(shared_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(shared_url, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    from web import create_app

    app = create_app(settings, engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture()
def write_app(fresh_url: URL, fresh_engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    from web import create_app

    app = create_app(make_settings(fresh_url, tmp_path), fresh_engine)
    app.config["TESTING"] = True
    return app


class LiveServer:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The app on a free loopback port (never a fixed one: the machine is shared)."""
    with LiveServer(app) as server:
        yield server


def url_of(url: URL) -> str:
    return make_url(url).render_as_string(hide_password=False)
