"""``GET /files/{token}``: documents behind short-lived signed URLs (API.md).

The token names one file and the principal it was issued to; the request must carry
that principal's session (or bearer token), and the principal's access to the file's
section is checked again. Anything else is 404 (bad or expired token) or 403.
Documents are rendered on first request and cached under the hash of their model.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.runtime import Runtime
from auth.access import access_by_customer
from auth.file_tokens import read_file_token
from auth.principal import Principal
from domain.base import AccessLevel, Section
from domain.documents import document_key, render_contract_confirmation, render_invoice
from resolvers.documents import FILE_SECTIONS, PDF, contract_confirmation, invoice_document

PrincipalLookup = Callable[[Request], Awaitable[Principal | None]]


def _cached(directory: Path, key: str, render: Callable[[], bytes]) -> bytes:
    path = directory / f"{key}.pdf"
    if path.exists():
        return path.read_bytes()
    data = render()
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return data


def files_endpoint(
    runtime: Runtime, principal_for: PrincipalLookup
) -> Callable[[Request], Awaitable[Response]]:
    """The route handler, given how to find the request's principal."""
    cache_dir = runtime.settings.files_dir / "documents"

    async def serve(request: Request) -> Response:
        grant = read_file_token(runtime.signing_key, request.path_params["token"])
        if grant is None or grant.kind not in FILE_SECTIONS:
            return PlainTextResponse("Not found.", status_code=404)
        principal = await principal_for(request)
        if principal is None or principal.user_id != grant.user_id:
            return PlainTextResponse("Forbidden.", status_code=403)
        async with runtime.sessions() as db:
            if grant.kind == "invoice":
                found = await invoice_document(db, grant.subject_id, runtime.rules)
            else:
                found = await contract_confirmation(db, grant.subject_id, runtime.rules)
            if found is None:
                return PlainTextResponse("Not found.", status_code=404)
            customer_id, model = found
            access = (await access_by_customer(db, principal, [customer_id])).get(customer_id)
        if access is None or not access.allows(Section(FILE_SECTIONS[grant.kind]), AccessLevel.READ):
            return PlainTextResponse("Forbidden.", status_code=403)
        render = render_invoice if grant.kind == "invoice" else render_contract_confirmation
        data = await run_in_threadpool(_cached, cache_dir, document_key(model), lambda: render(model))  # type: ignore[arg-type]
        filename = model.filename()
        return Response(
            data,
            media_type=PDF,
            headers={
                "Content-Disposition": f"inline; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
                "Cache-Control": "private, no-store",
            },
        )

    return serve
