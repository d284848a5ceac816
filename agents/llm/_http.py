"""The HTTP core shared by every backend: one ``httpx.AsyncClient``, retries, a concurrency limit, totals.

Retries (tenacity): 429, 408, 409 and 5xx answers, timeouts and connection errors are retried with
exponential backoff and jitter, or after the server's ``Retry-After``; other 4xx answers and unreadable
bodies fail at once.  The semaphore is held per HTTP attempt, not across backoff sleeps, so a waiting
retry does not block other calls.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base

from domains import UsageError

from ._config import LLMConfig
from ._errors import LLMProviderError, LLMResponseError
from ._pricing import cost_usd, price_for
from ._types import ChatMessage, Completion, CompletionRequest, CompletionResult, Usage, UsageTotals

log = logging.getLogger("modulo.llm")

T = TypeVar("T", bound=BaseModel)

RETRYABLE_STATUS = frozenset({408, 409, 429})
_SHARD = 4
_USER_AGENT = "modulo-planner (httpx)"


class _Retryable(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(
        self,
        reason: str,
        status: int | None = None,
        body: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.body = body
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: an integer/decimal number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Backoff(wait_base):
    """The server's ``Retry-After`` when it gave one, else exponential backoff with equal jitter.

    ``offset`` counts attempts made before tenacity took over (the first one runs without it).
    """

    def __init__(self, initial: float, maximum: float, retry_after_cap: float, offset: int = 0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.retry_after_cap = retry_after_cap
        self.offset = offset

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        return self.delay(exc, retry_state.attempt_number + self.offset)

    def delay(self, exc: BaseException | None, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.retry_after_cap)
        delay = min(self.maximum, self.initial * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)


def _without_credentials(url: str) -> str:
    return re.sub(r"^(\w+://)[^/@]*@", r"\1", url)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle takes ~60 ms per client otherwise."""
    return httpx.create_ssl_context()


