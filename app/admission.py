"""Admission: at most so many GraphQL operations run at once in a worker; the rest wait in line.

Under a crowd, an asyncio worker that starts every request at once interleaves all of
them: each one's awaits queue behind everyone else's, the database pool is fought over by
hundreds of tasks (a returned connection can go to a newcomer before a long waiter), and
the slowest requests wait several times as long as the median. Measured with
``bench.load`` (200 connections, two workers): p50 0.86 s, p99 2.46 s. Letting a fixed
number of operations run and the rest wait their turn in a first-come, first-served line
keeps throughput and evens the waits out (README, "When things fail").

A request's body is read before it queues (a JSON body is at most 1 MiB; the Guard
enforces it), so a client that sends slowly never holds a place. Multipart uploads are
read by the view as they stream and do not queue here (their size and count limits and
write quotas bound them). A request that waits longer than the queue timeout gets 503
``SERVICE_UNAVAILABLE`` with ``Retry-After``, never a hang.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import Message, Receive


class QueueTimeout(Exception):
    """A request waited its whole queue timeout for a place."""


class Admission:
    """A first-come, first-served line in front of ``limit`` places."""

    def __init__(self, limit: int, timeout_seconds: float) -> None:
        self.limit = limit
        self.timeout_seconds = timeout_seconds
        self._free = limit
        self._line: deque[asyncio.Future[None]] = deque()

    @property
    def running(self) -> int:
        return self.limit - self._free

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._line if not waiter.done())

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold one of the places while the block runs (waiting in line for it first)."""
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._free > 0 and not self._line:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(waiter)
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the place came just as the time ran out: pass it on
            raise QueueTimeout from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()
            raise
        finally:
            if waiter in self._line:
                self._line.remove(waiter)

    def _release(self) -> None:
        """Give the place to the first in line still waiting, else free it."""
        while self._line:
            waiter = self._line.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


async def read_body(receive: Receive) -> tuple[list[Message], bool]:
    """Every ``http.request`` message of the body, and whether the client disconnected."""
    messages: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return messages, True
        messages.append(message)
        if not message.get("more_body", False):
            return messages, False


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` first, then waits on the real one (disconnects)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
