"""Account recovery and changes through the API: reset links, reminders, password and username changes.

Every test works on users of its own (``make_user``), so the demo users keep their
passwords and usernames for the other tests.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.http import build_app
from auth import recovery
from auth.hashing import token_hash
from auth.passwords import hash_password
from domain.accounts import OneTimeToken, OneTimeTokenKind, RefreshToken
from domain.base import Language, utcnow
from domain.users import AuditEvent, User, UserSession
from resolvers import accounts as account_resolvers
from tests.conftest import LOGIN, forget_rate_limits, gql, operation

PASSWORD = "vanha hyvä salasana 2024"
NEW_PASSWORD = "uusi vielä parempi salasana"
VIEWER = "{ viewer { user { username } } }"


@pytest.fixture(autouse=True)
async def _forget_attempts(runtime):
    """The sign-in failures these tests make from 127.0.0.1 must not throttle other tests."""
    yield
    await forget_rate_limits(runtime)


async def make_user(
    runtime, *, language: Language = Language.EN, verified: bool = True, password: str = PASSWORD
) -> User:
    """A user of this test only, with a unique username and email."""
    suffix = secrets.token_hex(4)
    user = User(
        username=f"Test.User-{suffix}",
        username_key=f"test.user-{suffix}",
        email=f"test.user.{suffix}@example.org",
        email_verified=verified,
        password_hash=hash_password(password),
        language=language,
    )
    async with runtime.sessions() as db, db.begin():
        db.add(user)
    return user


async def sign_in(runtime, username: str, password: str = PASSWORD) -> httpx.AsyncClient:
    """A new client (cookie jar) signed in as ``username``."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(runtime)), base_url="http://testserver"
    )
    result = await gql(client, LOGIN, {"input": {"username": username, "password": password}})
    assert result.data["login"]["errors"] == [], result
    return client


async def outbox(client, to: str) -> list[dict]:
    response = await client.get("/dev/outbox", params={"to": to})
    assert response.status_code == 200
    return response.json()


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def request_reset(client, email: str, **headers: str) -> dict:
    result = await gql(client, operation("RequestPasswordReset"), {"input": {"email": email}}, **headers)
    return result.data["requestPasswordReset"]


async def reset(client, token: str, password: str = NEW_PASSWORD, **headers: str) -> list[dict]:
    result = await gql(
        client, operation("ResetPassword"), {"input": {"token": token, "newPassword": password}}, **headers
    )
    return result.data["resetPassword"]["errors"]


async def latest_reset_token(client, user: User) -> str:
    emails = [e for e in await outbox(client, user.email) if e["links"]]
    return token_of(emails[0]["links"][0])


async def add_refresh_token(runtime, user: User) -> int:
    row = RefreshToken(
        token_hash=secrets.token_hex(32),
        family_id=secrets.token_hex(8),
        user_id=user.id,
        expires_at=utcnow() + timedelta(days=30),
    )
    async with runtime.sessions() as db, db.begin():
        db.add(row)
    return row.id


async def refresh_token_revoked(runtime, token_id: int) -> bool:
    async with runtime.sessions() as db:
        return (await db.get(RefreshToken, token_id)).revoked_at is not None


async def actions(runtime, user: User) -> list[str]:
    async with runtime.sessions() as db:
        rows = await db.execute(
            select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.id)
        )
        return list(rows.scalars())


async def login_codes(client, username: str, password: str) -> list[str]:
    result = await gql(client, LOGIN, {"input": {"username": username, "password": password}})
    return [e["code"] for e in result.data["login"]["errors"]]


# --------------------------------------------------------------------------------------
# Password reset


async def test_reset_link_sets_a_new_password_and_ends_every_sign_in(client, runtime) -> None:
    user = await make_user(runtime)
    web_a, web_b = await sign_in(runtime, user.username), await sign_in(runtime, user.username)
    refresh_id = await add_refresh_token(runtime, user)
    try:
        assert await request_reset(client, user.email.upper()) == {"errors": []}
        [email] = await outbox(client, user.email)
        assert email["to"] == user.email
        assert email["subject"] == "Reset your password"
        assert email["sentAt"] is None  # no SMTP server in the tests
        [link] = email["links"]
        assert link.startswith("http://testserver/reset-password?token=")
        assert link in email["text"] and user.username in email["text"]
        token = token_of(link)

        # Only the token's SHA-256 is stored.
        async with runtime.sessions() as db:
            row = (await db.execute(select(OneTimeToken).where(OneTimeToken.user_id == user.id))).scalar_one()
        assert row.kind is OneTimeTokenKind.PASSWORD_RESET
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
        assert timedelta(days=13, hours=23) < row.expires_at - row.created_at <= timedelta(days=14)

        assert await reset(client, token) == []
        for web in (web_a, web_b):
            assert (await gql(web, VIEWER)).data["viewer"] is None
        assert await refresh_token_revoked(runtime, refresh_id)
        async with runtime.sessions() as db:
            live = await db.scalar(
                select(UserSession.id).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            )
        assert live is None

        assert await login_codes(client, user.username, PASSWORD) == ["INVALID_CREDENTIALS"]
        assert await login_codes(client, user.username, NEW_PASSWORD) == []

        # The link works once.
        errors = await reset(client, token, "yet another fine password here")
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID_TOKEN", ["input", "token"])]
        notice = (await outbox(client, user.email))[0]
        assert notice["subject"] == "Your password was changed" and notice["links"] == []
        assert await actions(runtime, user) == [
            "SIGN_IN",
            "SIGN_IN",
            "PASSWORD_RESET_REQUESTED",
            "PASSWORD_RESET",
            "SIGN_IN_FAILED",
            "SIGN_IN",
        ]
    finally:
        await web_a.aclose()
        await web_b.aclose()


