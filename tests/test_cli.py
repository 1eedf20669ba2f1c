"""The geoplatform command, run as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import URL

from geoplatform.cli import main
from geoplatform.users import authenticate
from tests.conftest import url_of


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geoplatform.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        timeout=120,
    )


def test_user_create_reads_the_password_from_stdin(fresh_url: URL, fresh_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"GEOPLATFORM_DATABASE_URL": url_of(fresh_url), "GEOPLATFORM_DATA_DIR": str(tmp_path)}
    result = run_cli(
        "user",
        "create",
        "wang.fang",
        "--role",
        "editor",
        "--password-stdin",
        env=env,
        stdin="correct-horse-battery\n",
    )
    assert result.returncode == 0, result.stderr
    assert "wang.fang" in result.stdout and "editor" in result.stdout
    assert authenticate(fresh_engine, "wang.fang", "correct-horse-battery").role == "editor"
    again = run_cli("user", "create", "wang.fang", "--password-stdin", env=env, stdin="correct-horse-battery\n")
    assert again.returncode != 0
    assert "exists already" in again.stderr and "Traceback" not in again.stderr


def test_db_url_hides_the_password_unless_asked(fresh_url: URL, tmp_path: Path) -> None:
    env = {"GEOPLATFORM_DATABASE_URL": url_of(fresh_url), "GEOPLATFORM_DATA_DIR": str(tmp_path)}
    hidden = run_cli("db", "url", env=env)
    assert hidden.returncode == 0 and "***" in hidden.stdout and fresh_url.password not in hidden.stdout
    shown = run_cli("db", "url", "--show-password", env=env)
    assert fresh_url.password in shown.stdout


def test_db_commands_explain_that_an_external_database_has_no_embedded_cluster(fresh_url: URL) -> None:
    result = CliRunner().invoke(main, ["db", "stop"], env={"GEOPLATFORM_DATABASE_URL": url_of(fresh_url)})
    assert result.exit_code != 0
    assert "no embedded cluster" in result.output


def test_bad_settings_are_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("db", "status", env={"GEOPLATFORM_PORT": "many", "GEOPLATFORM_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "GEOPLATFORM_PORT must be a whole number" in result.stderr and "Traceback" not in result.stderr


def test_settings_command_lists_every_setting() -> None:
    from geoplatform.config import known_variables

    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0
    for name in known_variables():
        assert name in result.output


def test_every_command_is_in_the_cli_reference() -> None:
    reference = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")

    def walk(group, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
        names = []
        for name, command in group.commands.items():
            full = f"{prefix} {name}".strip()
            names.append(full)
            if hasattr(command, "commands"):
                names += walk(command, full)
        return names

    for name in walk(main, ""):
        assert f"## geoplatform {name}" in reference, name


def test_the_cli_reference_is_what_the_commands_say() -> None:
    import runpy

    script = Path(__file__).resolve().parents[1] / "scripts" / "cli_reference.py"
    generated = runpy.run_path(str(script))["reference"]()
    reference = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert reference == generated, "run: python scripts/cli_reference.py"
