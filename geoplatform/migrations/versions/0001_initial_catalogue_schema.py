"""Initial catalogue schema: codelists, companies, deposits, commodities, resources, projects, users.

Generated from geoplatform.models with alembic's autogenerate, then reviewed; the SQL function
``gp_uscc_valid`` (the GB 32100-2015 check character, mirrored in geoplatform/uscc.py) is added by
hand because the company table's CHECK constraint calls it.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:26:41.095920
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


USCC_FUNCTION = """
CREATE FUNCTION gp_uscc_valid(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH alphabet AS (SELECT '0123456789ABCDEFGHJKLMNPQRTUWXY'::text AS a),
  weights AS (SELECT ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28] AS w)
  SELECT code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'
     AND substr(a, ((31 - (SELECT sum((strpos(a, substr(code, i, 1)) - 1) * w[i])
                           FROM generate_series(1, 17) AS i)::int % 31) % 31) + 1, 1) = substr(code, 18, 1)
  FROM alphabet, weights
$$
"""


def upgrade() -> None:
    op.execute(USCC_FUNCTION)
    op.create_table(
        "admin_region",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("code ~ '^[1-9][0-9]{5}$'", name=op.f("ck_admin_region_gb2260")),
        sa.CheckConstraint("level IN ('province', 'prefecture', 'county')", name=op.f("ck_admin_region_level")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_admin_region")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name=op.f("ck_app_user_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
    )
    op.create_index("uq_app_user_username_lower", "app_user", [sa.text("lower(username)")], unique=True)
    op.create_table(
        "classification_method",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_classification_method")),
    )
    op.create_table(
        "commodity",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("symbol", sa.String(length=12), nullable=True),
        sa.Column("commodity_group", sa.String(length=12), nullable=False),
        sa.Column("strategic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("commodity_group IN ('energy', 'metal', 'nonmetal')", name=op.f("ck_commodity_group")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_commodity")),
    )
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=True),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.CheckConstraint("uscc IS NULL OR gp_uscc_valid(uscc)", name=op.f("ck_company_uscc_check_character")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("key", name=op.f("uq_company_key")),
        sa.UniqueConstraint("uscc", name=op.f("uq_company_uscc")),
    )
    op.create_table(
        "deposit_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_deposit_type")),
    )
    op.create_table(
        "development_status",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_development_status")),
    )
    op.create_table(
        "exploration_stage",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_exploration_stage")),
    )
    op.create_table(
        "project_stage",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_project_stage")),
    )
    op.create_table(
        "project_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_project_type")),
    )
    op.create_table(
        "resource_category",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.CheckConstraint("kind IN ('resource', 'reserve')", name=op.f("ck_resource_category_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_resource_category")),
    )
    op.create_table(
        "size_class",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_size_class")),
    )
    op.create_table(
        "unit",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("quantity", sa.String(length=16), nullable=False),
        sa.Column("to_base", sa.Numeric(), nullable=False),
        sa.CheckConstraint("quantity IN ('mass', 'grade', 'concentration', 'capacity')", name=op.f("ck_unit_quantity")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_unit")),
    )
    op.create_table(
        "deposit",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "footprint",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("deposit_type", sa.String(length=40), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("size_class", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_as_of", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[A-Z0-9][A-Z0-9_-]{1,39}$'", name=op.f("ck_deposit_code_format")),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name=op.f("ck_deposit_geom_valid"),
        ),
        sa.CheckConstraint("footprint IS NULL OR ST_IsValid(footprint)", name=op.f("ck_deposit_footprint_valid")),
        sa.ForeignKeyConstraint(
            ["deposit_type"], ["deposit_type.code"], name=op.f("fk_deposit_deposit_type_deposit_type")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["admin_region.code"], name=op.f("fk_deposit_region_code_admin_region")
        ),
        sa.ForeignKeyConstraint(["size_class"], ["size_class.code"], name=op.f("fk_deposit_size_class_size_class")),
        sa.ForeignKeyConstraint(["stage"], ["exploration_stage.code"], name=op.f("fk_deposit_stage_exploration_stage")),
        sa.ForeignKeyConstraint(
            ["status"], ["development_status.code"], name=op.f("fk_deposit_status_development_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit")),
        sa.UniqueConstraint("code", name=op.f("uq_deposit_code")),
    )
    op.create_index("ix_deposit_geom", "deposit", ["geom"], unique=False, postgresql_using="gist")
    op.create_index("ix_deposit_region_code", "deposit", ["region_code"], unique=False)
    op.create_index("ix_deposit_status", "deposit", ["status"], unique=False)
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("project_type", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("green_channel", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("capacity", sa.Numeric(), nullable=True),
        sa.Column("capacity_unit", sa.String(length=40), nullable=True),
        sa.Column("investment_cny_100m", sa.Numeric(), nullable=True),
        sa.Column("status_as_of", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code ~ '^[A-Z0-9][A-Z0-9_-]{1,39}$'", name=op.f("ck_project_code_format")),
        sa.CheckConstraint("(capacity IS NULL) = (capacity_unit IS NULL)", name=op.f("ck_project_capacity_has_unit")),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90",
            name=op.f("ck_project_geom_valid"),
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_project_capacity_non_negative")),
        sa.CheckConstraint(
            "investment_cny_100m IS NULL OR investment_cny_100m >= 0",
            name=op.f("ck_project_investment_non_negative"),
        ),
        sa.ForeignKeyConstraint(["capacity_unit"], ["unit.code"], name=op.f("fk_project_capacity_unit_unit")),
        sa.ForeignKeyConstraint(["operator_id"], ["company.id"], name=op.f("fk_project_operator_id_company")),
        sa.ForeignKeyConstraint(
            ["project_type"], ["project_type.code"], name=op.f("fk_project_project_type_project_type")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["admin_region.code"], name=op.f("fk_project_region_code_admin_region")
        ),
        sa.ForeignKeyConstraint(["stage"], ["project_stage.code"], name=op.f("fk_project_stage_project_stage")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("code", name=op.f("uq_project_code")),
    )
    op.create_index("ix_project_geom", "project", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_project_operator_id"), "project", ["operator_id"], unique=False)
    op.create_index("ix_project_region_code", "project", ["region_code"], unique=False)
    op.create_index("ix_project_stage", "project", ["stage"], unique=False)
    op.create_table(
        "size_class_threshold",
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("subtype", sa.String(length=40), server_default="", nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("large_min", sa.Numeric(), nullable=False),
        sa.Column("medium_min", sa.Numeric(), nullable=False),
        sa.CheckConstraint("large_min > medium_min AND medium_min > 0", name=op.f("ck_size_class_threshold_ordered")),
        sa.ForeignKeyConstraint(
            ["commodity_code"],
            ["commodity.code"],
            name=op.f("fk_size_class_threshold_commodity_code_commodity"),
        ),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_size_class_threshold_unit_code_unit")),
        sa.PrimaryKeyConstraint("commodity_code", "subtype", name=op.f("pk_size_class_threshold")),
    )
    op.create_table(
        "deposit_commodity",
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.Numeric(), nullable=True),
        sa.Column("grade_unit", sa.String(length=40), nullable=True),
        sa.CheckConstraint("role IN ('primary', 'associated')", name=op.f("ck_deposit_commodity_role")),
        sa.CheckConstraint("(grade IS NULL) = (grade_unit IS NULL)", name=op.f("ck_deposit_commodity_grade_has_unit")),
        sa.CheckConstraint("grade IS NULL OR grade >= 0", name=op.f("ck_deposit_commodity_grade_non_negative")),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_deposit_commodity_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["deposit.id"],
            name=op.f("fk_deposit_commodity_deposit_id_deposit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["grade_unit"], ["unit.code"], name=op.f("fk_deposit_commodity_grade_unit_unit")),
        sa.PrimaryKeyConstraint("deposit_id", "commodity_code", name=op.f("pk_deposit_commodity")),
    )
    op.create_index(
        "ix_deposit_commodity_commodity_code",
        "deposit_commodity",
        ["commodity_code", "deposit_id"],
        unique=False,
    )
    op.create_index(
        "uq_deposit_commodity_one_primary",
        "deposit_commodity",
        ["deposit_id"],
        unique=True,
        postgresql_where=sa.text("role = 'primary'"),
    )
    op.create_table(
        "project_commodity",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_project_commodity_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_commodity_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "commodity_code", name=op.f("pk_project_commodity")),
    )
    op.create_index(
        "ix_project_commodity_commodity_code",
        "project_commodity",
        ["commodity_code", "project_id"],
        unique=False,
    )
    op.create_table(
        "project_deposit",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["deposit.id"],
            name=op.f("fk_project_deposit_deposit_id_deposit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_deposit_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "deposit_id", name=op.f("pk_project_deposit")),
    )
    op.create_index("ix_project_deposit_deposit_id", "project_deposit", ["deposit_id"], unique=False)
    op.create_table(
        "resource_estimate",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("legacy_code", sa.String(length=12), nullable=True),
        sa.Column("ore_tonnage", sa.Numeric(), nullable=True),
        sa.Column("ore_unit", sa.String(length=40), nullable=True),
        sa.Column("contained", sa.Numeric(), nullable=True),
        sa.Column("contained_unit", sa.String(length=40), nullable=True),
        sa.Column("grade", sa.Numeric(), nullable=True),
        sa.Column("grade_unit", sa.String(length=40), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(contained IS NULL) = (contained_unit IS NULL)",
            name=op.f("ck_resource_estimate_contained_has_unit"),
        ),
        sa.CheckConstraint("(grade IS NULL) = (grade_unit IS NULL)", name=op.f("ck_resource_estimate_grade_has_unit")),
        sa.CheckConstraint(
            "(ore_tonnage IS NULL) = (ore_unit IS NULL)", name=op.f("ck_resource_estimate_ore_has_unit")
        ),
        sa.CheckConstraint(
            "contained IS NULL OR contained >= 0", name=op.f("ck_resource_estimate_contained_non_negative")
        ),
        sa.CheckConstraint("grade IS NULL OR grade >= 0", name=op.f("ck_resource_estimate_grade_non_negative")),
        sa.CheckConstraint(
            "ore_tonnage IS NOT NULL OR contained IS NOT NULL", name=op.f("ck_resource_estimate_has_quantity")
        ),
        sa.CheckConstraint(
            "ore_tonnage IS NULL OR ore_tonnage >= 0", name=op.f("ck_resource_estimate_ore_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["category"],
            ["resource_category.code"],
            name=op.f("fk_resource_estimate_category_resource_category"),
        ),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_resource_estimate_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(
            ["contained_unit"], ["unit.code"], name=op.f("fk_resource_estimate_contained_unit_unit")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_id"],
            ["deposit.id"],
            name=op.f("fk_resource_estimate_deposit_id_deposit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["grade_unit"], ["unit.code"], name=op.f("fk_resource_estimate_grade_unit_unit")),
        sa.ForeignKeyConstraint(
            ["method"],
            ["classification_method.code"],
            name=op.f("fk_resource_estimate_method_classification_method"),
        ),
        sa.ForeignKeyConstraint(["ore_unit"], ["unit.code"], name=op.f("fk_resource_estimate_ore_unit_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_estimate")),
    )
    op.create_index(op.f("ix_resource_estimate_deposit_id"), "resource_estimate", ["deposit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_resource_estimate_deposit_id"), table_name="resource_estimate")
    op.drop_table("resource_estimate")
    op.drop_index("ix_project_deposit_deposit_id", table_name="project_deposit")
    op.drop_table("project_deposit")
    op.drop_index("ix_project_commodity_commodity_code", table_name="project_commodity")
    op.drop_table("project_commodity")
    op.drop_index(
        "uq_deposit_commodity_one_primary",
        table_name="deposit_commodity",
        postgresql_where=sa.text("role = 'primary'"),
    )
    op.drop_index("ix_deposit_commodity_commodity_code", table_name="deposit_commodity")
    op.drop_table("deposit_commodity")
    op.drop_table("size_class_threshold")
    op.drop_index("ix_project_stage", table_name="project")
    op.drop_index("ix_project_region_code", table_name="project")
    op.drop_index(op.f("ix_project_operator_id"), table_name="project")
    op.drop_index("ix_project_geom", table_name="project", postgresql_using="gist")
    op.drop_table("project")
    op.drop_index("ix_deposit_status", table_name="deposit")
    op.drop_index("ix_deposit_region_code", table_name="deposit")
    op.drop_index("ix_deposit_geom", table_name="deposit", postgresql_using="gist")
    op.drop_table("deposit")
    op.drop_table("unit")
    op.drop_table("size_class")
    op.drop_table("resource_category")
    op.drop_table("project_type")
    op.drop_table("project_stage")
    op.drop_table("exploration_stage")
    op.drop_table("development_status")
    op.drop_table("deposit_type")
    op.drop_table("company")
    op.drop_table("commodity")
    op.drop_table("classification_method")
    op.drop_table("app_user")
    op.drop_table("admin_region")
    op.execute("DROP FUNCTION gp_uscc_valid(text)")
