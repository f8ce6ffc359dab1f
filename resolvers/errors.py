"""Coded errors that reach clients readable (everything else is masked)."""

from __future__ import annotations

import errno
import socket
import sqlite3
from enum import Enum

from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_errors

from domain.base import Language
from domain.texts import text


class ErrorCode(str, Enum):
    """``extensions.code`` of GraphQL errors (API.md)."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class CodedError(Exception):
    """An expected failure whose code is shown to the client, and its message: the text
    ``message_id`` in the request's language when it has one (``schema.errors``), else
    ``message`` as it is."""

    def __init__(
        self, code: ErrorCode, message: str, message_id: str | None = None, **values: object
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id
        self.values = values

    def message_in(self, language: Language) -> str:
        return self.message if self.message_id is None else text(self.message_id, language, **self.values)


def _coded(code: ErrorCode, message_id: str, **values: object) -> CodedError:
    return CodedError(code, text(message_id, Language.EN, **values), message_id, **values)


def unauthenticated() -> CodedError:
    return _coded(ErrorCode.UNAUTHENTICATED, "errors.unauthenticated")


def forbidden() -> CodedError:
    return _coded(ErrorCode.FORBIDDEN, "errors.forbidden")


def staff_only() -> CodedError:
    return _coded(ErrorCode.FORBIDDEN, "errors.staff_only")


def not_found() -> CodedError:
    return _coded(ErrorCode.NOT_FOUND, "errors.not_found")


def bad_input(message_id: str, **values: object) -> CodedError:
    return _coded(ErrorCode.BAD_USER_INPUT, message_id, **values)


def too_many_subscriptions(limit: int) -> CodedError:
    return _coded(ErrorCode.RATE_LIMITED, "errors.too_many_subscriptions", limit=limit)


def service_unavailable() -> CodedError:
    return _coded(ErrorCode.SERVICE_UNAVAILABLE, "errors.service_unavailable")


#: PostgreSQL SQLSTATEs of a server that cannot serve: connection exceptions (class 08),
#: too many connections, and the server shutting down, crashed or still starting.
_UNAVAILABLE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})
#: errnos of a network peer that cannot be reached or went away.
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EPIPE,
    }
)
#: SQLite's messages for a database file that cannot be used right now.
_SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")


def _is_unavailable_one(exc: BaseException) -> bool:
    if isinstance(exc, sa_errors.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa_errors.DBAPIError) and exc.connection_invalidated:
        return True  # the dialect recognised a disconnect
    if isinstance(exc, redis_errors.ConnectionError | redis_errors.TimeoutError):
        return True  # includes MaxConnectionsError, BusyLoadingError, a blocking pool's wait
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return any(marker in str(exc).lower() for marker in _SQLITE_UNAVAILABLE)
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror | socket.herror):
        return True
    if type(exc) is OSError:
        # asyncio's connect to several addresses that all failed: errno None, "Multiple exceptions".
        return exc.errno in _NETWORK_ERRNOS or (exc.errno is None and "Connect call failed" in str(exc))
    return False


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says a dependency (database, Redis) cannot be reached right now.

    Such a failure is not a bug of the request: the client should try again later
    (``SERVICE_UNAVAILABLE``, HTTP 503 with ``Retry-After``). Recognised, on ``exc`` and
    along its ``__cause__`` chain (SQLAlchemy raises its own error *from* the driver's)
    and inside exception groups: SQLAlchemy's pool timeout and any DBAPI error the
    dialect took for a disconnect; PostgreSQL connection errors by SQLSTATE (class 08,
    too many connections, shutting down or starting up); SQLite's unopenable or locked
    database; redis-py's connection and timeout errors (a refused connection, a full
    pool past its timeout, ``MaxConnectionsError``); and network ``OSError``s (refused,
    reset, unreachable, timed out, name resolution). Everything else, SQL errors
    included, is an internal error.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_unavailable_one(current):
            return True
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError: the driver's error
        if isinstance(orig, BaseException):
            pending.append(orig)
    return False
