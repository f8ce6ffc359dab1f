"""temperatures: daily mean outdoor temperature per grid area (issue 17, part 6)

Revision ID: 0011_temperatures
Revises: 0010_api_tokens
Create Date: 2026-12-05 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_temperatures"
down_revision: str | None = "0010_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Filled by the job that feeds temperatures (domain.reporting.upsert_daily_temperatures);
    # until then series show no temperatures and no heating degree days.
    op.create_table(
        "daily_temperatures",
        sa.Column("grid_operator_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("mean_tenths_c", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["grid_operator_id"], ["grid_operators.id"]),
        sa.PrimaryKeyConstraint("grid_operator_id", "local_date"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("daily_temperatures")
