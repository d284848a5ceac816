"""Usage and cost accounting from the price table."""

import asyncio
import logging

import pytest

from agents.llm import ChatMessage, ModelPrice, make_client
from agents.llm._pricing import price_for
from tests.fakes import FakeLLM, Reply

MESSAGES = [ChatMessage.user("one two three")]  # 3 prompt tokens in the fake's word count
PRICES = {"fake-model": ModelPrice(input_per_mtok=2.0, output_per_mtok=10.0)}


async def test_usage_and_cost_add_up(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.set_script(
        [
            Reply("a b", prompt_tokens=1000, completion_tokens=200),
            "c d e",
            Reply("x", completion_tokens=7),
            "f",
            "g",
        ]
    )
    async with make_client(openai_config(prices=PRICES)) as llm:
        first = await llm.complete(MESSAGES)
        second = await llm.complete(MESSAGES)
        third = await llm.complete(MESSAGES, n=3)  # one request, three choices
        results = [first, second, third]
        totals = llm.totals
    assert first.usage.prompt_tokens == 1000 and first.usage.completion_tokens == 200
    assert first.cost_usd == pytest.approx((1000 * 2.0 + 200 * 10.0) / 1e6)
    assert second.usage.prompt_tokens == 3 and second.usage.completion_tokens == 3
    assert third.usage.completion_tokens == 7 + 1 + 1
    assert totals.calls == 3 and totals.requests == 3
    assert totals.usage.prompt_tokens == sum(r.usage.prompt_tokens for r in results)
    assert totals.usage.completion_tokens == sum(r.usage.completion_tokens for r in results)
    assert totals.usage.total_tokens == totals.usage.prompt_tokens + totals.usage.completion_tokens
    assert totals.cost_usd == pytest.approx(sum(r.cost_usd or 0 for r in results))
    assert totals.cost_usd == pytest.approx(
        (totals.usage.prompt_tokens * 2.0 + totals.usage.completion_tokens * 10.0) / 1e6
    )


async def test_usage_of_retried_and_topped_up_calls_counts_each_answer_once(openai_config) -> None:
    with FakeLLM(respond=lambda request: "p q", honour_n=False) as fake:
        async with make_client(openai_config(base_url=fake.base_url, prices=PRICES)) as llm:
            results = await asyncio.gather(*(llm.complete(MESSAGES, n=2) for _ in range(5)))
            totals = llm.totals
    assert fake.calls == 10 and totals.requests == 10 and totals.calls == 5
    assert totals.usage.completion_tokens == 5 * 2 * 2
    assert totals.usage.prompt_tokens == 5 * 2 * 3
    assert totals.cost_usd == pytest.approx(sum(r.cost_usd or 0 for r in results))


async def test_models_without_a_price_have_unknown_cost(
    fake_llm: FakeLLM, openai_config, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.set_script(["a", "b"])
    prices = {"other-model": ModelPrice(input_per_mtok=1, output_per_mtok=1)}
    with caplog.at_level(logging.WARNING, logger="modulo.llm"):
        async with make_client(openai_config(prices=prices)) as llm:
            first = await llm.complete(MESSAGES)
            await llm.complete(MESSAGES)
            totals = llm.totals
    assert first.cost_usd is None
    assert totals.unpriced_calls == 2 and totals.cost_usd == 0.0
    assert sum("No price for model" in r.getMessage() for r in caplog.records) == 1


def test_prices_match_exactly_else_by_longest_prefix() -> None:
    cheap, dear = (
        ModelPrice(input_per_mtok=1, output_per_mtok=1),
        ModelPrice(input_per_mtok=9, output_per_mtok=9),
    )
    prices = {"gpt-4o": dear, "gpt-4o-mini": cheap}
    assert price_for(prices, "gpt-4o") is dear
    assert price_for(prices, "gpt-4o-2024-08-06") is dear
    assert price_for(prices, "gpt-4o-mini-2024-07-18") is cheap
    assert price_for(prices, "claude-x") is None
