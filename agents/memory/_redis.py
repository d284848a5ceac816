"""The service lessons backend: Redis (plain Redis 7, no modules needed).

Layout, with namespace and domain percent-encoded so that no name can reach into another's keys::

    {prefix}:{namespace}:lessons           HASH  lesson id -> the lesson as JSON
    {prefix}:{namespace}:domain:{domain}   SET   ids of the namespace's lessons for that domain

Every write is a WATCH/MULTI transaction on the namespace's keys, so concurrent workers merge and reward
correctly; the policy itself (merging, rewards, eviction, ranking) is the shared one of ``_policy``.  Within
one process, writes to a namespace take turns (an asyncio lock): a worker's hundreds of concurrent runs
would otherwise keep invalidating each other's WATCH and retry (about three tries per write at 200 runs).
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from . import _policy
from ._errors import LessonStoreError
from ._lesson import Lesson

# One round trip for recall: the domain's ids and their bodies, read atomically.
_DOMAIN_BODIES = """
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local body = redis.call('HGET', KEYS[1], id)
    if body then out[#out + 1] = body end
end
return out
"""


_T = TypeVar("_T")

_PARSED_CACHE = 10_000  # parsed lessons kept per store, by body; dropped all at once when full


async def _wait(result: Awaitable[_T] | _T) -> _T:
    """redis-py types its commands for the sync and async clients at once; on ours they are awaitables."""
    return await result  # type: ignore[misc]


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisLessonStore:
    """Lessons in Redis under ``prefix``; the client connects lazily on first use."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        prefix: str = "modulo:lessons",
        cap_per_domain: int = 50,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if cap_per_domain < 1:
            raise ValueError(f"cap_per_domain must be at least 1, got {cap_per_domain}")
        self._url = url
        self._prefix = prefix
        self._cap = cap_per_domain
        self._clock = clock
        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        self._domain_bodies = self._redis.register_script(_DOMAIN_BODIES)
        self._turns: dict[str, asyncio.Lock] = {}
        self._parsed: dict[str, Lesson] = {}

    def _lesson(self, body: str) -> Lesson:
        """A stored body as a lesson, parsed once per distinct body: recall and eviction read a domain's whole
        pool (up to the cap) on every run, and most bodies have not changed since the last read.  Lessons are
        frozen, so sharing one parsed object is safe."""
        lesson = self._parsed.get(body)
        if lesson is None:
            if len(self._parsed) >= _PARSED_CACHE:
                self._parsed.clear()
            lesson = self._parsed[body] = Lesson.model_validate_json(body)
        return lesson

    def _turn(self, hkey: str) -> asyncio.Lock:
        """This process's writes to one namespace, one at a time."""
        return self._turns.setdefault(hkey, asyncio.Lock())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _lessons_key(self, namespace: str) -> str:
        return f"{self._prefix}:{quote(namespace, safe='')}:lessons"

    def _domain_key(self, namespace: str, domain: str) -> str:
        return f"{self._prefix}:{quote(namespace, safe='')}:domain:{quote(domain, safe='')}"

    async def _guarded(self, operation: Any) -> Any:
        """Await ``operation``, turning Redis failures into :class:`LessonStoreError` with a hint."""
        try:
            return await operation
        except (redis_errors.ConnectionError, redis_errors.TimeoutError) as exc:
            raise LessonStoreError(
                f"cannot reach Redis at {_redacted(self._url)} for lessons ({exc}); start Redis, fix the URL, "
                "or use the SQLite store"
            ) from exc
        except redis_errors.RedisError as exc:
            raise LessonStoreError(f"Redis at {_redacted(self._url)} failed on lessons: {exc}") from exc

    async def add(self, lesson: Lesson) -> Lesson:
        hkey = self._lessons_key(lesson.namespace)
        dkey = self._domain_key(lesson.namespace, lesson.domain)

        async def transaction(pipe: Pipeline) -> Lesson:
            body = await _wait(pipe.hget(hkey, lesson.id))
            now = self._clock()
            victims: builtins.list[str] = []
            if body is not None:
                existing = self._lesson(body)
                stored = _policy.merged(existing, lesson, now)
            else:
                stored = _policy.first_stored(lesson, now)
                if await _wait(pipe.scard(dkey)) + 1 > self._cap:
                    ids = await _wait(pipe.smembers(dkey))
                    pool = [self._lesson(b) for b in await _wait(pipe.hmget(hkey, sorted(ids))) if b]
                    victims = _policy.eviction_victims([*pool, stored], self._cap, keep=stored.id)
            pipe.multi()
            pipe.hset(hkey, stored.id, stored.model_dump_json())
            pipe.sadd(dkey, stored.id)
            if victims:
                pipe.hdel(hkey, *victims)
                pipe.srem(dkey, *victims)
            return stored

        async with self._turn(hkey):
            stored: Lesson = await self._guarded(
                self._redis.transaction(transaction, hkey, dkey, value_from_callable=True)
            )
        return stored

    async def recall(
        self, namespace: str, domain: str, features: dict[str, float], k_rules: int = 5, k_exemplars: int = 2
    ) -> list[Lesson]:
        keys = [self._lessons_key(namespace), self._domain_key(namespace, domain)]
        bodies = await self._guarded(self._domain_bodies(keys=keys))
        pool = [self._lesson(body) for body in bodies]
        return _policy.select_for_recall(pool, features, k_rules, k_exemplars)

    async def reward(self, namespace: str, ids: list[str], solved: bool) -> None:
        unique = list(dict.fromkeys(ids))  # each lesson once per run, even if listed twice
        if not unique:
            return
        hkey = self._lessons_key(namespace)

        async def transaction(pipe: Pipeline) -> None:
            bodies = await _wait(pipe.hmget(hkey, unique))
            now = self._clock()
            pipe.multi()
            for body in bodies:
                if body is None:
                    continue
                lesson = self._lesson(body)
                after = _policy.rewarded(lesson, solved, now)
                if after is None:
                    pipe.hdel(hkey, lesson.id)
                    pipe.srem(self._domain_key(namespace, lesson.domain), lesson.id)
                else:
                    pipe.hset(hkey, lesson.id, after.model_dump_json())

        async with self._turn(hkey):
            await self._guarded(self._redis.transaction(transaction, hkey))

    async def get(self, namespace: str, lesson_id: str) -> Lesson | None:
        body = await self._guarded(self._redis.hget(self._lessons_key(namespace), lesson_id))
        return None if body is None else self._lesson(body)

    async def delete(self, namespace: str, lesson_id: str) -> bool:
        hkey = self._lessons_key(namespace)

        async def transaction(pipe: Pipeline) -> bool:
            body = await _wait(pipe.hget(hkey, lesson_id))
            pipe.multi()
            if body is None:
                return False
            pipe.hdel(hkey, lesson_id)
            pipe.srem(self._domain_key(namespace, self._lesson(body).domain), lesson_id)
            return True

        async with self._turn(hkey):
            deleted: bool = await self._guarded(self._redis.transaction(transaction, hkey, value_from_callable=True))
        return deleted

    async def aclose(self) -> None:
        await self._redis.aclose()

    # ``list`` comes last: defined earlier, its name would shadow the builtin in the annotations below it.
    async def list(self, namespace: str, domain: str | None = None) -> builtins.list[Lesson]:
        bodies = await self._guarded(self._redis.hvals(self._lessons_key(namespace)))
        pool = [self._lesson(body) for body in bodies]
        if domain is not None:
            pool = [x for x in pool if x.domain == domain]
        return _policy.listing_order(pool)
