"""The owner's access log (``domain.access_log``): noting reads, and reading the log.

Reads are noted by the one read guard (``schema.directives.RequiresAccessExtension``)
into the request's context and recorded once the operation has run, in one statement,
once per customer, actor, section and Helsinki day (a process remembers what it has
recorded today, so a delegate's hundredth request of the day writes nothing).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from auth.access import CustomerAccess
from domain.access_log import (
    NOT_IN_OWNER_LOG,
    SECTION_OF_ACTION,
    AccessRead,
    ActorRole,
    Read,
    record_reads,
    role_of,
)
from domain.api_tokens import ApiToken
from domain.base import HELSINKI, Section
from domain.session import transaction
from domain.texts import N_, text
from domain.users import AuditEvent, User, UserRole, display_name
from resolvers.context import Context
from resolvers.errors import bad_input
from resolvers.ids import to_global_id
from resolvers.pagination import page_size

log = logging.getLogger("energy_portal.access_log")

#: (customer, actor, section, day) recorded by this process; cleared when it grows past the bound.
_RECORDED: set[tuple[int, str, str, Any]] = set()
_RECORDED_BOUND = 200_000

#: What a read of each section is called in the log.
_SECTION_TEXTS = {
    Section.CONTRACTS: N_("access_log.section.contracts"),
    Section.INVOICES: N_("access_log.section.invoices"),
    Section.REPORTING: N_("access_log.section.reporting"),
    Section.MESSAGES: N_("access_log.section.messages"),
    Section.MY_INFORMATION: N_("access_log.section.my_information"),
}

#: The words of each audited change in the log (changes not listed show their action).
_CHANGE_TEXTS = {
    "message.sent": N_("access_log.change.message_sent"),
    "message_thread.marked_read": N_("access_log.change.message_thread_marked_read"),
    "message_thread.replied": N_("access_log.change.message_thread_replied"),
    "contact_information.updated": N_("access_log.change.contact_information_updated"),
    "contact_email.confirmed": N_("access_log.change.contact_email_confirmed"),
    "messaging_settings.updated": N_("access_log.change.messaging_settings_updated"),
    "access_grant.granted": N_("access_log.change.access_grant_granted"),
    "access_grant.changed": N_("access_log.change.access_grant_changed"),
    "access_grant.updated": N_("access_log.change.access_grant_updated"),
    "access_grant.revoked": N_("access_log.change.access_grant_revoked"),
    "access_grant.accepted": N_("access_log.change.access_grant_accepted"),
    "housing_manager.attached": N_("access_log.change.housing_manager_attached"),
    "housing_manager.detached": N_("access_log.change.housing_manager_detached"),
    "attachment.downloaded": N_("access_log.change.attachment_downloaded"),
    "api_token.created": N_("access_log.change.api_token_created"),
    "api_token.revoked": N_("access_log.change.api_token_revoked"),
}


# -- recording ------------------------------------------------------------------------


def note_read(ctx: Context, access: CustomerAccess, section: Section) -> None:
    """Remember that this request read ``section`` of the customer (not for the owner)."""
    principal = ctx.principal
    if principal is None or access.is_owner:
        return
    key = (access.customer_id, section)
    if key in ctx.reads:
        return
    token = principal.api_token
    ctx.reads[key] = Read(
        customer_id=access.customer_id,
        # a program reads as its token, not as the owner who made it
        actor_key=f"user:{principal.user_id}" if token is None else f"token:{token.token_id}",
        actor_user_id=principal.user_id if token is None else None,
        role=role_of(access.relationship.value, staff=False),
        section=section,
    )


async def flush_reads(ctx: Context) -> None:
    """Record the reads the request noted; a failure is logged and costs the reader nothing."""
    day = ctx.today
    fresh = [
        r for r in ctx.reads.values() if (r.customer_id, r.actor_key, r.section.value, day) not in _RECORDED
    ]
    ctx.reads.clear()
    if not fresh:
        return
    try:
        async with transaction(ctx.sessions) as db:
            await record_reads(db, fresh, day=day)
    except Exception:
        log.warning("could not record %d reads in the access log", len(fresh), exc_info=True)
        return
    if len(_RECORDED) > _RECORDED_BOUND:
        _RECORDED.clear()
    _RECORDED.update((r.customer_id, r.actor_key, r.section.value, day) for r in fresh)


def forget_recorded_reads() -> None:
    """Forget what this process has recorded (for tests that empty the table)."""
    _RECORDED.clear()


# -- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the log."""

    id: str
    occurred_at: datetime
    actor_name: str
    actor_role: ActorRole
    section: Section | None
    action: str
    summary: str


@dataclass(frozen=True)
class LogPage:
    rows: list[tuple[str, Entry]]
    has_next_page: bool
    total_count: int

    @property
    def end_cursor(self) -> str | None:
        return self.rows[-1][0] if self.rows else None


