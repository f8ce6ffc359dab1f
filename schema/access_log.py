"""The owner's access log: who read or changed what of a customer, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

from domain import access_log as domain
from resolvers import access_log as resolvers
from schema.enums import Section
from schema.pages import PageInfo

ActorRole = strawberry.enum(
    domain.ActorRole,
    description="In what capacity someone read or changed the customer's data: an owner, a person "
    "given access, a housing manager, customer service, or a program with an API token.",
)


@strawberry.type(description="One line of a customer's access log.")
class AccessLogEntry:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the entry.")
    occurred_at: datetime = strawberry.field(description="When (for a read: the first read that day).")
    actor_name: str = strawberry.field(description="Who: the user, or customer service.")
    actor_role: ActorRole = strawberry.field(description="In what capacity.")
    section: Section | None = strawberry.field(
        description="The section read or changed; null for changes outside the sections "
        "(grants, attachments)."
    )
    action: str = strawberry.field(
        description="`READ` (recorded once per person, section and day), or the change made, such as "
        "`message.sent`, `contact_information.updated`, `access_grant.granted`, `housing_manager.attached`."
    )
    summary: str = strawberry.field(description="The entry in words, in the request's language.")

    @classmethod
    def of(cls, entry: resolvers.Entry) -> AccessLogEntry:
        return cls(
            id=strawberry.ID(entry.id),
            occurred_at=entry.occurred_at,
            actor_name=entry.actor_name,
            actor_role=entry.actor_role,
            section=entry.section,  # type: ignore[arg-type]
            action=entry.action,
            summary=entry.summary,
        )


@strawberry.type(description="An entry in the access log.")
class AccessLogEdge:
    cursor: str = strawberry.field(description="Position of this entry in the log.")
    node: AccessLogEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of the access log, newest first.")
class AccessLogConnection:
    total_count: int = strawberry.field(description="Entries matching `from` and `to`, on all pages.")
    edges: list[AccessLogEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def of(cls, page: resolvers.LogPage) -> AccessLogConnection:
        return cls(
            total_count=page.total_count,
            edges=[AccessLogEdge(cursor=c, node=AccessLogEntry.of(e)) for c, e in page.rows],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


class AccessReadLog(SchemaExtension):
    """Records the sections an operation read on someone else's behalf, once it has run."""

    async def on_execute(self) -> Any:
        yield
        context = self.execution_context.context
        if getattr(context, "reads", None):
            await resolvers.flush_reads(context)
