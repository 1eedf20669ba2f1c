"""The embedded PostGIS cluster: starts, keeps its data across restarts, explains what is missing."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from geoplatform.cluster import (
    EmbeddedCluster,
    PostGISNotFound,
    PostgresNotFound,
    check_postgis_installed,
    find_pg_bin,
)
from geoplatform.config import load_settings
from geoplatform.database import create_db_engine, open_database


@pytest.fixture()
def scratch_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: as root the server runs as 'postgres', which cannot enter a 0700 parent.
    path = Path(tempfile.mkdtemp(prefix="geoplatform-cluster-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
def test_cluster_starts_migrates_and_keeps_data_across_app_and_server_restarts(scratch_dir: Path) -> None:
    settings = load_settings(environ={}, data_dir=scratch_dir)
    cluster = EmbeddedCluster(scratch_dir)
    try:
        engine = open_database(settings)  # first start: initdb, start, migrate
        assert cluster.status().startswith("running on port")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE kept (v text)"))
            conn.execute(text("INSERT INTO kept VALUES ('still here')"))
            assert conn.execute(text("SELECT postgis_lib_version()")).scalar_one().startswith("3.")
        engine.dispose()

        # The app restarts: the running cluster is found again, nothing is re-initialised.
        engine = open_database(settings)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT v FROM kept")).scalar_one() == "still here"
        engine.dispose()

        # The server itself restarts (perhaps on another port): the data survive.
        cluster.stop()
        assert cluster.status() == "stopped"
        info = cluster.start()
        engine = create_db_engine(info.url())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT v FROM kept")).scalar_one() == "still here"
        engine.dispose()
    finally:
        cluster.destroy()
    assert cluster.status() == "absent"


def test_cluster_listens_on_loopback_only_with_a_password(server_url) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("GEOPLATFORM_TEST_DATABASE_URL"):
        pytest.skip("the suite runs against an external server")
    engine = create_db_engine(server_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW listen_addresses")).scalar_one() == "127.0.0.1"
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
        assert conn.execute(text("SHOW password_encryption")).scalar_one() == "scram-sha-256"
    engine.dispose()
    assert server_url.password


def _fake_bin(directory: Path, sharedir: Path) -> Path:
    """A bin directory with the real server programs but a pg_config pointing at ``sharedir``."""
    real = find_pg_bin()
    directory.mkdir()
    for program in ("initdb", "pg_ctl", "postgres"):
        (directory / program).symlink_to(real / program)
    pg_config = directory / "pg_config"
    pg_config.write_text(f"#!/bin/sh\necho {sharedir}\n")
    pg_config.chmod(pg_config.stat().st_mode | stat.S_IEXEC)
    return directory


def test_missing_postgis_is_reported_with_the_package_to_install(tmp_path: Path) -> None:
    empty_share = tmp_path / "share"
    (empty_share / "extension").mkdir(parents=True)
    fake = _fake_bin(tmp_path / "bin", empty_share)
    with pytest.raises(PostGISNotFound, match=r"apt-get install postgresql postgresql-\d+-postgis-3"):
        check_postgis_installed(fake)
    cluster = EmbeddedCluster(tmp_path / "cluster", pg_bin=fake)
    with pytest.raises(PostGISNotFound, match="PostGIS extension"):
        cluster.start()
    assert not (tmp_path / "cluster" / "pgdata" / "PG_VERSION").exists()


def test_missing_postgresql_server_is_reported_with_the_packages_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresNotFound, match="apt-get install postgresql"):
        find_pg_bin(tmp_path)
    with pytest.raises(PostgresNotFound, match="GEOPLATFORM_DATABASE_URL"):
        EmbeddedCluster(tmp_path / "c", pg_bin=tmp_path).start()
