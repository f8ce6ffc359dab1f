"""The event bus of live updates: in one process, and across processes through Redis."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from resolvers.events import EventBus, topic

REDIS_URL = os.environ.get("ENERGY_PORTAL_TEST_REDIS_URL")


async def test_subscribers_of_a_topic_get_its_events_and_no_others() -> None:
    bus = EventBus()
    async with (
        bus.subscription(topic(1, "messages")) as mine,
        bus.subscription(topic(2, "messages")) as theirs,
    ):
        await bus.publish(topic(1, "messages"), {"kind": "REPLY", "threadId": 5})
        assert await asyncio.wait_for(mine.get(), 1) == (
            "customer:1:messages",
            {"kind": "REPLY", "threadId": 5},
        )
        assert theirs.empty()
    await bus.publish(topic(1, "messages"), {"kind": "REPLY"})  # nobody listening: nothing kept


async def test_a_slow_subscriber_loses_its_oldest_events_not_memory() -> None:
    bus = EventBus()
    async with bus.subscription("t") as queue:
        for n in range(150):
            await bus.publish("t", {"n": n})
        assert queue.qsize() == 100
        assert (await queue.get())[1] == {"n": 50}


@pytest.mark.skipif(not REDIS_URL, reason="set ENERGY_PORTAL_TEST_REDIS_URL to test the Redis bus")
async def test_an_event_published_by_one_process_reaches_another_through_redis() -> None:
    from redis.asyncio import Redis

    one, other = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    publisher, subscriber = EventBus(one), EventBus(other)  # two processes' buses
    name = f"customer:{secrets.randbelow(10**9)}:messages"
    try:
        async with subscriber.subscription(name) as queue:
            await asyncio.sleep(0.3)  # the listener has subscribed
            await publisher.publish(name, {"kind": "REPLY", "threadId": 7})
            assert await asyncio.wait_for(queue.get(), 2) == (name, {"kind": "REPLY", "threadId": 7})
    finally:
        await subscriber.close()
        await publisher.close()
        await one.aclose()
        await other.aclose()
