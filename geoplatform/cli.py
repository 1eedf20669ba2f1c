"""The ``geoplatform`` command: database lifecycle, demo data, users and the web server."""

from __future__ import annotations

import sys
import time

import click

from geoplatform.cluster import ClusterError
from geoplatform.config import SettingsError, load_settings, setting_docs
from geoplatform.errors import GeoplatformError


def _settings():  # type: ignore[no-untyped-def]
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


class FriendlyGroup(click.Group):
    """Turn the errors users can fix into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (ClusterError, GeoplatformError, SettingsError) as exc:
            message = exc.description if isinstance(exc, GeoplatformError) else str(exc)
            raise click.ClickException(message) from None


@click.group(cls=FriendlyGroup)
@click.version_option(package_name="geoplatform")
def main() -> None:
    """geoplatform: strategic mineral resources data platform (PostGIS)."""


# -- db --------------------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """The database: the embedded PostGIS cluster, or the server in GEOPLATFORM_DATABASE_URL."""


def _cluster():  # type: ignore[no-untyped-def]
    from geoplatform.database import embedded_cluster

    settings = _settings()
    if settings.database_url:
        raise click.ClickException("GEOPLATFORM_DATABASE_URL is set: there is no embedded cluster to manage.")
    return embedded_cluster(settings)


@db.command()
def start() -> None:
    """Create (first time) and start the embedded cluster, then apply migrations."""
    from geoplatform.database import open_database

    engine = open_database(_settings())
    engine.dispose()
    click.echo(f"embedded PostGIS: {_cluster().status()}")


@db.command()
def stop() -> None:
    """Stop the embedded cluster."""
    _cluster().stop()
    click.echo("embedded PostGIS stopped")


@db.command()
def status() -> None:
    """Say whether the embedded cluster exists and runs."""
    click.echo(_cluster().status())


@db.command()
@click.option("--show-password", is_flag=True, help="Print the password instead of ***.")
def url(show_password: bool) -> None:
    """Print the SQLAlchemy URL of the database (for psql, QGIS, ogr2ogr …)."""
    from geoplatform.database import resolve_database_url

    click.echo(resolve_database_url(_settings()).render_as_string(hide_password=not show_password))


@db.command()
def migrate() -> None:
    """Apply all migrations and synchronise the codelists."""
    from geoplatform.database import open_database

    open_database(_settings()).dispose()
    click.echo("schema is at the newest migration; codelists synchronised")


# -- demo ------------------------------------------------------------------------------------------
@main.command()
@click.option(
    "--synthetic",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also add N synthetic deposits clustered around the real ones (for benchmarks).",
)
@click.option(
    "--seed",
    type=click.FloatRange(-1, 1),
    default=0.42,
    show_default=True,
    help="Seed of the synthetic generator.",
)
@click.option("--serve/--no-serve", default=False, help="Start the web server afterwards.")
def demo(synthetic: int, seed: float, serve: bool) -> None:
    """Load the demo catalogue of real Chinese strategic-mineral deposits and projects."""
    from geoplatform.approvals.demo import load_demo_approvals
    from geoplatform.database import open_database
    from geoplatform.demo import generate_synthetic, load_demo

    settings = _settings()
    engine = open_database(settings)
    counts = load_demo(engine)
    click.echo("demo data loaded: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    histories = load_demo_approvals(engine)
    click.echo(f"demo approval histories recorded for {histories} projects")
    if synthetic:
        started = time.perf_counter()
        added = generate_synthetic(engine, synthetic, seed)
        click.echo(f"synthetic deposits added: {added} ({time.perf_counter() - started:.1f} s)")
    if serve:
        _serve(settings, engine)


# -- users -----------------------------------------------------------------------------------------
@main.group()
def user() -> None:
    """User accounts (roles: viewer, editor, admin)."""


@user.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def user_create(name: str, role: str, password_stdin: bool) -> None:
    """Create user NAME; asks for the password twice unless --password-stdin is given."""
    from geoplatform.database import open_database
    from geoplatform.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = create_user(open_database(_settings()), name, password, role)
    click.echo(f"user {account.username} created with role {account.role}")


# -- serve -----------------------------------------------------------------------------------------
def _serve(settings, engine=None) -> None:  # type: ignore[no-untyped-def]
    from werkzeug.serving import run_simple

    from geoplatform.database import open_database
    from web import create_app

    app = create_app(settings, engine or open_database(settings))
    click.echo(f"geoplatform is serving on http://{settings.host}:{settings.port}/  (Ctrl+C stops)")
    run_simple(settings.host, settings.port, app, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: GEOPLATFORM_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: GEOPLATFORM_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app with a threaded server (use gunicorn 'web:create_app()' in production)."""
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    _serve(load_settings(**overrides))


@main.command()
def settings() -> None:
    """List every GEOPLATFORM_* setting with its default and meaning."""
    for name, default, description in setting_docs():
        click.echo(f"{name}  [default: {default or '-'}]\n    {description}")


if __name__ == "__main__":
    main()
