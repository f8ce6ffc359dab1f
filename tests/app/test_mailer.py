"""The outbox sender against a real SMTP server (aiosmtpd on 127.0.0.1), and /dev/outbox.

The sender claims every due row of the database it is given, so these tests give it a
database of their own (a SQLite file, or a schema of its own on PostgreSQL) rather than
the shared demo database, whose outbox belongs to the other tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.db import create_engine, session_factory
from app.http import build_app
from app.mailer import OutboxSender, SmtpConfig, start_mailer
from app.settings import Mode, Settings
from domain.accounts import OutboxEmail
from domain.base import utcnow
from domain.outbox import queue_email
from domain.tables import metadata

SCHEMA = "mailer_test"


class Recorder:
    """An SMTP handler that keeps what it accepts, and refuses the next ``refuse`` messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # the name aiosmtpd calls
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))  # type: ignore[arg-type]
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
async def mail_db(tmp_path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = os.environ.get("ENERGY_PORTAL_DATABASE_URL", "")
    if url.startswith("postgresql"):
        admin = create_engine(url)
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine = create_async_engine(url, connect_args={"server_settings": {"search_path": SCHEMA}})
    else:
        admin = None
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'mail.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            await admin.dispose()


class Clock:
    """A clock that stands still (started after the mail was queued) until a test moves it."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def sender_for(sessions, port: int, clock: Clock | None = None, **kwargs) -> OutboxSender:
    config = SmtpConfig(
        host="127.0.0.1", port=port, sender="Energia Oy <no-reply@energia.example>", timeout=5
    )
    return OutboxSender(sessions, config, clock=clock or utcnow, **kwargs)


async def queue(sessions, count: int = 1, **fields) -> list[int]:
    async with sessions() as db, db.begin():
        rows = [
            queue_email(
                db,
                to=fields.get("to", f"asiakas{i}@example.org"),
                subject=fields.get("subject", f"Viesti {i}: sähkösopimus"),
                text=fields.get("text", f"Hei!\n\nTämä on viesti {i}.\n"),
                links=[f"http://testserver/x?token={i}"],
            )
            for i in range(count)
        ]
        await db.flush()
        return [r.id for r in rows]


async def rows(sessions) -> list[OutboxEmail]:
    async with sessions() as db:
        return list((await db.execute(select(OutboxEmail).order_by(OutboxEmail.id))).scalars())


async def test_pending_mail_is_delivered_once_and_marked_sent(mail_db, smtp) -> None:
    recorder, port = smtp
    ids = await queue(mail_db, 3)
    sender = sender_for(mail_db, port)
    assert await sender.send_pending() == 3
    assert len(recorder.messages) == 3
    first = recorder.messages[0]
    assert first["To"] == "asiakas0@example.org"
    assert first["From"] == "Energia Oy <no-reply@energia.example>"
    assert first["Subject"] == "Viesti 0: sähkösopimus"
    assert first.get_content().replace("\r\n", "\n") == "Hei!\n\nTämä on viesti 0.\n"
    assert first["Message-ID"].startswith(f"<outbox-{ids[0]}.")
    stored = await rows(mail_db)
    assert all(r.sent_at is not None and r.attempts == 1 and r.last_error is None for r in stored)
    # Nothing is sent twice.
    assert await sender.send_pending() == 0
    assert len(recorder.messages) == 3


async def test_a_refused_message_is_retried_with_backoff(mail_db, smtp) -> None:
    recorder, port = smtp
    [email_id] = await queue(mail_db, 1)
    clock = Clock()
    sender = sender_for(mail_db, port, clock)
    recorder.refuse = 1
    assert await sender.send_pending() == 1
    [row] = await rows(mail_db)
    assert row.sent_at is None and row.attempts == 1
    assert "451" in row.last_error and "Try again later" in row.last_error
    assert row.next_attempt_at == clock.now + timedelta(minutes=1)
    assert recorder.messages == []

    # Not before the backoff has passed.
    assert await sender.send_pending() == 0
    clock.now += timedelta(seconds=59)
    assert await sender.send_pending() == 0
    clock.now += timedelta(seconds=2)
    assert await sender.send_pending() == 1
    [row] = await rows(mail_db)
    assert row.sent_at == clock.now and row.attempts == 2 and row.last_error is None
    assert len(recorder.messages) == 1
    assert recorder.messages[0]["Message-ID"].startswith(f"<outbox-{email_id}.")


async def test_an_unreachable_server_keeps_mail_for_later(mail_db) -> None:
    await queue(mail_db, 2)
    clock = Clock()
    sender = sender_for(mail_db, free_port(), clock)  # nothing listens there
    for attempt, wait in ((1, 1), (2, 2), (3, 4)):
        assert await sender.send_pending() == 2
        stored = await rows(mail_db)
        assert all(r.sent_at is None and r.attempts == attempt and r.last_error for r in stored)
        assert all(r.next_attempt_at == clock.now + timedelta(minutes=wait) for r in stored)
        clock.now += timedelta(minutes=wait)
    assert sender.backoff(30) == timedelta(hours=6)


async def test_two_senders_never_send_the_same_mail(mail_db, smtp) -> None:
    recorder, port = smtp
    await queue(mail_db, 12)
    a, b = sender_for(mail_db, port, batch_size=12), sender_for(mail_db, port, batch_size=12)
    claimed = await asyncio.gather(a.send_pending(), b.send_pending(), a.send_pending())
    assert sum(claimed) == 12
    ids = [m["Message-ID"] for m in recorder.messages]
    assert len(ids) == len(set(ids)) == 12
    assert all(r.sent_at is not None and r.attempts == 1 for r in await rows(mail_db))


async def test_a_claimed_row_is_left_alone_until_its_lease_ends(mail_db, smtp) -> None:
    recorder, port = smtp
    await queue(mail_db, 1)
    clock = Clock()
    crashed = sender_for(mail_db, port, clock)
    assert len(await crashed.claim()) == 1  # claimed, then the process died before sending
    other = sender_for(mail_db, port, clock)
    assert await other.send_pending() == 0
    clock.now += crashed.lease + timedelta(seconds=1)
    assert await other.send_pending() == 1
    assert len(recorder.messages) == 1


async def test_the_background_task_delivers_when_smtp_is_configured(mail_db, smtp, tmp_path) -> None:
    recorder, port = smtp
    assert start_mailer(Settings(data_dir=tmp_path), mail_db) is None  # no SMTP host: mail stays queued
    mailer = start_mailer(Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port), mail_db)
    assert mailer is not None
    mailer.sender.poll_seconds = 0.05
    try:
        await queue(mail_db, 2)
        for _ in range(100):
            if len(recorder.messages) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(recorder.messages) == 2
    finally:
        await mailer.stop()
    assert mailer.task.done()


# --------------------------------------------------------------------------------------
# /dev/outbox


async def test_dev_outbox_lists_emails_newest_first(client, runtime) -> None:
    async with runtime.sessions() as db, db.begin():
        for n in (1, 2):
            queue_email(
                db,
                to="outbox.reader@example.org",
                subject=f"Aihe {n}",
                text=f"Teksti {n}",
                links=[f"http://testserver/confirm?token=t{n}"],
            )
    response = await client.get("/dev/outbox", params={"to": "Outbox.Reader@example.org"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "to": "outbox.reader@example.org",
            "subject": f"Aihe {n}",
            "text": f"Teksti {n}",
            "links": [f"http://testserver/confirm?token=t{n}"],
            "sentAt": None,
        }
        for n in (2, 1)
    ]
    everything = (await client.get("/dev/outbox", params={"limit": "1"})).json()
    assert len(everything) == 1 and everything[0]["subject"] == "Aihe 2"


async def test_dev_outbox_is_not_found_in_production(runtime) -> None:
    production = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"mode": Mode.PRODUCTION})
    )
    transport = httpx.ASGITransport(app=build_app(production))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/dev/outbox")
    assert response.status_code == 404
    assert "outbox" not in response.text
