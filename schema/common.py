"""Shared GraphQL types: the Node interface, Money, Address, UserError."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any, get_args

import strawberry

from resolvers.auth import FieldError


@strawberry.interface(description="An object with a global ID; fetch any with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global ID.")


@strawberry.type(description="An amount of money in exact decimals.")
class Money:
    amount: Decimal = strawberry.field(description='Exact decimal amount, e.g. "58.31".')
    currency: str = strawberry.field(description="ISO 4217 currency code; always EUR.")

    @classmethod
    def eur(cls, amount: Decimal) -> Money:
        return cls(amount=amount, currency="EUR")


@strawberry.type(description="A postal address.")
class Address:
    street: str = strawberry.field(description="Street address.")
    postal_code: str = strawberry.field(description="Postal code (5 digits in Finland).")
    city: str = strawberry.field(description="Post office / city.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")


@strawberry.enum(description="Why a mutation did not do what was asked.")
class UserErrorCode(Enum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_INPUT = "INVALID_INPUT"
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    RATE_LIMITED = "RATE_LIMITED"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    PASSWORD_TOO_COMMON = "PASSWORD_TOO_COMMON"
    PASSWORD_SAME_AS_USERNAME_OR_EMAIL = "PASSWORD_SAME_AS_USERNAME_OR_EMAIL"
    WRONG_PASSWORD = "WRONG_PASSWORD"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    INVALID_USERNAME = "INVALID_USERNAME"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE_NUMBER = "INVALID_PHONE_NUMBER"
    INVALID_POSTAL_CODE = "INVALID_POSTAL_CODE"
    DUPLICATE = "DUPLICATE"
    PRIMARY_REQUIRED = "PRIMARY_REQUIRED"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    TOO_MANY_ATTACHMENTS = "TOO_MANY_ATTACHMENTS"
    ATTACHMENT_TOO_LARGE = "ATTACHMENT_TOO_LARGE"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    THREAD_CLOSED = "THREAD_CLOSED"
    INVALID_TOKEN = "INVALID_TOKEN"
    EXPIRED_TOKEN = "EXPIRED_TOKEN"
    TERMS_NOT_ACCEPTED = "TERMS_NOT_ACCEPTED"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    NO_CUSTOMERSHIP = "NO_CUSTOMERSHIP"


@strawberry.type(description="An expected failure of a mutation, in the request's language.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path of the input field at fault, if any.")
    code: UserErrorCode = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="Human-readable reason.")


def user_errors(errors: list[FieldError]) -> list[UserError]:
    """Resolver field errors as GraphQL ``UserError``s."""
    return [UserError(field=e.field, code=UserErrorCode(e.code), message=e.message) for e in errors]


def lazy_type(annotation: Any) -> Any:
    """The class that ``Annotated["Name", strawberry.lazy("module")]`` stands for, imported
    when first asked: how a type builds an instance of a type whose module imports its own
    (``AccessGrant.customer``, ``MessageThread.customer``), without an import circle."""
    name, reference = get_args(annotation)[:2]
    return reference.resolve_forward_ref(name).resolve_type()
