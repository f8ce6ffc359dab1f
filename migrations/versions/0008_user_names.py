"""user names and message sender roles: people are shown by name and capacity (issue 15)

Revision ID: 0008_user_names
Revises: 0007_access_reads
Create Date: 2026-12-05 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = "0008_user_names"
down_revision: str | None = "0007_access_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sender_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sender_role")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("name")
