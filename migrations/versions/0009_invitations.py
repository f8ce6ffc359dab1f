"""invitations: one-time links that let a person without a user accept an access grant (issue 15)

Revision ID: 0009_invitations
Revises: 0008_user_names
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base

revision: str = "0009_invitations"
down_revision: str | None = "0008_user_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", domain.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", domain.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("invalidated_at", domain.base.UTCDateTime(), nullable=True),
        sa.Column("accepted_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["accepted_by_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["grant_id"], ["access_grants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_invitations_grant_id", "invitations", ["grant_id"])


def downgrade() -> None:
    op.drop_index("ix_invitations_grant_id", table_name="invitations")
    op.drop_table("invitations")
