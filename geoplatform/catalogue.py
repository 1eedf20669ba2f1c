"""Catalogue services: validated edits of deposits and projects, with optimistic concurrency.

An edit names whitelisted fields only; each value is checked (codes against their codelist, dates
as ISO dates not in the future, text length) before anything is written. When the caller sends the
ETag it read, the row is locked, the ETag compared and the update made in one transaction, so two
editors can never overwrite each other unnoticed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    Text,
    cast,
    column,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from geoplatform.errors import InvalidParameter, NotFound, PreconditionFailed
from geoplatform.models import Deposit, Project, RecordEdit, country


@dataclass(frozen=True)
class FieldRule:
    kind: str  # "text", "code", "date" or "bool"
    codelist: str | None = None
    required: bool = False
    max_length: int = 500


EDITABLE: dict[str, dict[str, FieldRule]] = {
    "deposits": {
        "name_zh": FieldRule("text", required=True, max_length=200),
        "name_en": FieldRule("text", max_length=200),
        "deposit_type": FieldRule("code", "deposit_type"),
        "stage": FieldRule("code", "exploration_stage"),
        "size_class": FieldRule("code", "size_class"),
        "status": FieldRule("code", "development_status", required=True),
        "status_as_of": FieldRule("date"),
        "source": FieldRule("text"),
    },
    "projects": {
        "name_zh": FieldRule("text", required=True, max_length=200),
        "name_en": FieldRule("text", max_length=200),
        "stage": FieldRule("code", "project_stage", required=True),
        "green_channel": FieldRule("bool", required=True),
        "status_as_of": FieldRule("date"),
        "source": FieldRule("text"),
    },
}
EDITABLE_FIELDS = {layer: sorted(rules) for layer, rules in EDITABLE.items()}
TABLES: dict[str, Table] = {"deposits": Deposit.__table__, "projects": Project.__table__}


def feature_etag(feature_json: str) -> str:
    """A strong ETag for a feature's JSON text: any change of any published value changes it."""
    return '"' + hashlib.sha256(feature_json.encode()).hexdigest()[:32] + '"'


def _clean(name: str, rule: FieldRule, value: Any, codelists: Mapping[str, Mapping[str, Any]]) -> Any:
    if value is None or value == "":
        if rule.required:
            raise InvalidParameter(f"Field '{name}' cannot be empty.")
        return None
    if rule.kind == "text":
        if not isinstance(value, str) or len(value.strip()) > rule.max_length:
            raise InvalidParameter(f"Field '{name}' must be text of at most {rule.max_length} characters.")
        return value.strip()
    if rule.kind == "code":
        if not isinstance(value, str) or value not in codelists[rule.codelist or ""]:
            raise InvalidParameter(f"Field '{name}' must be a code from the {rule.codelist} codelist.")
        return value
    if rule.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidParameter(f"Field '{name}' must be true or false.")
        return value
    if rule.kind == "date":
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidParameter(f"Field '{name}' must be a date written YYYY-MM-DD.")
        if day > dt.date.today():
            raise InvalidParameter(f"Field '{name}' cannot be in the future.")
        return day
    raise AssertionError(rule.kind)


