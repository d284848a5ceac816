"""``modulo verify``: check a plan (or a stream of plans) for a PDDL task."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from domains import Extraction, ModuloError, PlanningTask, Renderer, extract_plan, renderer_for_task
from verifiers import Critique, Granularity, PDDLValidator, Style, Verifier, syntax_verdict, validate


class VerifyRequest(BaseModel):
    """One line of ``modulo verify --jsonl``."""

    domain: str
    problem: str
    plan: str


class VerifyReport(BaseModel):
    """What ``modulo verify --json`` prints: the verdicts, the plan read and the back-prompt text."""

    valid: bool
    energy: float
    plan: list[str]
    verdicts: list[dict[str, Any]]
    feedback: str


def load_task(domain: str, problem: str) -> PlanningTask:
    """A task from a domain file (or a shipped domain's name) and a problem file."""
    from domains import shipped

    if not Path(domain).exists() and domain in shipped():
        return shipped()[domain].task(Path(problem))
    return PlanningTask.from_files(domain, problem)


def check(
    task: PlanningTask,
    plan_text: str,
    verifiers: list[Verifier],
    granularity: Granularity,
    style: Style,
) -> VerifyReport:
    """Extract the plan from text, run every verifier, and build the report."""
    renderer: Renderer = renderer_for_task(task)
    extraction: Extraction = extract_plan(plan_text, task, renderer)
    if len(verifiers) == 1 and isinstance(verifiers[0], PDDLValidator):
        verdicts = [validate(task, extraction.plan)]  # the bulk path: no event loop per plan
    else:

        async def run_all() -> list[Any]:
            return list(await asyncio.gather(*(v.verify(task, extraction.plan) for v in verifiers)))

        verdicts = asyncio.run(run_all())
    if extraction.unreadable:
        verdicts.append(syntax_verdict(extraction))
    critique = Critique(plan=extraction.plan, verdicts=tuple(verdicts))
    return VerifyReport(
        valid=critique.valid,
        energy=critique.energy,
        plan=[s.to_pddl() for s in extraction.plan.steps],
        verdicts=[v.model_dump(mode="json", exclude={"raw"}) for v in verdicts],
        feedback=critique.feedback(granularity, style, renderer),
    )


def read_jsonl(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    with Path(source).open() as stream:
        yield from stream


def verify_jsonl(source: str, verifiers: list[Verifier], granularity: Granularity, style: Style) -> int:
    """One JSON verdict per input line, in order; tasks are parsed once per distinct content.

    A line that cannot be used (bad JSON, missing file, malformed PDDL) gets ``{"error": ...}`` and the run
    goes on; the exit status is then 2.
    """
    tasks: dict[tuple[str, str], PlanningTask] = {}
    status = 0
    for number, line in enumerate(read_jsonl(source), start=1):
        if not line.strip():
            continue
        try:
            request = VerifyRequest.model_validate_json(line)
            key = (request.domain, request.problem)
            if key not in tasks:
                tasks[key] = load_task(request.domain, request.problem)
            report = check(tasks[key], request.plan, verifiers, granularity, style)
            print(report.model_dump_json())
        except (ValidationError, OSError, ModuloError) as exc:
            status = 2
            print(json.dumps({"line": number, "error": str(exc).splitlines()[0] if str(exc) else repr(exc)}))
    return status
