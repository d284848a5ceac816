"""PDDL planning tasks, plans, shipped domains, natural-language renderings and plan extraction."""

from ._domain import Domain, Generator, Renderer
from ._errors import ModuloError, PDDLError, RunFailure, UnsupportedPDDLError, UsageError
from ._model import ActionSchema, Atom, TaskModel
from ._plan import Plan, Step
from ._task import PlanningTask

__all__ = [
    "ActionSchema",
    "Atom",
    "Domain",
    "Generator",
    "ModuloError",
    "PDDLError",
    "Plan",
    "PlanningTask",
    "Renderer",
    "RunFailure",
    "Step",
    "TaskModel",
    "UnsupportedPDDLError",
    "UsageError",
]
