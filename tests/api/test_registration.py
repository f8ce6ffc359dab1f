"""Registration after strong identification: completeRegistration and confirmEmail.

The whole flow runs through the development identity provider with the real OIDC
client (``tests.auth.strong_flow``). Tests share one demo database per session, so each
one creates what it needs under fresh names and checks state first where it must.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.http import build_app
from auth.registration import issue_registration_token, read_registration_token
from domain.accounts import OneTimeToken, OneTimeTokenKind, OutboxEmail
from domain.base import utcnow
from domain.customers import AccessGrant, Customer, CustomerKind, CustomerOwner, GrantKind, GrantStatus
from domain.grants import activate_pending_grants
from domain.registration import customers_for_registration, normalise_business_id
from domain.usernames import username_is_valid
from domain.users import AuditEvent, User
from fixtures.places import make_business_id, make_hetu
from fixtures.world import ANNA_HETU, KAHVILA_REPRESENTATIVE_HETU, LIISA_HETU, MAIJA_HETU, PEKKA_HETU
from tests.auth.strong_flow import browser_for, identify, provider_of, query_of, wired_app
from tests.conftest import gql, login, operation

COMPLETE = operation("CompleteRegistration")
CONFIRM = operation("ConfirmEmail")
VIEWER = "{ viewer { user { username strongIdentityLinked } customers { customerNumber relationship } } }"
PASSWORD = "kesämökin sauna lämpenee hitaasti"
KAHVILA_BUSINESS_ID = "2345678-0"


@pytest.fixture
def app(runtime) -> Any:
    return wired_app(runtime)


@pytest.fixture
async def browser(app, runtime):
    async with browser_for(app, runtime) as b:
        yield b


def tag() -> str:
    return secrets.token_hex(4)


async def count_rows(runtime) -> dict[str, int]:
    """Rows of every table registration could write."""
    counts = {}
    async with runtime.sessions() as db:
        for model in (User, CustomerOwner, OneTimeToken, OutboxEmail, AuditEvent, AccessGrant):
            counts[model.__tablename__] = await db.scalar(select(func.count()).select_from(model))
    return counts


async def forget_registration(runtime, hetu: str) -> None:
    """Unlink an earlier test's user from ``hetu`` (so that the test can run again)."""
    async with runtime.sessions() as db, db.begin():
        user = (await db.execute(select(User).where(User.strong_identity == hetu))).scalar_one_or_none()
        if user is not None:
            assert not user.is_demo, "never unlink a demo user"
            await db.execute(delete(CustomerOwner).where(CustomerOwner.user_id == user.id))
            user.strong_identity = None


async def register_token(browser, hetu: str, **kwargs: Any) -> str:
    response = await identify(browser, "register", hetu, **kwargs)
    params = query_of(response.headers["location"])
    assert set(params) == {"registrationToken"}, params
    return params["registrationToken"]


def registration_input(token: str, **changes: Any) -> dict[str, Any]:
    suffix = tag()
    values = {
        "registrationToken": token,
        "username": f"user.{suffix}",
        "email": f"user.{suffix}@example.fi",
        "password": PASSWORD,
        "acceptTerms": True,
    }
    return {"input": {**values, **changes}}


async def complete(client, token: str, **changes: Any) -> dict[str, Any]:
    result = await gql(client, COMPLETE, registration_input(token, **changes), **{"accept-language": "en"})
    assert not result.errors, result
    return result.data["completeRegistration"]


async def confirm(client, token: str) -> list[dict[str, Any]]:
    result = await gql(client, CONFIRM, {"input": {"token": token}}, **{"accept-language": "en"})
    assert not result.errors, result
    return result.data["confirmEmail"]["errors"]


async def fresh_identity(runtime, app) -> str:
    """A test person known to the provider but to no customer or user yet."""
    rng = random.Random(secrets.randbits(64))
    async with runtime.sessions() as db:
        while True:
            hetu = make_hetu(
                date(1950, 1, 1) + timedelta(days=rng.randrange(20000)), rng.randrange(900, 1000)
            )
            taken = await db.scalar(
                select(func.count()).select_from(Customer).where(Customer.personal_identity_code == hetu)
            ) or await db.scalar(select(func.count()).select_from(User).where(User.strong_identity == hetu))
            if not taken:
                break
    from app.dev_idp import TestIdentity

    provider_of(app).add_identity(TestIdentity(hetu, "Olli", f"Omistaja-{hetu[7:10]}"))
    return hetu


