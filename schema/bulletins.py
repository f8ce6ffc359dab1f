"""Bulletins: short notices to signed-in users."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import bulletins as domain
from resolvers import bulletins as resolvers
from resolvers.bulletins import ShownBulletin
from resolvers.ids import to_global_id
from schema.common import Node, UserError, user_errors

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


Audience = strawberry.enum(
    domain.Audience, description="Who a bulletin is for: everyone, person customers or organisations."
)


@strawberry.input(description="A bulletin to publish: Finnish always, Swedish and English where translated.")
class PublishBulletinInput:
    title_fi: str = strawberry.field(description="Title in Finnish.")
    body_fi: str = strawberry.field(description="Text in Finnish.")
    title_sv: str | None = strawberry.field(default=None, description="Title in Swedish (with `bodySv`).")
    body_sv: str | None = strawberry.field(default=None, description="Text in Swedish (with `titleSv`).")
    title_en: str | None = strawberry.field(default=None, description="Title in English (with `bodyEn`).")
    body_en: str | None = strawberry.field(default=None, description="Text in English (with `titleEn`).")
    severity: Severity = strawberry.field(default=domain.Severity.INFO, description="Information or warning.")
    audience: Audience = strawberry.field(default=domain.Audience.ALL, description="Who sees it.")
    published_at: datetime | None = strawberry.field(
        default=None, description="When it is shown from (default: now); may be in the future."
    )
    visible_until: datetime | None = strawberry.field(
        default=None, description="When it stops being shown (default: never)."
    )


@strawberry.type(description="Result of `publishBulletin`.")
class PublishBulletinPayload:
    bulletin: Bulletin | None = strawberry.field(description="The bulletin, in the request's language.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type
class BulletinMutations:
    @strawberry.mutation(description="Customer service: publish a bulletin.")
    async def publish_bulletin(
        self, info: strawberry.Info, input: PublishBulletinInput
    ) -> PublishBulletinPayload:
        result = await resolvers.publish_bulletin(
            info.context,
            resolvers.BulletinDraft(
                title_fi=input.title_fi,
                body_fi=input.body_fi,
                title_sv=input.title_sv,
                body_sv=input.body_sv,
                title_en=input.title_en,
                body_en=input.body_en,
                severity=domain.Severity(input.severity.value),
                audience=domain.Audience(input.audience.value),
                published_at=input.published_at,
                visible_until=input.visible_until,
            ),
        )
        bulletin = None if result.bulletin is None else Bulletin.from_shown(result.bulletin)
        return PublishBulletinPayload(bulletin=bulletin, errors=user_errors(result.errors))
