"""A checkpointer that persists one checkpoint per round: the one before the LLM is asked.

LangGraph checkpoints every step, and a round of the loop is five steps (propose, extract, verify, decide,
back_prompt).  Only one of them costs money: ``propose``.  Everything after it up to the next ``propose`` is
cheap and deterministic (the design's nodes are idempotent), so a resumed run may recompute it.  What must
survive a crash is the state before each ``propose`` and the LLM's answer (the writes of the ``propose``
task, which LangGraph stores against that checkpoint).  :class:`RoundCheckpointer` wraps any saver and
passes on exactly those, plus the checkpoints that are not steps of the loop (the input, ``update_state``)
and the final one (nothing left to run, it holds the result).  Steps in between stay in memory; the channels
they changed are written with the next checkpoint that is kept.

A two-round run passes on 4 checkpoints and 3 sets of writes instead of 13 and 12.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)

_TRIGGER = "branch:to:"


@dataclass
class _Thread:
    saved_id: str | None = None  # the last checkpoint passed on
    skipped: set[str] = field(default_factory=set)  # checkpoints kept in memory only, since then
    changed: set[str] = field(default_factory=set)  # channels they changed
    writing: set[asyncio.Future[None]] = field(default_factory=set)  # writes passed on, not yet stored


class RoundCheckpointer(BaseCheckpointSaver[Any]):
    """Persist, through ``inner``, the checkpoints a resume needs to never ask the LLM twice: those whose
    next step is one of ``expensive`` nodes, the last one of a run, and those not made by a loop step."""

    def __init__(self, inner: BaseCheckpointSaver[Any], expensive: frozenset[str] = frozenset({"propose"})) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner
        self.expensive = expensive
        self._threads: dict[tuple[str, str], _Thread] = {}

    @staticmethod
    def _key(config: RunnableConfig) -> tuple[str, str]:
        configurable = config["configurable"]
        return str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", ""))

    def _keeps(self, checkpoint: Checkpoint, metadata: CheckpointMetadata) -> bool:
        if metadata.get("source") != "loop":
            return True
        following = {name[len(_TRIGGER):] for name in checkpoint["channel_values"] if name.startswith(_TRIGGER)}
        return not following or bool(following & self.expensive)

    async def aput(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        key = self._key(config)
        thread = self._threads.setdefault(key, _Thread())
        if thread.writing:  # an LLM answer is durable before the next step starts, as with every-step saving
            await asyncio.gather(*thread.writing)
        own: RunnableConfig = {
            "configurable": {"thread_id": key[0], "checkpoint_ns": key[1], "checkpoint_id": checkpoint["id"]}
        }
        if not self._keeps(checkpoint, metadata):
            thread.skipped.add(checkpoint["id"])
            thread.changed.update(new_versions)
            return own
        current = checkpoint["channel_versions"]
        versions = {name: current[name] for name in (*thread.changed, *new_versions) if name in current}
        parent = config
        if config["configurable"].get("checkpoint_id") in thread.skipped:  # link to the last one kept
            parent = {"configurable": {**config["configurable"], "checkpoint_id": thread.saved_id}}
            if thread.saved_id is None:
                del parent["configurable"]["checkpoint_id"]
        saved = await self.inner.aput(parent, checkpoint, metadata, versions)
        if metadata.get("source") == "loop" and not self._keeps_more(checkpoint):
            self._threads.pop(key, None)  # the run is over
        else:
            self._threads[key] = _Thread(saved_id=checkpoint["id"])
        return saved

    @staticmethod
    def _keeps_more(checkpoint: Checkpoint) -> bool:
        return any(name.startswith(_TRIGGER) for name in checkpoint["channel_values"])

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        thread = self._threads.get(self._key(config))
        if thread is not None and config["configurable"].get("checkpoint_id") in thread.skipped:
            return  # writes against a checkpoint kept in memory only: recomputed on resume
        # LangGraph writes in the background and does not wait for it before the next checkpoint; the next
        # aput waits instead (the writes of every step in between would otherwise have queued behind them)
        stored = asyncio.ensure_future(self.inner.aput_writes(config, writes, task_id, task_path))
        if thread is not None:
            thread.writing.add(stored)
            stored.add_done_callback(thread.writing.discard)
        await asyncio.shield(stored)  # a run cancelled now still stores the answer it paid for

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        found = await self.inner.aget_tuple(config)
        if not config["configurable"].get("checkpoint_id"):  # a run (re)starts from what was persisted
            key = self._key(config)
            self._threads[key] = _Thread(saved_id=found.config["configurable"]["checkpoint_id"] if found else None)
        return found

    def alist(
        self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None, limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        return self.inner.alist(config, filter=filter, before=before, limit=limit)

    async def adelete_thread(self, thread_id: str) -> None:
        for key in [k for k in self._threads if k[0] == thread_id]:
            del self._threads[key]
        await self.inner.adelete_thread(thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self.inner.aprune(thread_ids, strategy=strategy)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self.inner.adelete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self.inner.acopy_thread(source_thread_id, target_thread_id)

    async def aget_delta_channel_history(self, *, config: RunnableConfig, channels: Sequence[str]) -> Any:
        return await self.inner.aget_delta_channel_history(config=config, channels=channels)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> RoundCheckpointer:
        inner = self.inner.with_allowlist(extra_allowlist)
        if inner is self.inner:
            return self
        clone = RoundCheckpointer(inner, self.expensive)
        clone._threads = self._threads
        return clone
