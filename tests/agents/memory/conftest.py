"""Fixtures of the lessons memory tests: both backends behind one factory, real tasks and critiques.

Redis tests run against the real server at 127.0.0.1:6379, each under its own key prefix, removed after.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from agents.memory import LessonStore, RedisLessonStore, SqliteLessonStore
from domains import Plan, PlanningTask
from verifiers import Critique, validate

REDIS_URL = "redis://127.0.0.1:6379/0"
BLOCKSWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "planbench" / "domains" / "blocksworld"

StoreFactory = Callable[..., LessonStore]


class FakeClock:
    """A clock that moves one second per reading, so every write has a distinct, predictable time."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def _redis_or_fail() -> aioredis.Redis:
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except redis_errors.ConnectionError:
        await client.aclose()
        pytest.fail(
            f"the lessons tests need a real Redis at {REDIS_URL}; start one with "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no`"
        )
    return client


@pytest.fixture(params=["sqlite", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> AsyncIterator[StoreFactory]:
    """``make_store(cap_per_domain=50)``: a new store instance over the same backing data (file or prefix).

    Several calls give several clients of one memory, which is how persistence and concurrency are tested.
    """
    opened: list[LessonStore] = []
    prefix = f"modulo:test:{uuid.uuid4().hex}"
    admin = await _redis_or_fail() if request.param == "redis" else None

    def factory(cap_per_domain: int = 50) -> LessonStore:
        store: LessonStore
        if request.param == "sqlite":
            store = SqliteLessonStore(tmp_path / "lessons.sqlite", cap_per_domain, clock=clock)
        else:
            store = RedisLessonStore(REDIS_URL, prefix, cap_per_domain, clock=clock)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        await store.aclose()
    if admin is not None:
        keys = [key async for key in admin.scan_iter(match=f"{prefix}:*")]
        if keys:
            await admin.delete(*keys)
        await admin.aclose()


@pytest.fixture
def store(make_store: StoreFactory) -> LessonStore:
    return make_store()


@pytest.fixture(scope="session")
def blocksworld_dir() -> Path:
    if not (BLOCKSWORLD / "domain.pddl").is_file():
        pytest.skip(f"PlanBench blocksworld not found at {BLOCKSWORLD}")
    return BLOCKSWORLD


@pytest.fixture(scope="session")
def instance(blocksworld_dir: Path) -> Callable[[int], PlanningTask]:
    """``instance(n)``: PlanBench blocksworld generated_basic_3/instance-n."""

    def load(n: int) -> PlanningTask:
        return PlanningTask.from_files(
            blocksworld_dir / "domain.pddl", blocksworld_dir / "instances" / "generated_basic_3" / f"instance-{n}.pddl"
        )

    return load


def critique_of(task: PlanningTask, *lines: str) -> Critique:
    plan = Plan.of(*lines)
    return Critique(plan=plan, verdicts=(validate(task, plan),))
