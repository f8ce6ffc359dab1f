"""Mobile tokens through the API: obtainToken, rotation, reuse detection, revocation,
bearer authentication and throttling."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from app.http import build_app
from auth import throttle
from auth.hashing import token_hash
from auth.tokens import FAMILY_REVOKED_ACTION, RefreshRefusal, rotate_refresh_token
from domain.accounts import RefreshToken
from domain.usernames import username_key
from domain.users import AuditEvent
from resolvers.tokens import REFRESH_PER_ADDRESS, access_tokens
from tests.conftest import DEMO_PASSWORDS, LOGIN, gql, operation

OBTAIN = operation("ObtainToken")
REVOKE = operation("RevokeRefreshToken")
HOME = operation("Home")
VIEWER = "{ viewer { user { username role } } }"

_addresses = itertools.count(1)


@pytest.fixture
async def mobile(runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client from an address of its own, so that throttling counts stay per test."""
    address = f"10.77.{next(_addresses)}.{next(_addresses) % 250 + 1}"
    transport = httpx.ASGITransport(app=build_app(runtime), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        c.address = address  # type: ignore[attr-defined]
        yield c
    for policy in (throttle.SIGN_IN_PER_ADDRESS, REFRESH_PER_ADDRESS):
        await throttle.forget(runtime.limiter, policy, address)


async def obtain(client, **input_) -> dict:
    result = await gql(client, OBTAIN, {"input": input_})
    assert result.errors == [], result.errors
    return result.data["obtainToken"]


async def password_grant(client, username: str = "maija") -> dict:
    payload = await obtain(client, username=username, password=DEMO_PASSWORDS[username])
    assert payload["errors"] == [], payload
    return payload


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_password_grant_gives_tokens_that_work_as_bearer(mobile) -> None:
    before = datetime.now(UTC)
    payload = await password_grant(mobile, "maija")
    assert payload["accessToken"].count(".") == 2
    assert payload["refreshToken"].startswith("eprt_")
    expires = datetime.fromisoformat(payload["expiresAt"])
    assert expires.tzinfo is not None
    assert before + timedelta(minutes=14) < expires <= datetime.now(UTC) + timedelta(minutes=15)
    assert "ep_session" not in mobile.cookies  # tokens, not a web session

    home = await gql(mobile, HOME, **bearer(payload["accessToken"]))
    assert home.errors == [], home.errors
    assert home.data["viewer"]["user"]["username"] == "maija"
    assert home.data["viewer"]["customers"]
    assert home.data["viewer"]["customers"][0]["invoices"] is not None

    anonymous = await gql(mobile, HOME)
    assert anonymous.data["viewer"] is None


async def test_the_role_comes_from_the_database(mobile, runtime) -> None:
    payload = await password_grant(mobile, "asiakaspalvelu")
    result = await gql(mobile, VIEWER, **bearer(payload["accessToken"]))
    assert result.data["viewer"]["user"]["role"] == "CUSTOMER_SERVICE"
    # A validly signed token of a user who does not exist gives no principal.
    ghost = access_tokens(runtime.rules).issue(987654321).token
    assert (await gql(mobile, VIEWER, **bearer(ghost))).data["viewer"] is None


async def test_the_refresh_token_is_stored_only_as_a_hash(mobile, runtime) -> None:
    payload = await password_grant(mobile)
    async with runtime.sessions() as db:
        row = (
            await db.execute(
                select(RefreshToken).where(
                    RefreshToken.token_hash == token_hash(payload["refreshToken"])
                )
            )
        ).scalar_one()
        stored = [str(v) for v in (await db.execute(select(RefreshToken.__table__))).all()]
    assert payload["refreshToken"] not in " ".join(stored)
    days = (row.expires_at - row.created_at).total_seconds() / 86400
    assert days == runtime.rules.refresh_token_days


async def test_refresh_rotates_the_token(mobile, runtime) -> None:
    first = await password_grant(mobile)
    second = await obtain(mobile, refreshToken=first["refreshToken"])
    assert second["errors"] == []
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    viewer = await gql(mobile, VIEWER, **bearer(second["accessToken"]))
    assert viewer.data["viewer"]["user"]["username"] == "maija"
    third = await obtain(mobile, refreshToken=second["refreshToken"])
    assert third["errors"] == []

    async with runtime.sessions() as db:
        rows = {
            r.token_hash: r
            for r in (
                await db.execute(
                    select(RefreshToken).where(
                        RefreshToken.token_hash.in_(
                            [token_hash(p["refreshToken"]) for p in (first, second, third)]
                        )
                    )
                )
            ).scalars()
        }
    old, middle, new = (rows[token_hash(p["refreshToken"])] for p in (first, second, third))
    assert old.family_id == middle.family_id == new.family_id
    assert old.rotated_at is not None and middle.rotated_at is not None
    assert new.rotated_at is None and new.revoked_at is None


async def test_reusing_a_rotated_token_revokes_the_whole_family(mobile, runtime) -> None:
    first = await password_grant(mobile)
    second = await obtain(mobile, refreshToken=first["refreshToken"])
    assert second["errors"] == []
    other_sign_in = await password_grant(mobile)  # another family: must stay untouched

    reuse = await obtain(mobile, refreshToken=first["refreshToken"])
    assert reuse["accessToken"] is None and reuse["refreshToken"] is None
    assert [e["code"] for e in reuse["errors"]] == ["INVALID_TOKEN"]
    # The newest token of the family is refused too: the thief and the owner both sign in again.
    newest = await obtain(mobile, refreshToken=second["refreshToken"])
    assert [e["code"] for e in newest["errors"]] == ["INVALID_TOKEN"]
    assert newest["errors"] == reuse["errors"]
    # An access token already issued keeps working until it expires (documented).
    viewer = await gql(mobile, VIEWER, **bearer(second["accessToken"]))
    assert viewer.data["viewer"]["user"]["username"] == "maija"

    async with runtime.sessions() as db:
        family = await db.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == token_hash(first["refreshToken"])
            )
        )
        revoked = (
            (await db.execute(select(RefreshToken.revoked_at).where(RefreshToken.family_id == family)))
            .scalars()
            .all()
        )
        events = (
            (await db.execute(select(AuditEvent).where(AuditEvent.action == FAMILY_REVOKED_ACTION)))
            .scalars()
            .all()
        )
    assert len(revoked) == 2 and all(r is not None for r in revoked)
    mine = [e for e in events if e.details.get("family_id") == family]
    assert len(mine) == 1  # presenting the newest afterwards revoked nothing new
    assert mine[0].details["reason"] == "reuse"
    assert mine[0].actor_user_id is not None

    still = await obtain(mobile, refreshToken=other_sign_in["refreshToken"])
    assert still["errors"] == []