def validate_changes(
    layer: str, changes: Mapping[str, Any], codelists: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    rules = EDITABLE[layer]
    unknown = set(changes) - set(rules)
    if unknown:
        raise InvalidParameter("Only these fields can be changed: " + ", ".join(sorted(rules)) + ".")
    return {name: _clean(name, rules[name], value, codelists) for name, value in changes.items()}


def update_record(
    engine: Engine,
    layer: str,
    code: str,
    changes: Mapping[str, Any],
    codelists: Mapping[str, Mapping[str, Any]],
    *,
    username: str,
    if_match: str | None = None,
    current_etag: Any = None,
) -> None:
    """Apply validated ``changes`` to the record ``code`` as ``username``; with ``if_match``, only if
    it is unchanged. The fields that change are kept, before and after, in ``record_edit``.

    ``current_etag(conn)`` returns the ETag of the record as published now; it is called after the
    row is locked, so the comparison and the update cannot be separated by another writer.
    """
    values = validate_changes(layer, changes, codelists)
    table = TABLES[layer]
    with engine.begin() as conn:
        locked = (
            conn.execute(
                select(table.c.id, *(table.c[name] for name in values)).where(table.c.code == code).with_for_update()
            )
            .mappings()
            .first()
        )
        if locked is None:
            raise NotFound("There is no record with that code in this layer.")
        if if_match is not None and _etag_now(conn, current_etag) != if_match.strip():
            raise PreconditionFailed("The record changed since you read it; read it again and retry.")
        conn.execute(update(table).where(table.c.id == locked["id"]).values(**values, updated_at=func.now()))
        changed = [name for name in values if locked[name] != values[name]]
        if changed:
            before = {name: _jsonable(locked[name]) for name in changed}
            after = {name: _jsonable(values[name]) for name in changed}
            conn.execute(
                insert(RecordEdit.__table__).values(
                    layer=layer, code=code, username=username, before=before, after=after
                )
            )


def _etag_now(conn: Connection, current_etag: Any) -> str | None:
    return None if current_etag is None else current_etag(conn)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


HISTORY_SQL = """
    WITH touched AS (
        -- The batch that wrote the row last, those that changed it and those it was changed from:
        -- a batch that left no before-image of the row inserted it (the importer's own rule for undo).
        SELECT t.batch_id FROM {table} t WHERE t.code = :code AND t.batch_id IS NOT NULL
        UNION SELECT c.batch_id FROM import_change c WHERE c.code = :code
        UNION SELECT (c.before ->> 'batch_id')::int FROM import_change c
              WHERE c.code = :code AND c.before ->> 'batch_id' IS NOT NULL
    ),
    events AS (
        SELECT 'import' AS how, b.finished_at AS at, b.username,
               CASE WHEN ch.id IS NULL THEN 'insert' ELSE 'update' END AS action,
               b.file_name, b.id AS batch_id, b.status, ch.before, NULL::jsonb AS after
        FROM touched x JOIN import_batch b ON b.id = x.batch_id AND b.target = :layer
        LEFT JOIN import_change ch ON ch.batch_id = b.id AND ch.code = :code
        UNION ALL
        SELECT 'edit', e.edited_at, e.username, 'update', NULL, NULL, NULL, e.before, e.after
        FROM record_edit e WHERE e.layer = :layer AND e.code = :code
    )
    SELECT * FROM events ORDER BY at DESC LIMIT 200
"""
HISTORY = {layer: text(HISTORY_SQL.format(table=table.name)) for layer, table in TABLES.items()}
"""One statement per layer (the table name is the layer's, never the caller's)."""


def history(engine: Engine, layer: str, code: str) -> list[dict[str, Any]]:
    """What happened to one record, newest first: each import batch that inserted or changed it (with
    the state before) and each edit (fields before and after), with who and when."""
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(HISTORY[layer], {"layer": layer, "code": code}).mappings()]


