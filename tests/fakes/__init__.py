"""Fakes at the external boundaries, shared by the tests, the loop tests and the benchmarks."""

from collections.abc import Iterator

import pytest

from .fake_llm import FakeLLM, Fault, RecordedRequest, Reply

__all__ = ["FakeLLM", "Fault", "RecordedRequest", "Reply", "fake_llm"]


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A started :class:`FakeLLM` with an empty script; set ``fake_llm.set_script([...])`` in the test."""
    with FakeLLM() as fake:
        yield fake
