"""The domain model: codelists, companies, deposits, commodities, resource estimates, projects, users.

Geometries are stored in EPSG:4326 (lon/lat); CGCS2000 (EPSG:4490) input is transformed on the way
in (the two agree to a few centimetres, far below the accuracy of any deposit location). The schema
itself is created by the alembic migrations in ``geoplatform/migrations``; a test checks that these
classes and the migrated database agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    column,
    func,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CODE_PATTERN = "^[A-Z0-9][A-Z0-9_-]{1,39}$"
CODE_CHECK = "code ~ '^[A-Z0-9][A-Z0-9_-]+$'"
"""The same rule in PostgreSQL: ``varchar(40)`` bounds the length, and PostgreSQL's regex engine pays
about 3 µs a row for a counted repetition like ``{1,39}`` against 0.5 µs for ``+`` (migration 0004)."""
POINT_CHECK = "NOT ST_IsEmpty(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90"
"""Points in the lon/lat range without GEOS; NaN fails BETWEEN. (A bounding-box test ``geom @ envelope``
is cheaper but lets NaN through: tested in tests/test_schema.py.)"""
"""Deposit and project codes: upper-case ASCII, digits, '-' and '_' (safe in URLs and file names)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# -- codelists ----------------------------------------------------------------------------------
# Each codelist is a table keyed by a short ASCII code with Chinese and English labels. Their rows
# are data (geoplatform/data/codelists/*.csv), synchronised by geoplatform.codelists.


def _codelist_columns() -> list[Column]:
    return [
        Column("code", String(40), primary_key=True),
        Column("name_zh", Text, nullable=False),
        Column("name_en", Text, nullable=False),
        Column("sort_order", Integer, nullable=False, server_default="0"),
        Column("deprecated", Boolean, nullable=False, server_default=text("false")),
    ]


