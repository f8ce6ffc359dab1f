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
from auth.passwords import hash_password, password_problems
from auth.registration import RegistrationTokenError, read_registration_token
from domain.accounts import OneTimeToken, OneTimeTokenKind
from domain.audit import record_event
from domain.base import Language, utcnow
from domain.customers import CustomerOwner
from domain.grants import activate_pending_grants
from domain.outbox import queue_email
from domain.registration import customers_for_registration, user_with_strong_identity
from domain.session import transaction
from domain.usernames import normalise_username, username_is_valid, username_key
from domain.users import User, UserRole
from resolvers.auth import FieldError
from resolvers.context import Context
from resolvers.texts import pick

#: How long an email confirmation link works.
EMAIL_CONFIRMATION_DAYS = 7
#: Where the web app confirms an address (the link in the email).
CONFIRM_EMAIL_PATH = "/confirm-email"
REGISTRATION_ACTION = "registration_completed"
EMAIL_CONFIRMED_ACTION = "email_confirmed"
MAX_EMAIL = 254
MAX_PASSWORD_INPUT = 1024
MAX_CONFIRMATION_TOKEN = 256

TEXTS: dict[str, dict[Language, str]] = {
    "registration_token_invalid": {
        Language.FI: "Tunnistautuminen ei ole voimassa. Tunnistaudu uudelleen.",
        Language.SV: "Identifieringen är inte giltig. Identifiera dig på nytt.",
        Language.EN: "The identification is not valid. Please identify yourself again.",
    },
    "registration_token_expired": {
        Language.FI: "Tunnistautuminen on vanhentunut. Tunnistaudu uudelleen.",
        Language.SV: "Identifieringen har gått ut. Identifiera dig på nytt.",
        Language.EN: "The identification has expired. Please identify yourself again.",
    },
    "TERMS_NOT_ACCEPTED": {
        Language.FI: "Hyväksy käyttöehdot rekisteröityäksesi.",
        Language.SV: "Godkänn användarvillkoren för att registrera dig.",
        Language.EN: "Accept the terms of use to register.",
    },
    "INVALID_USERNAME": {
        Language.FI: "Käyttäjätunnuksessa on oltava 3–64 merkkiä: kirjaimia, numeroita tai merkkejä . _ -",
        Language.SV: "Användarnamnet ska ha 3–64 tecken: bokstäver, siffror eller tecknen . _ -",
        Language.EN: "The username must be 3–64 characters: letters, digits or . _ -",
    },
    "USERNAME_TAKEN": {
        Language.FI: "Käyttäjätunnus on jo käytössä. Valitse toinen.",
        Language.SV: "Användarnamnet är redan upptaget. Välj ett annat.",
        Language.EN: "This username is taken. Please choose another one.",
    },
    "INVALID_EMAIL": {
        Language.FI: "Sähköpostiosoite ei kelpaa.",
        Language.SV: "E-postadressen är inte giltig.",
        Language.EN: "The email address is not valid.",
    },
    "PASSWORD_TOO_SHORT": {
        Language.FI: "Salasanassa on oltava vähintään 15 merkkiä.",
        Language.SV: "Lösenordet ska ha minst 15 tecken.",
        Language.EN: "The password must be at least 15 characters long.",
    },
    "PASSWORD_TOO_LONG": {
        Language.FI: "Salasana on liian pitkä.",
        Language.SV: "Lösenordet är för långt.",
        Language.EN: "The password is too long.",
    },
    "PASSWORD_TOO_COMMON": {
        Language.FI: "Salasana on liian yleinen tai se on paljastunut tietomurrossa. Valitse toinen.",
        Language.SV: "Lösenordet är för vanligt eller har läckt i ett dataintrång. Välj ett annat.",
        Language.EN: "This password is too common or has appeared in a data breach. Choose another one.",
    },
    "PASSWORD_SAME_AS_USERNAME_OR_EMAIL": {
        Language.FI: "Salasana ei voi olla sama kuin käyttäjätunnus tai sähköpostiosoite.",
        Language.SV: "Lösenordet får inte vara samma som användarnamnet eller e-postadressen.",
        Language.EN: "The password cannot be the same as the username or the email address.",
    },
    "password_other": {
        Language.FI: "Salasana ei kelpaa.",
        Language.SV: "Lösenordet godkänns inte.",
        Language.EN: "The password is not accepted.",
    },
    "ALREADY_REGISTERED": {
        Language.FI: "Sinulla on jo käyttäjätunnus. Kirjaudu sisään tai pyydä uusi salasana.",
        Language.SV: "Du har redan ett användarkonto. Logga in eller begär ett nytt lösenord.",
        Language.EN: "You already have an account. Sign in, or ask for a new password.",
    },
    "NO_CUSTOMERSHIP": {
        Language.FI: "Emme löytäneet tiedoillasi asiakkuutta.",
        Language.SV: "Vi hittade inget kundförhållande med dina uppgifter.",
        Language.EN: "We could not find a customer relationship with your details.",
    },
    "confirmation_invalid": {
        Language.FI: "Vahvistuslinkki ei ole voimassa tai sitä on jo käytetty.",
        Language.SV: "Bekräftelselänken är inte giltig eller har redan använts.",
        Language.EN: "The confirmation link is not valid or has already been used.",
    },
    "confirmation_expired": {
        Language.FI: "Vahvistuslinkki on vanhentunut.",
        Language.SV: "Bekräftelselänken har gått ut.",
        Language.EN: "The confirmation link has expired.",
    },
    "email_subject": {
        Language.FI: "Vahvista sähköpostiosoitteesi",
        Language.SV: "Bekräfta din e-postadress",
        Language.EN: "Confirm your email address",
    },
    "email_text": {
        Language.FI: (
            "Hei,\n\nkiitos rekisteröitymisestä verkkopalveluumme. Käyttäjätunnuksesi on {username}.\n\n"
            "Vahvista sähköpostiosoitteesi tästä linkistä:\n\n{link}\n\n"
            "Linkki on voimassa {days} päivää. Jos et rekisteröitynyt, voit jättää tämän viestin "
            "huomiotta.\n\nYstävällisin terveisin\nEnergia Oy:n asiakaspalvelu"
        ),
        Language.SV: (
            "Hej,\n\ntack för att du registrerade dig i vår e-tjänst. Ditt användarnamn är {username}.\n\n"
            "Bekräfta din e-postadress med den här länken:\n\n{link}\n\n"
            "Länken är giltig i {days} dagar. Om du inte har registrerat dig kan du ignorera "
            "det här meddelandet.\n\nMed vänliga hälsningar\nEnergia Oy:s kundtjänst"
        ),
        Language.EN: (
            "Hello,\n\nthank you for registering for our online service. Your username is {username}.\n\n"
            "Please confirm your email address with this link:\n\n{link}\n\n"
            "The link works for {days} days. If you did not register, you can ignore this "
            "message.\n\nKind regards\nEnergia Oy customer service"
        ),
    },
}


