"""Reading survey files: CSV/TSV, Excel, Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ.

Every reader yields chunks of text columns with the source row number kept (``_row``: the line of a
spreadsheet, the record of a GIS layer) and, for GIS formats, the geometry as WKB (``_wkb``) with the
layer's CRS. Nothing is read whole into memory: CSV streams in chunks, Excel row by row, GIS layers in
slices. Archives are checked before they are opened (size after unpacking, entry count, paths), KML is
parsed with defusedxml first so that entity tricks fail before GDAL sees the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from geoplatform.errors import InvalidParameter

MAX_UNPACKED_BYTES = 4 * 1024**3
MAX_ARCHIVE_ENTRIES = 10_000
SNIFF_BYTES = 256 * 1024
HEADER_SCAN_ROWS = 30

VECTOR_SUFFIXES = {
    ".shp": "ESRI Shapefile",
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".kmz": "KML",
}
EXPECTED_DRIVERS = {
    ".shp": {"ESRI Shapefile"},
    ".gpkg": {"GPKG"},
    ".geojson": {"GeoJSON"},
    ".json": {"GeoJSON"},
    ".kml": {"LIBKML", "KML"},
    ".kmz": {"LIBKML", "KML"},
}
"""GDAL chooses a driver by content, not by name: a file that claims to be GeoJSON but is, say, a VRT
pointing at local files or URLs must be refused, not opened."""


def _harden_gdal() -> None:
    """No virtual (VRT) datasets and no network access for anything the importer opens."""
    import pyogrio

    pyogrio.set_gdal_config_options(
        {"GDAL_SKIP": "VRT OGR_VRT", "OGR_SKIP": "VRT OGR_VRT", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none"}
    )


class SourceError(InvalidParameter):
    """The file cannot be read as what it claims to be; nothing is imported."""


@dataclass
class Table:
    """One sheet or layer of a source file, ready to be read in chunks."""

    path: Path
    format: str
    headers: list[str]
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    encoding: str | None = None
    encoding_reason: str | None = None
    """Why that encoding: reports say it, because a wrong guess garbles every name."""
    crs: str | None = None
    header_row: int = 1
    geometry_types: list[str] = field(default_factory=list)
    _reader: object = None

    def chunks(self, size: int = 50_000) -> Iterator[pd.DataFrame]:
        return self._reader(size)  # type: ignore[operator,misc]


# -- archives ---------------------------------------------------------------------------------------
def check_archive(path: Path, max_bytes: int | None = None) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SourceError("The file is not a readable ZIP archive (or a damaged xlsx/kmz).") from None
    infos = archive.infolist()
    if len(infos) > MAX_ARCHIVE_ENTRIES:
        raise SourceError("The archive holds too many files.")
    total = sum(i.file_size for i in infos)
    if total > (max_bytes or MAX_UNPACKED_BYTES):
        raise SourceError("The archive would unpack to more than the allowed size; refused as a possible ZIP bomb.")
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in Path(name).parts:
            raise SourceError("The archive contains a path outside itself; refused.")
        if info.compress_size and info.file_size / info.compress_size > 1000 and info.file_size > 50 * 1024**2:
            raise SourceError("An archive member is compressed more than 1000:1; refused as a possible ZIP bomb.")
    return archive


def unpack(path: Path, into: Path) -> Path:
    """Unpack a .zip (e.g. a zipped Shapefile) after checking it; return the directory."""
    archive = check_archive(path)
    archive.extractall(into)
    return into


# -- text tables ------------------------------------------------------------------------------------
def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (the superset of GBK that Chinese Excel writes)."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut off at the end of the sample
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise SourceError("The file is neither UTF-8 nor GB18030/GBK text; give --encoding.") from None


def read_delimited(path: Path, encoding: str | None = None) -> Table:
    with open(path, "rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise SourceError("The file is empty.")
    encoding = encoding or detect_encoding(sample)
    try:
        text = sample.decode(encoding, errors="ignore")
    except LookupError:
        raise SourceError("Unknown text encoding.") from None
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(first_lines, delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","

    headers = _delimited_headers(path, delimiter, encoding)

    def frames(size: int) -> Iterator[pd.DataFrame]:
        # Arrow's reader parses blocks on all cores; every column stays text (typed later, per field).
        reader = _open_arrow_csv(path, delimiter, encoding, headers)
        start = 2  # data starts on line 2, after the header
        pending: list[pa.RecordBatch] = []
        try:
            with reader:
                # Small blocks keep Arrow's read-ahead small; they are gathered into chunks of ``size`` rows.
                for batch in itertools.chain(reader, [None]):
                    if batch is not None:
                        pending.append(batch)
                        if sum(len(b) for b in pending) < size:
                            continue
                    if not pending:
                        break
                    frame = pa.Table.from_batches(pending).to_pandas()
                    pending = []
                    for offset in range(0, len(frame), size):
                        chunk = frame.iloc[offset : offset + size].reset_index(drop=True)
                        chunk["_row"] = range(start, start + len(chunk))
                        start += len(chunk)
                        yield chunk
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise SourceError(f"The text table is malformed near record {start}: {_arrow_reason(exc)}") from None

    return Table(
        path,
        "csv" if delimiter != "\t" else "tsv",
        headers,
        encoding=encoding,
        _reader=frames,
    )


def _delimited_headers(path: Path, delimiter: str, encoding: str) -> list[str]:
    """The header row, trimmed, with repeated names made unique the way pandas does (``name.1``)."""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            first = next(csv.reader(handle, delimiter=delimiter), None)
    except (UnicodeDecodeError, csv.Error):
        first = None
    if not first or not any(cell.strip() for cell in first):
        raise SourceError("The file has no readable header row.")
    seen: dict[str, int] = {}
    headers = []
    for cell in first:
        name = cell.strip() or f"Unnamed: {len(headers)}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        headers.append(name)
    return headers


def _open_arrow_csv(path: Path, delimiter: str, encoding: str, headers: list[str]) -> pa_csv.CSVStreamingReader:
    try:
        return pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding=encoding, column_names=headers, skip_rows=1, block_size=2 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(headers, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(f"The text table is malformed near its start: {_arrow_reason(exc)}") from None


def _arrow_reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "text that is not in the file's encoding (give --encoding)."
    message = str(exc)
    if "Expected" in message and "columns" in message:
        return "a row has a different number of columns than the header."
    return "unreadable CSV."


# -- Excel ------------------------------------------------------------------------------------------
def _header_score(cells: list[object], known: set[str]) -> int:
    from etl.mapping import normalise_header

    return sum(1 for c in cells if isinstance(c, str) and normalise_header(c)[0] in known)


def read_excel(path: Path, sheet: str | None, known_headers: set[str]) -> Table:
    """An xlsx sheet; the header row is the row among the first 30 that names the most known fields."""
    import openpyxl

    check_archive(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise SourceError("The Excel file cannot be opened (damaged, or not .xlsx).") from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise SourceError("The workbook has no sheet of that name; --preview lists its sheets.")
    candidates = [sheet] if sheet else names
    best: tuple[int, str, int, list[object]] | None = None
    for name in candidates:
        rows = book[name].iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
        for number, row in enumerate(rows, start=1):
            score = _header_score(list(row), known_headers)
            if best is None or score > best[0]:
                best = (score, name, number, list(row))
    if best is None or best[0] == 0:
        raise SourceError("No sheet has a header row with a known column name; choose --mapping and --sheet.")
    _, chosen, header_row, header_cells = best
    headers = [str(c).strip() if c is not None else f"_column_{i + 1}" for i, c in enumerate(header_cells)]

    book.close()

    def frames(size: int) -> Iterator[pd.DataFrame]:
        reading = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            yield from _sheet_frames(reading[chosen], header_row, headers, size)
        finally:
            reading.close()  # also when the caller stops early (a preview)

    return Table(path, "xlsx", headers, layer=chosen, layers=names, header_row=header_row, _reader=frames)


def _sheet_frames(sheet: Any, header_row: int, headers: list[str], size: int) -> Iterator[pd.DataFrame]:
    """The rows below the header in chunks, blank rows skipped, with their spreadsheet row numbers."""
    batch: list[list[object]] = []
    numbers: list[int] = []
    for number, row in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
        if row is None or all(c is None or str(c).strip() == "" for c in row):
            continue
        batch.append([("" if c is None else c) for c in list(row)[: len(headers)]] + [""] * (len(headers) - len(row)))
        numbers.append(number)
        if len(batch) >= size:
            yield _frame(batch, numbers, headers)
            batch, numbers = [], []
    if batch:
        yield _frame(batch, numbers, headers)


def _frame(rows: list[list[object]], numbers: list[int], headers: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=headers).astype(object)
    frame = frame.map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else ("" if v is None else str(v)))
    frame["_row"] = numbers
    return frame


# -- GIS layers -------------------------------------------------------------------------------------
def check_kml(path: Path) -> None:
    """Parse KML with defusedxml: entity declarations (billion laughs, external entities) are refused."""
    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        if path.suffix.lower() == ".kmz":
            archive = check_archive(path)
            kml_names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
            if not kml_names:
                raise SourceError("The KMZ archive holds no .kml document.")
            safe_xml.parse(io.BytesIO(archive.read(kml_names[0])))
        else:
            safe_xml.parse(path)
    except DefusedXmlException:
        raise SourceError("The KML declares XML entities; refused (entity expansion attacks).") from None
    except safe_xml.ParseError:
        raise SourceError("The KML is not well-formed XML.") from None


LANGUAGE_DRIVERS = {0x4D: "GB18030", 0x57: "ANSI (the system's code page)", 0x00: "none"}
"""DBF language-driver bytes (header byte 29) that say something about Chinese or 'ANSI' text."""


def _dbf_encoding(path: Path) -> tuple[str | None, str | None]:
    """The DBF's text encoding and why: a .cpg is honoured; without one the record bytes decide.

    Valid UTF-8 is a strong signal (text in any other multi-byte encoding is almost never valid
    UTF-8), so it is tried first, whatever the language-driver byte says: Spanish names written as
    UTF-8 but labelled ANSI (0x57) read as GB18030 turned ``Construcción`` into ``Construcci贸n``. Only
    the records are looked at: the header holds binary numbers that are not text in any encoding.
    """
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        return None, "as its .cpg file says"
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        return None, None
    with open(dbf, "rb") as handle:
        head = handle.read(32)
        header_length = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 32
        handle.seek(header_length)
        data = handle.read(SNIFF_BYTES)
    driver = LANGUAGE_DRIVERS.get(head[29], f"0x{head[29]:02X}") if len(head) > 29 else "none"
    if data.isascii():
        return "UTF-8", "the records are plain ASCII"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(data) - 3:  # not just a character cut off at the end of the sample
            return "GB18030", f"the records are not valid UTF-8 and there is no .cpg (language driver: {driver})"
    return "UTF-8", f"the records are valid UTF-8 (language driver: {driver}, no .cpg)"


def read_vector(path: Path, layer: str | None, encoding: str | None = None) -> Table:
    import pyogrio

    _harden_gdal()
    suffix = path.suffix.lower()
    if suffix in (".kml", ".kmz"):
        check_kml(path)
    elif suffix in (".geojson", ".json"):
        head = path.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"{"):
            raise SourceError("The file is not GeoJSON (a GeoJSON document starts with '{').")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:  # GDAL reports damaged files in many ways
        raise SourceError("The GIS file cannot be opened (damaged or not what its name says).") from None
    if not layers:
        raise SourceError("The GIS file holds no layer.")
    if layer is not None and layer not in layers:
        raise SourceError("The file has no layer of that name; --preview lists its layers.")
    chosen = layer or layers[0]
    encoding_reason = "as asked" if encoding else None
    if suffix == ".shp" and encoding is None:
        encoding, encoding_reason = _dbf_encoding(path)
    try:
        info = pyogrio.read_info(path, layer=chosen, encoding=encoding)
    except Exception:
        raise SourceError("The layer cannot be read.") from None
    if info.get("driver") not in EXPECTED_DRIVERS.get(suffix, set()):
        raise SourceError("The file's content is not the format its name says; refused.")
    headers = [str(f) for f in info["fields"]]
    crs = info.get("crs")
    total = int(info.get("features") or 0)

    def frames(size: int) -> Iterator[pd.DataFrame]:
        for offset in range(0, max(total, 1), size):
            try:
                frame = pyogrio.read_dataframe(
                    path, layer=chosen, encoding=encoding, skip_features=offset, max_features=size
                )
            except Exception:
                raise SourceError(f"The layer could not be read past record {offset}.") from None
            if frame.empty:
                return
            out = pd.DataFrame({h: frame[h].map(_text) for h in headers})
            out["_wkb"] = frame.geometry.to_wkb().tolist() if frame.geometry is not None else None
            out["_row"] = range(offset + 1, offset + 1 + len(out))
            yield out

    return Table(
        path,
        VECTOR_SUFFIXES.get(suffix, "GIS"),
        headers,
        layer=chosen,
        layers=layers,
        encoding=encoding,
        encoding_reason=encoding_reason,
        crs=str(crs) if crs else None,
        geometry_types=[str(info.get("geometry_type"))],
        _reader=frames,
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # type: ignore[no-any-return]
    return str(value)


# -- entry point ------------------------------------------------------------------------------------
def open_table(
    path: Path,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    known_headers: set[str] | None = None,
    workdir: Path | None = None,
) -> Table:
    """Open ``path`` by its suffix (a .zip is unpacked and its .shp/.gpkg/... opened)."""
    if not path.exists() or path.stat().st_size == 0:
        raise SourceError("The file is empty or missing.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        target = Path(tempfile.mkdtemp(dir=workdir))
        unpack(path, target)
        inner = sorted(
            p for p in target.rglob("*") if p.suffix.lower() in VECTOR_SUFFIXES or p.suffix.lower() in (".csv", ".xlsx")
        )
        if not inner:
            raise SourceError(
                "The archive holds no file geoplatform can import (.shp, .gpkg, .geojson, .kml, .csv, .xlsx)."
            )
        return open_table(inner[0], sheet=sheet, layer=layer, encoding=encoding, known_headers=known_headers)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_delimited(path, encoding)
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(path, sheet, known_headers or set())
    if suffix in VECTOR_SUFFIXES:
        return read_vector(path, layer, encoding)
    raise SourceError(
        "Unsupported file type: use CSV, TSV, XLSX, Shapefile (.shp or .zip), GeoPackage, GeoJSON, KML or KMZ."
    )


__all__ = ["SourceError", "Table", "open_table"]
