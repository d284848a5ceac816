"""Fixtures of the LLM client tests: the scripted fake server and configs pointing at it."""

from collections.abc import Callable
from typing import Any

import pytest

from agents.llm import LLMConfig
from tests.fakes import FakeLLM, fake_llm

__all__ = ["fake_llm", "openai_config"]


@pytest.fixture
def openai_config(fake_llm: FakeLLM) -> Callable[..., LLMConfig]:
    """``openai_config(**overrides)``: an openai-provider config for the fake, with fast backoff."""

    def make(**overrides: Any) -> LLMConfig:
        values: dict[str, Any] = {
            "provider": "openai",
            "base_url": fake_llm.base_url,
            "model": "fake-model",
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.05,
            "timeout_s": 5.0,
        }
        return LLMConfig(**(values | overrides))

    return make