async def test_concurrent_use_of_one_token_lets_only_one_through(mobile) -> None:
    first = await password_grant(mobile)
    results = await asyncio.gather(
        *[gql(mobile, OBTAIN, {"input": {"refreshToken": first["refreshToken"]}}) for _ in range(4)]
    )
    successes = [r for r in results if r.data["obtainToken"]["errors"] == []]
    assert len(successes) == 1
    for result in successes:
        again = await obtain(mobile, refreshToken=result.data["obtainToken"]["refreshToken"])
        assert [e["code"] for e in again["errors"]] == ["INVALID_TOKEN"]


async def test_revoke_refresh_token(mobile, runtime) -> None:
    first = await password_grant(mobile)
    second = await obtain(mobile, refreshToken=first["refreshToken"])
    result = await gql(mobile, REVOKE, {"input": {"refreshToken": second["refreshToken"]}})
    assert result.errors == [] and result.data["revokeRefreshToken"]["errors"] == []
    refused = await obtain(mobile, refreshToken=second["refreshToken"])
    assert [e["code"] for e in refused["errors"]] == ["INVALID_TOKEN"]

    unknown = await gql(mobile, REVOKE, {"input": {"refreshToken": "eprt_not-a-token-anyone-has"}})
    huge = await gql(mobile, REVOKE, {"input": {"refreshToken": "x" * 10_000}})
    again = await gql(mobile, REVOKE, {"input": {"refreshToken": second["refreshToken"]}})
    assert unknown == result == huge == again

    async with runtime.sessions() as db:
        family = await db.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == token_hash(first["refreshToken"])
            )
        )
        events = (
            (await db.execute(select(AuditEvent).where(AuditEvent.action == FAMILY_REVOKED_ACTION)))
            .scalars()
            .all()
        )
    reasons = [e.details["reason"] for e in events if e.details.get("family_id") == family]
    assert reasons == ["revoked_by_client"]


