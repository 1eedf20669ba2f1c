"""A killed import leaves the database exactly as it was, and the same import then succeeds."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from tests.conftest import url_of

ROWS = 60_000


def snapshot(engine: Engine) -> tuple[int, int, int, str]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM deposit")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM deposit_commodity")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM import_batch")).scalar_one(),
            conn.execute(text("SELECT md5(string_agg(code || status, ',' ORDER BY code)) FROM deposit")).scalar_one(),
        )


@pytest.mark.slow
def test_kill_mid_import_changes_nothing_and_a_rerun_succeeds(
    fresh_url: URL, fresh_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "large.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name_zh", "commodities", "lon", "lat", "status"])
        for i in range(ROWS):
            writer.writerow(
                [f"KILL-{i:06d}", f"矿产地{i}", "copper", 100 + (i % 1000) / 100, 30 + (i % 700) / 100, "exploration"]
            )
    before = snapshot(fresh_engine)
    env = {**os.environ, "GEOPLATFORM_DATABASE_URL": url_of(fresh_url), "GEOPLATFORM_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "geoplatform.cli", "import", str(path), "--mapping", "geoplatform"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until the import is inside its transaction (COPY under way), then kill it without warning.
    deadline = time.monotonic() + 60
    in_transaction = False
    while time.monotonic() < deadline and process.poll() is None:
        with fresh_engine.connect() as conn:
            in_transaction = bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE '%COPY%stage_import%'"
                    )
                ).scalar_one()
            )
        if in_transaction:
            break
        time.sleep(0.05)
    assert in_transaction, "the import reached its COPY"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # The server notices the dead client and rolls its transaction back.
    for _ in range(100):
        with fresh_engine.connect() as conn:
            if not conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND application_name = 'geoplatform' AND xact_start IS NOT NULL"
                )
            ).scalar_one():
                break
        time.sleep(0.1)
    assert snapshot(fresh_engine) == before
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{ROWS} inserted" in rerun.stdout
    after = snapshot(fresh_engine)
    assert after[0] == before[0] + ROWS and after[2] == before[2] + 1
