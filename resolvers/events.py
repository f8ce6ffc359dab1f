"""Events for live updates (GraphQL subscriptions): published by the operations that change
state, delivered to the subscribers of every server process.

A topic names a customer and a kind (``customer:<id>:messages``, ``…:invoices``,
``…:access``). With Redis configured, an event goes through Redis pub/sub (one channel
per topic) and every process's listener hands it to its own subscribers, so a subscriber
on one process hears of a change made on another; on the embedded default it stays in
the process. An event says only what happened and where (ids): a subscriber reads the
rows itself, after checking its access at that moment. A subscriber too slow to keep up
loses its oldest events rather than holding memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

from auth.access import access_by_customer
from domain.base import AccessLevel, Section, today_helsinki
from domain.invoices import Invoice
from domain.messages import Message, MessageThread
from resolvers.errors import forbidden, too_many_subscriptions, unauthenticated

log = logging.getLogger("energy_portal.events")

#: Prefix of the Redis channels of events.
CHANNEL_PREFIX = "ep:events:"
#: Events a subscriber may have waiting before the oldest are dropped.
QUEUE_SIZE = 100
#: Live subscriptions one user may hold at once in one process, over all their connections
#: (each connection holds at most ``app.graphql_view.MAX_SUBSCRIPTIONS_PER_CONNECTION``).
MAX_SUBSCRIPTIONS_PER_USER = 20


def topic(customer_id: int, kind: str) -> str:
    return f"customer:{customer_id}:{kind}"


class EventBus:
    """Publish and subscribe, in-process or through Redis pub/sub."""

    def __init__(self, redis: Any = None) -> None:
        self._redis = redis
        self._queues: dict[str, set[asyncio.Queue[tuple[str, dict[str, Any]]]]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._held: Counter[int] = Counter()

    @contextlib.contextmanager
    def held_by(self, user_id: int, limit: int = MAX_SUBSCRIPTIONS_PER_USER) -> Iterator[None]:
        """Count a live subscription of ``user_id`` while the block runs; ``RATE_LIMITED``
        when the user already holds ``limit`` in this process."""
        if self._held[user_id] >= limit:
            raise too_many_subscriptions(limit)
        self._held[user_id] += 1
        try:
            yield
        finally:
            self._held[user_id] -= 1
            if self._held[user_id] <= 0:
                del self._held[user_id]

    async def publish(self, name: str, event: dict[str, Any]) -> None:
        """Send ``event`` to every subscriber of ``name`` (never raises: a lost live update
        is not worth failing the change that caused it)."""
        if self._redis is not None:
            try:
                await self._redis.publish(CHANNEL_PREFIX + name, json.dumps(event))
                return
            except Exception:
                log.warning("could not publish an event on %s through Redis", name, exc_info=True)
        self._deliver(name, event)

    def _deliver(self, name: str, event: dict[str, Any]) -> None:
        for queue in list(self._queues.get(name, ())):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait((name, event))

    @contextlib.asynccontextmanager
    async def subscription(self, *names: str) -> AsyncIterator[asyncio.Queue[tuple[str, dict[str, Any]]]]:
        """A queue receiving ``(topic, event)`` of the named topics while the block runs."""
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(maxsize=QUEUE_SIZE)
        for name in names:
            self._queues[name].add(queue)
        if self._redis is not None and self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="event-listener")
        try:
            yield queue
        finally:
            for name in names:
                self._queues[name].discard(queue)
                if not self._queues[name]:
                    del self._queues[name]

    async def _listen(self) -> None:
        """This process's one Redis subscription, fanned out to its subscribers."""
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    name = (channel.decode() if isinstance(channel, bytes) else channel)[
                        len(CHANNEL_PREFIX) :
                    ]
                    with contextlib.suppress(ValueError, TypeError):
                        self._deliver(name, json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the event listener lost Redis; listening again in 1 s", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None


async def publish_message(ctx: Any, thread: Any, message: Any, kind: str) -> None:
    """A message or reply was written (after its commit)."""
    if ctx.events is not None and thread is not None:
        event = {"kind": kind, "threadId": thread.id, "messageId": None if message is None else message.id}
        await ctx.events.publish(topic(thread.customer_id, "messages"), event)


async def publish_access_changed(ctx: Any, customer_id: int) -> None:
    """Someone's access to the customer changed: live subscribers check theirs again."""
    if ctx.events is not None:
        await ctx.events.publish(topic(customer_id, "access"), {"kind": "ACCESS_CHANGED"})


async def live_access(ctx: Any, customer_id: int, section: Section) -> None:
    """The subscriber's access at this moment: its session or token found again, its access
    read afresh (a revoke, a narrowed grant, an end date or an ended session stops it);
    ``UNAUTHENTICATED`` / ``FORBIDDEN`` otherwise. The context's loaders are renewed."""
    principal = await ctx.reauthenticate() if ctx.reauthenticate is not None else ctx.principal
    if principal is None:
        raise unauthenticated()
    today = today_helsinki()
    async with ctx.read_sessions() as db:
        found = (await access_by_customer(db, principal, [customer_id], today)).get(customer_id)
    if found is None or not found.allows(section, AccessLevel.READ):
        raise forbidden()
    ctx.principal = principal
    ctx.renew(today)


async def message_rows(ctx: Any, event: dict[str, Any]) -> tuple[Any, Any]:
    """The thread and message an event names, read now."""
    async with ctx.read_sessions() as db:
        thread = await db.get(MessageThread, event.get("threadId") or 0)
        message_id = event.get("messageId")
        message = None if message_id is None else await db.get(Message, message_id)
    return thread, message


async def invoice_row(ctx: Any, event: dict[str, Any]) -> Any:
    async with ctx.read_sessions() as db:
        return await db.get(Invoice, event.get("invoiceId") or 0)
