"""api tokens: owners give programs read-only access by a personal API token (issue 15)

Revision ID: 0010_api_tokens
Revises: 0009_invitations
Create Date: 2026-12-05 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base  # noqa: F401


revision: str = "0010_api_tokens"
down_revision: str | None = "0009_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("location_ids", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", domain.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", domain.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_customer", "api_tokens", ["customer_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_tokens_customer", table_name="api_tokens")
    op.drop_table("api_tokens")
