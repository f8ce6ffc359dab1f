"""The newsletter (SPEC 9): open to anonymous visitors, double opt-in, unsubscribe from every email.

``subscribeNewsletter`` answers the same whether the address is new, waiting for its
confirmation, already subscribed or unsubscribed earlier (a syntactically invalid address
and the per-client rate limit are the only errors): a new or pending address gets a
confirmation link (``/newsletter/confirm?token=``, consumed by
``confirmNewsletterSubscription``), an address already on the list a short notice. Each
address gets at most ``EMAILS_PER_ADDRESS`` such emails a day; past that the request is
answered the same and nothing is sent, so nobody can flood someone's inbox through it.

Every email of the list goes through ``domain.newsletter.newsletter_email``, which adds
the unsubscribe link (``/newsletter/unsubscribe?token=``, consumed by
``unsubscribeNewsletter``). That token is signed, not stored: it names the subscription
and its ``unsubscribe_nonce`` and does not expire, so it can be put into any later
newsletter; a new subscription round gives a new nonce, which voids older links.
Confirmation and unsubscription are mutations rather than links that act on GET, so that
mail scanners that prefetch links neither confirm nor end a subscription.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from auth.hashing import token_hash
from domain.audit import record_event
from domain.base import Language, utcnow
from domain.contact import normalise_email
from domain.newsletter import (
    CONFIRMATION_VALIDITY,
    NewsletterSubscription,
    SubscriptionStatus,
    newsletter_email,
)
from domain.outbox import queue_email
from domain.session import transaction
from domain.texts import email_texts, text
from resolvers.auth import FieldError, field_error, rate_limited
from resolvers.context import Context

CONFIRM_PATH = "/newsletter/confirm"
UNSUBSCRIBE_PATH = "/newsletter/unsubscribe"
#: Subscription requests per client address and hour.
REQUESTS_PER_CLIENT = 10
#: Emails the subscription requests send to one address per day.
EMAILS_PER_ADDRESS = 3
_SALT = "energy-portal/newsletter-unsubscribe/v1"


@dataclass
class NewsletterResult:
    """Outcome of a newsletter mutation."""

    errors: list[FieldError] = field(default_factory=list)


def _link(ctx: Context, path: str, token: str) -> str:
    return f"{ctx.rules.web_app_origin.rstrip('/')}{path}?token={token}"


def unsubscribe_token(signing_key: str, subscription: NewsletterSubscription) -> str:
    """The signed token of a subscription's unsubscribe link."""
    return URLSafeSerializer(signing_key, salt=_SALT).dumps([subscription.id, subscription.unsubscribe_nonce])


