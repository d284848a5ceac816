"""What a run is asked to do: :class:`RunOptions` and its :class:`Budget`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.llm import LLMConfig
from agents.prompts import HistoryMode, PromptStyle
from verifiers import Granularity


class Budget(BaseModel):
    """Limits that end a run ``unsolved`` once reached; ``None`` means no limit.

    Tokens and cost are checked after every round (a round that finds a valid plan still counts as solved);
    the time limit also cuts an LLM call that would run past it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int | None = Field(default=None, ge=1, description="prompt + completion tokens over the run")
    max_seconds: float | None = Field(default=None, gt=0, description="time spent in rounds (LLM calls included)")
    max_cost_usd: float | None = Field(
        default=None, gt=0, description="from the LLM client's price table; calls without a price cost 0"
    )


class RunOptions(BaseModel):
    """How the LLM-Modulo loop runs one task.  JSON-serialisable (the API key, if any, stays a secret)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    llm: LLMConfig | None = Field(
        default=None,
        description="the LLM settings a caller (CLI, batch runner, service) builds its client from; run_task "
        "itself uses the client it is given",
    )
    max_rounds: int = Field(default=15, ge=1, le=1000)
    samples_per_round: int = Field(default=1, ge=1, le=128, description="n candidates per round, all verified")
    feedback: Granularity = Field(default="all", description="binary | first | all problems of the critique")
    feedback_style: PromptStyle | None = Field(
        default=None, description="nl (through the domain renderer) or pddl; default: the prompt style"
    )
    history: HistoryMode = Field(
        default="full", description="full conversation, or only the prompt + last answer + its feedback"
    )
    prompt_style: PromptStyle = "nl"
    system_prompt: str | None = Field(default=None, description="an optional system message")
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, description="per completion; default: the client's")
    stop: tuple[str, ...] = Field(default=(), description="stop sequences sent with every call")
    constrained: bool = Field(
        default=False, description="send the task's plan grammar (backends that take grammars only)"
    )
    max_plan_steps: int = Field(default=64, ge=1, description="longest plan the grammar admits")
    memory: bool = Field(default=True, description="recall and learn lessons (when a lesson store is given)")
    namespace: str = Field(default="default", min_length=1)
    k_rules: int = Field(default=5, ge=0)
    k_exemplars: int = Field(default=2, ge=0)
    budget: Budget = Field(default_factory=Budget)

    @property
    def critique_style(self) -> PromptStyle:
        return self.feedback_style or self.prompt_style


RunStatus = Literal["solved", "unsolved", "error", "cancelled"]
