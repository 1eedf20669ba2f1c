"""schemathesis fuzzes /ogcapi from its own OpenAPI document and finds no server error (5xx).

It runs from its own virtual environment (``make setup-test`` creates ``.venv-schemathesis``) as a
separate process against the live test server, with a fixed seed so that a failure replays.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(os.environ.get("SCHEMATHESIS", ROOT / ".venv-schemathesis" / "bin" / "schemathesis"))
SEED = "174514213845404692454150065405920314799"
"""The seed of the run that found the NUL-character 500 (tests/test_ogcapi.py keeps that case too)."""


@pytest.mark.slow
def test_fuzzing_the_openapi_document_finds_no_server_error(live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed: run `make setup-test` (it creates .venv-schemathesis)")
    run = subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{live_server.url}/ogcapi/api", "--url", f"{live_server.url}/ogcapi",
            "--checks", "not_a_server_error", "--max-examples", "15", "--phases", "examples,fuzzing",
            "--seed", SEED, "--workers", "1",
        ],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )  # fmt: skip
    summary = run.stdout[-4000:]
    assert "Server error" not in run.stdout, summary
    assert run.returncode == 0, summary
    assert "generated" in run.stdout, summary
