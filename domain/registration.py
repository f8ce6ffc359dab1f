"""Who may register: matching a strongly identified person to customers.

A consumer matches the person customer with their personal identity code. A corporate
user identifies as a person and gives the organisation's business ID: they match when
the organisation customer with that business ID names them among its representatives.
The person's own customer (if any) comes along in that case too, because the owner of a
person customer is the user whose verified identity it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.fi import ytunnus

from domain.customers import Customer, CustomerKind
from domain.users import User


def normalise_business_id(value: str) -> str | None:
    """The business ID (Y-tunnus) in its standard form ``1234567-8``; ``None`` if not valid."""
    if not value or len(value) > 20 or not ytunnus.is_valid(value):
        return None
    return str(ytunnus.format(value))


async def user_with_strong_identity(db: AsyncSession, hetu: str) -> User | None:
    """The user linked to this personal identity code, if any."""
    return (await db.execute(select(User).where(User.strong_identity == hetu))).scalar_one_or_none()


async def customers_for_registration(
    db: AsyncSession, hetu: str, business_id: str | None = None
) -> list[Customer]:
    """The customers a person identified by ``hetu`` becomes the owner of by registering.

    Without ``business_id``: their person customer, if any. With it: the organisation
    customer with that business ID if it names them as a representative (and then
    their person customer too); nothing when it does not, so that asking for an
    organisation never silently registers something else.
    """
    person = (
        await db.execute(
            select(Customer).where(
                Customer.personal_identity_code == hetu, Customer.kind == CustomerKind.PERSON
            )
        )
    ).scalar_one_or_none()
    if business_id is None:
        return [person] if person is not None else []
    organisation = (
        await db.execute(
            select(Customer).where(
                Customer.business_id == business_id, Customer.kind == CustomerKind.ORGANIZATION
            )
        )
    ).scalar_one_or_none()
    if organisation is None or hetu not in (organisation.representatives or []):
        return []
    return [organisation] if person is None else [person, organisation]
