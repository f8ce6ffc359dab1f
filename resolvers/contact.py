"""My information (SPEC 9): contact information and electronic messaging settings.

``updateContactInformation`` takes the desired state of what it is given: a list given
replaces the customer's phone numbers (or email addresses) with exactly that list, a list
left out (null) leaves them as they are, and so does a left-out postal address. Entries
that stay keep their row (and an email address its verification); the whole change is
refused, and nothing changes, when any entry is invalid.

- Phone numbers are validated and stored in E.164 (``phonenumbers``, Finnish by default);
  exactly one is primary when any are given.
- At least one email address, exactly one marked primary. A new address is stored
  unverified and gets an email with a confirmation link (``token=``) that
  ``confirmContactEmail`` consumes. A verified address chosen primary becomes primary at
  once; an unverified one is ``primaryPending`` and becomes primary when confirmed, the
  current primary staying primary until then (so it must stay in the list). A customer
  with no primary address at all gets the new one as primary straight away.
- The postal address is Finnish: a five-digit postal code.

Writes need ``READ_WRITE`` on ``MY_INFORMATION`` and every change is written to the audit
log with the relationship of whoever made it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from auth.access import CustomerAccess
from auth.hashing import token_hash
from domain.audit import record_event
from domain.base import Language, Section, utcnow
from domain.contact import (
    EMAIL_CONFIRMATION_VALIDITY,
    MAX_CITY_LENGTH,
    MAX_EMAIL_ADDRESSES,
    MAX_PHONE_NUMBERS,
    MAX_STREET_LENGTH,
    EmailAddress,
    MessagingSettings,
    PhoneKind,
    PhoneNumber,
    normalise_email,
    parse_phone_number,
    valid_finnish_postal_code,
)
from domain.contracts import InvoiceDelivery
from domain.customers import Customer
from domain.outbox import queue_email
from domain.session import transaction
from domain.texts import email_texts
from resolvers.access import record_write, require_section_write
from resolvers.auth import FieldError, Refused, field_error, rate_limited
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import pk_of

#: The page of the web app that confirms a contact email address (calls ``confirmContactEmail``).
CONFIRM_CONTACT_EMAIL_PATH = "/confirm-contact-email"
#: Confirmation emails to new contact addresses, per user and hour.
CONTACT_EMAILS_PER_HOUR = 10


@dataclass(frozen=True)
class ContactInformation:
    """A customer's phone numbers, email addresses and postal address."""

    customer: Customer
    phone_numbers: list[PhoneNumber]
    email_addresses: list[EmailAddress]


async def contact_information(ctx: Context, customer_id: int) -> ContactInformation | None:
    """The contact information of a customer (the field is guarded)."""
    loaders = ctx.loaders
    customer = await loaders.customer_by_id.load(customer_id)
    if customer is None:
        return None
    phones = await loaders.phone_numbers_by_customer_id.load(customer_id)
    emails = await loaders.email_addresses_by_customer_id.load(customer_id)
    return ContactInformation(customer, _phones_in_order(phones), _emails_in_order(emails))


def _phones_in_order(rows: list[PhoneNumber]) -> list[PhoneNumber]:
    return sorted(rows, key=lambda r: (not r.primary, r.id or 0))


def _emails_in_order(rows: list[EmailAddress]) -> list[EmailAddress]:
    return sorted(rows, key=lambda r: (not r.primary, r.id or 0))


async def messaging_settings(ctx: Context, customer_id: int) -> MessagingSettings:
    """The customer's messaging settings (the defaults when none are stored yet)."""
    row = await ctx.loaders.messaging_settings_by_customer_id.load(customer_id)
    return row if row is not None else MessagingSettings(customer_id=customer_id)


@dataclass(frozen=True)
class PhoneEntry:
    """One phone number of the desired list."""

    number: str
    kind: PhoneKind | None
    primary: bool


@dataclass(frozen=True)
class EmailEntry:
    """One email address of the desired list."""

    address: str
    primary: bool


@dataclass(frozen=True)
class PostalAddressEntry:
    """The desired postal address (in Finland)."""

    street: str
    postal_code: str
    city: str


@dataclass
class ContactResult:
    """Outcome of a change of My information."""

    contact: ContactInformation | None = None
    settings: MessagingSettings | None = None
    errors: list[FieldError] = field(default_factory=list)


