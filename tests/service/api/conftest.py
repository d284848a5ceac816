from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .stack import Stack, running_stack, services_available


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """API + one worker + fake LLM (solves each problem in round 2, 0.05 s per call)."""
    if not services_available():
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    tmp: Path = tmp_path_factory.mktemp("service")
    with running_stack(tmp, workers=1, default_round=2, llm_latency=0.05) as running:
        yield running
