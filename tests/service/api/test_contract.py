"""Contract: schemathesis against ``/openapi.json`` of a real uvicorn server (embedded mode) with a valid key.

Every operation gets a bounded number of generated requests; none may answer 5xx or break its own response
schema.  (Auth on every route but ``/healthz`` and key isolation: ``test_api.py``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .stack import KEYS, Stack, running_stack, services_available

AUTH = {"Authorization": f"Bearer {KEYS[0]}"}


@pytest.fixture(scope="module")
def contract_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not services_available():  # the stack's clean-up talks to both
        pytest.skip("needs PostgreSQL and Redis")
    tmp: Path = tmp_path_factory.mktemp("contract")
    # small batches: generated bodies may ask for the largest batch allowed
    with running_stack(tmp, workers=0, embedded=True, default_round=1, llm_latency=0.0,
                       extra_env={"MODULO_MAX_BATCH_RUNS": "3"}) as running:
        yield running


MAX_EXAMPLES = 25


def test_no_5xx_and_responses_follow_the_schema(contract_stack: Stack) -> None:
    from hypothesis import given

    api = schemathesis.openapi.from_url(f"{contract_stack.api_url}/openapi.json", headers=AUTH)
    failures: dict[str, str] = {}
    calls: list[str] = []
    tested = 0
    for found in api.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(base_url=contract_stack.api_url, headers=AUTH, timeout=15,
                                   checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, not only the first
            failures[operation.label] = str(exc)[:2000]
        tested += 1
    assert tested >= 12 and len(calls) >= 5 * tested  # every operation really sent requests
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
