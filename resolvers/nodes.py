"""``node(id:)``: any object by global ID, under the same access rules as every other path."""

from __future__ import annotations

from typing import Any

from auth.access import CustomerAccess
from domain.base import AccessLevel, Section
from resolvers.api_tokens import api_token_of_owner
from resolvers.context import Context
from resolvers.errors import forbidden, not_found
from resolvers.ids import from_global_id

#: The section a node type belongs to; ``None``: any access to its customer will do.
NODE_SECTIONS: dict[str, Section | None] = {
    "Customer": None,
    "LocationOfUse": None,
    "Contract": Section.CONTRACTS,
    "Invoice": Section.INVOICES,
}


async def load_node(ctx: Context, global_id: str) -> tuple[str, Any]:
    """``(type name, row)`` of a node the viewer may see; ``NOT_FOUND`` or ``FORBIDDEN`` else.

    A node of a customer the viewer has no relationship with is ``NOT_FOUND``, exactly like
    one that does not exist; a node of the viewer's customer in a section they were not
    granted is ``FORBIDDEN``.
    """
    principal = ctx.require_principal()
    decoded = from_global_id(global_id)
    if decoded is None:
        raise not_found()
    type_name, pk = decoded
    loaders = ctx.loaders
    if principal.api_token is not None and type_name in USER_NODES:
        raise not_found()  # a program's token reads customer data only
    if type_name == "User":
        if pk != principal.user_id:
            raise not_found()
        return type_name, await loaders.user_by_id.load(pk)
    if type_name == "ApiToken":
        return type_name, await api_token_of_owner(ctx, pk)
    if type_name == "AccessGrant":
        grant = await loaders.grant_by_id.load(pk)
        if grant is None:
            raise not_found()
        access = await loaders.access_by_customer_id.load(grant.customer_id)
        if access is None or not access.is_owner:
            raise not_found()
        return type_name, grant
    if type_name in MESSAGE_NODES:
        return type_name, await _message_node(ctx, type_name, pk)
    if type_name == "Bulletin":
        from resolvers.bulletins import bulletin_for_viewer

        return type_name, await bulletin_for_viewer(ctx, pk)
    if type_name not in NODE_SECTIONS:
        raise not_found()
    loader = {
        "Customer": loaders.customer_by_id,
        "LocationOfUse": loaders.location_by_id,
        "Contract": loaders.contract_by_id,
        "Invoice": loaders.invoice_by_id,
    }[type_name]
    row = await loader.load(pk)
    if row is None:
        raise not_found()
    customer_id = row.id if type_name == "Customer" else row.customer_id
    access = await loaders.access_by_customer_id.load(customer_id)
    if access is None:
        raise not_found()
    section = NODE_SECTIONS[type_name]
    if section is not None and not access.allows(section, AccessLevel.READ):
        raise forbidden()
    if not await location_allowed(ctx, access, type_name, row):
        raise not_found()  # outside a token's locations: as if it were another customer's
    return type_name, row


#: Nodes of a user rather than of a customer's data: ``NOT_FOUND`` for a program's token.
USER_NODES = frozenset({"User", "Bulletin", "AccessGrant", "ApiToken"})


async def location_allowed(ctx: Context, access: CustomerAccess, type_name: str, row: Any) -> bool:
    """Whether a location of use, contract or invoice (through its contract) is within the
    locations of ``access`` (an API token may be limited to some)."""
    if access.location_ids is None or type_name == "Customer":
        return True
    if type_name == "LocationOfUse":
        return access.allows_location(row.id)
    if type_name == "Contract":
        return access.allows_location(row.location_of_use_id)
    contract = None if row.contract_id is None else await ctx.loaders.contract_by_id.load(row.contract_id)
    return access.allows_location(None if contract is None else contract.location_of_use_id)


#: Node types of the ``MESSAGES`` section, reached through their thread's customer.
MESSAGE_NODES = frozenset({"MessageThread", "Message", "Attachment"})


async def _message_node(ctx: Context, type_name: str, pk: int) -> Any:
    """A thread, message or attachment of a customer the viewer may read ``MESSAGES`` of."""
    loaders = ctx.loaders
    row: Any = None
    if type_name == "Attachment":
        row = await loaders.attachment_by_id.load(pk)
        message = None if row is None else await loaders.message_by_id.load(row.message_id)
    else:
        message = await loaders.message_by_id.load(pk) if type_name == "Message" else None
        row = message
    thread_id = pk if type_name == "MessageThread" else (None if message is None else message.thread_id)
    thread = None if thread_id is None else await loaders.message_thread_by_id.load(thread_id)
    if thread is None:
        raise not_found()
    access = await loaders.access_by_customer_id.load(thread.customer_id)
    if access is None:
        raise not_found()
    if not access.allows(Section.MESSAGES, AccessLevel.READ):
        raise forbidden()
    return thread if type_name == "MessageThread" else row
