"""Supply security: indicator series with their versions, warning rules as versioned data, evaluations.

``indicator`` is a codelist (measured and derived indicators); ``indicator_value`` keeps every version
of a value (a revision supersedes, never overwrites); ``warning_rule`` rows are thresholds with an
effective date, withdrawn rather than deleted; ``warning_level`` is the history of levels per series
with the rule and value behind each, ``warning_composite`` the composite level per commodity and
evaluation. Units gain prices (CNY, USD), ratios, days, years and the HHI; imports gain the
``indicators`` target.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:55:37.273993
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_unit_quantity"), "unit", type_="check")
    op.create_check_constraint(
        op.f("ck_unit_quantity"),
        "unit",
        "quantity IN ('mass', 'grade', 'concentration', 'capacity', 'price_cny', 'price_usd', 'ratio', 'days', "
        "'years', 'index')",
    )
    op.drop_constraint(op.f("ck_import_batch_target"), "import_batch", type_="check")
    op.create_check_constraint(
        op.f("ck_import_batch_target"),
        "import_batch",
        "target IN ('deposits', 'projects', 'resources', 'approvals', 'indicators')",
    )
    op.create_table(
        "indicator",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "quantities",
            postgresql.ARRAY(sa.String(length=16)),
            nullable=False,
            comment="unit quantities a value may be given in",
        ),
        sa.Column("derived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicator")),
    )
    op.create_table(
        "warning_evaluation",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("values_evaluated", sa.Integer(), nullable=False),
        sa.Column("levels", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_evaluation")),
    )
    op.create_table(
        "indicator_value",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("scope_kind", sa.String(length=10), nullable=False),
        sa.Column("scope_code", sa.String(length=60), server_default="", nullable=False),
        sa.Column("period_kind", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("value_base", sa.Double(), nullable=False),
        sa.Column("base_unit", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(scope_kind = 'world') = (scope_code = '')", name=op.f("ck_indicator_value_world_has_no_code")
        ),
        sa.CheckConstraint("period_kind IN ('month', 'quarter', 'year')", name=op.f("ck_indicator_value_period_kind")),
        sa.CheckConstraint(
            "scope_kind IN ('world', 'country', 'province', 'company', 'project')",
            name=op.f("ck_indicator_value_scope_kind"),
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_indicator_value_period_order")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_indicator_value_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_indicator_value_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(["indicator"], ["indicator.code"], name=op.f("fk_indicator_value_indicator_indicator")),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["import_batch.id"], name=op.f("fk_indicator_value_superseded_by_import_batch")
        ),
        sa.ForeignKeyConstraint(["unit"], ["unit.code"], name=op.f("fk_indicator_value_unit_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
    )
    op.create_index(op.f("ix_indicator_value_batch_id"), "indicator_value", ["batch_id"], unique=False)
    op.create_index(op.f("ix_indicator_value_superseded_by"), "indicator_value", ["superseded_by"], unique=False)
    op.create_index(
        "ix_indicator_value_commodity",
        "indicator_value",
        ["commodity_code", "illustrative"],
        unique=False,
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_index(
        "uq_indicator_value_current",
        "indicator_value",
        ["indicator", "commodity_code", "scope_kind", "scope_code", "period_kind", "period_start"],
        unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_table(
        "derived_value",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("scope_kind", sa.String(length=10), nullable=False),
        sa.Column("scope_code", sa.String(length=60), nullable=False),
        sa.Column("period_kind", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("base_unit", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derived_value")),
    )
    op.create_index(op.f("ix_derived_value_evaluation_id"), "derived_value", ["evaluation_id"], unique=False)
    op.create_index(
        "ix_derived_value_series",
        "derived_value",
        ["commodity_code", "indicator", "scope_kind", "scope_code", "period_start"],
        unique=False,
    )
    op.create_table(
        "warning_composite",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("reason", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("level IN ('normal', 'blue', 'yellow', 'red')", name=op.f("ck_warning_composite_level")),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_warning_composite_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["warning_evaluation.id"],
            name=op.f("fk_warning_composite_evaluation_id_warning_evaluation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "commodity_code", name=op.f("pk_warning_composite")),
    )
    op.create_table(
        "warning_rule",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("scope_kind", sa.String(length=10), nullable=True),
        sa.Column("scope_code", sa.String(length=60), nullable=True),
        sa.Column("direction", sa.String(length=7), nullable=False),
        sa.Column("blue", sa.Double(), nullable=False),
        sa.Column("yellow", sa.Double(), nullable=False),
        sa.Column("red", sa.Double(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(direction = 'rising' AND blue <= yellow AND yellow <= red) "
            "OR (direction = 'falling' AND blue >= yellow AND yellow >= red)",
            name=op.f("ck_warning_rule_thresholds_in_order"),
        ),
        sa.CheckConstraint("direction IN ('rising', 'falling')", name=op.f("ck_warning_rule_direction")),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_warning_rule_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(["indicator"], ["indicator.code"], name=op.f("fk_warning_rule_indicator_indicator")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_rule")),
    )
    op.create_index(
        "ix_warning_rule_indicator_commodity",
        "warning_rule",
        ["indicator", "commodity_code", "effective_from"],
        unique=False,
    )
    op.create_table(
        "warning_level",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("scope_kind", sa.String(length=10), nullable=False),
        sa.Column("scope_code", sa.String(length=60), nullable=False),
        sa.Column("period_kind", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("previous_level", sa.String(length=6), nullable=True),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.CheckConstraint("level IN ('normal', 'blue', 'yellow', 'red')", name=op.f("ck_warning_level_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_level")),
    )
    op.create_index(op.f("ix_warning_level_evaluation_id"), "warning_level", ["evaluation_id"], unique=False)
    op.create_index(
        "ix_warning_level_series",
        "warning_level",
        ["commodity_code", "indicator", "scope_kind", "scope_code", "period_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("derived_value")
    op.drop_index("ix_warning_level_series", table_name="warning_level")
    op.drop_index(op.f("ix_warning_level_evaluation_id"), table_name="warning_level")
    op.drop_table("warning_level")
    op.drop_index("ix_warning_rule_indicator_commodity", table_name="warning_rule")
    op.drop_table("warning_rule")
    op.drop_table("warning_composite")
    op.drop_index(
        "uq_indicator_value_current", table_name="indicator_value", postgresql_where=sa.text("superseded_at IS NULL")
    )
    op.drop_index(op.f("ix_indicator_value_superseded_by"), table_name="indicator_value")
    op.drop_index(op.f("ix_indicator_value_batch_id"), table_name="indicator_value")
    op.drop_table("indicator_value")
    op.drop_table("warning_evaluation")
    op.drop_table("indicator")
    op.execute("DELETE FROM import_batch WHERE target = 'indicators'")
    op.execute("DELETE FROM unit WHERE quantity NOT IN ('mass', 'grade', 'concentration', 'capacity')")
    op.drop_constraint(op.f("ck_unit_quantity"), "unit", type_="check")
    op.create_check_constraint(
        op.f("ck_unit_quantity"), "unit", "quantity IN ('mass', 'grade', 'concentration', 'capacity')"
    )
    op.drop_constraint(op.f("ck_import_batch_target"), "import_batch", type_="check")
    op.create_check_constraint(
        op.f("ck_import_batch_target"), "import_batch", "target IN ('deposits', 'projects', 'resources', 'approvals')"
    )
