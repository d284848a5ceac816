"""Executing runs: :func:`execute_run` (shared by embedded mode and workers) and the arq worker.

``execute_run`` is idempotent by run id: a finished run is left alone; an unfinished one (re-delivered
after its worker died) resumes from its last LangGraph checkpoint, so the LLM is not asked again for the
rounds it completed; :meth:`RecordStore.finish` keeps the first result only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents.graph import Round, RoundCheckpointer, RunOptions, RunResult, run_task, sqlite_checkpointer
from agents.llm import LLMClient, LLMSettings, make_client
from agents.memory import LessonStore, RedisLessonStore, SqliteLessonStore
from domains import ModuloError, PlanningTask
from verifiers import HTTPVerifier, PDDLValidator, Verifier

from ._records import RecordStore
from ._settings import ServiceSettings
from .api._events import EventBus, LocalBus, RedisBus

log = logging.getLogger("modulo.worker")


@dataclass
class Runtime:
    """What executing runs needs, opened once per process."""

    settings: ServiceSettings
    embedded: bool
    records: RecordStore
    events: EventBus
    lessons: LessonStore
    checkpointer: Any
    llm_settings: LLMSettings | None = None
    _llm: LLMClient | None = None
    cancels: dict[str, asyncio.Event] = field(default_factory=dict)
    _llm_stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    _llm_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def llm(self) -> LLMClient:
        """The LLM client, opened on first use (the embedded model's server starts only when needed)."""
        async with self._llm_lock:
            if self._llm is None:
                config = self.llm_settings if self.llm_settings is not None else LLMSettings()
                self._llm = await self._llm_stack.enter_async_context(make_client(self._sized(config)))
            return self._llm

    def _sized(self, config: LLMSettings) -> LLMSettings:
        """A remote LLM may be asked by every run this process executes at once (``MODULO_WORKER_MAX_JOBS``,
        or ``MODULO_EMBEDDED_CONCURRENCY``), unless ``MODULO_LLM_MAX_CONCURRENCY`` says otherwise: the
        client's own default (8) would make the runs queue for it.  The embedded model keeps its limit."""
        if config.provider == "local" or "max_concurrency" in config.model_fields_set:
            return config
        runs_at_once = self.settings.embedded_concurrency if self.embedded else self.settings.worker_max_jobs
        return config.model_copy(update={"max_concurrency": runs_at_once})


@contextlib.asynccontextmanager
async def open_runtime(
    settings: ServiceSettings, *, embedded: bool, llm_settings: LLMSettings | None = None
) -> AsyncIterator[Runtime]:
    async with contextlib.AsyncExitStack() as stack:
        records = await stack.enter_async_context(RecordStore.for_settings(settings, embedded=embedded))
        events: EventBus
        if embedded:
            events = LocalBus()
            checkpointer = await stack.enter_async_context(
                sqlite_checkpointer(settings.data_path / "checkpoints.sqlite")
            )
            lessons: LessonStore = await stack.enter_async_context(
                SqliteLessonStore(settings.data_path / "lessons.sqlite")
            )
        else:
            events = RedisBus(settings.redis_url, settings.prefix)
            checkpointer = await stack.enter_async_context(_postgres_checkpointer(settings))
            lessons = await stack.enter_async_context(
                RedisLessonStore(settings.redis_url, prefix=f"{settings.prefix}:lessons")
            )
        stack.push_async_callback(events.aclose)
        # one checkpoint per round (before the LLM is asked) instead of one per step: a resumed run still
        # never pays twice for an answer, and a run costs a third of the database writes
        runtime = Runtime(settings, embedded, records, events, lessons, RoundCheckpointer(checkpointer), llm_settings)
        stack.push_async_callback(runtime._llm_stack.aclose)
        yield runtime


@contextlib.asynccontextmanager
async def _postgres_checkpointer(settings: ServiceSettings) -> AsyncIterator[Any]:
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        settings.database_url, open=False, min_size=1, max_size=20,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
                "options": f"-c search_path={settings.db_schema}"},
    )
    await pool.open(wait=True, timeout=10)
    try:
        saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        async with pool.connection() as conn:  # one migration at a time across processes
            await conn.execute("SELECT pg_advisory_lock(48151624)")
            try:
                await saver.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(48151624)")
        yield saver
    finally:
        await pool.close()


def _verifiers(specs: list[dict[str, Any]], settings: ServiceSettings) -> list[Verifier]:
    found: list[Verifier] = [PDDLValidator()]
    for spec in specs:
        found.append(HTTPVerifier(spec["name"], spec["url"], hard=bool(spec.get("hard", True)),
                                  allowed_hosts=settings.allowed_verifier_hosts))
    return found