async def test_a_tampered_expired_or_foreign_bearer_token_is_anonymous(mobile, runtime) -> None:
    token = (await password_grant(mobile))["accessToken"]
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{signature}"
    past = dataclasses.replace(
        access_tokens(runtime.rules), clock=lambda: datetime.now(UTC) - timedelta(minutes=16)
    )
    expired = past.issue(1).token
    foreign = dataclasses.replace(access_tokens(runtime.rules), issuer="https://elsewhere.example").issue(1)
    for bad in (tampered, expired, foreign.token, "not-a-jwt", ""):
        response = await mobile.post("/graphql", json={"query": HOME}, headers=bearer(bad))
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["viewer"] is None, bad
        assert "errors" not in body
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    guarded = await gql(mobile, "{ bulletins { id } }", **bearer(tampered))
    assert guarded.data["bulletins"] is None
    assert guarded.codes() == ["UNAUTHENTICATED"]


async def test_a_bearer_token_takes_precedence_over_a_cookie(mobile, client) -> None:
    token = (await password_grant(mobile, "liisa"))["accessToken"]
    await gql(
        client,
        "mutation($i: LoginInput!) { login(input: $i) { errors { code } } }",
        {"i": {"username": "maija", "password": DEMO_PASSWORDS["maija"]}},
    )
    assert (await gql(client, VIEWER)).data["viewer"]["user"]["username"] == "maija"
    assert (await gql(client, VIEWER, **bearer(token))).data["viewer"]["user"]["username"] == "liisa"
    assert (await gql(client, VIEWER, **bearer("garbage"))).data["viewer"] is None


async def test_an_expired_access_token_does_not_stop_a_refresh(mobile, runtime) -> None:
    first = await password_grant(mobile)
    past = dataclasses.replace(
        access_tokens(runtime.rules), clock=lambda: datetime.now(UTC) - timedelta(hours=1)
    )
    result = await gql(
        mobile, OBTAIN, {"input": {"refreshToken": first["refreshToken"]}}, **bearer(past.issue(1).token)
    )
    assert result.data["obtainToken"]["errors"] == []


@pytest.mark.parametrize(
    "input_",
    [
        {},
        {"username": "maija", "password": DEMO_PASSWORDS["maija"], "refreshToken": "eprt_x"},
        {"username": "maija", "refreshToken": "eprt_x"},
        {"username": "maija"},
        {"password": DEMO_PASSWORDS["maija"]},
    ],
)
async def test_exactly_one_way_is_required(mobile, input_) -> None:
    payload = await obtain(mobile, **input_)
    assert payload["accessToken"] is None and payload["refreshToken"] is None
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"]


async def test_unknown_refresh_tokens_are_refused(mobile) -> None:
    for token in ("eprt_unknown", "", "x" * 10_000):
        payload = await obtain(mobile, refreshToken=token)
        assert [e["code"] for e in payload["errors"]] == ["INVALID_TOKEN"]
        assert payload["accessToken"] is None


async def forget_accounts(runtime, *usernames: str) -> None:
    for username in usernames:
        await throttle.forget(runtime.limiter, throttle.SIGN_IN_PER_ACCOUNT, username_key(username))


async def test_wrong_password_and_unknown_user_answer_the_same(mobile, runtime) -> None:
    try:
        wrong = await obtain(mobile, username="liisa", password="not-liisas-password-at-all")
        unknown = await obtain(mobile, username="nobody-by-this-name", password="not-liisas-password-at-all")
        empty = await obtain(mobile, username="liisa", password="")
        huge = await obtain(mobile, username="liisa", password="x" * 100_000)
        assert wrong == unknown == empty == huge
        assert [e["code"] for e in wrong["errors"]] == ["INVALID_CREDENTIALS"]
        assert wrong["accessToken"] is None and wrong["refreshToken"] is None
    finally:
        await forget_accounts(runtime, "liisa", "nobody-by-this-name")


