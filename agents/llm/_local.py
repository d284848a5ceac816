"""The embedded default: Gemma 3 270M on a llama.cpp server that Modulo starts and stops itself."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Self

from ._config import LLMConfig, ModelPrice
from ._local_server import acquire, release, served_name
from ._openai import OpenAIClient
from ._types import ChatMessage, CompletionRequest, CompletionResult, UsageTotals

_TIMEOUT_S = 600.0  # requests queue on the one-at-a-time server; generation runs at ~20-40 tokens/s
_MAX_CONCURRENCY = 1  # the server decodes one request at a time: queue here, where timeouts are fair
_MAX_TOKENS = 256


class LocalClient:
    """Plain completions (it is a base model) with llama.cpp grammars on the embedded server.

    Needs no key and no network.  The server starts on the first call (or :meth:`start`); it is shared
    with other local clients of the process and stops when the last one closes, or at exit.
    """

    provider = "local"

    def __init__(self, config: LLMConfig) -> None:
        self._config = config
        self._inner: OpenAIClient | None = None
        self._lock: asyncio.Lock | None = None
        self._acquired = False
        self._idle_totals = UsageTotals()

    @property
    def model(self) -> str:
        return served_name(self._config.local)

    @property
    def totals(self) -> UsageTotals:
        return self._inner.totals if self._inner else self._idle_totals

    @property
    def base_url(self) -> str | None:
        return self._inner.base_url if self._inner else None

    async def start(self) -> None:
        """Start (or join) the server and wait until it is healthy; calls do this on first use."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._inner is not None:
                return
            url = await asyncio.to_thread(acquire, self._config.local)
            self._acquired = True
            config = self._config
            inner_config = config.model_copy(
                update={
                    "api_key": None,
                    "prices": {self.model: ModelPrice(input_per_mtok=0, output_per_mtok=0)},
                }
            )
            self._inner = OpenAIClient(
                inner_config,
                provider="local",
                base_url=f"{url}/v1",
                model=self.model,
                endpoint="completions",
                grammar_format="llama.cpp",
                native_n=False,
                timeout_s=config.setting("timeout_s", _TIMEOUT_S),
                max_concurrency=config.setting("max_concurrency", _MAX_CONCURRENCY),
                default_max_tokens=_MAX_TOKENS,
            )

    async def complete(
        self,
        messages: str | Sequence[ChatMessage],
        *,
        n: int = 1,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: Sequence[str] | str | None = None,
        grammar: str | None = None,
    ) -> CompletionResult:
        await self.start()
        assert self._inner is not None
        return await self._inner.complete(
            messages, n=n, temperature=temperature, max_tokens=max_tokens, stop=stop, grammar=grammar
        )

    async def complete_request(self, request: CompletionRequest) -> CompletionResult:
        await self.start()
        assert self._inner is not None
        return await self._inner.complete_request(request)

    async def aclose(self) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            self._idle_totals = inner.totals
            await inner.aclose()
        if self._acquired:
            self._acquired = False
            await asyncio.to_thread(release, self._config.local)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<LocalClient model={self.model!r} base_url={self.base_url!r}>"
