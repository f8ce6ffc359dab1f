"""What a contract shows by the cutover, its status, and prices as shown (SPEC 5)."""

from datetime import date
from decimal import Decimal

import pytest

from domain.base import DetailLevel
from domain.contracts import (
    ContractStatus,
    PriceComponent,
    PriceKind,
    PriceUnit,
    contract_status,
    contract_view,
    shown_prices,
)
from domain.payments import VAT_PERIODS

CUTOVER = date(2019, 10, 1)


def test_signed_on_or_after_the_cutover_is_full() -> None:
    view = contract_view(date(2019, 10, 1), None, CUTOVER)
    assert view.detail_level is DetailLevel.FULL
    assert view.shows_prices and view.shows_confirmation and view.shows_profile and view.shows_invoicing


def test_signed_before_but_valid_after_the_cutover_is_basic_with_prices() -> None:
    view = contract_view(date(2019, 5, 15), date(2021, 6, 30), CUTOVER)
    assert view.detail_level is DetailLevel.BASIC
    assert view.shows_prices
    assert not (view.shows_confirmation or view.shows_profile or view.shows_invoicing)
    assert contract_view(date(2019, 5, 15), None, CUTOVER).shows_prices
    assert contract_view(date(2019, 5, 15), date(2019, 10, 1), CUTOVER).shows_prices


def test_ended_before_the_cutover_is_basic_without_prices() -> None:
    view = contract_view(date(2017, 2, 10), date(2019, 6, 30), CUTOVER)
    assert view.detail_level is DetailLevel.BASIC
    assert not view.shows_prices
    assert not contract_view(date(2017, 2, 10), date(2019, 9, 30), CUTOVER).shows_prices


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "today", "expected"),
    [
        (date(2024, 7, 1), None, date(2024, 6, 30), ContractStatus.UPCOMING),
        (date(2024, 7, 1), None, date(2024, 7, 1), ContractStatus.ACTIVE),
        (date(2021, 7, 1), date(2024, 6, 30), date(2024, 6, 30), ContractStatus.ACTIVE),
        (date(2021, 7, 1), date(2024, 6, 30), date(2024, 7, 1), ContractStatus.ENDED),
    ],
)
def test_status_by_date(valid_from, valid_until, today, expected) -> None:
    assert contract_status(valid_from, valid_until, today) is expected


def _component(kind, amount, unit, start, end=None) -> PriceComponent:
    return PriceComponent(
        contract_id=1,
        kind=kind,
        amount_excl_vat=Decimal(amount),
        unit=unit,
        valid_from=start,
        valid_until=end,
    )


def test_consumer_prices_include_vat_and_split_at_vat_changes() -> None:
    energy = _component(
        PriceKind.ENERGY, "8.00", PriceUnit.CENTS_PER_KWH, date(2022, 6, 1), date(2023, 6, 30)
    )
    shown = shown_prices([energy], include_vat=True, vat_periods=VAT_PERIODS)
    assert [(p.valid_from, p.valid_until, p.amount) for p in shown] == [
        (date(2022, 6, 1), date(2022, 11, 30), Decimal("9.920")),
        (date(2022, 12, 1), date(2023, 4, 30), Decimal("8.800")),
        (date(2023, 5, 1), date(2023, 6, 30), Decimal("9.920")),
    ]
    assert all(p.vat_included for p in shown)


def test_open_ended_component_runs_to_the_current_vat_rate() -> None:
    fee = _component(PriceKind.BASIC_FEE, "3.99", PriceUnit.EUR_PER_MONTH, date(2024, 7, 1))
    shown = shown_prices([fee], include_vat=True, vat_periods=VAT_PERIODS)
    assert [(p.valid_from, p.valid_until, p.amount) for p in shown] == [
        (date(2024, 7, 1), date(2024, 8, 31), Decimal("4.95")),
        (date(2024, 9, 1), None, Decimal("5.01")),
    ]


def test_organisations_see_prices_without_vat() -> None:
    fee = _component(PriceKind.BASIC_FEE, "3.99", PriceUnit.EUR_PER_MONTH, date(2024, 7, 1))
    [p] = shown_prices([fee], include_vat=False, vat_periods=VAT_PERIODS)
    assert (p.amount, p.vat_included, p.valid_until) == (Decimal("3.99"), False, None)
