"""Every edit of a deposit or project leaves a trace: who changed which fields, from what to what.

``PATCH /api/v1/{layer}/{code}`` changed a record and kept nothing of it; imports already keep the
state before each change (``import_change``). ``record_edit`` keeps, per edit, the fields changed
with their values before and after, the account and the time: the record pages show both as the
record's history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_edit",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("layer", sa.String(length=20), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("layer IN ('deposits', 'projects')", name=op.f("ck_record_edit_layer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_edit")),
    )
    op.create_index("ix_record_edit_layer_code", "record_edit", ["layer", "code"])


def downgrade() -> None:
    op.drop_index("ix_record_edit_layer_code", table_name="record_edit")
    op.drop_table("record_edit")
