"""My information: contact information, messaging settings, and their mutations."""

from __future__ import annotations

import strawberry

from domain import base
from domain import contact as domain
from domain import contracts as domain_contracts
from resolvers import contact as resolvers
from resolvers.ids import to_global_id
from schema.common import Address, UserError, user_errors
from schema.enums import InvoiceDelivery, Language

PhoneKind = strawberry.enum(domain.PhoneKind, description="Kind of phone number.")


@strawberry.type(description="A phone number of the customer.")
class PhoneNumber:
    id: strawberry.ID = strawberry.field(description="ID of the number.")
    number: str = strawberry.field(description="The number in E.164, e.g. +358401234567.")
    kind: PhoneKind = strawberry.field(description="Mobile, landline or work.")
    primary: bool = strawberry.field(description="Whether this is the primary number (exactly one is).")

    @classmethod
    def from_row(cls, row: domain.PhoneNumber) -> PhoneNumber:
        return cls(
            id=strawberry.ID(to_global_id("PhoneNumber", row.id or 0)),
            number=row.number,
            kind=row.kind,
            primary=row.primary,
        )


@strawberry.type(description="An email address of the customer.")
class EmailAddress:
    id: strawberry.ID = strawberry.field(description="ID of the address.")
    address: str = strawberry.field(description="The address (lower case).")
    primary: bool = strawberry.field(description="Whether this is the primary address (exactly one is).")
    verified: bool = strawberry.field(
        description="Whether the address was confirmed with the link emailed to it (new addresses are not)."
    )
    primary_pending: bool = strawberry.field(
        description="Chosen as primary: becomes primary when confirmed (the current one stays until then)."
    )

    @classmethod
    def from_row(cls, row: domain.EmailAddress) -> EmailAddress:
        return cls(
            id=strawberry.ID(to_global_id("EmailAddress", row.id or 0)),
            address=row.address,
            primary=row.primary,
            verified=row.verified,
            primary_pending=row.primary_pending,
        )


@strawberry.type(description="All phone numbers and email addresses of a customer, and the postal address.")
class ContactInformation:
    phone_numbers: list[PhoneNumber] = strawberry.field(description="Phone numbers, the primary first.")
    email_addresses: list[EmailAddress] = strawberry.field(description="Email addresses, the primary first.")
    postal_address: Address | None = strawberry.field(description="Postal address; null when none is stored.")

    @classmethod
    def from_contact(cls, contact: resolvers.ContactInformation) -> ContactInformation:
        customer = contact.customer
        postal = None
        if customer.postal_street and customer.postal_code and customer.postal_city:
            postal = Address(
                street=customer.postal_street,
                postal_code=customer.postal_code,
                city=customer.postal_city,
                country=customer.postal_country,
            )
        return cls(
            phone_numbers=[PhoneNumber.from_row(r) for r in contact.phone_numbers],
            email_addresses=[EmailAddress.from_row(r) for r in contact.email_addresses],
            postal_address=postal,
        )


@strawberry.type(description="Electronic messaging settings and consents of a customer.")
class MessagingSettings:
    invoice_delivery: InvoiceDelivery = strawberry.field(description="How invoices are delivered.")
    language: Language = strawberry.field(description="Language of letters and emails.")
    newsletters: bool = strawberry.field(description="Consent to newsletters by email.")
    offers: bool = strawberry.field(description="Consent to offers by email.")
    energy_tips: bool = strawberry.field(description="Consent to energy-saving tips by email.")
    service_notifications_by_email: bool = strawberry.field(description="Service notifications by email.")
    service_notifications_by_sms: bool = strawberry.field(
        description="Service notifications by text message."
    )

    @classmethod
    def from_row(cls, row: domain.MessagingSettings) -> MessagingSettings:
        return cls(
            invoice_delivery=row.invoice_delivery,
            language=row.language,
            newsletters=row.newsletters,
            offers=row.offers,
            energy_tips=row.energy_tips,
            service_notifications_by_email=row.service_notifications_by_email,
            service_notifications_by_sms=row.service_notifications_by_sms,
        )


@strawberry.input(description="A phone number of the desired list.")
class PhoneNumberInput:
    number: str = strawberry.field(
        description="The number, international (+358...) or Finnish national (040...); stored in E.164."
    )
    kind: PhoneKind | None = strawberry.field(
        default=None, description="Kind; by default MOBILE for mobile numbers, LANDLINE otherwise."
    )
    primary: bool = strawberry.field(default=False, description="The primary number (exactly one).")


@strawberry.input(description="An email address of the desired list.")
class EmailAddressInput:
    address: str = strawberry.field(description="The address; a new one gets a confirmation link.")
    primary: bool = strawberry.field(
        default=False,
        description="The primary address (exactly one); an unconfirmed one becomes primary when confirmed.",
    )


@strawberry.input(description="A postal address in Finland.")
class PostalAddressInput:
    street: str = strawberry.field(description="Street address.")
    postal_code: str = strawberry.field(description="Postal code: five digits.")
    city: str = strawberry.field(description="Post office / city.")


