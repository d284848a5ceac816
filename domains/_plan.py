"""Plans: an ordered list of ground steps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Step(BaseModel):
    """One ground action: ``(unstack a b)`` is ``Step(action="unstack", args=("a", "b"))``."""

    model_config = ConfigDict(frozen=True)

    action: str
    args: tuple[str, ...] = ()
    line: int | None = Field(default=None, description="1-based line of the source text it came from")

    def to_pddl(self) -> str:
        return "(" + " ".join((self.action, *self.args)) + ")"


class Plan(BaseModel):
    """A sequential plan.  Names are kept as written; the validator compares them case-insensitively."""

    model_config = ConfigDict(frozen=True)

    steps: tuple[Step, ...] = ()

    @classmethod
    def of(cls, *lines: str) -> Plan:
        """Build a plan from PDDL action lines: ``Plan.of("(pick-up a)", "(stack a b)")``."""
        steps = []
        for text in lines:
            parts = text.strip().strip("()").split()
            steps.append(Step(action=parts[0], args=tuple(parts[1:])))
        return cls(steps=tuple(steps))

    def to_pddl(self) -> str:
        return "\n".join(step.to_pddl() for step in self.steps)

    def __len__(self) -> int:
        return len(self.steps)
