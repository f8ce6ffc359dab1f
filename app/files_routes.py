"""``GET /files/{token}``: documents behind short-lived signed URLs (API.md).

The token names one file and the principal it was issued to; the request must carry
that principal's session (or bearer token; a program's URL opens only with its own
personal API token), and the principal's access to the file's section (and, for a token
limited to some locations of use, to the file's location) is checked again. Anything
else is 404 (bad or expired token) or 403. Documents are rendered on first request, in
the language the URL was issued in, and cached under the hash of their model (language
included); consumption exports are streamed (``app.export_routes``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.export_routes import serve_export
from app.runtime import Runtime
from auth.access import access_by_customer
from auth.export_tokens import read_export_token
from auth.file_tokens import FileGrant, read_file_token
from auth.principal import Principal
from domain.audit import record_event
from domain.base import AccessLevel, Section
from domain.contract_confirmation import render_contract_confirmation
from domain.documents import document_key
from domain.files import cached_document
from domain.invoice_documents import render_credit_note, render_invoice
from domain.messages import attachment_with_customer
from resolvers.documents import (
    FILE_SECTIONS,
    PDF,
    contract_confirmation,
    credit_note_document,
    file_location_id,
    invoice_document,
)

PrincipalLookup = Callable[[Request], Awaitable[Principal | None]]

log = logging.getLogger("energy_portal.files")

#: By file kind: the document model (``(customer id, model)`` or ``None``) and its drawing.
_MODELS: dict[str, Callable[..., Awaitable[tuple[int, Any] | None]]] = {
    "invoice": invoice_document,
    "credit_note": credit_note_document,
    "contract": contract_confirmation,
}
_RENDERERS: dict[str, Callable[[Any], bytes]] = {
    "invoice": render_invoice,
    "credit_note": render_credit_note,
    "contract": render_contract_confirmation,
}


def files_endpoint(
    runtime: Runtime, principal_for: PrincipalLookup
) -> Callable[[Request], Awaitable[Response]]:
    """The route handler, given how to find the request's principal."""
    cache_dir = runtime.files.documents_dir  # expired by the file sweeper (domain.files)

    async def serve(request: Request) -> Response:
        grant = read_file_token(runtime.signing_key, request.path_params["token"])
        if grant is None:
            export = read_export_token(runtime.signing_key, request.path_params["token"])
            if export is not None:
                return await serve_export(runtime, request, export, principal_for)
        if grant is not None and grant.kind == "attachment":
            return await serve_attachment(request, grant)
        if grant is None or grant.kind not in FILE_SECTIONS:
            return PlainTextResponse("Not found.", status_code=404)
        principal = await principal_for(request)
        if principal is None or not grant.issued_to(principal.user_id, principal.api_token_id):
            return PlainTextResponse("Forbidden.", status_code=403)
        async with runtime.sessions() as db:
            model_of = _MODELS[grant.kind]
            found = await model_of(db, grant.subject_id, runtime.rules, grant.language)
            if found is None:
                return PlainTextResponse("Not found.", status_code=404)
            customer_id, model = found
            access = (await access_by_customer(db, principal, [customer_id])).get(customer_id)
            if access is not None and access.location_ids is not None:
                # A program's token limited to some locations: the file's location must be one.
                location_id = await file_location_id(db, grant.kind, grant.subject_id)
                if not access.allows_location(location_id):
                    access = None
        if access is None or not access.allows(Section(FILE_SECTIONS[grant.kind]), AccessLevel.READ):
            return PlainTextResponse("Forbidden.", status_code=403)
        render = _RENDERERS[grant.kind]
        data = await run_in_threadpool(cached_document, cache_dir, document_key(model), lambda: render(model))
        filename = model.filename()
        return Response(
            data,
            media_type=PDF,
            headers={
                "Content-Disposition": f"inline; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
                "Cache-Control": "private, no-store",
            },
        )

    async def serve_attachment(request: Request, grant: FileGrant) -> Response:
        principal = await principal_for(request)
        if principal is None or not grant.issued_to(principal.user_id, principal.api_token_id):
            return PlainTextResponse("Forbidden.", status_code=403)
        async with runtime.sessions() as db, db.begin():
            found = await attachment_with_customer(db, grant.subject_id)
            if found is None:
                return PlainTextResponse("Not found.", status_code=404)
            attachment, customer_id = found
            if principal.is_staff:
                # Customer service reads the threads it answers; each download is on record.
                record_event(
                    db,
                    "attachment.downloaded",
                    actor_user_id=principal.user_id,
                    customer_id=customer_id,
                    attachmentId=attachment.id,
                )
            else:
                access = (await access_by_customer(db, principal, [customer_id])).get(customer_id)
                if access is None or not access.allows(Section.MESSAGES, AccessLevel.READ):
                    return PlainTextResponse("Forbidden.", status_code=403)
        data = await run_in_threadpool(runtime.files.get, attachment.sha256)
        if data is None:
            log.error("attachment %s: no stored file %s", attachment.id, attachment.sha256)
            return PlainTextResponse("Not found.", status_code=404)
        headers = attachment_headers(attachment.filename)
        return Response(data, media_type=attachment.content_type, headers=headers)

    return serve


def attachment_headers(filename: str) -> dict[str, str]:
    """Headers that make a browser save an attachment, never render or sniff it."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    encoded = quote(filename, safe="")
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
