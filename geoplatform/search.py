"""Search: one box for deposits, projects and companies, in Chinese, English, pinyin and codes.

Matching is by tokens (migration 0010): every Han character and pair of neighbours, every prefix
of a Latin word, made in SQL from the code and the names, plus ``search_extra`` — the pinyin and the
simplified spelling of the names, which only Python can make (pypinyin, OpenCC) and which
:func:`fill_search_extra` writes for the rows that lack it (new rows, renamed rows). A query is
converted to simplified characters and tokenised by the same SQL; a record matches when it holds
every token of the query, when the query names one of its commodities (锂, lithium), or when it
names its country or province (四川, Chile). Ranking puts exact codes and names first, then names
that start with the query, then shorter names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy import Connection, Engine, Integer, Text, bindparam, cast, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from geoplatform.database import CUSTOM_PLAN
from geoplatform.errors import InvalidParameter
from geoplatform.models import Company, Deposit, Project
from geoplatform.vocabulary import Vocabulary

MAX_QUERY = 200
"""Characters a query may have (after trimming): longer is a 400, not a slow scan."""
MAX_LIMIT = 100
KINDS = ("deposit", "project", "company")
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
SEARCH_SQL = (Path(__file__).parent / "sql" / "search.sql").read_text()
FILL_LOCK = 0x6770_7365  # "gpse"
TABLES = (Deposit.__table__, Project.__table__, Company.__table__)


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text_: str) -> str:
    """``text_`` in simplified characters (銅礦 → 铜矿); other scripts are left as they are."""
    return _converter().convert(text_) if HAN.search(text_) else text_


@lru_cache(maxsize=100_000)
def _syllables(han: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(han))


def extra_terms(*names: str | None) -> str:
    """What the SQL tokens cannot make from ``names``: their simplified spelling (when it differs)
    and their pinyin, run together (``jiajikalikuang``: typed as one word) and as syllables."""
    terms: list[str] = []
    for name in names:
        if not name:
            continue
        simple = simplified(name)
        if simple != name:
            terms.append(simple)
        han = "".join(HAN.findall(simple))
        if han:
            syllables = _syllables(han)
            terms += ["".join(syllables), " ".join(syllables)]
    return " ".join(dict.fromkeys(terms))


def fill_search_extra(engine: Engine, batch: int = 20_000) -> int:
    """Write ``search_extra`` for every row that lacks it; returns how many rows were written.

    One set-based UPDATE per batch (ids and values as two arrays), each batch committed on its own:
    the terms are derived data, and single-row updates took over 20 minutes for 1,000,000 rows.
    Each batch runs under an advisory lock; a concurrent caller returns at once."""
    written = 0
    for table in TABLES:
        while True:
            with engine.begin() as conn:
                if not conn.execute(select(func.pg_try_advisory_xact_lock(FILL_LOCK))).scalar_one():
                    return written
                rows = conn.execute(
                    select(table.c.id, table.c.name, table.c.name_zh, table.c.name_en)
                    .where(table.c.search_extra.is_(None))
                    .order_by(table.c.id)
                    .limit(batch)
                ).all()
                if not rows:
                    break
                values = (
                    func.unnest(cast(bindparam("ids"), ARRAY(Integer)), cast(bindparam("extras"), ARRAY(Text)))
                    .table_valued("id", "extra")
                    .render_derived(name="v")
                )
                conn.execute(
                    update(table).where(table.c.id == values.c.id).values(search_extra=values.c.extra),
                    {"ids": [r.id for r in rows], "extras": [extra_terms(r.name, r.name_zh, r.name_en) for r in rows]},
                )
                written += len(rows)
    return written


def missing_extra(conn: Connection) -> bool:
    """Whether some row still lacks ``search_extra`` (a partial index makes this cheap)."""
    return any(
        conn.execute(select(table.c.id).where(table.c.search_extra.is_(None)).limit(1)).first() is not None
        for table in TABLES
    )


def ensure_search_terms(engine: Engine) -> None:
    """Write the missing search terms before a search reads them (a cheap check when none is missing)."""
    with engine.connect() as conn:
        stale = missing_extra(conn)
    if stale:
        fill_search_extra(engine)


@dataclass(frozen=True)
class SearchQuery:
    text: str
    kinds: tuple[str, ...] = KINDS
    commodity: str | None = None
    country: str | None = None
    province: str | None = None
    status: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    """``west, south, east, north`` in degrees: only records located there ("search this area")."""
    limit: int = 20
    offset: int = 0


def check_text(raw: str | None) -> str:
    """The query text, trimmed; a 400 with the reason when it is missing or too long."""
    text_ = (raw or "").strip()
    if not text_:
        raise InvalidParameter("Type something to search for (a name in Chinese or English, pinyin or a code).")
    if len(text_) > MAX_QUERY:
        raise InvalidParameter(f"A search has at most {MAX_QUERY} characters.")
    if "\x00" in text_:
        raise InvalidParameter("A search cannot contain NUL characters.")
    return text_


def _like_prefix(value: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", value) + "%"


def _places(vocabulary: Vocabulary, query: str) -> tuple[list[str], str | None, str | None]:
    """What the whole query names besides record names: commodities, a country, a province."""
    commodity = vocabulary.commodity_exactly(query)
    country = vocabulary.countries.match_exactly(query)
    region = vocabulary.regions.match_exactly(query)
    province = region[:2] + "0000" if region else None
    return ([commodity] if commodity else []), country, province


def search_parameters(vocabulary: Vocabulary, query: SearchQuery) -> dict[str, Any]:
    """The values bound into ``search.sql`` for ``query`` (the text converted to simplified)."""
    asked = simplified(query.text)
    commodities, country, province = _places(vocabulary, asked)
    return {
        "q": asked,
        "q_prefix": _like_prefix(asked.lower()),
        "commodities": commodities,
        "place_country": country,
        "place_province": province,
        "kinds": list(query.kinds),
        "f_commodity": query.commodity,
        "f_country": query.country,
        "f_province": query.province,
        "f_status": query.status,
        "f_west": query.bbox[0] if query.bbox else None,
        "f_south": query.bbox[1] if query.bbox else None,
        "f_east": query.bbox[2] if query.bbox else None,
        "f_north": query.bbox[3] if query.bbox else None,
        "limit": query.limit,
        "offset": query.offset,
    }


def search(conn: Connection, vocabulary: Vocabulary, query: SearchQuery) -> dict[str, Any]:
    """Ranked results and facets (counts by type, commodity, status, country and province)."""
    params = search_parameters(vocabulary, query)
    asked = params["q"]
    statement = text(SEARCH_SQL).execution_options(**{CUSTOM_PLAN: True})
    rows = [dict(r) for r in conn.execute(statement, params).mappings()]
    total = rows[0]["total"] if rows else 0
    facets: dict[str, dict[str, int]] = {name: {} for name in ("type", "commodity", "status", "country", "province")}
    results = []
    for row in rows:
        if row["facet"] is not None:
            facets[row["facet"]][row["value"]] = row["n"]
        else:
            results.append({k: row[k] for k in RESULT_FIELDS})
    tokens = conn.execute(select(func.gp_search_query_tokens(asked))).scalar_one()
    named = params["commodities"] or params["place_country"] or params["place_province"]
    return {
        "query": query.text,
        "searched": asked,
        "understood": bool(tokens or named),
        "numberMatched": total,
        "results": results,
        "facets": facets,
    }


RESULT_FIELDS = (
    "type",
    "code",
    "name",
    "name_zh",
    "name_en",
    "country_code",
    "region_code",
    "status",
    "commodities",
    "lon",
    "lat",
    "score",
)
