"""A data version that every write to published tables bumps.

Caches of what the services derive from the data (exact ``numberMatched`` counts, extents, later
vector tiles) are keyed by this number, so they need no expiry time and are never stale: an
import batch, an edit or an undo commits its rows and the new version together.

A statement-level trigger on each published table adds one to the single row of
``data_version``. It runs once per statement, not per row (a COPY of a million rows bumps it
once), and the row lock it takes is held until commit, which orders concurrent writers; the
importer already serialises its batches, so this costs nothing there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "deposit",
    "deposit_commodity",
    "resource_estimate",
    "project",
    "project_commodity",
    "project_deposit",
    "company",
    "ownership_stake",
    "approval_item",
    "approval_event",
    "project_pause",
    "boundary",
)


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_data_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute(
        """
        INSERT INTO data_version DEFAULT VALUES;
        CREATE FUNCTION gp_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
            RETURN NULL;
        END $$;
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION gp_bump_data_version()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version ON {table}")
    op.execute("DROP FUNCTION gp_bump_data_version()")
    op.drop_table("data_version")
