"""``/v1/runs``: create (idempotently), list, read, stream (SSE) and cancel runs."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response
from sse_starlette.sse import EventSourceResponse

from .._records import RunRow, RunState, now
from ._deps import AppState, Namespace, StateDep
from ._schemas import Problem, RunCreate, RunList, RunSummary, RunView, plan_lines
from ._tasks import checked, task_of

router = APIRouter(prefix="/v1/runs", tags=["runs"])
_NOT_FOUND = {404: {"model": Problem, "description": "no such run for this key"}}


def run_view(row: RunRow, rounds: list[Any] | None = None) -> RunView:
    result = row.result
    return RunView(
        id=row.id, status=row.status, created_at=row.created_at, started_at=row.started_at,
        finished_at=row.finished_at, batch_id=row.batch_id, instance=row.instance,
        domain=result.domain if result else "", problem=result.problem if result else "",
        cancel_requested=row.cancel_requested, plan=plan_lines(result.plan) if result else None,
        reason=result.reason if result else None,
        rounds=list(result.rounds) if result else (rounds or []), result=result,
    )


async def verifier_specs(state: AppState, namespace: str, names: list[str]) -> list[dict[str, Any]]:
    registered = {v.name: v for v in await state.runtime.records.verifiers(namespace)}
    missing = [n for n in names if n not in registered and n != "pddl"]
    if missing:
        raise HTTPException(422, f"Unknown verifier(s) {', '.join(map(repr, missing))}; register them with "
                                 "POST /v1/verifiers (GET /v1/verifiers lists them).")
    return [registered[n].model_dump() for n in dict.fromkeys(names) if n != "pddl"]


@router.post(
    "", status_code=201, response_model=RunView,
    responses={200: {"model": RunView, "description": "the run created earlier with this Idempotency-Key"},
               409: {"model": Problem}, 422: {"model": Problem}},
)
async def create_run(
    body: RunCreate,  # type: ignore[valid-type]
    state: StateDep,
    namespace: Namespace,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> RunView:
    """Create a run: inline PDDL or a shipped domain's instance, plus any RunOptions field.

    The same ``Idempotency-Key`` (per API key) never creates two runs: the first run is returned (200).
    """
    request_hash = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    records = state.runtime.records
    task = await checked(task_of(body))
    options = body.run_options(namespace)
    row = RunRow(
        id=uuid.uuid4().hex, namespace=namespace, status="queued", idempotency_key=idempotency_key,
        request_hash=request_hash, task=task.model_dump(mode="json", exclude={"content_hash"}),
        options=options.model_dump(mode="json"),
        verifiers=await verifier_specs(state, namespace, body.verifiers), created_at=now(),
    )
    stored, created = await records.create_run(row)
    if not created:
        if stored.request_hash != request_hash:
            raise HTTPException(409, "This Idempotency-Key was used for another request; use a new key.")
        response.status_code = 200
        return run_view(stored, await records.rounds(stored.id))
    await state.backend.submit([row.id])
    return run_view(row)


async def _own_run(state: AppState, namespace: str, run_id: str) -> RunRow:
    row = await state.runtime.records.get_run(run_id, namespace) if len(run_id) <= 200 else None
    if row is None:
        raise HTTPException(404, f"No run {run_id!r} for this API key.")
    return row


@router.get("", response_model=RunList)
async def list_runs(
    state: StateDep,
    namespace: Namespace,
    status: Annotated[RunState | None, Query(description="only runs in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> RunList:
    """This key's runs, newest first, a page at a time."""
    rows = await state.runtime.records.list_runs(namespace, status=status, limit=limit + 1, offset=offset)
    return RunList(runs=[RunSummary.model_validate(r) for r in rows[:limit]],
                   next_offset=offset + limit if len(rows) > limit else None)


@router.get("/{run_id}", response_model=RunView, responses=_NOT_FOUND)
async def get_run(run_id: str, state: StateDep, namespace: Namespace) -> RunView:
    """A run's status, plan (once solved) and trace (the rounds completed so far)."""
    row = await _own_run(state, namespace, run_id)
    return run_view(row, None if row.result else await state.runtime.records.rounds(run_id))


@router.post("/{run_id}/cancel", status_code=202, response_model=RunView, responses=_NOT_FOUND)
async def cancel(run_id: str, state: StateDep, namespace: Namespace) -> RunView:
    """Ask a run to stop: a queued run is cancelled at once, a running one after its current step."""
    row = await _own_run(state, namespace, run_id)
    if not row.finished:
        await state.backend.cancel(run_id)
    row = await _own_run(state, namespace, run_id)
    return run_view(row, None if row.result else await state.runtime.records.rounds(run_id))


@router.get(
    "/{run_id}/events", responses={**_NOT_FOUND, 200: {"content": {"text/event-stream": {}},
                                                        "description": "round and end events"}},
)
async def events(run_id: str, state: StateDep, namespace: Namespace) -> EventSourceResponse:
    """Server-sent events: ``round`` (a Round as JSON) for every completed round, rounds done before
    the call included, then one ``end`` (``{"status": ...}``)."""
    await _own_run(state, namespace, run_id)
    return EventSourceResponse(_stream(state, run_id), ping=15)


async def _stream(state: AppState, run_id: str) -> AsyncIterator[dict[str, str]]:
    records = state.runtime.records
    sent = 0
    async with state.runtime.events.subscribe(run_id) as queue:
        while True:
            for round_ in await records.rounds(run_id, after=sent):
                sent = round_.number
                yield {"event": "round", "id": str(round_.number), "data": round_.model_dump_json()}
            row = await records.get_run(run_id)
            if row is None or row.finished:
                for round_ in await records.rounds(run_id, after=sent):
                    sent = round_.number
                    yield {"event": "round", "id": str(round_.number), "data": round_.model_dump_json()}
                yield {"event": "end", "data": json.dumps({"status": row.status if row else "error"})}
                return
            with contextlib.suppress(TimeoutError):  # an event only wakes us up; the records are read again
                await asyncio.wait_for(queue.get(), timeout=2.0)
