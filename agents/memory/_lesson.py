"""The lesson: one entry of the memory, a rule lifted from a verified failure or an exemplar of a solved task."""

from __future__ import annotations

import hashlib
import time
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

LessonKind = Literal["rule", "exemplar"]


def lesson_id(namespace: str, domain: str, kind: str, key: str) -> str:
    """The stable id of a lesson: the same (namespace, domain, kind, key) always names the same entry.

    The fields are joined with NUL so that no choice of names can make two different tuples collide.
    """
    digest = hashlib.sha256("\0".join((namespace, domain, kind, key)).encode())
    return digest.hexdigest()[:16]


class Lesson(BaseModel):
    """A rule or exemplar, per namespace and PDDL domain, with its evidence and an ExpeL-style score.

    ``id`` is derived from ``(namespace, domain, kind, key)``; leave it out and it is filled in, give a
    different one and validation fails (an id that does not match its key would defeat merging).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = ""
    namespace: str = Field(min_length=1)
    domain: str = Field(min_length=1, description="the PDDL domain name, task.domain_name")
    kind: LessonKind
    key: str = Field(min_length=1, description="dedupe key, e.g. 'rule:precondition:unstack:(handempty)'")
    text: str = Field(description="what goes into the prompt")
    evidence: list[str] = Field(default_factory=list, description="verifier-confirmed examples, newest last")
    score: float = 1.0
    uses: int = 0
    features: dict[str, float] = Field(default_factory=dict, description="for exemplars: the task's shape")
    plan: list[str] | None = Field(default=None, description="for exemplars: the validated plan as PDDL lines")
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    @model_validator(mode="after")
    def _check_id(self) -> Self:
        expected = lesson_id(self.namespace, self.domain, self.kind, self.key)
        if not self.id:
            object.__setattr__(self, "id", expected)
        elif self.id != expected:
            raise ValueError(
                f"lesson id {self.id!r} does not match its namespace/domain/kind/key (expected {expected!r}); "
                "leave the id out and it is computed"
            )
        return self
