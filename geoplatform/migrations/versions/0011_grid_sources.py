"""The cluster grid follows its own source rows, not every write to the database.

Until now a layer's grid was stale whenever the global data version moved: an approval step, search
terms written for a deposit, or the approvals layer rebuilt for a new day each threw away the grid
of 1,000,000 deposits (35-45 s to rebuild, tiles clustered from their rows meanwhile: 6 s for the
first z4 tile of the day, measured with bench/bench_map.py). The grid counts points per cell,
primary commodity (or first commodity) and status, so it changes only with a layer's rows, their
position, their status column and their commodities.

``grid_source_version`` keeps one counter per source table, bumped once per statement by triggers
that fire only for those columns (``UPDATE OF``); ``tile_cluster_state.source_version`` records the
counter a grid was built from. The data version keeps keying every cache as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (trigger table, the events that change a grid, the grid source they belong to)
TRIGGERS = (
    ("deposit", "INSERT OR DELETE OR TRUNCATE OR UPDATE OF geom, status", "deposit"),
    ("deposit_commodity", "INSERT OR DELETE OR TRUNCATE OR UPDATE", "deposit"),
    ("project", "INSERT OR DELETE OR TRUNCATE OR UPDATE OF geom, stage", "project"),
    ("project_commodity", "INSERT OR DELETE OR TRUNCATE OR UPDATE", "project"),
    ("approval_layer", "INSERT OR DELETE OR TRUNCATE OR UPDATE", "approval_layer"),
)


def upgrade() -> None:
    op.create_table(
        "grid_source_version",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_grid_source_version")),
    )
    op.add_column("tile_cluster_state", sa.Column("source_version", sa.BigInteger(), nullable=True))
    op.execute(
        """
        CREATE FUNCTION gp_bump_grid_source() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO grid_source_version (source, version) VALUES (TG_ARGV[0], 1)
            ON CONFLICT (source) DO UPDATE SET version = grid_source_version.version + 1;
            RETURN NULL;
        END $$;
        """
    )
    for table, events, source in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER trg_{table}_grid_source AFTER {events} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION gp_bump_grid_source('{source}')"
        )


def downgrade() -> None:
    for table, _events, _source in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_grid_source ON {table}")
    op.execute("DROP FUNCTION gp_bump_grid_source()")
    op.drop_column("tile_cluster_state", "source_version")
    op.drop_table("grid_source_version")
