"""The one protocol every LLM backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self, runtime_checkable

from ._types import ChatMessage, CompletionRequest, CompletionResult, UsageTotals


@runtime_checkable
class LLMClient(Protocol):
    """An LLM behind HTTP.  Use as ``async with make_client(config) as llm: await llm.complete(...)``.

    ``complete`` takes a chat (``ChatMessage`` sequence) or a raw prompt (``str``) and returns ``n``
    completions with their token usage, wall latency and cost.  Failures after retries raise
    :class:`LLMProviderError`; bad arguments raise ``UsageError``.
    """

    provider: str

    @property
    def model(self) -> str | None: ...

    @property
    def totals(self) -> UsageTotals: ...

    async def complete(
        self,
        messages: str | Sequence[ChatMessage],
        *,
        n: int = 1,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: Sequence[str] | str | None = None,
        grammar: str | None = None,
    ) -> CompletionResult: ...

    async def complete_request(self, request: CompletionRequest) -> CompletionResult: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...
