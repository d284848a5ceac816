"""The renderer for imported or unknown domains: PDDL-ish text in, PDDL-ish text out."""

from __future__ import annotations

import re

from .._model import Atom
from .._plan import Step
from .._task import PlanningTask
from ._text import join_and, sort_key

_ACTION = re.compile(r"\(\s*([A-Za-z][\w-]*)((?:\s+[^\s()]+)*)\s*\)")


class GenericRenderer:
    """Renders steps and atoms as PDDL (``(on a b)``) and reads one PDDL action per line.

    Without knowing what a domain's names mean, PDDL is the only honest rendering; the statement and
    plan markers still follow PlanBench so prompts look the same across domains.
    """

    def __init__(self, domain_pddl: str = "", name: str = "") -> None:
        self.domain_pddl = domain_pddl
        self.domain = name

    def render_step(self, step: Step) -> str:
        return step.to_pddl()

    def render_atom(self, atom: Atom) -> str:
        return "(" + " ".join(atom) + ")"

    def read_step(self, text: str) -> Step | None:
        match = _ACTION.fullmatch(text.strip().rstrip(".,;"))
        if match is None:
            return None
        return Step(action=match.group(1), args=tuple(match.group(2).split()))

    def describe_domain(self) -> str:
        return "Here is the PDDL domain of the planning task:\n\n" + self.domain_pddl.strip()

    def describe_task(self, task: PlanningTask) -> str:
        model = task.model()
        goal = [self.render_atom(a) for a in model.goal_pos]
        goal += [f"(not {self.render_atom(a)})" for a in model.goal_neg]
        init = [self.render_atom(a) for a in sorted(model.init, key=sort_key)]
        return (
            "[STATEMENT]\n"
            f"As initial conditions I have that, {join_and(init)}.\n"
            f"My goal is to have that {join_and(goal)}."
        )

    def __repr__(self) -> str:
        return f"GenericRenderer({self.domain!r})"
