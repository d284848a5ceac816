"""The OpenAI-compatible backend against the fake server: chat, plain completions, n, grammars."""

import logging

import pytest

from agents.llm import ChatMessage, CompletionResult, LLMClient, OpenAIClient, make_client
from domains import UsageError
from tests.fakes import FakeLLM, Reply

MESSAGES = [ChatMessage.system("You plan."), ChatMessage.user("Stack a on b.")]


async def test_chat_completion_returns_text_usage_and_latency(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script([Reply("(pick-up a)\n(stack a b)", finish_reason="stop")])
    async with make_client(openai_config()) as llm:
        assert isinstance(llm, LLMClient)
        result = await llm.complete(MESSAGES, temperature=0.5, max_tokens=64, stop=["[PLAN END]"])
    assert isinstance(result, CompletionResult)
    assert result.texts == ["(pick-up a)\n(stack a b)"]
    assert result.completions[0].finish_reason == "stop"
    assert result.usage.prompt_tokens == 6 and result.usage.completion_tokens == 5  # words, in the fake
    assert result.latency_s > 0 and result.provider == "openai" and result.model == "fake-model"
    sent = fake_llm.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.json == {
        "model": "fake-model",
        "messages": [
            {"role": "system", "content": "You plan."},
            {"role": "user", "content": "Stack a on b."},
        ],
        "temperature": 0.5,
        "max_tokens": 64,
        "stop": ["[PLAN END]"],
    }


async def test_plain_completions_for_base_models_take_n_in_one_request(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(["one", "two", Reply("three", finish_reason="length")])
    async with make_client(openai_config(endpoint="completions")) as llm:
        result = await llm.complete("[PLAN]\n", n=3, max_tokens=8)
    assert result.texts == ["one", "two", "three"]
    assert [c.finish_reason for c in result.completions] == ["stop", "stop", "length"]
    assert fake_llm.calls == 1 and result.requests == 1
    assert fake_llm.requests[0].path == "/v1/completions"
    assert fake_llm.requests[0].json["prompt"] == "[PLAN]\n" and fake_llm.requests[0].json["n"] == 3


async def test_servers_that_ignore_n_are_topped_up(openai_config) -> None:
    with FakeLLM(["a", "b", "c"], honour_n=False) as fake:
        async with make_client(openai_config(base_url=fake.base_url, endpoint="completions")) as llm:
            result = await llm.complete("go", n=3)
    assert sorted(result.texts) == ["a", "b", "c"]
    assert fake.calls == 3 and result.requests == 3
    assert result.usage.completion_tokens == 3


async def test_native_n_off_sends_n_single_requests(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(["a", "b"])
    async with make_client(openai_config(native_n=False)) as llm:
        result = await llm.complete(MESSAGES, n=2)
    assert sorted(result.texts) == ["a", "b"]
    assert fake_llm.calls == 2 and all("n" not in r.json for r in fake_llm.requests)


async def test_messages_are_flattened_for_plain_completions(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(["x"])
    async with make_client(openai_config(endpoint="completions")) as llm:
        await llm.complete(MESSAGES)
    assert fake_llm.requests[0].json["prompt"] == "You plan.\n\nStack a on b."


@pytest.mark.parametrize(("grammar_format", "field"), [("llama.cpp", "grammar"), ("vllm", "guided_grammar")])
async def test_grammar_is_sent_the_way_the_server_takes_it(
    fake_llm: FakeLLM, openai_config, grammar_format: str, field: str
) -> None:
    fake_llm.set_script(["(a)"])
    async with make_client(openai_config(grammar_format=grammar_format)) as llm:
        await llm.complete(MESSAGES, grammar='root ::= "(a)"')
    assert fake_llm.requests[0].json[field] == 'root ::= "(a)"'


async def test_grammar_is_dropped_with_one_warning_otherwise(
    fake_llm: FakeLLM, openai_config, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.set_script(["x", "y"])
    with caplog.at_level(logging.WARNING, logger="modulo.llm"):
        async with make_client(openai_config()) as llm:
            await llm.complete(MESSAGES, grammar='root ::= "x"')
            await llm.complete(MESSAGES, grammar='root ::= "x"')
    assert all("grammar" not in r.json and "guided_grammar" not in r.json for r in fake_llm.requests)
    assert sum("grammar is dropped" in r.getMessage() for r in caplog.records) == 1


async def test_model_defaults_to_the_first_one_the_server_lists(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(["x"])
    async with OpenAIClient(openai_config(model=None)) as llm:
        result = await llm.complete(MESSAGES)
        assert llm.model == "fake-model"
    assert result.model == "fake-model" and fake_llm.requests[0].json["model"] == "fake-model"


async def test_extra_body_and_max_tokens_field_are_configurable(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(["x"])
    config = openai_config(extra_body={"top_k": 40}, max_tokens=99, max_tokens_field="max_completion_tokens")
    async with make_client(config) as llm:
        await llm.complete(MESSAGES)
    assert fake_llm.requests[0].json["top_k"] == 40
    assert fake_llm.requests[0].json["max_completion_tokens"] == 99 and "max_tokens" not in fake_llm.requests[0].json


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"temperature": -1.0}, {"max_tokens": 0}])
async def test_bad_arguments_are_usage_errors(openai_config, kwargs: dict) -> None:
    async with make_client(openai_config()) as llm:
        with pytest.raises(UsageError):
            await llm.complete(MESSAGES, **kwargs)


async def test_empty_message_list_is_a_usage_error(openai_config) -> None:
    async with make_client(openai_config()) as llm:
        with pytest.raises(UsageError):
            await llm.complete([])
