"""Progress events of runs: in-process queues (embedded) or Redis pub/sub (service).

An event is a small JSON object: ``{"type": "round", "number": n}`` after each completed round and
``{"type": "end", "status": s}`` when the run has its result; ``{"type": "cancel"}`` asks whoever
executes the run to stop.  Events only wake listeners up: the records are the truth, so a missed event
costs latency, never correctness.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol


class EventBus(Protocol):
    async def publish(self, run_id: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, run_id: str) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]]: ...

    async def aclose(self) -> None: ...


class LocalBus:
    """Events within one process."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def publish(self, run_id: str, event: dict[str, Any]) -> None:
        for queue in list(self._queues.get(run_id, ())):
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, run_id: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues[run_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[run_id].discard(queue)
            if not self._queues[run_id]:
                del self._queues[run_id]

    async def aclose(self) -> None:
        self._queues.clear()


class RedisBus:
    """Events through Redis pub/sub on ``<prefix>:events:<run id>``; one connection per subscriber."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def channel(self, run_id: str) -> str:
        return f"{self._prefix}:events:{run_id}"

    async def publish(self, run_id: str, event: dict[str, Any]) -> None:
        await self._redis.publish(self.channel(run_id), json.dumps(event))

    @contextlib.asynccontextmanager
    async def subscribe(self, run_id: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel(run_id))

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    with contextlib.suppress(ValueError):
                        queue.put_nowait(json.loads(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def publish_cancel(self, run_id: str) -> None:
        await self._redis.publish(f"{self._prefix}:cancel", run_id)

    @contextlib.asynccontextmanager
    async def cancels(self) -> AsyncIterator[asyncio.Queue[str]]:
        """The ids of runs whose cancellation was asked for (a worker listens on this one channel)."""
        queue: asyncio.Queue[str] = asyncio.Queue()
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(f"{self._prefix}:cancel")

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    queue.put_nowait(str(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def aclose(self) -> None:
        await self._redis.aclose()
