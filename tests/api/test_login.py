"""Sign-in and sign-out with username and password."""

from __future__ import annotations

from tests.conftest import LOGIN, gql, login

VIEWER = "{ viewer { user { username } } }"


async def test_login_sets_an_http_only_cookie_and_logout_ends_the_session(client) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"username": "Maija", "password": "maija-demo-password"}},
        },
    )
    cookie = response.headers["set-cookie"]
    assert "ep_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert response.json()["data"]["login"]["user"]["username"] == "maija"
    token = client.cookies["ep_session"]
    assert (await gql(client, VIEWER)).data["viewer"]["user"]["username"] == "maija"

    result = await gql(client, "mutation { logout { errors { code } } }")
    assert result.data["logout"]["errors"] == []
    assert (await gql(client, VIEWER)).data["viewer"] is None
    # The old cookie no longer works even if a client kept it.
    client.cookies.set("ep_session", token)
    assert (await gql(client, VIEWER)).data["viewer"] is None


async def test_wrong_password_and_unknown_user_answer_the_same(client) -> None:
    answers = []
    for username, password in [("maija", "wrong-password-123456"), ("nobody-here", "whatever-password-1")]:
        result = await gql(client, LOGIN, {"input": {"username": username, "password": password}})
        payload = result.data["login"]
        assert payload["user"] is None
        answers.append(payload["errors"])
    assert answers[0] == answers[1]
    assert answers[0][0]["code"] == "INVALID_CREDENTIALS"
    assert "ep_session" not in client.cookies


async def test_messages_follow_accept_language(client) -> None:
    variables = {"input": {"username": "maija", "password": "nope"}}
    fi = await gql(client, LOGIN, variables)
    en = await gql(client, LOGIN, variables, **{"accept-language": "en"})
    assert fi.data["login"]["errors"][0]["message"] != en.data["login"]["errors"][0]["message"]
    assert en.data["login"]["errors"][0]["message"] == "Wrong username or password."


async def test_huge_password_is_refused_without_hashing_it(client) -> None:
    result = await gql(client, LOGIN, {"input": {"username": "maija", "password": "x" * 100_000}})
    assert result.data["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_a_new_login_replaces_the_old_session(client) -> None:
    await login(client, "maija")
    first = client.cookies["ep_session"]
    await login(client, "liisa")
    client.cookies.set("ep_session", first)
    assert (await gql(client, VIEWER)).data["viewer"] is None
