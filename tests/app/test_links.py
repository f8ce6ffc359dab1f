"""Emailed links open the web app (issue 16, part 5), and development pages stand in for it."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from app.dev_pages import PAGES
from domain.accounts import OutboxEmail
from tests.conftest import gql, operation

WEB_APP = "https://app.energia.example"


@pytest.fixture
def web_app_origin(runtime):
    before = runtime.rules
    runtime.rules = dataclasses.replace(before, web_app_origin=WEB_APP)
    yield WEB_APP
    runtime.rules = before


async def _last_to(runtime, address: str) -> OutboxEmail:
    async with runtime.sessions() as db:
        return (
            (
                await db.execute(
                    select(OutboxEmail)
                    .where(OutboxEmail.to_address == address)
                    .order_by(OutboxEmail.id.desc())
                )
            )
            .scalars()
            .first()
        )


async def test_account_email_links_point_at_the_web_app(client, runtime, web_app_origin) -> None:
    await gql(client, operation("RequestPasswordReset"), {"input": {"email": "liisa@example.fi"}})
    reset = await _last_to(runtime, "liisa@example.fi")
    assert reset.links and all(link.startswith(f"{WEB_APP}/reset-password?token=") for link in reset.links)
    assert runtime.settings.public_origin not in reset.text
    await gql(client, operation("RequestUsernameReminder"), {"input": {"email": "liisa@example.fi"}})
    reminder = await _last_to(runtime, "liisa@example.fi")
    assert all(link.startswith(WEB_APP) for link in reminder.links)


@pytest.mark.parametrize("path", sorted(PAGES))
async def test_each_emailed_path_has_a_development_page(client, path: str) -> None:
    response = await client.get(path, params={"token": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text  # the token is read in the browser
    assert "/graphql" in response.text
