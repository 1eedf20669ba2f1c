"""Loading validated deposits: COPY into a staging table, then set-based upserts in one transaction.

Only rows that differ from what is stored are written, so importing the same file twice changes
nothing — and costs little more than reading and comparing it: whether to load in bulk mode is
decided on the rows that will be written, after the comparison, not on the size of the file. Before
a stored row is changed its previous state is kept in ``import_change``; the rows a batch inserted
are those pointing at it (``deposit.batch_id``) without a before-image from it. That is all
:func:`undo` needs; a later batch that touched the same rows blocks the undo. A batch either commits
whole or leaves the database as it was (the staging table is dropped with the transaction).

Per-commodity grades with an ore tonnage (USGS grade–tonnage tables) also become resource estimates,
no category (none of GB/T 17766-2020 applies), method ``historical``, loaded by the resources target's own upsert within
the same batch.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

from etl import bulk, resources
from etl.staging import array_literals, as_text, copy_frame, create_staging_table
from etl.undo import NEW_IN_0006, LoadCounts, check_undo_allowed
from etl.validate import RECORD_COLUMNS
from geoplatform.errors import Conflict

STAGE = "stage_import_deposits"
STAGE_COLUMNS = RECORD_COLUMNS
"""The staging table has one column per field of a validated record, in the same order."""
NUMBER_TYPES = {"row": "int64", "lon": "float64", "lat": "float64", "grade": "float64", "tonnage": "float64"}
"""Numeric staging columns (for Arrow's CSV writer); everything else is text."""
COMPARED = (
    "name",
    "name_lang",
    "name_zh",
    "name_en",
    "country_code",
    "region_code",
    "subdivision_code",
    "subdivision_name",
    "deposit_type",
    "stage",
    "size_class",
    "status",
    "status_as_of",
    "source",
)
GRADE_SEPARATOR = "|"
"""Per-commodity grades are staged as ``commodity|grade|unit`` array elements (codes need no quoting)."""


# Fixed column names only: the statement text never contains input.
_CHANGED = " OR ".join(f"d.{c} IS DISTINCT FROM t.{c}" for c in COMPARED) + (
    " OR NOT ST_Equals(d.geom, t.geom)"
    # A file without footprints (points only, no footprint column) says nothing about them: kept.
    " OR (t.footprint_given AND d.footprint IS DISTINCT FROM t.footprint)"
    " OR coalesce(c.commodities, '{}'::text[]) IS DISTINCT FROM t.commodities_key"
    # A file without a grade says nothing about it: stored grades are kept, not cleared.
    " OR (t.grade IS NOT NULL AND (c.grade IS DISTINCT FROM t.grade OR c.grade_unit IS DISTINCT FROM t.grade_unit))"
    " OR EXISTS (SELECT 1 FROM unnest(t.grades) AS g(v) WHERE NOT EXISTS ("
    "   SELECT 1 FROM deposit_commodity dc WHERE dc.deposit_id = d.id"
    "   AND dc.commodity_code = split_part(g.v, '|', 1) AND dc.grade = split_part(g.v, '|', 2)::numeric"
    "   AND dc.grade_unit = split_part(g.v, '|', 3)))"
)
_CHANGED_FROM = (
    "CREATE TEMP TABLE changed_codes ON COMMIT DROP AS SELECT t.code FROM typed_import t "
    "JOIN deposit d ON d.code = t.code LEFT JOIN current_commodities c ON c.code = t.code"
)
CHANGED_CODES_SQL = f"{_CHANGED_FROM} WHERE {_CHANGED}"


STAGE_SQL_TYPES = {
    "row": "integer",
    "lon": "float8",
    "lat": "float8",
    "status_as_of": "date",
    "commodities": "text[]",
    "grade": "numeric",
    "grades": "text[]",
    "tonnage": "numeric",
}
"""Staging column types: COPY casts while it parses, so no typed copy of the batch is made later."""


def open_stage(conn: Connection) -> None:
    create_staging_table(conn, STAGE, STAGE_COLUMNS, STAGE_SQL_TYPES)


def copy_records(conn: Connection, records: pd.DataFrame) -> int:
    """Stream a chunk of validated records into the staging table (cast later in SQL)."""
    if records.empty:
        return 0
    frame = records.copy()
    footprints = frame["footprint"]
    frame["footprint"] = footprints.map(lambda v: v.hex(), na_action="ignore") if footprints.notna().any() else None
    frame["commodities"] = array_literals(frame["commodities"])
    frame["grades"] = array_literals(frame["grades"].map(_grade_elements))
    frame["status_as_of"] = as_text(frame["status_as_of"])
    return copy_frame(conn, STAGE, STAGE_COLUMNS, frame, NUMBER_TYPES)


def _grade_elements(grades: tuple[tuple[str, float, str], ...]) -> tuple[str, ...]:
    return tuple(GRADE_SEPARATOR.join((c, repr(g), u)) for c, g, u in grades)


TYPED_STAGE_SQL = """
    CREATE TEMP VIEW typed_import AS
    SELECT code, name, name_lang, name_zh, name_en,
           ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom,
           CASE WHEN footprint <> '' THEN ST_SetSRID(ST_GeomFromWKB(decode(footprint, 'hex')), 4326) END
               AS footprint,
           footprint IS NOT NULL AS footprint_given,
           country_code, region_code, subdivision_code, subdivision_name,
           deposit_type, stage, size_class, status, status_as_of, source, commodities, grade, grade_unit,
           coalesce(grades, '{}') AS grades, tonnage, tonnage_unit, row,
           -- as stored commodities compare: the primary first, the associated ones in code order
           commodities[1:1] || ARRAY(SELECT c FROM unnest(commodities[2:]) AS c ORDER BY c) AS commodities_key
    FROM stage_import_deposits
"""
"""The staged rows as deposit columns (a view: the staging table is typed already)."""


def _typed_stage(conn: Connection) -> None:
    """A code repeated in the file keeps its last row.

    Duplicates are rare, so they are looked for with a hash aggregate instead of sorting every batch.
    """
    repeated = conn.execute(
        text("SELECT 1 FROM stage_import_deposits GROUP BY code HAVING count(*) > 1 LIMIT 1")
    ).first()
    if repeated:
        conn.execute(
            text("""
            DELETE FROM stage_import_deposits t WHERE EXISTS
                (SELECT 1 FROM stage_import_deposits later WHERE later.code = t.code AND later.row > t.row)
        """)
        )
    conn.execute(text("CREATE INDEX ON stage_import_deposits (code)"))
    conn.execute(text("ANALYZE stage_import_deposits"))
    conn.execute(text(TYPED_STAGE_SQL))


def upsert(conn: Connection, batch_id: int, on_conflict: str, bulk_mode: str = "auto") -> LoadCounts:
    """Insert new deposits, update changed ones (keeping before-images), leave equal ones alone.

    Large writes load in bulk mode (:mod:`etl.bulk`): foreign keys checked and indexes built once. The
    comparison runs first, on the intact tables, so an unchanged file writes nothing and never locks.
    """
    _typed_stage(conn)
    total = conn.execute(text("SELECT count(*) FROM typed_import")).scalar_one()
    existing = conn.execute(text("SELECT count(*) FROM typed_import t JOIN deposit d ON d.code = t.code")).scalar_one()
    if on_conflict == "fail" and existing:
        raise Conflict(f"{existing} codes of this file exist already (--on-conflict fail); nothing was imported.")
    _current_commodities(conn)
    if on_conflict == "update":
        conn.execute(text(CHANGED_CODES_SQL))
    else:
        conn.execute(text("CREATE TEMP TABLE changed_codes (code varchar) ON COMMIT DROP"))
    changed = conn.execute(text("SELECT count(*) FROM changed_codes")).scalar_one()
    bulk_plan = bulk.plan(conn, "deposit", total - existing + changed, bulk_mode)
    with bulk.deferred(conn, ("deposit", "deposit_commodity"), bulk_plan):
        counts = _write(conn, batch_id, on_conflict, total)
    if bulk_plan.any:
        conn.execute(text("ANALYZE deposit"))
        conn.execute(text("ANALYZE deposit_commodity"))
    estimates = _historical_estimates(conn, batch_id, on_conflict)
    conn.execute(text("DROP VIEW typed_import"))  # before the staging table it reads goes at commit
    if estimates is not None:
        counts = LoadCounts(
            counts.inserted,
            counts.updated,
            counts.unchanged,
            {
                "estimates_inserted": estimates.inserted,
                "estimates_updated": estimates.updated,
                "estimates_unchanged": estimates.unchanged,
            },
        )
    return counts


def _current_commodities(conn: Connection) -> None:
    """The commodities of the deposits the file names, to compare and to keep for undo."""
    conn.execute(
        text("""
        CREATE TEMP TABLE current_commodities ON COMMIT DROP AS
        SELECT d.code,
               array_agg(dc.commodity_code::text ORDER BY dc.role <> 'primary', dc.commodity_code)
                   FILTER (WHERE dc.commodity_code IS NOT NULL) AS commodities,
               max(dc.grade) FILTER (WHERE dc.role = 'primary') AS grade,
               max(dc.grade_unit) FILTER (WHERE dc.role = 'primary') AS grade_unit
        FROM deposit d JOIN typed_import t ON t.code = d.code
        LEFT JOIN deposit_commodity dc ON dc.deposit_id = d.id
        GROUP BY d.code
    """)
    )


def _write(conn: Connection, batch_id: int, on_conflict: str, total: int) -> LoadCounts:
    updated = 0
    if on_conflict == "update":
        conn.execute(
            text("""
            INSERT INTO import_change (batch_id, code, action, before)
            SELECT :batch, d.code, 'update',
                   to_jsonb(d) - 'geom' - 'footprint'
                   || jsonb_build_object('geom_hex', encode(ST_AsEWKB(d.geom), 'hex'),
                                         'footprint_hex', encode(ST_AsEWKB(d.footprint), 'hex'),
                                         'commodities', (SELECT jsonb_agg(jsonb_build_object(
                                             'commodity_code', dc.commodity_code, 'role', dc.role,
                                             'grade', dc.grade, 'grade_unit', dc.grade_unit))
                                          FROM deposit_commodity dc WHERE dc.deposit_id = d.id))
            FROM deposit d JOIN changed_codes x ON x.code = d.code
        """),
            {"batch": batch_id},
        )
        updated = conn.execute(
            text(
                "UPDATE deposit d SET "
                + ", ".join(f"{c} = t.{c}" for c in COMPARED)
                + """, geom = t.geom,
                   footprint = CASE WHEN t.footprint_given THEN t.footprint ELSE d.footprint END,
                   batch_id = :batch, updated_at = now()
            FROM typed_import t JOIN changed_codes x ON x.code = t.code
            WHERE d.code = t.code
        """
            ),
            {"batch": batch_id},
        ).rowcount
        # Grades the file does not give are carried over from the rows about to be replaced.
        conn.execute(
            text("""
            CREATE TEMP TABLE previous_grades ON COMMIT DROP AS
            SELECT d.code, dc.commodity_code, dc.grade, dc.grade_unit
            FROM deposit_commodity dc JOIN deposit d ON d.id = dc.deposit_id JOIN changed_codes x ON x.code = d.code
            WHERE dc.grade IS NOT NULL
        """)
        )
        conn.execute(
            text("""
            DELETE FROM deposit_commodity dc USING deposit d, changed_codes x
            WHERE dc.deposit_id = d.id AND d.code = x.code
        """)
        )
    else:
        conn.execute(
            text(
                "CREATE TEMP TABLE previous_grades"
                " (code varchar, commodity_code varchar, grade numeric, grade_unit varchar)"
                " ON COMMIT DROP"
            )
        )
    inserted = conn.execute(
        text("""
        INSERT INTO changed_codes
        SELECT t.code FROM typed_import t WHERE NOT EXISTS (SELECT 1 FROM deposit d WHERE d.code = t.code)
    """)
    ).rowcount
    conn.execute(
        text(
            "INSERT INTO deposit (code, geom, footprint, batch_id, "
            + ", ".join(COMPARED)
            + ") SELECT t.code, t.geom, t.footprint, :batch, "
            + ", ".join(f"t.{c}" for c in COMPARED)
            + " FROM typed_import t WHERE NOT EXISTS (SELECT 1 FROM deposit d WHERE d.code = t.code)"
        ),
        {"batch": batch_id},
    )
    # A commodity's grade: its own grade column, else (the primary) the file's grade, else the stored one.
    conn.execute(
        text("""
        INSERT INTO deposit_commodity (deposit_id, commodity_code, role, grade, grade_unit)
        SELECT d.id, c.code, CASE WHEN c.n = 1 THEN 'primary' ELSE 'associated' END,
               coalesce(g.grade, CASE WHEN c.n = 1 AND t.grade IS NOT NULL THEN t.grade ELSE p.grade END),
               CASE WHEN g.grade IS NOT NULL THEN g.unit
                    WHEN c.n = 1 AND t.grade IS NOT NULL THEN t.grade_unit ELSE p.grade_unit END
        FROM typed_import t
        JOIN changed_codes x ON x.code = t.code
        JOIN deposit d ON d.code = t.code
        CROSS JOIN LATERAL unnest(t.commodities) WITH ORDINALITY AS c(code, n)
        LEFT JOIN LATERAL (
            SELECT split_part(v, '|', 2)::numeric AS grade, split_part(v, '|', 3) AS unit
            FROM unnest(t.grades) AS e(v) WHERE split_part(v, '|', 1) = c.code LIMIT 1
        ) g ON true
        LEFT JOIN previous_grades p ON p.code = t.code AND p.commodity_code = c.code
    """)
    )
    return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)


