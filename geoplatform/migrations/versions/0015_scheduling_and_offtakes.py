"""Major-project scheduling and offtake agreements.

Milestones (baseline, plan in force, actual), monthly progress reports and the coordination problems
they raise, with an append-only ``schedule_event`` history (the trigger function of 0002 refuses
updates and deletes, as on ``approval_event``); offtake agreements between a buyer and a seller
company or project. Codelists for milestone kinds, replanning reasons and pricing bases; record edits
may now be of agreements.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:24:08.843733
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


REFUSE = """
CREATE OR REPLACE FUNCTION gp_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', {table}, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
"""0002's function named approval_event in its message; with a second history table it names the table."""


def upgrade() -> None:
    op.execute(REFUSE.format(table="TG_TABLE_NAME"))
    op.create_table(
        "milestone_kind",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_milestone_kind")),
    )
    op.create_table(
        "pricing_basis",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pricing_basis")),
    )
    op.create_table(
        "replan_reason",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_replan_reason")),
    )
    op.create_table(
        "coordination_problem",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("raised_in", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "resolved_on IS NULL OR resolved_on >= raised_in",
            name=op.f("ck_coordination_problem_resolved_after_raised"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_coordination_problem_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_problem")),
    )
    op.create_index(op.f("ix_coordination_problem_project_id"), "coordination_problem", ["project_id"], unique=False)
    op.create_table(
        "offtake_agreement",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("commodity_code", sa.String(length=40), nullable=False),
        sa.Column("product", sa.Text(), nullable=True),
        sa.Column("annual_quantity", sa.Numeric(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=40), nullable=False),
        sa.Column("annual_quantity_t", sa.Numeric(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("pricing_basis", sa.String(length=40), nullable=False),
        sa.Column("pricing_note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_offtake_agreement_version_positive")),
        sa.CheckConstraint("code ~ '^[A-Z0-9][A-Z0-9_-]+$'", name=op.f("ck_offtake_agreement_code_format")),
        sa.CheckConstraint(
            "annual_quantity > 0 AND annual_quantity_t > 0", name=op.f("ck_offtake_agreement_quantity_positive")
        ),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name=op.f("ck_offtake_agreement_period")),
        sa.CheckConstraint("num_nonnulls(seller_id, project_id) >= 1", name=op.f("ck_offtake_agreement_has_seller")),
        sa.CheckConstraint("seller_id IS NULL OR seller_id <> buyer_id", name=op.f("ck_offtake_agreement_two_parties")),
        sa.ForeignKeyConstraint(["buyer_id"], ["company.id"], name=op.f("fk_offtake_agreement_buyer_id_company")),
        sa.ForeignKeyConstraint(
            ["commodity_code"], ["commodity.code"], name=op.f("fk_offtake_agreement_commodity_code_commodity")
        ),
        sa.ForeignKeyConstraint(
            ["pricing_basis"], ["pricing_basis.code"], name=op.f("fk_offtake_agreement_pricing_basis_pricing_basis")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_offtake_agreement_project_id_project")),
        sa.ForeignKeyConstraint(["quantity_unit"], ["unit.code"], name=op.f("fk_offtake_agreement_quantity_unit_unit")),
        sa.ForeignKeyConstraint(["seller_id"], ["company.id"], name=op.f("fk_offtake_agreement_seller_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offtake_agreement")),
        sa.UniqueConstraint("code", name=op.f("uq_offtake_agreement_code")),
    )
    op.create_index(op.f("ix_offtake_agreement_buyer_id"), "offtake_agreement", ["buyer_id"], unique=False)
    op.create_index("ix_offtake_agreement_commodity", "offtake_agreement", ["commodity_code", "start_on"], unique=False)
    op.create_index(op.f("ix_offtake_agreement_project_id"), "offtake_agreement", ["project_id"], unique=False)
    op.create_index(op.f("ix_offtake_agreement_seller_id"), "offtake_agreement", ["seller_id"], unique=False)
    op.create_table(
        "progress_report",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("percent_complete", sa.Numeric(), nullable=False),
        sa.Column("investment_month_cny_10k", sa.Numeric(), nullable=False),
        sa.Column("investment_total_cny_10k", sa.Numeric(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("extract(day FROM month) = 1", name=op.f("ck_progress_report_month_first_day")),
        sa.CheckConstraint(
            "investment_month_cny_10k >= 0 AND investment_total_cny_10k >= investment_month_cny_10k",
            name=op.f("ck_progress_report_investment"),
        ),
        sa.CheckConstraint(
            "percent_complete >= 0 AND percent_complete <= 100", name=op.f("ck_progress_report_percent_range")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_progress_report_version_positive")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_progress_report_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_report")),
    )
    op.create_index(op.f("ix_progress_report_project_id"), "progress_report", ["project_id"], unique=False)
    op.create_index("uq_progress_report_project_month", "progress_report", ["project_id", "month"], unique=True)
    op.create_table(
        "project_milestone",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("actual_on", sa.Date(), nullable=True),
        sa.Column("replans", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("version >= 1 AND replans >= 0", name=op.f("ck_project_milestone_counters")),
        sa.ForeignKeyConstraint(
            ["kind"], ["milestone_kind.code"], name=op.f("fk_project_milestone_kind_milestone_kind")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_project_milestone_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_milestone")),
    )
    op.create_index(op.f("ix_project_milestone_project_id"), "project_milestone", ["project_id"], unique=False)
    op.create_index("uq_project_milestone_project_kind", "project_milestone", ["project_id", "kind"], unique=True)
    op.create_table(
        "schedule_event",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("milestone_kind", sa.String(length=40), nullable=True),
        sa.Column("report_month", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "action <> 'replan' OR reason IS NOT NULL", name=op.f("ck_schedule_event_replan_has_reason")
        ),
        sa.CheckConstraint(
            "action IN ('plan', 'replan', 'actual', 'report', 'revise_report', 'problem', 'resolve')",
            name=op.f("ck_schedule_event_action"),
        ),
        sa.ForeignKeyConstraint(
            ["milestone_kind"], ["milestone_kind.code"], name=op.f("fk_schedule_event_milestone_kind_milestone_kind")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_schedule_event_project_id_project")),
        sa.ForeignKeyConstraint(
            ["reason"], ["replan_reason.code"], name=op.f("fk_schedule_event_reason_replan_reason")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_event")),
    )
    op.create_index(op.f("ix_schedule_event_project_id"), "schedule_event", ["project_id"], unique=False)
    op.execute(
        "CREATE TRIGGER schedule_event_append_only BEFORE UPDATE OR DELETE ON schedule_event "
        "FOR EACH ROW EXECUTE FUNCTION gp_refuse_history_change()"
    )
    op.execute(
        "CREATE TRIGGER schedule_event_no_truncate BEFORE TRUNCATE ON schedule_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION gp_refuse_history_change()"
    )
    op.drop_constraint(op.f("ck_record_edit_layer"), "record_edit", type_="check")
    op.create_check_constraint(
        op.f("ck_record_edit_layer"), "record_edit", "layer IN ('deposits', 'projects', 'agreements')"
    )


def downgrade() -> None:
    op.execute(REFUSE.format(table="'approval_event'"))
    op.execute("DELETE FROM record_edit WHERE layer = 'agreements'")
    op.drop_constraint(op.f("ck_record_edit_layer"), "record_edit", type_="check")
    op.create_check_constraint(op.f("ck_record_edit_layer"), "record_edit", "layer IN ('deposits', 'projects')")
    op.drop_index(op.f("ix_schedule_event_project_id"), table_name="schedule_event")
    op.drop_table("schedule_event")
    op.drop_index("uq_project_milestone_project_kind", table_name="project_milestone")
    op.drop_index(op.f("ix_project_milestone_project_id"), table_name="project_milestone")
    op.drop_table("project_milestone")
    op.drop_index("uq_progress_report_project_month", table_name="progress_report")
    op.drop_index(op.f("ix_progress_report_project_id"), table_name="progress_report")
    op.drop_table("progress_report")
    op.drop_index(op.f("ix_offtake_agreement_seller_id"), table_name="offtake_agreement")
    op.drop_index(op.f("ix_offtake_agreement_project_id"), table_name="offtake_agreement")
    op.drop_index("ix_offtake_agreement_commodity", table_name="offtake_agreement")
    op.drop_index(op.f("ix_offtake_agreement_buyer_id"), table_name="offtake_agreement")
    op.drop_table("offtake_agreement")
    op.drop_index(op.f("ix_coordination_problem_project_id"), table_name="coordination_problem")
    op.drop_table("coordination_problem")
    op.drop_table("replan_reason")
    op.drop_table("pricing_basis")
    op.drop_table("milestone_kind")
