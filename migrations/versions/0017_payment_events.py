"""payment events: the cursor of the payments told of as live events (issue 16)

Revision ID: 0017_payment_events
Revises: 0016_notifications
Create Date: 2026-12-05 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_payment_events"
down_revision: str | None = "0016_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_event_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_payment_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("payment_event_cursor")
