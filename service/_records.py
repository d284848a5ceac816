"""Run, round, batch, key and verifier records: :class:`RecordStore` over SQLite or PostgreSQL.

A run is written once when it is created (``queued``), marked ``running`` by whoever executes it, gets one
row per completed round, and is finished exactly once: :meth:`RecordStore.finish` only writes a result
while the run has none, so a run executed twice (arq delivers at least once) still has one result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.graph import Round, RunResult

from ._records_sql import Driver, PostgresDriver, SqliteDriver
from ._settings import ServiceSettings

RunState = Literal["queued", "running", "solved", "unsolved", "error", "cancelled"]
FINISHED: frozenset[str] = frozenset({"solved", "unsolved", "error", "cancelled"})

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS api_keys (
        key_hash TEXT PRIMARY KEY, namespace TEXT NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, namespace TEXT NOT NULL, status TEXT NOT NULL,
        idempotency_key TEXT, request_hash TEXT NOT NULL, batch_id TEXT, instance TEXT,
        task TEXT NOT NULL, options TEXT NOT NULL, verifiers TEXT NOT NULL, result TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0, executions INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
        UNIQUE (namespace, idempotency_key))""",
    "CREATE INDEX IF NOT EXISTS runs_batch ON runs (batch_id)",
    "CREATE INDEX IF NOT EXISTS runs_status ON runs (status)",
    "CREATE INDEX IF NOT EXISTS runs_namespace ON runs (namespace, created_at)",
    """CREATE TABLE IF NOT EXISTS rounds (
        run_id TEXT NOT NULL, number INTEGER NOT NULL, body TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, llm_seconds REAL NOT NULL,
        PRIMARY KEY (run_id, number))""",
    """CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY, namespace TEXT NOT NULL, source TEXT NOT NULL, total INTEGER NOT NULL,
        options TEXT NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS verifiers (
        namespace TEXT NOT NULL, name TEXT NOT NULL, url TEXT NOT NULL, hard INTEGER NOT NULL,
        PRIMARY KEY (namespace, name))""",
)


def now() -> str:
    return datetime.now(UTC).isoformat()


class RunRow(BaseModel):
    """A run as stored."""

    model_config = ConfigDict(frozen=True)

    id: str
    namespace: str
    status: RunState
    idempotency_key: str | None = None
    request_hash: str
    batch_id: str | None = None
    instance: str | None = None
    task: dict[str, Any]
    options: dict[str, Any]
    verifiers: list[dict[str, Any]] = Field(default_factory=list)
    result: RunResult | None = None
    cancel_requested: bool = False
    executions: int = 0
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class VerifierRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    url: str
    hard: bool = True


def _run_row(row: dict[str, Any]) -> RunRow:
    data = dict(row)
    for name in ("task", "options", "verifiers"):
        data[name] = json.loads(data[name])
    data["result"] = RunResult.model_validate_json(data["result"]) if data.get("result") else None
    data["cancel_requested"] = bool(data["cancel_requested"])
    return RunRow.model_validate(data)