HISTORICAL_SQL = """
    INSERT INTO stage_import_resources (row, deposit_code, commodity, category, method, legacy_code, ore_tonnage,
                                        ore_unit, contained, contained_unit, grade, grade_unit, as_of, source)
    SELECT t.row, t.code, g.commodity, NULL, 'historical', NULL, t.tonnage, t.tonnage_unit, NULL, NULL,
           g.grade, g.unit, NULL, t.source
    FROM typed_import t
    CROSS JOIN LATERAL (
        SELECT split_part(v, '|', 1) AS commodity, split_part(v, '|', 2) AS grade, split_part(v, '|', 3) AS unit
        FROM unnest(t.grades) AS e(v)
        UNION ALL  -- a tonnage without any grade: an estimate of the primary commodity's ore
        SELECT t.commodities[1], NULL, NULL WHERE cardinality(t.grades) = 0 AND cardinality(t.commodities) > 0
    ) g
    WHERE t.tonnage IS NOT NULL
"""


def _historical_estimates(conn: Connection, batch_id: int, on_conflict: str) -> LoadCounts | None:
    """Tonnage and grades of grade–tonnage tables as unclassified, historical resource estimates."""
    if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM typed_import WHERE tonnage IS NOT NULL)")).scalar_one():
        return None
    resources.open_stage(conn)
    conn.execute(text(HISTORICAL_SQL))
    return resources.upsert(conn, batch_id, on_conflict)


