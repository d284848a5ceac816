"""Acceptance: the API and two workers as processes, a batch of 50 runs over HTTP, one worker SIGKILLed
mid-batch.  Every run finishes with exactly one result, the report is right, and no round the killed worker
had completed is asked of the LLM again (only the calls in flight at the kill may be repeated)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from .stack import running_stack, services_available

N = 50
MAX_JOBS = 8


def test_batch_survives_a_killed_worker(tmp_path: Path) -> None:
    if not services_available():
        pytest.skip("needs PostgreSQL and Redis")
    # the killed worker's claims lapse after the lease (3 s), long before arq's own (job timeout + 10 s = 610 s)
    with running_stack(tmp_path, workers=2, default_round=2, llm_latency=0.25, job_timeout_s=600,
                       extra_env={"MODULO_WORKER_MAX_JOBS": str(MAX_JOBS), "MODULO_SWEEP_INTERVAL_S": "2",
                                  "MODULO_WORKER_LEASE_S": "3"},
                       ) as stack, stack.client() as client:
        created = client.post("/v1/batches", json={"domain": "blocksworld", "generate": True, "n": N,
                                                   "options": {"max_rounds": 4, "prompt_style": "pddl"}})
        assert created.status_code == 201, created.text
        batch_id = created.json()["id"]
        deadline = time.monotonic() + 30
        while client.get(f"/v1/batches/{batch_id}").json()["progress"]["finished"] < 12:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        stack.kill("worker0")
        killed_at = time.monotonic()
        deadline = killed_at + 45
        while not (view := client.get(f"/v1/batches/{batch_id}").json())["done"]:
            assert time.monotonic() < deadline, view["progress"]
            time.sleep(0.5)
        runs = [client.get(f"/v1/runs/{r['id']}").json() for r in view["runs"]]
        calls = stack.llm_calls()

    assert view["progress"] == {"total": N, "queued": 0, "running": 0, "finished": N, "by_status": {"solved": N}}
    assert len({r["instance"] for r in runs}) == N
    for run in runs:
        assert run["status"] == "solved" and run["result"]["run_id"] == run["id"]
        assert [r["number"] for r in run["rounds"]] == [1, 2]
        assert run["result"]["usage"]["llm_calls"] == 2, run["instance"]
    summary = view["report"]["summary"]
    assert (summary["finished"], summary["solved"], summary["solved_by_round"]) == (N, N, [0, N, N, N])
    assert summary["llm_calls"] == 2 * N
    # every (problem, round) asked once, except the rounds in flight on the killed worker
    counts = Counter(calls)
    repeated = {pair: n for pair, n in counts.items() if n > 1}
    assert set(p for p, _ in counts) == {r["instance"] for r in runs}
    assert all(n == 2 for n in repeated.values()), repeated
    assert len(repeated) <= MAX_JOBS, repeated
    assert len(calls) == 2 * N + len(repeated)
