"""Users and the access they are given: the types that customers, grants and sign-in share."""

from __future__ import annotations

import strawberry

from domain import users as domain_users
from resolvers.ids import to_global_id
from schema.common import Node
from schema.enums import AccessLevel, Language, Section, UserRole


@strawberry.type(description="A login account.")
class User(Node):
    username: str = strawberry.field(description="Username (unique, case-insensitively).")
    name: str | None = strawberry.field(
        description="The person's name as strong identification gave it; null when not known."
    )
    email: str = strawberry.field(description="Email address of the account.")
    role: UserRole = strawberry.field(description="Customer-side user or customer-service staff.")
    language: Language = strawberry.field(
        description="The user's language: emails, documents and the service's messages are in it."
    )
    strong_identity_linked: bool = strawberry.field(
        description="Whether the account is linked to a strong (bank / mobile certificate) identity."
    )

    @classmethod
    def from_row(cls, row: domain_users.User) -> User:
        return cls(
            id=strawberry.ID(to_global_id("User", row.id or 0)),
            username=row.username,
            name=row.name,
            email=row.email,
            role=row.role,
            language=row.language,
            strong_identity_linked=row.strong_identity is not None,
        )


@strawberry.type(description="An access level on one section.")
class SectionAccess:
    section: Section = strawberry.field(description="The section.")
    level: AccessLevel = strawberry.field(description="The level on it.")
