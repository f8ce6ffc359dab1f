"""Opaque global IDs: base64url of ``<TypeName>:<primary key>``."""

from __future__ import annotations

import base64
import binascii

NODE_TYPES = frozenset(
    {
        "Customer",
        "LocationOfUse",
        "Contract",
        "Invoice",
        "User",
        "AccessGrant",
        "MessageThread",
        "Message",
        "Attachment",
        "Bulletin",
        "ApiToken",
    }
)


def to_global_id(type_name: str, pk: int) -> str:
    """The global ID of the row ``pk`` of ``type_name``."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """``(type name, primary key)`` of a global ID, or ``None`` when it is not one of ours."""
    if not isinstance(global_id, str) or not 4 <= len(global_id) <= 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or type_name not in NODE_TYPES or not pk.isdigit() or len(pk) > 12:
        return None
    # Exactly one encoding per node: reject non-canonical forms.
    if to_global_id(type_name, int(pk)) != global_id:
        return None
    return type_name, int(pk)


def pk_of(global_id: str, type_name: str) -> int | None:
    """The primary key if ``global_id`` is a ``type_name`` ID, else ``None``."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
