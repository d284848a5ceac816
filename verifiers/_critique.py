"""A critique gathers every verdict on one candidate plan and turns them into back-prompt text."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domains import Plan, Renderer, Step

from ._verdict import Verdict, Violation

Granularity = Literal["binary", "first", "all"]
Style = Literal["nl", "pddl"]

_LITERAL = re.compile(r"^\(\s*(not\s*\(\s*)?([^()]+?)\s*\)\s*\)?$")


class Critique(BaseModel):
    """All verdicts for one candidate plan.

    ``valid`` is true only when there is at least one hard verdict and every hard verdict accepts the plan;
    soft verdicts never change validity, they only add feedback.
    """

    model_config = ConfigDict(frozen=True)

    plan: Plan
    verdicts: tuple[Verdict, ...]

    @property
    def valid(self) -> bool:
        hard = [v for v in self.verdicts if v.hard]
        return bool(hard) and all(v.valid for v in hard)

    @property
    def energy(self) -> float:
        """Sum of the verdicts' energies: hard ones count fully, soft ones a tenth."""
        return sum(v.energy if v.hard else 0.1 * v.energy for v in self.verdicts)

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Hard violations first (in verdict order), then soft ones."""
        hard = [x for v in self.verdicts if v.hard for x in v.violations]
        soft = [x for v in self.verdicts if not v.hard for x in v.violations]
        return (*hard, *soft)

    def feedback(
        self, granularity: Granularity = "all", style: Style = "pddl", renderer: Renderer | None = None
    ) -> str:
        """The back-prompt text.

        ``binary`` says only whether the plan is valid; ``first`` explains the first problem; ``all``
        explains every problem found.  ``nl`` phrases steps and literals through the domain's renderer
        ("step 2, unstack the red block from on top of the blue block, needs: the hand is empty");
        ``pddl`` keeps them as PDDL.
        """
        if self.valid and not any(v.violations for v in self.verdicts):
            return "The plan is valid."
        if granularity == "binary":
            return "The plan is valid." if self.valid else "The plan is not valid."
        violations = self.violations
        if granularity == "first":
            violations = violations[:1]
        phrase = _NlPhrases(renderer) if style == "nl" and renderer is not None else _PddlPhrases()
        head = "The plan is valid, but:" if self.valid else "The plan is not valid."
        return "\n".join([head, *(phrase.violation(v) for v in violations)])


class _PddlPhrases:
    def literal(self, text: str) -> str:
        return text

    def step(self, violation: Violation) -> str:
        return violation.action or ""

    def violation(self, v: Violation) -> str:
        literals = ", ".join(self.literal(m) for m in v.missing)
        if v.kind == "precondition":
            return f"Step {v.step}, {self.step(v)}, is not executable; it needs: {literals}."
        if v.kind == "goal":
            return f"After the plan, the goal {literals} does not hold."
        if v.kind == "syntax":
            return f"Line {v.step}: {v.message}" if v.step else v.message
        where = f"Step {v.step}, {self.step(v)}: " if v.step else ""
        return f"{where}{v.message}"


class _NlPhrases(_PddlPhrases):
    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def literal(self, text: str) -> str:
        match = _LITERAL.match(text.strip())
        if match is None or text.strip().startswith("(="):
            return text
        negated, body = match.group(1) is not None, match.group(2)
        if body.startswith("="):
            return text
        try:
            rendered = self.renderer.render_atom(tuple(body.split()))
        except (KeyError, ValueError, IndexError):
            return text
        return f"it is not the case that {rendered}" if negated else rendered

    def step(self, violation: Violation) -> str:
        if not violation.action:
            return ""
        parts = violation.action.strip("()").split()
        try:
            return self.renderer.render_step(Step(action=parts[0], args=tuple(parts[1:])))
        except (KeyError, ValueError, IndexError):
            return violation.action

    def violation(self, v: Violation) -> str:
        literals = ", ".join(self.literal(m) for m in v.missing)
        if v.kind == "precondition":
            return f"Step {v.step}, {self.step(v)}, needs: {literals}."
        if v.kind == "goal":
            return f"After the plan, this goal is not met: {literals}."
        return super().violation(v)
