"""The demo catalogue (real strategic-mineral deposits, projects, owners in China and abroad) and synthetic scale data.

The demo files in ``geoplatform/data/demo`` hold approximate public locations and figures, marked as
such in every record's ``source``. Loading streams each file with COPY into a staging table, checks
that every link points at a known record, and upserts everything in one transaction: a rerun changes
nothing, and a failure leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from geoplatform.staging import copy_csv

DEMO_DIR = Path(__file__).parent / "data" / "demo"
SQL_DIR = Path(__file__).parent / "sql"

DEMO_FILES: dict[str, tuple[str, ...]] = {
    "companies": ("key", "name", "name_zh", "name_en", "country_code", "parent_key", "uscc"),
    "deposits": (
        "code",
        "name",
        "name_lang",
        "name_zh",
        "name_en",
        "lon",
        "lat",
        "country_code",
        "region_code",
        "subdivision",
        "deposit_type",
        "stage",
        "size_class",
        "status",
        "status_as_of",
        "source",
    ),
    "deposit_commodities": ("deposit_code", "commodity_code", "role", "grade", "grade_unit"),
    "resource_estimates": (
        "deposit_code",
        "commodity_code",
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
    ),
    "projects": (
        "code",
        "name",
        "name_lang",
        "name_zh",
        "name_en",
        "project_type",
        "stage",
        "green_channel",
        "country_code",
        "region_code",
        "subdivision",
        "lon",
        "lat",
        "operator_key",
        "capacity",
        "capacity_unit",
        "investment_cny_100m",
        "status_as_of",
        "source",
    ),
    "project_deposits": ("project_code", "deposit_code"),
    "project_commodities": ("project_code", "commodity_code"),
    "stakes": ("company_key", "deposit_code", "project_code", "share_pct", "since", "until", "source"),
}
"""The demo files and their columns. ``country_code`` and ``region_code`` say where the data claims a
record is; the database places each record from its point (tests/test_demo_data.py holds the two
together)."""

# (staging table, column, staging table it must point into, column there)
LINKS = (
    ("stage_deposit_commodities", "deposit_code", "stage_deposits", "code"),
    ("stage_resource_estimates", "deposit_code", "stage_deposits", "code"),
    ("stage_project_deposits", "project_code", "stage_projects", "code"),
    ("stage_project_deposits", "deposit_code", "stage_deposits", "code"),
    ("stage_project_commodities", "project_code", "stage_projects", "code"),
    ("stage_projects", "operator_key", "stage_companies", "key"),
    ("stage_companies", "parent_key", "stage_companies", "key"),
    ("stage_stakes", "company_key", "stage_companies", "key"),
    ("stage_stakes", "deposit_code", "stage_deposits", "code"),
    ("stage_stakes", "project_code", "stage_projects", "code"),
)


class DemoDataError(ValueError):
    """The demo files contradict themselves (a link to a record that is not there)."""


def _statements(sql_text: str) -> list[str]:
    lines = [line for line in sql_text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def load_demo(engine: Engine, demo_dir: Path = DEMO_DIR) -> dict[str, int]:
    """Load (or refresh) the demo catalogue; returns the rows read from each file."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for name, columns in DEMO_FILES.items():
            with open(demo_dir / f"{name}.csv", "rb") as handle:
                counts[name] = copy_csv(conn, f"stage_{name}", columns, handle)
        for table, column, target, target_column in LINKS:
            dangling = conn.execute(
                text(
                    f'SELECT count(*) FROM "{table}" s WHERE NULLIF(s."{column}", \'\') IS NOT NULL '  # noqa: S608
                    f'AND NOT EXISTS (SELECT 1 FROM "{target}" t WHERE t."{target_column}" = s."{column}")'
                )
            ).scalar_one()
            if dangling:
                raise DemoDataError(f"{dangling} rows of {table}.{column} point at no row of {target}")
        for statement in _statements((SQL_DIR / "load_demo.sql").read_text()):
            conn.execute(text(statement))
    from geoplatform.search import fill_search_extra  # pypinyin and OpenCC load only when needed

    fill_search_extra(engine)
    return counts


def generate_synthetic(engine: Engine, n: int, seed: float = 0.42) -> int:
    """Add ``n`` synthetic deposits (codes SYN-00000001 …) clustered around the real ones.

    Codes are numbered from 1, so running it again with the same ``n`` adds nothing.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not -1 <= seed <= 1:
        raise ValueError("seed must be between -1 and 1 (PostgreSQL setseed)")
    with engine.begin() as conn:
        has_centres = conn.execute(text("SELECT count(*) FROM deposit WHERE code NOT LIKE 'SYN-%'")).scalar_one()
        if not has_centres:
            raise ValueError("load the demo deposits first: synthetic deposits cluster around them")
        from geoplatform.search import extra_terms

        # Every synthetic name is 合成矿产地 N: one set of search terms, written with the rows.
        values = {"n": n, "seed": seed, "extra": extra_terms("合成矿产地 1", None, "Synthetic deposit 1")}
        result = conn.execute(text((SQL_DIR / "synthetic_deposits.sql").read_text()), values)
        added = result.rowcount
        conn.execute(text("ANALYZE deposit"))
        conn.execute(text("ANALYZE deposit_commodity"))
    return added