# -- reading one record for its page --------------------------------------------------------------
def deposit_record(engine: Engine, code: str) -> dict[str, Any] | None:
    """A deposit with its commodities, resource estimates (resources and reserves apart) and projects."""
    from geoplatform.models import DepositCommodity, ResourceEstimate, project_deposit, resource_category

    d = Deposit.__table__
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(d, func.ST_X(d.c.geom).label("lon"), func.ST_Y(d.c.geom).label("lat")).where(d.c.code == code)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        record = dict(row)
        dc = DepositCommodity.__table__
        record["commodities"] = [
            dict(r)
            for r in conn.execute(
                select(dc).where(dc.c.deposit_id == row["id"]).order_by(dc.c.role != "primary", dc.c.commodity_code)
            ).mappings()
        ]
        re_ = ResourceEstimate.__table__
        estimates = conn.execute(
            select(re_, resource_category.c.kind)
            .outerjoin(resource_category, resource_category.c.code == re_.c.category)
            .where(re_.c.deposit_id == row["id"])
            .order_by(re_.c.commodity_code, resource_category.c.sort_order)
        ).mappings()
        record["resources"] = []
        record["reserves"] = []
        record["historical"] = []
        groups = {"resource": "resources", "reserve": "reserves", None: "historical"}
        for estimate in estimates:
            record[groups[estimate["kind"]]].append(dict(estimate))
        record["owners"] = owners(conn, deposit_id=row["id"])
        p = Project.__table__
        record["projects"] = [
            dict(r)
            for r in conn.execute(
                select(p.c.code, p.c.name, p.c.name_zh, p.c.name_en, p.c.stage)
                .join(project_deposit, project_deposit.c.project_id == p.c.id)
                .where(project_deposit.c.deposit_id == row["id"])
                .order_by(p.c.code)
            ).mappings()
        ]
    return record


def project_record(engine: Engine, code: str) -> dict[str, Any] | None:
    """A project with its operator, commodities and linked deposits."""
    from geoplatform.models import Company, project_commodity, project_deposit

    p = Project.__table__
    c = Company.__table__
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(
                    p,
                    func.ST_X(p.c.geom).label("lon"),
                    func.ST_Y(p.c.geom).label("lat"),
                    c.c.name_zh.label("operator_zh"),
                    c.c.name_en.label("operator_en"),
                    c.c.name.label("operator"),
                    c.c.key.label("operator_key"),
                )
                .outerjoin(c, c.c.id == p.c.operator_id)
                .where(p.c.code == code)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        record = dict(row)
        record["commodities"] = list(
            conn.execute(
                select(project_commodity.c.commodity_code)
                .where(project_commodity.c.project_id == row["id"])
                .order_by(project_commodity.c.commodity_code)
            ).scalars()
        )
        record["owners"] = owners(conn, project_id=row["id"])
        d = Deposit.__table__
        record["deposits"] = [
            dict(r)
            for r in conn.execute(
                select(d.c.code, d.c.name, d.c.name_zh, d.c.name_en, d.c.status)
                .join(project_deposit, project_deposit.c.deposit_id == d.c.id)
                .where(project_deposit.c.project_id == row["id"])
                .order_by(d.c.code)
            ).mappings()
        ]
    return record


OWNERS_SQL = text("""
    WITH RECURSIVE stakes AS (
        SELECT s.*, NULL::text AS via_project, NULL::text AS via_deposit FROM ownership_stake s
        WHERE s.deposit_id = :deposit OR s.project_id = :project
        UNION ALL
        -- a deposit's owners include those of the projects that develop it, and the other way round
        SELECT s.*, p.code, NULL FROM ownership_stake s JOIN project p ON p.id = s.project_id
        JOIN project_deposit pd ON pd.project_id = s.project_id WHERE pd.deposit_id = :deposit
        UNION ALL
        SELECT s.*, NULL, d.code FROM ownership_stake s JOIN deposit d ON d.id = s.deposit_id
        JOIN project_deposit pd ON pd.deposit_id = s.deposit_id WHERE pd.project_id = :project
    ),
    chain (stake_id, company_id, depth, path) AS (
        SELECT st.id, st.company_id, 0, ARRAY[st.company_id] FROM stakes st
        UNION ALL
        SELECT ch.stake_id, c.parent_id, ch.depth + 1, ch.path || c.parent_id FROM chain ch
        JOIN company c ON c.id = ch.company_id
        WHERE c.parent_id IS NOT NULL AND NOT c.parent_id = ANY(ch.path) AND ch.depth < 20
    ),
    roots AS (
        SELECT DISTINCT ON (stake_id) stake_id, company_id AS root_id, depth
        FROM chain ORDER BY stake_id, depth DESC
    )
    SELECT st.id, st.share_pct, st.since, st.until, st.source, st.via_project, st.via_deposit,
           c.key, c.name, c.name_zh, c.name_en, c.country_code,
           c.id IN (SELECT id FROM chinese_company) AS chinese,
           CASE WHEN r.depth > 0 THEN root.name END AS root_name,
           CASE WHEN r.depth > 0 THEN root.name_zh END AS root_name_zh,
           CASE WHEN r.depth > 0 THEN root.name_en END AS root_name_en,
           CASE WHEN r.depth > 0 THEN root.country_code END AS root_country_code,
           (st.since IS NULL OR st.since <= current_date) AND (st.until IS NULL OR st.until >= current_date) AS current
    FROM stakes st JOIN company c ON c.id = st.company_id
    JOIN roots r ON r.stake_id = st.id JOIN company root ON root.id = r.root_id
    ORDER BY current DESC, coalesce(st.via_project, st.via_deposit) NULLS FIRST, st.share_pct DESC NULLS LAST, c.name
""")
"""Who holds what of one deposit or project: each stake with its holder, the holder's ultimate parent
(followed up the ``parent_id`` chain), and whether the stake is current and Chinese."""


