"""The batch runner: many tasks through the loop, durable in one folder, resumable after a crash.

A batch folder holds::

    batch.json           what the batch is (source, options, LLM): a rerun must ask for the same
    results.jsonl        one finished run per line: a RunResult plus its "instance" name
    checkpoints.sqlite   LangGraph checkpoints of the runs in progress (a finished run's are deleted)

Run ids are derived from the batch and the instance, so running the same batch again into the same folder
skips the instances already in ``results.jsonl`` and resumes the others after their last completed round,
without asking the LLM again for the rounds it answered.  The runner is used by ``modulo batch`` and is
meant for the REST service too: it takes a typed :class:`BatchSpec`, an optional LLM client, and reports
progress through a :class:`BatchProgress`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.graph import Round, RoundCheckpointer, RunOptions, RunResult, run_task, sqlite_checkpointer
from agents.llm import LLMClient, make_client
from agents.memory import LessonStore, SqliteLessonStore
from domains import ModuloError, PlanningTask, UsageError
from verifiers import Verifier

log = logging.getLogger("modulo.batch")

RESULTS = "results.jsonl"
MANIFEST = "batch.json"
CHECKPOINTS = "checkpoints.sqlite"
LESSONS = "lessons.sqlite"


class BatchItem(BaseModel):
    """One task of a batch under a name unique within the batch (e.g. ``generated_basic/instance-3``)."""

    model_config = ConfigDict(frozen=True)

    instance: str = Field(min_length=1)
    task: PlanningTask


class BatchRecord(RunResult):
    """A line of ``results.jsonl``: the run's :class:`RunResult` and the instance it ran on."""

    instance: str


class BatchSpec(BaseModel):
    """What to run: the tasks, how (``options``), how many at once, and where the batch folder is."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str = Field(description="what the items came from, e.g. 'blocksworld generated size=3 seed=0'")
    items: tuple[BatchItem, ...]
    options: RunOptions = RunOptions()
    out: Path
    concurrency: int = Field(default=1, ge=1, le=1024)
    lessons_db: Path | None = Field(default=None, description=f"default: <out>/../{LESSONS}")
    retry_errors: bool = Field(default=False, description="run again the instances whose result is an error")

    @property
    def lessons_path(self) -> Path:
        return self.lessons_db if self.lessons_db is not None else self.out.parent / LESSONS


class BatchManifest(BaseModel):
    """``batch.json``: the settings a batch folder was started with; a rerun must match them."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    source: str
    options: dict[str, Any] = Field(description="RunOptions without the LLM settings")
    provider: str
    model: str | None
    created_at: datetime | None = None
    instances: tuple[str, ...] = Field(
        default=(), description="the items of the latest call, in order (not part of the identity: a rerun "
        "may add instances)"
    )

    def identity(self) -> dict[str, Any]:
        return {"source": self.source, "options": self.options, "provider": self.provider, "model": self.model}


class BatchOutcome(BaseModel):
    """What a call of :func:`run_batch` did; ``records`` holds every result of the folder, in item order."""

    model_config = ConfigDict(frozen=True)

    out: Path
    manifest: BatchManifest
    records: tuple[BatchRecord, ...]
    skipped: int = Field(description="instances already finished before this call")
    ran: int = Field(description="runs finished by this call (resumed ones included)")
    resumed: int = Field(description="runs that continued from a checkpoint")


class BatchProgress(Protocol):
    """Hooks for a progress display; every method is called on the event loop, and must not block."""

    def batch_started(self, total: int, done: int) -> None: ...

    def run_started(self, item: BatchItem, resumed_rounds: int) -> None: ...

    def round_done(self, item: BatchItem, round_: Round) -> None: ...

    def run_finished(self, record: BatchRecord) -> None: ...


class _Silent:
    def batch_started(self, total: int, done: int) -> None:
        pass

    def run_started(self, item: BatchItem, resumed_rounds: int) -> None:
        pass

    def round_done(self, item: BatchItem, round_: Round) -> None:
        pass

    def run_finished(self, record: BatchRecord) -> None:
        pass


# -- the results file -------------------------------------------------------------------------------------