async def fresh_organisation(runtime, representative: str) -> Customer:
    """An organisation customer naming ``representative`` as its representative."""
    rng = random.Random(secrets.randbits(64))
    async with runtime.sessions() as db, db.begin():
        while True:
            try:
                business_id = make_business_id(rng.randrange(3_400_000, 9_999_999))
            except ValueError:
                continue
            number = f"9{rng.randrange(10**8):08d}"
            clash = await db.scalar(
                select(func.count())
                .select_from(Customer)
                .where((Customer.business_id == business_id) | (Customer.customer_number == number))
            )
            if not clash:
                break
        customer = Customer(
            customer_number=number,
            name=f"Testiyhtiö {number} Oy",
            kind=CustomerKind.ORGANIZATION,
            business_id=business_id,
            representatives=[representative],
        )
        db.add(customer)
    return customer


# -- Pekka Uusi registers --------------------------------------------------------------


async def test_pekka_registers_confirms_and_signs_in_both_ways(app, browser, runtime) -> None:
    await forget_registration(runtime, PEKKA_HETU)
    suffix = tag()
    username, email = f"Pekka.Uusi-{suffix}", f"pekka.uusi.{suffix}@example.fi"

    # A pending grant to his address, from Maija, waits for him.
    async with runtime.sessions() as db, db.begin():
        maija = (await db.execute(select(User).where(User.username_key == "maija"))).scalar_one()
        maija_customer = await db.scalar(
            select(CustomerOwner.customer_id).where(CustomerOwner.user_id == maija.id)
        )
        pending = AccessGrant(
            customer_id=maija_customer,
            kind=GrantKind.DELEGATE,
            grantee_email=email.upper(),
            permissions={"INVOICES": "READ"},
            status=GrantStatus.PENDING,
            granted_by_user_id=maija.id,
        )
        db.add(pending)
    # Each part of this test wants its own browser (its own cookies).
    token = await register_token(browser, PEKKA_HETU, return_to="/register/details")
    assert PEKKA_HETU not in token and "Pekka" not in token  # encrypted, not only signed
    payload = await complete(browser, token, username=username, email=email)
    assert payload["errors"] == []
    assert payload["user"]["username"] == username
    assert payload["user"]["email"] == email
    assert payload["user"]["strongIdentityLinked"] is True
    assert "ep_session" not in browser.cookies  # registration does not sign in

    async with runtime.sessions() as db:
        user = (await db.execute(select(User).where(User.strong_identity == PEKKA_HETU))).scalar_one()
        assert (user.username, user.username_key, user.email) == (username, username.casefold(), email)
        assert user.name == "Pekka Uusi"  # from the strong identification
        assert user.email_verified is False and user.password_hash.startswith("$argon2id$")
        # an owner's language follows the customer's messaging language until chosen
        assert (user.language.value, user.language_source) == ("FI", "CUSTOMER")
        owned = (
            await db.execute(select(CustomerOwner.customer_id).where(CustomerOwner.user_id == user.id))
        ).all()
        pekka_customer = await db.scalar(
            select(Customer.id).where(Customer.personal_identity_code == PEKKA_HETU)
        )
        assert [row[0] for row in owned] == [pekka_customer]
        mails = list((await db.execute(select(OutboxEmail).where(OutboxEmail.to_address == email))).scalars())
        assert len(mails) == 1 and mails[0].subject == "Confirm your email address"
        [link] = mails[0].links
        assert link.startswith(runtime.settings.public_origin.rstrip("/") + "/confirm-email?token=")
        assert link in mails[0].text and username in mails[0].text
        confirmation = link.split("token=", 1)[1]
        stored = (await db.execute(select(OneTimeToken).where(OneTimeToken.user_id == user.id))).scalar_one()
        assert stored.kind is OneTimeTokenKind.EMAIL_CONFIRMATION
        assert stored.token_hash == hashlib.sha256(confirmation.encode()).hexdigest() != confirmation
        assert timedelta(days=6) < stored.expires_at - utcnow() <= timedelta(days=7)
        actions = set(
            (await db.execute(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id))).scalars()
        )
        assert "registration_completed" in actions

    # Confirming the address activates the grant; the link works once.
    assert await confirm(browser, confirmation) == []
    again = await confirm(browser, confirmation)
    assert [e["code"] for e in again] == ["INVALID_TOKEN"] and again[0]["field"] == ["input", "token"]
    async with runtime.sessions() as db:
        assert await db.scalar(select(User.email_verified).where(User.id == user.id)) is True
        grant = await db.get(AccessGrant, pending.id)
        assert grant is not None and grant.status is GrantStatus.ACTIVE and grant.grantee_user_id == user.id
        actions = set(
            (await db.execute(select(AuditEvent.action).where(AuditEvent.actor_user_id == user.id))).scalars()
        )
        assert {"email_confirmed", "access_grant_activated"} <= actions

    # Sign-in with the password (username case-insensitive) ...
    async with browser_for(app, runtime) as by_password:
        await login(by_password, username.upper(), PASSWORD)
        viewer = (await gql(by_password, VIEWER)).data["viewer"]
        assert viewer["user"] == {"username": username, "strongIdentityLinked": True}
        relationships = {c["customerNumber"]: c["relationship"] for c in viewer["customers"]}
        assert relationships["2101266"] == "OWNER"
        assert relationships["2100458"] == "DELEGATE"  # Maija's grant, now active

    # ... and with his bank identity.
    async with browser_for(app, runtime) as by_bank:
        response = await identify(by_bank, "login", PEKKA_HETU, return_to="/home")
        assert response.headers["location"] == runtime.settings.public_origin.rstrip("/") + "/home"
        assert (await gql(by_bank, VIEWER)).data["viewer"]["user"]["username"] == username

    # He cannot register again: neither at the callback nor with the old token.
    async with browser_for(app, runtime) as again_browser:
        response = await identify(again_browser, "register", PEKKA_HETU)
        assert query_of(response.headers["location"]) == {"error": "ALREADY_REGISTERED"}
    before = await count_rows(runtime)
    second = await complete(browser, token)
    assert [e["code"] for e in second["errors"]] == ["ALREADY_REGISTERED"] and second["user"] is None
    assert await count_rows(runtime) == before


