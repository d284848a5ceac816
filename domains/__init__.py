"""PDDL planning tasks, plans, shipped domains, natural-language renderings and plan extraction."""

from ._benchmark import load_benchmark
from ._domain import Domain, Generator, Renderer
from ._errors import ModuloError, PDDLError, RunFailure, UnsupportedPDDLError, UsageError
from ._extract import Extraction, UnreadableLine, extract_plan
from ._model import ActionSchema, Atom, TaskModel
from ._plan import Plan, Step
from ._registry import get_domain, renderer_for_task, shipped
from ._task import PlanningTask

__all__ = [
    "ActionSchema",
    "Atom",
    "Domain",
    "Extraction",
    "Generator",
    "ModuloError",
    "PDDLError",
    "Plan",
    "PlanningTask",
    "Renderer",
    "RunFailure",
    "Step",
    "TaskModel",
    "UnreadableLine",
    "UnsupportedPDDLError",
    "UsageError",
    "extract_plan",
    "get_domain",
    "load_benchmark",
    "renderer_for_task",
    "shipped",
]