def _read_unsubscribe_token(signing_key: str, token: str) -> tuple[int, str] | None:
    if not token or len(token) > 200:
        return None
    try:
        sub_id, nonce = URLSafeSerializer(signing_key, salt=_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(sub_id, int) or not isinstance(nonce, str):
        return None
    return sub_id, nonce


def unsubscribe_link(ctx: Context, subscription: NewsletterSubscription) -> str:
    """The unsubscribe link that every newsletter email carries."""
    return _link(ctx, UNSUBSCRIBE_PATH, unsubscribe_token(ctx.rules.signing_key, subscription))


def _send_to_list(
    ctx: Context, db: object, subscription: NewsletterSubscription, subject: str, body: str, links: list[str]
) -> None:
    newsletter_email(
        db,  # type: ignore[arg-type]
        subscription,
        subject=subject,
        text=body,
        unsubscribe_url=unsubscribe_link(ctx, subscription),
        unsubscribe_label=text("email.newsletter.unsubscribe", subscription.language),
        links=links,
    )


async def subscribe(ctx: Context, email: str, language: Language | None) -> NewsletterResult:
    """Ask for the newsletter (see the module docstring); the same answer for every address."""
    address = normalise_email(email)
    if address is None:
        return NewsletterResult(
            [field_error(ctx.language, ["email"], "INVALID_EMAIL", "input.invalid_email")]
        )
    if ctx.limiter is not None:
        verdict = await ctx.limiter.hit(
            f"newsletter:client:{ctx.client_address}", limit=REQUESTS_PER_CLIENT, window_seconds=3600
        )
        if not verdict.allowed:
            return NewsletterResult([rate_limited(ctx, verdict.retry_after)])
        per_address = await ctx.limiter.hit(
            f"newsletter:address:{token_hash(address)}", limit=EMAILS_PER_ADDRESS, window_seconds=86400
        )
        if not per_address.allowed:
            return NewsletterResult()
    language = language or ctx.language
    now = utcnow()
    async with transaction(ctx.sessions) as db:
        row = (
            await db.execute(select(NewsletterSubscription).where(NewsletterSubscription.email == address))
        ).scalar_one_or_none()
        if row is None:
            row = NewsletterSubscription(
                email=address, language=language, unsubscribe_nonce=secrets.token_hex(8)
            )
            db.add(row)
            await db.flush()
        if row.status is SubscriptionStatus.ACTIVE:
            subject, body = email_texts("newsletter_already_subscribed", row.language)
            _send_to_list(ctx, db, row, subject, body, [])
            return NewsletterResult()
        if row.status is SubscriptionStatus.UNSUBSCRIBED:
            row.unsubscribe_nonce = secrets.token_hex(8)
            row.unsubscribed_at = None
        row.status = SubscriptionStatus.PENDING
        row.language = language
        token = secrets.token_urlsafe(32)
        row.confirmation_token_hash = token_hash(token)
        row.confirmation_sent_at = now
        link = _link(ctx, CONFIRM_PATH, token)
        subject, body = email_texts(
            "newsletter_confirmation", language, link=link, days=CONFIRMATION_VALIDITY.days
        )
        # The confirmation is not yet a newsletter email: the address is not on the list.
        queue_email(
            db, to=address, subject=subject, text=body, links=[link], meta={"kind": "newsletter_confirmation"}
        )
    return NewsletterResult()


async def confirm(ctx: Context, token: str) -> NewsletterResult:
    """Follow the double opt-in link: the address joins the list and gets a welcome email."""
    invalid = NewsletterResult(
        [field_error(ctx.language, ["token"], "INVALID_TOKEN", "confirmation.link_invalid")]
    )
    if not token or len(token) > 128:
        return invalid
    async with transaction(ctx.sessions) as db:
        row = (
            await db.execute(
                select(NewsletterSubscription).where(
                    NewsletterSubscription.confirmation_token_hash == token_hash(token)
                )
            )
        ).scalar_one_or_none()
        if row is None or row.status is not SubscriptionStatus.PENDING:
            return invalid
        now = utcnow()
        if row.confirmation_sent_at is None or row.confirmation_sent_at + CONFIRMATION_VALIDITY < now:
            return NewsletterResult(
                [field_error(ctx.language, ["token"], "EXPIRED_TOKEN", "confirmation.link_expired")]
            )
        row.status = SubscriptionStatus.ACTIVE
        row.confirmed_at = now
        row.confirmation_token_hash = None
        subject, body = email_texts("newsletter_welcome", row.language)
        _send_to_list(ctx, db, row, subject, body, [])
        record_event(db, "newsletter.subscribed", subscriptionId=row.id)
    return NewsletterResult()


async def unsubscribe(ctx: Context, token: str) -> NewsletterResult:
    """Follow an unsubscribe link: the address leaves the list (again and again: idempotent)."""
    found = _read_unsubscribe_token(ctx.rules.signing_key, token)
    invalid = NewsletterResult(
        [field_error(ctx.language, ["token"], "INVALID_TOKEN", "confirmation.link_invalid")]
    )
    if found is None:
        return invalid
    sub_id, nonce = found
    async with transaction(ctx.sessions) as db:
        row = await db.get(NewsletterSubscription, sub_id)
        if row is None or not secrets.compare_digest(row.unsubscribe_nonce, nonce):
            return invalid
        if row.status is not SubscriptionStatus.UNSUBSCRIBED:
            row.status = SubscriptionStatus.UNSUBSCRIBED
            row.unsubscribed_at = utcnow()
            row.confirmation_token_hash = None
            record_event(db, "newsletter.unsubscribed", subscriptionId=row.id)
    return NewsletterResult()
