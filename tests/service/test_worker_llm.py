"""The LLM client a worker opens can serve every run the worker executes at once."""

from __future__ import annotations

from typing import Any

from agents.llm import LLMSettings
from service._settings import ServiceSettings
from service._worker import Runtime


def runtime(llm: LLMSettings, *, embedded: bool = False) -> Runtime:
    settings = ServiceSettings(worker_max_jobs=123, embedded_concurrency=17)
    none: Any = None
    return Runtime(settings, embedded, none, none, none, none, llm_settings=llm)


async def test_a_remote_llm_client_takes_as_many_calls_as_the_process_runs_at_once() -> None:
    remote = LLMSettings(provider="openai", base_url="http://127.0.0.1:9/v1", model="m")
    service = runtime(remote)
    client = await service.llm()
    try:
        assert client.max_concurrency == 123
    finally:
        await service._llm_stack.aclose()
    assert runtime(remote, embedded=True)._sized(remote).max_concurrency == 17


def test_an_explicit_limit_and_the_embedded_model_keep_theirs() -> None:
    limited = LLMSettings(provider="openai", base_url="http://127.0.0.1:9/v1", model="m", max_concurrency=3)
    assert runtime(limited)._sized(limited).max_concurrency == 3
    local = LLMSettings(provider="local")
    assert runtime(local)._sized(local) is local