# -- who cannot register ----------------------------------------------------------------


async def test_anna_has_no_customership_and_nothing_is_created(browser, runtime) -> None:
    before = await count_rows(runtime)
    response = await identify(browser, "register", ANNA_HETU, return_to="/register")
    assert (
        response.headers["location"]
        == runtime.settings.public_origin.rstrip("/") + "/register?error=NO_CUSTOMERSHIP"
    )
    assert await count_rows(runtime) == before


async def test_maija_cannot_register_twice(browser, runtime) -> None:
    before = await count_rows(runtime)
    response = await identify(browser, "register", MAIJA_HETU)
    assert query_of(response.headers["location"]) == {"error": "ALREADY_REGISTERED"}
    # Even with a token made for her (as if issued before her account existed).
    async with runtime.sessions() as db:
        customer = await db.scalar(select(Customer.id).where(Customer.personal_identity_code == MAIJA_HETU))
    token = issue_registration_token(
        runtime.signing_key,
        hetu=MAIJA_HETU,
        given_name="Maija",
        family_name="Meikäläinen",
        customer_ids=[customer],
        business_id=None,
    )
    payload = await complete(browser, token)
    assert payload["user"] is None
    assert payload["errors"][0]["code"] == "ALREADY_REGISTERED"
    assert (
        payload["errors"][0]["message"] == "You already have an account. Sign in, or ask for a new password."
    )
    assert await count_rows(runtime) == before


async def test_the_cafe_representative_already_has_a_user(browser) -> None:
    response = await identify(
        browser, "register", KAHVILA_REPRESENTATIVE_HETU, business_id=KAHVILA_BUSINESS_ID
    )
    assert query_of(response.headers["location"]) == {"error": "ALREADY_REGISTERED"}


# -- organisations ----------------------------------------------------------------------


