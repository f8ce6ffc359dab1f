"""A user's language: what the service says to them (emails, documents, messages) is in it.

Until the user chooses one (``updateUserLanguage``), it follows the messaging language of
a customer they own (the customer's "language of letters and emails"), and for a user
who owns none, the ``Accept-Language`` of their first sign-in. ``users.language_source``
says which: ``None`` (never set: the default, Finnish), ``CUSTOMER``, ``SIGN_IN`` or
``CHOSEN``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Language, StrEnum
from domain.contact import MessagingSettings
from domain.customers import CustomerOwner
from domain.users import User


class LanguageSource(StrEnum):
    """Where a user's language came from."""

    CUSTOMER = "CUSTOMER"
    SIGN_IN = "SIGN_IN"
    CHOSEN = "CHOSEN"


async def settle_language(db: AsyncSession, user: User, requested: Language | None) -> None:
    """At a sign-in: a language not chosen follows the first owned customer's messaging
    language, else the first sign-in's ``Accept-Language`` (``requested``, ``None`` when
    the request named none)."""
    if user.language_source == LanguageSource.CHOSEN or user.id is None:
        return
    customer_language = await db.scalar(
        select(MessagingSettings.language)
        .join(CustomerOwner, CustomerOwner.customer_id == MessagingSettings.customer_id)
        .where(CustomerOwner.user_id == user.id)
        .order_by(CustomerOwner.customer_id)
        .limit(1)
    )
    if customer_language is not None:
        user.language, user.language_source = Language(customer_language), LanguageSource.CUSTOMER
    elif user.language_source is None and requested is not None:
        user.language, user.language_source = requested, LanguageSource.SIGN_IN


def choose_language(user: User, language: Language) -> None:
    """The user's own choice, which nothing changes afterwards but another choice."""
    user.language, user.language_source = language, LanguageSource.CHOSEN
