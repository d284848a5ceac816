"""Soft critics: they never decide validity, they add feedback (and a little energy)."""

from __future__ import annotations

from typing import ClassVar

from domains import Plan, PlanningTask

from ._verdict import Verdict, Violation


class PlanLengthCritic:
    """Flags plans longer than ``max_steps``."""

    name = "plan-length"
    supports: ClassVar[frozenset[str]] = frozenset({"*"})

    def __init__(self, max_steps: int, hard: bool = False) -> None:
        self.max_steps = max_steps
        self.hard = hard

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        excess = len(plan) - self.max_steps
        if excess <= 0:
            return Verdict(verifier=self.name, hard=self.hard, valid=True)
        violation = Violation(
            kind="constraint",
            message=f"the plan has {len(plan)} steps; it should have at most {self.max_steps}",
        )
        return Verdict(verifier=self.name, hard=self.hard, valid=False, violations=(violation,), energy=float(excess))


class ForbiddenActionsCritic:
    """Flags steps that use actions the user does not want (e.g. an expensive ``fly-airplane``)."""

    name = "forbidden-actions"
    supports: ClassVar[frozenset[str]] = frozenset({"*"})

    def __init__(self, actions: frozenset[str] | set[str], hard: bool = False) -> None:
        self.actions = frozenset(a.lower() for a in actions)
        self.hard = hard

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        violations = tuple(
            Violation(kind="constraint", step=i, action=step.to_pddl(), message=f"action {step.action} is not allowed")
            for i, step in enumerate(plan.steps, start=1)
            if step.action.lower() in self.actions
        )
        return Verdict(
            verifier=self.name,
            hard=self.hard,
            valid=not violations,
            violations=violations,
            energy=float(len(violations)),
        )
