"""``create_app``: the only place a Flask app is built. Nothing connects or reads config at import."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from geoplatform.codelists import load_codelists
from geoplatform.config import Settings, load_settings
from geoplatform.database import open_database
from layers.registry import check_layers
from web import (
    agreements_api,
    api,
    approvals_api,
    approvals_pages,
    auth,
    downloads,
    errors,
    i18n,
    import_pages,
    lists_pages,
    ogcapi,
    pages,
    schedule_api,
    schedule_pages,
    supply_api,
    supply_pages,
    tiles,
    wfs,
)

csrf = CSRFProtect()


def _secret_key(settings: Settings) -> str:
    """The configured key, else one kept in the data directory so sessions survive restarts."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """Build the app for ``settings`` (default: from the environment) on ``engine`` (default: opened).

    The app does not migrate the schema (several gunicorn workers would race to do it): run
    ``geoplatform db migrate`` first; ``geoplatform serve`` and ``geoplatform demo`` do.
    """
    settings = settings or load_settings()
    engine = engine or open_database(settings, migrate_schema=False)
    check_layers(engine)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # CSRF is checked in auth.protect_writes so that HTTP Basic API clients are exempt.
        WTF_CSRF_CHECK_DEFAULT=False,
        JSON_AS_ASCII=False,
    )
    app.extensions["geoplatform"] = {
        "settings": settings,
        "engine": engine,
        "read_engine": engine.execution_options(isolation_level="AUTOCOMMIT"),
    }
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    csrf.init_app(app)
    auth.init_app(app, csrf)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ogcapi.bp)
    app.register_blueprint(wfs.bp)
    app.register_blueprint(tiles.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(approvals_api.bp)
    app.register_blueprint(approvals_pages.bp)
    app.register_blueprint(supply_api.bp)
    app.register_blueprint(supply_pages.bp)
    app.register_blueprint(schedule_api.bp)
    app.register_blueprint(agreements_api.bp)
    app.register_blueprint(schedule_pages.bp)
    app.register_blueprint(lists_pages.bp)
    app.register_blueprint(import_pages.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)

    # Read the codelists once now: a database without them fails here, not on the first request.
    load_codelists(engine)
    return app
