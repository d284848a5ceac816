"""Planning tasks: a domain and a problem in PDDL, parsed lazily and cached by content."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from pydantic import BaseModel, ConfigDict, Field, computed_field

from ._model import TaskModel
from ._reading import declared_name, read_task

_CACHE_SIZE = 4096
_models: OrderedDict[str, TaskModel] = OrderedDict()
_models_lock = Lock()


class PlanningTask(BaseModel):
    """A PDDL domain and problem.  ``model()`` parses once per content hash (shared across instances)."""

    model_config = ConfigDict(frozen=True)

    domain_pddl: str
    problem_pddl: str
    domain_source: str = Field(default="domain", description="where the domain text came from, for errors")
    problem_source: str = Field(default="problem", description="where the problem text came from, for errors")

    @classmethod
    def from_files(cls, domain: str | Path, problem: str | Path) -> PlanningTask:
        return cls(
            domain_pddl=Path(domain).read_text(),
            problem_pddl=Path(problem).read_text(),
            domain_source=str(domain),
            problem_source=str(problem),
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256(self.domain_pddl.encode())
        digest.update(b"\0")
        digest.update(self.problem_pddl.encode())
        return digest.hexdigest()[:32]

    @property
    def domain_name(self) -> str:
        return declared_name(self.domain_pddl)

    @property
    def problem_name(self) -> str:
        return declared_name(self.problem_pddl)

    def model(self) -> TaskModel:
        """The compiled task.  Raises :class:`PDDLError` (with the line) for malformed PDDL."""
        key = self.content_hash
        with _models_lock:
            cached = _models.get(key)
            if cached is not None:
                _models.move_to_end(key)
                return cached
        model = read_task(self.domain_pddl, self.problem_pddl, self.domain_source, self.problem_source)
        with _models_lock:
            _models[key] = model
            while len(_models) > _CACHE_SIZE:
                _models.popitem(last=False)
        return model