def _validated_phones(
    ctx: Context, entries: list[PhoneEntry], errors: list[FieldError]
) -> list[tuple[str, PhoneKind, bool]]:
    language = ctx.language
    if len(entries) > MAX_PHONE_NUMBERS:
        errors.append(
            field_error(language, ["phoneNumbers"], "INVALID_INPUT", "input.too_many", max=MAX_PHONE_NUMBERS)
        )
        return []
    found: list[tuple[str, PhoneKind, bool]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        parsed = parse_phone_number(entry.number, entry.kind)
        if parsed is None:
            errors.append(
                field_error(
                    language,
                    ["phoneNumbers", str(index), "number"],
                    "INVALID_PHONE_NUMBER",
                    "contact.invalid_phone",
                )
            )
            continue
        if parsed.e164 in seen:
            errors.append(
                field_error(language, ["phoneNumbers", str(index), "number"], "DUPLICATE", "input.duplicate")
            )
            continue
        seen.add(parsed.e164)
        found.append((parsed.e164, parsed.kind, entry.primary))
    if entries and sum(1 for e in entries if e.primary) != 1:
        errors.append(
            field_error(language, ["phoneNumbers"], "PRIMARY_REQUIRED", "contact.one_primary_phone")
        )
    return found


def _validated_emails(
    ctx: Context, entries: list[EmailEntry], errors: list[FieldError]
) -> list[tuple[str, bool]]:
    language = ctx.language
    if len(entries) > MAX_EMAIL_ADDRESSES:
        errors.append(
            field_error(
                language, ["emailAddresses"], "INVALID_INPUT", "input.too_many", max=MAX_EMAIL_ADDRESSES
            )
        )
        return []
    if not entries:
        errors.append(field_error(language, ["emailAddresses"], "INVALID_INPUT", "contact.email_required"))
        return []
    found: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        address = normalise_email(entry.address)
        path = ["emailAddresses", str(index), "address"]
        if address is None:
            errors.append(field_error(language, path, "INVALID_EMAIL", "input.invalid_email"))
            continue
        if address in seen:
            errors.append(field_error(language, path, "DUPLICATE", "input.duplicate"))
            continue
        seen.add(address)
        found.append((address, entry.primary))
    if sum(1 for e in entries if e.primary) != 1:
        errors.append(
            field_error(language, ["emailAddresses"], "PRIMARY_REQUIRED", "contact.one_primary_email")
        )
    return found


def _validated_postal(
    ctx: Context, entry: PostalAddressEntry, errors: list[FieldError]
) -> PostalAddressEntry | None:
    language = ctx.language
    street, code, city = entry.street.strip(), entry.postal_code.strip(), entry.city.strip()
    before = len(errors)
    for name, value, limit in (("street", street, MAX_STREET_LENGTH), ("city", city, MAX_CITY_LENGTH)):
        if not value:
            errors.append(field_error(language, ["postalAddress", name], "INVALID_INPUT", "input.required"))
        elif len(value) > limit:
            errors.append(
                field_error(language, ["postalAddress", name], "INVALID_INPUT", "input.too_long", max=limit)
            )
    if not valid_finnish_postal_code(code):
        errors.append(
            field_error(
                language,
                ["postalAddress", "postalCode"],
                "INVALID_POSTAL_CODE",
                "contact.invalid_postal_code",
            )
        )
    return PostalAddressEntry(street, code, city) if len(errors) == before else None


async def _replace_phones(
    db: Any, customer_id: int, existing: list[PhoneNumber], wanted: list[tuple[str, PhoneKind, bool]]
) -> dict[str, int]:
    by_number = {row.number: row for row in existing}
    kept = {number for number, _, _ in wanted}
    removed = [row for row in existing if row.number not in kept]
    for row in removed:
        await db.delete(row)
    await db.flush()
    added = 0
    for number, kind, primary in wanted:
        row = by_number.get(number)
        if row is None:
            db.add(PhoneNumber(customer_id=customer_id, number=number, kind=kind, primary=primary))
            added += 1
        else:
            row.kind, row.primary = kind, primary
    return {"added": added, "removed": len(removed)}


async def _replace_emails(
    ctx: Context,
    db: Any,
    customer_id: int,
    existing: list[EmailAddress],
    wanted: list[tuple[str, bool]],
) -> dict[str, Any]:
    """Apply the desired addresses; queue confirmation emails for new (and lapsed) ones."""
    now = utcnow()
    by_address = {row.address.lower(): row for row in existing}
    chosen = next(address for address, primary in wanted if primary)
    current_primary = next((row for row in existing if row.primary), None)
    chosen_row = by_address.get(chosen)
    chosen_verified = chosen_row is not None and chosen_row.verified
    wanted_addresses = {address for address, _ in wanted}
    if (
        not chosen_verified
        and current_primary is not None
        and current_primary.verified
        and current_primary.address.lower() not in wanted_addresses
    ):
        raise Refused(
            field_error(
                ctx.language, ["emailAddresses"], "EMAIL_NOT_VERIFIED", "contact.keep_verified_primary"
            )
        )
    # Who is primary after this change, and who waits for confirmation to become it.
    if chosen_verified or current_primary is None or not current_primary.verified:
        primary_address, pending_address = chosen, None
    else:
        primary_address, pending_address = current_primary.address.lower(), chosen
        if primary_address == chosen:
            pending_address = None
    removed = [row for row in existing if row.address.lower() not in wanted_addresses]
    for row in removed:
        await db.delete(row)
    await db.flush()
    added: list[str] = []
    for address, _ in wanted:
        row = by_address.get(address)
        if row is None:
            row = EmailAddress(customer_id=customer_id, address=address, verified=False, created_at=now)
            db.add(row)
            added.append(address)
        row.primary = address == primary_address
        row.primary_pending = address == pending_address
        lapsed = (
            row.confirmation_sent_at is None or row.confirmation_sent_at + EMAIL_CONFIRMATION_VALIDITY < now
        )
        if not row.verified and lapsed:
            _send_confirmation(ctx, db, row, now)
    return {"added": len(added), "removed": len(removed), "pendingPrimary": pending_address is not None}


def _send_confirmation(ctx: Context, db: Any, row: EmailAddress, now: Any) -> None:
    token = secrets.token_urlsafe(32)
    row.confirmation_token_hash = token_hash(token)
    row.confirmation_sent_at = now
    link = f"{ctx.rules.web_app_origin.rstrip('/')}{CONFIRM_CONTACT_EMAIL_PATH}?token={token}"
    days = EMAIL_CONFIRMATION_VALIDITY.days
    subject, body = email_texts("contact_confirmation", ctx.language, link=link, days=days)
    queue_email(db, to=row.address, subject=subject, text=body, links=[link], meta={"kind": "contact_email"})


async def _new_addresses(ctx: Context, customer_id: int, wanted: list[tuple[str, bool]]) -> int:
    async with ctx.sessions() as db:
        existing = set(
            (
                await db.execute(select(EmailAddress.address).where(EmailAddress.customer_id == customer_id))
            ).scalars()
        )
    known = {a.lower() for a in existing}
    return sum(1 for address, _ in wanted if address not in known)


async def update_contact_information(
    ctx: Context,
    customer_gid: str,
    *,
    phone_numbers: list[PhoneEntry] | None,
    email_addresses: list[EmailEntry] | None,
    postal_address: PostalAddressEntry | None,
) -> ContactResult:
    """Replace the given parts of the customer's contact information (see the module docstring)."""
    principal = ctx.require_principal()
    customer_id = pk_of(customer_gid, "Customer")
    if customer_id is None:
        raise not_found()
    access = await require_section_write(ctx, customer_id, Section.MY_INFORMATION)
    errors: list[FieldError] = []
    phones = _validated_phones(ctx, phone_numbers, errors) if phone_numbers is not None else None
    emails = _validated_emails(ctx, email_addresses, errors) if email_addresses is not None else None
    postal = _validated_postal(ctx, postal_address, errors) if postal_address is not None else None
    if errors:
        return ContactResult(errors=errors)
    if emails and ctx.limiter is not None and await _new_addresses(ctx, customer_id, emails):
        verdict = await ctx.limiter.hit(
            f"contact-email:{principal.user_id}", limit=CONTACT_EMAILS_PER_HOUR, window_seconds=3600
        )
        if not verdict.allowed:
            return ContactResult(errors=[rate_limited(ctx, verdict.retry_after)])
    try:
        async with transaction(ctx.sessions) as db:
            customer, phones_now, emails_now = await _apply_contact_change(
                ctx, db, access, customer_id, phones, emails, postal
            )
    except Refused as refused:
        return ContactResult(errors=[refused.error])
    contact = ContactInformation(customer, _phones_in_order(phones_now), _emails_in_order(emails_now))
    return ContactResult(contact=contact)


async def _apply_contact_change(
    ctx: Context,
    db: Any,
    access: CustomerAccess,
    customer_id: int,
    phones: list[tuple[str, PhoneKind, bool]] | None,
    emails: list[tuple[str, bool]] | None,
    postal: PostalAddressEntry | None,
) -> tuple[Customer, list[PhoneNumber], list[EmailAddress]]:
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise not_found()
    changes: dict[str, Any] = {}
    if emails is not None:
        existing_emails = list(
            (await db.execute(select(EmailAddress).where(EmailAddress.customer_id == customer_id))).scalars()
        )
        changes["emailAddresses"] = await _replace_emails(ctx, db, customer_id, existing_emails, emails)
    if phones is not None:
        existing_phones = list(
            (await db.execute(select(PhoneNumber).where(PhoneNumber.customer_id == customer_id))).scalars()
        )
        changes["phoneNumbers"] = await _replace_phones(db, customer_id, existing_phones, phones)
    if postal is not None:
        customer.postal_street = postal.street
        customer.postal_code = postal.postal_code
        customer.postal_city = postal.city
        customer.postal_country = "FI"
        changes["postalAddress"] = True
    await db.flush()
    record_write(db, ctx, access, "contact_information.updated", owner_too=True, **changes)
    phones_now = list(
        (await db.execute(select(PhoneNumber).where(PhoneNumber.customer_id == customer_id))).scalars()
    )
    emails_now = list(
        (await db.execute(select(EmailAddress).where(EmailAddress.customer_id == customer_id))).scalars()
    )
    return customer, phones_now, emails_now


async def confirm_contact_email(ctx: Context, token: str) -> ContactResult:
    """Follow a contact email's confirmation link: the address is verified (and primary if pending)."""
    if not token or len(token) > 128:
        return ContactResult(
            errors=[field_error(ctx.language, ["token"], "INVALID_TOKEN", "confirmation.link_invalid")]
        )
    async with transaction(ctx.sessions) as db:
        row = (
            await db.execute(
                select(EmailAddress).where(EmailAddress.confirmation_token_hash == token_hash(token))
            )
        ).scalar_one_or_none()
        if row is None or row.verified:
            return ContactResult(
                errors=[field_error(ctx.language, ["token"], "INVALID_TOKEN", "confirmation.link_invalid")]
            )
        now = utcnow()
        if row.confirmation_sent_at is None or row.confirmation_sent_at + EMAIL_CONFIRMATION_VALIDITY < now:
            return ContactResult(
                errors=[field_error(ctx.language, ["token"], "EXPIRED_TOKEN", "confirmation.link_expired")]
            )
        row.verified = True
        row.confirmation_token_hash = None
        if row.primary_pending:
            others = (
                await db.execute(
                    select(EmailAddress).where(
                        EmailAddress.customer_id == row.customer_id, EmailAddress.id != row.id
                    )
                )
            ).scalars()
            for other in others:
                other.primary = False
                other.primary_pending = False
            row.primary = True
            row.primary_pending = False
        record_event(
            db,
            "contact_email.confirmed",
            actor_user_id=ctx.principal.user_id if ctx.principal else None,
            customer_id=row.customer_id,
            emailAddressId=row.id,
            madePrimary=True if row.primary else None,
        )
    return ContactResult()


@dataclass(frozen=True)
class SettingsChange:
    """The settings to change; ``None`` leaves a setting as it is."""

    invoice_delivery: InvoiceDelivery | None = None
    language: Language | None = None
    newsletters: bool | None = None
    offers: bool | None = None
    energy_tips: bool | None = None
    service_notifications_by_email: bool | None = None
    service_notifications_by_sms: bool | None = None


async def update_messaging_settings(ctx: Context, customer_gid: str, change: SettingsChange) -> ContactResult:
    """Change the given messaging settings of the customer; the others stay."""
    ctx.require_principal()
    customer_id = pk_of(customer_gid, "Customer")
    if customer_id is None:
        raise not_found()
    access = await require_section_write(ctx, customer_id, Section.MY_INFORMATION)
    async with transaction(ctx.sessions) as db:
        row = await db.get(MessagingSettings, customer_id)
        if row is None:
            row = MessagingSettings(customer_id=customer_id)
            db.add(row)
        changed: dict[str, Any] = {}
        for name in SettingsChange.__dataclass_fields__:
            value = getattr(change, name)
            if value is not None and getattr(row, name) != value:
                setattr(row, name, value)
                changed[name] = value.value if hasattr(value, "value") else value
        record_write(db, ctx, access, "messaging_settings.updated", owner_too=True, changed=changed)
    return ContactResult(settings=row)