async def test_a_representative_registers_for_the_organisation(app, browser, runtime) -> None:
    hetu = await fresh_identity(runtime, app)
    organisation = await fresh_organisation(runtime, hetu)

    # Without the business ID there is nothing for them (no person customer) ...
    alone = await identify(browser, "register", hetu)
    assert query_of(alone.headers["location"]) == {"error": "NO_CUSTOMERSHIP"}
    # ... nor with another organisation's ...
    cafe = await identify(browser, "register", hetu, business_id=KAHVILA_BUSINESS_ID)
    assert query_of(cafe.headers["location"]) == {"error": "NO_CUSTOMERSHIP"}
    # ... but with their organisation's business ID (any accepted spelling) they may register.
    token = await register_token(browser, hetu, business_id=organisation.business_id.replace("-", ""))
    assert read_registration_token(runtime.signing_key, token).customer_ids == (organisation.id,)
    suffix = tag()
    payload = await complete(
        browser, token, username=f"edustaja_{suffix}", email=f"edustaja.{suffix}@example.fi"
    )
    assert payload["errors"] == []
    await login(browser, f"edustaja_{suffix}", PASSWORD)
    customers = (await gql(browser, VIEWER)).data["viewer"]["customers"]
    assert customers == [{"customerNumber": organisation.customer_number, "relationship": "OWNER"}]
    async with runtime.sessions() as db:
        events = (
            await db.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "registration_completed", AuditEvent.customer_id == organisation.id
                )
            )
        ).scalars()
        assert [e.details.get("business_id") for e in events] == [organisation.business_id]


async def test_matching_customers_by_identity_code_and_business_id(runtime) -> None:
    async with runtime.sessions() as db:
        cafe = (
            await db.execute(select(Customer).where(Customer.business_id == KAHVILA_BUSINESS_ID))
        ).scalar_one()
        liisa = (
            await db.execute(select(Customer).where(Customer.personal_identity_code == LIISA_HETU))
        ).scalar_one()
        rep = KAHVILA_REPRESENTATIVE_HETU
        assert [c.id for c in await customers_for_registration(db, rep, KAHVILA_BUSINESS_ID)] == [cafe.id]
        assert await customers_for_registration(db, rep) == []  # no person customer of their own
        assert await customers_for_registration(db, LIISA_HETU, KAHVILA_BUSINESS_ID) == []  # not named
        assert await customers_for_registration(db, rep, "1234567-1") == []  # no such organisation
        assert [c.id for c in await customers_for_registration(db, LIISA_HETU)] == [liisa.id]
        assert await customers_for_registration(db, ANNA_HETU) == []
    # A representative who is also a person customer gets both.
    async with runtime.sessions() as db, db.begin():
        cafe = await db.get(Customer, cafe.id)
        assert cafe is not None
        cafe.representatives = [*cafe.representatives, LIISA_HETU]
    try:
        async with runtime.sessions() as db:
            matched = await customers_for_registration(db, LIISA_HETU, KAHVILA_BUSINESS_ID)
            assert [c.id for c in matched] == [liisa.id, cafe.id]
    finally:
        async with runtime.sessions() as db, db.begin():
            cafe = await db.get(Customer, cafe.id)
            assert cafe is not None
            cafe.representatives = [r for r in cafe.representatives if r != LIISA_HETU]


def test_business_ids_are_normalised_and_checked() -> None:
    assert normalise_business_id("2345678-0") == "2345678-0"
    assert normalise_business_id("23456780") == "2345678-0"
    assert normalise_business_id(" 2345678-0 ") == "2345678-0"
    assert normalise_business_id("2345678-1") is None
    assert normalise_business_id("") is None
    assert normalise_business_id("x" * 100) is None


# -- completeRegistration input ----------------------------------------------------------


