"""Customers, their locations of use, grid operators, and who may see them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.base import Resolution, StrEnum, UTCDateTime, enum_field, utcnow


class CustomerKind(StrEnum):
    """A person (personal identity code) or an organisation (business ID)."""

    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"


class BuildingType(StrEnum):
    """Building type of a location of use."""

    APARTMENT = "APARTMENT"
    TERRACED_HOUSE = "TERRACED_HOUSE"
    DETACHED_HOUSE = "DETACHED_HOUSE"
    SUMMER_COTTAGE = "SUMMER_COTTAGE"
    COMMERCIAL = "COMMERCIAL"
    HOUSING_COMPANY = "HOUSING_COMPANY"


class HeatingType(StrEnum):
    """Main heating of a location of use."""

    DISTRICT_HEATING = "DISTRICT_HEATING"
    ELECTRIC = "ELECTRIC"
    HEAT_PUMP = "HEAT_PUMP"
    GROUND_SOURCE_HEAT_PUMP = "GROUND_SOURCE_HEAT_PUMP"
    OIL = "OIL"
    OTHER = "OTHER"


class Customer(SQLModel, table=True):
    """The party of electricity contracts."""

    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    customer_number: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)
    kind: CustomerKind = enum_field(CustomerKind)
    #: Finnish personal identity code (henkilötunnus) of a person customer.
    personal_identity_code: str | None = Field(default=None, max_length=11, unique=True)
    #: Business ID (Y-tunnus) of an organisation customer.
    business_id: str | None = Field(default=None, max_length=9, unique=True)
    #: Personal identity codes of an organisation's representatives.
    representatives: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Whether the customer's invoices carry an RF creditor reference (ISO 11649).
    uses_rf_reference: bool = False
    postal_street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=5)
    postal_city: str | None = Field(default=None, max_length=100)
    postal_country: str = Field(default="FI", max_length=2)


class CustomerOwner(SQLModel, table=True):
    """A user who owns a customer: READ_WRITE on every section, manages access rights."""

    __tablename__ = "customer_owners"

    customer_id: int = Field(foreign_key="customers.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GrantKind(StrEnum):
    """Who created an access grant: an owner (delegation) or customer service (housing manager)."""

    DELEGATE = "DELEGATE"
    HOUSING_MANAGER = "HOUSING_MANAGER"


class GrantStatus(StrEnum):
    """Lifecycle of an access grant. ``EXPIRED`` is never stored: it is what an active or
    pending grant is once its ``valid_until`` has passed (``grant_status``)."""

    ACTIVE = "ACTIVE"
    PENDING = "PENDING"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


#: The longest note an owner can keep on a grant.
GRANT_NOTE_MAX_LENGTH = 500


class AccessGrant(SQLModel, table=True):
    """Access to chosen sections of a customer, given to another user by email.

    ``permissions`` maps a section name to ``READ`` or ``READ_WRITE``.
    """

    __tablename__ = "access_grants"
    __table_args__ = (
        Index("ix_access_grants_grantee_status", "grantee_user_id", "status"),
        Index("ix_access_grants_customer", "customer_id"),
        Index("ix_access_grants_email", "grantee_email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    kind: GrantKind = enum_field(GrantKind, GrantKind.DELEGATE)
    grantee_email: str = Field(max_length=254)
    grantee_user_id: int | None = Field(default=None, foreign_key="users.id")
    permissions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: GrantStatus = enum_field(GrantStatus, GrantStatus.PENDING)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    granted_by_user_id: int = Field(foreign_key="users.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: The last day of access (Helsinki time); None: until revoked.
    valid_until: date | None = Field(default=None)
    #: The owner's own note ("accountant, tax year 2026").
    note: str | None = Field(default=None, max_length=GRANT_NOTE_MAX_LENGTH)


def grant_status(grant: AccessGrant, today: date) -> GrantStatus:
    """A grant's status as of ``today`` in Finland: an active or pending grant whose last
    day of access has passed is ``EXPIRED`` (and grants nothing, ``auth.access``)."""
    if (
        grant.status is not GrantStatus.REVOKED
        and grant.valid_until is not None
        and grant.valid_until < today
    ):
        return GrantStatus.EXPIRED
    return grant.status


class GridOperator(SQLModel, table=True):
    """The distribution system operator of a location of use (grid transfer is theirs)."""

    __tablename__ = "grid_operators"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    service_url: str = Field(max_length=500)


class LocationOfUse(SQLModel, table=True):
    """A place where electricity is used (käyttöpaikka), with its metering point."""

    __tablename__ = "locations_of_use"
    __table_args__ = (
        UniqueConstraint("metering_point_id"),
        Index("ix_locations_of_use_customer", "customer_id"),
        Index("ix_locations_of_use_peers", "building_type", "heating_type", "floor_area_band"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    #: 18-digit GSRN of the metering point, starting 643.
    metering_point_id: str = Field(max_length=18)
    street: str = Field(max_length=200)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=100)
    country: str = Field(default="FI", max_length=2)
    grid_operator_id: int = Field(foreign_key="grid_operators.id")
    #: How finely the location is metered now.
    metering_resolution: Resolution = enum_field(Resolution, Resolution.HOUR)
    building_type: BuildingType = enum_field(BuildingType)
    heating_type: HeatingType = enum_field(HeatingType)
    floor_area_m2: int | None = None
    #: Floor-area band used to find similar locations (see ``floor_area_band_of``).
    floor_area_band: int | None = None
    residents: int | None = None
    annual_consumption_estimate_kwh: int | None = None


FLOOR_AREA_BANDS: tuple[int, ...] = (0, 40, 60, 80, 100, 130, 160, 200, 300, 500)


def floor_area_band_of(floor_area_m2: int | None) -> int | None:
    """The lower edge of the floor-area band that ``floor_area_m2`` falls in."""
    if floor_area_m2 is None:
        return None
    band = FLOOR_AREA_BANDS[0]
    for edge in FLOOR_AREA_BANDS:
        if floor_area_m2 >= edge:
            band = edge
    return band
