"""credit notes: a credited invoice has a credit note of its own (issue 16, part 2)

Revision ID: 0014_credit_notes
Revises: 0011_temperatures
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import domain.base  # noqa: F401


revision: str = "0014_credit_notes"
down_revision: str | None = "0011_temperatures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_number", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("total", domain.base.ExactDecimal(12, 2), nullable=False),
        sa.Column("vat_amount", domain.base.ExactDecimal(12, 2), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_note_number"),
        sa.UniqueConstraint("invoice_id"),
    )


def downgrade() -> None:
    op.drop_table("credit_notes")
