"""The graph's state: plain JSON values only, so any checkpointer stores it without custom serialisation.

Pydantic models cross into the state as ``model_dump(mode="json")`` dicts and are validated back where
they are used; a checkpoint written by one Modulo process can so be read by any other.
"""

from __future__ import annotations

from typing import Any, TypedDict

Json = dict[str, Any]


class LoopState(TypedDict, total=False):
    """Everything a run needs to continue after a crash.  Each node returns only the keys it changes."""

    run_id: str
    task: Json
    """The :class:`PlanningTask` (domain and problem PDDL)."""
    task_hash: str
    options: Json
    """:class:`RunOptions` without the LLM settings."""
    started_at: str
    prompt: str
    """The first user prompt; every conversation starts with it."""
    messages: list[Json]
    """The chat messages the next ``propose`` sends."""
    lessons_used: list[Json]
    pending: Json | None
    """The round in progress: what ``propose``, ``extract`` and ``verify`` have produced so far."""
    rounds: list[Json]
    usage: Json
    status: str | None
    reason: str
    failed_at: str | None
    """The node whose run failure ended the run with ``error``: a rerun retries from there."""
    plan: Json | None
    lessons_learned: list[Json]
    finished_at: str
