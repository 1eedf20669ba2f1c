"""Settings: one typed object, read from ``GEOPLATFORM_*`` environment variables.

Every setting has a default and a description (the README's configuration table and
``geoplatform settings`` are generated from the same metadata, and a test checks they agree).
Contradictions fail when the settings are built, never in the middle of a request.
Nothing here reads the environment at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

ENV_PREFIX = "GEOPLATFORM_"


class SettingsError(ValueError):
    """A setting has a value that cannot work; raised at start-up."""


def _setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={"description": description})


def default_data_dir() -> Path:
    """Where the embedded cluster and the app's secret live when nothing else is configured.

    Root gets ``/var/lib/geoplatform`` because the embedded PostgreSQL server then runs as the
    ``postgres`` system user, which cannot enter ``/root``.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/geoplatform")
    return Path(platformdirs.user_data_dir("geoplatform"))


@dataclass(frozen=True)
class Settings:
    """All runtime settings of geoplatform (environment variable = ``GEOPLATFORM_`` + upper-case name)."""

    database_url: str | None = _setting(
        None,
        "SQLAlchemy URL of an external PostGIS 3 database (postgresql+psycopg://...). "
        "When unset, geoplatform starts its own private PostgreSQL + PostGIS cluster.",
    )
    data_dir: Path = _setting(
        None,
        "Directory for the embedded cluster (pgdata/), its connection file and the app secret. "
        "Default: the user's data directory (/var/lib/geoplatform for root).",
    )
    pg_bin: Path | None = _setting(
        None,
        "Directory holding the PostgreSQL server programs (initdb, pg_ctl, postgres). "
        "Default: found on PATH or under /usr/lib/postgresql/<major>/bin.",
    )
    host: str = _setting("127.0.0.1", "Address the web server listens on.")
    port: int = _setting(5000, "Port the web server listens on.")
    secret_key: str | None = _setting(
        None,
        "Key that signs sessions and CSRF tokens. Default: a random key kept in data_dir/secret_key.",
    )
    default_limit: int = _setting(100, "Features per page when a request gives no limit.")
    max_limit: int = _setting(10000, "Largest page a request may ask for; larger limits get HTTP 400.")
    count_timeout_ms: int = _setting(
        3000,
        "Time budget for counting numberMatched exactly, in milliseconds. Counts are kept per layer, "
        "filter and data version, so paging through one query counts once; a count that does not "
        "finish in time is reported as unknown (0: never count beyond the last page).",
    )
    max_tile_features: int = _setting(
        20000, "Most points one vector tile carries above the cluster zoom (in id order)."
    )
    statement_timeout_ms: int = _setting(
        15000, "PostgreSQL statement_timeout for the web app's queries, in milliseconds."
    )
    max_upload_mb: int = _setting(200, "Largest request body the web app accepts, in MiB.")
    language: str = _setting("zh", "Default user-interface language: zh or en.")
    basemap_tiles_url: str | None = _setting(
        None,
        "An online raster tile source (an http(s) URL with {z}, {x} and {y}) the map offers beside its "
        "offline basemap, for deployments that have one; unset: the map is offline only.",
    )
    basemap_tiles_attribution: str = _setting("", "The attribution shown with basemap_tiles_url's tiles.")

    def __post_init__(self) -> None:
        if self.data_dir is None:
            object.__setattr__(self, "data_dir", default_data_dir())
        problems = []
        if self.default_limit < 1:
            problems.append("default_limit must be at least 1")
        if self.max_limit < self.default_limit:
            problems.append("max_limit must not be smaller than default_limit")
        if self.count_timeout_ms < 0:
            problems.append("count_timeout_ms must not be negative")
        if not 0 < self.port < 65536:
            problems.append("port must be between 1 and 65535")
        if self.language not in ("zh", "en"):
            problems.append("language must be zh or en")
        if self.secret_key is not None and (len(self.secret_key) < 16 or self.secret_key.startswith("change-me")):
            problems.append("secret_key must be at least 16 characters and not the example value")
        if self.max_upload_mb < 1:
            problems.append("max_upload_mb must be at least 1")
        if self.database_url is not None and not self.database_url.startswith("postgresql"):
            problems.append("database_url must be a postgresql:// or postgresql+psycopg:// URL")
        if self.basemap_tiles_url is not None and not (
            self.basemap_tiles_url.startswith(("http://", "https://"))
            and all(part in self.basemap_tiles_url for part in ("{z}", "{x}", "{y}"))
        ):
            problems.append("basemap_tiles_url must be an http(s) URL with {z}, {x} and {y}")
        if problems:
            raise SettingsError("; ".join(problems))

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated again)."""
        return replace(self, **changes)


def setting_docs() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, in declaration order."""
    rows = []
    for f in fields(Settings):
        default = "" if f.default is None else str(f.default)
        rows.append((ENV_PREFIX + f.name.upper(), default, f.metadata["description"]))
    return rows


def known_variables() -> set[str]:
    """Names of all environment variables geoplatform reads."""
    return {ENV_PREFIX + f.name.upper() for f in fields(Settings)}


def _convert(name: str, raw: str, annotation: str) -> Any:
    if "int" in annotation:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a whole number") from None
    if "Path" in annotation:
        return Path(raw).expanduser()
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment (or ``environ``), then apply keyword overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(ENV_PREFIX + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _convert(f.name, raw, str(f.type))
    values.update(overrides)
    return Settings(**values)