async def test_a_newer_link_invalidates_the_older_one(client, runtime) -> None:
    user = await make_user(runtime)
    await request_reset(client, user.email)
    first = await latest_reset_token(client, user)
    await request_reset(client, user.email)
    second = await latest_reset_token(client, user)
    assert first != second
    assert [e["code"] for e in await reset(client, first)] == ["INVALID_TOKEN"]
    assert await reset(client, second) == []


async def test_a_successful_reset_or_change_invalidates_the_other_links(client, runtime) -> None:
    user = await make_user(runtime)
    # A second live link, as if two requests had crossed.
    extra = secrets.token_urlsafe(32)
    async with runtime.sessions() as db, db.begin():
        db.add(
            OneTimeToken(
                kind=OneTimeTokenKind.PASSWORD_RESET,
                token_hash=token_hash(extra),
                user_id=user.id,
                email=user.email,
                expires_at=utcnow() + timedelta(days=14),
            )
        )
    await request_reset(client, user.email)
    assert await reset(client, await latest_reset_token(client, user)) == []
    assert [e["code"] for e in await reset(client, extra, "some other good password")] == ["INVALID_TOKEN"]

    # Changing the password also ends the links that are out there.
    await request_reset(client, user.email)
    pending = await latest_reset_token(client, user)
    web = await sign_in(runtime, user.username, NEW_PASSWORD)
    try:
        result = await gql(
            web,
            operation("ChangePassword"),
            {"input": {"currentPassword": NEW_PASSWORD, "newPassword": "kolmas salasana tälle"}},
        )
        assert result.data["changePassword"]["errors"] == []
    finally:
        await web.aclose()
    assert [e["code"] for e in await reset(client, pending)] == ["INVALID_TOKEN"]


async def test_the_link_expires_after_14_days(client, runtime, monkeypatch) -> None:
    user = await make_user(runtime)
    requested = utcnow()
    monkeypatch.setattr(recovery, "now", lambda: requested)
    await request_reset(client, user.email)
    token = await latest_reset_token(client, user)

    monkeypatch.setattr(recovery, "now", lambda: requested + timedelta(days=14, seconds=1))
    errors = await reset(client, token)
    assert [(e["code"], e["field"]) for e in errors] == [("EXPIRED_TOKEN", ["input", "token"])]
    monkeypatch.setattr(recovery, "now", lambda: requested + timedelta(days=14))
    assert [e["code"] for e in await reset(client, token)] == ["EXPIRED_TOKEN"]

    monkeypatch.setattr(recovery, "now", lambda: requested + timedelta(days=13, hours=23, minutes=59))
    assert await reset(client, token) == []


async def test_the_new_password_follows_the_rules(client, runtime) -> None:
    user = await make_user(runtime)
    await request_reset(client, user.email)
    token = await latest_reset_token(client, user)
    cases = {
        "lyhyt salasana": ["PASSWORD_TOO_SHORT"],
        "qazwsxedcrfvtgb": ["PASSWORD_TOO_COMMON"],
        user.email: ["PASSWORD_SAME_AS_USERNAME_OR_EMAIL"],
        "x" * 1025: ["PASSWORD_TOO_LONG"],
    }
    for password, codes in cases.items():
        errors = await reset(client, token, password, **{"accept-language": "en"})
        assert [e["code"] for e in errors] == codes
        assert all(e["field"] == ["input", "newPassword"] for e in errors)
    short = await reset(client, token, "lyhyt", **{"accept-language": "en"})
    assert short[0]["message"] == "The password must have at least 15 characters."
    # Refused passwords do not use the link up; a 100-character one is fine, and works whole.
    long = "pitkä ja hyvä salasana, joka ei katkea " * 2 + "x" * 22
    assert len(long) == 100
    assert await reset(client, token, long) == []
    assert await login_codes(client, user.username, long[:72]) == ["INVALID_CREDENTIALS"]
    assert await login_codes(client, user.username, long) == []