UNDO_COLUMNS = ", ".join(
    f"{c} = CASE WHEN b ? '{c}' THEN b->>'{c}' ELSE d.{c} END" if c in NEW_IN_0006 else f"{c} = b->>'{c}'"
    for c in COMPARED
    if c != "status_as_of"
)


def undo(conn: Connection, batch_id: int) -> dict[str, int]:
    """Revert a deposits batch: delete what it inserted, restore what it updated — if nothing touched them since."""
    check_undo_allowed(conn, batch_id, "deposit")
    estimates = resources.undo(conn, batch_id)  # the batch's historical estimates first: they point at its deposits
    linked = conn.execute(
        text("""
        SELECT count(*) FROM deposit d
        WHERE d.batch_id = :b
          AND NOT EXISTS (SELECT 1 FROM import_change c WHERE c.batch_id = :b AND c.code = d.code)
          AND (EXISTS (SELECT 1 FROM project_deposit pd WHERE pd.deposit_id = d.id)
               OR EXISTS (SELECT 1 FROM resource_estimate r WHERE r.deposit_id = d.id)
               OR EXISTS (SELECT 1 FROM ownership_stake s WHERE s.deposit_id = d.id))
    """),
        {"b": batch_id},
    ).scalar_one()
    if linked:
        raise Conflict("Deposits of this batch now have projects, resource estimates or owners; undo refused.")
    # Inserted by this batch: still pointing at it, with no before-image from it.
    deleted = conn.execute(
        text("""
        DELETE FROM deposit d
        WHERE d.batch_id = :b
          AND NOT EXISTS (SELECT 1 FROM import_change c WHERE c.batch_id = :b AND c.code = d.code)
    """),
        {"b": batch_id},
    ).rowcount
    restored = conn.execute(
        text(
            """
        UPDATE deposit d SET """
            + UNDO_COLUMNS
            + """,
               -- EWKB since this version; batches logged by earlier versions kept WKT.
               geom = coalesce(ST_GeomFromEWKB(decode(b->>'geom_hex', 'hex')), ST_GeomFromText(b->>'geom_wkt', 4326)),
               footprint = coalesce(ST_GeomFromEWKB(decode(b->>'footprint_hex', 'hex')),
                                    ST_GeomFromText(b->>'footprint_wkt', 4326)),
               status_as_of = (b->>'status_as_of')::date,
               batch_id = (b->>'batch_id')::int,
               updated_at = (b->>'updated_at')::timestamptz
        FROM (SELECT code, before AS b FROM import_change WHERE batch_id = :b AND action = 'update'
              AND code NOT LIKE '%|%') c
        WHERE d.code = c.code
    """
        ),
        {"b": batch_id},
    ).rowcount
    conn.execute(
        text("""
        DELETE FROM deposit_commodity dc USING deposit d, import_change c
        WHERE c.batch_id = :b AND c.action = 'update' AND d.code = c.code AND dc.deposit_id = d.id
    """),
        {"b": batch_id},
    )
    conn.execute(
        text("""
        INSERT INTO deposit_commodity (deposit_id, commodity_code, role, grade, grade_unit)
        SELECT d.id, e->>'commodity_code', e->>'role', (e->>'grade')::numeric, e->>'grade_unit'
        FROM import_change c JOIN deposit d ON d.code = c.code
        CROSS JOIN LATERAL jsonb_array_elements(coalesce(c.before->'commodities', '[]'::jsonb)) AS e
        WHERE c.batch_id = :b AND c.action = 'update'
    """),
        {"b": batch_id},
    )
    return {
        "deleted": deleted + estimates["deleted"],
        "restored": restored + estimates["restored"],
    }
