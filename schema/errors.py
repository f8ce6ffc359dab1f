"""What clients see of errors: coded errors readable, everything unexpected masked.

- A ``CodedError`` raised by a resolver keeps its message (in the request's language when it
  has a message ID) and gets ``extensions.code``.
- Errors of the document itself (syntax, validation, variables) are ``BAD_USER_INPUT``
  (or ``QUERY_TOO_COMPLEX`` from the limits); in production their "Did you mean ...?"
  suggestions are removed, so that the schema cannot be guessed field by field.
- A database or Redis that cannot be reached (``resolvers.errors.is_unavailable``) is
  ``SERVICE_UNAVAILABLE`` with the request ID (the HTTP view answers 503 when nothing
  else of the operation resolved).
- Anything else is logged with the request ID and replaced by a generic
  ``INTERNAL_SERVER_ERROR`` that carries the request ID and nothing else.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from domain.base import Language
from domain.texts import text
from resolvers.errors import CodedError, ErrorCode, is_unavailable, service_unavailable

log = logging.getLogger("energy_portal.graphql")

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?", re.DOTALL)
_TOKEN_LIMIT = "tokens. Parsing aborted."


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _never_mask(_: GraphQLError) -> bool:
    return False


def client_error(
    error: GraphQLError, *, production: bool, request_id: str, language: Language = Language.FI
) -> GraphQLError:
    """The form of ``error`` that a client may see (see the module docstring), the
    service's own messages in ``language``."""
    original = error.original_error
    if isinstance(original, CodedError):
        return _copy(error, original.message_in(language), {"code": original.code.value})
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code")
        message = error.message
        if code is None:
            code = (
                ErrorCode.QUERY_TOO_COMPLEX.value
                if message.endswith(_TOKEN_LIMIT)
                else ErrorCode.BAD_USER_INPUT.value
            )
        if production:
            message = _SUGGESTION.sub("", message)
        return _copy(error, message, {**(error.extensions or {}), "code": code})
    if is_unavailable(original):
        log.warning(
            "dependency unavailable in %s (request %s): %s: %s",
            ".".join(str(p) for p in error.path or ()) or "operation",
            request_id,
            type(original).__name__,
            original,
        )
        unavailable = service_unavailable()
        return _copy(
            error, unavailable.message_in(language), {"code": unavailable.code.value, "requestId": request_id}
        )
    log.error(
        "unexpected error in %s (request %s)",
        ".".join(str(p) for p in error.path or ()) or "operation",
        request_id,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _copy(
        error,
        text("errors.internal", language),
        {"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
    )


class ErrorPolicy(MaskErrors):
    """MaskErrors with the rule of this API, for every execution of the schema.

    Errors that strawberry raises from its own extensions (the parser cache, the token
    limit) leave the operation before this extension sees them; the HTTP view applies
    ``client_error`` to every result as well, so no error reaches a client unprocessed.
    """

    production = False

    def __init__(self) -> None:
        super().__init__(should_mask_error=_never_mask)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = getattr(self.execution_context, "context", None)
        request_id = getattr(context, "request_id", "") or ""
        language = getattr(context, "language", None) or Language.FI
        return [
            client_error(e, production=self.production, request_id=request_id, language=language)
            for e in errors
        ]


class ProductionErrorPolicy(ErrorPolicy):
    """The error policy with suggestions removed."""

    production = True
