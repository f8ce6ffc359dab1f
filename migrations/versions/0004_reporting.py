"""reporting: daily and hourly consumption rollups, filled from the readings already stored

Revision ID: 0004_reporting
Revises: 0003_messaging
Create Date: 2026-11-22 12:53:36.420829
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base  # noqa: F401


revision: str = "0004_reporting"
down_revision: str | None = "0003_messaging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_consumption",
        sa.Column("location_of_use_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("interval_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("measured", sa.Integer(), nullable=False),
        sa.Column("estimated", sa.Integer(), nullable=False),
        sa.Column("metered_minutes", sa.Integer(), nullable=False),
        sa.Column("wh", sa.BigInteger(), nullable=False),
        sa.Column("wh_day", sa.BigInteger(), nullable=False),
        sa.Column("spot_units", sa.BigInteger(), nullable=False),
        sa.Column("unpriced_readings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_of_use_id"],
            ["locations_of_use.id"],
        ),
        sa.PrimaryKeyConstraint("location_of_use_id", "local_date"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hourly_consumption",
        sa.Column("location_of_use_id", sa.Integer(), nullable=False),
        sa.Column("hour_ts", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("measured", sa.Integer(), nullable=False),
        sa.Column("estimated", sa.Integer(), nullable=False),
        sa.Column("min_quality", sa.SmallInteger(), nullable=False),
        sa.Column("wh", sa.Integer(), nullable=False),
        sa.Column("spot_units", sa.BigInteger(), nullable=False),
        sa.Column("unpriced_readings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_of_use_id"],
            ["locations_of_use.id"],
        ),
        sa.PrimaryKeyConstraint("location_of_use_id", "hour_ts"),
        sqlite_with_rowid=False,
    )
    # Databases that already hold readings get their rollup now (new ones get it when
    # the readings are written).
    from domain.reporting import refresh_daily_consumption_sync

    refresh_daily_consumption_sync(op.get_bind())


def downgrade() -> None:
    op.drop_table("hourly_consumption")
    op.drop_table("daily_consumption")
