"""Contact information and electronic messaging settings of a customer (SPEC 9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from domain.base import Language, StrEnum, UTCDateTime, enum_field, utcnow
from domain.contracts import InvoiceDelivery


class PhoneKind(StrEnum):
    """Kind of phone number."""

    MOBILE = "MOBILE"
    LANDLINE = "LANDLINE"
    WORK = "WORK"


class PhoneNumber(SQLModel, table=True):
    """A phone number of a customer, in E.164."""

    __tablename__ = "phone_numbers"
    __table_args__ = (Index("ix_phone_numbers_customer", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    number: str = Field(max_length=16)
    kind: PhoneKind = enum_field(PhoneKind, PhoneKind.MOBILE)
    primary: bool = False


class EmailAddress(SQLModel, table=True):
    """An email address of a customer; a new one is unverified until its link is followed."""

    __tablename__ = "email_addresses"
    __table_args__ = (Index("ix_email_addresses_customer", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    address: str = Field(max_length=254)
    primary: bool = False
    verified: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessagingSettings(SQLModel, table=True):
    """Electronic messaging settings and consents of a customer."""

    __tablename__ = "messaging_settings"

    customer_id: int = Field(foreign_key="customers.id", primary_key=True)
    invoice_delivery: InvoiceDelivery = enum_field(InvoiceDelivery, InvoiceDelivery.E_INVOICE)
    language: Language = enum_field(Language, Language.FI)
    newsletters: bool = False
    offers: bool = False
    energy_tips: bool = False
    service_notifications_by_email: bool = True
    service_notifications_by_sms: bool = False