def read_results(out: Path) -> list[BatchRecord]:
    """The records of ``out/results.jsonl``, in the order the batch lists its instances (the file is in the
    order runs finished).  A line cut short by a crash is ignored."""
    records = list(_load_results(out / RESULTS, repair=False).values())
    manifest = read_manifest(out)
    if manifest is not None and manifest.instances:
        order = {name: i for i, name in enumerate(manifest.instances)}
        records.sort(key=lambda r: order.get(r.instance, len(order)))
    return records


def _load_results(path: Path, *, repair: bool) -> dict[str, BatchRecord]:
    """Records by instance (the first one wins).  ``repair``: rewrite the file without unreadable lines, so
    that the next append does not land on a torn last line."""
    if not path.exists():
        return {}
    records: dict[str, BatchRecord] = {}
    bad = 0
    kept: list[str] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = BatchRecord.model_validate_json(line)
        except ValidationError:
            bad += 1
            log.warning("%s:%d is not a result (cut short by a crash?); ignored", path, number)
            continue
        if record.instance not in records:
            records[record.instance] = record
            kept.append(line)
    if repair and (bad or (text and not text.endswith("\n"))):
        _atomic_write(path, "".join(f"{line}\n" for line in kept))
    return records


def _append(path: Path, record: BatchRecord) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(record.model_dump_json() + "\n")
        file.flush()
        os.fsync(file.fileno())


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


# -- identity -----------------------------------------------------------------------------------------------