async def test_every_input_problem_is_reported_at_once_in_the_request_language(app, browser, runtime) -> None:
    hetu = await fresh_identity(runtime, app)
    organisation = await fresh_organisation(runtime, hetu)
    token = await register_token(browser, hetu, business_id=organisation.business_id)
    before = await count_rows(runtime)
    variables = registration_input(
        token, username="x", email="not-an-email", password="qX7#vbL2", acceptTerms=False
    )
    result = await gql(browser, COMPLETE, variables, **{"accept-language": "en"})
    errors = {e["code"]: e for e in result.data["completeRegistration"]["errors"]}
    assert set(errors) == {"TERMS_NOT_ACCEPTED", "INVALID_USERNAME", "INVALID_EMAIL", "PASSWORD_TOO_SHORT"}
    assert errors["INVALID_USERNAME"]["field"] == ["input", "username"]
    assert errors["INVALID_EMAIL"]["field"] == ["input", "email"]
    assert errors["PASSWORD_TOO_SHORT"]["field"] == ["input", "password"]
    assert errors["TERMS_NOT_ACCEPTED"]["message"] == "Accept the terms of use to register."
    finnish = await gql(browser, COMPLETE, variables, **{"accept-language": "fi"})
    assert (
        finnish.data["completeRegistration"]["errors"][0]["message"]
        != result.data["completeRegistration"]["errors"][0]["message"]
    )
    swedish = await gql(browser, COMPLETE, variables, **{"accept-language": "sv"})
    messages = {e["code"]: e["message"] for e in swedish.data["completeRegistration"]["errors"]}
    assert messages["INVALID_EMAIL"] == "E-postadressen är inte giltig."

    common = await complete(browser, token, password="password123456789")
    assert [e["code"] for e in common["errors"]] == ["PASSWORD_TOO_COMMON"]
    taken = await complete(browser, token, username="MAIJA")
    assert [e["code"] for e in taken["errors"]] == ["USERNAME_TAKEN"]
    too_long = await complete(browser, token, password="p" * 5000)
    assert [e["code"] for e in too_long["errors"]] == ["PASSWORD_TOO_LONG"]
    assert await count_rows(runtime) == before


@pytest.mark.parametrize(
    ("username", "valid"),
    [
        ("pekka", True),
        ("Mäkelä.Ä-1_x", True),
        ("ab", False),
        ("a" * 64, True),
        ("a" * 65, False),
        ("with space", False),
        ("semi;colon", False),
        ("at@sign", False),
        ("١٢٣abc", False),  # digits outside 0-9
        ("", False),
    ],
)
def test_username_rules(username: str, valid: bool) -> None:
    assert username_is_valid(username) is valid


def _flip(token: str, at: int) -> str:
    replacement = "A" if token[at] != "A" else "B"
    return token[:at] + replacement + token[at + 1 :]


async def test_tampered_expired_and_foreign_registration_tokens_are_refused(app, browser, runtime) -> None:
    hetu = await fresh_identity(runtime, app)
    organisation = await fresh_organisation(runtime, hetu)
    claims = {
        "hetu": hetu,
        "given_name": "Olli",
        "family_name": "Omistaja",
        "customer_ids": [organisation.id],
        "business_id": organisation.business_id,
    }
    good = issue_registration_token(runtime.signing_key, **claims)
    header, key, iv, ciphertext, tag_ = good.split(".")
    assert key == ""  # direct encryption
    assert hetu not in base64.urlsafe_b64decode(ciphertext + "==").decode("latin-1")
    before = await count_rows(runtime)
    cases = {
        "ciphertext": ".".join([header, key, iv, _flip(ciphertext, 5), tag_]),
        "tag": ".".join([header, key, iv, ciphertext, _flip(tag_, 3)]),
        "header": ".".join([_flip(header, 10), key, iv, ciphertext, tag_]),
        "another key": issue_registration_token("another-server-key-" + "x" * 40, **claims),
        "garbage": "not-a-token",
        "empty": "",
        "huge": "a" * 10_000,
    }
    for name, token in cases.items():
        payload = await complete(browser, token)
        assert [e["code"] for e in payload["errors"]] == ["INVALID_TOKEN"], name
        assert payload["errors"][0]["field"] == ["input", "registrationToken"]
    expired = issue_registration_token(runtime.signing_key, **claims, now=int(time.time()) - 31 * 60)
    payload = await complete(browser, expired)
    assert [e["code"] for e in payload["errors"]] == ["EXPIRED_TOKEN"]
    assert await count_rows(runtime) == before
    # A token listing a customer the person does not match creates nothing either.
    async with runtime.sessions() as db:
        cafe = await db.scalar(select(Customer.id).where(Customer.business_id == KAHVILA_BUSINESS_ID))
    wrong_customer = issue_registration_token(runtime.signing_key, **{**claims, "customer_ids": [cafe]})
    payload = await complete(browser, wrong_customer)
    assert [e["code"] for e in payload["errors"]] == ["NO_CUSTOMERSHIP"]
    assert await count_rows(runtime) == before
    # The untouched token still works.
    assert (await complete(browser, good))["errors"] == []


