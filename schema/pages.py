"""Relay paging information, and what the connections share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item; pass as `after`.")


class PagedConnection:
    """A connection over a page of ``(cursor, row)`` pairs (``resolvers.connections.Page``,
    ``resolvers.messages.ThreadPage``): its edges, its paging information, the page kept.

    Each connection is its own strawberry type (its own names and descriptions); this
    builds them all the same way.
    """

    @classmethod
    def of_page(cls, page: Any, edge: Callable[..., Any], node: Callable[[Any], Any]) -> Any:
        return cls(  # type: ignore[call-arg]
            page=page,
            edges=[edge(cursor=cursor, node=node(row)) for cursor, row in page.rows],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )
