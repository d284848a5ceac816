"""Service load: N concurrent runs through one API and W workers against the fake LLM (as a process, fixed
latency), on the machine's PostgreSQL and Redis.  Prints runs/s against the ideal and the time per round
spent beyond the LLM wait (p50/p99), and the workers' CPU per run.  Reference in the same run: the same runs
through ``run_task`` in one process, with no service and no storage (what the loop alone allows on this
machine).  Not a timed test.

    .venv/bin/python bench/service_load.py --runs 500 --latency 1 --workers 1 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.service.api.stack import running_stack

ROUNDS = 2  # the fake solves every problem in round 2


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float, float]:
    """(busy, total, stolen) CPU seconds of the whole machine so far (Linux /proc/stat).  Stolen: time a
    virtual machine's cores waited for the host; counted in busy, it is no work of ours."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    clock = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / clock, sum(ticks) / clock, ticks[7] / clock


def measure(runs: int, latency: float, workers: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_stack(
        Path(tmp), workers=workers, default_round=ROUNDS, llm_latency=latency, job_timeout_s=600,
        extra_env={"MODULO_WORKER_MAX_JOBS": str(runs), "MODULO_MAX_BATCH_RUNS": str(runs)},
    ) as stack, stack.client() as client:
        time.sleep(3)  # let the workers start (their warm-up is not the service's throughput)
        pids = {name: proc.pid for name, proc in stack.procs.items() if name != "llm"}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        machine_before = machine_busy()
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
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        machine = [after - before for after, before in zip(machine_busy(), machine_before, strict=True)]
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
    worker_cpu = sum(v for k, v in cpu.items() if k.startswith("worker"))
    print(f"    CPU per run: workers {1000 * worker_cpu / runs:.1f} ms, API {1000 * cpu['api'] / runs:.1f} ms "
          f"(busy: {', '.join(f'{k} {100 * v / wall:.0f}%' for k, v in cpu.items())} of one core); the "
          f"workers' CPU alone caps throughput at {runs / worker_cpu * workers:.0f} runs/s with {workers} "
          f"core(s) free for them; the machine ({os.cpu_count()} cores, PostgreSQL, Redis and the fake LLM "
          f"included) was {100 * machine[0] / machine[1]:.0f}% busy, and lost {100 * machine[2] / machine[1]:.0f}% "
          "of its time to the host (steal)")


def loop_alone(runs: int, latency: float) -> None:
    """Reference: the same runs through ``run_task`` in this process, no service, no storage, no memory."""
    import asyncio
    import resource
    import subprocess

    from agents.graph import RunOptions, run_task
    from agents.llm import LLMConfig, make_client
    from domains import get_domain

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    async def go(url: str) -> None:
        tasks = get_domain("blocksworld").generate(runs, seed=0)
        for task in tasks:
            task.model()
        options = RunOptions(max_rounds=4, prompt_style="pddl", memory=False)
        config = LLMConfig(provider="openai", base_url=url, model="fake-model", max_concurrency=runs)
        async with make_client(config) as llm:
            cpu_before, started = cpu(), time.monotonic()
            results = await asyncio.gather(*(run_task(task, options, llm=llm) for task in tasks))
            wall, spent = time.monotonic() - started, cpu() - cpu_before
        assert all(r.status == "solved" for r in results)
        ideal = runs / (ROUNDS * latency)
        print(f"  reference, the loop alone (run_task in one process, no service, no storage): {runs / wall:.1f} "
              f"runs/s ({100 * runs / wall / ideal:.0f}% of ideal), CPU per run {1000 * spent / runs:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        fake = subprocess.Popen(
            [sys.executable, "-m", "tests.service.batch_fakes", "--log", str(Path(tmp) / "calls.log"),
             "--latency", str(latency), "--default-round", str(ROUNDS)],
            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE,
        )
        try:
            assert fake.stdout is not None
            asyncio.run(go(f"http://127.0.0.1:{int(fake.stdout.readline())}/v1"))
        finally:
            fake.kill()
            fake.wait()
            if fake.stdout is not None:
                fake.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    print(f"{args.runs} concurrent runs, {ROUNDS} rounds each, fake LLM latency {args.latency} s")
    loop_alone(args.runs, args.latency)
    for workers in args.workers:
        measure(args.runs, args.latency, workers, args.timeout)


if __name__ == "__main__":
    main()