class HTTPBackend:
    """Base of the backends: owns the HTTP client, the retry policy, the semaphore and the totals."""

    provider: str

    def __init__(
        self,
        config: LLMConfig,
        *,
        provider: str,
        base_url: str,
        headers: dict[str, str],
        secrets: Sequence[str] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = _without_credentials(base_url)
        """For display (reprs, errors): any ``user:password@`` is removed."""
        self._url = base_url
        self._config = config
        self._secrets = tuple(s for s in secrets if s)
        concurrency = max_concurrency or config.max_concurrency
        self._concurrency = concurrency
        self._semaphore: asyncio.Semaphore | None = None
        # httpx's connection pool does work quadratic in its size on every request (1,000 in-flight
        # requests on one pool took ~38 s here), so large limits are spread over pools of <= _SHARD
        # connections (4 measured best for 1,000 in flight); a request goes to the least busy pool.
        shards = -(-concurrency // _SHARD)
        per_shard = -(-concurrency // shards)
        shared: dict[str, Any] = {}
        if transport is None:
            shared["verify"] = _ssl_context()
        timeout = httpx.Timeout(timeout_s or config.timeout_s, connect=config.connect_timeout_s)
        self._pools = [
            httpx.AsyncClient(
                timeout=timeout,
                limits=httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard),
                transport=transport,
                **shared,
            )
            for _ in range(shards)
        ]
        # Requests are built here rather than by AsyncClient.request: merging the base URL and default
        # headers anew on every call cost about half of httpx's per-request CPU (~0.5-0.9 ms here).
        self._headers = httpx.Headers(
            {"accept": "application/json", "content-type": "application/json", "user-agent": _USER_AGENT, **headers}
        )
        self._extensions = {"timeout": timeout.as_dict()}
        self._urls: dict[str, httpx.URL] = {}
        self._busy = [0] * shards
        self._wait = _Backoff(config.backoff_initial_s, config.backoff_max_s, config.max_retry_after_s)
        self._warned: set[str] = set()
        self.totals = UsageTotals()

    # -- the public surface shared by every backend ------------------------------------------------

    @property
    def max_concurrency(self) -> int:
        return self._concurrency

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
        """Sample ``n`` completions of a chat (``messages``) or of a raw prompt (a ``str``)."""
        try:
            request = CompletionRequest.of(
                messages, n=n, temperature=temperature, max_tokens=max_tokens, stop=stop, grammar=grammar
            )
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors())
            raise UsageError(f"Invalid completion request: {problems}") from None
        return await self.complete_request(request)

    async def complete_request(self, request: CompletionRequest) -> CompletionResult:
        started = time.perf_counter()
        completions, usage, requests, model = await self._complete(request)
        result = CompletionResult(
            completions=tuple(completions),
            usage=usage,
            latency_s=time.perf_counter() - started,
            cost_usd=self._cost(model, usage),
            provider=self.provider,
            model=model,
            requests=requests,
        )
        self.totals.add(result)
        return result

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self.provider!r} base_url={self.base_url!r}>"

    # -- for the backends --------------------------------------------------------------------------

    async def _complete(self, request: CompletionRequest) -> tuple[list[Completion], Usage, int, str]:
        """Return the completions, their usage, the HTTP requests made and the model name."""
        raise NotImplementedError

    def _cost(self, model: str, usage: Usage) -> float | None:
        price = price_for(self._config.prices, model)
        if price is None and self._config.prices:
            self._warn_once(f"price:{model}", "No price for model %r in the price table; its cost is unknown", model)
        return cost_usd(price, usage)

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)

    def _error(
        self,
        reason: str,
        *,
        status: int | None = None,
        body: str | None = None,
        attempts: int = 1,
        response_error: bool = False,
    ) -> LLMProviderError:
        cls = LLMResponseError if response_error else LLMProviderError
        return cls(
            self.provider,
            reason,
            base_url=self.base_url,
            status=status,
            body=body,
            attempts=attempts,
            secrets=self._secrets,
        )

    def _parse(self, response: httpx.Response, model: type[T]) -> T:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise self._error(
                f"unreadable response body ({where}: {first['msg']})",
                status=response.status_code,
                body=response.text,
                response_error=True,
            ) from None

    async def _post(self, path: str, body: dict[str, Any], model: type[T]) -> tuple[T, int]:
        """POST JSON with retries; return the parsed body and the number of attempts it took."""
        return await self._with_retries(lambda: self._send("POST", path, body), model)

    async def _get(self, path: str, model: type[T]) -> tuple[T, int]:
        return await self._with_retries(lambda: self._send("GET", path, None), model)

    async def _with_retries(self, send: Callable[[], Awaitable[httpx.Response]], model: type[T]) -> tuple[T, int]:
        # The first attempt runs bare: most calls succeed, and tenacity's setup costs ~0.1 ms a call.
        try:
            return await self._attempt(send, model, 1), 1
        except _Retryable as exc:
            failure = exc
        max_attempts = self._config.max_attempts
        if max_attempts == 1:
            raise self._error(failure.reason, status=failure.status, body=failure.body, attempts=1)
        wait = self._wait.delay(failure, 1)
        self._warn_retry(failure, wait, 1)
        await asyncio.sleep(wait)
        attempts = 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max_attempts - 1),
            wait=_Backoff(self._wait.initial, self._wait.maximum, self._wait.retry_after_cap, offset=1),
            retry=retry_if_exception_type(_Retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    return await self._attempt(send, model, attempts), attempts
        except _Retryable as exc:
            raise self._error(exc.reason, status=exc.status, body=exc.body, attempts=attempts) from None
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    async def _attempt(self, send: Callable[[], Awaitable[httpx.Response]], model: type[T], number: int) -> T:
        response = await send()
        self._check_status(response, number)
        return self._parse(response, model)

    async def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        content = json.dumps(body).encode() if body is not None else None
        async with self._semaphore:
            busy = self._busy
            shard = 0 if len(busy) == 1 else busy.index(min(busy))
            busy[shard] += 1
            try:
                url = self._urls.get(path)
                if url is None:
                    url = self._urls[path] = httpx.URL(f"{self._url}/{path}")
                request = httpx.Request(
                    method, url, headers=self._headers, content=content, extensions=self._extensions
                )
                return await self._pools[shard].send(request)
            except httpx.TimeoutException as exc:
                raise _Retryable(f"request timed out ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise _Retryable(f"connection error ({type(exc).__name__}: {exc})") from None
            finally:
                busy[shard] -= 1

    def _check_status(self, response: httpx.Response, attempts: int) -> None:
        status = response.status_code
        if status < 400:
            return
        if status in RETRYABLE_STATUS or status >= 500:
            raise _Retryable(
                "rate limited" if status == 429 else "server error",
                status=status,
                body=response.text,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        hint = {
            401: "the API key was refused; check MODULO_LLM_API_KEY",
            403: "access denied; check the API key's permissions",
            404: "not found; check MODULO_LLM_BASE_URL, MODULO_LLM_MODEL and MODULO_LLM_ENDPOINT",
        }.get(status, "the request was refused")
        raise self._error(hint, status=status, body=response.text, attempts=attempts)

    def _log_retry(self, retry_state: RetryCallState) -> None:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
        if isinstance(exc, _Retryable):
            self._warn_retry(exc, wait, retry_state.attempt_number + 1)

    def _warn_retry(self, exc: _Retryable, wait: float, attempt: int) -> None:
        status = f" (HTTP {exc.status})" if exc.status else ""
        log.warning(
            "LLM provider %r: %s%s; retrying in %.2f s (attempt %d of %d failed)",
            self.provider,
            exc.reason,
            status,
            wait,
            attempt,
            self._config.max_attempts,
        )