class RecordStore:
    """The records of one deployment; open it with ``async with`` (creates the tables)."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    @classmethod
    def for_settings(cls, settings: ServiceSettings, *, embedded: bool) -> RecordStore:
        if embedded:
            return cls(SqliteDriver(settings.data_path / "records.sqlite"))
        return cls(PostgresDriver(settings.database_url, settings.db_schema))

    async def __aenter__(self) -> RecordStore:
        if isinstance(self.driver, PostgresDriver):
            await self.driver.open()
        await self.driver.script(_SCHEMA)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.driver.aclose()

    # -- keys ---------------------------------------------------------------------------------------

    async def add_key(self, key_hash: str, namespace: str) -> None:
        await self.driver.execute(
            "INSERT INTO api_keys (key_hash, namespace, created_at) VALUES (?, ?, ?)", (key_hash, namespace, now())
        )

    async def key_namespace(self, key_hash: str) -> str | None:
        rows = await self.driver.fetch("SELECT namespace FROM api_keys WHERE key_hash = ?", (key_hash,))
        return rows[0]["namespace"] if rows else None

    # -- runs ---------------------------------------------------------------------------------------

    async def create_run(self, run: RunRow) -> tuple[RunRow, bool]:
        """Insert ``run``; with an idempotency key already used in its namespace, the earlier run and
        ``False`` instead."""
        changed = await self.driver.execute(
            "INSERT INTO runs (id, namespace, status, idempotency_key, request_hash, batch_id, instance, task, "
            "options, verifiers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (run.id, run.namespace, run.status, run.idempotency_key, run.request_hash, run.batch_id, run.instance,
             json.dumps(run.task), json.dumps(run.options), json.dumps(run.verifiers), run.created_at),
        )
        if changed == 1:
            return run, True
        if run.idempotency_key is None:
            raise RuntimeError(f"run id {run.id} already exists")
        rows = await self.driver.fetch(
            "SELECT * FROM runs WHERE namespace = ? AND idempotency_key = ?", (run.namespace, run.idempotency_key)
        )
        return _run_row(rows[0]), False

    async def create_runs(self, runs: Sequence[RunRow]) -> None:
        for run in runs:
            await self.create_run(run)

    async def get_run(self, run_id: str, namespace: str | None = None) -> RunRow | None:
        """The run, or ``None`` (also when it belongs to another namespace than the one given)."""
        rows = await self.driver.fetch("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows or (namespace is not None and rows[0]["namespace"] != namespace):
            return None
        return _run_row(rows[0])

    async def list_runs(
        self, namespace: str, *, status: RunState | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """A namespace's runs, newest first, without their tasks and results."""
        where, params = "namespace = ?", [namespace]
        if status is not None:
            where, params = where + " AND status = ?", [*params, status]
        return await self.driver.fetch(
            "SELECT id, status, created_at, started_at, finished_at, batch_id, instance FROM runs "
            f"WHERE {where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )

    async def unfinished_runs(self) -> list[str]:
        rows = await self.driver.fetch("SELECT id FROM runs WHERE status IN ('queued', 'running') ORDER BY created_at")
        return [r["id"] for r in rows]

    async def mark_running(self, run_id: str) -> bool:
        """Take the run for execution; ``False`` if it is finished already."""
        changed = await self.driver.execute(
            "UPDATE runs SET status = 'running', executions = executions + 1, started_at = COALESCE(started_at, ?) "
            "WHERE id = ? AND status IN ('queued', 'running')",
            (now(), run_id),
        )
        return changed == 1

    async def request_cancel(self, run_id: str) -> None:
        await self.driver.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))

    async def finish(self, run_id: str, result: RunResult, *, only_if_queued: bool = False) -> bool:
        """Write the run's one result; ``False`` if it had one already (or was not queued, with
        ``only_if_queued``)."""
        await self.add_rounds(run_id, result.rounds)
        wanted = "('queued')" if only_if_queued else "('queued', 'running')"
        changed = await self.driver.execute(
            f"UPDATE runs SET status = ?, result = ?, finished_at = ? WHERE id = ? AND status IN {wanted}",
            (result.status, result.model_dump_json(), now(), run_id),
        )
        return changed == 1

    # -- rounds -------------------------------------------------------------------------------------

    async def add_round(self, run_id: str, round_: Round) -> None:
        await self.add_rounds(run_id, [round_])

    async def add_rounds(self, run_id: str, rounds: Sequence[Round]) -> None:
        """Record rounds (one statement); a round recorded already is left as it is."""
        for start in range(0, len(rounds), 100):  # well under SQLite's limit on parameters
            chunk = rounds[start : start + 100]
            params: list[Any] = []
            for round_ in chunk:
                params += [run_id, round_.number, round_.model_dump_json(), round_.prompt_tokens,
                           round_.completion_tokens, round_.llm_latency_s]
            await self.driver.execute(
                "INSERT INTO rounds (run_id, number, body, prompt_tokens, completion_tokens, llm_seconds) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)) + " ON CONFLICT DO NOTHING",
                params,
            )

    async def rounds(self, run_id: str, after: int = 0) -> list[Round]:
        rows = await self.driver.fetch(
            "SELECT body FROM rounds WHERE run_id = ? AND number > ? ORDER BY number", (run_id, after)
        )
        return [Round.model_validate_json(r["body"]) for r in rows]

    # -- batches ------------------------------------------------------------------------------------

    async def create_batch(
        self, batch_id: str, namespace: str, source: str, total: int, options: dict[str, Any]
    ) -> None:
        await self.driver.execute(
            "INSERT INTO batches (id, namespace, source, total, options, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (batch_id, namespace, source, total, json.dumps(options), now()),
        )

    async def get_batch(self, batch_id: str, namespace: str) -> dict[str, Any] | None:
        rows = await self.driver.fetch("SELECT * FROM batches WHERE id = ? AND namespace = ?", (batch_id, namespace))
        return rows[0] if rows else None

    async def batch_statuses(self, batch_id: str) -> list[dict[str, Any]]:
        """Id, instance and status of a batch's runs (what its progress needs, without tasks and results)."""
        return await self.driver.fetch(
            "SELECT id, instance, status FROM runs WHERE batch_id = ? ORDER BY instance", (batch_id,)
        )

    async def batch_runs(self, batch_id: str) -> list[RunRow]:
        rows = await self.driver.fetch("SELECT * FROM runs WHERE batch_id = ? ORDER BY instance", (batch_id,))
        return [_run_row(r) for r in rows]

    # -- verifiers ----------------------------------------------------------------------------------

    async def put_verifier(self, namespace: str, verifier: VerifierRow) -> None:
        await self.driver.execute("DELETE FROM verifiers WHERE namespace = ? AND name = ?", (namespace, verifier.name))
        await self.driver.execute(
            "INSERT INTO verifiers (namespace, name, url, hard) VALUES (?, ?, ?, ?)",
            (namespace, verifier.name, verifier.url, int(verifier.hard)),
        )

    async def verifiers(self, namespace: str) -> list[VerifierRow]:
        rows = await self.driver.fetch(
            "SELECT name, url, hard FROM verifiers WHERE namespace = ? ORDER BY name", (namespace,)
        )
        return [VerifierRow(name=r["name"], url=r["url"], hard=bool(r["hard"])) for r in rows]

    # -- metrics ------------------------------------------------------------------------------------

    async def status_counts(self) -> dict[str, int]:
        rows = await self.driver.fetch("SELECT status, COUNT(*) AS n FROM runs GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    async def round_totals(self) -> dict[str, float]:
        """Rounds, tokens and LLM seconds over every stored round."""
        rows = await self.driver.fetch(
            "SELECT COUNT(*) AS rounds, COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens, "
            "COALESCE(SUM(completion_tokens), 0) AS completion_tokens, COALESCE(SUM(llm_seconds), 0) AS llm_seconds "
            "FROM rounds"
        )
        return {k: float(v) for k, v in rows[0].items()}
