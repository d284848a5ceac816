"""A run never stays ``running`` for ever: a failing delivery is retried, and a run whose arq job is gone is
queued again (on PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from service._records import RecordStore, RunRow, now
from service._settings import ServiceSettings
from service._worker import _job, _run_budget, job_id, requeue_lost_runs

from .stack import PG_URL, REDIS_URL, services_available


class _DatabaseGone:
    async def get_run(self, run_id: str) -> None:
        raise OSError("connection refused")


def test_a_job_that_fails_is_retried_with_a_growing_delay() -> None:
    from arq.worker import Retry

    runtime = SimpleNamespace(settings=ServiceSettings(job_timeout_s=60), records=_DatabaseGone())
    delays = []
    for tries in (1, 4):
        with pytest.raises(Retry) as caught:
            asyncio.run(_job({"runtime": runtime, "job_try": tries}, "r1"))
        delays.append(caught.value.defer_score)
    assert delays[0] is not None and delays[1] is not None and 0 < delays[0] < delays[1] <= 60_000


def test_the_run_budget_leaves_room_before_arqs_timeout() -> None:
    for timeout in (4.0, 6.0, 60.0, 3600.0):
        budget = _run_budget(ServiceSettings(job_timeout_s=timeout))
        assert timeout * 0.5 <= budget <= timeout - min(2.0, timeout * 0.5)


def test_unfinished_runs_without_a_job_are_queued_again() -> None:
    if not services_available():
        pytest.skip("needs PostgreSQL and Redis")
    tag = uuid.uuid4().hex[:10]
    settings = ServiceSettings(database_url=PG_URL, db_schema=f"t_{tag}", redis_url=REDIS_URL,
                               prefix=f"modulo-test-{tag}")
    asyncio.run(_requeue_scenario(settings))


async def _requeue_scenario(settings: ServiceSettings) -> None:
    import psycopg
    from arq.connections import RedisSettings, create_pool

    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name)
    try:
        async with RecordStore.for_settings(settings, embedded=False) as records:
            ids = []
            for status in ("queued", "running", "solved"):
                row = RunRow(id=uuid.uuid4().hex, namespace="ns", status="queued", request_hash="h",
                             task={}, options={}, created_at=now())
                await records.create_run(row)
                if status != "queued":
                    await records.mark_running(row.id)
                ids.append(row.id)
            await records.driver.execute("UPDATE runs SET status = 'solved' WHERE id = ?", (ids[2],))
            runtime: Any = SimpleNamespace(settings=settings, records=records)
            assert await requeue_lost_runs(runtime, redis) == 2
            assert await requeue_lost_runs(runtime, redis) == 0  # their jobs exist now
            queued = {m.decode() for m in await redis.zrange(settings.queue_name, 0, -1)}
            assert queued == {job_id(settings, ids[0]), job_id(settings, ids[1])}
    finally:
        keys = [k async for k in redis.scan_iter(match=f"*{settings.prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')  # type: ignore[arg-type]


async def test_a_workers_claims_on_jobs_last_the_lease_not_the_job_timeout() -> None:
    """A worker killed right after claiming a job (before it starts renewing) holds it only for the lease.
    (Async: arq takes the running event loop; outside one it would make a loop nobody closes.)"""
    from service._worker import make_worker

    worker = make_worker(ServiceSettings(worker_lease_s=7, job_timeout_s=3600))
    assert worker.in_progress_timeout_s == 7


class _CountingPool:
    """Stands in for arq's Redis pool: counts the job checks a worker makes (and makes none succeed)."""

    def __init__(self) -> None:
        self.checks = 0

    def pipeline(self, transaction: bool = True) -> Any:
        self.checks += 1
        raise ConnectionError("no Redis in this test")


async def test_a_worker_does_not_check_in_redis_the_jobs_it_is_running() -> None:
    """Every poll reads the queue, where arq keeps running jobs: this worker's own are skipped, not checked
    in Redis again (three round trips each, five polls a second)."""
    from service._worker import make_worker

    worker = make_worker(ServiceSettings())
    pool = _CountingPool()
    worker._pool = pool
    running = asyncio.create_task(asyncio.sleep(3600))
    try:
        worker.tasks["modulo:run:mine"] = running
        await worker.start_jobs([b"modulo:run:mine"])
        assert pool.checks == 0 and worker.job_counter == 0
        with pytest.raises(ConnectionError):  # a job it is not running is still checked and claimed
            await worker.start_jobs([b"modulo:run:mine", b"modulo:run:other"])
        assert pool.checks == 1
    finally:
        running.cancel()
