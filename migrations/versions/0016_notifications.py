"""notifications: the SMS outbox and the invoices customers were told of (issue 16)

Revision ID: 0016_notifications
Revises: 0015_user_language
Create Date: 2026-12-05 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base

revision: str = "0016_notifications"
down_revision: str | None = "0015_user_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_number", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=480), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", domain.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", domain.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sms_outbox_pending", "sms_outbox", ["sent_at"])
    op.create_table(
        "invoice_notifications",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", domain.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("invoice_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("invoice_notifications")
    op.drop_index("ix_sms_outbox_pending", table_name="sms_outbox")
    op.drop_table("sms_outbox")
