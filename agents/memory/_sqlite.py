"""The embedded lessons backend: one SQLite file (or ``:memory:``) through aiosqlite."""

from __future__ import annotations

import asyncio
import builtins
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from . import _policy
from ._errors import LessonStoreError
from ._lesson import Lesson

_SCHEMA_VERSION = 1
# The lesson itself is stored as JSON; the other columns exist only to select and order rows.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS lessons (
    namespace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    domain     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    score      REAL NOT NULL,
    updated_at REAL NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
);
CREATE INDEX IF NOT EXISTS lessons_by_domain ON lessons (namespace, domain);
"""


class SqliteLessonStore:
    """Lessons in an SQLite file, created with its schema on first use (``":memory:"`` for a throwaway store).

    One connection per store; its operations are serialised by a lock and each write is one
    ``BEGIN IMMEDIATE`` transaction, so several processes may share the file.
    """

    def __init__(
        self, path: str | Path, cap_per_domain: int = 50, *, clock: Callable[[], float] = time.time
    ) -> None:
        if cap_per_domain < 1:
            raise ValueError(f"cap_per_domain must be at least 1, got {cap_per_domain}")
        self._path = path if str(path) == ":memory:" else Path(path).expanduser()
        self._cap = cap_per_domain
        self._clock = clock
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def path(self) -> str | Path:
        return self._path

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _open(self) -> aiosqlite.Connection:
        if isinstance(self._path, Path):
            self._path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a read-modify-write cannot interleave.
        conn = await aiosqlite.connect(self._path, timeout=30.0, isolation_level=None)
        try:
            # The default rollback journal, not WAL: while one connection switches a file to WAL, others fail
            # at once with "database is locked" instead of waiting, and our transactions are too short for
            # WAL's concurrent readers to matter.  Schema set-up is one IMMEDIATE transaction, so processes
            # opening a new file together wait their turn (the busy timeout covers BEGIN IMMEDIATE).
            await conn.execute("BEGIN IMMEDIATE")
            row = await (await conn.execute("PRAGMA user_version")).fetchone()
            version = row[0] if row else 0
            if version > _SCHEMA_VERSION:
                raise LessonStoreError(
                    f"{self._path}: the lessons schema is version {version}, newer than this Modulo understands "
                    f"({_SCHEMA_VERSION}); upgrade Modulo or use another --db file"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        return conn

    @asynccontextmanager
    async def _session(self, write: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, under the store's lock, inside a write transaction if ``write``."""
        async with self._lock:
            try:
                if self._conn is None:
                    self._conn = await self._open()
                conn = self._conn
                if not write:
                    yield conn
                    return
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
            except (sqlite3.Error, OSError) as exc:
                raise LessonStoreError(f"lessons database {self._path}: {exc}") from exc

    @staticmethod
    async def _bodies(conn: aiosqlite.Connection, sql: str, params: tuple[str, ...]) -> builtins.list[Lesson]:
        rows = await (await conn.execute(sql, params)).fetchall()
        return [Lesson.model_validate_json(body) for (body,) in rows]

    @staticmethod
    async def _save(conn: aiosqlite.Connection, lesson: Lesson) -> None:
        await conn.execute(
            "INSERT OR REPLACE INTO lessons (namespace, id, domain, kind, score, updated_at, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (lesson.namespace, lesson.id, lesson.domain, lesson.kind, lesson.score, lesson.updated_at,
             lesson.model_dump_json()),
        )

    async def add(self, lesson: Lesson) -> Lesson:
        async with self._session(write=True) as conn:
            found = await self._bodies(
                conn, "SELECT body FROM lessons WHERE namespace = ? AND id = ?", (lesson.namespace, lesson.id)
            )
            now = self._clock()
            if found:
                stored = _policy.merged(found[0], lesson, now)
                if stored is not found[0]:
                    await self._save(conn, stored)
                return stored
            stored = _policy.first_stored(lesson, now)
            await self._save(conn, stored)
            await self._evict(conn, stored)
            return stored

    async def _evict(self, conn: aiosqlite.Connection, added: Lesson) -> None:
        where, params = "namespace = ? AND domain = ?", (added.namespace, added.domain)
        row = await (await conn.execute(f"SELECT COUNT(*) FROM lessons WHERE {where}", params)).fetchone()
        if row is None or row[0] <= self._cap:
            return
        pool = await self._bodies(conn, f"SELECT body FROM lessons WHERE {where}", params)
        for victim in _policy.eviction_victims(pool, self._cap, keep=added.id):
            await conn.execute("DELETE FROM lessons WHERE namespace = ? AND id = ?", (added.namespace, victim))

    async def recall(
        self, namespace: str, domain: str, features: dict[str, float], k_rules: int = 5, k_exemplars: int = 2
    ) -> list[Lesson]:
        async with self._session() as conn:
            pool = await self._bodies(
                conn, "SELECT body FROM lessons WHERE namespace = ? AND domain = ?", (namespace, domain)
            )
        return _policy.select_for_recall(pool, features, k_rules, k_exemplars)

    async def reward(self, namespace: str, ids: list[str], solved: bool) -> None:
        async with self._session(write=True) as conn:
            now = self._clock()
            for lesson_id in dict.fromkeys(ids):  # each lesson once per run, even if listed twice
                found = await self._bodies(
                    conn, "SELECT body FROM lessons WHERE namespace = ? AND id = ?", (namespace, lesson_id)
                )
                if not found:
                    continue
                after = _policy.rewarded(found[0], solved, now)
                if after is None:
                    await conn.execute("DELETE FROM lessons WHERE namespace = ? AND id = ?", (namespace, lesson_id))
                else:
                    await self._save(conn, after)

    async def get(self, namespace: str, lesson_id: str) -> Lesson | None:
        async with self._session() as conn:
            found = await self._bodies(
                conn, "SELECT body FROM lessons WHERE namespace = ? AND id = ?", (namespace, lesson_id)
            )
        return found[0] if found else None

    async def delete(self, namespace: str, lesson_id: str) -> bool:
        async with self._session(write=True) as conn:
            cursor = await conn.execute("DELETE FROM lessons WHERE namespace = ? AND id = ?", (namespace, lesson_id))
            return cursor.rowcount > 0

    async def aclose(self) -> None:
        async with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                await conn.close()

    # ``list`` comes last: defined earlier, its name would shadow the builtin in the annotations below it.
    async def list(self, namespace: str, domain: str | None = None) -> builtins.list[Lesson]:
        async with self._session() as conn:
            if domain is None:
                pool = await self._bodies(conn, "SELECT body FROM lessons WHERE namespace = ?", (namespace,))
            else:
                pool = await self._bodies(
                    conn, "SELECT body FROM lessons WHERE namespace = ? AND domain = ?", (namespace, domain)
                )
        return _policy.listing_order(pool)
