"""Invoice status, detail level and amount due (SPEC 6)."""

from datetime import date
from decimal import Decimal

import pytest

from domain.base import DetailLevel
from domain.invoices import InvoiceStatus, amount_due, invoice_detail_level, invoice_status

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("paid", "due_on", "credited", "expected"),
    [
        ("0.00", date(2026, 12, 1), False, InvoiceStatus.OPEN),
        ("0.00", date(2026, 11, 22), False, InvoiceStatus.OPEN),
        ("0.00", date(2026, 11, 21), False, InvoiceStatus.OVERDUE),
        ("10.00", date(2026, 12, 1), False, InvoiceStatus.PARTIALLY_PAID),
        ("10.00", date(2026, 11, 1), False, InvoiceStatus.OVERDUE),
        ("58.31", date(2026, 11, 1), False, InvoiceStatus.PAID),
        ("60.00", date(2026, 12, 1), False, InvoiceStatus.PAID),
        ("0.00", date(2026, 11, 1), True, InvoiceStatus.CREDITED),
    ],
)
def test_status(paid, due_on, credited, expected) -> None:
    status = invoice_status(
        total=Decimal("58.31"), paid=Decimal(paid), due_on=due_on, credited=credited, today=TODAY
    )
    assert status is expected


def test_detail_level_by_issue_date() -> None:
    assert invoice_detail_level(date(2020, 3, 31), date(2020, 4, 1)) is DetailLevel.BASIC
    assert invoice_detail_level(date(2020, 4, 1), date(2020, 4, 1)) is DetailLevel.FULL


def test_amount_due() -> None:
    assert amount_due(Decimal("58.31"), Decimal("20.00"), False) == Decimal("38.31")
    assert amount_due(Decimal("58.31"), Decimal("60.00"), False) == Decimal("0.00")
    assert amount_due(Decimal("58.31"), Decimal("0.00"), True) == Decimal("0.00")
