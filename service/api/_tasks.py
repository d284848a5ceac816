"""Turning request task fields into a checked :class:`PlanningTask` (errors become clear 4xx answers)."""

from __future__ import annotations

import asyncio
import functools

from fastapi import HTTPException

from domains import Domain, PDDLError, PlanningTask, UsageError, shipped

from ._schemas import TaskFields


class PDDLProblem(Exception):
    """A task that does not parse: answered 422 with the file, line and reason."""

    def __init__(self, error: PDDLError, name: str | None = None) -> None:
        self.error = error
        self.name = name


@functools.cache
def _shipped() -> dict[str, Domain]:
    return dict(shipped())


def shipped_domain(name: str) -> Domain:
    found = _shipped().get(name)
    if found is None:
        names = ", ".join(sorted(_shipped()))
        raise HTTPException(422, f"Unknown domain {name!r}; shipped domains: {names} (GET /v1/domains).")
    return found


def _instance(domain: Domain, instance: str) -> PlanningTask:
    for set_name in sorted(domain.instance_dirs):
        for path in domain.instance_paths(set_name):
            if instance in (path.stem, f"{set_name}/{path.stem}"):
                return domain.task(path)
    raise HTTPException(
        422, f"Domain {domain.name!r} has no instance {instance!r}; name one as '<instance set>/<stem>' "
        "(GET /v1/domains lists the sets)."
    )


def task_of(fields: TaskFields) -> PlanningTask:
    if fields.domain is not None and fields.instance is not None:
        return _instance(shipped_domain(fields.domain), fields.instance)
    return PlanningTask(domain_pddl=fields.domain_pddl or "", problem_pddl=fields.problem_pddl or "")


def _parse(task: PlanningTask) -> None:
    task.model()


async def checked(task: PlanningTask, name: str | None = None) -> PlanningTask:
    """``task`` once it parses (in a thread: parsing takes tens of milliseconds)."""
    try:
        await asyncio.to_thread(_parse, task)
    except PDDLError as exc:
        raise PDDLProblem(exc, name) from None
    except UsageError as exc:
        raise HTTPException(422, f"{name + ': ' if name else ''}{exc}") from None
    except (RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError) as exc:
        # the parser underneath may fail on garbage in ways it does not name; it is still bad input
        where = f"{name}: " if name else ""
        raise HTTPException(422, f"{where}the PDDL could not be read ({type(exc).__name__})") from None
    return task
