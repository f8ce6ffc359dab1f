"""Throttling of sign-ins and recovery requests (auth.throttle), through the API.

Each test signs in from an address of its own and with users of its own, and forgets
every counted attempt afterwards, so no demo user or other test is ever throttled. The
tests that watch a lockout release shorten the window to a few seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import re
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from app.http import build_app
from auth import throttle
from auth.passwords import hash_password
from auth.ratelimit import RedisRateLimiter
from domain.users import AuditEvent, User
from tests.conftest import LOGIN, forget_rate_limits, operation, own_redis_limiter

PASSWORD = "oikea salasana tälle tilille"
WRONG = "väärä salasana tälle tilille"
REDIS_URL = os.environ.get("ENERGY_PORTAL_TEST_REDIS_URL")

_addresses = itertools.count(1)


def new_address() -> str:
    n = next(_addresses)
    return f"10.88.{n // 250}.{n % 250 + 1}"


@pytest.fixture(autouse=True)
async def _forget_attempts(runtime) -> AsyncIterator[None]:
    yield
    await forget_rate_limits(runtime)


def client_for(runtime, address: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=build_app(runtime), client=(address or new_address(), 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def web(runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(runtime) as client:
        yield client


async def make_user(runtime) -> User:
    suffix = secrets.token_hex(4)
    user = User(
        username=f"throttle-{suffix}",
        username_key=f"throttle-{suffix}",
        email=f"throttle.{suffix}@example.org",
        email_verified=True,
        password_hash=hash_password(PASSWORD),
    )
    async with runtime.sessions() as db, db.begin():
        db.add(user)
    return user


async def attempt(client: httpx.AsyncClient, username: str, password: str) -> tuple[dict, httpx.Response]:
    response = await client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"username": username, "password": password}}},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    return response.json()["data"]["login"], response


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def without_seconds(payload: dict) -> dict:
    """The payload with the retry-after seconds blanked (they tick while the test runs)."""
    return {
        **payload,
        "errors": [{**e, "message": re.sub(r"\d+", "N", e["message"])} for e in payload["errors"]],
    }


@pytest.fixture
def short_window(monkeypatch) -> int:
    """Sign-in lockout after 3 failures per account, for a 2-second window."""
    window = 2
    monkeypatch.setattr(
        throttle,
        "SIGN_IN_PER_ACCOUNT",
        dataclasses.replace(throttle.SIGN_IN_PER_ACCOUNT, limit=3, window_seconds=window),
    )
    return window


async def test_lockout_answers_the_same_for_unknown_users_wrong_and_right_passwords(web, runtime) -> None:
    user = await make_user(runtime)
    unknown = f"nobody-{secrets.token_hex(4)}"
    limit = throttle.SIGN_IN_PER_ACCOUNT.limit
    assert limit == 5
    for _ in range(limit):
        known_answer, _ = await attempt(web, user.username, WRONG)
        unknown_answer, _ = await attempt(web, unknown, WRONG)
        assert known_answer == unknown_answer
        assert codes(known_answer) == ["INVALID_CREDENTIALS"]

    answers = []
    for username, password in ((user.username, WRONG), (user.username, PASSWORD), (unknown, PASSWORD)):
        payload, response = await attempt(web, username, password)
        assert codes(payload) == ["RATE_LIMITED"] and payload["user"] is None
        seconds = int(response.headers["retry-after"])
        assert 0 < seconds <= 15 * 60
        assert payload["errors"][0]["message"] == f"Too many attempts. Try again in {seconds} seconds."
        assert payload["errors"][0]["field"] is None
        assert "ep_session" not in response.cookies
        answers.append(without_seconds(payload))
    assert answers[0] == answers[1] == answers[2]

    # Another account from the same address is not locked (5 + 5 failures < 20).
    other = await make_user(runtime)
    payload, _ = await attempt(web, other.username, PASSWORD)
    assert codes(payload) == []

    async with runtime.sessions() as db:
        events = (
            (
                await db.execute(
                    select(AuditEvent).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    assert [e.action for e in events] == ["SIGN_IN_FAILED"] * limit + ["SIGN_IN_LOCKED_OUT"]
    assert events[-1].details["scopes"] == ["account"]
    assert all(e.details["address"] == web._transport.client[0] for e in events)  # type: ignore[attr-defined]


async def test_lockout_releases_after_the_window_even_if_retried(web, runtime, short_window) -> None:
    user = await make_user(runtime)
    for _ in range(3):
        assert codes((await attempt(web, user.username, WRONG))[0]) == ["INVALID_CREDENTIALS"]
    payload, response = await attempt(web, user.username, PASSWORD)
    assert codes(payload) == ["RATE_LIMITED"]
    assert int(response.headers["retry-after"]) <= short_window + 1
    # Retrying during the lockout is refused but does not extend it.
    await asyncio.sleep(1)
    assert codes((await attempt(web, user.username, PASSWORD))[0]) == ["RATE_LIMITED"]
    await asyncio.sleep(short_window)
    payload, _ = await attempt(web, user.username, PASSWORD)
    assert codes(payload) == [] and payload["user"]["username"] == user.username
    # A successful sign-in forgets the account's failures.
    for _ in range(3):
        assert codes((await attempt(web, user.username, WRONG))[0]) == ["INVALID_CREDENTIALS"]


async def test_failures_per_address_are_limited_but_successes_are_not(runtime, monkeypatch) -> None:
    monkeypatch.setattr(
        throttle, "SIGN_IN_PER_ADDRESS", dataclasses.replace(throttle.SIGN_IN_PER_ADDRESS, limit=4)
    )
    user = await make_user(runtime)
    async with client_for(runtime) as office:
        # Many people signing in from one address: successes are not counted.
        for _ in range(6):
            assert codes((await attempt(office, user.username, PASSWORD))[0]) == []
        # Guessing across usernames is.
        for _ in range(4):
            payload, _ = await attempt(office, f"guess-{secrets.token_hex(3)}", WRONG)
            assert codes(payload) == ["INVALID_CREDENTIALS"]
        payload, _ = await attempt(office, user.username, PASSWORD)
        assert codes(payload) == ["RATE_LIMITED"]
        async with runtime.sessions() as db:
            locked = await db.scalar(
                select(AuditEvent)
                .where(AuditEvent.action == "SIGN_IN_LOCKED_OUT", AuditEvent.actor_user_id.is_(None))
                .order_by(AuditEvent.id.desc())
            )
        assert locked.details["scopes"] == ["address"]
    # The same user from another address is not affected.
    async with client_for(runtime) as home:
        assert codes((await attempt(home, user.username, PASSWORD))[0]) == []


async def test_parallel_guesses_do_not_get_past_the_limit(web, runtime) -> None:
    user = await make_user(runtime)
    results = await asyncio.gather(*(attempt(web, user.username, WRONG) for _ in range(12)))
    answered = [codes(payload)[0] for payload, _ in results]
    checked = answered.count("INVALID_CREDENTIALS")
    assert answered.count("RATE_LIMITED") == 12 - checked
    # Counting the attempt before the password check is atomic (SQLite takes one writer at a
    # time, PostgreSQL an advisory lock per key, Redis a transaction).
    assert 0 < checked <= throttle.SIGN_IN_PER_ACCOUNT.limit


async def test_recovery_requests_are_limited_per_email_and_per_address(runtime, monkeypatch) -> None:
    user = await make_user(runtime)
    unknown = f"nobody.{secrets.token_hex(4)}@example.org"
    async with client_for(runtime) as client:

        async def request(email: str) -> dict:
            response = await client.post(
                "/graphql",
                json={"query": operation("RequestPasswordReset"), "variables": {"input": {"email": email}}},
                headers={"accept-language": "fi"},
            )
            return without_seconds(response.json()["data"]["requestPasswordReset"])

        per_email = throttle.RECOVERY_PER_EMAIL.limit
        for _ in range(per_email):
            assert await request(user.email) == await request(unknown) == {"errors": []}
        limited = await request(user.email)
        assert limited == await request(unknown)
        assert [(e["code"], e["message"]) for e in limited["errors"]] == [
            ("RATE_LIMITED", "Liian monta yritystä. Yritä uudelleen N sekunnin kuluttua.")
        ]
        # The username reminder is counted apart from the reset links.
        reminder = await client.post(
            "/graphql",
            json={
                "query": operation("RequestUsernameReminder"),
                "variables": {"input": {"email": user.email}},
            },
        )
        assert reminder.json()["data"]["requestUsernameReminder"]["errors"] == []

    monkeypatch.setattr(
        throttle, "RECOVERY_PER_ADDRESS", dataclasses.replace(throttle.RECOVERY_PER_ADDRESS, limit=3)
    )
    async with client_for(runtime) as client:
        for i in range(4):
            response = await client.post(
                "/graphql",
                json={
                    "query": operation("RequestUsernameReminder"),
                    "variables": {"input": {"email": f"someone.{i}.{secrets.token_hex(3)}@example.org"}},
                },
            )
            errors = response.json()["data"]["requestUsernameReminder"]["errors"]
            assert [e["code"] for e in errors] == ([] if i < 3 else ["RATE_LIMITED"])


# --------------------------------------------------------------------------------------
# Redis-backed counters (run when ENERGY_PORTAL_TEST_REDIS_URL names a Redis server)

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="ENERGY_PORTAL_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)"
)


@pytest.fixture
async def redis_limiter() -> AsyncIterator[RedisRateLimiter]:
    async with own_redis_limiter() as limiter:
        yield limiter


@needs_redis
async def test_redis_counters_engage_and_release(redis_limiter, short_window) -> None:
    account, address = f"someone-{secrets.token_hex(3)}", new_address()
    for _ in range(3):
        assert (await throttle.sign_in_gate(redis_limiter, account, address)).allowed
        await throttle.sign_in_failed(redis_limiter, account, address)
    refused = await throttle.sign_in_gate(redis_limiter, account, address)
    assert not refused.allowed and 0 < refused.retry_after <= short_window + 1
    keys = [k async for k in redis_limiter.redis.scan_iter(match=f"{redis_limiter.prefix}*")]
    assert keys and all(account.encode() not in k and address.encode() not in k for k in keys)
    await asyncio.sleep(short_window + 0.2)
    assert (await throttle.sign_in_gate(redis_limiter, account, address)).allowed
    await throttle.sign_in_succeeded(redis_limiter, account)
    assert (await throttle.peek(redis_limiter, (throttle.SIGN_IN_PER_ACCOUNT, account))).count == 0


@needs_redis
async def test_sign_in_lockout_with_redis_through_the_api(runtime, redis_limiter) -> None:
    app_runtime = dataclasses.replace(runtime, limiter=redis_limiter)
    user = await make_user(runtime)
    unknown = f"nobody-{secrets.token_hex(4)}"
    async with client_for(app_runtime) as client:
        for _ in range(throttle.SIGN_IN_PER_ACCOUNT.limit):
            assert (await attempt(client, user.username, WRONG))[0] == (
                await attempt(client, unknown, WRONG)
            )[0]
        locked = [
            without_seconds((await attempt(client, name, PASSWORD))[0]) for name in (user.username, unknown)
        ]
        assert locked[0] == locked[1] and codes(locked[0]) == ["RATE_LIMITED"]
    # Nothing was counted in the database limiter meanwhile.
    assert (
        await throttle.peek(runtime.limiter, (throttle.SIGN_IN_PER_ACCOUNT, user.username_key))
    ).count == 0
