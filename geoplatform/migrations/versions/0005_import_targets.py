"""Import targets beyond deposits: projects, resource estimates and approval steps.

Projects and estimates point at the batch that last wrote them (as deposits do), so a batch can be
undone; ``import_change.code`` becomes text because the keys of estimates and approval items are
composite (``deposit|commodity|category|method|as_of``, ``project|kind``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("project", "resource_estimate")


def upgrade() -> None:
    op.drop_constraint(op.f("ck_import_batch_target"), "import_batch", type_="check")
    op.create_check_constraint(
        op.f("ck_import_batch_target"), "import_batch", "target IN ('deposits', 'projects', 'resources', 'approvals')"
    )
    op.alter_column("import_change", "code", type_=sa.Text(), existing_type=sa.String(40), existing_nullable=False)
    for table in TABLES:
        op.add_column(table, sa.Column("batch_id", sa.Integer(), nullable=True))
        op.create_index(op.f(f"ix_{table}_batch_id"), table, ["batch_id"], unique=False)
        op.create_foreign_key(op.f(f"fk_{table}_batch_id_import_batch"), table, "import_batch", ["batch_id"], ["id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_constraint(op.f(f"fk_{table}_batch_id_import_batch"), table, type_="foreignkey")
        op.drop_index(op.f(f"ix_{table}_batch_id"), table_name=table)
        op.drop_column(table, "batch_id")
    op.execute("DELETE FROM import_change WHERE length(code) > 40")
    op.alter_column("import_change", "code", type_=sa.String(40), existing_type=sa.Text(), existing_nullable=False)
    op.execute("DELETE FROM import_change c USING import_batch b WHERE b.id = c.batch_id AND b.target <> 'deposits'")
    op.execute("DELETE FROM import_batch WHERE target <> 'deposits'")
    op.drop_constraint(op.f("ck_import_batch_target"), "import_batch", type_="check")
    op.create_check_constraint(op.f("ck_import_batch_target"), "import_batch", "target IN ('deposits')")
