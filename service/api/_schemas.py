"""Request and response bodies of the REST API (pydantic v2, as published in ``/openapi.json``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from agents.graph import Round, RunOptions, RunResult
from domains import Plan

_HIDDEN_OPTIONS = {"llm", "namespace"}  # the server's LLM; the namespace is the API key's
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$"


class TaskFields(BaseModel):
    """A task inline (``domain_pddl`` + ``problem_pddl``) or from a shipped domain (``domain`` + ``instance``)."""

    model_config = ConfigDict(extra="forbid")

    domain_pddl: str | None = Field(default=None, max_length=500_000)
    problem_pddl: str | None = Field(default=None, max_length=500_000)
    domain: str | None = Field(
        default=None, max_length=128, description="a shipped domain's name (GET /v1/domains)"
    )
    instance: str | None = Field(
        default=None, max_length=256, description="e.g. 'instance-1' or 'basic/instance-1'"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> TaskFields:
        inline = self.domain_pddl is not None or self.problem_pddl is not None
        named = self.domain is not None or self.instance is not None
        if inline == named:
            raise ValueError("give either domain_pddl and problem_pddl, or domain and instance")
        if inline and (self.domain_pddl is None or self.problem_pddl is None):
            raise ValueError("give both domain_pddl and problem_pddl")
        if named and (self.domain is None or self.instance is None):
            raise ValueError("give both domain and instance")
        return self


def _option_fields() -> dict[str, Any]:
    fields = RunOptions.model_fields.items()
    return {name: (info.annotation, info) for name, info in fields if name not in _HIDDEN_OPTIONS}


class _RunCreateBase(TaskFields):
    verifiers: list[str] = Field(
        default_factory=list, max_length=16,
        description="names of HTTP verifiers registered with POST /v1/verifiers, used besides the PDDL validator",
    )

    def run_options(self, namespace: str) -> RunOptions:
        values = self.model_dump(include=set(RunOptions.model_fields) - _HIDDEN_OPTIONS, exclude_unset=True)
        return RunOptions.model_validate({**values, "namespace": namespace})


RunCreate = create_model(  # type: ignore[call-overload]
    "RunCreate", __base__=_RunCreateBase, __doc__="A run to create: the task plus any RunOptions field.",
    **_option_fields(),
)


class OptionsFields(BaseModel):
    model_config = ConfigDict(extra="forbid")


BatchOptions = create_model(  # type: ignore[call-overload]
    "BatchOptions", __base__=OptionsFields, __doc__="RunOptions fields for every run of a batch.", **_option_fields()
)


class NamedTask(TaskFields):
    name: str = Field(pattern=_NAME, description="unique within the batch")


class BatchCreate(BaseModel):
    """A batch: a shipped domain's instance set, a generated set, or a list of tasks."""

    model_config = ConfigDict(extra="forbid")

    domain: str | None = Field(default=None, max_length=128)
    instance_set: str | None = Field(default=None, max_length=128)
    generate: bool = Field(default=False, description="seeded random tasks from the domain's generator")
    n: int | None = Field(default=None, ge=1, le=10_000, description="at most this many tasks")
    size: int = Field(default=3, ge=1, le=30)
    seed: int = Field(default=0, ge=0, le=2**31)
    tasks: list[NamedTask] | None = Field(default=None, max_length=10_000)
    options: BatchOptions = Field(default_factory=BatchOptions)  # type: ignore[valid-type]
    verifiers: list[str] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _one_source(self) -> BatchCreate:
        if (self.domain is None) == (self.tasks is None):
            raise ValueError("give either domain (with instance_set or generate) or tasks")
        return self


class RunView(BaseModel):
    """A run: its state, and once finished its result (plan, rounds, usage)."""

    id: str
    status: Literal["queued", "running", "solved", "unsolved", "error", "cancelled"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    batch_id: str | None = None
    instance: str | None = None
    domain: str = ""
    problem: str = ""
    cancel_requested: bool = False
    plan: list[str] | None = Field(default=None, description="PDDL action lines of the valid plan")
    reason: str | None = None
    rounds: list[Round] = Field(default_factory=list, description="the trace: every completed round")
    result: RunResult | None = None


class RunSummary(BaseModel):
    """A run in a listing (``GET /v1/runs/{id}`` has its plan and trace)."""

    id: str
    status: Literal["queued", "running", "solved", "unsolved", "error", "cancelled"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    batch_id: str | None = None
    instance: str | None = None


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="newest first")
    next_offset: int | None = Field(description="offset of the next page; null on the last page")


class BatchProgress(BaseModel):
    total: int
    queued: int
    running: int
    finished: int
    by_status: dict[str, int]


class BatchView(BaseModel):
    id: str
    source: str
    created_at: str
    done: bool
    progress: BatchProgress
    runs: list[dict[str, Any]] = Field(description="run id, instance and status of every run")
    report: dict[str, Any] | None = Field(default=None, description="summary and per-instance rows, once done")
    report_markdown: str | None = None


class DomainView(BaseModel):
    name: str
    description: str
    instance_sets: dict[str, int]
    generator: bool


class VerifierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    url: str = Field(max_length=2048)
    hard: bool = True


class VerifierView(BaseModel):
    name: str
    kind: Literal["builtin", "http"]
    url: str | None = None
    hard: bool


class Problem(BaseModel):
    """An error body: ``detail`` says what to change; PDDL errors name the file, line and reason."""

    detail: Any
    file: str | None = None
    line: int | None = None
    reason: str | None = None


def plan_lines(plan: Plan | None) -> list[str] | None:
    return None if plan is None else plan.to_pddl().splitlines()
