"""Throttling of password guessing and of recovery emails (SPEC 4, issue 3 part 10).

Sliding windows counted by the process's ``RateLimiter`` (Redis when configured, else
the database). The numbers (all windows 15 minutes):

- ``sign-in:account``: 5 failed sign-ins per username, whether or not it exists
  (case-insensitive); shared by ``login`` and ``obtainToken`` with a password;
- ``sign-in:address``: 20 failed sign-ins per client address;
- ``password-check:user``: 5 wrong current passwords per signed-in user in
  ``changePassword`` / ``changeUsername``;
- ``recovery:email``: 3 requests per email address, counted apart for
  ``requestPasswordReset`` and ``requestUsernameReminder``;
- ``recovery:address``: 10 recovery requests (of both kinds) per client address.

Sign-in: before the password is checked, both sign-in keys are *peeked*; when either is
full the attempt is refused with a retry-after, without checking the password (so a
right password is refused as well, and the answer is the same whether the account
exists). A refused attempt is not counted, so a real user who retries during a lockout
does not extend it: it ends at most 15 minutes after the failures that caused it. The
account key is counted *before* the password check (an atomic reservation, so a burst
of parallel guesses cannot exceed the limit) and forgotten on success; the address key
counts failures only (so many people signing in behind one NAT address are not
throttled by their successes). An attacker can keep one username locked only by going
on guessing, 5 guesses per 15 minutes.

Keys hold a SHA-256 of the username / email / address, never the value itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from auth.ratelimit import RateLimiter, Verdict


@dataclass(frozen=True)
class Policy:
    """A sliding-window limit: at most ``limit`` counted attempts per ``window_seconds``."""

    name: str
    limit: int
    window_seconds: int


SIGN_IN_PER_ACCOUNT = Policy("sign-in:account", 5, 15 * 60)
SIGN_IN_PER_ADDRESS = Policy("sign-in:address", 20, 15 * 60)
PASSWORD_CHECK_PER_USER = Policy("password-check:user", 5, 15 * 60)
RECOVERY_PER_EMAIL = Policy("recovery:email", 3, 15 * 60)
RECOVERY_PER_ADDRESS = Policy("recovery:address", 10, 15 * 60)

ALLOWED = Verdict(True, 0, 0)


def limit_key(policy: Policy, subject: str) -> str:
    """The limiter key of ``subject`` (a username key, an email, an address) under ``policy``."""
    digest = hashlib.sha256(subject.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()
    return f"{policy.name}:{digest[:40]}"


def _worst(verdicts: list[Verdict]) -> Verdict:
    """Refused if any is, with the longest wait; ``count`` is the highest count."""
    highest = max((v.count for v in verdicts), default=0)
    refused = [v for v in verdicts if not v.allowed]
    if not refused:
        return Verdict(True, 0, highest)
    return Verdict(False, max(v.retry_after for v in refused), highest)


async def peek(limiter: RateLimiter | None, *checks: tuple[Policy, str]) -> Verdict:
    """Whether every ``(policy, subject)`` still has room, counting nothing."""
    if limiter is None:
        return ALLOWED
    return _worst(
        [
            await limiter.peek(limit_key(p, s), limit=p.limit, window_seconds=p.window_seconds)
            for p, s in checks
        ]
    )


async def count(limiter: RateLimiter | None, *checks: tuple[Policy, str]) -> Verdict:
    """Count one attempt under every ``(policy, subject)``; refused when any is now over."""
    if limiter is None:
        return ALLOWED
    return _worst(
        [
            await limiter.hit(limit_key(p, s), limit=p.limit, window_seconds=p.window_seconds)
            for p, s in checks
        ]
    )


async def forget(limiter: RateLimiter | None, policy: Policy, subject: str) -> None:
    """Drop the attempts counted for ``subject`` under ``policy``."""
    if limiter is not None:
        await limiter.clear(limit_key(policy, subject))


async def attempt(limiter: RateLimiter | None, *checks: tuple[Policy, str]) -> Verdict:
    """Peek, then count if there is room: refused attempts are not counted."""
    verdict = await peek(limiter, *checks)
    if not verdict.allowed:
        return verdict
    return await count(limiter, *checks)


# --------------------------------------------------------------------------------------
# Sign-in with a password (``login``, and ``obtainToken`` with username + password)


async def sign_in_gate(limiter: RateLimiter | None, account: str, address: str) -> Verdict:
    """May a password be checked for ``account`` (the username key) from ``address``?

    Refused (with ``retry_after``) while either key is full. When allowed, one attempt
    has been reserved on the account key: call ``sign_in_failed`` or ``sign_in_succeeded``.
    """
    verdict = await peek(limiter, (SIGN_IN_PER_ACCOUNT, account), (SIGN_IN_PER_ADDRESS, address))
    if not verdict.allowed:
        return verdict
    return await count(limiter, (SIGN_IN_PER_ACCOUNT, account))


async def sign_in_failed(limiter: RateLimiter | None, account: str, address: str) -> list[str]:
    """Count a failed sign-in from ``address``; the scopes (``account``, ``address``) that
    this failure filled, i.e. whose lockout starts now."""
    if limiter is None:
        return []
    engaged = []
    address_verdict = await count(limiter, (SIGN_IN_PER_ADDRESS, address))
    if address_verdict.count == SIGN_IN_PER_ADDRESS.limit:
        engaged.append("address")
    account_verdict = await peek(limiter, (SIGN_IN_PER_ACCOUNT, account))
    if not account_verdict.allowed and account_verdict.count == SIGN_IN_PER_ACCOUNT.limit:
        engaged.append("account")
    return engaged


async def sign_in_succeeded(limiter: RateLimiter | None, account: str) -> None:
    """A right password: the account's failures are forgotten (the address's are not)."""
    await forget(limiter, SIGN_IN_PER_ACCOUNT, account)
