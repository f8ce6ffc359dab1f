"""Registration after strong identification: ``completeRegistration`` and ``confirmEmail``.

``completeRegistration`` takes the registration token the strong-identification callback
issued (``auth.registration``), a username, an email address, a password and the
acceptance of the terms of use. Everything wrong with the input is reported at once. On
success, in one transaction: the user (Argon2id password hash, linked to the strong
identity, email not yet verified, language of the request), ownership of the matched
customers, a single-use email-confirmation token (only its SHA-256 hash is stored; valid
7 days), the confirmation email in the outbox, and audit events. A person who already
has a user gets ``ALREADY_REGISTERED`` and no second account.

``confirmEmail`` uses up a valid confirmation token: the address is verified, other
outstanding confirmation tokens of the user are invalidated, and pending access grants
for that address become active (``domain.grants.activate_pending_grants``).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from auth.hashing import token_hash
from auth.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, password_problems
from auth.registration import RegistrationTokenError, read_registration_token
from domain.accounts import OneTimeToken, OneTimeTokenKind
from domain.audit import record_event
from domain.base import Language, utcnow
from domain.customers import CustomerOwner
from domain.grants import activate_pending_grants
from domain.languages import settle_language
from domain.outbox import queue_email
from domain.registration import customers_for_registration, user_with_strong_identity
from domain.session import transaction
from domain.texts import N_, email_texts, text
from domain.usernames import normalise_username, username_is_valid, username_key
from domain.users import User, UserRole
from resolvers.accounts import PASSWORD_PROBLEMS
from resolvers.auth import FieldError, field_error
from resolvers.context import Context, requested_language
from resolvers.invitations import bind_invitation, usable_invitation

#: How long an email confirmation link works.
EMAIL_CONFIRMATION_DAYS = 7
#: Where the web app confirms an address (the link in the email).
CONFIRM_EMAIL_PATH = "/confirm-email"
REGISTRATION_ACTION = "registration_completed"
EMAIL_CONFIRMED_ACTION = "email_confirmed"
MAX_EMAIL = 254
MAX_PASSWORD_INPUT = 1024
MAX_CONFIRMATION_TOKEN = 256


@dataclass
class RegistrationResult:
    """The outcome of ``completeRegistration``."""

    user: User | None = None
    errors: list[FieldError] = field(default_factory=list)


def _error(language: Language, name: str, code: str, message_id: str) -> FieldError:
    """The ``UserError`` of the input field ``name``."""
    return field_error(language, ["input", name], code, message_id)


def _already_registered(language: Language) -> RegistrationResult:
    error = _error(language, "registrationToken", "ALREADY_REGISTERED", "registration.already_registered")
    return RegistrationResult(errors=[error])


def checked_email(value: str) -> str | None:
    """The email address in normalised form, or ``None`` when it is not a valid address."""
    if not value or len(value) > MAX_EMAIL:
        return None
    try:
        normalised = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    return normalised if len(normalised) <= MAX_EMAIL else None


def confirmation_email(language: Language, *, username: str, link: str) -> tuple[str, str]:
    """Subject and text of the email-confirmation message."""
    return email_texts(
        "registration_confirmation", language, username=username, link=link, days=EMAIL_CONFIRMATION_DAYS
    )


async def complete_registration(
    ctx: Context,
    *,
    registration_token: str,
    username: str,
    email: str,
    password: str,
    accept_terms: bool,
) -> RegistrationResult:
    """Create the user of a strongly identified person (see the module docstring)."""
    language = ctx.language
    errors: list[FieldError] = []
    claims = None
    try:
        claims = read_registration_token(ctx.rules.signing_key, registration_token)
    except RegistrationTokenError as error:
        if error.expired:
            code, message_id = "EXPIRED_TOKEN", N_("registration.identification_expired")
        else:
            code, message_id = "INVALID_TOKEN", N_("registration.identification_invalid")
        errors.append(_error(language, "registrationToken", code, message_id))
    if not accept_terms:
        errors.append(
            _error(language, "acceptTerms", "TERMS_NOT_ACCEPTED", "registration.terms_not_accepted")
        )
    name = normalise_username(username) if len(username) <= 256 else username
    if not username_is_valid(name):
        errors.append(_error(language, "username", "INVALID_USERNAME", "account.invalid_username"))
    address = checked_email(email)
    if address is None:
        errors.append(_error(language, "email", "INVALID_EMAIL", "input.invalid_email"))
    if len(password) > MAX_PASSWORD_INPUT:
        problems = ["PASSWORD_TOO_LONG"]
    else:
        problems = password_problems(password, username=name, email=address or email)
    for code in problems:
        message_id = PASSWORD_PROBLEMS.get(code, N_("account.password_not_accepted"))
        message = text(message_id, language, min=MIN_LENGTH, max=MAX_LENGTH)
        errors.append(FieldError(["input", "password"], code, message))
    if errors or claims is None or address is None:
        return RegistrationResult(errors=errors)

    # Argon2id takes tens of milliseconds of CPU: not on the event loop.
    password_hash = await asyncio.to_thread(hash_password, password)
    token = secrets.token_urlsafe(32)
    link = f"{ctx.rules.web_app_origin.rstrip('/')}{CONFIRM_EMAIL_PATH}?token={token}"
    try:
        async with transaction(ctx.sessions) as db:
            if await user_with_strong_identity(db, claims.hetu) is not None:
                return _already_registered(language)
            key = username_key(name)
            if await db.scalar(select(User.id).where(User.username_key == key)) is not None:
                return RegistrationResult(
                    errors=[_error(language, "username", "USERNAME_TAKEN", "account.username_taken")]
                )
            invitation = None
            if claims.invitation_id is not None:
                # invited: the invitation stands in for a customership of one's own
                invitation = await usable_invitation(db, claims.invitation_id, language)
                if isinstance(invitation, FieldError):
                    return RegistrationResult(errors=[invitation])
                customer_ids = []
            else:
                matched = await customers_for_registration(db, claims.hetu, claims.business_id)
                customer_ids = [c.id for c in matched if c.id is not None and c.id in claims.customer_ids]
                if not customer_ids:
                    error = _error(
                        language, "registrationToken", "NO_CUSTOMERSHIP", "registration.no_customership"
                    )
                    return RegistrationResult(errors=[error])
            # the address the invitation reached counts as verified
            verified = invitation is not None and invitation.email == address.lower()
            user = User(
                username=name,
                username_key=key,
                email=address,
                email_verified=verified,
                password_hash=password_hash,
                role=UserRole.CUSTOMER,
                strong_identity=claims.hetu,
                language=language,
                name=f"{claims.given_name} {claims.family_name}".strip() or None,
            )
            db.add(user)
            await db.flush()
            assert user.id is not None
            for customer_id in customer_ids:
                db.add(CustomerOwner(customer_id=customer_id, user_id=user.id))
            await db.flush()
            await settle_language(db, user, requested_language(ctx.request))
            if invitation is not None:
                await bind_invitation(db, invitation, user, language)
            if verified:
                return RegistrationResult(user=user)
            db.add(
                OneTimeToken(
                    kind=OneTimeTokenKind.EMAIL_CONFIRMATION,
                    token_hash=token_hash(token),
                    user_id=user.id,
                    email=address,
                    expires_at=utcnow() + timedelta(days=EMAIL_CONFIRMATION_DAYS),
                )
            )
            subject, body = confirmation_email(language, username=name, link=link)
            queue_email(
                db,
                to=address,
                subject=subject,
                text=body,
                links=[link],
                meta={"kind": OneTimeTokenKind.EMAIL_CONFIRMATION.value, "userId": user.id},
            )
            for customer_id in customer_ids:
                record_event(
                    db,
                    REGISTRATION_ACTION,
                    actor_user_id=user.id,
                    customer_id=customer_id,
                    method="strong_identification",
                    business_id=claims.business_id,
                )
    except IntegrityError:
        # A concurrent registration won the race for the identity or the username.
        async with ctx.sessions() as db:
            if await user_with_strong_identity(db, claims.hetu) is not None:
                return _already_registered(language)
        return RegistrationResult(
            errors=[_error(language, "username", "USERNAME_TAKEN", "account.username_taken")]
        )
    return RegistrationResult(user=user)


async def confirm_email(ctx: Context, token: str) -> list[FieldError]:
    """Verify the address a confirmation token was sent to, and activate pending grants."""
    language = ctx.language
    invalid = [_error(language, "token", "INVALID_TOKEN", "registration.confirmation_invalid")]
    if not token or len(token) > MAX_CONFIRMATION_TOKEN:
        return invalid
    now = utcnow()
    async with transaction(ctx.sessions) as db:
        row = (
            await db.execute(
                select(OneTimeToken).where(
                    OneTimeToken.token_hash == token_hash(token),
                    OneTimeToken.kind == OneTimeTokenKind.EMAIL_CONFIRMATION,
                )
            )
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or row.invalidated_at is not None:
            return invalid
        if row.expires_at <= now:
            return [_error(language, "token", "EXPIRED_TOKEN", "registration.confirmation_expired")]
        user = await db.get(User, row.user_id)
        if user is None or user.id is None or user.email.casefold() != row.email.casefold():
            return invalid  # the account's address changed since: this link confirms nothing
        used = await db.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.id == row.id,
                OneTimeToken.used_at.is_(None),
                OneTimeToken.invalidated_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return invalid  # used by a concurrent request
        await db.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.user_id == user.id,
                OneTimeToken.kind == OneTimeTokenKind.EMAIL_CONFIRMATION,
                OneTimeToken.id != row.id,
                OneTimeToken.used_at.is_(None),
                OneTimeToken.invalidated_at.is_(None),
            )
            .values(invalidated_at=now)
            .execution_options(synchronize_session=False)
        )
        user.email_verified = True
        grants = await activate_pending_grants(db, user.id, user.email)
        record_event(db, EMAIL_CONFIRMED_ACTION, actor_user_id=user.id, activated_grants=len(grants))
    return []