@strawberry.input(
    description="The desired contact information. A list that is given replaces the stored one (entries "
    "that stay keep their ID, and addresses their confirmation); a part left out (null) stays as it "
    "is. Any invalid entry refuses the whole change."
)
class UpdateContactInformationInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    phone_numbers: list[PhoneNumberInput] | None = strawberry.field(
        default=None, description="All phone numbers wanted (may be empty); exactly one primary when any."
    )
    email_addresses: list[EmailAddressInput] | None = strawberry.field(
        default=None, description="All email addresses wanted: at least one, exactly one primary."
    )
    postal_address: PostalAddressInput | None = strawberry.field(
        default=None, description="The postal address wanted."
    )


@strawberry.type(description="Result of `updateContactInformation`; on errors nothing changed.")
class UpdateContactInformationPayload:
    contact_information: ContactInformation | None = strawberry.field(
        description="The contact information after the change; null on errors."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The token of a contact email address's confirmation link.")
class ConfirmContactEmailInput:
    token: str = strawberry.field(description="The `token` parameter of the link.")


@strawberry.type(description="Result of `confirmContactEmail`.")
class ConfirmContactEmailPayload:
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="Messaging settings to change; a setting left out (null) stays as it is.")
class UpdateMessagingSettingsInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    invoice_delivery: InvoiceDelivery | None = strawberry.field(default=None, description="Invoice delivery.")
    language: Language | None = strawberry.field(default=None, description="Language of letters and emails.")
    newsletters: bool | None = strawberry.field(default=None, description="Newsletters by email.")
    offers: bool | None = strawberry.field(default=None, description="Offers by email.")
    energy_tips: bool | None = strawberry.field(default=None, description="Energy-saving tips by email.")
    service_notifications_by_email: bool | None = strawberry.field(
        default=None, description="Service notifications by email."
    )
    service_notifications_by_sms: bool | None = strawberry.field(
        default=None, description="Service notifications by text message."
    )


@strawberry.type(description="Result of `updateMessagingSettings`.")
class UpdateMessagingSettingsPayload:
    messaging_settings: MessagingSettings | None = strawberry.field(
        description="The settings after the change."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success.")


def _enum(enum_cls: type, value: object) -> object:
    return None if value is None else enum_cls(value.value)  # type: ignore[attr-defined]


@strawberry.type
class ContactMutations:
    @strawberry.mutation(
        description="Change phone numbers, email addresses or the postal address (`READ_WRITE` on "
        "`MY_INFORMATION`); see the input for the shape."
    )
    async def update_contact_information(
        self, info: strawberry.Info, input: UpdateContactInformationInput
    ) -> UpdateContactInformationPayload:
        result = await resolvers.update_contact_information(
            info.context,
            str(input.customer_id),
            phone_numbers=None
            if input.phone_numbers is None
            else [
                resolvers.PhoneEntry(p.number, _enum(domain.PhoneKind, p.kind), p.primary)  # type: ignore[arg-type]
                for p in input.phone_numbers
            ],
            email_addresses=None
            if input.email_addresses is None
            else [resolvers.EmailEntry(e.address, e.primary) for e in input.email_addresses],
            postal_address=None
            if input.postal_address is None
            else resolvers.PostalAddressEntry(
                input.postal_address.street, input.postal_address.postal_code, input.postal_address.city
            ),
        )
        contact = None if result.contact is None else ContactInformation.from_contact(result.contact)
        return UpdateContactInformationPayload(contact_information=contact, errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Confirm a contact email address with the token of the link emailed to it (no sign-in "
        "needed); a pending primary address becomes primary."
    )
    async def confirm_contact_email(
        self, info: strawberry.Info, input: ConfirmContactEmailInput
    ) -> ConfirmContactEmailPayload:
        result = await resolvers.confirm_contact_email(info.context, input.token)
        return ConfirmContactEmailPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Change electronic messaging settings (`READ_WRITE` on `MY_INFORMATION`)."
    )
    async def update_messaging_settings(
        self, info: strawberry.Info, input: UpdateMessagingSettingsInput
    ) -> UpdateMessagingSettingsPayload:
        change = resolvers.SettingsChange(
            invoice_delivery=_enum(domain_contracts.InvoiceDelivery, input.invoice_delivery),  # type: ignore[arg-type]
            language=_enum(base.Language, input.language),  # type: ignore[arg-type]
            newsletters=input.newsletters,
            offers=input.offers,
            energy_tips=input.energy_tips,
            service_notifications_by_email=input.service_notifications_by_email,
            service_notifications_by_sms=input.service_notifications_by_sms,
        )
        result = await resolvers.update_messaging_settings(info.context, str(input.customer_id), change)
        settings = None if result.settings is None else MessagingSettings.from_row(result.settings)
        return UpdateMessagingSettingsPayload(messaging_settings=settings, errors=user_errors(result.errors))