def owners(conn: Connection, *, deposit_id: int | None = None, project_id: int | None = None) -> list[dict[str, Any]]:
    """The stakes in one deposit or project (see :data:`OWNERS_SQL`)."""
    rows = conn.execute(OWNERS_SQL, {"deposit": deposit_id or -1, "project": project_id or -1}).mappings()
    return [dict(row) for row in rows]


def countries_in_use(engine: Engine) -> list[str]:
    """The countries that have deposits or projects, China first: what a country filter offers."""
    # One index probe per country of the codelist: reading the codes off the rows took 0.9 s on
    # 1,000,000 deposits (every map page asks).
    deposits, projects = TABLES["deposits"], TABLES["projects"]
    used = or_(
        exists().where(deposits.c.country_code == country.c.code),
        exists().where(projects.c.country_code == country.c.code),
    )
    with engine.connect() as conn:
        found = list(conn.execute(select(country.c.code).where(used)).scalars())
    return sorted(found, key=lambda code: (code != "CN", code))


COMPANY_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,59}")
"""What a company key looks like (``cmoc``, ``tianqi``): the id of its page and its API answer."""

HOLDINGS_SQL = """
    WITH RECURSIVE tree (id, depth, path) AS (
        SELECT CAST(:company AS integer), 0, ARRAY[CAST(:company AS integer)]
        UNION ALL
        SELECT c.id, t.depth + 1, t.path || c.id FROM company c JOIN tree t ON c.parent_id = t.id
        WHERE NOT c.id = ANY(t.path) AND t.depth < 20
    ),
    assets AS (
        SELECT 'stake' AS role, s.share_pct, s.since, s.until, s.source,
               (s.since IS NULL OR s.since <= current_date) AND (s.until IS NULL OR s.until >= current_date) AS current,
               t.depth, h.key AS holder_key, h.name AS holder_name, h.name_zh AS holder_name_zh,
               h.name_en AS holder_name_en, s.deposit_id, s.project_id
        FROM tree t JOIN ownership_stake s ON s.company_id = t.id JOIN company h ON h.id = s.company_id
        UNION ALL
        SELECT 'operator', NULL, NULL, NULL, NULL, true, t.depth, h.key, h.name, h.name_zh, h.name_en, NULL, p.id
        FROM tree t JOIN project p ON p.operator_id = t.id JOIN company h ON h.id = t.id
    )
    SELECT a.role, a.share_pct, a.since, a.until, a.source, a.current, a.depth, a.holder_key, a.holder_name,
           a.holder_name_zh, a.holder_name_en,
           CASE WHEN a.deposit_id IS NOT NULL THEN 'deposit' ELSE 'project' END AS kind,
           coalesce(d.code, p.code) AS code, coalesce(d.name, p.name) AS name,
           coalesce(d.name_zh, p.name_zh) AS name_zh, coalesce(d.name_en, p.name_en) AS name_en,
           coalesce(d.country_code, p.country_code) AS country_code, d.status, p.stage,
           ST_AsGeoJSON(coalesce(d.geom, p.geom), 6)::json AS geometry
    FROM assets a LEFT JOIN deposit d ON d.id = a.deposit_id LEFT JOIN project p ON p.id = a.project_id
"""
"""What a company and its subsidiaries (down the ``parent_id`` tree) hold and operate: one row per
stake in a deposit or project and per project operated, with the holder and the asset."""

