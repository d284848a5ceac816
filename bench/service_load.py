"""Service load: N concurrent runs through one API and W workers against the fake LLM (as a process, fixed
latency), on the machine's PostgreSQL and Redis.  Prints runs/s against the ideal and the time per round
spent beyond the LLM wait (p50/p99).  Not a timed test.

    .venv/bin/python bench/service_load.py --runs 500 --latency 1 --workers 1 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.service.api.stack import running_stack

ROUNDS = 2  # the fake solves every problem in round 2


def measure(runs: int, latency: float, workers: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_stack(
        Path(tmp), workers=workers, default_round=ROUNDS, llm_latency=latency, job_timeout_s=600,
        extra_env={"MODULO_WORKER_MAX_JOBS": str(runs), "MODULO_MAX_BATCH_RUNS": str(runs)},
    ) as stack, stack.client() as client:
        time.sleep(3)  # let the workers start (their warm-up is not the service's throughput)
        started = time.monotonic()
        created = client.post("/v1/batches", json={"domain": "blocksworld", "generate": True, "n": runs,
                                                   "options": {"max_rounds": 4, "prompt_style": "pddl"}})
        created.raise_for_status()
        batch_id = created.json()["id"]
        deadline = started + timeout
        while not (view := client.get(f"/v1/batches/{batch_id}").json())["done"]:
            if time.monotonic() > deadline:
                print(f"  timed out: {view['progress']}")
                return
            time.sleep(0.25)
        wall = time.monotonic() - started
        overheads = []
        for run in view["runs"]:
            result = client.get(f"/v1/runs/{run['id']}").json()["result"]
            took = (datetime.fromisoformat(result["finished_at"]) - datetime.fromisoformat(result["started_at"]))
            llm = sum(r["llm_latency_s"] for r in result["rounds"])
            overheads.append((took.total_seconds() - llm) / max(1, len(result["rounds"])))
    ideal = runs / (ROUNDS * latency)  # every run at once, each round exactly one LLM wait
    rate = runs / wall
    overheads.sort()
    p99 = overheads[min(len(overheads) - 1, int(0.99 * len(overheads)))]
    print(f"  {workers} worker(s): {runs} runs in {wall:.1f} s = {rate:.1f} runs/s, ideal {ideal:.1f} "
          f"({100 * rate / ideal:.0f}%); per round beyond the LLM wait: p50 {statistics.median(overheads):.3f} s, "
          f"p99 {p99:.3f} s; by status {view['progress']['by_status']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    print(f"{args.runs} concurrent runs, {ROUNDS} rounds each, fake LLM latency {args.latency} s")
    for workers in args.workers:
        measure(args.runs, args.latency, workers, args.timeout)


if __name__ == "__main__":
    main()
