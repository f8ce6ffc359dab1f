"""Write quotas (issue 12, part 4): messages, new threads and attachment bytes per customer,
grants per owner, replies per staff user; a refused write changes and counts nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from app.http import build_app
from auth import quotas
from auth.quotas import quota_key
from auth.ratelimit import DatabaseRateLimiter, RateLimiter, RedisRateLimiter, judge
from domain.base import Language
from domain.customers import AccessGrant
from domain.invitations import Invitation
from domain.texts import wait_text
from resolvers.ids import to_global_id
from tests.api.messaging_helpers import (
    SEND,
    customer_gid,
    message_rows,
    restored_messages,
    send_with_files,
    stored_files,
    unique_pdf,
)
from tests.conftest import GraphQLResult, forget_rate_limits, gql, login, operation, own_redis_limiter

REDIS_URL = os.environ.get("ENERGY_PORTAL_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="ENERGY_PORTAL_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)"
)
GRANT = operation("GrantAccess")
REPLY = operation("ReplyToThread")
WAIT = re.compile(r"(Try again in|Försök igen om|Yritä uudelleen) (.+?)( kuluttua)?\.$")


@pytest.fixture
async def restore(runtime) -> AsyncIterator[None]:
    async for _ in restored_messages(runtime):
        yield


@pytest.fixture
async def redis_limiter() -> AsyncIterator[RedisRateLimiter]:
    async with own_redis_limiter() as limiter:
        yield limiter


@pytest.fixture(params=["database", pytest.param("redis", marks=needs_redis)])
async def limiter(request, runtime) -> AsyncIterator[RateLimiter]:
    """Each limiter implementation (Redis when ``ENERGY_PORTAL_TEST_REDIS_URL`` is set)."""
    if request.param == "redis":
        async with own_redis_limiter() as limiter:
            yield limiter
    else:
        yield DatabaseRateLimiter(runtime.sessions)
        await forget_rate_limits(runtime)


def new_thread(customer: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {"customerId": customer, "subject": "Kiintiö", "category": "OTHER", "body": "Hei!", **extra}
    }


def reply(customer: str, thread: str, body: str = "Vielä yksi asia.") -> dict[str, Any]:
    return {"input": {"customerId": customer, "threadId": thread, "body": body}}


async def send(
    client: httpx.AsyncClient, variables: dict[str, Any], language: str = "fi"
) -> tuple[dict[str, Any], httpx.Headers]:
    """``sendMessage`` without files; the payload and the response headers."""
    response = await client.post(
        "/graphql", json={"query": SEND, "variables": variables}, headers={"Accept-Language": language}
    )
    assert response.status_code == 200, response.text
    body = GraphQLResult.of(response.json())
    assert body.errors == [], body.errors
    return body.data["sendMessage"], response.headers


def refused(payload: dict[str, Any]) -> dict[str, Any]:
    """The one ``RATE_LIMITED`` error of a refused write, with nothing written."""
    [error] = payload["errors"]
    assert error["code"] == "RATE_LIMITED" and error["field"] is None, error
    assert payload.get("message") is None and payload.get("thread") is None
    return error


async def counted(runtime_limiter: RateLimiter, quota: quotas.Quota, subject: int) -> int:
    verdict = await runtime_limiter.peek(
        quota_key(quota, subject), limit=quota.limit, window_seconds=quota.window_seconds
    )
    return verdict.count


async def customer_pk(runtime, number: str | None = None) -> int:
    from resolvers.ids import pk_of

    gid = await customer_gid(runtime) if number is None else await customer_gid(runtime, number)
    pk = pk_of(gid, "Customer")
    assert pk is not None
    return pk


async def own_customer(client: httpx.AsyncClient, username: str) -> str:
    await login(client, username)
    customers = (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"]
    return customers[0]["id"]


# --------------------------------------------------------------------------------------
# Messages and threads per customer


async def sixty_in_a_row(client: httpx.AsyncClient, runtime, limiter: RateLimiter) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    threads_before, messages_before, attachments = await message_rows(runtime)
    first, _ = await send(client, new_thread(customer))
    assert first["errors"] == []
    thread = first["thread"]["id"]
    answers = [first] + [(await send(client, reply(customer, thread, f"Viesti {i}")))[0] for i in range(59)]
    limit = quotas.MESSAGES_PER_CUSTOMER.limit
    assert [a["errors"] == [] for a in answers] == [True] * limit + [False] * (60 - limit)
    for answer in answers[limit:]:
        refused(answer)
    # The refused ones stored nothing and counted nothing.
    assert await message_rows(runtime) == (threads_before + 1, messages_before + limit, attachments)
    assert await counted(limiter, quotas.MESSAGES_PER_CUSTOMER, await customer_pk(runtime)) == limit


async def test_sixty_messages_in_a_row_are_cut_off_with_rate_limited(client, runtime, restore) -> None:
    assert quotas.MESSAGES_PER_CUSTOMER.limit < 60
    await sixty_in_a_row(client, runtime, runtime.limiter)


@needs_redis
async def test_sixty_messages_in_a_row_are_cut_off_with_redis(runtime, redis_limiter, restore) -> None:
    app_runtime = dataclasses.replace(runtime, limiter=redis_limiter)
    transport = httpx.ASGITransport(app=build_app(app_runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sixty_in_a_row(client, runtime, redis_limiter)
    # Nothing was counted in the database limiter meanwhile.
    assert await counted(runtime.limiter, quotas.MESSAGES_PER_CUSTOMER, await customer_pk(runtime)) == 0


async def test_new_threads_are_limited_per_hour(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    threads_before, messages_before, attachments = await message_rows(runtime)
    limit = quotas.NEW_THREADS_PER_CUSTOMER_HOUR.limit
    for _ in range(limit):
        assert (await send(client, new_thread(customer)))[0]["errors"] == []
    payload, headers = await send(client, new_thread(customer), "en")
    error = refused(payload)
    assert f"At most {limit} new conversations an hour" in error["message"]
    assert 3590 <= int(headers["Retry-After"]) <= 3601
    assert await message_rows(runtime) == (threads_before + limit, messages_before + limit, attachments)
    # A reply in an existing thread still goes through: only new threads are full.
    thread = (await gql(client, operation("MessageThreads"), {"customerId": customer, "first": 1})).data
    thread_id = thread["customer"]["messageThreads"]["edges"][0]["node"]["id"]
    assert (await send(client, reply(customer, thread_id)))[0]["errors"] == []
    pk = await customer_pk(runtime)
    assert await counted(runtime.limiter, quotas.NEW_THREADS_PER_CUSTOMER_HOUR, pk) == limit
    assert await counted(runtime.limiter, quotas.MESSAGES_PER_CUSTOMER, pk) == limit + 1


async def test_new_threads_are_limited_per_day(client, runtime, restore, monkeypatch) -> None:
    monkeypatch.setattr(
        quotas,
        "NEW_THREADS_PER_CUSTOMER_HOUR",
        dataclasses.replace(quotas.NEW_THREADS_PER_CUSTOMER_HOUR, limit=1000),
    )
    await login(client, "maija")
    customer = await customer_gid(runtime)
    limit = quotas.NEW_THREADS_PER_CUSTOMER_DAY.limit
    assert limit < quotas.MESSAGES_PER_CUSTOMER.limit
    for _ in range(limit):
        assert (await send(client, new_thread(customer)))[0]["errors"] == []
    payload, headers = await send(client, new_thread(customer), "en")
    error = refused(payload)
    assert f"At most {limit} new conversations a day" in error["message"]
    assert "Try again in 24 hours." in error["message"]
    assert 86390 <= int(headers["Retry-After"]) <= 86401


async def test_quotas_are_per_customer_not_per_user(client, runtime, restore, monkeypatch) -> None:
    monkeypatch.setattr(
        quotas, "MESSAGES_PER_CUSTOMER", dataclasses.replace(quotas.MESSAGES_PER_CUSTOMER, limit=3)
    )
    maija_customer = await own_customer(client, "maija")
    for _ in range(3):
        assert (await send(client, new_thread(maija_customer)))[0]["errors"] == []
    refused((await send(client, new_thread(maija_customer)))[0])
    # Matti, Maija's delegate with MESSAGES write access, shares her customer's quota ...
    await login(client, "matti")
    refused((await send(client, new_thread(maija_customer)))[0])
    # ... while another customer is unaffected.
    kahvila_customer = await own_customer(client, "kahvila")
    assert kahvila_customer != maija_customer
    for _ in range(3):
        assert (await send(client, new_thread(kahvila_customer)))[0]["errors"] == []


async def test_refused_input_counts_nothing(client, runtime, restore) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    for _ in range(40):
        payload, _ = await send(client, new_thread(customer, body="  "))
        assert payload["errors"][0]["code"] == "INVALID_INPUT"
    pk = await customer_pk(runtime)
    assert await counted(runtime.limiter, quotas.MESSAGES_PER_CUSTOMER, pk) == 0
    assert await counted(runtime.limiter, quotas.NEW_THREADS_PER_CUSTOMER_HOUR, pk) == 0
    assert (await send(client, new_thread(customer)))[0]["errors"] == []


# --------------------------------------------------------------------------------------
# Attachment bytes per customer per day


def padded_pdf(size: int) -> bytes:
    pdf = unique_pdf()
    return pdf + b"%" + b"x" * (size - len(pdf) - 2) + b"\n"


@pytest.fixture
def small_byte_quota(monkeypatch) -> quotas.Quota:
    quota = dataclasses.replace(quotas.ATTACHMENT_BYTES_PER_CUSTOMER, limit=10_000)
    monkeypatch.setattr(quotas, "ATTACHMENT_BYTES_PER_CUSTOMER", quota)
    return quota


async def test_attachment_bytes_are_limited_per_day(
    client, runtime, restore, small_byte_quota, monkeypatch
) -> None:
    await login(client, "maija")
    customer = await customer_gid(runtime)
    pk = await customer_pk(runtime)
    files = [(f"liite{i}.pdf", padded_pdf(3000), "application/pdf") for i in range(3)]
    ok = await send_with_files(client, new_thread(customer), files)
    assert ok.json()["data"]["sendMessage"]["errors"] == []
    assert await counted(runtime.limiter, small_byte_quota, pk) == 9000
    rows, files_before = await message_rows(runtime), stored_files(runtime)
    staging = runtime.files.new_staging_file
    staged: list[object] = []

    def spying_new_staging_file():
        staged.append(staging())
        return staged[-1]

    monkeypatch.setattr(runtime.files, "new_staging_file", spying_new_staging_file)
    over = await send_with_files(
        client,
        new_thread(customer),
        [("iso.pdf", padded_pdf(1001), "application/pdf")],
        headers={"Accept-Language": "en"},
    )
    error = refused(over.json()["data"]["sendMessage"])
    assert error["message"].startswith("At most 0.01 MB of attachments a day can be sent. Try again in ")
    assert 86390 <= int(over.headers["Retry-After"]) <= 86401
    # Refused on the sizes the parser counted, before any file was staged; nothing stored,
    # no file kept, nothing counted.
    assert staged == []
    assert await message_rows(runtime) == rows and stored_files(runtime) == files_before
    assert await counted(runtime.limiter, small_byte_quota, pk) == 9000
    assert await counted(runtime.limiter, quotas.MESSAGES_PER_CUSTOMER, pk) == 1

    # What still fits goes through, and so does a message without files.
    fits = await send_with_files(
        client, new_thread(customer), [("pieni.pdf", padded_pdf(1000), "application/pdf")]
    )
    assert fits.json()["data"]["sendMessage"]["errors"] == []
    assert (await send(client, new_thread(customer)))[0]["errors"] == []
    assert await counted(runtime.limiter, small_byte_quota, pk) == 10_000


async def test_streamed_sizes_are_taken_before_commit(
    client, runtime, restore, small_byte_quota, monkeypatch
) -> None:
    """When the declared sizes say nothing, the staged sizes are refused before anything is
    committed, and the staged files are removed."""
    import resolvers.messages

    monkeypatch.setattr(resolvers.messages, "_declared_size", lambda uploads: 0)
    await login(client, "maija")
    customer = await customer_gid(runtime)
    pk = await customer_pk(runtime)
    rows, files_before = await message_rows(runtime), stored_files(runtime)
    files = [(f"liite{i}.pdf", padded_pdf(4000), "application/pdf") for i in range(3)]
    response = await send_with_files(client, new_thread(customer), files, headers={"Accept-Language": "sv"})
    error = refused(response.json()["data"]["sendMessage"])
    assert error["message"].startswith("Högst 0,01 MB bilagor per dygn kan skickas. Försök igen om ")
    assert await message_rows(runtime) == rows and stored_files(runtime) == files_before
    for quota in (small_byte_quota, quotas.MESSAGES_PER_CUSTOMER, quotas.NEW_THREADS_PER_CUSTOMER_DAY):
        assert await counted(runtime.limiter, quota, pk) == 0


# --------------------------------------------------------------------------------------
# Grants per owner per day


@pytest.fixture
async def quota_grants(runtime) -> AsyncIterator[str]:
    """A grantee email domain of this test; its grants are deleted afterwards."""
    domain = f"quota-{secrets.token_hex(3)}.example.com"
    yield domain
    async with runtime.sessions() as db, db.begin():
        mine = select(AccessGrant.id).where(AccessGrant.grantee_email.like(f"%@{domain}"))
        await db.execute(delete(Invitation).where(Invitation.grant_id.in_(mine)))
        await db.execute(delete(AccessGrant).where(AccessGrant.grantee_email.like(f"%@{domain}")))


async def grant(client: httpx.AsyncClient, customer: str, email: str, password: str = "maija-demo-password"):
    variables = {
        "input": {
            "customerId": customer,
            "granteeEmail": email,
            "permissions": [{"section": "INVOICES", "level": "READ"}],
            "password": password,
        }
    }
    response = await client.post(
        "/graphql", json={"query": GRANT, "variables": variables}, headers={"Accept-Language": "fi"}
    )
    return response.json()["data"]["grantAccess"], response.headers


async def test_grants_are_limited_per_owner_per_day(client, runtime, quota_grants) -> None:
    customer = await own_customer(client, "maija")
    # A wrong password is no grant: it counts against the password throttle, not the quota.
    wrong, _ = await grant(client, customer, f"a@{quota_grants}", "not-the-password")
    assert wrong["errors"][0]["code"] == "WRONG_PASSWORD"
    limit = quotas.GRANTS_PER_OWNER.limit
    for i in range(limit):
        payload, _ = await grant(client, customer, f"person{i}@{quota_grants}")
        assert payload["errors"] == [], payload
    payload, headers = await grant(client, customer, f"one-more@{quota_grants}")
    [error] = payload["errors"]
    assert error["code"] == "RATE_LIMITED" and error["field"] is None and payload["grant"] is None
    assert error["message"].startswith(f"Käyttöoikeuksia voi antaa tai muuttaa enintään {limit} kertaa")
    assert error["message"].endswith("Yritä uudelleen 24 tunnin kuluttua.")
    assert 86390 <= int(headers["Retry-After"]) <= 86401
    async with runtime.sessions() as db:
        stored = await db.scalar(
            select(func.count())
            .select_from(AccessGrant)
            .where(AccessGrant.grantee_email.like(f"%@{quota_grants}"))
        )
    assert stored == limit


# --------------------------------------------------------------------------------------
# Replies by customer service


async def test_staff_replies_have_a_generous_quota_per_staff_user(
    client, runtime, restore, monkeypatch
) -> None:
    assert quotas.REPLIES_PER_STAFF_USER.limit >= 300
    monkeypatch.setattr(
        quotas, "REPLIES_PER_STAFF_USER", dataclasses.replace(quotas.REPLIES_PER_STAFF_USER, limit=2)
    )
    await login(client, "maija")
    customer = await customer_gid(runtime)
    thread = (await send(client, new_thread(customer)))[0]["thread"]["id"]
    await login(client, "asiakaspalvelu")
    nowhere = to_global_id("MessageThread", 9_999_999)
    missing = await gql(client, REPLY, {"input": {"threadId": nowhere, "body": "?"}})
    assert missing.data["replyToThread"]["errors"][0]["code"] == "INVALID_INPUT"  # not counted
    for _ in range(2):
        answered = await gql(client, REPLY, {"input": {"threadId": thread, "body": "Kiitos viestistä."}})
        assert answered.data["replyToThread"]["errors"] == []
    over = await gql(
        client, REPLY, {"input": {"threadId": thread, "body": "Vielä."}}, **{"Accept-Language": "en"}
    )
    [error] = over.data["replyToThread"]["errors"]
    assert error["code"] == "RATE_LIMITED" and error["message"].startswith("At most 2 replies an hour")
    assert over.data["replyToThread"]["message"] is None


# --------------------------------------------------------------------------------------
# The message: the request's language, and how long to wait


async def test_the_message_is_in_the_request_language_and_says_how_long_to_wait(
    client, runtime, restore, monkeypatch
) -> None:
    monkeypatch.setattr(
        quotas, "MESSAGES_PER_CUSTOMER", dataclasses.replace(quotas.MESSAGES_PER_CUSTOMER, limit=1)
    )
    await login(client, "maija")
    customer = await customer_gid(runtime)
    assert (await send(client, new_thread(customer)))[0]["errors"] == []
    expected = {
        "fi": ("Asiakkaan puolesta voi lähettää enintään 1 viestiä tunnissa.", Language.FI),
        "sv": ("Högst 1 meddelanden i timmen kan skickas för en kund.", Language.SV),
        "en": ("At most 1 messages an hour can be sent for one customer.", Language.EN),
    }
    for header, (reason, language) in expected.items():
        payload, headers = await send(client, new_thread(customer), header)
        message = refused(payload)["message"]
        seconds = int(headers["Retry-After"])
        assert 3590 <= seconds <= 3601
        assert message.startswith(reason + " ")
        match = WAIT.search(message)
        assert match and match.group(2) == wait_text(seconds, language), message
    assert (await send(client, new_thread(customer), "en"))[0]["errors"][0]["message"].endswith(
        "Try again in 1 hour."
    )


@pytest.mark.parametrize(
    ("seconds", "en", "fi", "sv"),
    [
        (1, "1 second", "1 sekunnin", "1 sekund"),
        (59, "59 seconds", "59 sekunnin", "59 sekunder"),
        (60, "1 minute", "1 minuutin", "1 minut"),
        (61, "2 minutes", "2 minuutin", "2 minuter"),
        (3600, "1 hour", "1 tunnin", "1 timme"),
        (3601, "1 hour and 1 minute", "1 tunnin ja 1 minuutin", "1 timme och 1 minut"),
        (5 * 3600 + 20 * 60, "5 hours and 20 minutes", "5 tunnin ja 20 minuutin", "5 timmar och 20 minuter"),
        (86400, "24 hours", "24 tunnin", "24 timmar"),
    ],
)
def test_waits_are_said_in_words_rounded_up(seconds: int, en: str, fi: str, sv: str) -> None:
    assert wait_text(seconds, Language.EN) == en
    assert wait_text(seconds, Language.FI) == fi
    assert wait_text(seconds, Language.SV) == sv


# --------------------------------------------------------------------------------------
# The limiters: amounts, atomic takes, giving back


def test_judge_finds_when_enough_has_left_the_window() -> None:
    entries = [(100.0, 40), (200.0, 30), (300.0, 30)]
    assert judge(entries, limit=100, window_seconds=1000, amount=0, now=400.0).allowed
    refused_ = judge(entries, limit=100, window_seconds=1000, amount=50, now=400.0)
    assert not refused_.allowed and refused_.count == 100
    assert refused_.retry_after == 200 + 1000 - 400 + 1  # the first two entries must leave
    assert judge(entries, limit=100, window_seconds=1000, amount=101, now=400.0).retry_after == 1000


async def test_take_counts_an_amount_only_when_it_fits(limiter: RateLimiter) -> None:
    key, window = f"quota:test:{uuid.uuid4().hex}", 3600
    first = await limiter.take(key, limit=100, window_seconds=window, amount=60)
    assert first.allowed and first.count == 60 and first.token
    over = await limiter.take(key, limit=100, window_seconds=window, amount=41)
    assert not over.allowed and over.token is None and 3590 <= over.retry_after <= window + 1
    assert (await limiter.peek(key, limit=100, window_seconds=window, amount=40)).allowed
    assert not (await limiter.peek(key, limit=100, window_seconds=window, amount=41)).allowed
    ones = [await limiter.take(key, limit=100, window_seconds=window) for _ in range(3)]
    assert [v.count for v in ones] == [61, 62, 63]
    await limiter.give_back(key, first.token)
    assert (await limiter.peek(key, limit=100, window_seconds=window, amount=0)).count == 3
    assert (await limiter.take(key, limit=100, window_seconds=window, amount=97)).allowed
    await limiter.clear(key)
    assert (await limiter.peek(key, limit=100, window_seconds=window)).count == 0


async def test_parallel_takes_never_pass_the_limit(limiter: RateLimiter) -> None:
    key = f"quota:test:{uuid.uuid4().hex}"
    verdicts = await asyncio.gather(
        *(limiter.take(key, limit=5, window_seconds=60, amount=1) for _ in range(12))
    )
    assert sum(v.allowed for v in verdicts) == 5
    assert (await limiter.peek(key, limit=5, window_seconds=60)).count == 5
    await limiter.clear(key)


async def test_weighted_keys_do_not_mix_with_keys_that_share_a_prefix(limiter: RateLimiter) -> None:
    base = f"quota:test:{uuid.uuid4().hex}:1"
    await limiter.take(base, limit=1000, window_seconds=60, amount=7)
    await limiter.take(base + "2", limit=1000, window_seconds=60, amount=500)
    await limiter.take(base + "#x", limit=1000, window_seconds=60, amount=300)
    assert (await limiter.peek(base, limit=1000, window_seconds=60, amount=0)).count == 7
    for key in (base, base + "2", base + "#x"):
        await limiter.clear(key)