async def execute_run(runtime: Runtime, run_id: str) -> str:
    """Run ``run_id`` to its end (or resume it); returns its final status."""
    records = runtime.records
    # listening for a cancel before reading the record: one asked for in between is not missed
    cancel = runtime.cancels.setdefault(run_id, asyncio.Event())
    try:
        row = await records.get_run(run_id)
        if row is None:
            log.warning("run %s: no record; dropped", run_id)
            return "missing"
        if row.finished or not await records.mark_running(run_id):
            return row.status
        if row.cancel_requested:
            cancel.set()
        task = PlanningTask.model_validate(row.task)
        options = RunOptions.model_validate(row.options)
        # Reading a new domain imports unified-planning and parses it: seconds of CPU that would stall
        # every other run of this process (and their timeouts) if done on the event loop.
        with contextlib.suppress(ModuloError):  # run_task raises it again below, where it is handled
            await asyncio.to_thread(task.model)

        async def on_round(round_: Round) -> None:
            await records.add_round(run_id, round_)
            await runtime.events.publish(run_id, {"type": "round", "number": round_.number})

        try:
            result = await run_task(
                task, options, llm=await runtime.llm(), verifiers=_verifiers(row.verifiers, runtime.settings),
                store=runtime.lessons if options.memory else None, checkpointer=runtime.checkpointer,
                run_id=run_id, on_round=on_round, cancel=cancel,
                keep_checkpoints="all",  # pruning would be wasted: the thread is deleted below
            )
        except ModuloError as exc:  # the task or a verifier spec is unusable: the run ends as an error
            stamp = datetime.now(UTC)
            result = RunResult(run_id=run_id, status="error", reason=str(exc), task_hash=task.content_hash,
                               options=options, started_at=stamp, finished_at=stamp)
        await records.finish(run_id, result)
        with contextlib.suppress(Exception):
            await runtime.checkpointer.adelete_thread(run_id)
        await runtime.events.publish(run_id, {"type": "end", "status": result.status})
        return result.status
    finally:
        runtime.cancels.pop(run_id, None)


async def cancel_run(runtime: Runtime, run_id: str) -> None:
    """Ask for ``run_id`` to stop: a queued run ends at once, a running one at its next step."""
    await runtime.records.request_cancel(run_id)
    stamp = datetime.now(UTC)
    row = await runtime.records.get_run(run_id)
    if row is None or row.finished:
        return
    cancelled = RunResult(run_id=run_id, status="cancelled", reason="cancelled before it started",
                          options=RunOptions.model_validate(row.options), started_at=stamp, finished_at=stamp)
    if await runtime.records.finish(run_id, cancelled, only_if_queued=True):
        await runtime.events.publish(run_id, {"type": "end", "status": "cancelled"})
        return
    if run_id in runtime.cancels:
        runtime.cancels[run_id].set()
    if isinstance(runtime.events, RedisBus):
        await runtime.events.publish_cancel(run_id)


# -- the arq worker ---------------------------------------------------------------------------------------


def job_id(settings: ServiceSettings, run_id: str) -> str:
    return f"{settings.prefix}:run:{run_id}"


async def _job(ctx: dict[str, Any], run_id: str) -> str:
    """One delivery of a run.  Whatever goes wrong, the run is queued again rather than failed by arq (which
    would leave it ``running`` for ever): a run that would outlive arq's job timeout is stopped before it,
    and any other exception (PostgreSQL or Redis gone, the LLM unreachable) retries with a growing delay.
    Either way the run resumes from its checkpoint.  The sweeper (:func:`requeue_lost_runs`) catches the rest
    (a job arq failed anyway, a worker killed)."""
    from arq.worker import Retry

    runtime: Runtime = ctx["runtime"]
    tries = int(ctx.get("job_try") or 1)
    leases: Leases | None = ctx.get("leases")
    if leases is not None:
        await leases.take(ctx["job_id"])
    try:
        return await asyncio.wait_for(execute_run(runtime, run_id), timeout=_run_budget(runtime.settings))
    except TimeoutError:
        raise Retry(defer=0.1) from None
    except Exception as exc:
        delay = min(60.0, 0.5 * 2 ** min(tries, 7))
        log.warning("run %s: %s: %s; queued again in %.1f s (try %d)", run_id, type(exc).__name__, exc, delay, tries)
        raise Retry(defer=delay) from exc
    finally:
        if leases is not None:
            leases.release(ctx["job_id"])


