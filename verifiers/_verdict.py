"""Verdicts: what a verifier says about a plan, as values (never exceptions)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ViolationKind = Literal[
    "syntax",
    "unknown_action",
    "wrong_arity",
    "unknown_object",
    "type_mismatch",
    "precondition",
    "goal",
    "constraint",
    "timeout",
    "error",
]


class Violation(BaseModel):
    """One reason a plan is not valid (or, for soft critics, not good)."""

    model_config = ConfigDict(frozen=True)

    kind: ViolationKind
    step: int | None = Field(default=None, description="1-based index of the step, when it concerns one")
    action: str | None = Field(default=None, description="the step as PDDL, e.g. '(unstack a b)'")
    missing: tuple[str, ...] = Field(
        default=(), description="PDDL literals that should hold but do not, e.g. '(clear a)', '(not (on a b))'"
    )
    message: str = ""


class Verdict(BaseModel):
    """One verifier's judgement of one plan."""

    model_config = ConfigDict(frozen=True)

    verifier: str
    hard: bool = True
    valid: bool
    violations: tuple[Violation, ...] = ()
    energy: float = Field(default=0.0, description="0 for a valid plan, larger the further from valid")
    raw: Any = None

    @property
    def first_violation(self) -> Violation | None:
        return self.violations[0] if self.violations else None
