"""The Anthropic Messages backend: against respx and against the fake server's /v1/messages."""

import json
import logging

import httpx
import pytest
import respx
from pydantic import SecretStr

from agents.llm import AnthropicClient, ChatMessage, LLMConfig, LLMConfigError, LLMProviderError, make_client
from tests.fakes import FakeLLM, Fault, Reply

KEY = "sk-ant-test-key-123"
MESSAGES = [
    ChatMessage.system("You plan."),
    ChatMessage.user("Stack a on b."),
    ChatMessage.assistant("(pick-up a)"),
]


def config(base_url: str = "https://anthropic.test", **overrides) -> LLMConfig:
    values = {
        "provider": "anthropic",
        "model": "claude-test",
        "api_key": SecretStr(KEY),
        "base_url": base_url,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
    }
    return LLMConfig(**(values | overrides))


def message(text: str, stop: str = "end_turn", usage: tuple[int, int] = (11, 3)) -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


@respx.mock
async def test_messages_api_request_and_response() -> None:
    route = respx.post("https://anthropic.test/v1/messages").mock(
        return_value=httpx.Response(200, json=message("(stack a b)", stop="max_tokens"))
    )
    async with make_client(config()) as llm:
        assert isinstance(llm, AnthropicClient)
        result = await llm.complete(MESSAGES, temperature=1.5, max_tokens=50, stop=["[PLAN END]"])
    assert result.texts == ["(stack a b)"] and result.completions[0].finish_reason == "length"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (11, 3)
    request = route.calls.last.request
    assert request.headers["x-api-key"] == KEY and request.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(request.content) == {
        "model": "claude-test",
        "max_tokens": 50,
        "system": "You plan.",
        "messages": [
            {"role": "user", "content": "Stack a on b."},
            {"role": "assistant", "content": "(pick-up a)"},
        ],
        "temperature": 1.0,
        "stop_sequences": ["[PLAN END]"],
    }


@respx.mock
async def test_overloaded_is_retried_and_bad_requests_are_not() -> None:
    route = respx.post("https://anthropic.test/v1/messages").mock(
        side_effect=[
            httpx.Response(529, json={"type": "error", "error": {"type": "overloaded_error"}}),
            httpx.Response(200, json=message("ok")),
            httpx.Response(400, json={"type": "error", "error": {"message": "messages: roles must alternate"}}),
        ]
    )
    async with make_client(config()) as llm:
        assert (await llm.complete("hi")).texts == ["ok"]
        with pytest.raises(LLMProviderError, match="roles must alternate") as caught:
            await llm.complete("hi")
    assert route.call_count == 3 and caught.value.status == 400 and caught.value.provider == "anthropic"


@respx.mock
async def test_a_response_without_content_is_a_typed_error() -> None:
    respx.post("https://anthropic.test/v1/messages").mock(return_value=httpx.Response(200, json={"id": "x"}))
    async with make_client(config()) as llm:
        with pytest.raises(LLMProviderError, match="unreadable response body"):
            await llm.complete("hi")


async def test_several_samples_are_concurrent_calls(caplog: pytest.LogCaptureFixture) -> None:
    script = [Reply("one", delay_s=0.2), Reply("two", delay_s=0.2), Reply("three", delay_s=0.2), "four"]
    with FakeLLM(script) as fake, caplog.at_level(logging.WARNING, logger="modulo.llm"):
        async with make_client(config(base_url=fake.root_url)) as llm:
            result = await llm.complete(MESSAGES, n=3, grammar='root ::= "x"')
            await llm.complete(MESSAGES, grammar='root ::= "x"')
    assert sorted(result.texts) == ["one", "three", "two"]
    assert fake.calls == 4 and fake.max_in_flight == 3 and result.requests == 3
    assert all("grammar" not in r.json for r in fake.requests)
    assert sum("does not take grammars" in r.getMessage() for r in caplog.records) == 1
    assert result.usage.completion_tokens == 3


async def test_rate_limits_are_retried_against_the_fake() -> None:
    with FakeLLM([Fault.rate_limited(retry_after=0), "fine"]) as fake:
        async with make_client(config(base_url=fake.root_url)) as llm:
            result = await llm.complete("hi")
    assert result.texts == ["fine"] and result.requests == 2


def test_missing_key_or_model_is_a_config_error() -> None:
    with pytest.raises(LLMConfigError, match="MODULO_LLM_API_KEY"):
        AnthropicClient(config(api_key=None))
    with pytest.raises(LLMConfigError, match="MODULO_LLM_MODEL"):
        AnthropicClient(config(model=None))
