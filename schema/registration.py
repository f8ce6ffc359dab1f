"""Registration after strong identification: completeRegistration and confirmEmail."""

from __future__ import annotations

import strawberry

from resolvers import registration as resolvers
from resolvers.auth import FieldError
from schema.common import UserError, UserErrorCode
from schema.users import User

_CODES = {code.value for code in UserErrorCode}


def _errors(errors: list[FieldError]) -> list[UserError]:
    return [
        UserError(
            field=e.field,
            code=UserErrorCode(e.code if e.code in _CODES else UserErrorCode.INVALID_INPUT.value),
            message=e.message,
        )
        for e in errors
    ]


@strawberry.input(description="Choosing the account details after strong identification.")
class CompleteRegistrationInput:
    registration_token: str = strawberry.field(
        description=(
            "The `registrationToken` the strong-identification callback put on `returnTo` (valid 30 minutes)."
        )
    )
    username: str = strawberry.field(
        description="Username: 3–64 letters, digits or `._-`; unique case-insensitively."
    )
    email: str = strawberry.field(description="Email address; a confirmation link is sent there.")
    password: str = strawberry.field(
        description="Password: at least 15 characters, not a common or breached password."
    )
    accept_terms: bool = strawberry.field(description="Acceptance of the terms of use; must be true.")


@strawberry.type(description="Result of `completeRegistration`.")
class CompleteRegistrationPayload:
    user: User | None = strawberry.field(
        description="The new user (owner of the matched customers); null on failure."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The token of an email confirmation link.")
class ConfirmEmailInput:
    token: str = strawberry.field(description="The `token` query parameter of the link in the email.")


@strawberry.type(description="Result of `confirmEmail`.")
class ConfirmEmailPayload:
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type
class RegistrationMutations:
    @strawberry.mutation(
        description=(
            "Create the account of a strongly identified person: the user, linked to the "
            "identity, becomes the owner of the matched customers and gets a confirmation email. "
            "Does not sign in."
        )
    )
    async def complete_registration(
        self, info: strawberry.Info, input: CompleteRegistrationInput
    ) -> CompleteRegistrationPayload:
        result = await resolvers.complete_registration(
            info.context,
            registration_token=input.registration_token,
            username=input.username,
            email=input.email,
            password=input.password,
            accept_terms=input.accept_terms,
        )
        return CompleteRegistrationPayload(
            user=None if result.user is None else User.from_row(result.user),
            errors=_errors(result.errors),
        )

    @strawberry.mutation(
        description=(
            "Confirm an email address with the token of the link sent to it; pending access "
            "grants for that address become active."
        )
    )
    async def confirm_email(self, info: strawberry.Info, input: ConfirmEmailInput) -> ConfirmEmailPayload:
        return ConfirmEmailPayload(errors=_errors(await resolvers.confirm_email(info.context, input.token)))
