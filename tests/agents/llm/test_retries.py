"""Retries with backoff on 429/5xx/timeouts/connection errors, Retry-After, and the typed errors after."""

import logging
import time
from email.utils import formatdate

import pytest

from agents.llm import ChatMessage, LLMProviderError, LLMResponseError, make_client
from agents.llm._http import parse_retry_after
from domains import ModuloError, RunFailure
from tests.fakes import FakeLLM, Fault

MESSAGES = [ChatMessage.user("Plan, please.")]


async def test_retries_then_success(fake_llm: FakeLLM, openai_config, caplog: pytest.LogCaptureFixture) -> None:
    fake_llm.set_script([Fault.server_error(500), Fault.server_error(503), Fault.rate_limited(None), "done"])
    with caplog.at_level(logging.WARNING, logger="modulo.llm"):
        async with make_client(openai_config(max_attempts=4)) as llm:
            result = await llm.complete(MESSAGES)
    assert result.texts == ["done"]
    assert fake_llm.calls == 4 and result.requests == 4
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 3 and "HTTP 500" in retries[0] and "HTTP 429" in retries[2]


async def test_retry_after_is_honoured(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.rate_limited(retry_after=1), "ok"])
    async with make_client(openai_config(backoff_initial_s=0.0, backoff_max_s=0.0)) as llm:
        started = time.perf_counter()
        result = await llm.complete(MESSAGES)
        waited = time.perf_counter() - started
    assert result.texts == ["ok"] and fake_llm.calls == 2
    assert 1.0 <= waited < 2.0
    assert result.latency_s >= 1.0  # latency covers the whole call, backoff included


async def test_retry_after_is_capped(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.rate_limited(retry_after=3600), "ok"])
    async with make_client(openai_config(max_retry_after_s=0.05)) as llm:
        started = time.perf_counter()
        await llm.complete(MESSAGES)
    assert time.perf_counter() - started < 1.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    in_ten = parse_retry_after(formatdate(time.time() + 10, usegmt=True))
    assert in_ten is not None and 8 <= in_ten <= 10
    assert parse_retry_after(formatdate(time.time() - 10, usegmt=True)) == 0.0


async def test_a_run_of_500s_ends_in_the_typed_error_after_the_configured_attempts(
    fake_llm: FakeLLM, openai_config
) -> None:
    fake_llm.set_script([Fault(status=502, body="upstream exploded")] * 10)
    async with make_client(openai_config(max_attempts=3)) as llm:
        with pytest.raises(LLMProviderError) as caught:
            await llm.complete(MESSAGES)
    error = caught.value
    assert isinstance(error, RunFailure) and isinstance(error, ModuloError)
    assert fake_llm.calls == 3 and error.attempts == 3 and error.status == 502
    assert error.provider == "openai" and error.body_excerpt == "upstream exploded"
    assert str(error) == (
        f"LLM provider 'openai' at {fake_llm.base_url} failed after 3 attempts: server error (HTTP 502); "
        "response: upstream exploded"
    )


async def test_one_attempt_means_no_retry(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.server_error(), "never"])
    async with make_client(openai_config(max_attempts=1)) as llm:
        with pytest.raises(LLMProviderError, match="after 1 attempt: server error"):
            await llm.complete(MESSAGES)
    assert fake_llm.calls == 1


async def test_timeouts_are_retried(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.timeout(seconds=2.0), "late but fine"])
    async with make_client(openai_config(timeout_s=0.2)) as llm:
        result = await llm.complete(MESSAGES)
    assert result.texts == ["late but fine"] and result.requests == 2


async def test_persistent_timeouts_end_in_the_typed_error(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.timeout(seconds=2.0)] * 2)
    async with make_client(openai_config(timeout_s=0.1, max_attempts=2)) as llm:
        with pytest.raises(LLMProviderError, match="failed after 2 attempts: request timed out"):
            await llm.complete(MESSAGES)


async def test_dropped_connections_are_retried(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault.dropped(), "ok"])
    async with make_client(openai_config()) as llm:
        result = await llm.complete(MESSAGES)
    assert result.texts == ["ok"] and fake_llm.calls == 2


async def test_connection_refused_ends_in_the_typed_error(openai_config) -> None:
    with FakeLLM() as fake:
        base_url = fake.base_url
    async with make_client(openai_config(base_url=base_url, max_attempts=2)) as llm:
        with pytest.raises(LLMProviderError, match="connection error"):
            await llm.complete(MESSAGES)


@pytest.mark.parametrize(
    "body",
    [
        '{"choices": [{"index": 0, "mess',  # cut short
        "<html>Bad gateway</html>",  # not JSON
        '{"choices": []}',  # no choice
        '{"error": {"message": "overloaded"}}',  # an error object with status 200
        '{"choices": [{"index": 0, "finish_reason": "stop"}]}',  # a chat choice without a message
        '{"choices": [{"index": "zero", "message": {"content": "x"}}]}',  # wrong type
    ],
)
async def test_a_malformed_body_is_a_typed_error_not_a_crash(fake_llm: FakeLLM, openai_config, body: str) -> None:
    fake_llm.set_script([Fault.malformed(body)])
    async with make_client(openai_config()) as llm:
        with pytest.raises(LLMResponseError) as caught:
            await llm.complete(MESSAGES)
    message = str(caught.value)
    assert "unreadable response body" in message or "without a message" in message
    assert fake_llm.calls == 1  # not retried: the same request would get the same answer


async def test_other_client_errors_fail_at_once_with_a_hint(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Fault(status=404, body='{"error": "no such model"}')])
    async with make_client(openai_config()) as llm:
        with pytest.raises(LLMProviderError, match="check MODULO_LLM_BASE_URL") as caught:
            await llm.complete(MESSAGES)
    assert caught.value.status == 404 and caught.value.attempts == 1 and fake_llm.calls == 1


async def test_credentials_in_the_base_url_are_not_shown(openai_config) -> None:
    with FakeLLM() as fake:
        port = fake.port
    config = openai_config(base_url=f"http://user:hunter2@127.0.0.1:{port}/v1", max_attempts=1)
    async with make_client(config) as llm:
        with pytest.raises(LLMProviderError) as caught:
            await llm.complete(MESSAGES)
        shown = repr(llm) + str(caught.value)
    assert "hunter2" not in shown and f"http://127.0.0.1:{port}/v1" in shown