async def test_token_sign_ins_are_audited(mobile, runtime) -> None:
    try:
        await obtain(mobile, username="matti", password="not-mattis-password-at-all")
        await password_grant(mobile, "matti")
    finally:
        await forget_accounts(runtime, "matti")
    async with runtime.sessions() as db:
        events = (
            (
                await db.execute(
                    select(AuditEvent)
                    .where(AuditEvent.action.in_(["SIGN_IN", "SIGN_IN_FAILED"]))
                    .order_by(AuditEvent.id)  # (PostgreSQL returns heap order, not insertion order)
                )
            )
            .scalars()
            .all()
        )
    mine = [e for e in events if e.details.get("address") == mobile.address]
    assert [(e.action, e.details["method"]) for e in mine] == [
        ("SIGN_IN_FAILED", "token"),
        ("SIGN_IN", "token"),
    ]
    assert all(e.actor_user_id == mine[0].actor_user_id is not None for e in mine)


@pytest.fixture
def short_window(monkeypatch):
    """Sign-in throttling per account with a window of a few seconds, to watch it release."""
    window = 4
    policy = dataclasses.replace(throttle.SIGN_IN_PER_ACCOUNT, window_seconds=window)
    monkeypatch.setattr(throttle, "SIGN_IN_PER_ACCOUNT", policy)
    return window


async def test_throttling_per_account_engages_and_releases(mobile, runtime, short_window) -> None:
    real, ghost = "kahvila", "no-such-user-anywhere"
    limit = throttle.SIGN_IN_PER_ACCOUNT.limit
    try:
        for _ in range(limit):
            for username in (real, ghost):
                payload = await obtain(mobile, username=username, password="wrong-password-for-sure")
                assert [e["code"] for e in payload["errors"]] == ["INVALID_CREDENTIALS"]
        answers = []
        for username, password in (
            (real, "wrong-password-for-sure"),
            (ghost, "wrong-password-for-sure"),
            (real, DEMO_PASSWORDS[real]),
        ):
            response = await mobile.post(
                "/graphql",
                json={"query": OBTAIN, "variables": {"input": {"username": username, "password": password}}},
            )
            payload = response.json()["data"]["obtainToken"]
            assert [e["code"] for e in payload["errors"]] == ["RATE_LIMITED"], payload
            assert payload["accessToken"] is None
            retry_after = int(response.headers["retry-after"])
            assert 1 <= retry_after <= short_window + 1
            answers.append({**payload, "errors": [{**e, "message": None} for e in payload["errors"]]})
        # The same answer for the real account (even with its right password) and the unknown one
        # (the message names the seconds to wait, which differ by the moment of asking).
        assert answers[0] == answers[1] == answers[2]
        # Another account from the same address is not affected.
        assert (await password_grant(mobile, "matti"))["errors"] == []

        await asyncio.sleep(short_window + 1)
        released = await obtain(mobile, username=real, password=DEMO_PASSWORDS[real])
        assert released["errors"] == [] and released["accessToken"]
    finally:
        await forget_accounts(runtime, real, ghost, "matti")
    async with runtime.sessions() as db:
        events = (
            (await db.execute(select(AuditEvent).where(AuditEvent.action == "SIGN_IN_LOCKED_OUT")))
            .scalars()
            .all()
        )
    locked = [e for e in events if e.details.get("address") == mobile.address]
    assert len(locked) == 2 and all(e.details["method"] == "token" for e in locked)


