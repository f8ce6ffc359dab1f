"""Who a request acts as."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.base import AccessLevel, Language, Section
from domain.users import UserRole


@dataclass(frozen=True)
class ApiTokenScope:
    """What a program holding a personal API token may read: one customer, some sections
    (``READ`` only), and perhaps only some of its locations of use.

    Read from the token's row on every request (``auth.api_tokens``), so a revoke or an
    end date takes effect on the next one.
    """

    token_id: int
    customer_id: int
    levels: Mapping[Section, AccessLevel] = field(default_factory=dict, hash=False)
    #: The locations of use the program may see; ``None``: all of the customer's.
    location_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a signed-in user (session cookie or bearer access token), or a
    program with a personal API token (``api_token``)."""

    #: The user; for an API token, the owner who created it (for the audit log and the
    #: binding of file URLs), never acted as: every user-level path refuses a token.
    user_id: int
    role: UserRole
    #: The web session (a ``user_sessions`` id, or the token hash in the Redis store);
    #: ``None`` for a bearer access token or an API token.
    session_id: int | str | None = None
    #: Set when a program authenticates with a personal API token (``Bearer ep_…``).
    api_token: ApiTokenScope | None = None
    #: The user's language (``User.language``): what the service says to them is in it;
    #: ``None`` (a program) leaves it to ``Accept-Language``.
    language: Language | None = None
    #: Whether the user chose ``language`` (else it is a default that a request's
    #: ``Accept-Language`` overrides on screen; ``domain.languages``).
    language_chosen: bool = False

    @property
    def is_staff(self) -> bool:
        """Customer-service staff: never sees customer data through customer-facing fields."""
        return self.role is UserRole.CUSTOMER_SERVICE

    @property
    def api_token_id(self) -> int | None:
        """The personal API token the request came with, if any."""
        return None if self.api_token is None else self.api_token.token_id
