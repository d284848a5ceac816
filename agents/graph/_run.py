"""``run_task``: one LLM-Modulo run, durable and resumable by run id."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal, cast

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.grammar import for_task
from agents.llm import LLMClient
from agents.memory import Lesson, LessonStore
from domains import Plan, PlanningTask, UsageError, renderer_for_task
from verifiers import PDDLValidator, Verifier

from ._checkpoint import keep_latest
from ._graph import loop_graph, recursion_limit
from ._nodes import Deps, now
from ._options import RunOptions
from ._state import LoopState
from ._trace import Round, RunResult, RunUsage

OnRound = Callable[[Round], Awaitable[None] | None]
Durability = Literal["sync", "async", "exit"]
_RETRY_AFTER = {"propose": "back_prompt", "verify": "extract"}
"""Failed node → the node whose fixed edge leads back to it."""
_TASK_FIELDS = {"domain_pddl", "problem_pddl", "domain_source", "problem_source"}


async def run_task(
    task: PlanningTask,
    options: RunOptions | None = None,
    *,
    llm: LLMClient,
    verifiers: Sequence[Verifier] | None = None,
    store: LessonStore | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    run_id: str | None = None,
    on_round: OnRound | None = None,
    cancel: asyncio.Event | None = None,
    durability: Durability = "sync",
    keep_checkpoints: Literal["last", "all"] = "last",
) -> RunResult:
    """Run the loop on ``task`` until a plan is valid, or rounds or a budget run out.

    * ``llm``: any :class:`~agents.llm.LLMClient` (the caller opens and closes it; one client can serve
      many concurrent runs).
    * ``verifiers``: default ``[PDDLValidator()]``; at least one must be hard.
    * ``store``: lessons memory, used when ``options.memory`` is on.
    * ``checkpointer``: any LangGraph checkpointer (:func:`sqlite_checkpointer` in embedded mode).  With
      one, the run is keyed by ``run_id``: calling again with the same id resumes after the last completed
      step (LLM answers already received are not asked for again), and a finished run just returns its
      result — except one that ended in ``error``, which is retried from the step that failed.  A resumed
      run keeps the options it was started with.
    * ``on_round``: called (awaited if it returns an awaitable) after each round completes in this call.
    * ``cancel``: set it to end the run as ``cancelled`` (an LLM call in flight is abandoned).
    * ``durability``: LangGraph's mode; ``"sync"`` writes each checkpoint before the next step starts.
    * ``keep_checkpoints``: once the run is over, keep only its ``"last"`` checkpoint (enough to answer a
      rerun with its result), or ``"all"`` of them (LangGraph's history, for debugging).

    Returns a :class:`RunResult` whatever the outcome; raises only for misuse (``UsageError``, ``PDDLError``
    for a task that cannot be read, a run id reused for another task).
    """
    options = options or RunOptions()
    run_id = run_id or uuid.uuid4().hex
    task.model()  # malformed PDDL is the caller's mistake: raise before anything is spent
    verifiers = list(verifiers) if verifiers is not None else [PDDLValidator()]
    if not any(v.hard for v in verifiers):
        raise UsageError("A run needs at least one hard verifier to decide validity (e.g. PDDLValidator()).")

    def deps_for(opts: RunOptions) -> Deps:
        grammar = for_task(task, max_steps=opts.max_plan_steps) if opts.constrained else None
        return Deps(
            task=task, options=opts, llm=llm, verifiers=verifiers, renderer=renderer_for_task(task),
            store=store, grammar=grammar, cancel=cancel,
        )

    graph = loop_graph(checkpointer)
    config: dict[str, Any] = {"configurable": {"thread_id": run_id}}
    run_input: LoopState | None = _initial_state(run_id, task, options)
    stored: LoopState = {}
    if checkpointer is not None:
        snapshot = await graph.aget_state(config)
        stored = cast(LoopState, snapshot.values or {})
        if stored:
            if stored.get("task_hash") != task.content_hash:
                raise UsageError(
                    f"Run id {run_id!r} was started for another task ({stored.get('task_hash')}); "
                    "give a new run id, or the same domain and problem to resume it."
                )
            stored_options = RunOptions.model_validate({**stored["options"], "llm": options.llm})
            options = stored_options
            if snapshot.next or snapshot.tasks:
                run_input = None  # resume from the last checkpoint
            elif stored.get("status") != "error":
                return result_from_state(stored, options)
            elif (retry := _RETRY_AFTER.get(stored.get("failed_at") or "")) is not None:
                # A run failure (LLM provider down, verifier service failing) is no verdict on the task:
                # retry the failed step, keeping the rounds already paid for.
                cleared: LoopState = {"status": None, "reason": "", "failed_at": None}
                await graph.aupdate_state(config, cleared, as_node=retry)
                stored = cast(LoopState, (await graph.aget_state(config)).values)
                run_input = None
    config["recursion_limit"] = recursion_limit(options.max_rounds)

    # The state has no reducers, so the final state is the stored (or initial) state with every node's
    # update applied in order; streaming only updates spares LangGraph a full state copy per step.
    values = cast(LoopState, dict(stored if run_input is None else run_input))
    extra = {"durability": durability} if checkpointer is not None else {}
    stream = graph.astream(run_input, config, context=deps_for(options), stream_mode="updates", **extra)
    async for chunk in stream:
        for node, update in chunk.items():
            values.update(cast(LoopState, update or {}))
            if node == "decide" and on_round is not None:
                outcome = on_round(Round.model_validate(update["rounds"][-1]))
                if inspect.isawaitable(outcome):
                    await outcome
    if checkpointer is not None and keep_checkpoints == "last":
        await keep_latest(checkpointer, run_id)
    return result_from_state(values, options)


def _initial_state(run_id: str, task: PlanningTask, options: RunOptions) -> LoopState:
    return {
        "run_id": run_id,
        "task": task.model_dump(mode="json", include=_TASK_FIELDS),
        "task_hash": task.content_hash,
        "options": options.model_dump(mode="json", exclude={"llm"}),
        "started_at": now(),
        "rounds": [],
        "lessons_used": [],
        "lessons_learned": [],
        "usage": RunUsage().model_dump(mode="json"),
        "status": None,
        "reason": "",
        "plan": None,
        "pending": None,
    }


def result_from_state(state: LoopState, options: RunOptions) -> RunResult:
    """The :class:`RunResult` of a finished run's final state."""
    rounds = tuple(Round.model_validate(r) for r in state.get("rounds") or ())
    energies = [c.energy for r in rounds for c in r.candidates]
    status = state.get("status") or "error"
    plan = state.get("plan")
    task = PlanningTask.model_validate(state["task"]) if state.get("task") else None
    return RunResult(
        run_id=state.get("run_id", ""),
        status=status,  # type: ignore[arg-type]
        reason=state.get("reason") or ("the run stopped without a status" if status == "error" else ""),
        plan=Plan.model_validate(plan) if plan is not None and status == "solved" else None,
        solved_round=rounds[-1].number if status == "solved" and rounds else None,
        best_energy=min(energies) if energies else None,
        domain=task.domain_name if task else "",
        problem=task.problem_name if task else "",
        task_hash=state.get("task_hash", ""),
        rounds=rounds,
        usage=RunUsage.model_validate(state.get("usage") or {}),
        lessons_used=tuple(Lesson.model_validate(x) for x in state.get("lessons_used") or ()),
        lessons_learned=tuple(Lesson.model_validate(x) for x in state.get("lessons_learned") or ()),
        options=options,
        started_at=_time(state.get("started_at")),
        finished_at=_time(state.get("finished_at")),
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
