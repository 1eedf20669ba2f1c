"""The private PostgreSQL + PostGIS cluster geoplatform runs when no database URL is configured.

One data directory holds one cluster: ``<data_dir>/pgdata`` (initdb), a password kept in
``<data_dir>/cluster.json`` (mode 0600) and the server log. The server listens on loopback only,
on a port chosen free at each start (``postmaster.pid`` records it, so every process finds the
running server). The demo, the CLI and the test fixtures all go through this one class.

PostgreSQL refuses to run as root; when geoplatform runs as root the server programs are run as
the ``postgres`` system user (created by Debian's postgresql package) through ``runuser``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "geoplatform"
DEFAULT_DATABASE = "geoplatform"


class ClusterError(RuntimeError):
    """The embedded cluster cannot be created or started; the message says what to do."""


class PostgresNotFound(ClusterError):
    """The PostgreSQL server programs are not installed or not found."""


class PostGISNotFound(ClusterError):
    """PostgreSQL is there but the PostGIS extension for its major version is not."""


def install_hint(major: str | int = "<major>") -> str:
    return (
        f"On Debian/Ubuntu install them with: sudo apt-get install postgresql postgresql-{major}-postgis-3 "
        "(or run 'make setup'). Alternatively set GEOPLATFORM_DATABASE_URL to an existing PostGIS 3 database."
    )


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name) or ["0"])


def find_pg_bin(configured: Path | None = None) -> Path:
    """The directory with initdb, pg_ctl and postgres: the configured one, PATH, then Debian's layout."""
    candidates: list[Path] = []
    if configured is not None:
        candidates.append(Path(configured))
    else:
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
        candidates.append(Path("/usr/local/pgsql/bin"))
    for directory in candidates:
        if all(os.access(directory / prog, os.X_OK) for prog in SERVER_PROGRAMS):
            return directory
    where = f" in {configured}" if configured is not None else ""
    raise PostgresNotFound(
        f"The PostgreSQL server programs (initdb, pg_ctl, postgres) were not found{where}. " + install_hint()
    )


def server_major_version(pg_bin: Path) -> str:
    out = subprocess.run([str(pg_bin / "postgres"), "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if not match:
        raise ClusterError(f"Cannot read the PostgreSQL version from: {out.stdout.strip()}")
    return match.group(1)


def check_postgis_installed(pg_bin: Path) -> None:
    """Fail early, naming the package, when PostGIS is missing for this server's major version."""
    major = server_major_version(pg_bin)
    pg_config = pg_bin / "pg_config"
    if os.access(pg_config, os.X_OK):
        sharedir = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    else:
        sharedir = f"/usr/share/postgresql/{major}"
    if not (Path(sharedir) / "extension" / "postgis.control").exists():
        raise PostGISNotFound(
            f"PostgreSQL {major} is installed but the PostGIS extension for it is not "
            f"(no postgis.control in {sharedir}/extension). " + install_hint(major)
        )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ClusterInfo:
    """How to reach a running embedded cluster."""

    port: int
    user: str
    password: str

    def url(self, database: str = DEFAULT_DATABASE) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        )


class EmbeddedCluster:
    """A PostgreSQL cluster in ``base_dir``, created and started on demand.

    ``durable=False`` (test clusters) turns off fsync: a crash may lose the cluster, which a
    throw-away test cluster does not mind, and tests run several times faster.
    """

    def __init__(self, base_dir: Path, pg_bin: Path | None = None, durable: bool = True) -> None:
        self.base_dir = Path(base_dir)
        self.pgdata = self.base_dir / "pgdata"
        self.info_file = self.base_dir / "cluster.json"
        self.log_file = self.pgdata / "server.log"
        self._configured_bin = pg_bin
        self.durable = durable

    # -- running programs -------------------------------------------------------------------
    @property
    def pg_bin(self) -> Path:
        return find_pg_bin(self._configured_bin)

    def _run_as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ClusterError(
                "PostgreSQL refuses to run as root and there is no 'postgres' system user to run it as. "
                + install_hint()
            ) from None
        return ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [*self._run_as_owner(), str(self.pg_bin / program), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise ClusterError(f"{program} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def _give_to_server_user(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, user="postgres", group="postgres")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise create/start/stop between processes sharing the data directory."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        with open(self.base_dir / "cluster.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- lifecycle --------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists() and self.info_file.exists()

    def is_running(self) -> bool:
        if not self.exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode == 0

    def status(self) -> str:
        """``absent``, ``stopped`` or ``running on port N``."""
        if not self.exists():
            return "absent"
        if not self.is_running():
            return "stopped"
        return f"running on port {self._running_port()}"

    def _initdb(self) -> None:
        check_postgis_installed(self.pg_bin)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # The server user must be able to reach the data directory.
            self.base_dir.chmod(0o755)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(mode=0o700)
        self._give_to_server_user(self.pgdata)
        password = secrets.token_urlsafe(24)
        pwfile = self.base_dir / ".initpw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._give_to_server_user(pwfile)
        try:
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--no-locale",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        settings = [
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            # JIT makes dense ST_AsMVT / json_agg queries several times slower (measured, see docs).
            "jit = off",
            "shared_buffers = '256MB'",
            "work_mem = '32MB'",
            "maintenance_work_mem = '256MB'",
            "max_connections = 100",
            "logging_collector = off",
        ]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write("\n# geoplatform embedded cluster\n" + "\n".join(settings) + "\n")
        self.info_file.write_text(json.dumps({"user": SUPERUSER, "password": password}))
        self.info_file.chmod(0o600)

    def _running_port(self) -> int:
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    def info(self) -> ClusterInfo:
        """Connection details of the running cluster."""
        if not self.is_running():
            raise ClusterError(f"The embedded cluster in {self.base_dir} is not running (geoplatform db start).")
        stored = json.loads(self.info_file.read_text())
        return ClusterInfo(port=self._running_port(), user=stored["user"], password=stored["password"])

    def start(self) -> ClusterInfo:
        """Create the cluster if needed, start it if stopped; return how to connect."""
        with self._lock():
            if not self.exists():
                self._initdb()
            if not self.is_running():
                port = free_port()
                self._run(
                    "pg_ctl",
                    "start",
                    "-D",
                    str(self.pgdata),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.log_file),
                    "-o",
                    f"-p {port}",
                )
            info = self.info()
        self._ensure_database(info)
        return info

    def stop(self) -> None:
        with self._lock():
            if self.is_running():
                self._run("pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w")

    def destroy(self) -> None:
        """Stop the server and delete the cluster's files."""
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.info_file.unlink(missing_ok=True)

    def _ensure_database(self, info: ClusterInfo, database: str = DEFAULT_DATABASE) -> None:
        with psycopg.connect(
            host="127.0.0.1",
            port=info.port,
            user=info.user,
            password=info.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
