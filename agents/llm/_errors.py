"""Errors of the LLM layer, rooted in the project's one exception tree (``domains.ModuloError``)."""

from __future__ import annotations

from collections.abc import Iterable

from domains import RunFailure, UsageError

_EXCERPT = 300


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***`` (providers sometimes echo request parts)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class LLMConfigError(UsageError):
    """The LLM settings cannot work (missing model or key, unknown provider, local model not installed)."""


class LLMProviderError(RunFailure):
    """An LLM provider failed after Modulo's retries: says which provider, how, and after how many attempts.

    The API key is never part of the message; response bodies are cut to a short excerpt with any
    secret redacted.
    """

    def __init__(
        self,
        provider: str,
        reason: str,
        *,
        base_url: str | None = None,
        status: int | None = None,
        body: str | None = None,
        attempts: int = 1,
        secrets: Iterable[str] = (),
    ) -> None:
        self.provider = provider
        self.reason = reason
        self.base_url = base_url
        self.status = status
        self.attempts = attempts
        excerpt = None
        if body:
            excerpt = redact(body, secrets).strip().replace("\n", " ")
            if len(excerpt) > _EXCERPT:
                excerpt = excerpt[:_EXCERPT] + "…"
        self.body_excerpt = excerpt
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"LLM provider '{self.provider}'"
        if self.base_url:
            where += f" at {self.base_url}"
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        text = f"{where} failed after {tries}: {self.reason}"
        if self.status is not None:
            text += f" (HTTP {self.status})"
        if self.body_excerpt:
            text += f"; response: {self.body_excerpt}"
        return text


class LLMResponseError(LLMProviderError):
    """The provider answered, but not with a body Modulo can read (not JSON, or missing fields)."""