# -- confirmEmail -------------------------------------------------------------------------


async def _confirmation_token(runtime, username: str, *, email: str | None = None, days: int = 7) -> str:
    token = secrets.token_urlsafe(32)
    async with runtime.sessions() as db, db.begin():
        user = (await db.execute(select(User).where(User.username_key == username))).scalar_one()
        db.add(
            OneTimeToken(
                kind=OneTimeTokenKind.EMAIL_CONFIRMATION,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                email=email or user.email,
                expires_at=utcnow() + timedelta(days=days),
            )
        )
    return token


async def test_confirmation_links_that_expired_or_name_another_address_fail(browser, runtime) -> None:
    expired = await _confirmation_token(runtime, "liisa", days=-1)
    assert [e["code"] for e in await confirm(browser, expired)] == ["EXPIRED_TOKEN"]
    other_address = await _confirmation_token(runtime, "liisa", email="old.address@example.fi")
    assert [e["code"] for e in await confirm(browser, other_address)] == ["INVALID_TOKEN"]
    for token in ("", "x" * 1000, secrets.token_urlsafe(32)):
        assert [e["code"] for e in await confirm(browser, token)] == ["INVALID_TOKEN"]
    # A newer confirmation uses up the user's other outstanding links.
    first = await _confirmation_token(runtime, "liisa")
    second = await _confirmation_token(runtime, "liisa")
    assert await confirm(browser, second) == []
    assert [e["code"] for e in await confirm(browser, first)] == ["INVALID_TOKEN"]


async def test_pending_grants_activate_for_the_verified_address_only(runtime) -> None:
    suffix = tag()
    email = f"Someone.{suffix}@Example.fi"
    async with runtime.sessions() as db, db.begin():
        maija = await db.scalar(select(User.id).where(User.username_key == "maija"))
        liisa = await db.scalar(select(User.id).where(User.username_key == "liisa"))
        customer = await db.scalar(select(CustomerOwner.customer_id).where(CustomerOwner.user_id == maija))

        def grant(address: str, status: GrantStatus) -> AccessGrant:
            row = AccessGrant(
                customer_id=customer,
                grantee_email=address,
                permissions={"REPORTING": "READ"},
                status=status,
                granted_by_user_id=maija,
            )
            db.add(row)
            return row

        matching = grant(email.lower(), GrantStatus.PENDING)
        revoked = grant(email, GrantStatus.REVOKED)
        other = grant(f"other.{suffix}@example.fi", GrantStatus.PENDING)
        await db.flush()
        activated = await activate_pending_grants(db, liisa, email.upper())
        assert [g.id for g in activated] == [matching.id]
    async with runtime.sessions() as db:
        rows = {
            g.id: (g.status, g.grantee_user_id)
            for g in (
                await db.execute(
                    select(AccessGrant).where(AccessGrant.id.in_([matching.id, revoked.id, other.id]))
                )
            ).scalars()
        }
    assert rows[matching.id] == (GrantStatus.ACTIVE, liisa)
    assert rows[revoked.id] == (GrantStatus.REVOKED, None)
    assert rows[other.id] == (GrantStatus.PENDING, None)
    # Clean up: these grants were only for this test.
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(AccessGrant).where(AccessGrant.id.in_([matching.id, revoked.id, other.id])))


async def test_registering_twice_in_parallel_makes_one_account(app, runtime) -> None:
    import asyncio

    hetu = await fresh_identity(runtime, app)
    organisation = await fresh_organisation(runtime, hetu)
    token = issue_registration_token(
        runtime.signing_key,
        hetu=hetu,
        given_name="Olli",
        family_name="Omistaja",
        customer_ids=[organisation.id],
        business_id=organisation.business_id,
    )
    async with (
        browser_for(build_app(runtime), runtime) as one,
        browser_for(build_app(runtime), runtime) as two,
    ):
        results = await asyncio.gather(complete(one, token), complete(two, token))
    codes = sorted(tuple(e["code"] for e in r["errors"]) for r in results)
    assert codes == [(), ("ALREADY_REGISTERED",)]
    async with runtime.sessions() as db:
        assert (
            await db.scalar(select(func.count()).select_from(User).where(User.strong_identity == hetu)) == 1
        )
