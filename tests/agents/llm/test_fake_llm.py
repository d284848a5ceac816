"""The fake LLM server itself: scripts per conversation, responder functions, recording."""

import asyncio

import httpx
import pytest

from agents.llm import ChatMessage, LLMProviderError, make_client
from tests.fakes import FakeLLM, Reply


async def test_scripts_per_conversation(openai_config) -> None:
    script = {"plan A": ["a1", "a2"], "plan B": ["b1"]}
    with FakeLLM(script) as fake:
        async with make_client(openai_config(base_url=fake.base_url)) as llm:
            first = await llm.complete([ChatMessage.user("plan A")])
            second = await llm.complete([ChatMessage.user("plan B")])
            # a back-prompt continues the conversation: its first user message is unchanged
            third = await llm.complete(
                [ChatMessage.user("plan A"), ChatMessage.assistant("a1"), ChatMessage.user("wrong, again")]
            )
        assert fake.remaining == 0
    assert (first.texts, second.texts, third.texts) == (["a1"], ["b1"], ["a2"])


async def test_responder_functions_sync_and_async(openai_config) -> None:
    async def echo(request: dict) -> Reply:
        await asyncio.sleep(0)
        return Reply(text=request["prompt"].upper(), finish_reason="length")

    with FakeLLM(respond=echo) as fake:
        async with make_client(openai_config(base_url=fake.base_url, endpoint="completions")) as llm:
            result = await llm.complete("shout")
    assert result.texts == ["SHOUT"] and result.completions[0].finish_reason == "length"
    with FakeLLM(respond=lambda request: str(len(request["messages"]))) as fake:
        async with make_client(openai_config(base_url=fake.base_url)) as llm:
            assert (await llm.complete([ChatMessage.user("x")] * 3)).texts == ["3"]


async def test_an_exhausted_script_is_a_server_error_that_says_so(fake_llm: FakeLLM, openai_config) -> None:
    async with make_client(openai_config(max_attempts=1)) as llm:
        with pytest.raises(LLMProviderError, match="script exhausted"):
            await llm.complete("hello")


def test_models_listing_and_recording(fake_llm: FakeLLM) -> None:
    assert httpx.get(f"{fake_llm.base_url}/models").json()["data"][0]["id"] == "fake-model"
    fake_llm.set_script(["ok"])
    httpx.post(f"{fake_llm.base_url}/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert fake_llm.calls == 1 and fake_llm.requests[0].json["messages"][0]["content"] == "hi"
    assert httpx.get(f"{fake_llm.root_url}/_fake/stats").json() == {"calls": 1, "max_in_flight": 1, "in_flight": 0}
    fake_llm.reset()
    assert fake_llm.calls == 0 and fake_llm.requests == []
    assert httpx.post(f"{fake_llm.base_url}/nowhere", json={}).status_code == 404
