"""Missing means missing (issue 17, part 3) through the API: Maija's cottage has contracts from
2022-01-01 on, so its years before are NO_CONTRACT, not MISSING, and count in no completeness."""

from __future__ import annotations

from datetime import date

from tests.api.test_consumption import CONSUMPTION, maija_places, variables
from tests.conftest import count_statements, gql, login


async def _series(client, ids: dict, first: date, last: date, resolution: str) -> dict:
    result = await gql(client, CONSUMPTION, variables(ids, "cottage", first, last, resolution))
    assert result.errors == [], result.errors
    return result.data["customer"]["consumption"]


async def test_the_cottages_years_before_its_first_contract_are_no_contract(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    before = (date(2019, 1, 1), date(2021, 12, 31))
    for resolution, count in (("DAY", 1096), ("MONTH", 36), ("YEAR", 3)):
        series = await _series(client, ids, *before, resolution)
        points = series["points"]
        assert len(points) == count
        assert {p["quality"] for p in points} == {"NO_CONTRACT"}, resolution
        assert all(p["kwh"] is None and p["cost"] is None and p["unitPrice"] is None for p in points)
        assert series["totalKwh"] == 0
        assert series["completeness"] == {
            "expectedReadings": 0,
            "measuredReadings": 0,
            "estimatedReadings": 0,
            "missingReadings": 0,
        }
    # 2022, the first year of the contract, is read as before
    [year] = (await _series(client, ids, date(2022, 1, 1), date(2022, 12, 31), "YEAR"))["points"]
    assert year["quality"] != "NO_CONTRACT" and year["kwh"] > 0


async def test_completeness_counts_only_the_readings_of_contract_days(client, runtime) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    with count_statements(runtime) as inside_only:
        in_contract = await _series(client, ids, date(2022, 1, 1), date(2022, 12, 31), "MONTH")
    with count_statements(runtime) as across:
        wider = await _series(client, ids, date(2019, 1, 1), date(2022, 12, 31), "MONTH")
    # the years before the contract add no expected (so no missing) reading
    assert wider["completeness"] == in_contract["completeness"]
    assert in_contract["completeness"]["expectedReadings"] == 8760  # 2022, metered hourly
    assert [p["quality"] for p in wider["points"][:36]] == ["NO_CONTRACT"] * 36
    assert wider["points"][36:] == in_contract["points"]
    assert wider["totalKwh"] == in_contract["totalKwh"]
    # the contract periods come with the tariffs: no statement more
    assert len(across) == len(inside_only)


async def test_hours_before_the_first_contract_are_no_contract(client) -> None:
    await login(client, "maija")
    ids = await maija_places(client)
    series = await _series(client, ids, date(2021, 12, 31), date(2022, 1, 1), "HOUR")
    points = series["points"]
    assert len(points) == 48
    assert [p["quality"] for p in points[:24]] == ["NO_CONTRACT"] * 24
    assert all(p["kwh"] is None and p["cost"] is None for p in points[:24])
    assert "NO_CONTRACT" not in {p["quality"] for p in points[24:]}
    assert series["completeness"]["expectedReadings"] == 24
