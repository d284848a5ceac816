"""The interface every verifier implements, built-in or plug-in."""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from domains import Plan, PlanningTask

from ._verdict import Verdict


@runtime_checkable
class Verifier(Protocol):
    """Judges a plan for a task.  Hard verifiers decide validity; soft ones only add feedback.

    ``verify`` returns a :class:`Verdict` for every plan, valid or not; it raises only for misuse
    (for example PDDL it cannot read), never to say a plan is wrong.
    """

    name: str
    hard: bool
    supports: ClassVar[frozenset[str]]
    """PDDL requirements the verifier handles, e.g. ``{":strips", ":typing"}``."""

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict: ...
