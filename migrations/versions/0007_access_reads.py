"""access reads: the owner's access log records each actor's reads once a section and day (issue 15)

Revision ID: 0007_access_reads
Revises: 0006_grant_validity
Create Date: 2026-12-05 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base

revision: str = "0007_access_reads"
down_revision: str | None = "0006_grant_validity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("actor_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_at", domain.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_access_reads_once_a_day",
        "access_reads",
        ["customer_id", "actor_key", "section", "day"],
        unique=True,
    )
    op.create_index("ix_access_reads_customer_at", "access_reads", ["customer_id", "first_at"])


def downgrade() -> None:
    op.drop_index("ix_access_reads_customer_at", table_name="access_reads")
    op.drop_index("ux_access_reads_once_a_day", table_name="access_reads")
    op.drop_table("access_reads")
