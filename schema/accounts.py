"""Account recovery and changes: password reset, username reminder, password and username change."""

from __future__ import annotations

import strawberry

from resolvers import accounts as resolvers
from schema.common import UserError, user_errors
from schema.enums import Language
from schema.users import User


@strawberry.input(description="The email address of the account whose password was forgotten.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The account's (confirmed) email address.")


@strawberry.type(
    description="Result of `requestPasswordReset`: the same whether or not the address belongs to an account."
)
class RequestPasswordResetPayload:
    errors: list[UserError] = strawberry.field(
        description="Empty when the request was taken (a link is emailed if the address is an account's); "
        "`INVALID_EMAIL` or `RATE_LIMITED` otherwise."
    )


@strawberry.input(description="The token of an emailed reset link and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` query parameter of the reset link.")
    new_password: str = strawberry.field(
        description="The new password: 15 to 1024 characters, not a common password, "
        "not the username or email."
    )


@strawberry.type(description="Result of `resetPassword`.")
class ResetPasswordPayload:
    errors: list[UserError] = strawberry.field(
        description="Empty on success (every session and refresh token of the account has ended; sign in "
        "again). `INVALID_TOKEN` (used, replaced or unknown link), `EXPIRED_TOKEN` (over 14 days old) or "
        "password rule errors otherwise."
    )


@strawberry.input(description="The email address of the account whose username was forgotten.")
class RequestUsernameReminderInput:
    email: str = strawberry.field(description="The account's (confirmed) email address.")


@strawberry.type(
    description="Result of `requestUsernameReminder`: the same whether or not the address "
    "belongs to an account."
)
class RequestUsernameReminderPayload:
    errors: list[UserError] = strawberry.field(
        description="Empty when the request was taken; `INVALID_EMAIL` or `RATE_LIMITED` otherwise."
    )


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(
        description="The new password: 15 to 1024 characters, not a common password, "
        "not the username or email."
    )


@strawberry.type(description="Result of `changePassword`.")
class ChangePasswordPayload:
    errors: list[UserError] = strawberry.field(
        description="Empty on success (the user's other sessions and every refresh token have ended; this "
        "session stays signed in)."
    )


@strawberry.input(description="The password and the new username.")
class ChangeUsernameInput:
    password: str = strawberry.field(description="The password in use now.")
    new_username: str = strawberry.field(
        description="3 to 64 characters: letters, digits, `.`, `_` and `-`; unique, case-insensitively."
    )


@strawberry.type(description="Result of `changeUsername`.")
class ChangeUsernamePayload:
    user: User | None = strawberry.field(description="The user with the new username; null on failure.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The language the signed-in user wants the service in.")
class UpdateUserLanguageInput:
    language: Language = strawberry.field(description="FI, SV or EN.")


@strawberry.type(description="Result of `updateUserLanguage`.")
class UpdateUserLanguagePayload:
    user: User | None = strawberry.field(description="The user with the new language.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Ask for a password reset link by email. The link works once, for 14 days, and asking "
        "again invalidates older links. The answer is the same whether or not the address is known."
    )
    async def request_password_reset(
        self, info: strawberry.Info, input: RequestPasswordResetInput
    ) -> RequestPasswordResetPayload:
        result = await resolvers.request_password_reset(info.context, input.email)
        return RequestPasswordResetPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Set a new password with the token of a reset link. Ends every session and refresh "
        "token of the account."
    )
    async def reset_password(self, info: strawberry.Info, input: ResetPasswordInput) -> ResetPasswordPayload:
        result = await resolvers.reset_password(info.context, input.token, input.new_password)
        return ResetPasswordPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Ask for the username to be emailed to the registered address. The answer is the same "
        "whether or not the address is known."
    )
    async def request_username_reminder(
        self, info: strawberry.Info, input: RequestUsernameReminderInput
    ) -> RequestUsernameReminderPayload:
        result = await resolvers.request_username_reminder(info.context, input.email)
        return RequestUsernameReminderPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Change the signed-in user's password (the current password is required). The user's "
        "other sessions and refresh tokens end."
    )
    async def change_password(
        self, info: strawberry.Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        result = await resolvers.change_password(info.context, input.current_password, input.new_password)
        return ChangePasswordPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Change the signed-in user's username (the password is required; usernames are unique "
        "case-insensitively)."
    )
    async def change_username(
        self, info: strawberry.Info, input: ChangeUsernameInput
    ) -> ChangeUsernamePayload:
        result = await resolvers.change_username(info.context, input.password, input.new_username)
        return ChangeUsernamePayload(
            user=None if result.user is None else User.from_row(result.user),
            errors=user_errors(result.errors),
        )

    @strawberry.mutation(
        description="Choose the signed-in user's language: emails, documents and the service's own messages "
        "follow it from the next request on (until chosen, it follows the messaging language of a customer "
        "the user owns, or the first sign-in's `Accept-Language`)."
    )
    async def update_user_language(
        self, info: strawberry.Info, input: UpdateUserLanguageInput
    ) -> UpdateUserLanguagePayload:
        user = await resolvers.update_user_language(info.context, input.language)
        return UpdateUserLanguagePayload(user=User.from_row(user), errors=[])
