"""Development pages for the links the service emails (404 in production).

In production every emailed link opens the web app (``ENERGY_PORTAL_WEB_APP_ORIGIN``).
In development that origin is the server's own, so that the flows can be tried end to
end in a browser, these small pages stand in for the web app: each reads the link's
``token`` in the browser and sends the matching GraphQL mutation to ``/graphql`` (with the
browser's cookie, so "accept invitation" acts as whoever is signed in), showing the
answer as it is. Nothing of the request is echoed into the page.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.runtime import Runtime

#: path -> (title, mutation, whether it asks for a new password)
PAGES: dict[str, tuple[str, str, bool]] = {
    "/reset-password": (
        "Choose a new password",
        "mutation($token: String!, $password: String!) "
        "{ resetPassword(input: {token: $token, newPassword: $password}) { errors { field code message } } }",
        True,
    ),
    "/confirm-email": (
        "Confirm your email address",
        "mutation($token: String!) "
        "{ confirmEmail(input: {token: $token}) { errors { field code message } } }",
        False,
    ),
    "/confirm-contact-email": (
        "Confirm a contact email address",
        "mutation($token: String!) "
        "{ confirmContactEmail(input: {token: $token}) { errors { field code message } } }",
        False,
    ),
    "/newsletter/confirm": (
        "Confirm the newsletter subscription",
        "mutation($token: String!) "
        "{ confirmNewsletterSubscription(input: {token: $token}) { errors { field code message } } }",
        False,
    ),
    "/newsletter/unsubscribe": (
        "Unsubscribe from the newsletter",
        "mutation($token: String!) "
        "{ unsubscribeNewsletter(input: {token: $token}) { errors { field code message } } }",
        False,
    ),
    "/accept-invitation": (
        "Accept an invitation (signed in), or register with it",
        "mutation($token: String!) { acceptInvitation(input: {token: $token}) "
        "{ grant { id status customer { name } } errors { field code message } } }",
        False,
    ),
}

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} (development)</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}pre{{background:#eee;padding:1em}}</style>
</head><body>
<h1>{title}</h1>
<p><em>Development stand-in for the web app's page.</em></p>
{password}
<button id="go">Send</button>
{register}
<pre id="out"></pre>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
document.getElementById("go").onclick = async () => {{
  const password = document.getElementById("password");
  const variables = {{token}};
  if (password) variables.password = password.value;
  const response = await fetch("/graphql", {{method: "POST", credentials: "same-origin",
    headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{query: {query}, variables}})}});
  document.getElementById("out").textContent = JSON.stringify(await response.json(), null, 2);
}};
const register = document.getElementById("register");
if (register) register.href = "/auth/strong/start?purpose=invitation&invitationToken="
  + encodeURIComponent(token);
</script>
</body></html>
"""


def _page(
    runtime: Runtime, title: str, query: str, password: bool, register: bool
) -> Callable[[Request], Awaitable[Response]]:
    html = _TEMPLATE.format(
        title=title,
        query=json.dumps(query),
        password='<p><label>New password <input id="password" type="password" size="40"></label></p>'
        if password
        else "",
        register='<p><a id="register" href="#">Register by strong identification with this invitation</a></p>'
        if register
        else "",
    )

    async def page(_: Request) -> Response:
        if runtime.settings.is_production:
            return PlainTextResponse("Not Found", status_code=404)
        return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    return page


def dev_page_routes(runtime: Runtime) -> list[Route]:
    """The stand-in pages, one per emailed link path."""
    return [
        Route(path, _page(runtime, title, query, password, path == "/accept-invitation"), methods=["GET"])
        for path, (title, query, password) in PAGES.items()
    ]
