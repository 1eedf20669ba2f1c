"""Settings: defaults, contradictions refused at start-up, every setting documented and used consistently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geoplatform.config import SettingsError, known_variables, load_settings, setting_docs

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_serve_on_loopback_port_5000(tmp_path: Path) -> None:
    settings = load_settings(environ={"GEOPLATFORM_DATA_DIR": str(tmp_path)})
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)
    assert settings.database_url is None
    assert settings.data_dir == tmp_path


def test_environment_variables_override_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "GEOPLATFORM_PORT": "8123",
            "GEOPLATFORM_HOST": "0.0.0.0",
            "GEOPLATFORM_DATA_DIR": str(tmp_path),
        }
    )
    assert (settings.host, settings.port) == ("0.0.0.0", 8123)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GEOPLATFORM_DEFAULT_LIMIT": "500", "GEOPLATFORM_MAX_LIMIT": "100"}, "max_limit"),
        ({"GEOPLATFORM_PORT": "70000"}, "port"),
        ({"GEOPLATFORM_PORT": "eighty"}, "whole number"),
        ({"GEOPLATFORM_LANGUAGE": "fr"}, "language"),
        ({"GEOPLATFORM_DATABASE_URL": "mysql://x"}, "postgresql"),
    ],
)
def test_contradictory_settings_fail_at_start_up(environ: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={**environ, "GEOPLATFORM_DATA_DIR": str(tmp_path)})


def test_every_setting_is_documented_in_the_configuration_guide() -> None:
    guide = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name, _default, description in setting_docs():
        assert name in guide, f"{name} missing from docs/configuration.md"
        assert description, f"{name} has no description"


def test_docker_files_set_only_known_settings() -> None:
    texts = [(ROOT / "docker" / name).read_text() for name in ("Dockerfile", "compose.yaml")]
    used = {m for text in texts for m in re.findall(r"GEOPLATFORM_[A-Z_]+", text)}
    assert used, "the docker files configure geoplatform through GEOPLATFORM_* variables"
    assert used <= known_variables(), f"unknown settings in docker files: {sorted(used - known_variables())}"
