"""``/v1/batches``: many runs at once (a domain's instance set, a generated set or a list of tasks), with
progress and, once every run has finished, the report of :mod:`service._report`."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException

from domains import UsageError

from .._batch import BatchRecord
from .._batch_source import resolve_source
from .._records import FINISHED, RunRow, now
from .._report import instance_rows, summarize
from ._deps import Namespace, StateDep
from ._runs import verifier_specs
from ._schemas import BatchCreate, BatchProgress, BatchView, Problem
from ._tasks import checked, shipped_domain, task_of

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post("", status_code=201, response_model=BatchView, responses={422: {"model": Problem}})
async def create_batch(body: BatchCreate, state: StateDep, namespace: Namespace) -> BatchView:
    """Queue one run per task; follow it with GET /v1/batches/{id}."""
    options = body.options.model_dump(exclude_unset=True)
    from agents.graph import RunOptions

    run_options = RunOptions.model_validate({**options, "namespace": namespace})
    if body.domain is not None:
        shipped_domain(body.domain)  # only shipped domains: never a path on the server
        try:
            source, items = resolve_source(body.domain, n=body.n, instance_set=body.instance_set,
                                           generate=body.generate, size=body.size, seed=body.seed)
        except UsageError as exc:
            raise HTTPException(422, str(exc)) from None
        named = [(item.instance, item.task) for item in items]
    else:
        tasks = body.tasks or []
        names = [t.name for t in tasks]
        if len(set(names)) != len(names):
            raise HTTPException(422, "Task names must be unique within a batch.")
        named = [(t.name, await checked(task_of(t), t.name)) for t in tasks][: body.n]
        source = f"{len(named)} tasks"
    if not named:
        raise HTTPException(422, "The batch has no tasks.")
    if len(named) > state.settings.max_batch_runs:
        raise HTTPException(422, f"A batch takes at most {state.settings.max_batch_runs} runs; got {len(named)}.")
    verifiers = await verifier_specs(state, namespace, body.verifiers)
    batch_id = uuid.uuid4().hex
    records = state.runtime.records
    await records.create_batch(batch_id, namespace, source, len(named), run_options.model_dump(mode="json"))
    rows = []
    for instance, task in named:
        task_json = task.model_dump(mode="json", exclude={"content_hash"})
        digest = hashlib.sha256(json.dumps([task_json, options], sort_keys=True).encode()).hexdigest()
        rows.append(RunRow(
            id=uuid.uuid4().hex, namespace=namespace, status="queued", request_hash=digest, batch_id=batch_id,
            instance=instance, task=task_json, options=run_options.model_dump(mode="json"), verifiers=verifiers,
            created_at=now(),
        ))
    await records.create_runs(rows)
    await state.backend.submit([r.id for r in rows])
    return await _view(state, namespace, batch_id)


@router.get("/{batch_id}", response_model=BatchView, responses={404: {"model": Problem}})
async def get_batch(batch_id: str, state: StateDep, namespace: Namespace) -> BatchView:
    """Progress, and the report once every run has finished."""
    return await _view(state, namespace, batch_id)


async def _view(state: StateDep, namespace: str, batch_id: str) -> BatchView:
    records = state.runtime.records
    batch = await records.get_batch(batch_id, namespace) if len(batch_id) <= 200 else None
    if batch is None:
        raise HTTPException(404, f"No batch {batch_id!r} for this API key.")
    statuses = await records.batch_statuses(batch_id)
    by_status: dict[str, int] = {}
    for run in statuses:
        by_status[run["status"]] = by_status.get(run["status"], 0) + 1
    finished = sum(n for s, n in by_status.items() if s in FINISHED)
    done = finished == batch["total"]
    report: dict[str, Any] | None = None
    markdown: str | None = None
    if done:  # the results are read only now: polling a large batch's progress stays cheap
        runs = await records.batch_runs(batch_id)
        statuses = [{"id": r.id, "instance": r.instance, "status": r.status} for r in runs]
        results = [BatchRecord(instance=r.instance or r.id, **dict(r.result)) for r in runs if r.result is not None]
        summary = summarize(results, batch["source"], planned=batch["total"])
        rows = instance_rows(results)
        report = {"summary": summary.model_dump(mode="json"), "instances": [r.model_dump(mode="json") for r in rows]}
        markdown = _markdown(batch["source"], summary.model_dump(), [r.model_dump() for r in rows])
    return BatchView(
        id=batch_id, source=batch["source"], created_at=batch["created_at"], done=done,
        progress=BatchProgress(total=batch["total"], queued=by_status.get("queued", 0),
                               running=by_status.get("running", 0), finished=finished, by_status=by_status),
        runs=[{"id": r["id"], "instance": r["instance"], "status": r["status"]} for r in statuses],
        report=report, report_markdown=markdown,
    )


def _markdown(source: str, summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    finished = summary["finished"] or 1
    lines = [
        f"# Batch report: {source}", "",
        f"{summary['solved']}/{summary['finished']} solved ({100 * summary['solved'] / finished:.0f}%), "
        f"{summary['unsolved']} unsolved, {summary['error']} errors, {summary['cancelled']} cancelled; "
        f"{summary['llm_calls']} LLM calls, {summary['tokens']} tokens.", "",
        "| instance | status | rounds | solved in round | LLM calls | tokens | plan length |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['instance']} | {r['status']} | {r['rounds']} | {r['solved_round'] or ''} | "
                     f"{r['llm_calls']} | {r['tokens']} | {r['plan_length'] if r['plan_length'] is not None else ''} |")
    return "\n".join(lines) + "\n"
