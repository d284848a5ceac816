"""The embedded checkpointer: LangGraph's ``AsyncSqliteSaver`` on a file."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

log = logging.getLogger("modulo.loop")


@asynccontextmanager
async def sqlite_checkpointer(path: str | Path) -> AsyncIterator[AsyncSqliteSaver]:
    """Checkpoints of runs in an SQLite file (created with its folder), keyed by run id.

    The file is in WAL mode with ``synchronous=NORMAL``: a checkpoint survives the process being killed
    (what resuming is for), though not a power cut right after it was written; that halves the cost of a
    step against the default ``FULL``.
    """
    target = str(path)
    if target != ":memory:":
        Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)
        target = str(Path(target).expanduser())
    async with AsyncSqliteSaver.from_conn_string(target) as saver:
        await saver.setup()
        await saver.conn.execute("PRAGMA synchronous=NORMAL")
        yield saver


async def keep_latest(checkpointer: BaseCheckpointSaver[Any], run_id: str) -> None:
    """Drop a finished run's intermediate checkpoints, keeping the last (which holds its whole result).

    A 15-round run writes ~80 checkpoints (3 MB with full history); once it is over only the last is
    needed, to answer a rerun with the same id.  Savers that cannot prune keep everything.
    """
    from ._round_checkpoints import RoundCheckpointer

    if isinstance(checkpointer, RoundCheckpointer):
        checkpointer = checkpointer.inner
    if isinstance(checkpointer, AsyncSqliteSaver):
        latest = await checkpointer.aget_tuple({"configurable": {"thread_id": run_id}})
        if latest is None:
            return
        keep = latest.config["configurable"]["checkpoint_id"]
        async with checkpointer.lock:
            for table in ("writes", "checkpoints"):
                await checkpointer.conn.execute(
                    f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id != ?",
                    (run_id, keep),
                )
            await checkpointer.conn.commit()
        return
    try:
        await checkpointer.aprune([run_id], strategy="keep_latest")
    except NotImplementedError:
        log.debug("%s cannot prune; keeping every checkpoint of run %s", type(checkpointer).__name__, run_id)
