"""Contact information and electronic messaging settings of a customer (SPEC 9)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
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
    #: Becomes the primary address when confirmed (the current primary stays until then).
    primary_pending: bool = False
    #: SHA-256 of the token in the confirmation link sent to an unverified address.
    confirmation_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    confirmation_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


#: How long the confirmation link of a new contact email address works.
EMAIL_CONFIRMATION_VALIDITY = timedelta(days=7)
#: At most this many phone numbers and email addresses per customer.
MAX_PHONE_NUMBERS = 10
MAX_EMAIL_ADDRESSES = 10
MAX_STREET_LENGTH = 200
MAX_CITY_LENGTH = 100

_FINNISH_POSTAL_CODE = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class ParsedPhoneNumber:
    """A valid phone number in E.164 and the kind it was given (or found) to be."""

    e164: str
    kind: PhoneKind


def parse_phone_number(
    raw: str, kind: PhoneKind | None = None, region: str = "FI"
) -> ParsedPhoneNumber | None:
    """``raw`` as a valid number in E.164 (national numbers read as Finnish), or ``None``.

    Without a ``kind``, mobile numbers are ``MOBILE`` and others ``LANDLINE``.
    """
    if not raw or len(raw) > 40:
        return None
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > 16:
        return None
    if kind is None:
        mobile = phonenumbers.number_type(number) in {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        }
        kind = PhoneKind.MOBILE if mobile else PhoneKind.LANDLINE
    return ParsedPhoneNumber(e164, kind)


def normalise_email(raw: str) -> str | None:
    """``raw`` as a valid email address in lower case, or ``None`` (no DNS look-up)."""
    if not raw or len(raw) > 254:
        return None
    try:
        address = validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    address = address.lower()
    return address if len(address) <= 254 else None


def valid_finnish_postal_code(code: str) -> bool:
    """A Finnish postal code: exactly five digits."""
    return bool(_FINNISH_POSTAL_CODE.match(code))
