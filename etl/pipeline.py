"""The import pipeline, one for the command line and the web page: read → map → normalise → validate → load.

``import_file`` streams the file in chunks: each chunk is validated (rejects collected with their row
numbers) and its accepted records are copied into the staging table at once, so memory stays bounded
whatever the file size. The upsert, the batch record and the before-images for undo are written in
one transaction at the end; a failure or a kill before the commit leaves the database as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from etl.mapping import choose_mapping, normalise_header, shipped_mappings
from etl.reasons import reason_zh
from etl.sources import Table, open_table
from etl.targets import TARGETS
from etl.undo import finish_undo, lock_batch
from etl.validate import Options, Reject, Validator
from etl.writer import ChunkWriter
from geoplatform.errors import InvalidParameter
from geoplatform.locate import Locator
from geoplatform.search import fill_search_extra
from geoplatform.vocabulary import load_vocabulary

CHUNK_ROWS = 50_000
PREVIEW_ROWS = 10
MAX_REPORTED_REJECTS = 100_000


@dataclass
class ImportRequest:
    path: Path
    file_name: str | None = None
    target: str = "deposits"
    mapping: str | None = None
    sheet: str | None = None
    layer: str | None = None
    encoding: str | None = None
    on_conflict: str = "update"
    dry_run: bool = False
    max_reject_ratio: float = 1.0
    bulk: str = "auto"
    """auto, on or off: load large batches with foreign keys and indexes deferred (see etl.bulk)."""
    username: str = "cli"
    options: Options = field(default_factory=Options)
    locator: Callable[[Engine], Locator] | None = None
    """Places the rows (default :class:`geoplatform.locate.Locator`); the import benchmark swaps it to
    measure what placing costs."""


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    format: str
    layer: str | None
    layers: list[str]
    encoding: str | None
    mapping: str
    columns: dict[str, str]
    unmapped: list[str]
    crs: str | None
    encoding_reason: str | None = None
    """Why that encoding was chosen (a DBF without .cpg: its bytes decided)."""
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    batch_id: int | None = None
    dry_run: bool = False
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    """Rows loaded with a remark (and the file's own remarks, row 0); at most MAX_REPORTED_REJECTS kept."""
    rows_warned: int = 0
    """How many warnings there were (the list may be shorter)."""
    extra: dict[str, int] = field(default_factory=dict)
    """Other records the batch wrote (historical estimates of a grade–tonnage table)."""
    preview: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejects"] = [r.as_dict() for r in self.rejects[:1000]]
        data["warnings"] = [w.as_dict() for w in self.warnings[:1000]]
        return data

    def reject_csv(self) -> str:
        """The report: rejected rows, then warnings (``level`` says which), reasons in English and Chinese."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "column", "value", "reason", "reason_zh", "level"])
        for entry in (*self.rejects, *self.warnings):
            writer.writerow([entry.row, entry.column, entry.value, entry.reason, reason_zh(entry.reason), entry.level])
        return "\ufeff" + out.getvalue()

    def reject_json(self) -> str:
        return json.dumps([r.as_dict() for r in (*self.rejects, *self.warnings)], ensure_ascii=False, indent=1)


Progress = Callable[[int], None]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _known_headers(target: str) -> set[str]:
    return {
        normalise_header(alias)[0]
        for m in shipped_mappings()
        if m.target == target
        for aliases in m.fields.values()
        for alias in aliases
    }


def _open(request: ImportRequest, workdir: Path) -> Table:
    if request.target not in TARGETS:
        raise InvalidParameter("--target must be one of: " + ", ".join(TARGETS) + ".")
    if request.on_conflict not in ("update", "skip", "fail"):
        raise InvalidParameter("--on-conflict must be update, skip or fail.")
    if request.bulk not in ("auto", "on", "off"):
        raise InvalidParameter("--bulk must be auto, on or off.")
    if not 0 <= request.max_reject_ratio <= 1:
        raise InvalidParameter("--max-reject-ratio must be between 0 and 1.")
    return open_table(
        request.path,
        sheet=request.sheet,
        layer=request.layer,
        encoding=request.encoding,
        known_headers=_known_headers(request.target),
        workdir=workdir,
    )


def import_file(
    engine: Engine, request: ImportRequest, progress: Progress | None = None, preview_only: bool = False
) -> ImportResult:
    """Import (or, with ``preview_only`` / ``dry_run``, only check) one file; see the module docstring."""
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="geoplatform-import-") as workdir:
        table = _open(request, Path(workdir))
        resolution = choose_mapping(table.headers, request.mapping, request.target)
        vocabulary = load_vocabulary(engine)
        target = TARGETS[request.target]
        locator = request.locator(engine) if request.locator else Locator(engine)
        validator = target.validator(resolution, vocabulary, request.options, layer_crs=table.crs, locator=locator)
        result = ImportResult(
            file_name=request.file_name or request.path.name,
            sha256=sha256_of(request.path),
            format=table.format,
            layer=table.layer,
            layers=table.layers,
            encoding=table.encoding,
            encoding_reason=table.encoding_reason,
            mapping=resolution.mapping.name,
            columns={**validator.columns, **{f"grade: {c}": h for c, h in resolution.grade_columns.items()}}
            | ({"tonnage": resolution.tonnage_column} if resolution.tonnage_column else {}),
            unmapped=resolution.unmapped,
            crs=table.crs or request.options.crs,
            dry_run=request.dry_run or preview_only,
        )
        if preview_only:
            for chunk in table.chunks(PREVIEW_ROWS):
                accepted, rejects = validator.validate(chunk)
                result.rows_read = len(chunk)
                result.preview = [
                    dict(zip(("row", *table.headers), (r["_row"], *(r[h] for h in table.headers)), strict=True))
                    for r in chunk.to_dict("records")
                ]
                result.rows_accepted, result.rows_rejected, result.rejects = len(accepted), len(rejects), rejects
                _add_warnings(result, validator)
                break
            return result
        with engine.begin() as conn:
            # A bulk load is not an interactive query: the web app's statement timeout does not apply.
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            # Sorting and hashing a batch in memory, and building its indexes, need more than the defaults.
            conn.execute(text("SET LOCAL work_mem = '256MB'"))
            conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            # The batch's scans and joins may use a second core (the web app's pages keep them off).
            conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 2"))
            target.open_stage(conn)
            with ChunkWriter(lambda records: target.copy_records(conn, records)) as writer:
                for chunk in table.chunks(CHUNK_ROWS):
                    accepted, rejects = validator.validate(chunk)
                    result.rows_read += len(chunk)
                    writer.put(accepted)
                    _add_rejects(result, rejects)
                    _add_warnings(result, validator)
                    if progress:
                        progress(len(chunk))
                result.rows_accepted = writer.close()
            if result.rows_read == 0:
                raise InvalidParameter("The file has a header but no data rows.")
            _add_rejects(result, target.post_checks(conn, resolution.columns))
            _check_ratio(result, request.max_reject_ratio)
            batch_id = conn.execute(
                text("""
                INSERT INTO import_batch (target, file_name, sha256, format, layer, mapping, crs, username, status,
                                          started_at, rows_read, rows_inserted, rows_updated, rows_unchanged,
                                          rows_rejected, details)
                VALUES (:target, :file, :sha, :format, :layer, :mapping, :crs, :user, 'done', :started,
                        :read, 0, 0, 0, :rejected, CAST(:details AS jsonb))
                RETURNING id
            """),
                {
                    "target": request.target,
                    "file": result.file_name,
                    "sha": result.sha256,
                    "format": result.format,
                    "layer": result.layer,
                    "mapping": result.mapping,
                    "crs": result.crs,
                    "user": request.username,
                    "started": started,
                    "read": result.rows_read,
                    "rejected": result.rows_rejected,
                    "details": json.dumps(
                        {
                            "columns": result.columns,
                            "unmapped": result.unmapped,
                            "encoding": result.encoding,
                            "on_conflict": request.on_conflict,
                        },
                        ensure_ascii=False,
                    ),
                },
            ).scalar_one()
            counts, late_rejects = target.load(
                conn, batch_id, request.on_conflict, request.bulk, request.username, resolution.columns
            )
            _add_rejects(result, late_rejects)
            result.rows_accepted -= len(late_rejects)
            _check_ratio(result, request.max_reject_ratio)
            conn.execute(
                text("""
                UPDATE import_batch SET rows_inserted = :i, rows_updated = :u, rows_unchanged = :n,
                                        rows_rejected = :r, details = details || CAST(:extra AS jsonb),
                                        -- the clock, not now(): that is the transaction's start
                                        finished_at = clock_timestamp()
                WHERE id = :b
            """),
                {
                    "i": counts.inserted,
                    "u": counts.updated,
                    "n": counts.unchanged,
                    "r": result.rows_rejected,
                    "b": batch_id,
                    "extra": json.dumps({**counts.extra, "warnings": result.rows_warned}),
                },
            )
            result.inserted, result.updated, result.unchanged = counts.inserted, counts.updated, counts.unchanged
            result.extra = dict(counts.extra)
            if result.dry_run:
                # Everything was checked and loaded, so the counts are exact; now nothing is kept.
                conn.rollback()
                return result
        # Derived, after the batch is committed: pinyin and simplified names for search (a search would
        # otherwise write them before answering).
        fill_search_extra(engine)
        result.batch_id = batch_id
        return result


def _add_warnings(result: ImportResult, validator: Validator) -> None:
    """Move the validator's warnings into the result (the file's own remarks once, as row 0)."""
    result.rows_warned += validator.notes.count
    room = MAX_REPORTED_REJECTS - len(result.warnings)
    result.warnings.extend(Reject(*note, level="warning") for note in validator.notes.take(room))
    validator.notes.count = 0
    for remark in validator.file_notes:
        result.warnings.insert(0, Reject(0, "", "", remark, level="warning"))
        result.rows_warned += 1
    validator.file_notes.clear()


def _add_rejects(result: ImportResult, rejects: list[Reject]) -> None:
    result.rows_rejected += len(rejects)
    if len(result.rejects) < MAX_REPORTED_REJECTS:
        result.rejects.extend(rejects[: MAX_REPORTED_REJECTS - len(result.rejects)])


def _check_ratio(result: ImportResult, allowed: float) -> None:
    ratio = result.rows_rejected / result.rows_read
    if ratio > allowed:
        raise RejectRatioExceeded(result, ratio)


def undo_batch(engine: Engine, batch_id: int, username: str = "cli") -> dict[str, int]:
    """Revert an import batch of any target, if nothing touched its records since (see the targets)."""
    with engine.begin() as conn:
        kind = lock_batch(conn, batch_id)
        outcome = TARGETS[kind].undo(conn, batch_id, username)
        finish_undo(conn, batch_id)
    return outcome


class RejectRatioExceeded(InvalidParameter):
    """More rows were rejected than ``--max-reject-ratio`` allows: nothing is written."""

    def __init__(self, result: ImportResult, ratio: float) -> None:
        super().__init__(
            f"{result.rows_rejected} of {result.rows_read} rows ({ratio:.1%}) were rejected, more than the "
            "allowed ratio; nothing was imported. See the reject report."
        )
        self.result = result
