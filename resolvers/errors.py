"""Coded errors that reach clients readable (everything else is masked)."""

from __future__ import annotations

from enum import Enum


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
    """An expected failure whose message and code are shown to the client as they are."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def unauthenticated() -> CodedError:
    return CodedError(ErrorCode.UNAUTHENTICATED, "Sign in to see this.")


def forbidden() -> CodedError:
    return CodedError(ErrorCode.FORBIDDEN, "You have no access to this.")


def not_found() -> CodedError:
    return CodedError(ErrorCode.NOT_FOUND, "Not found.")


def bad_input(message: str) -> CodedError:
    return CodedError(ErrorCode.BAD_USER_INPUT, message)
