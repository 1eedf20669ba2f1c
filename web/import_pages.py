"""The upload page ``/import`` for editors: the same pipeline as ``geoplatform import``.

The upload is size-limited (``GEOPLATFORM_MAX_UPLOAD_MB``, HTTP 413 above it), saved under a random
name that keeps only a whitelisted suffix, imported (or previewed, or dry-run), and deleted. Reject
reports are kept under random tokens in the data directory for download by editors.
"""

from __future__ import annotations

import queue
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_file, stream_template

from etl.mapping import shipped_mappings
from etl.pipeline import ImportRequest, ImportResult, RejectRatioExceeded, import_file
from etl.targets import TARGETS
from etl.validate import Options
from geoplatform.errors import GeoplatformError, InvalidParameter
from web import context
from web.access import current_account, require_role

bp = Blueprint("import_pages", __name__)

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".zip", ".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _dir(name: str) -> Path:
    path = Path(context.settings().data_dir) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _form_options() -> tuple[ImportRequest, str]:
    """Check every form field first, then save the upload (so that a refused form leaves no file)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidParameter("Choose a file to import.")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidParameter(
            "Unsupported file type: use CSV, TSV, XLSX, zipped Shapefile, GeoPackage, GeoJSON, KML or KMZ."
        )
    try:
        ratio = float(request.form.get("max_reject_ratio") or "1")
    except ValueError:
        raise InvalidParameter("The maximum reject ratio must be a number between 0 and 1.") from None
    target = request.form.get("target") or "deposits"
    if target not in TARGETS:
        raise InvalidParameter("Choose one of the offered targets.")
    mapping = request.form.get("mapping") or None
    if mapping is not None and mapping not in {m.name for m in shipped_mappings()}:
        raise InvalidParameter("Choose one of the offered mappings.")  # no server paths from the web
    central = request.form.get("central_meridian") or None
    if central is not None and not central.isdigit():
        raise InvalidParameter("The central meridian is a whole number of degrees east, e.g. 114.")
    account = current_account()
    stored = _dir("uploads") / f"{uuid.uuid4().hex}{suffix}"
    upload.save(stored)
    import_request = ImportRequest(
        path=stored,
        file_name=Path(upload.filename).name[:200],
        target=target,
        mapping=mapping,
        sheet=request.form.get("sheet") or None,
        layer=request.form.get("layer") or None,
        encoding=request.form.get("encoding") or None,
        on_conflict=request.form.get("on_conflict", "update"),
        dry_run=bool(request.form.get("dry_run")),
        max_reject_ratio=ratio,
        username=account.username if account else "web",
        options=Options(
            crs=request.form.get("crs") or None,
            central_meridian=int(central) if central else None,
            packed_dms=bool(request.form.get("packed_dms")),
            default_status=request.form.get("default_status") or None,
            strict_regions=bool(request.form.get("strict_regions")),
        ),
    )
    return import_request, request.form.get("action", "import")


def _keep_report(result: ImportResult, reports: Path | None = None) -> str:
    """Write the reject report under a random token (``reports`` given when outside a request)."""
    token = uuid.uuid4().hex
    reports = reports or _dir("import-reports")
    (reports / f"{token}.csv").write_text(result.reject_csv(), encoding="utf-8")
    (reports / f"{token}.json").write_text(result.reject_json(), encoding="utf-8")
    return token


@bp.get("/import")
@require_role("editor")
def form() -> str:
    return render_template("import.html", mappings=shipped_mappings(), result=None, error=None)


class _Outcome:
    """Filled in by the import thread; read by the template once the progress stream has ended."""

    result: ImportResult | None = None
    error: str | None = None
    token: str | None = None


def _progress(import_request: ImportRequest, outcome: _Outcome) -> Iterator[int]:
    """Run the import in a thread and yield the running row count as chunks are loaded.

    The page is streamed, so an editor sees rows counted while a large file loads; the import
    itself is the same call as the CLI's and still commits once at the end (or not at all).
    """
    engine = context.engine()
    reports = _dir("import-reports")  # resolved here: the thread has no application context
    updates: queue.Queue[int | None] = queue.Queue()
    seen = [0]

    def progress(rows: int) -> None:
        seen[0] += rows
        updates.put(seen[0])

    def work() -> None:
        try:
            outcome.result = import_file(engine, import_request, progress=progress)
        except RejectRatioExceeded as exceeded:
            outcome.result, outcome.error = exceeded.result, exceeded.description
        except GeoplatformError as failure:
            outcome.error = failure.description
        except Exception:  # reported on the page; the transaction has rolled back
            outcome.error = "The import failed unexpectedly; nothing was written."
        finally:
            try:
                import_request.path.unlink(missing_ok=True)
                if outcome.result is not None and (outcome.result.rejects or outcome.result.warnings):
                    outcome.token = _keep_report(outcome.result, reports)
            finally:
                updates.put(None)  # always end the stream, whatever happened above

    threading.Thread(target=work, daemon=True).start()
    while (count := updates.get()) is not None:
        yield count


@bp.post("/import")
@require_role("editor")
def upload() -> tuple[str, int] | str | Response:
    try:
        import_request, action = _form_options()
    except GeoplatformError as failure:
        return render_template("import.html", mappings=shipped_mappings(), result=None, error=failure.description), 400
    if action != "preview":
        try:  # format, layers and mapping are checked before the page starts streaming: errors stay 4xx
            import_file(context.engine(), import_request, preview_only=True)
        except GeoplatformError as failure:
            import_request.path.unlink(missing_ok=True)
            page = render_template("import.html", mappings=shipped_mappings(), result=None, error=failure.description)
            return page, 400
        outcome = _Outcome()
        return Response(
            stream_template(
                "import.html",
                mappings=shipped_mappings(),
                result=None,
                error=None,
                progress=_progress(import_request, outcome),
                outcome=outcome,
            )
        )
    result: ImportResult | None = None
    error: str | None = None
    status = 200
    try:
        result = import_file(context.engine(), import_request, preview_only=True)
    except GeoplatformError as failure:
        error, status = failure.description, 400
    finally:
        import_request.path.unlink(missing_ok=True)
    token = _keep_report(result) if result is not None and (result.rejects or result.warnings) else None
    page = render_template("import.html", mappings=shipped_mappings(), result=result, error=error, token=token)
    return page, status


@bp.get("/import/reports/<token>.<ext>")
@require_role("editor")
def report(token: str, ext: str) -> Response:
    if not TOKEN_RE.fullmatch(token) or ext not in ("csv", "json"):
        abort(404)
    path = _dir("import-reports") / f"{token}.{ext}"
    if not path.exists():
        abort(404)
    mimetype = "text/csv" if ext == "csv" else "application/json"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=f"reject-report.{ext}")
