"""Bulletins: short notices to signed-in users."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import bulletins as domain
from resolvers.bulletins import ShownBulletin
from resolvers.ids import to_global_id
from schema.common import Node

Severity = strawberry.enum(domain.Severity, description="How important a bulletin is.")


@strawberry.type(description="A short notice, in the requested language (Finnish when not translated).")
class Bulletin(Node):
    title: str = strawberry.field(description="Title.")
    body: str = strawberry.field(description="Text.")
    severity: Severity = strawberry.field(description="Information or warning.")
    published_at: datetime = strawberry.field(description="When it was published.")

    @classmethod
    def from_shown(cls, b: ShownBulletin) -> Bulletin:
        return cls(
            id=strawberry.ID(to_global_id("Bulletin", b.id)),
            title=b.title,
            body=b.body,
            severity=b.severity,
            published_at=b.published_at,
        )
