"""Benchmark: geoplatform's OGC API against tipg and pygeoapi on the same 1,000,000 deposits.

The same requests, asked of three servers reading the same table of the database of
``bench/bench_api.py``, each with two worker processes on the 2-core machine:

* geoplatform under gunicorn (2 workers × 1 thread, as ``docker/`` ships it);
* tipg (PyPI ``tipg``, FastAPI on asyncpg) under uvicorn with 2 workers;
* pygeoapi (PyPI ``pygeoapi``, its PostgreSQL provider) under gunicorn, 2 workers × 1 thread.

Cases: a 1,000-feature bbox page; a page of an attribute query (``status=producing&country_code=CN``,
second page of 100); one feature by id; z10 vector tiles of the dense belt (each requested
once, so no cache answers; geoplatform and tipg only — pygeoapi's PostgreSQL provider serves no
tiles). Median latency of sequential requests and throughput at concurrency 8; the body sizes too,
since each server writes its own members (geoplatform adds
commodities and links). Every answer is checked for its feature count.

The peers live in virtual environments of their own (they pin other versions of shared packages):
``make bench-peers`` creates ``/tmp/geoplatform-peers/{tipg,pygeoapi}`` from PyPI and runs this.
Usage: ``python bench/bench_peers.py --peers DIR [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_api
from bench_api import prepare
from bench_services import throughput, tile_of

from geoplatform.cluster import free_port
from layers.registry import DEPOSITS

BBOX = "113,24,118,30"
PROPERTIES = [name for name in DEPOSITS.columns if name in DEPOSITS.table.c]
"""The peers publish the table columns geoplatform publishes (the footprint, a second geometry
column, would otherwise be tipg's geometry and break pygeoapi's encoder)."""


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{port}{path}: HTTP {response.status}: {body[:300]!r}")
    return body


def wait_for(port: int, path: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"the server on {port} exited: {log.read_text()[-2000:]}")
        try:
            get(port, path)
            return
        except (OSError, RuntimeError):
            time.sleep(0.2)
    raise RuntimeError(f"the server on {port} did not answer {path}: {log.read_text()[-2000:]}")


def start_tipg(peers: Path, database_url: str, port: int, work: Path) -> subprocess.Popen:
    log = work / "tipg.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
        "TIPG_DB_TABLES": '["public.deposit"]',
        "TIPG_TABLE_CONFIG__public_deposit__geomcol": "geom",
        "TIPG_TABLE_CONFIG__public_deposit__pk": "id",
        "TIPG_TABLE_CONFIG__public_deposit__properties": json.dumps(PROPERTIES),
        "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
    }
    command = [str(peers / "tipg/bin/uvicorn"), "tipg.main:app", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=work)
    wait_for(port, "/collections/public.deposit", proc, log)
    return proc


def pygeoapi_config(database_url: str, port: int) -> dict:
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "none", "url": "http://127.0.0.1"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench", "email": "bench@example.org"},
        },
        "resources": {
            "deposits": {
                "type": "collection",
                "title": "deposits",
                "description": "deposits",
                "keywords": ["deposits"],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90]}},
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": url.host,
                            "port": url.port,
                            "dbname": url.database,
                            "user": url.username,
                            "password": url.password,
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": "deposit",
                        "geom_field": "geom",
                        "properties": PROPERTIES,
                    }
                ],
            }
        },
    }


def start_pygeoapi(peers: Path, database_url: str, port: int, work: Path) -> subprocess.Popen:
    import yaml

    config, openapi = work / "pygeoapi.yml", work / "pygeoapi-openapi.yml"
    config.write_text(yaml.safe_dump(pygeoapi_config(database_url, port)))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(peers / "pygeoapi/bin/pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env,
        check=True,
        capture_output=True,
    )
    log = work / "pygeoapi.log"
    command = [
        str(peers / "pygeoapi/bin/gunicorn"),
        "--workers",
        "2",
        "--threads",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "pygeoapi.flask_app:APP",
    ]
    proc = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=work)
    wait_for(port, "/collections/deposits?f=json", proc, log)
    return proc


def features_in(body: bytes) -> int:
    return len(json.loads(body)["features"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--peers", type=Path, default=Path(tempfile.gettempdir()) / "geoplatform-peers")
    args = parser.parse_args()
    engine, database_url = prepare(args.rows)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM deposit")).scalar_one()
        jinchuan = conn.execute(text("SELECT id FROM deposit WHERE code = 'DEP-JINCHUAN'")).scalar_one()
        attribute_matches = conn.execute(
            text("SELECT count(*) FROM deposit WHERE status = 'producing' AND country_code = 'CN'")
        ).scalar_one()
    x0, y0 = tile_of(113.0, 30.0, 10)
    x1, y1 = tile_of(118.0, 24.0, 10)
    tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    ours, tipg, pygeo = free_port(), free_port(), free_port()
    servers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="geoplatform-peers-") as tmp:
        work = Path(tmp)
        try:
            servers.append(bench_api.start_server(database_url, ours, workers=2, threads=1))
            servers.append(start_tipg(args.peers, database_url, tipg, work))
            servers.append(start_pygeoapi(args.peers, database_url, pygeo, work))
            print(f"\n{total:,} deposits; each server has 2 worker processes; medians of {args.repeat} requests")
            cases: list[tuple[str, int, dict[str, tuple[int, Callable[[int], str]]]]] = [
                (
                    "bbox page, 1000 features",
                    1000,
                    {
                        "geoplatform": (ours, lambda i: f"/ogcapi/collections/deposits/items?bbox={BBOX}&limit=1000"),
                        "tipg": (tipg, lambda i: f"/collections/public.deposit/items?f=geojson&bbox={BBOX}&limit=1000"),
                        "pygeoapi": (pygeo, lambda i: f"/collections/deposits/items?f=json&bbox={BBOX}&limit=1000"),
                    },
                ),
                (
                    f"attribute page 2 of 100 ({attribute_matches:,} matches)",
                    100,
                    {
                        "geoplatform": (
                            ours,
                            lambda i: (
                                "/ogcapi/collections/deposits/items?status=producing&country_code=CN"
                                "&limit=100&offset=100"
                            ),
                        ),
                        "tipg": (
                            tipg,
                            lambda i: (
                                "/collections/public.deposit/items?f=geojson&status=producing&country_code=CN"
                                "&limit=100&offset=100"
                            ),
                        ),
                        "pygeoapi": (
                            pygeo,
                            lambda i: (
                                "/collections/deposits/items?f=json&status=producing&country_code=CN"
                                "&limit=100&offset=100"
                            ),
                        ),
                    },
                ),
                (
                    "one feature by id",
                    0,
                    {
                        "geoplatform": (ours, lambda i: "/ogcapi/collections/deposits/items/DEP-JINCHUAN"),
                        "tipg": (tipg, lambda i: f"/collections/public.deposit/items/{jinchuan}?f=geojson"),
                        "pygeoapi": (pygeo, lambda i: f"/collections/deposits/items/{jinchuan}?f=json"),
                    },
                ),
                (
                    "z10 tile of the belt (each once)",
                    -1,
                    {
                        "geoplatform": (ours, lambda i: "/tiles/deposits/10/{}/{}.mvt".format(*tiles[i % len(tiles)])),
                        "tipg": (
                            tipg,
                            lambda i: "/collections/public.deposit/tiles/WebMercatorQuad/10/{}/{}".format(
                                *tiles[i % len(tiles)]
                            ),
                        ),
                    },
                ),
            ]
            header = f"{'case':<44} {'server':<12} {'ms':>8} {'[p90]':>8} {'KB':>8} {'req/s c8':>9} {'vs ours':>8}"
            print(header + "\n" + "-" * len(header))
            for title, expected, by_server in cases:
                if expected < 0:
                    # Tiles are each requested once: read them all first (through tipg, which keeps no
                    # tile cache) so that no server pays for cold database pages the next one finds warm.
                    for i in range(len(tiles)):
                        get(tipg, by_server["tipg"][1](i))
                base_ms = None
                for name, (port, path_of) in by_server.items():
                    body = get(port, path_of(10_000))
                    if expected > 0:
                        assert features_in(body) == expected, (name, title, features_in(body))
                    elif expected == 0:
                        assert json.loads(body)["type"] == "Feature", (name, title)
                    samples, counter = [], iter(range(1_000_000))
                    for _ in range(3):
                        get(port, path_of(next(counter)))
                    for _ in range(args.repeat):
                        started = time.perf_counter()
                        get(port, path_of(next(counter)))
                        samples.append((time.perf_counter() - started) * 1000)
                    median = statistics.median(samples)
                    p90 = statistics.quantiles(samples, n=10)[-1]
                    rate = throughput(lambda p=port, f=path_of, c=counter: get(p, f(next(c))), 8, 80)
                    base_ms = base_ms or median
                    print(
                        f"{title:<44} {name:<12} {median:>8.1f} {p90:>8.1f} {len(body) / 1024:>8.1f} "
                        f"{rate:>9.1f} {median / base_ms:>7.2f}x",
                        flush=True,
                    )
        finally:
            for proc in servers:
                proc.terminate()
            for proc in servers:
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