def _message(key: str, language: Language) -> str:
    return pick(TEXTS[key], language)


@dataclass
class RegistrationResult:
    """The outcome of ``completeRegistration``."""

    user: User | None = None
    errors: list[FieldError] = field(default_factory=list)


def _error(path: str, code: str, language: Language, key: str | None = None) -> FieldError:
    return FieldError(["input", path], code, _message(key or code, language))


def _already_registered(language: Language) -> RegistrationResult:
    return RegistrationResult(errors=[_error("registrationToken", "ALREADY_REGISTERED", language)])


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
    body = _message("email_text", language).format(username=username, link=link, days=EMAIL_CONFIRMATION_DAYS)
    return _message("email_subject", language), body


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
        code, key = ("EXPIRED_TOKEN", "expired") if error.expired else ("INVALID_TOKEN", "invalid")
        errors.append(_error("registrationToken", code, language, f"registration_token_{key}"))
    if not accept_terms:
        errors.append(_error("acceptTerms", "TERMS_NOT_ACCEPTED", language))
    name = normalise_username(username) if len(username) <= 256 else username
    if not username_is_valid(name):
        errors.append(_error("username", "INVALID_USERNAME", language))
    address = checked_email(email)
    if address is None:
        errors.append(_error("email", "INVALID_EMAIL", language))
    if len(password) > MAX_PASSWORD_INPUT:
        problems = ["PASSWORD_TOO_LONG"]
    else:
        problems = password_problems(password, username=name, email=address or email)
    for code in problems:
        errors.append(_error("password", code, language, code if code in TEXTS else "password_other"))
    if errors or claims is None or address is None:
        return RegistrationResult(errors=errors)

    # Argon2id takes tens of milliseconds of CPU: not on the event loop.
    password_hash = await asyncio.to_thread(hash_password, password)
    token = secrets.token_urlsafe(32)
    link = f"{ctx.rules.public_origin.rstrip('/')}{CONFIRM_EMAIL_PATH}?token={token}"
    try:
        async with transaction(ctx.sessions) as db:
            if await user_with_strong_identity(db, claims.hetu) is not None:
                return _already_registered(language)
            key = username_key(name)
            if await db.scalar(select(User.id).where(User.username_key == key)) is not None:
                return RegistrationResult(errors=[_error("username", "USERNAME_TAKEN", language)])
            matched = await customers_for_registration(db, claims.hetu, claims.business_id)
            customer_ids = [c.id for c in matched if c.id is not None and c.id in claims.customer_ids]
            if not customer_ids:
                return RegistrationResult(errors=[_error("registrationToken", "NO_CUSTOMERSHIP", language)])
            user = User(
                username=name,
                username_key=key,
                email=address,
                email_verified=False,
                password_hash=password_hash,
                role=UserRole.CUSTOMER,
                strong_identity=claims.hetu,
                language=language,
            )
            db.add(user)
            await db.flush()
            assert user.id is not None
            for customer_id in customer_ids:
                db.add(CustomerOwner(customer_id=customer_id, user_id=user.id))
            db.add(
                OneTimeToken(
                    kind=OneTimeTokenKind.EMAIL_CONFIRMATION,
                    token_hash=token_hash(token),
                    user_id=user.id,
                    email=address,
                    expires_at=utcnow() + timedelta(days=EMAIL_CONFIRMATION_DAYS),
                )
            )
            subject, text = confirmation_email(language, username=name, link=link)
            queue_email(
                db,
                to=address,
                subject=subject,
                text=text,
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
        return RegistrationResult(errors=[_error("username", "USERNAME_TAKEN", language)])
    return RegistrationResult(user=user)


async def confirm_email(ctx: Context, token: str) -> list[FieldError]:
    """Verify the address a confirmation token was sent to, and activate pending grants."""
    language = ctx.language
    invalid = [_error("token", "INVALID_TOKEN", language, "confirmation_invalid")]
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
            return [_error("token", "EXPIRED_TOKEN", language, "confirmation_expired")]
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