commodity = Table(
    "commodity",
    Base.metadata,
    *_codelist_columns(),
    Column("symbol", String(12)),
    Column("commodity_group", String(12), nullable=False),
    Column("strategic", Boolean, nullable=False, server_default=text("false")),
    CheckConstraint("commodity_group IN ('energy', 'metal', 'nonmetal')", name="group"),
)
deposit_type = Table("deposit_type", Base.metadata, *_codelist_columns())
exploration_stage = Table("exploration_stage", Base.metadata, *_codelist_columns())
size_class = Table("size_class", Base.metadata, *_codelist_columns())
development_status = Table("development_status", Base.metadata, *_codelist_columns())
resource_category = Table(
    "resource_category",
    Base.metadata,
    *_codelist_columns(),
    Column("kind", String(10), nullable=False),
    CheckConstraint("kind IN ('resource', 'reserve')", name="kind"),
)
classification_method = Table("classification_method", Base.metadata, *_codelist_columns())
project_type = Table("project_type", Base.metadata, *_codelist_columns())
project_stage = Table("project_stage", Base.metadata, *_codelist_columns())
unit = Table(
    "unit",
    Base.metadata,
    *_codelist_columns(),
    Column("quantity", String(16), nullable=False),
    Column("to_base", Numeric, nullable=False),
    CheckConstraint(
        "quantity IN ('mass', 'grade', 'concentration', 'capacity', 'price_cny', 'price_usd', 'ratio', 'days', "
        "'years', 'index')",
        name="quantity",
    ),
)
admin_region = Table(
    "admin_region",
    Base.metadata,
    Column("code", String(6), primary_key=True),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("level", String(12), nullable=False),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    Column("deprecated", Boolean, nullable=False, server_default=text("false")),
    Column("parent_code", ForeignKey("admin_region.code")),
    Column("iso_3166_2", String(6)),
    CheckConstraint("code ~ '^[1-9][0-9]{5}$'", name="gb2260"),
    CheckConstraint("level IN ('province', 'prefecture', 'county')", name="level"),
)
country = Table(
    "country",
    Base.metadata,
    Column("code", String(2), primary_key=True, comment="ISO 3166-1 alpha-2 (X? for disputed areas)"),
    Column("alpha3", String(3)),
    Column("numeric", String(3)),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("official_name_zh", Text),
    Column("official_name_en", Text),
    Column("kind", String(10), nullable=False, server_default="iso"),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    Column("deprecated", Boolean, nullable=False, server_default=text("false")),
    CheckConstraint("code ~ '^[A-Z]{2}$'", name="alpha2"),
    CheckConstraint("kind IN ('iso', 'disputed')", name="kind"),
)
country_subdivision = Table(
    "country_subdivision",
    Base.metadata,
    Column("code", String(6), primary_key=True, comment="ISO 3166-2"),
    Column("country_code", ForeignKey("country.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("type", Text),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    Column("deprecated", Boolean, nullable=False, server_default=text("false")),
    Index("ix_country_subdivision_country_code", "country_code"),
)
size_class_threshold = Table(
    "size_class_threshold",
    Base.metadata,
    Column("commodity_code", ForeignKey("commodity.code"), primary_key=True),
    Column("subtype", String(40), primary_key=True, server_default=""),
    Column("measure", Text, nullable=False),
    Column("unit_code", ForeignKey("unit.code"), nullable=False),
    Column("large_min", Numeric, nullable=False),
    Column("medium_min", Numeric, nullable=False),
    CheckConstraint("large_min > medium_min AND medium_min > 0", name="ordered"),
)

data_version = Table(
    "data_version",
    Base.metadata,
    Column("id", SmallInteger, primary_key=True, server_default="1"),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="single_row"),
)
"""One row whose ``version`` every write to a published table bumps (triggers of migration 0007):
the key of every cache derived from the data."""

tile_cluster = Table(
    "tile_cluster",
    Base.metadata,
    Column("layer", String(40), primary_key=True),
    Column("z", SmallInteger, primary_key=True),
    Column("cx", Integer, primary_key=True),
    Column("cy", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("counts", JSONB, nullable=False),
)
"""Points of a layer aggregated per zoom level into grid cells (8 × 8 per tile), for low-zoom tiles."""

tile_cluster_state = Table(
    "tile_cluster_state",
    Base.metadata,
    Column("layer", String(40), primary_key=True),
    Column("data_version", BigInteger, nullable=False),
    Column("built_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("seconds", Float, nullable=False),
    Column("source_version", BigInteger),
)
"""The data version and the source version (:data:`grid_source_version`) each layer's cluster grid
was built from."""

grid_source_version = Table(
    "grid_source_version",
    Base.metadata,
    Column("source", String(40), primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
)
"""Per table a cluster grid is built from, a counter its triggers bump when rows, positions,
status or commodities change (migration 0011): a grid is current while its counter stands."""

CODELIST_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        commodity,
        deposit_type,
        exploration_stage,
        size_class,
        development_status,
        resource_category,
        classification_method,
        project_type,
        project_stage,
        unit,
        admin_region,
        country,
        country_subdivision,
    )
}


# -- catalogue ----------------------------------------------------------------------------------
def _search_columns(code: str) -> tuple[Mapped[str | None], Mapped[list[str]]]:
    """``search_extra`` (pinyin and simplified names, written by geoplatform.search) and the stored
    ``search_tokens`` of migration 0010."""
    extra = mapped_column(Text, nullable=True)
    tokens = mapped_column(
        ARRAY(Text),
        Computed(f"gp_search_tokens(ARRAY[{code}, name, name_zh, name_en, search_extra])", persisted=True),
    )
    return extra, tokens


def _search_indexes(table: str) -> tuple[Index, Index]:
    return (
        Index(f"ix_{table}_search_tokens", "search_tokens", postgresql_using="gin"),
        Index(f"ix_{table}_search_extra_missing", "id", postgresql_where=text("search_extra IS NULL")),
    )


class Company(Base):
    """A company; ``country_code`` is its country of incorporation, ``parent_id`` its parent company."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    key: Mapped[str | None] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(Text)
    """The name as the company writes it (filled from name_zh or name_en when not given)."""
    name_zh: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"), server_default="CN")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"), index=True)
    search_extra, search_tokens = _search_columns("key")

    __table_args__ = (
        *_search_indexes("company"),
        CheckConstraint("uscc IS NULL OR gp_uscc_valid(uscc)", name="uscc_check_character"),
        CheckConstraint("uscc IS NULL OR country_code = 'CN'", name="uscc_only_in_china"),
        CheckConstraint("parent_id IS DISTINCT FROM id", name="not_own_parent"),
    )


class Deposit(Base):
    __tablename__ = "deposit"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    """The name as the source gave it, in ``name_lang``; name_zh / name_en when known (see gp_catalogue_row)."""
    name_lang: Mapped[str | None] = mapped_column(String(8))
    name_zh: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    footprint = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("country.code"))
    """Derived from the point (gp_locate); NULL only while a row cannot be placed, which ck_*_located refuses."""
    region_code: Mapped[str | None] = mapped_column(ForeignKey("admin_region.code"))
    """GB/T 2260 province of a record in China, derived from the point."""
    subdivision_code: Mapped[str | None] = mapped_column(ForeignKey("country_subdivision.code"))
    subdivision_name: Mapped[str | None] = mapped_column(Text)
    deposit_type: Mapped[str | None] = mapped_column(ForeignKey("deposit_type.code"))
    stage: Mapped[str | None] = mapped_column(ForeignKey("exploration_stage.code"))
    size_class: Mapped[str | None] = mapped_column(ForeignKey("size_class.code"))
    status: Mapped[str] = mapped_column(ForeignKey("development_status.code"))
    status_as_of: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    """The import batch that last wrote this record (None: entered otherwise)."""
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    search_extra, search_tokens = _search_columns("code")

    __table_args__ = (
        *_search_indexes("deposit"),
        CheckConstraint(CODE_CHECK, name="code_format"),
        CheckConstraint(
            POINT_CHECK,
            name="geom_valid",
        ),
        CheckConstraint("footprint IS NULL OR ST_IsValid(footprint)", name="footprint_valid"),
        Index("ix_deposit_geom", "geom", postgresql_using="gist"),
        Index("ix_deposit_footprint", "footprint", postgresql_using="gist"),
        Index("ix_deposit_status", "status"),
        Index("ix_deposit_region_code", "region_code"),
        Index("ix_deposit_country_code", "country_code"),
        # Named so that PostgreSQL, which tests CHECK constraints in name order, reports an invalid point
        # (geom_valid) before the missing country that follows from it.
        CheckConstraint("country_code IS NOT NULL", name="located"),
        CheckConstraint("region_code IS NULL OR country_code = 'CN'", name="region_in_china"),
        CheckConstraint("name_lang IS NULL OR name_lang ~ '^[a-z]{2,3}(-[A-Za-z0-9]+)*$'", name="name_lang"),
    )


class DepositCommodity(Base):
    __tablename__ = "deposit_commodity"

    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id", ondelete="CASCADE"), primary_key=True)
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    grade: Mapped[Decimal | None] = mapped_column(Numeric)
    grade_unit: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))

    __table_args__ = (
        CheckConstraint("role IN ('primary', 'associated')", name="role"),
        CheckConstraint("grade IS NULL OR grade >= 0", name="grade_non_negative"),
        CheckConstraint("(grade IS NULL) = (grade_unit IS NULL)", name="grade_has_unit"),
        Index("ix_deposit_commodity_commodity_code", "commodity_code", "deposit_id"),
        Index(
            "uq_deposit_commodity_one_primary",
            "deposit_id",
            unique=True,
            postgresql_where=text("role = 'primary'"),
        ),
    )


class ResourceEstimate(Base):
    """One reported quantity. Resources and reserves are separate rows and never summed together."""

    __tablename__ = "resource_estimate"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("deposit.id", ondelete="CASCADE"), index=True)
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"))
    category: Mapped[str | None] = mapped_column(ForeignKey("resource_category.code"))
    """A GB/T 17766-2020 category; NULL only for a historical estimate that no code classifies."""
    method: Mapped[str] = mapped_column(ForeignKey("classification_method.code"))
    legacy_code: Mapped[str | None] = mapped_column(String(12))
    ore_tonnage: Mapped[Decimal | None] = mapped_column(Numeric)
    ore_unit: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    contained: Mapped[Decimal | None] = mapped_column(Numeric)
    contained_unit: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    grade: Mapped[Decimal | None] = mapped_column(Numeric)
    grade_unit: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)

    __table_args__ = (
        CheckConstraint("ore_tonnage IS NULL OR ore_tonnage >= 0", name="ore_non_negative"),
        CheckConstraint("contained IS NULL OR contained >= 0", name="contained_non_negative"),
        CheckConstraint("grade IS NULL OR grade >= 0", name="grade_non_negative"),
        CheckConstraint("(ore_tonnage IS NULL) = (ore_unit IS NULL)", name="ore_has_unit"),
        CheckConstraint("(contained IS NULL) = (contained_unit IS NULL)", name="contained_has_unit"),
        CheckConstraint("(grade IS NULL) = (grade_unit IS NULL)", name="grade_has_unit"),
        CheckConstraint("ore_tonnage IS NOT NULL OR contained IS NOT NULL", name="has_quantity"),
        CheckConstraint("category IS NOT NULL OR method = 'historical'", name="classified"),
    )


project_deposit = Table(
    "project_deposit",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("deposit_id", ForeignKey("deposit.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_project_deposit_deposit_id", "deposit_id"),
)

project_commodity = Table(
    "project_commodity",
    Base.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("commodity_code", ForeignKey("commodity.code"), primary_key=True),
    Index("ix_project_commodity_commodity_code", "commodity_code", "project_id"),
)


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    """The name as the source gave it, in ``name_lang``; name_zh / name_en when known (see gp_catalogue_row)."""
    name_lang: Mapped[str | None] = mapped_column(String(8))
    name_zh: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    project_type: Mapped[str] = mapped_column(ForeignKey("project_type.code"))
    stage: Mapped[str] = mapped_column(ForeignKey("project_stage.code"))
    green_channel: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("country.code"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("admin_region.code"))
    subdivision_code: Mapped[str | None] = mapped_column(ForeignKey("country_subdivision.code"))
    subdivision_name: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    capacity: Mapped[Decimal | None] = mapped_column(Numeric)
    capacity_unit: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    investment_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric)
    status_as_of: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    search_extra, search_tokens = _search_columns("code")

    __table_args__ = (
        CheckConstraint(CODE_CHECK, name="code_format"),
        CheckConstraint(
            POINT_CHECK,
            name="geom_valid",
        ),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("(capacity IS NULL) = (capacity_unit IS NULL)", name="capacity_has_unit"),
        CheckConstraint("investment_cny_100m IS NULL OR investment_cny_100m >= 0", name="investment_non_negative"),
        *_search_indexes("project"),
        Index("ix_project_geom", "geom", postgresql_using="gist"),
        Index("ix_project_stage", "stage"),
        Index("ix_project_region_code", "region_code"),
        Index("ix_project_country_code", "country_code"),
        # Named so that PostgreSQL, which tests CHECK constraints in name order, reports an invalid point
        # (geom_valid) before the missing country that follows from it.
        CheckConstraint("country_code IS NOT NULL", name="located"),
        CheckConstraint("region_code IS NULL OR country_code = 'CN'", name="region_in_china"),
        CheckConstraint("name_lang IS NULL OR name_lang ~ '^[a-z]{2,3}(-[A-Za-z0-9]+)*$'", name="name_lang"),
    )


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="role"),
        Index("uq_app_user_username_lower", func.lower(text("username")), unique=True),
    )


# -- green-channel approvals ----------------------------------------------------------------------
approval_status = Table("approval_status", Base.metadata, *_codelist_columns())
target_change_reason = Table("target_change_reason", Base.metadata, *_codelist_columns())
approval_kind = Table(
    "approval_kind",
    Base.metadata,
    *_codelist_columns(),
    Column("authority_zh", Text, nullable=False),
    Column("authority_en", Text, nullable=False),
    Column("authority_level", String(12), nullable=False),
    # NULL: the law sets no time limit (host-country procedures, bank registrations); 0: due the same day.
    Column("statutory_days", Integer, nullable=True),
    Column("day_kind", String(8), nullable=False),
    Column("extension_days", Integer, nullable=False, server_default="0"),
    Column("gate", String(40), nullable=False),
    Column("legal_basis_zh", Text, comment="the regulation and article that set the time limit"),
    Column("legal_basis_en", Text),
    CheckConstraint("day_kind IN ('working', 'calendar')", name="day_kind"),
    CheckConstraint("statutory_days >= 0 AND extension_days >= 0", name="days_non_negative"),
    CheckConstraint("authority_level IN ('national', 'provincial', 'municipal', 'county', 'foreign')", name="level"),
)
approval_template = Table(
    "approval_template",
    Base.metadata,
    Column("project_type", ForeignKey("project_type.code"), primary_key=True),
    Column("approval_kind", ForeignKey("approval_kind.code"), primary_key=True),
    Column("scope", String(10), primary_key=True, server_default="domestic"),
    CheckConstraint("scope IN ('domestic', 'overseas')", name="scope"),
)
holiday_calendar = Table(
    "holiday_calendar",
    Base.metadata,
    Column("day", Date, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),
)
calendar_import = Table(
    "calendar_import",
    Base.metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("username", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("years", ARRAY(Integer), nullable=False),
    Column("days", Integer, nullable=False),
    Column("replaced", Integer, nullable=False),
)
"""Each holiday-calendar year an admin loaded (``geoplatform calendar import``): who, when, which file."""

timetable_state = Table("timetable_state", Base.metadata, *_codelist_columns())
"""The timetable states of an approval item (``geoplatform.approvals.timetable``), worst first by
``sort_order``; a codelist so that the approvals layer's queryable can list them."""

CODELIST_TABLES.update({t.name: t for t in (approval_status, target_change_reason, approval_kind, timetable_state)})


class ApprovalItem(Base):
    """One authorisation a project needs; ``version`` guards against lost updates."""

    __tablename__ = "approval_item"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(ForeignKey("approval_kind.code"))
    status: Mapped[str] = mapped_column(ForeignKey("approval_status.code"), server_default="not_started")
    authority: Mapped[str | None] = mapped_column(Text)
    authority_level: Mapped[str | None] = mapped_column(String(12))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    document_number: Mapped[str | None] = mapped_column(Text)
    statutory_due_on: Mapped[dt.date | None] = mapped_column(Date)
    target_on: Mapped[dt.date | None] = mapped_column(Date)
    target_reason: Mapped[str | None] = mapped_column(ForeignKey("target_change_reason.code"))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("uq_approval_item_project_kind", "project_id", "kind", unique=True),
        Index("ix_approval_item_status", "status"),
        CheckConstraint(
            "accepted_on IS NULL OR submitted_on IS NULL OR accepted_on >= submitted_on",
            name="accepted_after_submitted",
        ),
        CheckConstraint(
            "decided_on IS NULL OR submitted_on IS NULL OR decided_on >= submitted_on",
            name="decided_after_submitted",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(target_on IS NULL) = (target_reason IS NULL)", name="target_has_reason"),
    )


class ApprovalEvent(Base):
    """Append-only history: every change to an item or a project's pause state (a trigger refuses edits)."""

    __tablename__ = "approval_event"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    # No cascades: a project or item with history cannot be deleted, so history cannot vanish.
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("approval_item.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    event_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    changes = mapped_column(JSONB, nullable=True)

    __table_args__ = (
        CheckConstraint("action IN ('create', 'transition', 'target', 'edit', 'pause', 'resume')", name="action"),
    )


class ProjectPause(Base):
    """A period in which a project's approvals were paused; paused days do not count against deadlines."""

    __tablename__ = "project_pause"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index("uq_project_pause_open", "project_id", unique=True, postgresql_where=text("ended_on IS NULL")),
    )


approval_layer = Table(
    "approval_layer",
    Base.metadata,
    Column("id", Integer, ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("name_lang", String(8)),
    Column("name_zh", Text),
    Column("name_en", Text),
    Column("stage", String(40), nullable=False),
    Column("green_channel", Boolean, nullable=False),
    Column("country_code", String(2)),
    Column("region_code", String(12)),
    Column("subdivision_code", String(12)),
    Column("timetable", String(40), ForeignKey("timetable_state.code"), nullable=False),
    Column("timetable_days", Integer),
    Column("worst_kind", String(40)),
    Column("items", Integer, nullable=False),
    Column("open_items", Integer, nullable=False),
    Column("overdue_items", Integer, nullable=False),
    Column("due_soon_items", Integer, nullable=False),
    Column("next_due_on", Date),
    Column("next_due_kind", String(40)),
    Column("paused", Boolean, nullable=False),
    Column("status_as_of", Date, nullable=False),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Index("ix_approval_layer_geom", "geom", postgresql_using="gist"),
    Index("ix_approval_layer_timetable", "timetable"),
)
"""Projects with approval items and the worst timetable state of their items, as of
``status_as_of``: derived data, rebuilt by ``geoplatform.approvals.standing`` when the data version
or the day has moved on (the states depend on today's date and the working-day calendar)."""

approval_layer_state = Table(
    "approval_layer_state",
    Base.metadata,
    Column("id", SmallInteger, primary_key=True, server_default="1"),
    Column("data_version", BigInteger, nullable=False),
    Column("built_on", Date, nullable=False),
    Column("built_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="single_row"),
)
"""The data version and the day ``approval_layer`` was built for."""


# -- ownership ----------------------------------------------------------------------------------------
class OwnershipStake(Base):
    """Who holds what: a company's share of one deposit or one project, with its period and source."""

    __tablename__ = "ownership_stake"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposit.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric)
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("num_nonnulls(deposit_id, project_id) = 1", name="one_asset"),
        CheckConstraint("share_pct IS NULL OR (share_pct > 0 AND share_pct <= 100)", name="share_range"),
        CheckConstraint("until IS NULL OR since IS NULL OR until >= since", name="period"),
    )


# Views of migration 0006 (kept out of the metadata: they are not tables to create or compare).
chinese_company = table("chinese_company", column("id", Integer))
"""Companies incorporated in China, or whose parent at any level is."""
deposit_chinese_stake = table("deposit_chinese_stake", column("deposit_id", Integer))
"""Deposits in which a Chinese company holds a current stake, directly or through a project on them."""
project_chinese_stake = table("project_chinese_stake", column("project_id", Integer))
boundary_layer = table(
    "boundary_layer",
    column("id", Integer),
    column("kind", String),
    column("country_code", String),
    column("region_code", String),
    column("name_zh", Text),
    column("name_en", Text),
    column("geom", Geometry("GEOMETRY", srid=4326)),
)
"""Materialized view of migration 0008: countries and provinces with their 'high' display geometry."""
"""Projects in which a Chinese company holds a current stake, directly or in a deposit they develop."""


# -- boundaries ---------------------------------------------------------------------------------------
class BoundarySource(Base):
    """Where a set of boundaries comes from: package, version, licence and datum, as loaded."""

    __tablename__ = "boundary_source"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    package: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(Text)
    datum: Mapped[str] = mapped_column(Text)
    """The datum of the source's coordinates and what was done to them (e.g. GCJ-02 → WGS 84)."""
    url: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    complete: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    """Set when the parts and display copies are built too; an interrupted load is redone."""


class Boundary(Base):
    """One country, Chinese region or line (China's maritime boundary), at full resolution, in WGS 84."""

    __tablename__ = "boundary"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("boundary_source.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("country.code"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("admin_region.code"), index=True)
    name_zh: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False)

    __table_args__ = (
        CheckConstraint("kind IN ('country', 'province', 'prefecture', 'county', 'maritime')", name="kind"),
        Index("ix_boundary_geom", "geom", postgresql_using="gist"),
    )


class BoundaryPart(Base):
    """Land boundaries cut into small polygons (ST_Subdivide): what point-in-polygon tests run against.

    ``priority`` orders overlapping parts: Chinese provinces (0) before countries (1), so that China's
    territory as its standard map draws it wins over another source's claim to the same land.
    """

    __tablename__ = "boundary_part"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    boundary_id: Mapped[int] = mapped_column(ForeignKey("boundary.id", ondelete="CASCADE"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    # Copies of the boundary's codes (checked there), not foreign keys: checking 100,000 parts one by one
    # took 4 s of a load.
    country_code: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(String(6))
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False)

    __table_args__ = (Index("ix_boundary_part_geom", "geom", postgresql_using="gist"),)


class BoundaryDisplay(Base):
    """Simplified copies of the boundaries for drawing, one per zoom band (see geoplatform.boundaries)."""

    __tablename__ = "boundary_display"

    boundary_id: Mapped[int] = mapped_column(ForeignKey("boundary.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[str] = mapped_column(String(8), primary_key=True)
    geom = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False)


# -- bulk import ------------------------------------------------------------------------------------
class ImportBatch(Base):
    """One import of one file: what was read, by whom, with which mapping and CRS, and what changed."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    target: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(20))
    layer: Mapped[str | None] = mapped_column(Text)
    mapping: Mapped[str] = mapped_column(Text)
    crs: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_inserted: Mapped[int] = mapped_column(Integer)
    rows_updated: Mapped[int] = mapped_column(Integer)
    rows_unchanged: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    details = mapped_column(JSONB, nullable=True)

    __table_args__ = (
        CheckConstraint("status IN ('done', 'undone')", name="status"),
        CheckConstraint("target IN ('deposits', 'projects', 'resources', 'approvals', 'indicators')", name="target"),
    )


class RecordEdit(Base):
    """One edit of a deposit or project through the API: the fields changed, before and after."""

    __tablename__ = "record_edit"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    layer: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64))
    edited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    before = mapped_column(JSONB, nullable=False)
    after = mapped_column(JSONB, nullable=False)

    __table_args__ = (
        CheckConstraint("layer IN ('deposits', 'projects', 'agreements')", name="layer"),
        Index("ix_record_edit_layer_code", "layer", "code"),
    )


class ImportChange(Base):
    """The state of a record before a batch changed it, so that the batch can be undone."""

    __tablename__ = "import_change"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    code: Mapped[str] = mapped_column(Text, index=True)
    """The record's key: a deposit or project code, ``deposit|commodity|category|method|as_of`` for an
    estimate, ``project|kind`` for an approval item."""
    action: Mapped[str] = mapped_column(String(8))
    before = mapped_column(JSONB, nullable=True)

    __table_args__ = (CheckConstraint("action IN ('insert', 'update')", name="action"),)


# -- supply security (issue #11) -----------------------------------------------------------------
indicator = Table(
    "indicator",
    Base.metadata,
    *_codelist_columns(),
    Column("quantities", ARRAY(String(16)), nullable=False, comment="unit quantities a value may be given in"),
    Column("derived", Boolean, nullable=False, server_default=text("false")),
    Column("description_zh", Text),
    Column("description_en", Text),
)
"""Indicator codes: the measured series (production, imports, price, …) and the derived ones that
``geoplatform.supply.derived`` computes in SQL (import dependence, HHI, …)."""
CODELIST_TABLES["indicator"] = indicator


class IndicatorValue(Base):
    """One value of a series (indicator, commodity, scope) for one period, in a version.

    A value revised by a later file is not overwritten: the earlier row gets ``superseded_at`` and the
    batch that superseded it, and the new row is the current one (``superseded_at IS NULL``).
    ``value_base`` is the value in the base unit of its quantity (t, t/a, CNY/t, USD/t, ratio, days),
    which the derived indicators and the warning rules read."""

    __tablename__ = "indicator_value"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    indicator: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"))
    scope_kind: Mapped[str] = mapped_column(String(10))
    scope_code: Mapped[str] = mapped_column(String(60), server_default="")
    period_kind: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric)
    unit: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    value_base: Mapped[float] = mapped_column(Double)
    base_unit: Mapped[str] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    illustrative: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    """Demo series: made up to show the warnings, never statistics."""
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)

    __table_args__ = (
        CheckConstraint("scope_kind IN ('world', 'country', 'province', 'company', 'project')", name="scope_kind"),
        CheckConstraint("(scope_kind = 'world') = (scope_code = '')", name="world_has_no_code"),
        CheckConstraint("period_kind IN ('month', 'quarter', 'year')", name="period_kind"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        Index(
            "ix_indicator_value_commodity",
            "commodity_code",
            "illustrative",
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index(
            "uq_indicator_value_current",
            "indicator",
            "commodity_code",
            "scope_kind",
            "scope_code",
            "period_kind",
            "period_start",
            unique=True,
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )


class DerivedValue(Base):
    """The derived series (``geoplatform.supply.derived``) as of the last evaluation, which refreshes
    them in the same transaction as it judges them: the pages read them by index instead of computing
    the derivations over every value on each request. Like ``warning_level`` it is rebuilt from
    checked rows by every evaluation and has no foreign keys: checking them for each of a million
    rows written per run cost more than the judgement itself."""

    __tablename__ = "derived_value"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    commodity_code: Mapped[str] = mapped_column(String(40))
    scope_kind: Mapped[str] = mapped_column(String(10))
    scope_code: Mapped[str] = mapped_column(String(60))
    period_kind: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Double)
    base_unit: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_derived_value_series", "commodity_code", "indicator", "scope_kind", "scope_code", "period_start"),
    )


class WarningRule(Base):
    """Blue/yellow/red thresholds of one indicator for one commodity, in force from ``effective_from``
    until the next version of the same rule (same indicator, commodity and scope) starts.

    ``direction`` says which way is worse: ``rising`` (import dependence, HHI, volatility) or
    ``falling`` (reserve life, inventory cover). A NULL scope applies to every scope of the series."""

    __tablename__ = "warning_rule"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    indicator: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"))
    scope_kind: Mapped[str | None] = mapped_column(String(10))
    scope_code: Mapped[str | None] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(7))
    blue: Mapped[float] = mapped_column(Double)
    yellow: Mapped[float] = mapped_column(Double)
    red: Mapped[float] = mapped_column(Double)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("direction IN ('rising', 'falling')", name="direction"),
        CheckConstraint(
            "(direction = 'rising' AND blue <= yellow AND yellow <= red)"
            " OR (direction = 'falling' AND blue >= yellow AND yellow >= red)",
            name="thresholds_in_order",
        ),
        Index("ix_warning_rule_indicator_commodity", "indicator", "commodity_code", "effective_from"),
    )


class WarningEvaluation(Base):
    """One evaluation of every rule: when, why (cli, api, import) and by whom, with its counts."""

    __tablename__ = "warning_evaluation"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    evaluated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    trigger: Mapped[str] = mapped_column(String(10))
    username: Mapped[str] = mapped_column(String(64))
    values_evaluated: Mapped[int] = mapped_column(Integer)
    levels: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Double)


class WarningLevel(Base):
    """The level of a series in each period where it changed (the history of levels), with the rule
    version that decided it and the value behind it, and in its latest period (its level now)."""

    __tablename__ = "warning_level"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(Integer, index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    commodity_code: Mapped[str] = mapped_column(String(40))
    scope_kind: Mapped[str] = mapped_column(String(10))
    scope_code: Mapped[str] = mapped_column(String(60))
    period_kind: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[dt.date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(6))
    previous_level: Mapped[str | None] = mapped_column(String(6))
    value: Mapped[float] = mapped_column(Double)
    rule_id: Mapped[int] = mapped_column(Integer)
    """The rule version (``warning_rule.id``); no foreign key, as for every column of this rebuilt table."""
    latest: Mapped[bool] = mapped_column(Boolean)
    """The row of the series' latest period: its level now, with the latest value (kept even when the
    level did not change in that period)."""

    __table_args__ = (
        CheckConstraint("level IN ('normal', 'blue', 'yellow', 'red')", name="level"),
        Index("ix_warning_level_series", "commodity_code", "indicator", "scope_kind", "scope_code", "period_start"),
    )


class WarningComposite(Base):
    """The composite level of one commodity in one evaluation, by the rule in ``geoplatform.supply.warnings``."""

    __tablename__ = "warning_composite"

    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("warning_evaluation.id", ondelete="CASCADE"), primary_key=True
    )
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"), primary_key=True)
    level: Mapped[str] = mapped_column(String(6))
    reason = mapped_column(JSONB, nullable=False)
    """The indicator levels the composite came from: [{indicator, scope, level, value, rule_id}]."""

    __table_args__ = (CheckConstraint("level IN ('normal', 'blue', 'yellow', 'red')", name="level"),)


# -- major-project scheduling (issue #11) -----------------------------------------------------------
milestone_kind = Table("milestone_kind", Base.metadata, *_codelist_columns())
"""Construction start, mechanical completion, commissioning, full capacity: the dates a major project is
scheduled against (重大项目调度)."""
replan_reason = Table("replan_reason", Base.metadata, *_codelist_columns())
"""Why a planned milestone date moved: typed as target dates of approval items are."""
pricing_basis = Table("pricing_basis", Base.metadata, *_codelist_columns())
"""How an offtake agreement prices its deliveries (fixed, index-linked, formula, …)."""
CODELIST_TABLES.update({t.name: t for t in (milestone_kind, replan_reason, pricing_basis)})


class ProjectMilestone(Base):
    """One milestone of a project: the first plan (baseline), the plan in force and the actual date.

    The plan in force changes only with a typed reason, logged in ``schedule_event``; ``version`` guards
    against lost updates as on approval items."""

    __tablename__ = "project_milestone"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("milestone_kind.code"))
    baseline_on: Mapped[dt.date] = mapped_column(Date)
    planned_on: Mapped[dt.date] = mapped_column(Date)
    actual_on: Mapped[dt.date | None] = mapped_column(Date)
    replans: Mapped[int] = mapped_column(Integer, server_default="0")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("uq_project_milestone_project_kind", "project_id", "kind", unique=True),
        CheckConstraint("version >= 1 AND replans >= 0", name="counters"),
    )


class ProgressReport(Base):
    """A project's monthly progress report (one per month; a revision bumps ``version``, the history
    keeps what it replaced). Investment in 10⁴ CNY (万元), as monthly reports state it."""

    __tablename__ = "progress_report"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    percent_complete: Mapped[Decimal] = mapped_column(Numeric)
    investment_month_cny_10k: Mapped[Decimal] = mapped_column(Numeric)
    investment_total_cny_10k: Mapped[Decimal] = mapped_column(Numeric)
    summary: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    reported_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("uq_progress_report_project_month", "project_id", "month", unique=True),
        CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),
        CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent_range"),
        CheckConstraint(
            "investment_month_cny_10k >= 0 AND investment_total_cny_10k >= investment_month_cny_10k",
            name="investment",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )


class CoordinationProblem(Base):
    """A problem a progress report raises for coordination, who is to solve it and when it was solved."""

    __tablename__ = "coordination_problem"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    raised_in: Mapped[dt.date] = mapped_column(Date)
    """The month of the report that raised it."""
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    """Who is to solve it: an authority, a department or the company."""
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("resolved_on IS NULL OR resolved_on >= raised_in", name="resolved_after_raised"),)


class ScheduleEvent(Base):
    """Append-only history of milestones, progress reports and coordination problems (a trigger refuses
    edits, as on ``approval_event``)."""

    __tablename__ = "schedule_event"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    milestone_kind: Mapped[str | None] = mapped_column(ForeignKey("milestone_kind.code"))
    report_month: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(ForeignKey("replan_reason.code"))
    comment: Mapped[str | None] = mapped_column(Text)
    changes = mapped_column(JSONB, nullable=True)

    __table_args__ = (
        CheckConstraint(
            "action IN ('plan', 'replan', 'actual', 'report', 'revise_report', 'problem', 'resolve')",
            name="action",
        ),
        CheckConstraint("action <> 'replan' OR reason IS NOT NULL", name="replan_has_reason"),
    )


# -- offtake and long-term supply agreements (issue #11) ----------------------------------------------
class OfftakeAgreement(Base):
    """A long-term supply (offtake) agreement: who buys how much a year of what, from whom, until when.

    The seller is a company, a project or both; the source country (the project's, else the seller's)
    is what the offtake concentration indicators count."""

    __tablename__ = "offtake_agreement"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    commodity_code: Mapped[str] = mapped_column(ForeignKey("commodity.code"))
    product: Mapped[str | None] = mapped_column(Text)
    annual_quantity: Mapped[Decimal] = mapped_column(Numeric)
    quantity_unit: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    annual_quantity_t: Mapped[Decimal] = mapped_column(Numeric)
    """The annual quantity in tonnes (the unit's base), what the indicators add up."""
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    pricing_basis: Mapped[str] = mapped_column(ForeignKey("pricing_basis.code"))
    pricing_note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    """Bumped by every change; a replacement names the version it read (409 when stale)."""
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(CODE_CHECK, name="code_format"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("num_nonnulls(seller_id, project_id) >= 1", name="has_seller"),
        CheckConstraint("seller_id IS NULL OR seller_id <> buyer_id", name="two_parties"),
        CheckConstraint("annual_quantity > 0 AND annual_quantity_t > 0", name="quantity_positive"),
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="period"),
        Index("ix_offtake_agreement_commodity", "commodity_code", "start_on"),
    )
