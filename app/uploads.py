"""Limits on GraphQL multipart uploads, enforced while the body streams in.

Starlette's form parser (under strawberry's ``Upload``) would accept a file of any size,
spooling it to a temporary file. In front of it, ``serve_with_upload_limits`` reads the
same body through its own streaming multipart parser as it arrives and stops the request
as soon as it breaks a limit, before the rest is received:

- a declared ``Content-Length`` over ``MAX_MULTIPART_BYTES`` (5 × 10 MB + 1 MiB) is
  refused before anything is read, and so is a body that grows past it;
- a file part larger than ``MAX_ATTACHMENT_BYTES``, or more than ``MAX_ATTACHMENTS``
  file parts, or a form field over ``MAX_FIELD_BYTES``: 413;
- a body that ends (or a client that disconnects) before the closing boundary of the
  multipart message: 400, so a cut-off upload never reaches a resolver;
- a body that is not multipart at all: 400.

Refusals are JSON like other transport errors (``app.transport_errors``), with the
request ID and ``extensions.reason`` telling which limit was hit; ``extensions.code`` is
``BAD_REQUEST`` for a broken body (400) and ``BAD_USER_INPUT`` for a limit (413). What the
body means (``operations``, ``map``) is checked by ``GraphQLView.parse_multipart``. The resolver
checks the size of every file again while it reads it in chunks (``resolvers.attachments``).
"""

from __future__ import annotations

from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.transport_errors import BAD_REQUEST, error_response, request_id_of
from domain.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from domain.base import Language
from domain.texts import text
from resolvers.context import language_from_header

#: Largest non-file field (``operations``, ``map``).
MAX_FIELD_BYTES = 1024 * 1024
#: Most non-file fields in one request.
MAX_FIELDS = 20
#: The whole multipart body: every attachment at its largest plus room for the fields.
MAX_MULTIPART_BYTES = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + MAX_FIELD_BYTES


class UploadRefused(Exception):
    """A multipart request broke a limit; ``response`` tells the client which."""

    def __init__(self, status: int, reason: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.reason = reason
        self.text = text

    def response(self, request_id: str) -> JSONResponse:
        code = BAD_REQUEST if self.status == 400 else "BAD_USER_INPUT"
        return error_response(self.status, code, self.text, request_id, reason=self.reason)


class MultipartLimiter:
    """Follows a multipart body chunk by chunk and raises ``UploadRefused`` at the first broken limit."""

    def __init__(self, content_type: str, language: Language) -> None:
        self.language = language
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise self._refusal(400, "MALFORMED_MULTIPART", "upload.malformed")
        self.total = 0
        self.files = 0
        self.fields = 0
        self.complete = False
        self.finished = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._is_file = False
        self._part_bytes = 0
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_end": self._on_end,
            },
        )

    def _refusal(self, status: int, reason: str, message_id: str, **values: Any) -> UploadRefused:
        return UploadRefused(status, reason, text(message_id, self.language, **values))

    def _on_part_begin(self) -> None:
        self._disposition = b""
        self._is_file = False
        self._part_bytes = 0

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._is_file = b"filename" in options
        if self._is_file:
            self.files += 1
            if self.files > MAX_ATTACHMENTS:
                raise self._refusal(413, "TOO_MANY_ATTACHMENTS", "attachment.too_many", max=MAX_ATTACHMENTS)
        else:
            self.fields += 1
            if self.fields > MAX_FIELDS:
                raise self._refusal(413, "TOO_MANY_FIELDS", "upload.field_too_large")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        if self._is_file and self._part_bytes > MAX_ATTACHMENT_BYTES:
            raise self._refusal(
                413, "ATTACHMENT_TOO_LARGE", "attachment.too_large", mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)
            )
        if not self._is_file and self._part_bytes > MAX_FIELD_BYTES:
            raise self._refusal(413, "FIELD_TOO_LARGE", "upload.field_too_large")

    def _on_end(self) -> None:
        self.complete = True

    def feed(self, chunk: bytes) -> None:
        """Parse the next piece of the body."""
        self.total += len(chunk)
        if self.total > MAX_MULTIPART_BYTES:
            raise self._refusal(413, "BODY_TOO_LARGE", "upload.body_too_large")
        if not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            raise self._refusal(400, "MALFORMED_MULTIPART", "upload.malformed") from None

    def finish(self) -> None:
        """The body ended: it must have ended with the closing boundary."""
        self.finished = True
        if not self.complete:
            raise self._refusal(400, "UPLOAD_INCOMPLETE", "upload.incomplete")

    def disconnected(self) -> None:
        """The client went away; before the end of the body that is a cut-off upload."""
        if not self.finished:
            self.finished = True
            raise self._refusal(400, "UPLOAD_INCOMPLETE", "upload.incomplete")


def _limited(receive: Receive, limiter: MultipartLimiter) -> Receive:
    async def limited() -> Message:
        message_ = await receive()
        if message_["type"] == "http.request" and not limiter.finished:
            limiter.feed(message_.get("body", b""))
            if not message_.get("more_body", False):
                limiter.finish()
        elif message_["type"] == "http.disconnect":
            limiter.disconnected()
        return message_

    return limited


async def serve_with_upload_limits(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app`` with the upload limits on multipart POST requests (others pass unchanged)."""
    headers = Headers(scope=scope)
    content_type = headers.get("content-type", "")
    if scope.get("method") != "POST" or not content_type.lower().startswith("multipart/"):
        await app(scope, receive, send)
        return
    started = False

    async def tracking_send(message_: Message) -> None:
        nonlocal started
        if message_["type"] == "http.response.start":
            started = True
        await send(message_)

    language = language_from_header(headers.get("accept-language"))
    try:
        if not content_type.lower().startswith("multipart/form-data"):
            raise UploadRefused(400, "MALFORMED_MULTIPART", text("upload.malformed", language))
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_MULTIPART_BYTES):
            raise UploadRefused(413, "BODY_TOO_LARGE", text("upload.body_too_large", language))
        limiter = MultipartLimiter(content_type, language)
        await app(scope, _limited(receive, limiter), tracking_send)
    except UploadRefused as refusal:
        if not started:
            await refusal.response(request_id_of(scope))(scope, receive, send)
