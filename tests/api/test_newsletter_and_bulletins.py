"""The newsletter (double opt-in, open to anyone) and bulletins (SPEC 9-10)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import delete, func, select

from domain.bulletins import Bulletin
from domain.newsletter import NewsletterSubscription
from tests.conftest import GraphQLResult, gql, login, operation

SUBSCRIBE = operation("SubscribeNewsletter")
PUBLISH = operation("PublishBulletin")
DASHBOARD = operation("Dashboard")
CONFIRM = (
    "mutation($t: String!) { confirmNewsletterSubscription(input: {token: $t}) { errors { field code } } }"
)
UNSUBSCRIBE = "mutation($t: String!) { unsubscribeNewsletter(input: {token: $t}) { errors { field code } } }"


async def outbox(client, to: str) -> list[dict]:
    response = await client.get("/dev/outbox", params={"to": to})
    return response.json()


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def address() -> str:
    return f"uutiset-{uuid.uuid4().hex[:10]}@example.org"


async def status_of(runtime, email: str) -> str | None:
    async with runtime.sessions() as db:
        row = (
            await db.execute(select(NewsletterSubscription).where(NewsletterSubscription.email == email))
        ).scalar_one_or_none()
    return None if row is None else row.status.value


async def subscribe(client, email: str, **variables) -> dict:
    response = await client.post(
        "/graphql", json={"query": SUBSCRIBE, "variables": {"input": {"email": email, **variables}}}
    )
    assert response.status_code == 200
    return GraphQLResult.of(response.json())


async def test_double_opt_in_and_unsubscribe_from_every_newsletter_email(client, runtime) -> None:
    email = address()
    answer = await subscribe(client, email, language="EN")
    assert answer == {"data": {"subscribeNewsletter": {"errors": []}}}
    assert await status_of(runtime, email) == "PENDING"
    [confirmation] = await outbox(client, email)
    assert confirmation["subject"] == "Confirm your newsletter subscription"
    assert "/newsletter/confirm?token=" in confirmation["links"][0]

    # Following the link (the web page calls the mutation) starts the subscription.
    confirmed = await gql(client, CONFIRM, {"t": token_of(confirmation["links"][0])})
    assert confirmed.data["confirmNewsletterSubscription"]["errors"] == []
    assert await status_of(runtime, email) == "ACTIVE"
    again = await gql(client, CONFIRM, {"t": token_of(confirmation["links"][0])})
    assert again.data["confirmNewsletterSubscription"]["errors"][0]["code"] == "INVALID_TOKEN"

    # Subscribing an address already on the list answers exactly the same.
    assert await subscribe(client, email) == answer
    emails = await outbox(client, email)
    newsletter_emails = [e for e in emails if e["subject"] != confirmation["subject"]]
    assert len(newsletter_emails) == 2  # the welcome email and the "already subscribed" notice
    for sent in newsletter_emails:
        [unsubscribe_link] = [link for link in sent["links"] if "/newsletter/unsubscribe?token=" in link]
        assert unsubscribe_link in sent["text"]
    unsubscribe_token = token_of(unsubscribe_link)
    left = await gql(client, UNSUBSCRIBE, {"t": unsubscribe_token})
    assert left.data["unsubscribeNewsletter"]["errors"] == []
    assert await status_of(runtime, email) == "UNSUBSCRIBED"
    # Idempotent; a forged token is refused.
    assert (await gql(client, UNSUBSCRIBE, {"t": unsubscribe_token})).data["unsubscribeNewsletter"][
        "errors"
    ] == []
    forged = await gql(client, UNSUBSCRIBE, {"t": unsubscribe_token[:-2] + "xx"})
    assert forged.data["unsubscribeNewsletter"]["errors"][0]["code"] == "INVALID_TOKEN"
    # Subscribing again needs a new confirmation; the old unsubscribe link no longer acts.
    assert await subscribe(client, email) == answer
    assert await status_of(runtime, email) == "PENDING"


async def test_the_answer_is_the_same_for_new_and_known_addresses(client, runtime) -> None:
    known = address()
    await subscribe(client, known)
    [confirmation] = await outbox(client, known)
    await gql(client, CONFIRM, {"t": token_of(confirmation["links"][0])})
    new = await subscribe(client, address())
    assert await subscribe(client, known) == new == {"data": {"subscribeNewsletter": {"errors": []}}}


async def test_invalid_addresses_are_refused_and_requests_are_rate_limited(client, runtime) -> None:
    invalid = await subscribe(client, "not-an-address")
    assert invalid["data"]["subscribeNewsletter"]["errors"][0]["code"] == "INVALID_EMAIL"
    email = address()
    for _ in range(3):
        assert (await subscribe(client, email))["data"]["subscribeNewsletter"]["errors"] == []
    # The same address gets at most three emails a day; later requests are answered the same.
    assert (await subscribe(client, email))["data"]["subscribeNewsletter"]["errors"] == []
    assert len(await outbox(client, email)) == 3
    answers = [await subscribe(client, address()) for _ in range(7)]  # 4 + 7 > 10 per hour
    codes = [
        a["data"]["subscribeNewsletter"]["errors"][0]["code"]
        for a in answers
        if a["data"]["subscribeNewsletter"]["errors"]
    ]
    assert codes == ["RATE_LIMITED"]


@pytest.fixture
async def restore_bulletins(runtime):
    async with runtime.sessions() as db:
        before = int(await db.scalar(select(func.max(Bulletin.id))) or 0)
    yield
    async with runtime.sessions() as db, db.begin():
        await db.execute(delete(Bulletin).where(Bulletin.id > before))


async def bulletins(client, language: str | None = None) -> list[dict]:
    result = await gql(client, DASHBOARD, {"language": language} if language else {})
    assert result.errors == []
    return result.data["bulletins"]


async def test_bulletins_follow_audience_window_and_language(client) -> None:
    await login(client, "maija")
    finnish = await bulletins(client)
    titles = [b["title"] for b in finnish]
    assert "Uusi Online-palvelu on avattu" in titles and "Huoltokatko palvelussa" in titles
    assert "Yritysasiakkaille: vartin mittausjaksot" not in titles  # organisations only
    assert "Kesän energiansäästövinkit" not in titles  # no longer visible
    assert [b["publishedAt"] for b in finnish] == sorted((b["publishedAt"] for b in finnish), reverse=True)
    swedish = {b["id"]: b["title"] for b in await bulletins(client, "SV")}
    by_id = {b["id"]: b["title"] for b in finnish}
    opened = next(i for i, t in by_id.items() if t == "Uusi Online-palvelu on avattu")
    assert swedish[opened] == "Den nya Onlinetjänsten har öppnats"
    maintenance = next(i for i, t in by_id.items() if t == "Huoltokatko palvelussa")
    assert swedish[maintenance] == "Huoltokatko palvelussa"  # Finnish when not translated
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "kahvila")
    english = [b["title"] for b in await bulletins(client, "EN")]
    assert "For business customers: 15-minute periods" in english
    await gql(client, "mutation { logout { errors { code } } }")
    anonymous = await gql(client, DASHBOARD, {})
    assert anonymous.data["bulletins"] is None and anonymous.codes() == ["UNAUTHENTICATED"]


async def test_customer_service_publishes_bulletins(client, runtime, restore_bulletins) -> None:
    await login(client, "maija")
    denied = await gql(client, PUBLISH, {"input": {"titleFi": "x", "bodyFi": "y"}})
    assert denied.data is None and denied.codes() == ["FORBIDDEN"]
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "asiakaspalvelu")
    now = datetime.now(UTC)
    invalid = await gql(
        client,
        PUBLISH,
        {
            "input": {
                "titleFi": "Otsikko",
                "bodyFi": " ",
                "titleSv": "Rubrik",
                "publishedAt": now.isoformat(),
                "visibleUntil": (now - timedelta(hours=1)).isoformat(),
            }
        },
    )
    fields = [e["field"] for e in invalid.data["publishBulletin"]["errors"]]
    assert ["bodyFi"] in fields and ["bodySv"] in fields
    published = await gql(
        client,
        PUBLISH,
        {
            "input": {
                "titleFi": "Hinnanmuutos yrityksille",
                "bodyFi": "Perusmaksu muuttuu.",
                "titleEn": "Price change for businesses",
                "bodyEn": "The basic fee changes.",
                "severity": "WARNING",
                "audience": "ORGANIZATIONS",
            }
        },
        **{"Accept-Language": "en"},
    )
    bulletin = published.data["publishBulletin"]
    assert bulletin["errors"] == []
    assert bulletin["bulletin"]["title"] == "Price change for businesses"
    assert bulletin["bulletin"]["severity"] == "WARNING"
    later = await gql(
        client,
        PUBLISH,
        {
            "input": {
                "titleFi": "Tuleva",
                "bodyFi": "Ei vielä.",
                "publishedAt": (now + timedelta(days=1)).isoformat(),
            }
        },
    )
    assert later.data["publishBulletin"]["errors"] == []
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "kahvila")
    shown = await bulletins(client)
    assert shown[0]["title"] == "Hinnanmuutos yrityksille"
    assert "Tuleva" not in [b["title"] for b in shown]
    node = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Bulletin { title } } }",
        {"id": bulletin["bulletin"]["id"]},
    )
    assert node.data["node"] == {"title": "Hinnanmuutos yrityksille"}
    await gql(client, "mutation { logout { errors { code } } }")
    await login(client, "maija")
    assert "Hinnanmuutos yrityksille" not in [b["title"] for b in await bulletins(client)]