async def test_tokens_that_are_not_ours_are_invalid(client) -> None:
    for token in ("", "x", "x" * 5000, secrets.token_urlsafe(32)):
        assert [e["code"] for e in await reset(client, token)] == ["INVALID_TOKEN"]


# --------------------------------------------------------------------------------------
# Uniform answers


async def test_requests_answer_the_same_for_known_and_unknown_addresses(client, runtime) -> None:
    known = await make_user(runtime)
    unverified = await make_user(runtime, verified=False)
    unknown = f"nobody.{secrets.token_hex(4)}@example.org"
    for name, field in (("RequestPasswordReset", "requestPasswordReset"), ("RequestUsernameReminder", None)):
        field = field or "requestUsernameReminder"
        bodies, times = [], []
        for address in (known.email, unverified.email, unknown):
            started = time.monotonic()
            response = await client.post(
                "/graphql", json={"query": operation(name), "variables": {"input": {"email": address}}}
            )
            times.append(time.monotonic() - started)
            # The cost report beside the answer is the same but for the budget left, which
            # the time between the requests changes (not the address).
            body = response.json()
            cost = body.pop("extensions")["cost"]
            bodies.append((response.status_code, body, cost["requested"], cost["limit"]))
        assert bodies[0] == bodies[1] == bodies[2]
        assert bodies[0][1] == {"data": {field: {"errors": []}}}
        assert min(times) >= account_resolvers.RECOVERY_MIN_SECONDS
        assert max(times) - min(times) < 0.2
    # Only the confirmed address of an account gets mail.
    assert [e["subject"] for e in await outbox(client, known.email)] == [
        "Your username",
        "Reset your password",
    ]
    assert await outbox(client, unverified.email) == []
    assert await outbox(client, unknown) == []