async def test_login_and_tokens_share_one_budget_per_account(mobile, runtime) -> None:
    username = "liisa"
    try:
        for _ in range(throttle.SIGN_IN_PER_ACCOUNT.limit):
            result = await gql(
                mobile, LOGIN, {"input": {"username": username, "password": "wrong-password-x"}}
            )
            assert result.data["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
        payload = await obtain(mobile, username=username, password=DEMO_PASSWORDS[username])
        assert [e["code"] for e in payload["errors"]] == ["RATE_LIMITED"]
    finally:
        await forget_accounts(runtime, username)


async def test_a_success_clears_the_account_count(mobile, runtime) -> None:
    username = "isannoitsija"
    try:
        for _ in range(2):
            for _ in range(throttle.SIGN_IN_PER_ACCOUNT.limit - 1):
                payload = await obtain(mobile, username=username, password="wrong-password-again")
                assert [e["code"] for e in payload["errors"]] == ["INVALID_CREDENTIALS"]
            assert (await password_grant(mobile, username))["errors"] == []
    finally:
        await forget_accounts(runtime, username)


async def test_throttling_per_address(mobile, runtime) -> None:
    names = [f"address-test-{i}" for i in range(throttle.SIGN_IN_PER_ADDRESS.limit + 1)]
    earlier = await password_grant(mobile)
    try:
        for name in names[:-1]:
            payload = await obtain(mobile, username=name, password="whatever-password-1")
            assert [e["code"] for e in payload["errors"]] == ["INVALID_CREDENTIALS"]
        # A fresh username, and even a right password, from that address waits.
        for input_ in (
            {"username": names[-1], "password": "whatever-password-1"},
            {"username": "maija", "password": DEMO_PASSWORDS["maija"]},
        ):
            payload = await obtain(mobile, **input_)
            assert [e["code"] for e in payload["errors"]] == ["RATE_LIMITED"]
        # A mobile app already signed in keeps refreshing its tokens from there.
        assert (await obtain(mobile, refreshToken=earlier["refreshToken"]))["errors"] == []
    finally:
        await forget_accounts(runtime, *names)


async def test_failed_refreshes_are_throttled_per_address(mobile) -> None:
    good = await password_grant(mobile)
    for i in range(REFRESH_PER_ADDRESS.limit):
        payload = await obtain(mobile, refreshToken=f"eprt_guess-{i}")
        assert [e["code"] for e in payload["errors"]] == ["INVALID_TOKEN"]
    payload = await obtain(mobile, refreshToken=good["refreshToken"])
    assert [e["code"] for e in payload["errors"]] == ["RATE_LIMITED"]


async def test_a_refresh_token_expires_after_its_lifetime(mobile, runtime) -> None:
    first = await password_grant(mobile)
    token = first["refreshToken"]
    lifetime = timedelta(days=runtime.rules.refresh_token_days)
    async with runtime.sessions() as db:
        created = await db.scalar(
            select(RefreshToken.created_at).where(RefreshToken.token_hash == token_hash(token))
        )
    assert created is not None
    async with runtime.sessions() as db, db.begin():
        late = await rotate_refresh_token(db, token, days=1, now=created + lifetime)
    assert late.refused is RefreshRefusal.EXPIRED and late.refresh_token is None
    async with runtime.sessions() as db, db.begin():
        in_time = await rotate_refresh_token(db, token, days=1, now=created + lifetime - timedelta(seconds=1))
    assert in_time.refused is None and in_time.user_id is not None
    # Expiry is not reuse: the family lives on through the new token.
    assert (await obtain(mobile, refreshToken=in_time.refresh_token))["errors"] == []


async def test_file_urls_work_with_the_bearer_token_they_were_issued_to(mobile) -> None:
    token = (await password_grant(mobile, "maija"))["accessToken"]
    home = await gql(mobile, HOME, **bearer(token))
    invoice_id = home.data["viewer"]["customers"][0]["invoices"]["edges"][0]["node"]["id"]
    detail = await gql(mobile, operation("InvoiceDetail"), {"invoiceId": invoice_id}, **bearer(token))
    assert detail.errors == [], detail.errors
    url = detail.data["node"]["document"]["url"]
    response = await mobile.get(url, headers=bearer(token))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (await mobile.get(url)).status_code in {403, 404}
    other = (await password_grant(mobile, "liisa"))["accessToken"]
    assert (await mobile.get(url, headers=bearer(other))).status_code in {403, 404}
    assert (await mobile.get(url, headers=bearer(token + "x"))).status_code in {403, 404}