def manifest_for(source: str, options: RunOptions, instances: Sequence[str] = ()) -> BatchManifest:
    llm = options.llm
    identity: dict[str, Any] = {
        "source": source,
        "options": options.model_dump(mode="json", exclude={"llm"}),
        "provider": llm.provider if llm else "local",
        "model": llm.model if llm else None,
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    return BatchManifest(batch_id=digest, created_at=datetime.now(UTC), instances=tuple(instances), **identity)


def run_id_for(batch_id: str, instance: str, attempt: int = 0) -> str:
    """``<batch id>/<instance>``, plus ``#<attempt>`` for a retried error; the same on every rerun."""
    return f"{batch_id}/{instance}" + (f"#{attempt}" if attempt else "")


def _attempt_of(run_id: str) -> int:
    found = re.search(r"#(\d+)$", run_id)
    return int(found.group(1)) if found else 0


def read_manifest(out: Path) -> BatchManifest | None:
    """``out/batch.json``, or ``None`` if the folder has none."""
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return BatchManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise UsageError(f"{path} is not a batch manifest ({exc.error_count()} problems); use another --out") from None


def _check_manifest(out: Path, wanted: BatchManifest) -> BatchManifest:
    path = out / MANIFEST
    stored = read_manifest(out)
    if stored is None:
        _atomic_write(path, wanted.model_dump_json(indent=2) + "\n")
        return wanted
    if stored.identity() != wanted.identity():
        raise UsageError(
            f"{out} holds a batch with other settings ({_differences(stored.identity(), wanted.identity())}). "
            "Rerun with the same settings to resume it, or give another --out."
        )
    if stored.instances != wanted.instances:
        stored = stored.model_copy(update={"instances": wanted.instances})
        _atomic_write(path, stored.model_dump_json(indent=2) + "\n")
    return stored


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> str:
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            inner = _differences(a, b, f"{prefix}{key}.")
            if inner:
                changes.append(inner)
        elif a != b:
            changes.append(f"{prefix}{key}: {a!r} → {b!r}")
    return "; ".join(changes)


# -- running ------------------------------------------------------------------------------------------------


async def run_batch(
    spec: BatchSpec,
    *,
    llm: LLMClient | None = None,
    verifiers: Sequence[Verifier] | None = None,
    progress: BatchProgress | None = None,
) -> BatchOutcome:
    """Run every item of ``spec`` not yet finished in ``spec.out``; resumable, see the module docstring.

    ``llm``: a client to share (the caller closes it); default: one built from ``spec.options.llm`` and
    kept open for the whole batch (the embedded model's server starts once).  Raises ``UsageError`` if the
    folder holds a batch with other settings, or if two items share a name.
    """
    progress = progress or _Silent()
    names = [item.instance for item in spec.items]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UsageError(f"Instance names must be unique in a batch; repeated: {', '.join(twice[:5])}")
    spec.out.mkdir(parents=True, exist_ok=True)
    manifest = _check_manifest(spec.out, manifest_for(spec.source, spec.options, names))
    results_path = spec.out / RESULTS
    finished = _load_results(results_path, repair=True)
    attempts: dict[str, int] = {}
    if spec.retry_errors:
        failed = {name for name, r in finished.items() if r.status == "error" and name in names}
        if failed:
            attempts = {name: _attempt_of(finished[name].run_id) + 1 for name in failed}
            finished = {name: r for name, r in finished.items() if name not in failed}
            _atomic_write(results_path, "".join(r.model_dump_json() + "\n" for r in finished.values()))
    todo = [item for item in spec.items if item.instance not in finished]
    skipped = len(spec.items) - len(todo)
    progress.batch_started(len(spec.items), skipped)
    counts = {"ran": 0, "resumed": 0}

    if todo:
        async with contextlib.AsyncExitStack() as stack:
            client = llm if llm is not None else await stack.enter_async_context(make_client(spec.options.llm))
            # one checkpoint per round (before the LLM is asked): a resumed run never pays twice for an answer
            saver = await stack.enter_async_context(sqlite_checkpointer(spec.out / CHECKPOINTS))
            checkpointer = RoundCheckpointer(saver)
            store: LessonStore | None = None
            if spec.options.memory:
                store = await stack.enter_async_context(_lesson_store(spec.lessons_path))
            queue: asyncio.Queue[BatchItem] = asyncio.Queue()
            for item in todo:
                queue.put_nowait(item)

            async def worker() -> None:
                while not queue.empty():
                    item = queue.get_nowait()
                    run_id = run_id_for(manifest.batch_id, item.instance, attempts.get(item.instance, 0))
                    snapshot = await checkpointer.aget_tuple({"configurable": {"thread_id": run_id}})
                    done_rounds = len(snapshot.checkpoint["channel_values"].get("rounds") or ()) if snapshot else 0
                    if snapshot is not None:
                        counts["resumed"] += 1
                    progress.run_started(item, done_rounds)
                    result = await _run_one(item, spec.options, client, verifiers, store, checkpointer, run_id,
                                            progress)
                    record = BatchRecord(instance=item.instance, **dict(result))
                    _append(results_path, record)
                    finished[item.instance] = record
                    counts["ran"] += 1
                    await checkpointer.adelete_thread(run_id)
                    progress.run_finished(record)

            try:
                async with asyncio.TaskGroup() as group:
                    for _ in range(min(spec.concurrency, len(todo))):
                        group.create_task(worker())
            except BaseExceptionGroup as failed:  # one worker failed, the others were cancelled: say why
                if len(failed.exceptions) == 1:
                    raise failed.exceptions[0] from None
                raise

    records = tuple(finished[name] for name in names if name in finished)
    return BatchOutcome(
        out=spec.out, manifest=manifest, records=records, skipped=skipped, ran=counts["ran"],
        resumed=counts["resumed"],
    )


async def _run_one(
    item: BatchItem,
    options: RunOptions,
    llm: LLMClient,
    verifiers: Sequence[Verifier] | None,
    store: LessonStore | None,
    checkpointer: Any,
    run_id: str,
    progress: BatchProgress,
) -> RunResult:
    try:
        return await run_task(
            item.task, options, llm=llm, verifiers=verifiers, store=store, checkpointer=checkpointer,
            run_id=run_id, on_round=lambda r: progress.round_done(item, r),
        )
    except ModuloError as exc:  # this instance cannot be run (e.g. malformed PDDL): record why, go on
        log.warning("%s: %s", item.instance, exc)
        now = datetime.now(UTC)
        return RunResult(
            run_id=run_id, status="error", reason=str(exc), task_hash=item.task.content_hash, options=options,
            started_at=now, finished_at=now,
        )


@contextlib.asynccontextmanager
async def _lesson_store(path: Path) -> AsyncIterator[SqliteLessonStore]:
    async with SqliteLessonStore(path) as store:
        yield store