async def test_an_address_that_is_not_one_is_refused(client) -> None:
    for address in ("", "no-at-sign", "@", "x" * 300 + "@example.org"):
        result = await gql(client, operation("RequestPasswordReset"), {"input": {"email": address}})
        errors = result.data["requestPasswordReset"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID_EMAIL", ["input", "email"])]


async def test_username_reminder_in_the_users_language(client, runtime) -> None:
    user = await make_user(runtime, language=Language.SV)
    result = await gql(client, operation("RequestUsernameReminder"), {"input": {"email": user.email}})
    assert result.data["requestUsernameReminder"]["errors"] == []
    [email] = await outbox(client, user.email)
    assert email["subject"] == "Ditt användarnamn"
    assert user.username in email["text"]
    assert email["links"] == ["http://testserver/"]
    assert "USERNAME_REMINDER_SENT" in await actions(runtime, user)


@pytest.mark.parametrize(
    ("language", "subject", "phrase"),
    [
        (Language.FI, "Salasanan vaihtaminen", "Linkki toimii yhden kerran ja on voimassa 14 päivää"),
        (Language.SV, "Byte av lösenord", "Länken fungerar en gång och gäller i 14 dagar"),
        (Language.EN, "Reset your password", "The link works once and is valid for 14 days"),
    ],
)
async def test_reset_emails_in_the_users_language(client, runtime, language, subject, phrase) -> None:
    user = await make_user(runtime, language=language)
    await request_reset(client, user.email, **{"accept-language": "en"})
    [email] = await outbox(client, user.email)
    assert email["subject"] == subject
    assert phrase in email["text"]


# --------------------------------------------------------------------------------------
# Changing the password and the username


async def change_password(client, current: str, new: str, **headers: str) -> list[dict]:
    result = await gql(
        client,
        operation("ChangePassword"),
        {"input": {"currentPassword": current, "newPassword": new}},
        **headers,
    )
    return result.data["changePassword"]["errors"]


async def change_username(client, password: str, new: str, **headers: str) -> dict:
    result = await gql(
        client, operation("ChangeUsername"), {"input": {"password": password, "newUsername": new}}, **headers
    )
    return result.data["changeUsername"]


async def test_change_password_keeps_this_session_and_ends_the_others(runtime) -> None:
    user = await make_user(runtime)
    this, other = await sign_in(runtime, user.username), await sign_in(runtime, user.username)
    refresh_id = await add_refresh_token(runtime, user)
    try:
        errors = await change_password(
            this, "not the password at all", NEW_PASSWORD, **{"accept-language": "sv"}
        )
        assert [(e["code"], e["field"], e["message"]) for e in errors] == [
            ("WRONG_PASSWORD", ["input", "currentPassword"], "Lösenordet är fel.")
        ]
        errors = await change_password(this, PASSWORD, "1qaz2wsx3edc4rfv")
        assert [(e["code"], e["field"]) for e in errors] == [
            ("PASSWORD_TOO_COMMON", ["input", "newPassword"])
        ]
        assert (await gql(other, VIEWER)).data["viewer"] is not None
        assert not await refresh_token_revoked(runtime, refresh_id)

        assert await change_password(this, PASSWORD, NEW_PASSWORD) == []
        assert (await gql(this, VIEWER)).data["viewer"]["user"]["username"] == user.username
        assert (await gql(other, VIEWER)).data["viewer"] is None
        assert await refresh_token_revoked(runtime, refresh_id)
        assert await login_codes(other, user.username, PASSWORD) == ["INVALID_CREDENTIALS"]
        assert await login_codes(other, user.username, NEW_PASSWORD) == []
        assert (await outbox(this, user.email))[0]["subject"] == "Your password was changed"
        assert await actions(runtime, user) == [
            "SIGN_IN",
            "SIGN_IN",
            "PASSWORD_CHECK_FAILED",
            "PASSWORD_CHANGED",
            "SIGN_IN_FAILED",
            "SIGN_IN",
        ]
    finally:
        await this.aclose()
        await other.aclose()


async def test_changes_need_a_signed_in_user(client) -> None:
    errors = await change_password(client, PASSWORD, NEW_PASSWORD, **{"accept-language": "en"})
    assert [(e["code"], e["message"]) for e in errors] == [("NOT_SIGNED_IN", "Sign in first.")]
    payload = await change_username(client, PASSWORD, "someone-new")
    assert payload["user"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_SIGNED_IN"]


async def test_change_username(runtime) -> None:
    user = await make_user(runtime, language=Language.FI)
    web = await sign_in(runtime, user.username)
    new = f"Uusi.Nimi_{secrets.token_hex(3)}"
    try:
        payload = await change_username(web, "väärä salasana tähän", new)
        assert payload["user"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("WRONG_PASSWORD", ["input", "password"])
        ]
        # Taken, case-insensitively (the demo user "maija").
        payload = await change_username(web, PASSWORD, "MAIJA", **{"accept-language": "en"})
        assert [(e["code"], e["field"], e["message"]) for e in payload["errors"]] == [
            ("USERNAME_TAKEN", ["input", "newUsername"], "This username is already taken.")
        ]
        for invalid in ("ab", "x" * 65, "has space", "semi;colon", "emoji🙂name"):
            payload = await change_username(web, PASSWORD, invalid)
            assert [e["code"] for e in payload["errors"]] == ["INVALID_USERNAME"], invalid

        payload = await change_username(web, PASSWORD, new)
        assert payload["errors"] == []
        assert payload["user"]["username"] == new
        assert (await gql(web, VIEWER)).data["viewer"]["user"]["username"] == new
        assert await login_codes(web, user.username, PASSWORD) == ["INVALID_CREDENTIALS"]
        assert await login_codes(web, new.upper(), PASSWORD) == []
        # Only the case of one's own username may change too.
        payload = await change_username(web, PASSWORD, new.lower())
        assert payload["errors"] == [] and payload["user"]["username"] == new.lower()
        notice = (await outbox(web, user.email))[0]
        assert notice["subject"] == "Käyttäjätunnuksesi on vaihdettu"
        assert new in notice["text"] and new.lower() in notice["text"]
        async with runtime.sessions() as db:
            event = (
                (
                    await db.execute(
                        select(AuditEvent)
                        .where(AuditEvent.actor_user_id == user.id, AuditEvent.action == "USERNAME_CHANGED")
                        .order_by(AuditEvent.id)
                    )
                )
                .scalars()
                .first()
            )
        assert event.details == {"old": user.username, "new": new}
    finally:
        await web.aclose()


async def test_the_current_password_cannot_be_guessed_through_changes(runtime) -> None:
    user = await make_user(runtime)
    web = await sign_in(runtime, user.username)
    try:
        for _ in range(5):
            assert [e["code"] for e in await change_password(web, "arvaus arvaus arvaus", NEW_PASSWORD)] == [
                "WRONG_PASSWORD"
            ]
        # Locked for this user now, even with the right password, for either change.
        errors = await change_password(web, PASSWORD, NEW_PASSWORD, **{"accept-language": "en"})
        assert [e["code"] for e in errors] == ["RATE_LIMITED"]
        assert errors[0]["message"].startswith("Too many attempts. Try again in ")
        payload = await change_username(web, PASSWORD, f"whatever-{secrets.token_hex(3)}")
        assert [e["code"] for e in payload["errors"]] == ["RATE_LIMITED"]
    finally:
        await web.aclose()
