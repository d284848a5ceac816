"""Benchmark of the LLM client layer; prints figures (it is not a timed test).

    .venv/bin/python bench/llm_client.py [--calls 2000] [--concurrent 1000] [--skip-local]

1. Client overhead per call against a zero-latency fake server in another process, next to a bare
   ``httpx.AsyncClient`` POST + JSON decode in the same run (target: < 1 ms more than bare httpx).
2. 1,000 concurrent in-flight calls against a fake with 1 s latency (target: < 1.5 s wall, no error).
3. Tokens/s of the embedded local model on this machine, without and with a task grammar.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.grammar import PLAN_END, for_task  # noqa: E402
from agents.llm import ChatMessage, LLMConfig, make_client  # noqa: E402
from domains import PlanningTask  # noqa: E402

FAKE = ROOT / "tests" / "fakes" / "fake_llm.py"
MESSAGES = [ChatMessage.system("You are a planner."), ChatMessage.user("Plan: put a on b.")]


@contextmanager
def fake_server(latency_s: float) -> Iterator[str]:
    """A fake LLM in its own process (so it does not share the client's GIL); yields its root URL."""
    process = subprocess.Popen(
        [sys.executable, str(FAKE), "--latency", str(latency_s)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def summary(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"mean {statistics.fmean(ms):.3f} ms, p50 {statistics.median(ms):.3f} ms"


async def timed(
    call: Callable[[], Awaitable[object]], count: int, cpu: list[float] | None = None
) -> list[float]:
    """Wall time of each call; adds the client process's CPU time for all of them to ``cpu``."""
    samples = []
    cpu_started = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return samples


async def overhead(calls: int) -> None:
    print(f"\n## 1. Client overhead per call ({calls} sequential calls each, zero-latency fake)")
    with fake_server(0.0) as root:
        config = LLMConfig(provider="openai", base_url=f"{root}/v1", model="fake-model", max_concurrency=4)
        body = json.dumps(
            {"model": "fake-model", "messages": [m.model_dump() for m in MESSAGES], "max_tokens": 16}
        ).encode()
        async with httpx.AsyncClient(
            base_url=f"{root}/v1", headers={"content-type": "application/json"}
        ) as bare:

            async def bare_call() -> object:
                response = await bare.post("chat/completions", content=body)
                response.raise_for_status()
                return response.json()["choices"][0]["message"]["content"]

            async with make_client(config) as client:

                async def client_call() -> object:
                    return await client.complete(MESSAGES, max_tokens=16)

                await timed(bare_call, 200)  # warm up both connection pools and code paths
                await timed(client_call, 200)
                bare_samples: list[float] = []
                client_samples: list[float] = []
                bare_cpu: list[float] = []
                client_cpu: list[float] = []
                rounds = 10
                for _ in range(rounds):  # interleaved, so drift and other load hit both alike
                    bare_samples += await timed(bare_call, calls // rounds, bare_cpu)
                    client_samples += await timed(client_call, calls // rounds, client_cpu)
    bare_cpu_ms = sum(bare_cpu) / len(bare_samples) * 1000
    client_cpu_ms = sum(client_cpu) / len(client_samples) * 1000
    print(f"- bare httpx POST + json : {summary(bare_samples)}; client CPU {bare_cpu_ms:.3f} ms/call")
    print(f"- Modulo client.complete : {summary(client_samples)}; client CPU {client_cpu_ms:.3f} ms/call")
    mean = statistics.fmean(client_samples) - statistics.fmean(bare_samples)
    p50 = statistics.median(client_samples) - statistics.median(bare_samples)
    cpu = client_cpu_ms - bare_cpu_ms
    verdict = "OK" if max(mean * 1000, p50 * 1000, cpu) < 1 else "OVER TARGET"
    print(
        f"- overhead over bare httpx: wall mean {mean * 1000:+.3f} ms, wall p50 {p50 * 1000:+.3f} ms,",
        end=" ",
    )
    print(f"CPU {cpu:+.3f} ms per call (target < 1 ms: {verdict})")


async def concurrency(count: int) -> None:
    print(f"\n## 2. {count} concurrent in-flight calls, fake latency 1 s")
    with fake_server(1.0) as root:
        config = LLMConfig(
            provider="openai",
            base_url=f"{root}/v1",
            model="fake-model",
            max_concurrency=count,
            max_attempts=1,
        )
        async with make_client(config) as client:
            for label in ("cold (new connections)", "warm (kept-alive connections)"):
                started, cpu_started = time.perf_counter(), time.process_time()
                results = await asyncio.gather(
                    *(client.complete(MESSAGES, max_tokens=16) for _ in range(count)), return_exceptions=True
                )
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                stats = httpx.get(f"{root}/_fake/stats").json()
                errors = [r for r in results if isinstance(r, BaseException)]
                verdict = "OK" if wall < 1.5 and not errors else "OVER TARGET"
                print(f"- {label}: wall {wall:.3f} s, client CPU {cpu:.2f} s, errors {len(errors)},", end=" ")
                print(f"server max in flight {stats['max_in_flight']} (target < 1.5 s, no error: {verdict})")
                for error in errors[:3]:
                    print(f"  error: {error!r}")


async def local_model(rounds: int) -> None:
    print("\n## 3. Embedded local model (Gemma 3 270M Q4_K_M, llama.cpp server)")
    planbench = ROOT.parent / "shared" / "planbench" / "domains" / "blocksworld"
    task = PlanningTask.from_files(
        planbench / "domain.pddl", planbench / "instances" / "generated_basic_3" / "instance-1.pddl"
    )
    grammar = for_task(task, max_steps=12)
    prompt = "[PLAN]\n(unstack c b)\n(put-down c)\n(unstack b a)\n(stack b c)\n[PLAN END]\n\n[PLAN]\n"
    async with make_client(LLMConfig()) as client:
        started = time.perf_counter()
        await client.start()  # type: ignore[attr-defined]
        print(f"- server start (model file cached): {time.perf_counter() - started:.2f} s")
        await client.complete("Hello", max_tokens=4)  # warm-up
        for label, kwargs in (
            ("free text, 128 tokens", {"max_tokens": 128}),
            ("with task grammar", {"max_tokens": 128, "grammar": grammar}),
        ):
            tokens, seconds = 0, 0.0
            for seed in range(rounds):
                result = await client.complete(prompt, temperature=0.8, **kwargs)  # type: ignore[arg-type]
                tokens += result.usage.completion_tokens
                seconds += result.latency_s
                del seed
            print(
                f"- {label}: {tokens} tokens in {seconds:.2f} s = {tokens / seconds:.1f} tokens/s "
                f"(prompt ~{result.usage.prompt_tokens} tokens, {rounds} calls)"
            )
        print(f"- a grammar-constrained sample: {result.completions[0].text!r}")
        assert PLAN_END in result.completions[0].text or result.completions[0].finish_reason == "length"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrent", type=int, default=1000)
    parser.add_argument("--local-rounds", type=int, default=3)
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    print("# LLM client benchmark")
    await overhead(args.calls)
    await concurrency(args.concurrent)
    if not args.skip_local:
        await local_model(args.local_rounds)


if __name__ == "__main__":
    asyncio.run(main())
