"""Sign-in mutations: ``login`` and ``logout``."""

from __future__ import annotations

import strawberry

from resolvers import auth as resolvers
from schema.common import UserError, user_errors
from schema.users import User


@strawberry.input(description="Username and password.")
class LoginInput:
    username: str = strawberry.field(description="Username (case-insensitive).")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="Result of `login`; on success an HttpOnly session cookie is set.")
class LoginPayload:
    user: User | None = strawberry.field(description="The signed-in user; null on failure.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type(description="Result of `logout`.")
class LogoutPayload:
    errors: list[UserError] = strawberry.field(description="Always empty.")


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Sign in with username and password (web session cookie).")
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        result = await resolvers.login(info.context, input.username, input.password)
        return LoginPayload(
            user=None if result.user is None else User.from_row(result.user),
            errors=user_errors(result.errors),
        )

    @strawberry.mutation(description="End the current session and clear its cookie.")
    async def logout(self, info: strawberry.Info) -> LogoutPayload:
        return LogoutPayload(errors=user_errors(await resolvers.logout(info.context)))
