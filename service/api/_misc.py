"""Domains, lessons, verifiers, ``/metrics`` and ``/healthz``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from agents.memory import Lesson
from domains import UsageError
from verifiers import HTTPVerifier

from .._records import VerifierRow
from ._deps import Namespace, StateDep
from ._schemas import DomainView, Problem, VerifierCreate, VerifierView
from ._tasks import _shipped

router = APIRouter()
_Domain = Annotated[str | None, Query(max_length=128, description="only this PDDL domain")]


@router.get("/healthz", tags=["ops"])
async def healthz() -> dict[str, str]:
    """Liveness (no key needed)."""
    return {"status": "ok"}


@router.get("/v1/domains", response_model=list[DomainView], tags=["domains"])
async def domains(namespace: Namespace) -> list[DomainView]:
    """The shipped domains with their instance sets (name → number of instances)."""
    return [
        DomainView(name=name, description=d.description, generator=d.generator is not None,
                   instance_sets={s: len(d.instance_paths(s)) for s in sorted(d.instance_dirs)})
        for name, d in sorted(_shipped().items())
    ]


@router.get("/v1/lessons", response_model=list[Lesson], tags=["lessons"])
async def list_lessons(state: StateDep, namespace: Namespace, domain: _Domain = None) -> list[Lesson]:
    """This key's lessons (rules and exemplars), optionally for one PDDL domain."""
    return await state.runtime.lessons.list(namespace, domain)


@router.get("/v1/lessons/{lesson_id}", response_model=Lesson, tags=["lessons"], responses={404: {"model": Problem}})
async def get_lesson(lesson_id: str, state: StateDep, namespace: Namespace) -> Lesson:
    found = await state.runtime.lessons.get(namespace, lesson_id) if len(lesson_id) <= 200 else None
    if found is None:
        raise HTTPException(404, f"No lesson {lesson_id!r} for this API key.")
    return found


@router.delete("/v1/lessons/{lesson_id}", status_code=204, tags=["lessons"], responses={404: {"model": Problem}})
async def delete_lesson(lesson_id: str, state: StateDep, namespace: Namespace) -> Response:
    if len(lesson_id) > 200 or not await state.runtime.lessons.delete(namespace, lesson_id):
        raise HTTPException(404, f"No lesson {lesson_id!r} for this API key.")
    return Response(status_code=204)


@router.delete("/v1/lessons", tags=["lessons"])
async def delete_lessons(state: StateDep, namespace: Namespace, domain: _Domain = None) -> dict[str, int]:
    """Delete this key's lessons (of one PDDL domain, or all)."""
    store = state.runtime.lessons
    deleted = 0
    for lesson in await store.list(namespace, domain):
        deleted += bool(await store.delete(namespace, lesson.id))
    return {"deleted": deleted}


@router.get("/v1/verifiers", response_model=list[VerifierView], tags=["verifiers"])
async def list_verifiers(state: StateDep, namespace: Namespace) -> list[VerifierView]:
    """The PDDL validator (always used) and this key's HTTP verifiers (name them in a run's ``verifiers``)."""
    registered = await state.runtime.records.verifiers(namespace)
    return [VerifierView(name="pddl", kind="builtin", hard=True)] + [
        VerifierView(name=v.name, kind="http", url=v.url, hard=v.hard) for v in registered
    ]


@router.post("/v1/verifiers", status_code=201, response_model=VerifierView, tags=["verifiers"],
             responses={422: {"model": Problem}})
async def register_verifier(body: VerifierCreate, state: StateDep, namespace: Namespace) -> VerifierView:
    """Register an HTTP verifier by URL; its host must be on MODULO_VERIFIER_HOSTS."""
    if body.name == "pddl":
        raise HTTPException(422, "'pddl' is the built-in validator; choose another name.")
    try:
        HTTPVerifier(body.name, body.url, hard=body.hard, allowed_hosts=state.settings.allowed_verifier_hosts)
    except (UsageError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None
    await state.runtime.records.put_verifier(namespace, VerifierRow(name=body.name, url=body.url, hard=body.hard))
    return VerifierView(name=body.name, kind="http", url=body.url, hard=body.hard)


@router.get("/metrics", tags=["ops"], response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
async def metrics(state: StateDep, namespace: Namespace) -> Response:
    """Prometheus metrics over every run of the deployment (all processes: read from the records)."""
    records = state.runtime.records
    registry = CollectorRegistry()
    runs = Gauge("modulo_runs", "runs by status", ["status"], registry=registry)
    for status in ("queued", "running", "solved", "unsolved", "error", "cancelled"):
        runs.labels(status).set(0)
    for status, n in (await records.status_counts()).items():
        runs.labels(status).set(n)
    totals = await records.round_totals()
    Counter("modulo_rounds", "completed rounds", registry=registry).inc(totals["rounds"])
    tokens = Counter("modulo_llm_tokens", "LLM tokens", ["kind"], registry=registry)
    tokens.labels("prompt").inc(totals["prompt_tokens"])
    tokens.labels("completion").inc(totals["completion_tokens"])
    Counter("modulo_llm_latency_seconds", "LLM wall time over all rounds", registry=registry).inc(totals["llm_seconds"])
    Gauge("modulo_llm_latency_seconds_mean", "mean LLM wall time per round", registry=registry).set(
        totals["llm_seconds"] / totals["rounds"] if totals["rounds"] else 0.0
    )
    Gauge("modulo_queue_depth", "runs waiting for a worker", registry=registry).set(await state.backend.queue_depth())
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
