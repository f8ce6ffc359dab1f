"""Who a request acts as."""

from __future__ import annotations

from dataclasses import dataclass

from domain.users import UserRole


@dataclass(frozen=True)
class Principal:
    """A signed-in user, as established from a session cookie or bearer token."""

    user_id: int
    role: UserRole
    #: The web session (a ``user_sessions`` id, or the token hash in the Redis store);
    #: ``None`` for a bearer access token.
    session_id: int | str | None = None

    @property
    def is_staff(self) -> bool:
        """Customer-service staff: never sees customer data through customer-facing fields."""
        return self.role is UserRole.CUSTOMER_SERVICE
