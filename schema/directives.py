"""The ``@requiresAccess`` schema directive and the field extension that enforces it.

The directive is declared on every field that exposes one section's data; at schema
assembly ``install_access_guards`` gives each such field the ``RequiresAccessExtension``,
which is the single enforcement point for reads: the SDL shows exactly what is enforced.
A section read on someone else's behalf is noted there for the owner's access log.
Guarded fields are resolved through the parent's ``customer_id``; a denial nulls the
field alone with ``FORBIDDEN`` (or ``UNAUTHENTICATED``) and the siblings still resolve.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from domain import base
from resolvers.access_log import note_read
from resolvers.errors import forbidden, unauthenticated
from schema.enums import AccessLevel, Section


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The field shows or changes one section's data: the viewer needs `level` on "
    "`section` of the customer it belongs to.",
)
class RequiresAccess:
    section: Section
    level: AccessLevel


def requires_access(section: base.Section, level: base.AccessLevel = base.AccessLevel.READ) -> list[object]:
    """``directives=`` value for a guarded field."""
    return [RequiresAccess(section=section, level=level)]


class RequiresAccessExtension(FieldExtension):
    """Checks the directive's section and level against the parent object's customer."""

    def __init__(self, section: base.Section, level: base.AccessLevel) -> None:
        super().__init__()
        self.section = section
        self.level = level

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any] | Any], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        context = info.context
        if context.principal is None:
            raise unauthenticated()
        customer_id = source.customer_id
        access = await context.loaders.access_by_customer_id.load(customer_id)
        if access is None or not access.allows(self.section, self.level):
            raise forbidden()
        if not access.is_owner:
            note_read(context, access, self.section)
        result = next_(source, info, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result


def guarded_fields(types: Iterable[type]) -> list[tuple[type, StrawberryField, RequiresAccess]]:
    """Every field of ``types`` that carries ``@requiresAccess``."""
    found = []
    for cls in types:
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is None:
            continue
        for field in definition.fields:
            for directive in field.directives:
                if isinstance(directive, RequiresAccess):
                    found.append((cls, field, directive))
    return found


def install_access_guards(types: Iterable[type]) -> int:
    """Attach the enforcing extension to every guarded field; returns how many."""
    count = 0
    for _cls, field, directive in guarded_fields(types):
        if any(isinstance(e, RequiresAccessExtension) for e in field.extensions):
            continue
        field.extensions.append(
            RequiresAccessExtension(
                base.Section(directive.section.value), base.AccessLevel(directive.level.value)
            )
        )
        count += 1
    return count
