"""Every table of the domain, imported in one place so that the metadata is complete."""

from sqlmodel import SQLModel

from domain import (
    access_log,
    accounts,
    api_tokens,
    bulletins,
    consumption,
    contact,
    contracts,
    customers,
    invitations,
    invoices,
    messages,
    newsletter,
    notifications,
    payment_events,
    reporting,
    users,
)

metadata = SQLModel.metadata

__all__ = [
    "access_log",
    "accounts",
    "api_tokens",
    "bulletins",
    "consumption",
    "contact",
    "contracts",
    "customers",
    "invitations",
    "invoices",
    "messages",
    "metadata",
    "newsletter",
    "notifications",
    "payment_events",
    "reporting",
    "users",
]
