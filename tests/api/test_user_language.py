"""A language per user (issue 16, part 1): chosen, or from the customer or the first sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from domain.accounts import OutboxEmail
from domain.base import Language
from domain.users import User
from tests.conftest import gql, login, operation

UPDATE = operation("UpdateUserLanguage")
ME = "{ viewer { user { username language } } }"
#: A mutation whose UserError is the service's own text: an invalid grantee address.
BAD_GRANT = """mutation($c: ID!) { grantAccess(input: {customerId: $c, granteeEmail: "not an email",
  permissions: [{section: INVOICES, level: READ}], password: "x"}) { errors { code message } } }"""


@pytest.fixture
async def languages_restored(runtime):
    """The demo users' languages as they were."""
    async with runtime.sessions() as db:
        before = {u.id: (u.language, u.language_source) for u in (await db.execute(select(User))).scalars()}
    yield
    async with runtime.sessions() as db, db.begin():
        for user_id, (language, source) in before.items():
            await db.execute(
                update(User).where(User.id == user_id).values(language=language, language_source=source)
            )


async def _customer(client) -> str:
    return (await gql(client, "{ viewer { customers { id } } }")).data["viewer"]["customers"][0]["id"]


async def test_a_chosen_language_wins_over_the_browser(client, runtime, languages_restored) -> None:
    await login(client, "maija")
    me = await gql(client, ME, **{"accept-language": "en"})
    # not chosen: the messaging language of her customer (Finnish) ...
    assert me.data["viewer"]["user"]["language"] == "FI"
    customer = await _customer(client)
    finnish = await gql(client, BAD_GRANT, {"c": customer})
    assert finnish.data["grantAccess"]["errors"][0]["message"] == "Sähköpostiosoite ei kelpaa."
    # ... which a request that asks for another language overrides on screen
    english = await gql(client, BAD_GRANT, {"c": customer}, **{"accept-language": "en"})
    assert english.data["grantAccess"]["errors"][0]["message"] == "The email address is not valid."

    chosen = await gql(client, UPDATE, {"input": {"language": "SV"}})
    assert chosen.data["updateUserLanguage"] == {
        "user": {"id": chosen.data["updateUserLanguage"]["user"]["id"], "language": "SV"},
        "errors": [],
    }
    swedish = await gql(client, BAD_GRANT, {"c": customer}, **{"accept-language": "en"})
    assert swedish.data["grantAccess"]["errors"][0]["message"] == "E-postadressen är inte giltig."
    # a later sign-in keeps the choice
    await login(client, "maija")
    assert (await gql(client, ME)).data["viewer"]["user"]["language"] == "SV"

    # her account emails follow it
    async with runtime.sessions() as db:
        email = (await db.execute(select(User.email).where(User.username == "maija"))).scalar_one()
    await gql(
        client, operation("RequestPasswordReset"), {"input": {"email": email}}, **{"accept-language": "fi"}
    )
    async with runtime.sessions() as db:
        sent = (
            (
                await db.execute(
                    select(OutboxEmail).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id.desc())
                )
            )
            .scalars()
            .first()
        )
    assert sent.subject == "Byte av lösenord"

    chosen_en = await gql(client, UPDATE, {"input": {"language": "EN"}})
    assert chosen_en.data["updateUserLanguage"]["user"]["language"] == "EN"
    assert (await gql(client, BAD_GRANT, {"c": customer})).data["grantAccess"]["errors"][0]["message"] == (
        "The email address is not valid."
    )


async def test_without_a_customer_the_first_sign_in_decides(client, runtime, languages_restored) -> None:
    async with runtime.sessions() as db, db.begin():
        await db.execute(
            update(User).where(User.username == "matti").values(language=Language.FI, language_source=None)
        )
    await login(client, "matti")  # no Accept-Language: nothing to go by yet
    assert (await gql(client, ME)).data["viewer"]["user"]["language"] == "FI"
    client.headers["accept-language"] = "sv-FI,sv;q=0.9"
    try:
        await login(client, "matti")
        assert (await gql(client, ME)).data["viewer"]["user"]["language"] == "SV"
        client.headers["accept-language"] = "en"
        await login(client, "matti")  # only the first sign-in that names a language counts
        assert (await gql(client, ME)).data["viewer"]["user"]["language"] == "SV"
    finally:
        del client.headers["accept-language"]


async def test_anonymous_requests_follow_accept_language(client) -> None:
    query = '{ customer(id: "Q3VzdG9tZXI6MQ") { id } }'
    finnish = await gql(client, query, **{"accept-language": "fi"})
    english = await gql(client, query, **{"accept-language": "en"})
    assert finnish.codes() == english.codes() == ["UNAUTHENTICATED"]
    assert finnish.errors[0]["message"] != english.errors[0]["message"]
