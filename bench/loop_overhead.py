"""Benchmark of the loop's orchestration overhead per round; prints figures (it is not a timed test).

    .venv/bin/python bench/loop_overhead.py [--runs 20] [--rounds 15]

Every round of a run is timed against a zero-latency fake LLM in another process, which always answers the
same invalid blocksworld plan, so each run goes through all its rounds (propose → extract → verify → decide
→ back-prompt).  Orchestration per round = (run wall time − LLM call wall time) / rounds: everything but the
wait for the LLM — prompts, plan extraction, the PDDL validator, critique text, LangGraph's step machinery,
checkpoints, and the lessons memory (recall and learn, once per run, spread over its rounds).

Reference in the same run: the bare LLM call (the same client and messages, no loop).
Target: < 5 ms per round for blocksworld with n=1 and memory on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypedDict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.graph import RoundCheckpointer, RunOptions, RunResult, run_task, sqlite_checkpointer  # noqa: E402
from agents.llm import LLMClient, LLMConfig, make_client  # noqa: E402
from agents.memory import SqliteLessonStore  # noqa: E402
from domains import PlanningTask, renderer_for_task  # noqa: E402

FAKE = ROOT / "tests" / "fakes" / "fake_llm.py"
CORPUS = ROOT / "tests" / "corpus" / "blocksworld"
ANSWER = "(unstack d c)\n(put-down d)\n(unstack a b)\n(stack a d)\n[PLAN END]"
"""Executable, but leaves (on c a) and (on b d) unmet: every round fails and is back-prompted."""


class State(TypedDict, total=False):
    """The state of the no-op reference graph."""

    n: int
    status: str | None


@contextmanager
def fake_server() -> Iterator[str]:
    """A zero-latency fake LLM in its own process (it does not share the loop's GIL); yields its /v1 URL."""
    process = subprocess.Popen(
        [sys.executable, str(FAKE), "--latency", "0", "--text", ANSWER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(10)


class TimedStore:
    """A lesson store that adds up the time spent in it (recall, reward, add)."""

    def __init__(self, inner: SqliteLessonStore) -> None:
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


@asynccontextmanager
async def nothing() -> AsyncIterator[None]:
    yield None


async def bench(
    llm: LLMClient, task: PlanningTask, options: RunOptions, runs: int, *, memory_db: Path | None,
    checkpoint_db: Path | None, durability: str = "sync", per_round: bool = False,
) -> dict[str, float]:
    per_round, in_nodes, llm_share, cpu = [], [], [], []
    store_seconds = 0.0
    store = TimedStore(SqliteLessonStore(memory_db)) if memory_db is not None else None
    checkpoints: Any = sqlite_checkpointer(checkpoint_db) if checkpoint_db is not None else nothing()
    try:
        async with checkpoints as saver:
            checkpointer = RoundCheckpointer(saver) if per_round and saver is not None else saver
            for i in range(runs + 1):
                started, cpu_started = time.perf_counter(), time.process_time()
                result: RunResult = await run_task(
                    task, options, llm=llm, store=store, checkpointer=checkpointer,  # type: ignore[arg-type]
                    run_id=f"bench-{i}-{time.time_ns()}", durability=durability,  # type: ignore[arg-type]
                )
                wall, cpu_spent = time.perf_counter() - started, time.process_time() - cpu_started
                assert result.status == "unsolved" and len(result.rounds) == options.max_rounds, result.reason
                if i == 0:
                    store_seconds = store.seconds if store is not None else 0.0
                    continue  # warm-up: first parse of the task, first connection, SQLite schema
                waited = sum(r.llm_latency_s for r in result.rounds)
                per_round.append((wall - waited) / len(result.rounds))
                in_nodes.append(sum(r.latency_s - r.llm_latency_s for r in result.rounds) / len(result.rounds))
                llm_share.append(waited / len(result.rounds))
                cpu.append(cpu_spent / len(result.rounds))
    finally:
        if store is not None:
            await store.aclose()
    return {
        "orchestration": statistics.median(per_round),
        "in_nodes": statistics.median(in_nodes),
        "llm": statistics.median(llm_share),
        "cpu": statistics.median(cpu),
        "store": ((store.seconds - store_seconds) / runs / options.max_rounds) if store is not None else 0.0,
    }


async def bare_calls(llm: LLMClient, options: RunOptions, task: PlanningTask, count: int) -> tuple[float, float]:
    """Median wall time of a bare LLM call, and the client process's CPU time per call."""
    from agents.prompts import conversation, task_prompt

    prompt = task_prompt(task, options.prompt_style, renderer=renderer_for_task(task))
    messages = conversation(prompt, [], "full")
    samples = []
    cpu_started = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        await llm.complete(messages, n=1)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), (time.process_time() - cpu_started) / count


async def langgraph_floor(rounds: int, count: int) -> float:
    """Per round, the same graph shape (5 steps a round) with nodes that do nothing: LangGraph's own cost."""
    from langgraph.graph import END, START, StateGraph

    async def step(state: State) -> State:
        return {}

    async def count_round(state: State) -> State:
        return {"n": state["n"] + 1, "status": "done" if state["n"] + 1 >= rounds else None}

    async def route(state: State) -> str:
        return "learn" if state.get("status") else "back_prompt"

    graph = StateGraph(State)
    for name in ("recall", "propose", "extract", "verify", "back_prompt", "learn"):
        graph.add_node(name, step)
    graph.add_node("decide", count_round)
    for a, b in [(START, "recall"), ("recall", "propose"), ("propose", "extract"), ("extract", "verify"),
                 ("verify", "decide"), ("back_prompt", "propose"), ("learn", END)]:
        graph.add_edge(a, b)
    graph.add_conditional_edges("decide", route, ["back_prompt", "learn"])
    compiled = graph.compile()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        async for _chunk in compiled.astream({"n": 0}, {"recursion_limit": 6 * rounds + 10}, stream_mode="updates"):
            pass
        samples.append((time.perf_counter() - started) / rounds)
    return statistics.median(samples)


async def main(runs: int, rounds: int) -> None:
    task = PlanningTask.from_files(CORPUS / "domain.pddl", CORPUS / "problem.pddl")
    base = RunOptions(max_rounds=rounds, samples_per_round=1, prompt_style="nl", feedback="all", history="full")
    print(f"# Loop overhead per round: blocksworld (4 blocks), n=1, {rounds} rounds per run, median of {runs} runs")
    with fake_server() as url, tempfile.TemporaryDirectory() as tmp:
        config = LLMConfig(provider="openai", base_url=url, model="fake-model")
        async with make_client(config) as llm:
            await bare_calls(llm, base, task, 200)
            bare, bare_cpu = await bare_calls(llm, base, task, 500)
            print(
                f"reference: bare LLM call (zero-latency fake, same client): {bare * 1000:.2f} ms wall, "
                f"{bare_cpu * 1000:.2f} ms CPU in this process"
            )
            floor = await langgraph_floor(rounds, runs * 3)
            print(f"reference: LangGraph alone, same 5-step round with no-op nodes: {floor * 1000:.2f} ms\n")
            shm = Path("/dev/shm")
            cases = [
                ("memory on,  no checkpointer", base, tmp, False, "sync"),
                ("memory off, no checkpointer", base.model_copy(update={"memory": False}), None, False, "sync"),
                ("memory on,  history last", base.model_copy(update={"history": "last"}), tmp, False, "sync"),
                ("memory on,  SQLite checkpoints, durability sync", base, tmp, True, "sync"),
                ("memory on,  SQLite checkpoints, durability async", base, tmp, True, "async"),
                ("memory on,  SQLite checkpoints, one per round", base, tmp, True, "per round"),
            ]
            if shm.is_dir():  # the same without fsync: how much of 'lessons DB' is the disk
                cases.insert(1, ("memory on,  lessons DB on tmpfs, no checkpointer", base, str(shm), False, "sync"))
            print(
                f"{'configuration':50} {'orchestration':>14} {'in nodes':>10} {'lessons DB':>11} {'LLM wait':>10} "
                f"{'CPU-bare':>10}"
            )
            for i, (name, options, memory_dir, durable, durability) in enumerate(cases):
                memory_db = Path(memory_dir) / f"modulo-bench-lessons-{os.getpid()}-{i}.sqlite" if memory_dir else None
                figures = await bench(
                    llm, task, options, runs,
                    memory_db=memory_db,
                    checkpoint_db=Path(tmp) / f"runs-{i}.sqlite" if durable else None,
                    durability="sync" if durability == "per round" else durability, per_round=durability == "per round",
                )
                if memory_db is not None:
                    memory_db.unlink(missing_ok=True)
                print(
                    f"{name:50} {figures['orchestration'] * 1000:11.2f} ms {figures['in_nodes'] * 1000:7.2f} ms "
                    f"{figures['store'] * 1000:8.2f} ms {figures['llm'] * 1000:7.2f} ms "
                    f"{(figures['cpu'] - bare_cpu) * 1000:7.2f} ms"
                )
    print(
        "\norchestration = run wall time minus LLM call wall time, per round; 'in nodes' = the part spent inside "
        "the loop's own nodes (extraction, validation, critique, prompts); 'lessons DB' = time in the lessons "
        "store (recall once, reward and add once per run, spread over its rounds); the rest is LangGraph's "
        "step machinery and checkpoint writes.  CPU-bare = this process's CPU time per round minus that of a bare "
        "call: the orchestration's own CPU cost, less sensitive to other load on the machine."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.rounds))
