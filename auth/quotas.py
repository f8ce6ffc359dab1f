"""Write quotas (issue 12 part 4): how much one customer, owner or staff user may write.

Sliding windows counted by the process's ``RateLimiter`` (Redis when configured, else
the ``rate_limit_hits`` table), under keys ``quota:<name>:<id>`` beside the throttles'.
The numbers:

- ``quota:messages:customer``: 30 messages (new threads and replies, by any of the
  customer's users) per customer per hour. A person writing to customer service sends a
  few messages an hour at most; 30 leaves room for a long exchange or a delegate and the
  owner writing at once, and stops a script after 30 rows instead of thousands.
- ``quota:threads-hour:customer``: 10 new threads per customer per hour, and
  ``quota:threads-day:customer``: 20 per customer per day. A new thread is a new queue
  entry for customer service and a new row in every thread list; replies belong in the
  existing thread. These bound the thread fan-out of issue 12 (100 threads in 0.5 s) to
  10 an hour.
- ``quota:attachment-bytes:customer``: 100 MiB (100 × 1024 × 1024 bytes) of attachments
  per customer per day, by their uploaded sizes (an attachment whose content is already
  stored counts too): two full messages of five 10 MiB files, or dozens of ordinary
  photos and PDFs.
- ``quota:grants:owner``: 20 successful ``grantAccess`` calls (new grants and changed
  ones) per owner user per day; a household or a company grants a handful at a time.
- ``quota:replies:staff``: 600 ``replyToThread`` answers per customer-service user per
  hour. Staff are trusted and answering the queue is their job, so no person comes near
  it (one answer every 6 seconds for an hour); it stops a runaway script or a stuck
  client on a staff account from writing without end.

Newsletter and recovery emails have their own limits (``auth.throttle``,
``resolvers.newsletter``).

A quota is *taken* before the write, atomically (``RateLimiter.take``: counted only if
it fits, so a burst of parallel requests cannot pass it), and *given back* when the write
does not happen (refused input, a refused file, a database error, a cancelled request):
a refused or failed write counts nothing. A write that is refused by a quota changes
nothing. The attachment bytes are checked twice: before any file is staged, against
the sizes the multipart parser saw (``peek``), and after staging, when the streamed sizes
are known, by taking them before anything is committed. If the process dies between a
take and its write, the take stays counted until it leaves the window (the safe side).

Use a ``Claim`` as ``async with claim:`` and call ``claim.keep()`` once the write has
committed; leaving the block otherwise gives everything back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from auth.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

HOUR = 60 * 60
DAY = 24 * HOUR
MIB = 1024 * 1024


@dataclass(frozen=True)
class Quota:
    """At most ``limit`` (writes, or bytes) per subject in any ``window_seconds``."""

    name: str
    limit: int
    window_seconds: int


MESSAGES_PER_CUSTOMER = Quota("quota:messages:customer", 30, HOUR)
NEW_THREADS_PER_CUSTOMER_HOUR = Quota("quota:threads-hour:customer", 10, HOUR)
NEW_THREADS_PER_CUSTOMER_DAY = Quota("quota:threads-day:customer", 20, DAY)
ATTACHMENT_BYTES_PER_CUSTOMER = Quota("quota:attachment-bytes:customer", 100 * MIB, DAY)
GRANTS_PER_OWNER = Quota("quota:grants:owner", 20, DAY)
REPLIES_PER_STAFF_USER = Quota("quota:replies:staff", 600, HOUR)


def quota_key(quota: Quota, subject: int | str) -> str:
    """The limiter key of ``subject`` (a customer or user id) under ``quota``."""
    return f"{quota.name}:{subject}"


@dataclass(frozen=True)
class Charge:
    """``amount`` of ``quota`` for ``subject``; ``counted=False`` only checks that it fits."""

    quota: Quota
    subject: int | str
    amount: int = 1
    counted: bool = True


@dataclass(frozen=True)
class Refusal:
    """The quota that refused a write, and the seconds until the same write would fit."""

    quota: Quota
    retry_after: int


class Claim:
    """The quota taken for one write, given back unless the write is kept."""

    def __init__(self, limiter: RateLimiter | None) -> None:
        self.limiter = limiter
        self.refusal: Refusal | None = None
        self._taken: list[tuple[str, str]] = []
        self._kept = False

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    async def add(self, *charges: Charge) -> bool:
        """Take every charge; if any does not fit, give back everything this claim took
        and note the refusal with the longest wait (the charges after a refused one are
        only checked, to find that wait)."""
        if self.limiter is None:
            return True
        refusals: list[Refusal] = []
        try:
            for charge in charges:
                if charge.amount <= 0:
                    continue
                key, quota = quota_key(charge.quota, charge.subject), charge.quota
                if refusals or not charge.counted:
                    verdict = await self.limiter.peek(
                        key, limit=quota.limit, window_seconds=quota.window_seconds, amount=charge.amount
                    )
                else:
                    verdict = await self.limiter.take(
                        key, limit=quota.limit, window_seconds=quota.window_seconds, amount=charge.amount
                    )
                    if verdict.allowed and verdict.token is not None:
                        self._taken.append((key, verdict.token))
                if not verdict.allowed:
                    refusals.append(Refusal(quota, verdict.retry_after))
        except BaseException:
            await asyncio.shield(self.release())
            raise
        if refusals:
            await self.release()
            self.refusal = max(refusals, key=lambda r: r.retry_after)
            return False
        return True

    def keep(self) -> None:
        """The write committed: what was taken stays counted."""
        self._kept = True

    async def release(self) -> None:
        """Give back everything taken (once). A failure to give back is logged: the
        count then stays until it leaves its window."""
        taken, self._taken = self._taken, []
        if self.limiter is None:
            return
        for key, token in taken:
            try:
                await self.limiter.give_back(key, token)
            except Exception:
                logger.warning("could not give back a quota take under %s", key, exc_info=True)

    async def __aenter__(self) -> Claim:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._kept:
            await asyncio.shield(self.release())


async def claim(limiter: RateLimiter | None, *charges: Charge) -> Claim:
    """A claim holding ``charges`` (check ``allowed``; nothing is held when refused)."""
    held = Claim(limiter)
    await held.add(*charges)
    return held


async def claim_message(
    limiter: RateLimiter | None, customer_id: int, *, new_thread: bool, declared_bytes: int = 0
) -> Claim:
    """A message of the customer (a new thread when ``new_thread``) whose attachments
    the request declares ``declared_bytes`` long (checked only; ``add_attachment_bytes``
    counts the staged sizes)."""
    charges = [
        Charge(ATTACHMENT_BYTES_PER_CUSTOMER, customer_id, declared_bytes, counted=False),
        Charge(MESSAGES_PER_CUSTOMER, customer_id),
    ]
    if new_thread:
        charges += [
            Charge(NEW_THREADS_PER_CUSTOMER_HOUR, customer_id),
            Charge(NEW_THREADS_PER_CUSTOMER_DAY, customer_id),
        ]
    return await claim(limiter, *charges)


async def add_attachment_bytes(held: Claim, customer_id: int, size: int) -> bool:
    """Take the staged attachments' ``size`` (bytes) into the message's claim."""
    return await held.add(Charge(ATTACHMENT_BYTES_PER_CUSTOMER, customer_id, size))


async def claim_grant(limiter: RateLimiter | None, owner_user_id: int) -> Claim:
    """One ``grantAccess`` by the owner user."""
    return await claim(limiter, Charge(GRANTS_PER_OWNER, owner_user_id))


async def claim_staff_reply(limiter: RateLimiter | None, staff_user_id: int) -> Claim:
    """One ``replyToThread`` by the customer-service user."""
    return await claim(limiter, Charge(REPLIES_PER_STAFF_USER, staff_user_id))
