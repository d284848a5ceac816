"""The per-client concurrency limit, and the fake's own capacity for 1,000 requests in flight."""

import asyncio
import json
import time

from agents.llm import ChatMessage, make_client
from tests.fakes import FakeLLM

MESSAGES = [ChatMessage.user("Plan, please.")]


async def test_concurrency_never_exceeds_the_limit(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.latency_s = 0.05
    fake_llm.respond = lambda request: "ok"
    async with make_client(openai_config(max_concurrency=3)) as llm:
        results = await asyncio.gather(*(llm.complete(MESSAGES) for _ in range(20)))
    assert len(results) == 20 and fake_llm.calls == 20
    assert fake_llm.max_in_flight == 3


async def test_samples_as_separate_requests_share_the_limit(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.latency_s = 0.05
    fake_llm.respond = lambda request: "ok"
    async with make_client(openai_config(max_concurrency=2, native_n=False)) as llm:
        results = await asyncio.gather(*(llm.complete(MESSAGES, n=4) for _ in range(3)))
    assert [len(r.completions) for r in results] == [4, 4, 4]
    assert fake_llm.calls == 12 and fake_llm.max_in_flight == 2


async def test_a_large_limit_runs_calls_concurrently(fake_llm: FakeLLM, openai_config) -> None:
    fake_llm.latency_s = 0.3
    fake_llm.respond = lambda request: "ok"
    async with make_client(openai_config(max_concurrency=60)) as llm:  # spread over several pools
        started = time.perf_counter()
        await asyncio.gather(*(llm.complete(MESSAGES) for _ in range(60)))
        wall = time.perf_counter() - started
    assert fake_llm.max_in_flight == 60
    assert wall < 3.0  # concurrent: one after the other would take 60 x 0.3 s = 18 s


async def _raw_post(port: int, body: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /v1/completions HTTP/1.1\r\nhost: fake\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


async def test_the_fake_holds_a_thousand_requests_in_flight() -> None:
    body = json.dumps({"model": "m", "prompt": "go"}).encode()
    with FakeLLM(respond=lambda request: "ok", latency_s=1.0) as fake:
        started = time.perf_counter()
        statuses = await asyncio.gather(*(_raw_post(fake.port, body) for _ in range(1000)))
        wall = time.perf_counter() - started
    assert statuses == [200] * 1000
    assert fake.max_in_flight == 1000
    assert wall < 6.0  # 1 s latency each, all at once; generous for a busy 2-core machine
