"""messaging: newsletter subscriptions; confirmation of contact email addresses

Revision ID: 0003_messaging
Revises: 0002_accounts
Create Date: 2026-11-22 12:27:38.356262
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base  # noqa: F401


revision: str = "0003_messaging"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "newsletter_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column(
            "language",
            sa.Enum("FI", "SV", "EN", name="language", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING", "ACTIVE", "UNSUBSCRIBED", name="subscriptionstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("created_at", domain.base.UTCDateTime(), nullable=False),
        sa.Column("confirmation_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("confirmation_sent_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("unsubscribed_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("unsubscribe_nonce", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("confirmation_token_hash"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("email_addresses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("primary_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("confirmation_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmation_sent_at", domain.base.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(
            "email_addresses_confirmation_token_hash_key", ["confirmation_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("email_addresses", schema=None) as batch_op:
        batch_op.drop_constraint("email_addresses_confirmation_token_hash_key", type_="unique")
        batch_op.drop_column("confirmation_sent_at")
        batch_op.drop_column("confirmation_token_hash")
        batch_op.drop_column("primary_pending")
    op.drop_table("newsletter_subscriptions")
