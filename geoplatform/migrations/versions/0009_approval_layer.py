"""The approvals layer: projects with the worst timetable state of their approval items.

A timetable state depends on today's date, the working-day calendar and the project's pauses, and
it is computed by one piece of code (``geoplatform.approvals.timetable``). So the layer is a table
derived from it, not a view: ``approval_layer`` holds one row per project that has approval items,
and ``approval_layer_state`` the data version and the day it was built for. The services rebuild
it (``geoplatform.approvals.standing``) before they read it when either has moved on; a rebuild
for a new day bumps the data version itself, so that counts and tiles cached yesterday are not
served today.

The holiday calendar now bumps the data version too: a new year of holidays moves deadlines.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:40:00
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "timetable_state",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deprecated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_timetable_state")),
    )
    op.create_table(
        "approval_layer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_lang", sa.String(length=8), nullable=True),
        sa.Column("name_zh", sa.Text(), nullable=True),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("green_channel", sa.Boolean(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("subdivision_code", sa.String(length=12), nullable=True),
        sa.Column("timetable", sa.String(length=40), nullable=False),
        sa.Column("timetable_days", sa.Integer(), nullable=True),
        sa.Column("worst_kind", sa.String(length=40), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("open_items", sa.Integer(), nullable=False),
        sa.Column("overdue_items", sa.Integer(), nullable=False),
        sa.Column("due_soon_items", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("next_due_kind", sa.String(length=40), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("status_as_of", sa.Date(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT", srid=4326, spatial_index=False, from_text="ST_GeomFromEWKT", name="geometry"
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["id"], ["project.id"], name=op.f("fk_approval_layer_id_project"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["timetable"], ["timetable_state.code"], name=op.f("fk_approval_layer_timetable_timetable_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_layer")),
        sa.UniqueConstraint("code", name=op.f("uq_approval_layer_code")),
    )
    op.create_index("ix_approval_layer_geom", "approval_layer", ["geom"], unique=False, postgresql_using="gist")
    op.create_index("ix_approval_layer_timetable", "approval_layer", ["timetable"], unique=False)
    op.create_table(
        "approval_layer_state",
        sa.Column("id", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("built_on", sa.Date(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_approval_layer_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_layer_state")),
    )
    op.execute(
        "CREATE TRIGGER trg_holiday_calendar_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        "ON holiday_calendar FOR EACH STATEMENT EXECUTE FUNCTION gp_bump_data_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_holiday_calendar_data_version ON holiday_calendar")
    op.drop_table("approval_layer_state")
    op.drop_index("ix_approval_layer_timetable", table_name="approval_layer")
    op.drop_index("ix_approval_layer_geom", table_name="approval_layer", postgresql_using="gist")
    op.drop_table("approval_layer")
    op.drop_table("timetable_state")
