"""Where runs execute: in this process (embedded) or on the arq queue (service)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

from .._settings import ServiceSettings
from .._worker import Runtime, cancel_run, execute_run, job_id

log = logging.getLogger("modulo.api")


class Backend(Protocol):
    async def start(self) -> None: ...

    async def submit(self, run_ids: Sequence[str]) -> None: ...

    async def cancel(self, run_id: str) -> None: ...

    async def queue_depth(self) -> int: ...

    async def aclose(self) -> None: ...


class EmbeddedBackend:
    """Runs as asyncio tasks, at most ``embedded_concurrency`` at once; unfinished ones resume at start."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._slots = asyncio.Semaphore(runtime.settings.embedded_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting = 0

    async def start(self) -> None:
        await self.submit(await self.runtime.records.unfinished_runs())

    async def _execute(self, run_id: str) -> None:
        self._waiting += 1
        try:
            async with self._slots:
                self._waiting -= 1
                await execute_run(self.runtime, run_id)
        except Exception:
            log.exception("run %s failed", run_id)

    async def submit(self, run_ids: Sequence[str]) -> None:
        for run_id in run_ids:
            task = asyncio.create_task(self._execute(run_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def cancel(self, run_id: str) -> None:
        await cancel_run(self.runtime, run_id)

    async def queue_depth(self) -> int:
        return self._waiting

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task


class QueueBackend:
    """Runs as arq jobs (job id derived from the run id, so a run is queued once)."""

    def __init__(self, runtime: Runtime, settings: ServiceSettings) -> None:
        self.runtime = runtime
        self.settings = settings
        self._pool: object | None = None

    async def start(self) -> None:
        from arq.connections import RedisSettings, create_pool

        self._pool = await create_pool(
            RedisSettings.from_dsn(self.settings.redis_url), default_queue_name=self.settings.queue_name
        )

    async def submit(self, run_ids: Sequence[str]) -> None:
        from arq.connections import ArqRedis

        pool = self._pool
        assert isinstance(pool, ArqRedis), "QueueBackend.start() first"
        for run_id in run_ids:
            await pool.enqueue_job("run", run_id, _job_id=job_id(self.settings, run_id))

    async def cancel(self, run_id: str) -> None:
        await cancel_run(self.runtime, run_id)

    async def queue_depth(self) -> int:
        from arq.connections import ArqRedis

        if not isinstance(self._pool, ArqRedis):
            return 0
        return int(await self._pool.zcard(self.settings.queue_name))

    async def aclose(self) -> None:
        from arq.connections import ArqRedis

        if isinstance(self._pool, ArqRedis):
            await self._pool.aclose()