def _cursor(at: datetime, source: str, pk: int) -> str:
    raw = json.dumps([at.isoformat(), source, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[datetime, str, int] | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > 200:
            raise ValueError
        at, source, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if source not in ("r", "w") or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError):
        raise bad_input("errors.bad_cursor") from None
    return moment, source, pk


def _before(
    at_column: Any, id_column: Any, source: str, cursor: tuple[datetime, str, int] | None
) -> list[Any]:
    """Rows of one source after ``cursor`` in the log's order (newest first; at a tie, reads
    ("r") after writes ("w"), then by id, descending)."""
    if cursor is None:
        return []
    at, cursor_source, pk = cursor
    same_time = (
        id_column < pk
        if source == cursor_source
        else (id_column.is_not(None) if source < cursor_source else None)
    )
    if same_time is None:
        return [at_column < at]
    return [or_(at_column < at, and_(at_column == at, same_time))]


async def access_log(
    ctx: Context,
    customer_id: int,
    *,
    first: int | None,
    after: str | None,
    from_: Any = None,
    to: Any = None,
) -> LogPage:
    """A page of the customer's log, newest first (the caller checked that the viewer owns it)."""
    size = page_size(first)
    cursor = _decode(after)
    if from_ is not None and to is not None and to < from_:
        raise bad_input("errors.to_before_from")
    start = None if from_ is None else datetime.combine(from_, time(), HELSINKI)
    end = None if to is None else datetime.combine(to + timedelta(days=1), time(), HELSINKI)
    writes_where = [AuditEvent.customer_id == customer_id, AuditEvent.action.not_in(sorted(NOT_IN_OWNER_LOG))]
    reads_where = [AccessRead.customer_id == customer_id]
    for where, column in ((writes_where, AuditEvent.at), (reads_where, AccessRead.first_at)):
        if start is not None:
            where.append(column >= start)
        if end is not None:
            where.append(column < end)
    async with ctx.read_sessions() as db:
        writes = (
            (
                await db.execute(
                    select(AuditEvent)
                    .where(*writes_where, *_before(AuditEvent.at, AuditEvent.id, "w", cursor))
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(size + 1)
                )
            )
            .scalars()
            .all()
        )
        reads = (
            (
                await db.execute(
                    select(AccessRead)
                    .where(*reads_where, *_before(AccessRead.first_at, AccessRead.id, "r", cursor))
                    .order_by(AccessRead.first_at.desc(), AccessRead.id.desc())
                    .limit(size + 1)
                )
            )
            .scalars()
            .all()
        )
        total = (
            await db.execute(
                select(
                    select(func.count()).select_from(AuditEvent).where(*writes_where).scalar_subquery(),
                    select(func.count()).select_from(AccessRead).where(*reads_where).scalar_subquery(),
                )
            )
        ).one()
        merged = sorted(
            [(w.at, "w", w.id or 0, w) for w in writes] + [(r.first_at, "r", r.id or 0, r) for r in reads],
            key=lambda item: (item[0], item[1] == "w", item[2]),
            reverse=True,
        )
        shown = merged[:size]
        actor_ids = {row.actor_user_id for *_, row in shown if row.actor_user_id is not None}
        users = (
            {u.id: u for u in (await db.execute(select(User).where(User.id.in_(actor_ids)))).scalars()}
            if actor_ids
            else {}
        )
        token_ids = {
            int(row.actor_key[6:])
            for _, source, _, row in shown
            if source == "r" and row.actor_key.startswith("token:")
        }
        tokens = (
            dict(
                (await db.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(token_ids)))).all()
            )
            if token_ids
            else {}
        )
    rows = [
        (_cursor(at, source, pk), _entry(ctx, source, row, users, tokens)) for at, source, pk, row in shown
    ]
    return LogPage(rows=rows, has_next_page=len(merged) > size, total_count=int(total[0]) + int(total[1]))


def _entry(ctx: Context, source: str, row: Any, users: dict[int, User], tokens: dict[int, str]) -> Entry:
    language = ctx.language
    user = users.get(row.actor_user_id)
    staff = user is not None and user.role is UserRole.CUSTOMER_SERVICE
    name = text("access_log.customer_service", language) if staff or user is None else display_name(user)
    if source == "r" and row.actor_key.startswith("token:"):
        token_name = tokens.get(int(row.actor_key[6:]), "")
        name = text("access_log.api_token", language, name=token_name)
    if source == "r":
        section = Section(row.section)
        what = text(_SECTION_TEXTS[section], language)
        return Entry(
            id=to_global_id("AccessRead", row.id),
            occurred_at=row.first_at,
            actor_name=name,
            actor_role=ActorRole(row.actor_role),
            section=section,
            action="READ",
            summary=text("access_log.read", language, what=what),
        )
    details = row.details or {}
    message_id = _CHANGE_TEXTS.get(row.action)
    values = {
        "email": details.get("granteeEmail", ""),
        "username": details.get("username", details.get("housingManager", "")),
        "name": details.get("name", ""),
    }
    return Entry(
        id=to_global_id("AuditEvent", row.id),
        occurred_at=row.at,
        actor_name=name,
        actor_role=role_of(details.get("relationship"), staff=staff),
        section=SECTION_OF_ACTION.get(row.action),
        action=row.action,
        summary=row.action if message_id is None else text(message_id, language, **values),
    )
