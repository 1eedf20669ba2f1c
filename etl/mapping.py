"""Header mappings: which source column feeds which domain field, declared in TOML files.

A mapping lists, per domain field, the header spellings it accepts. Headers are compared after
normalisation (full-width → half-width, case, spaces, a unit in brackets set aside: ``资源量（万吨）`` is
header ``资源量`` with unit ``万吨``). Without ``--mapping`` the shipped mapping that matches the most
headers wins, and the choice is reported. Headers no field takes are reported, never silently dropped.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoplatform.errors import InvalidParameter
from geoplatform.vocabulary import key

MAPPING_DIR = Path(__file__).parent / "mappings"
DEPOSIT_FIELDS = (
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "commodities",
    "lon",
    "lat",
    "lon_d",
    "lon_m",
    "lon_s",
    "lat_d",
    "lat_m",
    "lat_s",
    "gk_x",
    "gk_y",
    "geometry",
    "country",
    "region_code",
    "subdivision",
    "deposit_type",
    "stage",
    "size_class",
    "status",
    "status_as_of",
    "source",
    "grade",
    "grade_unit",
    "footprint",
)
LOCATION_FIELDS = ("lon", "lat", "lon_d", "lon_m", "lon_s", "lat_d", "lat_m", "lat_s", "gk_x", "gk_y", "geometry")
PROJECT_FIELDS = (
    "code",
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "project_type",
    "stage",
    "green_channel",
    "operator",
    "country",
    "region_code",
    "subdivision",
    *LOCATION_FIELDS,
    "capacity",
    "capacity_unit",
    "investment_cny_100m",
    "commodities",
    "deposits",
    "status_as_of",
    "source",
)
RESOURCE_FIELDS = (
    "deposit_code",
    "commodity",
    "category",
    "method",
    "legacy_code",
    "ore_tonnage",
    "ore_unit",
    "contained",
    "contained_unit",
    "grade",
    "grade_unit",
    "as_of",
    "source",
)
APPROVAL_FIELDS = (
    "project_code",
    "kind",
    "status",
    "event_date",
    "authority",
    "document_number",
    "target_on",
    "target_reason",
    "comment",
)
INDICATOR_FIELDS = (
    "indicator",
    "commodity",
    "scope_kind",
    "scope",
    "period",
    "period_kind",
    "value",
    "unit",
    "source",
    "as_of",
)
TARGET_FIELDS = {
    "deposits": DEPOSIT_FIELDS,
    "projects": PROJECT_FIELDS,
    "resources": RESOURCE_FIELDS,
    "approvals": APPROVAL_FIELDS,
    "indicators": INDICATOR_FIELDS,
}
"""The fields a mapping may name, per import target."""
UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]\s*$")


def _dbf_cut(header: str) -> bool:
    """Whether a header may be a DBF field name cut at its 10-byte limit (9 when a 2-byte character did not fit)."""
    try:
        size = len(header.encode("gb18030"))
    except UnicodeEncodeError:
        return False
    return size in (9, 10)


def normalise_header(header: str) -> tuple[str, str | None]:
    """(comparable header, unit in brackets or None). A trailing ``*`` (ArcGIS marks required fields so) is dropped."""
    text = unicodedata.normalize("NFKC", str(header)).strip().rstrip("*").strip()
    unit = None
    match = UNIT_RE.match(text)
    if match and match.group("name"):
        text, unit = match.group("name"), match.group("unit").strip() or None
    text = re.sub(r"[\s_\-./]+", " ", text).strip().lower()
    return text, unit


@dataclass(frozen=True)
class Mapping:
    name: str
    title: str
    target: str
    fields: dict[str, tuple[str, ...]]
    zero_means_missing: frozenset[str] = frozenset()
    source_path: str = ""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per field, values of the file and what they mean (``"platinum group" = "pgm"``); keys compared
    as the vocabulary compares spellings (case and width folded)."""
    constants: dict[str, str] = field(default_factory=dict)
    """Fields every row has the same value for when the file has no column for them (``commodities = "copper"``)."""
    grades: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    """commodity → (header spellings of its grade column, unit): USGS grade–tonnage tables give one
    column per commodity (``Copper grade`` in %, ``Gold grade`` in g/t)."""
    tonnage: tuple[tuple[str, ...], str] | None = None
    """(header spellings, unit) of the ore tonnage those grades apply to; with grades it is loaded as
    an unclassified, historical resource estimate per commodity."""
    name_language: str | None = None
    """Language of the ``name`` column (a BCP 47 code such as ``es``); default: Chinese when written in
    Han characters, else unknown."""
    code_prefix: str = ""
    """Put before the codes of the file (``USGS-PCU-`` + ``323``), so that one source's numbers cannot
    collide with another's."""

    def resolve(self, headers: list[str]) -> Resolution:
        """Assign source headers to fields (first alias that matches wins; a header serves one field)."""
        normalised = {h: normalise_header(h) for h in headers}
        taken: dict[str, str] = {}
        units: dict[str, str] = {}
        used: set[str] = set()

        def find(aliases: tuple[str, ...]) -> str | None:
            for alias in (normalise_header(a)[0] for a in aliases):
                match = next((h for h in headers if h not in used and normalised[h][0] == alias), None)
                if match is None:
                    # DBF field names are cut at 10 bytes (5 Chinese characters in GBK): accept a header
                    # of that length that is the start of an alias (开发利用状 for 开发利用状况) — only
                    # of that length, or "Name" would be taken for the start of "name zh".
                    match = next(
                        (
                            h
                            for h in headers
                            if h not in used
                            and _dbf_cut(str(h))
                            and alias.startswith(normalised[h][0])
                            and len(alias) > len(normalised[h][0])
                        ),
                        None,
                    )
                if match is not None:
                    used.add(match)
                    return match
            return None

        for field_name, aliases in self.fields.items():
            match = find(aliases)
            if match is not None:
                taken[field_name] = match
                if normalised[match][1]:
                    units[field_name] = normalised[match][1]  # type: ignore[assignment]
        grade_columns = {
            commodity: header for commodity, (aliases, _) in self.grades.items() if (header := find(aliases))
        }
        tonnage_column = find(self.tonnage[0]) if self.tonnage else None
        unmapped = [h for h in headers if h not in used and str(h).strip() and not str(h).startswith("_")]
        return Resolution(self, taken, units, unmapped, grade_columns, tonnage_column)


