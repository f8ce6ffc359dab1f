"""Who a request acts as."""

from __future__ import annotations

from dataclasses import dataclass

from domain.users import UserRole


@dataclass(frozen=True)
class Principal:
    """A signed-in user, as established from a session cookie or bearer token."""

    user_id: int
    role: UserRole
    session_id: int | None = None

    @property
    def is_staff(self) -> bool:
        """Customer-service staff: never sees customer data through customer-facing fields."""
        return self.role is UserRole.CUSTOMER_SERVICE
