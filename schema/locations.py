"""Locations of use, their profile and grid operator."""

from __future__ import annotations

import strawberry

from domain import base
from domain import customers as domain
from resolvers.ids import to_global_id
from schema.common import Address, Node
from schema.directives import requires_access
from schema.enums import BuildingType, HeatingType, Resolution


@strawberry.type(description="The distribution system operator; grid transfer matters are handled there.")
class GridOperator:
    name: str = strawberry.field(description="Name of the grid operator.")
    service_url: str = strawberry.field(description="Link to the grid operator's own service.")


@strawberry.type(description="Profile details of a location of use.")
class LocationProfile:
    building_type: BuildingType = strawberry.field(description="Building type.")
    heating_type: HeatingType = strawberry.field(description="Main heating.")
    floor_area_m2: int | None = strawberry.field(description="Floor area in square metres.")
    residents: int | None = strawberry.field(description="Number of residents.")
    annual_consumption_estimate_kwh: int | None = strawberry.field(
        description="Estimated annual consumption in kWh."
    )


@strawberry.type(description="A place where electricity is used (käyttöpaikka) and its metering point.")
class LocationOfUse(Node):
    metering_point_id: str = strawberry.field(description="18-digit metering point ID (GSRN, starts 643).")
    address: Address = strawberry.field(description="Street address of the location.")
    metering_resolution: Resolution = strawberry.field(description="How finely the location is metered.")
    row: strawberry.Private[domain.LocationOfUse]
    customer_id: strawberry.Private[int]
    #: False when reached through a contract that may not show the profile (SPEC 5).
    profile_shown: strawberry.Private[bool]

    @classmethod
    def from_row(cls, row: domain.LocationOfUse, *, profile_shown: bool = True) -> LocationOfUse:
        return cls(
            id=strawberry.ID(to_global_id("LocationOfUse", row.id or 0)),
            metering_point_id=row.metering_point_id,
            address=Address(
                street=row.street, postal_code=row.postal_code, city=row.city, country=row.country
            ),
            metering_resolution=row.metering_resolution,
            row=row,
            customer_id=row.customer_id,
            profile_shown=profile_shown,
        )

    @strawberry.field(description="The grid operator of the metering point.")
    async def grid_operator(self, info: strawberry.Info) -> GridOperator:
        op = await info.context.loaders.grid_operator_by_id.load(self.row.grid_operator_id)
        return GridOperator(name=op.name, service_url=op.service_url)

    @strawberry.field(
        description="Building, heating, area, residents and estimated consumption; "
        "null when reached through a contract that predates the current customer system.",
        directives=requires_access(base.Section.CONTRACTS),
    )
    def profile(self) -> LocationProfile | None:
        if not self.profile_shown:
            return None
        r = self.row
        return LocationProfile(
            building_type=r.building_type,
            heating_type=r.heating_type,
            floor_area_m2=r.floor_area_m2,
            residents=r.residents,
            annual_consumption_estimate_kwh=r.annual_consumption_estimate_kwh,
        )
