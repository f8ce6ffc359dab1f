"""The newsletter: subscription with double opt-in, open to anonymous visitors."""

from __future__ import annotations

import strawberry

from domain import base
from resolvers import newsletter as resolvers
from schema.common import UserError, user_errors
from schema.enums import Language


@strawberry.input(description="The address to send the newsletter to.")
class SubscribeNewsletterInput:
    email: str = strawberry.field(description="Email address.")
    language: Language | None = strawberry.field(
        default=None, description="Language of the newsletter; by default the request's language."
    )


@strawberry.type(
    description="Result of `subscribeNewsletter`: the same whether or not the address was subscribed "
    "already; a confirmation link is emailed to new addresses."
)
class SubscribeNewsletterPayload:
    errors: list[UserError] = strawberry.field(
        description="Empty on success; only an invalid address or too many requests are errors."
    )


@strawberry.input(description="The token of a newsletter link.")
class NewsletterTokenInput:
    token: str = strawberry.field(description="The `token` parameter of the link.")


@strawberry.type(description="Result of `confirmNewsletterSubscription` and `unsubscribeNewsletter`.")
class NewsletterTokenPayload:
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.type
class NewsletterMutations:
    @strawberry.mutation(
        description="Subscribe an email address to the newsletter (no sign-in needed; double opt-in: "
        "the subscription starts when the emailed link is followed). Rate limited."
    )
    async def subscribe_newsletter(
        self, info: strawberry.Info, input: SubscribeNewsletterInput
    ) -> SubscribeNewsletterPayload:
        language = None if input.language is None else base.Language(input.language.value)
        result = await resolvers.subscribe(info.context, input.email, language)
        return SubscribeNewsletterPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Confirm a newsletter subscription with the token of the emailed link (no sign-in)."
    )
    async def confirm_newsletter_subscription(
        self, info: strawberry.Info, input: NewsletterTokenInput
    ) -> NewsletterTokenPayload:
        result = await resolvers.confirm(info.context, input.token)
        return NewsletterTokenPayload(errors=user_errors(result.errors))

    @strawberry.mutation(
        description="End a newsletter subscription with the token of the unsubscribe link that every "
        "newsletter email carries (no sign-in needed)."
    )
    async def unsubscribe_newsletter(
        self, info: strawberry.Info, input: NewsletterTokenInput
    ) -> NewsletterTokenPayload:
        result = await resolvers.unsubscribe(info.context, input.token)
        return NewsletterTokenPayload(errors=user_errors(result.errors))
