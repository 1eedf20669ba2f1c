"""Green-channel approvals: approval kinds and statuses, holiday calendar, items, events, pauses.

Generated from geoplatform.models with alembic's autogenerate, then reviewed. Added by hand: the
trigger that makes ``approval_event`` append-only (no UPDATE, no DELETE, not even by the owner of
the table through ordinary statements).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:53:40.850455
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPEND_ONLY = """
CREATE FUNCTION gp_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'approval_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER approval_event_append_only BEFORE UPDATE OR DELETE ON approval_event
  FOR EACH ROW EXECUTE FUNCTION gp_refuse_history_change();
CREATE TRIGGER approval_event_no_truncate BEFORE TRUNCATE ON approval_event
  FOR EACH STATEMENT EXECUTE FUNCTION gp_refuse_history_change();
"""


def upgrade() -> None:
    op.create_table(
        "approval_kind",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("authority_zh", sa.Text(), nullable=False),
        sa.Column("authority_en", sa.Text(), nullable=False),
        sa.Column("authority_level", sa.String(length=12), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("day_kind", sa.String(length=8), nullable=False),
        sa.Column("extension_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("gate", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "authority_level IN ('national', 'provincial', 'municipal', 'county')",
            name=op.f("ck_approval_kind_level"),
        ),
        sa.CheckConstraint("day_kind IN ('working', 'calendar')", name=op.f("ck_approval_kind_day_kind")),
        sa.CheckConstraint(
            "statutory_days >= 0 AND extension_days >= 0", name=op.f("ck_approval_kind_days_non_negative")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_approval_kind")),
    )
    op.create_table(
        "approval_status",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_approval_status")),
    )
    op.create_table(
        "holiday_calendar",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_holiday_calendar_kind")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday_calendar")),
    )
    op.create_table(
        "target_change_reason",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_target_change_reason")),
    )
    op.create_table(
        "approval_template",
        sa.Column("project_type", sa.String(length=40), nullable=False),
        sa.Column("approval_kind", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_kind"],
            ["approval_kind.code"],
            name=op.f("fk_approval_template_approval_kind_approval_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["project_type"],
            ["project_type.code"],
            name=op.f("fk_approval_template_project_type_project_type"),
        ),
        sa.PrimaryKeyConstraint("project_type", "approval_kind", name=op.f("pk_approval_template")),
    )
    op.create_table(
        "approval_item",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), server_default="not_started", nullable=False),
        sa.Column("authority", sa.Text(), nullable=True),
        sa.Column("authority_level", sa.String(length=12), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("document_number", sa.Text(), nullable=True),
        sa.Column("statutory_due_on", sa.Date(), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("target_reason", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(target_on IS NULL) = (target_reason IS NULL)", name=op.f("ck_approval_item_target_has_reason")
        ),
        sa.CheckConstraint(
            "accepted_on IS NULL OR submitted_on IS NULL OR accepted_on >= submitted_on",
            name=op.f("ck_approval_item_accepted_after_submitted"),
        ),
        sa.CheckConstraint(
            "decided_on IS NULL OR submitted_on IS NULL OR decided_on >= submitted_on",
            name=op.f("ck_approval_item_decided_after_submitted"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_approval_item_version_positive")),
        sa.ForeignKeyConstraint(["kind"], ["approval_kind.code"], name=op.f("fk_approval_item_kind_approval_kind")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_approval_item_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status"], ["approval_status.code"], name=op.f("fk_approval_item_status_approval_status")
        ),
        sa.ForeignKeyConstraint(
            ["target_reason"],
            ["target_change_reason.code"],
            name=op.f("fk_approval_item_target_reason_target_change_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_item")),
    )
    op.create_index("ix_approval_item_status", "approval_item", ["status"], unique=False)
    op.create_index("uq_approval_item_project_kind", "approval_item", ["project_id", "kind"], unique=True)
    op.create_table(
        "project_pause",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on", name=op.f("ck_project_pause_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_pause_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_pause")),
    )
    op.create_index(op.f("ix_project_pause_project_id"), "project_pause", ["project_id"], unique=False)
    op.create_index(
        "uq_project_pause_open",
        "project_pause",
        ["project_id"],
        unique=True,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_table(
        "approval_event",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'transition', 'target', 'edit', 'pause', 'resume')",
            name=op.f("ck_approval_event_action"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["approval_item.id"], name=op.f("fk_approval_event_item_id_approval_item")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_approval_event_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_event")),
    )
    op.create_index(op.f("ix_approval_event_item_id"), "approval_event", ["item_id"], unique=False)
    op.create_index(op.f("ix_approval_event_project_id"), "approval_event", ["project_id"], unique=False)
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TABLE approval_event")  # drops its triggers too
    op.execute("DROP FUNCTION gp_refuse_history_change()")
    op.drop_index("uq_project_pause_open", table_name="project_pause", postgresql_where=sa.text("ended_on IS NULL"))
    op.drop_index(op.f("ix_project_pause_project_id"), table_name="project_pause")
    op.drop_table("project_pause")
    op.drop_index("uq_approval_item_project_kind", table_name="approval_item")
    op.drop_index("ix_approval_item_status", table_name="approval_item")
    op.drop_table("approval_item")
    op.drop_table("approval_template")
    op.drop_table("target_change_reason")
    op.drop_table("holiday_calendar")
    op.drop_table("approval_status")
    op.drop_table("approval_kind")