@dataclass(frozen=True)
class Resolution:
    """A mapping applied to one file's headers."""

    mapping: Mapping
    columns: dict[str, str]
    """field → source header"""
    units: dict[str, str] = field(default_factory=dict)
    """field → unit written in the header's brackets"""
    unmapped: list[str] = field(default_factory=list)
    grade_columns: dict[str, str] = field(default_factory=dict)
    """commodity → source header of its grade column"""
    tonnage_column: str | None = None

    @property
    def score(self) -> int:
        return len(self.columns) + len(self.grade_columns) + (self.tonnage_column is not None)


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidParameter(f"The mapping file cannot be read: {type(exc).__name__}.") from None
    fields = data.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise InvalidParameter("A mapping file needs a [fields] table.")
    target = str(data.get("target", "deposits"))
    if target not in TARGET_FIELDS:
        raise InvalidParameter("The mapping's target must be one of: " + ", ".join(TARGET_FIELDS) + ".")
    unknown = set(fields) - set(TARGET_FIELDS[target])
    if unknown:
        raise InvalidParameter("The mapping names unknown fields: " + ", ".join(sorted(unknown)) + ".")
    options = data.get("options", {})
    allowed = set(TARGET_FIELDS[target])
    values = data.get("values", {})
    constants = data.get("constants", {})
    wrong = (set(values) | set(constants)) - allowed
    if wrong:
        raise InvalidParameter("The mapping's [values] or [constants] name unknown fields: " + ", ".join(sorted(wrong)))
    if not all(isinstance(table, dict) for table in values.values()):
        raise InvalidParameter('A mapping\'s [values.<field>] tables list "value in the file" = "meaning".')
    grades, tonnage = _grade_tables(data, target)
    return Mapping(
        name=str(data.get("name", path.stem)),
        title=str(data.get("title", path.stem)),
        target=target,
        fields={k: tuple(str(a) for a in v) for k, v in fields.items()},
        zero_means_missing=frozenset(options.get("zero_means_missing", [])),
        source_path=str(path),
        values={f: {key(str(k)): str(v) for k, v in table.items()} for f, table in values.items()},
        constants={f: str(v) for f, v in constants.items()},
        grades=grades,
        tonnage=tonnage,
        name_language=str(options["name_language"]) if options.get("name_language") else None,
        code_prefix=_code_prefix(options.get("code_prefix", "")),
    )


def _code_prefix(prefix: object) -> str:
    text = str(prefix).strip().upper()
    if text and not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,19}", text):
        raise InvalidParameter("A mapping's code_prefix has up to 20 letters, digits, '-' and '_'.")
    return text


def _grade_tables(data: dict[str, Any], target: str) -> tuple[dict[str, tuple[tuple[str, ...], str]], Any]:
    """``[grades.<commodity>]`` and ``[tonnage]`` tables: ``column`` (a spelling or a list) and ``unit``."""
    grades_table = data.get("grades", {})
    tonnage_table = data.get("tonnage")
    if (grades_table or tonnage_table) and target != "deposits":
        raise InvalidParameter("Only a deposits mapping can have [grades] and [tonnage] tables.")

    def column(table: Any, what: str) -> tuple[tuple[str, ...], str]:
        if not isinstance(table, dict) or "column" not in table or "unit" not in table:
            raise InvalidParameter(f"The mapping's {what} table needs a column and a unit.")
        spellings = table["column"] if isinstance(table["column"], list) else [table["column"]]
        return tuple(str(s) for s in spellings), str(table["unit"])

    grades = {str(commodity): column(table, f"[grades.{commodity}]") for commodity, table in grades_table.items()}
    return grades, column(tonnage_table, "[tonnage]") if tonnage_table else None


def shipped_mappings() -> list[Mapping]:
    return [load_mapping(p) for p in sorted(MAPPING_DIR.glob("*.toml"))]


def choose_mapping(headers: list[str], requested: str | None = None, target: str = "deposits") -> Resolution:
    """The requested mapping (shipped name or file path), else the shipped one for ``target`` that fits best."""
    if requested:
        path = Path(requested)
        chosen = None
        if path.suffix == ".toml" and path.exists():
            chosen = load_mapping(path)
        else:
            chosen = next((m for m in shipped_mappings() if m.name == requested), None)
        if chosen is None:
            raise InvalidParameter("Unknown mapping: give a shipped mapping name or a .toml file.")
        if chosen.target != target:
            raise InvalidParameter(f"That mapping is for {chosen.target}, not {target}; choose another or --target.")
        return chosen.resolve(headers)
    candidates = [m for m in shipped_mappings() if m.target == target]
    best = max((m.resolve(headers) for m in candidates), key=lambda r: r.score)
    if best.score == 0:
        raise InvalidParameter("No column of this file matches a known field; choose a mapping with --mapping.")
    return best
