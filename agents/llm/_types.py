"""The values that cross the LLM boundary: chat messages, a request, completions, usage and cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "content_filter", "other"]
"""Normalised over providers: ``stop`` (end of text, stop sequence, grammar end), ``length`` (max tokens)."""


class ChatMessage(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str) -> ChatMessage:
        return cls(role="assistant", content=content)


class CompletionRequest(BaseModel):
    """What one ``complete`` call asks for; either a chat (``messages``) or a raw ``prompt``."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[ChatMessage, ...] | None = None
    prompt: str | None = None
    n: int = Field(default=1, ge=1, le=128)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    stop: tuple[str, ...] = ()
    grammar: str | None = None

    @classmethod
    def of(
        cls,
        messages: str | Sequence[ChatMessage],
        *,
        n: int = 1,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: Sequence[str] | str | None = None,
        grammar: str | None = None,
    ) -> CompletionRequest:
        if isinstance(stop, str):
            stop = (stop,)
        common = {"n": n, "temperature": temperature, "max_tokens": max_tokens, "stop": tuple(stop or ())}
        if isinstance(messages, str):
            return cls(prompt=messages, grammar=grammar, **common)
        return cls(messages=tuple(messages), grammar=grammar, **common)

    @field_validator("messages")
    @classmethod
    def _not_empty(cls, value: tuple[ChatMessage, ...] | None) -> tuple[ChatMessage, ...] | None:
        if value is not None and not value:
            raise ValueError("give at least one message")
        return value

    def chat(self) -> tuple[ChatMessage, ...]:
        """The request as chat messages (a bare prompt becomes one user message)."""
        if self.messages is not None:
            return self.messages
        return (ChatMessage.user(self.prompt or ""),)

    def text(self) -> str:
        """The request as one prompt string for plain-completion (base) models.

        Messages are joined by blank lines without role labels: base models continue text, and the
        prompts Modulo builds for them are already plain text.
        """
        if self.prompt is not None:
            return self.prompt
        return "\n\n".join(m.content for m in self.messages or ())


class Completion(BaseModel):
    """One sampled answer."""

    model_config = ConfigDict(frozen=True)

    text: str
    finish_reason: FinishReason = "stop"


class Usage(BaseModel):
    """Token counts as reported by the provider."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class CompletionResult(BaseModel):
    """The answers of one ``complete`` call with what they cost."""

    model_config = ConfigDict(frozen=True)

    completions: tuple[Completion, ...]
    usage: Usage = Usage()
    latency_s: float = Field(description="wall time of the whole call, retries and backoff included")
    cost_usd: float | None = Field(
        default=None, description="from the configured price table; None when the model has no price"
    )
    provider: str
    model: str
    requests: int = Field(default=1, description="HTTP requests made, retries included")

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.completions]


class UsageTotals(BaseModel):
    """What a client has spent since it was created (successful calls only)."""

    calls: int = 0
    requests: int = 0
    usage: Usage = Usage()
    cost_usd: float = 0.0
    unpriced_calls: int = Field(default=0, description="calls whose model had no price in the table")

    def add(self, result: CompletionResult) -> None:
        self.calls += 1
        self.requests += result.requests
        self.usage = self.usage + result.usage
        if result.cost_usd is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += result.cost_usd