HOLDING_COLUMNS = (
    "role", "share_pct", "since", "until", "source", "current", "depth", "holder_key", "holder_name",
    "holder_name_zh", "holder_name_en", "kind", "code", "name", "name_zh", "name_en", "country_code", "status",
    "stage", "geometry",
)  # fmt: skip
HOLDINGS = text(HOLDINGS_SQL).columns(*(column(name) for name in HOLDING_COLUMNS)).subquery("h")
HOLDINGS_ORDER = (HOLDINGS.c.current.desc(), HOLDINGS.c.depth, HOLDINGS.c.kind, HOLDINGS.c.code)
COMPANY_GEOJSON = select(
    cast(
        func.json_build_object(
            "type",
            "FeatureCollection",
            "features",
            func.coalesce(
                func.json_agg(
                    aggregate_order_by(
                        func.json_build_object(
                            "type",
                            "Feature",
                            "id",
                            HOLDINGS.c.code,
                            "geometry",
                            HOLDINGS.c.geometry,
                            "properties",
                            func.to_jsonb(literal_column("h")).op("-")("geometry"),
                        ),
                        *HOLDINGS_ORDER,
                    )
                ),
                literal_column("'[]'::json"),
            ),
        ),
        Text,
    )
)
"""The holdings as a FeatureCollection, written by PostGIS."""


def company_record(engine: Engine, key: str) -> dict[str, Any] | None:
    """A company with its parent, subsidiaries, stakes and operated projects (its own and its
    subsidiaries'), for its page."""
    from geoplatform.models import Company

    c = Company.__table__
    parent = c.alias("parent")
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(
                    c.c.id,
                    c.c.key,
                    c.c.name,
                    c.c.name_zh,
                    c.c.name_en,
                    c.c.uscc,
                    c.c.country_code,
                    parent.c.key.label("parent_key"),
                    parent.c.name.label("parent_name"),
                    parent.c.name_zh.label("parent_name_zh"),
                    parent.c.name_en.label("parent_name_en"),
                    parent.c.country_code.label("parent_country_code"),
                    c.c.id.in_(text("SELECT id FROM chinese_company")).label("chinese"),
                )
                .outerjoin(parent, parent.c.id == c.c.parent_id)
                .where(c.c.key == key)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        record = dict(row)
        record["subsidiaries"] = [
            dict(r)
            for r in conn.execute(
                select(c.c.key, c.c.name, c.c.name_zh, c.c.name_en, c.c.country_code)
                .where(c.c.parent_id == row["id"])
                .order_by(c.c.name)
            ).mappings()
        ]
        holdings = conn.execute(select(HOLDINGS).order_by(*HOLDINGS_ORDER), {"company": row["id"]}).mappings()
        record["holdings"] = [dict(h) for h in holdings]
    return record


def company_geojson(engine: Engine, key: str) -> str | None:
    """The deposits and projects a company holds or operates, as a FeatureCollection written by PostGIS."""
    from geoplatform.models import Company

    c = Company.__table__
    with engine.connect() as conn:
        company_id = conn.execute(select(c.c.id).where(c.c.key == key)).scalar_one_or_none()
        if company_id is None:
            return None
        return str(conn.execute(COMPANY_GEOJSON, {"company": company_id}).scalar_one())
