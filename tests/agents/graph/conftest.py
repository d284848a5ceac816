"""Fixtures of the loop tests: the scripted fake LLM over real HTTP, a client on it, and corpus tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from agents.llm import LLMClient, LLMConfig, make_client
from domains import PlanningTask
from tests.fakes import FakeLLM, fake_llm

__all__ = ["corpus_task", "fake_llm", "llm", "llm_config"]

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "blocksworld"

BAD_HAND = "(unstack d c)\n(unstack a b)\n(put-down a)\n"
"""Step 2 fails: (unstack a b) needs (handempty)."""
SHORT = "(unstack d c)\n(put-down d)\n"
"""Executable, but both goal literals (on c a) and (on b d) are unmet."""
GOOD = (CORPUS / "full.plan").read_text()


@pytest.fixture
def corpus_task() -> PlanningTask:
    return PlanningTask.from_files(CORPUS / "domain.pddl", CORPUS / "problem.pddl")


@pytest.fixture
def llm_config(fake_llm: FakeLLM) -> Callable[..., LLMConfig]:
    def make(**overrides: Any) -> LLMConfig:
        values: dict[str, Any] = {
            "provider": "openai", "base_url": fake_llm.base_url, "model": "fake-model",
            "backoff_initial_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 10.0,
        }
        return LLMConfig(**(values | overrides))

    return make


@pytest.fixture
async def llm(llm_config: Callable[..., LLMConfig]) -> AsyncIterator[LLMClient]:
    async with make_client(llm_config()) as client:
        yield client
