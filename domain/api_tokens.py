"""Personal API tokens: an owner lets a program (home automation) read chosen sections.

A token belongs to one customer and was created by one of its owners. It grants
``READ`` on the sections in ``permissions`` (never ``READ_WRITE``: programs only read),
optionally only for some of the customer's locations of use (``location_ids``; empty:
all of them), until its last day of access (``valid_until``, Helsinki date) or until it
is revoked. Only the SHA-256 of the secret is stored (``auth.hashing.token_hash``); the
secret itself is shown to the owner once, when the token is created.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from domain.base import UTCDateTime, utcnow

#: The longest name an owner can give a token ("Kodin automaatio").
API_TOKEN_NAME_MAX_LENGTH = 100
#: Tokens a customer may have in use (not revoked, not expired) at once.
MAX_ACTIVE_API_TOKENS = 20


class ApiToken(SQLModel, table=True):
    """A program's read-only access to one customer, by a secret sent as a bearer token.

    ``permissions`` maps a section name to ``READ``, like an access grant's;
    ``location_ids`` lists the locations of use the program may see (empty: all).
    """

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_customer", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    #: The owner who created the token (and whose ownership it depends on).
    created_by_user_id: int = Field(foreign_key="users.id")
    name: str = Field(max_length=API_TOKEN_NAME_MAX_LENGTH)
    #: SHA-256 of the secret, in hex (``auth.hashing.token_hash``).
    token_hash: str = Field(max_length=64, unique=True)
    permissions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    location_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The last day of access (Helsinki time); None: until revoked.
    valid_until: date | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The last request made with the token, written at most once a minute.
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def api_token_in_use(token: Any, today: date) -> bool:
    """Whether ``token`` still opens anything as of ``today`` in Finland: not revoked and
    its last day of access not passed."""
    return token.revoked_at is None and (token.valid_until is None or token.valid_until >= today)
