"""Delivering the email outbox over SMTP (aiosmtplib), retrying without losing or duplicating mail.

Emails are written to ``outbox_emails`` in the same transaction as the change that
causes them (``domain.outbox.queue_email``). When ``ENERGY_PORTAL_SMTP_HOST`` is set, a
background task of every server process (``start_mailer``, from the app's lifespan)
delivers them:

1. **Claim.** Rows that are not sent and whose ``next_attempt_at`` has come are claimed
   one by one with a conditional update (``SET next_attempt_at = now + lease, attempts =
   attempts + 1 WHERE id = ? AND sent_at IS NULL AND next_attempt_at <= now``). Only
   one process's update can match, on SQLite and on PostgreSQL alike, so two processes
   never send the same row; the lease (5 minutes) keeps it claimed while it is sent.
2. **Send** over one SMTP connection per batch (implicit TLS on port 465; STARTTLS,
   required when a username is configured and otherwise used when offered).
3. **Record.** ``sent_at`` is set as soon as the server has accepted the message. On a
   failure, ``last_error`` is kept and ``next_attempt_at`` moves by an exponential backoff
   (1, 2, 4, ... minutes, at most 6 hours); the row is retried until it is sent, never
   dropped.

If a process dies after the SMTP server accepted a message but before ``sent_at`` was
written, the row is sent again once its lease runs out: SMTP cannot promise exactly
once, so the rare duplicate is preferred to a lost email. Each message carries a stable
``Message-ID`` (``<outbox-<id>.<created>@<sender domain>>``), so that receiving systems
can recognise a repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from domain.accounts import OutboxEmail
from domain.base import utcnow

log = logging.getLogger("energy_portal.mailer")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "Energia Oy <no-reply@example.fi>"
    timeout: float = 30.0
    #: Verify the server's certificate (always in production).
    validate_certs: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The configuration, or ``None`` when no SMTP host is set (mail stays in the outbox)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_from,
        )


@dataclass(frozen=True)
class ClaimedEmail:
    """An outbox row claimed by this sender for one attempt."""

    id: int
    to_address: str
    subject: str
    text: str
    created_at: datetime
    attempts: int


class OutboxSender:
    """Delivers pending outbox rows; several senders (processes) may run at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: SmtpConfig,
        *,
        batch_size: int = 20,
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 5.0,
        backoff_base: timedelta = timedelta(minutes=1),
        backoff_max: timedelta = timedelta(hours=6),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.batch_size = batch_size
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.clock = clock

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.backoff_base * (2**exponent), self.backoff_max)

    async def claim(self) -> list[ClaimedEmail]:
        """Claim up to ``batch_size`` due rows (each by exactly one sender)."""
        now = self.clock()
        async with self.sessions() as db:
            candidates = list(
                (
                    await db.execute(
                        select(OutboxEmail.id)
                        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= now)
                        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                        .limit(self.batch_size)
                    )
                ).scalars()
            )
        claimed: list[int] = []
        for email_id in candidates:
            async with self.sessions() as db, db.begin():
                result = await db.execute(
                    update(OutboxEmail)
                    .where(
                        OutboxEmail.id == email_id,
                        OutboxEmail.sent_at.is_(None),
                        OutboxEmail.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + self.lease, attempts=OutboxEmail.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(email_id)
        if not claimed:
            return []
        async with self.sessions() as db:
            rows = (
                await db.execute(
                    select(OutboxEmail).where(OutboxEmail.id.in_(claimed)).order_by(OutboxEmail.id)
                )
            ).scalars()
            return [
                ClaimedEmail(
                    id=row.id or 0,
                    to_address=row.to_address,
                    subject=row.subject,
                    text=row.text,
                    created_at=row.created_at,
                    attempts=row.attempts,
                )
                for row in rows
            ]

    def message(self, email: ClaimedEmail) -> EmailMessage:
        """The MIME message of an outbox row (plain UTF-8 text)."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = email.to_address
        message["Subject"] = email.subject
        message["Date"] = format_datetime(email.created_at)
        domain = parseaddr(self.config.sender)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<outbox-{email.id}.{int(email.created_at.timestamp())}@{domain}>"
        message.set_content(email.text)
        return message

    def _client(self) -> aiosmtplib.SMTP:
        config = self.config
        implicit_tls = config.port == 465
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            timeout=config.timeout,
            use_tls=implicit_tls,
            # Credentials never travel unencrypted: STARTTLS is required with a username.
            start_tls=False if implicit_tls else (True if config.username else None),
            validate_certs=config.validate_certs,
        )

    async def _mark_sent(self, email: ClaimedEmail) -> None:
        async with self.sessions() as db, db.begin():
            await db.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email.id, OutboxEmail.sent_at.is_(None))
                .values(sent_at=self.clock(), last_error=None)
                .execution_options(synchronize_session=False)
            )

    async def _mark_failed(self, email: ClaimedEmail, error: BaseException) -> None:
        description = f"{type(error).__name__}: {error}"[:500]
        log.warning("email %s not sent (attempt %s): %s", email.id, email.attempts, description)
        async with self.sessions() as db, db.begin():
            await db.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email.id, OutboxEmail.sent_at.is_(None))
                .values(next_attempt_at=self.clock() + self.backoff(email.attempts), last_error=description)
                .execution_options(synchronize_session=False)
            )

    async def send_pending(self) -> int:
        """One round: claim due rows and send them; the number of rows claimed."""
        emails = await self.claim()
        if not emails:
            return 0
        client = self._client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            for email in emails:
                await self._mark_failed(email, error)
            return len(emails)
        remaining = list(emails)
        try:
            while remaining:
                email = remaining.pop(0)
                try:
                    await client.send_message(self.message(email))
                except (aiosmtplib.SMTPException, OSError) as error:
                    await self._mark_failed(email, error)
                    if not client.is_connected:
                        try:
                            await client.connect()
                        except (aiosmtplib.SMTPException, OSError) as lost:
                            for rest in remaining:
                                await self._mark_failed(rest, lost)
                            break
                else:
                    await self._mark_sent(email)
        finally:
            if client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()
        return len(emails)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set: a round whenever the last one was full, else every poll."""
        while not stop.is_set():
            try:
                claimed = await self.send_pending()
            except Exception:
                log.exception("email delivery round failed")
                claimed = 0
            if claimed >= self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)


@dataclass
class RunningMailer:
    """The background delivery task of one process."""

    sender: OutboxSender
    stop_event: asyncio.Event
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Finish the current round and stop."""
        self.stop_event.set()
        try:
            await asyncio.wait_for(self.task, timeout=self.sender.config.timeout + 5)
        except TimeoutError:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def start_mailer(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> RunningMailer | None:
    """Start delivering the outbox in the background when SMTP is configured, else ``None``."""
    config = SmtpConfig.from_settings(settings)
    if config is None:
        if settings.is_production:
            log.warning("ENERGY_PORTAL_SMTP_HOST is not set: emails stay in the outbox unsent")
        return None
    sender = OutboxSender(sessions, config)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name="outbox-mailer")
    log.info("delivering email through %s:%s", config.host, config.port)
    return RunningMailer(sender, stop, task)
