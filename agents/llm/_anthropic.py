"""Anthropic's Messages API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import BaseModel

from ._config import ANTHROPIC_BASE_URL, LLMConfig
from ._errors import LLMConfigError
from ._http import HTTPBackend
from ._openai import finish_reason
from ._types import Completion, CompletionRequest, Usage

_DEFAULT_MAX_TOKENS = 1024  # the Messages API requires max_tokens


class _Block(BaseModel):
    type: str
    text: str | None = None


class _Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class _Response(BaseModel):
    content: list[_Block]
    stop_reason: str | None = None
    usage: _Usage | None = None
    model: str | None = None


class AnthropicClient(HTTPBackend):
    """``POST /v1/messages`` with ``x-api-key``; ``n`` samples are ``n`` concurrent calls; no grammars."""

    def __init__(self, config: LLMConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if config.api_key is None:
            raise LLMConfigError("The Anthropic API needs a key: set MODULO_LLM_API_KEY (or ANTHROPIC_API_KEY)")
        if not config.model:
            raise LLMConfigError("Set MODULO_LLM_MODEL (or --model) to the Anthropic model to use")
        key = config.api_key.get_secret_value()
        super().__init__(
            config,
            provider="anthropic",
            base_url=config.base_url or ANTHROPIC_BASE_URL,
            headers={"x-api-key": key, "anthropic-version": config.anthropic_version},
            secrets=[key],
            transport=transport,
        )
        self._model: str = config.model
        self._max_tokens = config.max_tokens or _DEFAULT_MAX_TOKENS

    @property
    def model(self) -> str:
        return self._model

    async def _complete(self, request: CompletionRequest) -> tuple[list[Completion], Usage, int, str]:
        if request.grammar is not None:
            self._warn_once("grammar", "LLM provider 'anthropic' does not take grammars; the grammar is dropped")
        body = self._body(request)
        results = await asyncio.gather(*(self._post("v1/messages", body, _Response) for _ in range(request.n)))
        completions, usage, requests = [], Usage(), 0
        for response, attempts in results:
            requests += attempts
            text = "".join(block.text or "" for block in response.content if block.type == "text")
            completions.append(Completion(text=text, finish_reason=finish_reason(response.stop_reason)))
            if response.usage:
                usage = usage + Usage(
                    prompt_tokens=response.usage.input_tokens, completion_tokens=response.usage.output_tokens
                )
        return completions, usage, requests, self._model

    def _body(self, request: CompletionRequest) -> dict[str, Any]:
        chat = request.chat()
        system = "\n\n".join(m.content for m in chat if m.role == "system")
        body: dict[str, Any] = {
            "model": self._model,
            "max_tokens": request.max_tokens or self._max_tokens,
            "messages": [m.model_dump() for m in chat if m.role != "system"],
        }
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, 1.0)  # the API's range is [0, 1]
        if request.stop:
            body["stop_sequences"] = list(request.stop)
        body.update(self._config.extra_body)
        return body
