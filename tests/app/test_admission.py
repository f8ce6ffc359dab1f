"""The line in front of GraphQL operations: a fixed number run, the rest wait first come, first served."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from app.admission import Admission, QueueTimeout
from app.http import build_app
from tests.conftest import forget_rate_limits, gql, login, operation


async def test_places_are_given_in_order_of_arrival() -> None:
    admission = Admission(limit=2, timeout_seconds=5)
    started: list[int] = []
    release = asyncio.Event()

    async def job(n: int) -> None:
        async with admission.place():
            started.append(n)
            await release.wait()

    tasks = []
    for n in range(6):
        tasks.append(asyncio.create_task(job(n)))
        await asyncio.sleep(0)  # arrive one after another
    await asyncio.sleep(0.01)
    assert started == [0, 1] and admission.running == 2 and admission.waiting == 4
    release.set()
    await asyncio.gather(*tasks)
    assert started == [0, 1, 2, 3, 4, 5]
    assert admission.running == 0 and admission.waiting == 0


async def test_a_newcomer_does_not_pass_those_in_line() -> None:
    admission = Admission(limit=1, timeout_seconds=5)
    order: list[str] = []
    first = asyncio.Event()

    async def holder() -> None:
        async with admission.place():
            order.append("holder")
            await first.wait()

    async def waiter(name: str) -> None:
        async with admission.place():
            order.append(name)

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    queued = asyncio.create_task(waiter("queued"))
    await asyncio.sleep(0)
    first.set()
    await asyncio.sleep(0)  # the holder leaves; its place goes to the one in line ...
    late = asyncio.create_task(waiter("late"))  # ... not to this newcomer
    await asyncio.gather(held, queued, late)
    assert order == ["holder", "queued", "late"]


async def test_waiting_past_the_timeout_raises_and_leaves_the_line() -> None:
    admission = Admission(limit=1, timeout_seconds=0.05)
    release = asyncio.Event()

    async def holder() -> None:
        async with admission.place():
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    with pytest.raises(QueueTimeout):
        async with admission.place():
            pass
    assert admission.waiting == 0
    release.set()
    await held
    async with admission.place():  # the place is free again
        assert admission.running == 1


async def test_a_cancelled_waiter_gives_up_its_turn() -> None:
    admission = Admission(limit=1, timeout_seconds=5)
    release = asyncio.Event()
    ran: list[str] = []

    async def holder() -> None:
        async with admission.place():
            await release.wait()

    async def waiter(name: str) -> None:
        async with admission.place():
            ran.append(name)

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(waiter("cancelled"))
    second = asyncio.create_task(waiter("second"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(held, second)
    assert ran == ["second"] and admission.running == 0


async def test_operations_over_the_places_wait_and_all_succeed(runtime) -> None:
    settings = runtime.settings.model_copy(update={"max_concurrent_operations": 2})
    app = build_app(replace(runtime, settings=settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        await login(c, "maija")
        results = await asyncio.gather(*(gql(c, operation("Dashboard")) for _ in range(12)))
        assert all(r.errors == [] and r.data["viewer"]["user"]["username"] == "maija" for r in results)
    await forget_rate_limits(runtime)


async def test_an_operation_that_waits_too_long_gets_a_coded_503(runtime, monkeypatch) -> None:
    settings = runtime.settings.model_copy(
        update={"max_concurrent_operations": 1, "operation_queue_timeout_seconds": 0.1}
    )
    app = build_app(replace(runtime, settings=settings))
    entered, release = asyncio.Event(), asyncio.Event()
    from app import graphql_view

    original = graphql_view.GraphQLView.get_context

    async def slow_context(self, request, response):  # the first operation holds the one place
        if not entered.is_set():
            entered.set()
            await release.wait()
        return await original(self, request, response)

    monkeypatch.setattr(graphql_view.GraphQLView, "get_context", slow_context)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        first = asyncio.create_task(c.post("/graphql", json={"query": "{ viewer { user { id } } }"}))
        await entered.wait()
        refused = await c.post("/graphql", json={"query": "{ viewer { user { id } } }"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"]
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE" and error["extensions"]["requestId"]
        assert (await c.get("/healthz")).status_code == 200  # outside the line
        release.set()
        assert (await first).status_code == 200
