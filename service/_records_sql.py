"""Two SQL drivers with one small interface: SQLite (embedded) and PostgreSQL (service).

Statements are written once with ``?`` placeholders and portable SQL (``ON CONFLICT … DO NOTHING``,
``TEXT`` JSON); the PostgreSQL driver turns ``?`` into ``%s``.  Rows come back as dicts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

Params = Sequence[Any]


class Driver(Protocol):
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""
        ...

    async def fetch(self, sql: str, params: Params = ()) -> list[dict[str, Any]]: ...

    async def script(self, statements: Sequence[str]) -> None: ...

    async def aclose(self) -> None: ...


class SqliteDriver:
    """One connection in WAL mode, statements serialised by a lock (SQLite has one writer anyway)."""

    def __init__(self, path: Path | str) -> None:
        self._path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            if str(self._path) != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(str(self._path), isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            self._conn = conn
        return self._conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._lock:
            conn = await self._connection()
            cursor = await conn.execute(sql, tuple(params))
            return cursor.rowcount

    async def fetch(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        async with self._lock:
            conn = await self._connection()
            async with conn.execute(sql, tuple(params)) as cursor:
                return [dict(row) for row in await cursor.fetchall()]

    async def script(self, statements: Sequence[str]) -> None:
        for statement in statements:
            await self.execute(statement)

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


class PostgresDriver:
    """A psycopg connection pool whose sessions use ``schema`` (created if missing)."""

    def __init__(self, url: str, schema: str, *, max_size: int = 10) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        self._url = url
        self._schema = schema
        self.pool = AsyncConnectionPool(
            url, open=False, min_size=1, max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0,
                    "options": f"-c search_path={schema}"},
        )

    async def open(self) -> None:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
        await self.pool.open(wait=True, timeout=10)

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(self._sql(sql), tuple(params))  # type: ignore[arg-type]
            return cursor.rowcount

    async def fetch(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(self._sql(sql), tuple(params))  # type: ignore[arg-type]
            return list(await cursor.fetchall())

    async def script(self, statements: Sequence[str]) -> None:
        async with self.pool.connection() as conn:
            # one migration at a time across processes (API and workers start together)
            await conn.execute("SELECT pg_advisory_lock(48151623)")
            try:
                for statement in statements:
                    await conn.execute(statement)  # type: ignore[arg-type]
            finally:
                await conn.execute("SELECT pg_advisory_unlock(48151623)")

    async def aclose(self) -> None:
        await self.pool.close()