@dataclass
class Leases:
    """The claims this worker holds on the jobs it executes, kept short and renewed while it lives.

    arq claims a job with an "in progress" key that expires only after the job timeout (an hour by default)
    plus 10 s, so the jobs of a killed worker would wait that long for another worker.  Instead each claim is
    made for ``lease_s`` (:func:`make_worker`), and renewed every ``lease_s / 3`` by :meth:`keep`: a dead worker
    stops renewing, its claims lapse within ``lease_s``, and any worker polling the queue (where arq leaves a
    job until it finishes) takes the run again, which resumes from its checkpoint.
    """

    redis: Any
    lease_s: float
    held: set[str] = field(default_factory=set)

    @staticmethod
    def _key(job: str) -> str:
        from arq.constants import in_progress_key_prefix

        return in_progress_key_prefix + job

    async def take(self, job: str) -> None:
        self.held.add(job)
        await self.redis.pexpire(self._key(job), int(self.lease_s * 1000))

    def release(self, job: str) -> None:
        self.held.discard(job)

    async def renew(self) -> None:
        jobs = list(self.held)
        if not jobs:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for job in jobs:  # PEXPIRE leaves a key arq deleted (the job finished) deleted
                pipe.pexpire(self._key(job), int(self.lease_s * 1000))
            await pipe.execute()

    async def keep(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.renew()
            except Exception:  # Redis is away: try again; the claims last lease_s
                log.exception("renewing the claims on running jobs failed")


def _run_budget(settings: ServiceSettings) -> float:
    """How long one delivery may execute: arq's job timeout less room to stop the run and checkpoint it."""
    return max(settings.job_timeout_s * 0.5, settings.job_timeout_s - max(2.0, settings.job_timeout_s * 0.2))


async def requeue_lost_runs(runtime: Runtime, redis: Any) -> int:
    """Queue again every unfinished run that has no arq job (a job arq failed or dropped); returns how many.

    Safe with any number of workers and the API doing it at once: the job id is the run's, and arq
    enqueues an id only while no job (queued, in progress) has it.
    """
    from arq.constants import job_key_prefix

    settings = runtime.settings
    run_ids = await runtime.records.unfinished_runs()
    if not run_ids:
        return 0
    async with redis.pipeline(transaction=False) as pipe:
        for run_id in run_ids:
            pipe.exists(job_key_prefix + job_id(settings, run_id))
        present = await pipe.execute()
    lost = [run_id for run_id, found in zip(run_ids, present, strict=True) if not found]
    for run_id in lost:
        await redis.enqueue_job("run", run_id, _job_id=job_id(settings, run_id), _queue_name=settings.queue_name)
    if lost:
        log.warning("queued again %d unfinished run(s) that had no job", len(lost))
    return len(lost)


def _warm_up() -> None:
    """Pay the parser's import and environment (~2 s of CPU) before taking jobs, not in the first runs."""
    import unified_planning.io  # noqa: F401
    from unified_planning.environment import get_environment

    get_environment()


def make_worker(settings: ServiceSettings, *, llm_settings: LLMSettings | None = None) -> Any:
    """An arq ``Worker`` executing runs from ``settings.queue_name``."""
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    stack = contextlib.AsyncExitStack()

    async def startup(ctx: dict[str, Any]) -> None:
        runtime = await stack.enter_async_context(open_runtime(settings, embedded=False, llm_settings=llm_settings))
        ctx["runtime"] = runtime
        bus = runtime.events
        if not isinstance(bus, RedisBus):  # pragma: no cover - open_runtime(embedded=False) makes a RedisBus
            raise TypeError("a worker needs the Redis event bus")
        cancels = await stack.enter_async_context(bus.cancels())

        async def listen() -> None:
            while True:
                run_id = await cancels.get()
                if run_id in runtime.cancels:
                    runtime.cancels[run_id].set()

        listener = asyncio.create_task(listen())
        stack.callback(listener.cancel)
        await asyncio.to_thread(_warm_up)

        async def sweep() -> None:
            while True:
                try:
                    await requeue_lost_runs(runtime, ctx["redis"])
                except Exception:  # the database or Redis is away: try again at the next sweep
                    log.exception("sweeping for lost runs failed")
                await asyncio.sleep(settings.sweep_interval_s)

        sweeper = asyncio.create_task(sweep())
        stack.callback(sweeper.cancel)
        leases = ctx["leases"] = Leases(ctx["redis"], settings.worker_lease_s)
        keeper = asyncio.create_task(leases.keep())
        stack.callback(keeper.cancel)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await stack.aclose()

    class _Worker(Worker):  # type: ignore[misc]
        async def start_jobs(self, job_ids: list[bytes]) -> None:
            """arq leaves a job in the queue until it finishes, so every poll (5 a second) reads this worker's
            own running jobs again and checks each in Redis (WATCH, EXISTS, ZSCORE: three round trips) only to
            find it running; with hundreds of runs at once that was most of the worker's Redis traffic.  The
            jobs this worker is executing are left out before arq looks."""
            await super().start_jobs([j for j in job_ids if j.decode() not in self.tasks])

    worker = _Worker(
        functions=[func(_job, name="run", max_tries=1_000_000, keep_result=0)],
        queue_name=settings.queue_name,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        max_jobs=settings.worker_max_jobs,
        job_timeout=settings.job_timeout_s,
        keep_result=0,  # a finished job's id may be queued again at once (see requeue_lost_runs)
        poll_delay=0.2,
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=True,
        log_results=False,
    )
    # arq's first claim on a job lasts the job timeout + 10 s; a worker killed before the job reached
    # ``_job`` (which starts renewing it) would hold the run that long.  Claims start at the lease instead.
    if not hasattr(worker, "in_progress_timeout_s"):  # pragma: no cover - guards an arq upgrade
        raise RuntimeError("arq.Worker has no in_progress_timeout_s: check Leases against this arq version")
    worker.in_progress_timeout_s = settings.worker_lease_s
    return worker


def run_worker(settings: ServiceSettings) -> None:
    """``modulo worker``: execute queued runs until SIGINT/SIGTERM."""
    make_worker(settings).run()
