"""Bulletins shown to signed-in users whose audience matches, in their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, or_, select

from domain.audit import record_event
from domain.base import Language, utcnow
from domain.bulletins import Audience, Bulletin, Severity
from domain.customers import Customer, CustomerKind
from domain.session import transaction
from resolvers.auth import FieldError, field_error
from resolvers.context import Context
from resolvers.customers import viewer_customers
from resolvers.errors import not_found
from resolvers.messages import require_staff


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
    """Bulletins in their publication window for the viewer's audiences, newest first (for
    people: a program's API token gets ``FORBIDDEN``)."""
    principal = ctx.require_user()
    customers = [c for c, _ in await viewer_customers(ctx)]
    audiences = _audiences(customers, principal.is_staff)
    parameters = {"now": utcnow(), "audiences": sorted(audiences)}
    async with ctx.read_sessions() as db:
        rows = (await db.execute(_SHOWN, parameters)).all()
    return [localise(r, language or ctx.language) for r in rows]


#: Bulletins in their window for some audiences, newest first (built once; Core rows).
_SHOWN = (
    select(Bulletin.__table__)
    .where(
        Bulletin.published_at <= bindparam("now"),
        or_(Bulletin.visible_until.is_(None), Bulletin.visible_until > bindparam("now")),
        Bulletin.audience.in_(bindparam("audiences", expanding=True)),
    )
    .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
)


# --------------------------------------------------------------------------------------
# Publishing (customer service)
# --------------------------------------------------------------------------------------

#: Longest title and body of a bulletin.
MAX_TITLE_LENGTH = 200
MAX_BULLETIN_BODY_LENGTH = 5000


@dataclass(frozen=True)
class BulletinDraft:
    """What customer service writes: Finnish always, Swedish and English where translated."""

    title_fi: str
    body_fi: str
    title_sv: str | None = None
    body_sv: str | None = None
    title_en: str | None = None
    body_en: str | None = None
    severity: Severity = Severity.INFO
    audience: Audience = Audience.ALL
    published_at: datetime | None = None
    visible_until: datetime | None = None


@dataclass
class PublishResult:
    """The published bulletin (in the request's language), or the reasons nothing was published."""

    bulletin: ShownBulletin | None = None
    errors: list[FieldError] = field(default_factory=list)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _draft_errors(ctx: Context, draft: BulletinDraft) -> list[FieldError]:
    errors: list[FieldError] = []
    texts = {
        "titleFi": (draft.title_fi, MAX_TITLE_LENGTH),
        "bodyFi": (draft.body_fi, MAX_BULLETIN_BODY_LENGTH),
        "titleSv": (draft.title_sv, MAX_TITLE_LENGTH),
        "bodySv": (draft.body_sv, MAX_BULLETIN_BODY_LENGTH),
        "titleEn": (draft.title_en, MAX_TITLE_LENGTH),
        "bodyEn": (draft.body_en, MAX_BULLETIN_BODY_LENGTH),
    }
    for name, (value, limit) in texts.items():
        if name.endswith("Fi") and not value:
            errors.append(field_error(ctx.language, [name], "INVALID_INPUT", "input.required"))
        elif value and len(value) > limit:
            errors.append(field_error(ctx.language, [name], "INVALID_INPUT", "input.too_long", max=limit))
    for suffix, (title, body) in {
        "Sv": (draft.title_sv, draft.body_sv),
        "En": (draft.title_en, draft.body_en),
    }.items():
        if bool(title) != bool(body):
            missing = f"body{suffix}" if title else f"title{suffix}"
            errors.append(field_error(ctx.language, [missing], "INVALID_INPUT", "bulletin.translation_pair"))
    for name, value in (("publishedAt", draft.published_at), ("visibleUntil", draft.visible_until)):
        if value is not None and value.tzinfo is None:
            errors.append(FieldError([name], "INVALID_INPUT", "Give the time with an offset."))
    published = draft.published_at or utcnow()
    if not errors and draft.visible_until is not None and draft.visible_until <= published:
        errors.append(field_error(ctx.language, ["visibleUntil"], "INVALID_INPUT", "bulletin.window_order"))
    return errors


async def publish_bulletin(ctx: Context, draft: BulletinDraft) -> PublishResult:
    """Customer service publishes a bulletin (now, or at ``published_at``) for an audience."""
    staff_id = require_staff(ctx)
    draft = BulletinDraft(
        title_fi=_clean(draft.title_fi) or "",
        body_fi=_clean(draft.body_fi) or "",
        title_sv=_clean(draft.title_sv),
        body_sv=_clean(draft.body_sv),
        title_en=_clean(draft.title_en),
        body_en=_clean(draft.body_en),
        severity=draft.severity,
        audience=draft.audience,
        published_at=draft.published_at,
        visible_until=draft.visible_until,
    )
    errors = _draft_errors(ctx, draft)
    if errors:
        return PublishResult(errors=errors)
    async with transaction(ctx.sessions) as db:
        row = Bulletin(
            title_fi=draft.title_fi,
            body_fi=draft.body_fi,
            title_sv=draft.title_sv,
            body_sv=draft.body_sv,
            title_en=draft.title_en,
            body_en=draft.body_en,
            severity=draft.severity,
            audience=draft.audience,
            published_at=draft.published_at or utcnow(),
            visible_until=draft.visible_until,
            created_by_user_id=staff_id,
        )
        db.add(row)
        await db.flush()
        record_event(
            db, "bulletin.published", actor_user_id=staff_id, bulletinId=row.id, audience=row.audience.value
        )
    return PublishResult(bulletin=localise(row, ctx.language))


async def bulletin_for_viewer(ctx: Context, bulletin_id: int) -> ShownBulletin:
    """One bulletin the viewer is shown (``node(id:)``); ``NOT_FOUND`` otherwise."""
    for shown in await bulletins_for_viewer(ctx, None):
        if shown.id == bulletin_id:
            return shown
    raise not_found()
