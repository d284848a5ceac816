"""The record of a run: every :class:`Round` with its :class:`Candidate` s, and the :class:`RunResult`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from agents.llm import ChatMessage
from agents.memory import Lesson
from domains import Plan
from verifiers import Critique, Verdict

from ._options import RunOptions, RunStatus


class Candidate(BaseModel):
    """One sampled answer of a round: the plan read from it and what every verifier said."""

    model_config = ConfigDict(frozen=True)

    index: int
    plan: Plan
    unreadable: tuple[str, ...] = Field(default=(), description="lines that looked like steps but were not read")
    verdicts: tuple[Verdict, ...]
    valid: bool = Field(description="every hard verifier accepted the plan")
    energy: float = Field(description="0 for a valid plan, larger the further from valid")

    def critique(self) -> Critique:
        return Critique(plan=self.plan, verdicts=self.verdicts)


class Round(BaseModel):
    """One propose → verify exchange."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(description="1-based")
    messages: tuple[ChatMessage, ...] = Field(description="the prompt messages sent to the LLM")
    answers: tuple[str, ...] = Field(description="the LLM's raw answers, one per candidate")
    candidates: tuple[Candidate, ...]
    chosen: int | None = Field(
        default=None, description="index of the candidate taken: the first valid one, else the lowest energy"
    )
    feedback: str | None = Field(default=None, description="the chosen critique's feedback, when it was invalid")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    llm_latency_s: float = Field(default=0.0, description="wall time of the LLM call")
    latency_s: float = Field(default=0.0, description="wall time of the whole round, LLM call included")

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def best(self) -> Candidate | None:
        return self.candidates[self.chosen] if self.chosen is not None else None


class RunUsage(BaseModel):
    """What a run spent."""

    model_config = ConfigDict(frozen=True)

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = Field(default=0, description="calls whose model had no price (not in cost_usd)")
    llm_seconds: float = 0.0
    seconds: float = Field(default=0.0, description="time spent in the run's steps, LLM calls included")


class RunResult(BaseModel):
    """The outcome of one run, with its whole trace.  ``plan`` is set only when ``status`` is ``solved``."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    status: RunStatus
    reason: str = Field(description="why the run ended, in one sentence")
    plan: Plan | None = None
    solved_round: int | None = None
    best_energy: float | None = Field(default=None, description="lowest energy of any candidate")
    domain: str = ""
    problem: str = ""
    task_hash: str = ""
    rounds: tuple[Round, ...] = ()
    usage: RunUsage = RunUsage()
    lessons_used: tuple[Lesson, ...] = ()
    lessons_learned: tuple[Lesson, ...] = ()
    options: RunOptions = RunOptions()
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def solved(self) -> bool:
        return self.status == "solved"
