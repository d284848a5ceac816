"""Domains: a PDDL domain with its instance sets, a natural-language renderer and a generator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from ._model import Atom
from ._plan import Step
from ._task import PlanningTask


@runtime_checkable
class Renderer(Protocol):
    """Turns a domain's atoms and steps into natural language, and reads steps back from it."""

    def render_step(self, step: Step) -> str:
        """``Step("unstack", ("a", "b"))`` → ``unstack the red block from on top of the blue block``."""
        ...

    def render_atom(self, atom: Atom) -> str:
        """``("handempty",)`` → ``the hand is empty``."""
        ...

    def read_step(self, text: str) -> Step | None:
        """The inverse of :meth:`render_step` for one line of free text; ``None`` if it is not a step."""
        ...

    def describe_domain(self) -> str:
        """The actions and their restrictions in natural language (PlanBench style)."""
        ...

    def describe_task(self, task: PlanningTask) -> str:
        """Initial state and goal of a task in natural language."""
        ...


Generator = Callable[[int, int], PlanningTask]
"""``generator(seed, size)`` → a random solvable task; ``size`` is the domain's main size (blocks, packages…)."""


class Domain(BaseModel):
    """A shipped or imported planning domain."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    description: str
    domain_pddl: str
    instance_dirs: dict[str, Path] = {}
    """Instance set name → folder of ``*.pddl`` problem files."""
    renderer: Renderer
    generator: Generator | None = None

    def instance_paths(self, instance_set: str | None = None) -> list[Path]:
        """Problem files of one set (or of all sets), in natural order (instance-2 before instance-10)."""
        sets = [instance_set] if instance_set else sorted(self.instance_dirs)
        paths: list[Path] = []
        for name in sets:
            if name not in self.instance_dirs:
                from ._errors import UsageError

                raise UsageError(
                    f"Domain {self.name!r} has no instance set {name!r}; "
                    f"it has: {', '.join(sorted(self.instance_dirs))}"
                )
            paths.extend(sorted(self.instance_dirs[name].glob("*.pddl"), key=_natural_key))
        return paths

    def task(self, problem: Path | str) -> PlanningTask:
        """A task for one of this domain's problems, given as a path or as PDDL text."""
        # PDDL text may open with a comment (";"), as generated problems do; a path never starts with either.
        path = Path(problem) if not str(problem).lstrip().startswith(("(", ";")) else None
        if path is not None:
            return PlanningTask(
                domain_pddl=self.domain_pddl,
                problem_pddl=path.read_text(),
                domain_source=f"{self.name}/domain.pddl",
                problem_source=str(path),
            )
        return PlanningTask(
            domain_pddl=self.domain_pddl, problem_pddl=str(problem), domain_source=f"{self.name}/domain.pddl"
        )

    def instances(self, instance_set: str | None = None) -> list[PlanningTask]:
        return [self.task(p) for p in self.instance_paths(instance_set)]

    def generate(self, n: int, seed: int = 0, size: int = 3) -> list[PlanningTask]:
        """``n`` random tasks from the seeded generator (reproducible for the same seed and size)."""
        if self.generator is None:
            from ._errors import UsageError

            raise UsageError(f"Domain {self.name!r} has no instance generator")
        return [self.generator(seed + i, size) for i in range(n)]


def _natural_key(path: Path) -> tuple[object, ...]:
    import re

    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name))
