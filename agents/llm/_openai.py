"""Any OpenAI-compatible server: OpenAI, vLLM, Ollama, llama.cpp, LM Studio, OpenRouter, …"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import BaseModel, Field

from ._config import OPENAI_BASE_URL, LLMConfig
from ._errors import LLMConfigError
from ._http import HTTPBackend
from ._types import Completion, CompletionRequest, FinishReason, Usage

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "eos": "stop",
    "end_turn": "stop",
    "length": "length",
    "max_tokens": "length",
    "content_filter": "content_filter",
}


def finish_reason(value: str | None) -> FinishReason:
    if value is None:
        return "stop"
    return _FINISH.get(value, "other")


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    index: int = 0
    text: str | None = None
    message: _Message | None = None
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _Response(BaseModel):
    choices: list[_Choice] = Field(min_length=1)
    usage: _Usage | None = None
    model: str | None = None


class _ModelEntry(BaseModel):
    id: str


class _ModelList(BaseModel):
    data: list[_ModelEntry] = Field(min_length=1)


class OpenAIClient(HTTPBackend):
    """Chat (``/chat/completions``) or plain (``/completions``) completions on an OpenAI-compatible server.

    ``n`` samples are asked for in one request; servers that ignore ``n`` (llama.cpp, Ollama) are topped up
    with concurrent single requests.  A grammar is sent as llama.cpp ``grammar`` or vLLM ``guided_grammar``
    per ``grammar_format``, and dropped with one warning otherwise.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        provider: str = "openai",
        base_url: str | None = None,
        model: str | None = None,
        endpoint: str | None = None,
        grammar_format: str | None = None,
        native_n: bool | None = None,
        timeout_s: float | None = None,
        max_concurrency: int | None = None,
        default_max_tokens: int | None = None,
    ) -> None:
        url = base_url or config.base_url or OPENAI_BASE_URL
        key = config.api_key.get_secret_value() if config.api_key else None
        if url == OPENAI_BASE_URL and not key:
            raise LLMConfigError(
                "The OpenAI API needs a key: set MODULO_LLM_API_KEY (or OPENAI_API_KEY), or point "
                "MODULO_LLM_BASE_URL at another OpenAI-compatible server"
            )
        self._model = model or config.model
        if self._model is None and url == OPENAI_BASE_URL:
            raise LLMConfigError("Set MODULO_LLM_MODEL (or --model) to the OpenAI model to use, e.g. gpt-4o-mini")
        super().__init__(
            config,
            provider=provider,
            base_url=url,
            headers={"authorization": f"Bearer {key}"} if key else {},
            secrets=[key] if key else [],
            transport=transport,
            timeout_s=timeout_s,
            max_concurrency=max_concurrency,
        )
        self.endpoint = endpoint or config.endpoint
        self.grammar_format = grammar_format or config.grammar_format
        self.native_n = config.native_n if native_n is None else native_n
        self._max_tokens = config.max_tokens or default_max_tokens

    @property
    def model(self) -> str | None:
        return self._model

    async def resolve_model(self) -> str:
        """The configured model, else the first one the server lists (asked once)."""
        if self._model is None:
            listing, _ = await self._get("models", _ModelList)
            self._model = listing.data[0].id
        return self._model

    async def _complete(self, request: CompletionRequest) -> tuple[list[Completion], Usage, int, str]:
        model = await self.resolve_model()
        if self.native_n or request.n == 1:
            first = await self._request(request, model, request.n)
            batches = [first]
            missing = request.n - len(first[0])
        else:
            batches, missing = [], request.n
        if missing > 0:
            batches += await asyncio.gather(*(self._request(request, model, 1) for _ in range(missing)))
        completions = [c for batch in batches for c in batch[0]][: request.n]
        usage = sum((batch[1] for batch in batches), Usage())
        return completions, usage, sum(batch[2] for batch in batches), model

    async def _request(self, request: CompletionRequest, model: str, n: int) -> tuple[list[Completion], Usage, int]:
        chat = self.endpoint == "chat"
        body: dict[str, Any] = {"model": model}
        if chat:
            body["messages"] = [m.model_dump() for m in request.chat()]
        else:
            body["prompt"] = request.text()
        if n != 1:
            body["n"] = n
        if request.temperature is not None:
            body["temperature"] = request.temperature
        max_tokens = request.max_tokens or self._max_tokens
        if max_tokens is not None:
            body[self._config.max_tokens_field] = max_tokens
        if request.stop:
            body["stop"] = list(request.stop)
        if request.grammar is not None:
            self._add_grammar(body, request.grammar)
        body.update(self._config.extra_body)
        response, attempts = await self._post("chat/completions" if chat else "completions", body, _Response)
        choices = sorted(response.choices, key=lambda c: c.index)
        completions = []
        for choice in choices:
            if chat:
                if choice.message is None:
                    raise self._error(
                        "a chat choice without a message",
                        body=response.model_dump_json(),
                        attempts=attempts,
                        response_error=True,
                    )
                text = choice.message.content or ""
            else:
                if choice.text is None:
                    raise self._error(
                        "a completion choice without text",
                        body=response.model_dump_json(),
                        attempts=attempts,
                        response_error=True,
                    )
                text = choice.text
            completions.append(Completion(text=text, finish_reason=finish_reason(choice.finish_reason)))
        usage = Usage(**response.usage.model_dump()) if response.usage else Usage()
        return completions, usage, attempts

    def _add_grammar(self, body: dict[str, Any], grammar: str) -> None:
        if self.grammar_format == "llama.cpp":
            body["grammar"] = grammar
        elif self.grammar_format == "vllm":
            body["guided_grammar"] = grammar
        else:
            self._warn_once(
                "grammar",
                "LLM provider %r: grammar_format is 'none', so the grammar is dropped (set "
                "MODULO_LLM_GRAMMAR_FORMAT=llama.cpp or vllm if the server supports grammars)",
                self.provider,
            )
