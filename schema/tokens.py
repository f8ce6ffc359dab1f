"""Mobile tokens: ``obtainToken`` and ``revokeRefreshToken``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import tokens as resolvers
from schema.common import UserError, user_errors


@strawberry.input(
    description=(
        "How to obtain tokens: either `username` and `password`, or `refreshToken` "
        "(exactly one of the two ways)."
    )
)
class ObtainTokenInput:
    username: str | None = strawberry.field(default=None, description="Username (case-insensitive).")
    password: str | None = strawberry.field(default=None, description="Password.")
    refresh_token: str | None = strawberry.field(
        default=None, description="A refresh token from an earlier `obtainToken`; it is used up."
    )


@strawberry.type(
    description=(
        "Result of `obtainToken`. Send the access token as `Authorization: Bearer <accessToken>`; "
        "before it expires, exchange the refresh token for new tokens."
    )
)
class TokenPayload:
    access_token: str | None = strawberry.field(
        description="Short-lived signed access token (a JWT); null on failure."
    )
    refresh_token: str | None = strawberry.field(
        description=(
            "Opaque refresh token, valid for one use: each use returns a new one, and using an "
            "old one again revokes every token descended from the same sign-in. Null on failure."
        )
    )
    expires_at: datetime | None = strawberry.field(
        description="When the access token expires; null on failure."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The refresh token to revoke (sign-out of a mobile app).")
class RevokeRefreshTokenInput:
    refresh_token: str = strawberry.field(description="A refresh token from `obtainToken`.")


@strawberry.type(description="Result of `revokeRefreshToken`.")
class RevokeRefreshTokenPayload:
    errors: list[UserError] = strawberry.field(
        description="Always empty: the answer is the same whether or not the token existed."
    )


@strawberry.type
class TokenMutations:
    @strawberry.mutation(
        description=(
            "Obtain a bearer access token and a refresh token for the mobile app, by username and "
            "password or by a refresh token (which is rotated). Failed attempts are rate limited."
        )
    )
    async def obtain_token(self, info: strawberry.Info, input: ObtainTokenInput) -> TokenPayload:
        result = await resolvers.obtain_token(
            info.context,
            username=input.username,
            password=input.password,
            refresh_token=input.refresh_token,
        )
        return TokenPayload(
            access_token=result.access_token,
            refresh_token=result.refresh_token,
            expires_at=result.expires_at,
            errors=user_errors(result.errors),
        )

    @strawberry.mutation(
        description=(
            "Revoke a refresh token and every token of its family. Access tokens already issued "
            "stay valid until they expire (minutes)."
        )
    )
    async def revoke_refresh_token(
        self, info: strawberry.Info, input: RevokeRefreshTokenInput
    ) -> RevokeRefreshTokenPayload:
        errors = await resolvers.revoke(info.context, input.refresh_token)
        return RevokeRefreshTokenPayload(errors=user_errors(errors))
