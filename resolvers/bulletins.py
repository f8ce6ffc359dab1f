"""Bulletins shown to signed-in users whose audience matches, in their language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from domain.base import Language, utcnow
from domain.bulletins import Audience, Bulletin, Severity
from domain.customers import Customer, CustomerKind
from resolvers.context import Context
from resolvers.customers import viewer_customers


@dataclass(frozen=True)
class ShownBulletin:
    """A bulletin in one language."""

    id: int
    title: str
    body: str
    severity: Severity
    published_at: datetime


def _audiences(customers: list[Customer], is_staff: bool) -> set[Audience]:
    if is_staff:
        return set(Audience)
    audiences = {Audience.ALL}
    kinds = {c.kind for c in customers}
    if CustomerKind.PERSON in kinds:
        audiences.add(Audience.PERSONS)
    if CustomerKind.ORGANIZATION in kinds:
        audiences.add(Audience.ORGANIZATIONS)
    return audiences


def localise(row: Bulletin, language: Language) -> ShownBulletin:
    """The bulletin in ``language``, falling back to Finnish where no translation exists."""
    title, body = row.title_fi, row.body_fi
    if language is Language.SV and row.title_sv and row.body_sv:
        title, body = row.title_sv, row.body_sv
    elif language is Language.EN and row.title_en and row.body_en:
        title, body = row.title_en, row.body_en
    return ShownBulletin(row.id or 0, title, body, row.severity, row.published_at)


async def bulletins_for_viewer(ctx: Context, language: Language | None) -> list[ShownBulletin]:
    """Bulletins in their publication window for the viewer's audiences, newest first."""
    principal = ctx.require_principal()
    customers = [c for c, _ in await viewer_customers(ctx)]
    audiences = _audiences(customers, principal.is_staff)
    now = utcnow()
    async with ctx.sessions() as db:
        rows = (
            (
                await db.execute(
                    select(Bulletin)
                    .where(
                        Bulletin.published_at <= now,
                        or_(Bulletin.visible_until.is_(None), Bulletin.visible_until > now),
                        Bulletin.audience.in_(sorted(audiences)),
                    )
                    .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
                )
            )
            .scalars()
            .all()
        )
    return [localise(r, language or ctx.language) for r in rows]
