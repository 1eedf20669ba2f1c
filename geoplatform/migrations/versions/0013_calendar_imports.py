"""The holiday calendar is extended by admins, and calendar-day limits follow 民法典 art. 203.

``calendar_import`` records every year an admin loaded from the State Council's notice (who, when,
the file's hash), so that the shipped calendar does not overwrite it. Calendar-day deadlines
already stored whose last day is a rest day move to the next working day (the rule the code now
applies, see ``geoplatform.approvals.calendar``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEXT_WORKING_DAY = """
WITH moved AS (
    SELECT i.id, (
        SELECT d::date
        FROM generate_series(i.statutory_due_on, i.statutory_due_on + 40, interval '1 day') AS d
        WHERE EXISTS (SELECT 1 FROM holiday_calendar h WHERE h.day = d::date AND h.kind = 'workday')
           OR (extract(isodow FROM d) < 6
               AND NOT EXISTS (SELECT 1 FROM holiday_calendar h WHERE h.day = d::date AND h.kind = 'holiday'))
        ORDER BY d
        LIMIT 1
    ) AS day
    FROM approval_item AS i
    JOIN approval_kind AS k ON k.code = i.kind
    WHERE k.day_kind = 'calendar' AND k.statutory_days > 0 AND i.statutory_due_on IS NOT NULL
)
UPDATE approval_item AS i
SET statutory_due_on = moved.day,
    target_on = CASE WHEN i.target_reason = 'statutory' THEN moved.day ELSE i.target_on END
FROM moved
WHERE moved.id = i.id AND moved.day <> i.statutory_due_on
"""


def upgrade() -> None:
    op.create_table(
        "calendar_import",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("years", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_import")),
    )
    op.execute(NEXT_WORKING_DAY)


def downgrade() -> None:
    op.drop_table("calendar_import")
