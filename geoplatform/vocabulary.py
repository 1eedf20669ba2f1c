"""One vocabulary for every door: the spellings people write, mapped to the codelists' codes.

The importer reads survey tables with it, the API reads query parameters with it, so that whatever
the one accepts (``锂矿``, ``Li``, ``lithium``) the other accepts too. Spellings come from the
codelists themselves (codes, Chinese and English labels, symbols), from alias files kept as data in
``geoplatform/data/aliases/<codelist>.csv``, and for countries and Chinese regions from derived forms:
Hanyu Pinyin of the Chinese names, short forms without 省/市/自治区, ISO 3166 codes.

Countries and regions also match tolerantly, because real tables misspell them (``Heilongiang``,
``Xizhang (Tibet)``, ``Quinghai``): a Latin-script spelling one edit away from a known one (two for
long names) is taken when it points at a single code; otherwise the reason names the nearest
entries ("did you mean …").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import Engine

from geoplatform.errors import InvalidParameter

ALIAS_DIR = Path(__file__).parent / "data" / "aliases"

SENTINELS = frozenset(
    {
        "",
        "<null>",
        "null",
        "none",
        "nan",
        "n.d.",
        "nd",
        "n/a",
        "na",
        "-",
        "--",
        "—",
        "/",
        "无",
        "不详",
        "未知",
        "空",
    }
)
"""Cell values that mean "not reported"."""
UNKNOWN_WORDS = frozenset({"未知", "不详", "unknown", "n/a", "不明"})
"""Sentinels that, in a status column, state that the status is unknown (the ``unknown`` code)."""

COMMODITY_SPLIT = re.compile(r"\s*(?:[,，、;；/|&＋+]|\+/-|±|和|及|与|\band\b)\s*")

LISTS = {
    "status": "development_status",
    "stage": "exploration_stage",
    "size_class": "size_class",
    "deposit_type": "deposit_type",
    "project_type": "project_type",
    "project_stage": "project_stage",
    "category": "resource_category",
    "method": "classification_method",
    "approval_kind": "approval_kind",
    "approval_status": "approval_status",
    "target_reason": "target_change_reason",
    "timetable_state": "timetable_state",
    "indicator": "indicator",
    "milestone_kind": "milestone_kind",
    "replan_reason": "replan_reason",
    "pricing_basis": "pricing_basis",
}
"""Vocabulary list names (as the importer's fields call them) → codelist tables."""

REGION_WORDS = re.compile(
    r"\b(province|sheng|shi|municipality|city|autonomous region|zizhiqu|special administrative region|sar|region)\b"
)
CHINESE_REGION_SUFFIX = re.compile(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$")
CHINESE_LOCAL_SUFFIX = re.compile(r"(自治州|自治县|自治旗|地区|林区|新区|特区|盟|旗|县|区|市)$")
ETHNIC_NAMES = re.compile(
    r"(蒙古族|藏族|羌族|彝族|回族|哈萨克|维吾尔|苗族|土家族|侗族|布依族|壮族|傣族|白族|哈尼族|景颇族|傈僳族|朝鲜族|"
    r"柯尔克孜|土族|撒拉族|满族|瑶族|黎族|畲族|仡佬族|水族|纳西族|拉祜族|佤族|独龙族|怒族|普米族|达斡尔族|鄂温克族|"
    r"鄂伦春|锡伯|东乡族|保安族|裕固族|塔吉克|仫佬族|毛南族|各族)+$"
)


class ValueProblem(InvalidParameter):
    """A value that cannot be used; the message is the reject reason (or, from the API, the 400)."""


def clean(value: object, *, fold: bool = True) -> str | None:
    """Trimmed text; ``None`` for empty cells and the usual 'no data' markers.

    ``fold`` turns full-width characters into half-width ones (NFKC) — right for codes, numbers and
    coordinates, wrong for names, whose full-width brackets are part of how Chinese is written.
    """
    if value is None:
        return None
    raw = str(value)
    text = (unicodedata.normalize("NFKC", raw) if fold else raw.replace("\u3000", " ")).strip()
    if unicodedata.normalize("NFKC", text).lower() in SENTINELS:
        return None
    return text


def key(text: str) -> str:
    """The comparable form of a spelling: NFKC, lower case, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).strip().lower())


def compact(text: str) -> str:
    """A spelling without accents, punctuation and spaces (``Tucumán`` → ``tucuman``)."""
    decomposed = unicodedata.normalize("NFKD", key(text))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def is_latin(text: str) -> bool:
    return all(ord(c) < 0x250 for c in text)


@cache
def pinyin(text: str) -> str:
    """Hanyu Pinyin without tones or spaces (``黑龙江`` → ``heilongjiang``)."""
    from pypinyin import lazy_pinyin  # a dictionary of ~20 MB: loaded only when names need it

    return "".join(lazy_pinyin(text)).lower()


def read_aliases(codelist: str) -> list[dict[str, str]]:
    path = ALIAS_DIR / f"{codelist}.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class NameIndex:
    """Spellings of one kind of name → a code, matched exactly, then tolerantly.

    A spelling two codes claim is dropped unless one claim is *strong* (a label or an alias file
    entry) and the other only derived (pinyin, a short form): 陕西 and 山西 share the pinyin
    ``shanxi``, which therefore means only what the English label ``Shanxi`` says.
    """

    what: str
    """What the names are, for reasons: "country", "administrative region"."""
    strip: re.Pattern[str] | None = None
    """Generic words left out of Latin spellings before they are compared (``Sichuan Province``)."""
    exact: dict[str, str] = field(default_factory=dict)
    strong: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    """code → how suggestions name it (``Argentina 阿根廷 (AR)``)."""

    def _forms(self, spelling: str) -> list[str]:
        forms = [key(spelling)]
        if is_latin(spelling):
            plain = compact(self.strip.sub(" ", key(spelling)) if self.strip else spelling)
            if plain:
                forms.append(plain)
        return forms

    def add(self, spelling: str | None, code: str, *, strong: bool = True) -> None:
        if not spelling or not str(spelling).strip():
            return
        self.__dict__.pop("_latin", None)
        for form in self._forms(str(spelling)):
            if form in self.dropped:
                if not strong:
                    continue
                self.dropped.discard(form)
            current = self.exact.get(form)
            if current is None:
                self.exact[form] = code
                if strong:
                    self.strong.add(form)
            elif current != code:
                if form in self.strong and not strong:
                    continue
                if strong and form not in self.strong:
                    self.exact[form] = code
                    self.strong.add(form)
                    continue
                if not (strong and form in self.strong):
                    del self.exact[form]
                    self.dropped.add(form)

    def _latin_keys(self, strong: bool) -> list[str]:
        cached = self.__dict__.setdefault("_latin", {})
        if strong not in cached:
            cached[strong] = [
                k for k in self.exact if is_latin(k) and " " not in k and (not strong or k in self.strong)
            ]
        return cached[strong]

    def find(self, raw: str) -> str:
        """The code for ``raw``; :class:`ValueProblem` (with suggestions) when there is none."""
        code = self._exact(raw)
        if code is not None:
            return code
        # "Xizhang (Tibet)": the parts before and inside brackets, each on its own, must agree.
        parts = [p for p in re.split(r"[()（）\[\]/]", raw) if p.strip()]
        if len(parts) > 1:
            found = {c for c in (self._exact(p) or self._near(p) for p in parts) if c}
            if len(found) == 1:
                return found.pop()
        code = self._near(raw)
        if code is not None:
            return code
        suggestions = self.suggest(raw)
        if suggestions:
            raise ValueProblem(f"unknown {self.what}; did you mean: {'; '.join(suggestions)}?")
        raise ValueProblem(f"unknown {self.what}")

    def match_exactly(self, raw: str) -> str | None:
        """The code ``raw`` spells exactly (no tolerance, no suggestions), or None: for a search box."""
        return self._exact(raw)

    def _exact(self, raw: str) -> str | None:
        for form in self._forms(raw):
            if form in self.exact:
                return self.exact[form]
        return None

    def _near(self, raw: str) -> str | None:
        """A Latin spelling one edit from a known one (two from a long one), when that means one code.

        Spellings are compared without spaces, accents and generic words, so ``Heilongiang`` meets
        ``heilongjiang``; a spelling as near to two codes (``Nigera``: Niger, Nigeria) matches neither.
        """
        if not is_latin(raw):
            return None
        query = self._forms(raw)[-1]
        if len(query) < 5:
            return None
        limit = 2 if len(query) >= 10 else 1
        # Labels and aliases first, derived spellings (pinyin, romanised county names) only when no
        # label is near: Xizhang is Xizang (Tibet), not the county Xichang one edit away too.
        for strong in (True, False):
            # Optimal string alignment: a swap of two neighbours (Argentian, Zimbabew) is one edit.
            keys = self._latin_keys(strong)
            hits = process.extract(query, keys, scorer=OSA.distance, score_cutoff=limit, limit=20)
            if hits:
                best = min(distance for _, distance, _ in hits)
                codes = {self.exact[k] for k, distance, _ in hits if distance == best}
                return codes.pop() if len(codes) == 1 else None
        return None

    def suggest(self, raw: str, limit: int = 3) -> list[str]:
        """The labels of the codes whose spellings come nearest to ``raw``."""
        query = self._forms(raw)[-1]
        choices = [k for k in self.exact if len(k) >= 3]
        hits = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=60, limit=30)
        codes: list[str] = []
        for spelling, _, _ in hits:
            code = self.exact[spelling]
            if code not in codes:
                codes.append(code)
        return [self.labels.get(code, code) for code in codes[:limit]]


def _labels(lists: Mapping[str, Mapping[str, Mapping[str, Any]]], codelist: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, row in lists[codelist].items():
        for spelling in (code, row.get("name_zh"), row.get("name_en"), row.get("symbol")):
            if spelling:
                table.setdefault(key(str(spelling)), code)
    for alias in read_aliases(codelist):
        table.setdefault(key(alias["alias"]), alias["code"])
    return table


def _country_index(lists: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> tuple[NameIndex, dict[str, str]]:
    index = NameIndex("country")
    regions: dict[str, str] = {}
    rows = lists.get("country", {})
    for code, row in rows.items():
        index.labels[code] = f"{row['name_en']} {row['name_zh']} ({code})"
        for spelling in (
            code,
            row.get("alpha3"),
            row.get("numeric"),
            row.get("name_zh"),
            row.get("name_en"),
            row.get("official_name_zh"),
            row.get("official_name_en"),
        ):
            index.add(spelling, code)
        if row.get("numeric"):
            index.add(str(int(row["numeric"])), code)
        if row.get("name_zh"):
            index.add(pinyin(row["name_zh"]), code, strong=False)
    for alias in read_aliases("country"):
        if alias["code"] in rows:
            index.add(alias["alias"], alias["code"])
            if alias.get("region_code"):
                regions[key(alias["alias"])] = alias["region_code"]
    return index, regions


def _region_index(lists: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> NameIndex:
    """GB/T 2260 regions: every spelling of a province, prefecture or county → its province code."""
    index = NameIndex("administrative region", strip=REGION_WORDS)
    rows = lists.get("admin_region", {})
    provinces = {code: row for code, row in rows.items() if row.get("level") == "province"}
    for code, row in provinces.items():
        index.labels[code] = f"{row['name_en']} {row['name_zh']} ({code})"
        short = CHINESE_REGION_SUFFIX.sub("", row["name_zh"]) or row["name_zh"]
        english = row["name_en"]
        for spelling in (code, row["name_zh"], short, english, row.get("iso_3166_2"), f"CN-{code[:2]}"):
            index.add(spelling, code)
        for part in re.split(r"[()]", english):
            index.add(part, code)
        index.add(pinyin(short), code, strong=False)
    for alias in read_aliases("admin_region"):
        index.add(alias["alias"], alias["code"])
    for code, row in rows.items():
        if row.get("level") == "province":
            continue
        province = code[:2] + "0000"
        index.add(row["name_zh"], province, strong=False)
        index.add(row.get("name_en"), province, strong=False)
        short = CHINESE_LOCAL_SUFFIX.sub("", row["name_zh"])
        plain = ETHNIC_NAMES.sub("", short) or short  # 甘孜藏族自治州 → 甘孜, also written 甘孜州
        for form in {short, plain, plain + "州" if row["name_zh"].endswith("自治州") else None}:
            if form and len(form) >= 2:
                index.add(form, province, strong=False)
    return index


def _subdivision_indexes(lists: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, NameIndex]:
    indexes: dict[str, NameIndex] = {}
    for code, row in lists.get("country_subdivision", {}).items():
        index = indexes.setdefault(row["country_code"], NameIndex("subdivision"))
        index.labels[code] = f"{row['name']} ({code})"
        index.add(code, code)
        index.add(row["name"], code)
        index.add(code.split("-", 1)[1], code, strong=False)
    return indexes


@dataclass
class Vocabulary:
    """Lookups from every spelling users write to the codelists' codes."""

    commodities: dict[str, str]
    codelists: dict[str, dict[str, str]]
    regions: NameIndex
    units: dict[str, str]
    countries: NameIndex
    country_regions: dict[str, str]
    subdivisions: dict[str, NameIndex]
    region_codes: frozenset[str] = frozenset()

    @classmethod
    def from_codelists(cls, lists: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Vocabulary:
        countries, country_regions = _country_index(lists)
        return cls(
            commodities=_labels(lists, "commodity"),
            codelists={name: _labels(lists, table) for name, table in LISTS.items() if table in lists},
            regions=_region_index(lists),
            units=_labels(lists, "unit"),
            countries=countries,
            country_regions=country_regions,
            subdivisions=_subdivision_indexes(lists),
            region_codes=frozenset(lists.get("admin_region", {})),
        )

    def __post_init__(self) -> None:
        # Survey columns repeat the same few values: remember each raw value's outcome.
        self._memo: dict[tuple[str, object], Any] = {}

    def _memoised(self, kind: str, raw: object, compute: Any) -> Any:
        memo_key = (kind, raw)
        try:
            outcome = self._memo[memo_key]
        except KeyError:
            try:
                outcome = ("ok", compute(raw))
            except ValueProblem as problem:
                outcome = ("problem", problem.description)
            if len(self._memo) < 100_000:
                self._memo[memo_key] = outcome
        except TypeError:  # unhashable raw value
            outcome = ("ok", compute(raw))
        if outcome[0] == "problem":
            raise ValueProblem(outcome[1])
        return outcome[1]

    # -- codelists ------------------------------------------------------------------------------
    def commodity_list(self, raw: object) -> list[str]:
        return list(self._memoised("commodities", raw, self._commodity_list))

    def commodity_exactly(self, raw: str) -> str | None:
        """The commodity ``raw`` names on its own (``锂``, ``lithium``, ``稀土矿``), or None."""
        spelling = key(raw)
        return self.commodities.get(spelling) or self.commodities.get(spelling.rstrip("矿"))

    def _commodity_list(self, raw: object) -> tuple[str, ...]:
        text = clean(raw)
        if text is None:
            return ()
        found: list[str] = []
        for token in COMMODITY_SPLIT.split(text):
            token = token.strip(" ()（）")
            if not token:
                continue
            spelling = key(token)
            code = self.commodities.get(spelling) or self.commodities.get(spelling.rstrip("矿"))
            if code is None:
                raise ValueProblem("unknown commodity (see /api/v1/codelists/commodity)")
            if code not in found:
                found.append(code)
        return tuple(found)

    def code_of(self, list_name: str, raw: object) -> str | None:
        return self._memoised(list_name, raw, lambda value: self._code_of(list_name, value))

    def _code_of(self, list_name: str, raw: object) -> str | None:
        text = clean(raw)
        if text is None:
            unknown = list_name == "status" and raw is not None and key(str(raw)) in UNKNOWN_WORDS
            return "unknown" if unknown and "unknown" in self.codelists["status"].values() else None
        code = self.codelists[list_name].get(key(text))
        if code is None:
            raise ValueProblem(f"unknown {list_name.replace('_', ' ')}")
        return code

    def unit(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        return self.units.get(key(raw))

    # -- places ---------------------------------------------------------------------------------
    def region(self, raw: object) -> str | None:
        """The GB/T 2260 province of a stated region (a code or name of any level), or None."""
        return self._memoised("region", raw, self._region)

    def _region(self, raw: object) -> str | None:
        text = clean(raw)
        if text is None:
            return None
        if re.fullmatch(r"\d{6}", text):
            if text in self.region_codes:
                return text[:2] + "0000"
            raise ValueProblem("not a GB/T 2260 region code")
        return self.regions.find(text)

    def country(self, raw: object) -> tuple[str, str | None] | None:
        """(ISO 3166-1 alpha-2, GB/T 2260 region for Taiwan, Hong Kong and Macao) of a stated country."""
        return self._memoised("country", raw, self._country)

    def _country(self, raw: object) -> tuple[str, str | None] | None:
        text = clean(raw)
        if text is None:
            return None
        code = self.countries.find(text)
        return code, self.country_regions.get(key(text))

    def subdivision(self, country: str, raw: object) -> str | None:
        """The ISO 3166-2 code of a stated first-level subdivision of ``country``, None when unknown."""
        text = clean(raw)
        index = self.subdivisions.get(country)
        if text is None or index is None:
            return None
        try:
            return index.find(text)
        except ValueProblem:
            return None

    def country_label(self, code: str | None) -> str:
        return self.countries.labels.get(code or "", code or "")

    def region_label(self, code: str | None) -> str:
        return self.regions.labels.get(code or "", code or "")


@lru_cache(maxsize=8)
def load_vocabulary(engine: Engine) -> Vocabulary:
    """The vocabulary of an engine's codelists, built once (cleared when the codelists sync).

    Each caller gets the same object: its memo of looked-up values is shared, which is what makes
    repeated query parameters and repeated cells cheap.
    """
    from geoplatform.codelists import load_codelists

    return Vocabulary.from_codelists(load_codelists(engine))
