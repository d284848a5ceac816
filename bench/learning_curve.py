"""Does the lessons memory help?  One stream of problems, run twice: memory off, then memory on.

    .venv/bin/python bench/learning_curve.py [--n 10] [--domain mystery_blocksworld] [--size 3] \\
        [--provider openai --base-url … --model …] [any `modulo batch` run option]

Each arm is a batch (``modulo batch`` code path, one run at a time so that later problems can use what
earlier ones taught) into ``out/learning_curve/memory-off`` and ``…/memory-on``, each with a fresh lessons
store.  Prints, per arm, success at round 1, final success and LLM calls per solved instance (all calls of
the arm divided by the problems solved), the settings used, and writes a comparison report
(``comparison.md``/``.html``) beside the arms.

Defaults fit ~10 minutes on two CPU cores with the embedded model (Gemma 3 270M): PDDL prompts, constrained
decoding, answers capped at 72 tokens, 10 problems of 3 blocks, at most 4 rounds.  That model hardly ever
finds a valid plan, so expect figures near zero for both arms; the benchmark is meant for strong models
behind the same options.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service._run_options import (  # noqa: E402
    BaseUrlOpt,
    ConstrainedOpt,
    FeedbackChoice,
    FeedbackOpt,
    HistoryChoice,
    HistoryOpt,
    LLMConfigOpt,
    MaxRoundsOpt,
    ModelOpt,
    PromptStyleOpt,
    ProviderOpt,
    SamplesOpt,
    StyleChoice,
    TemperatureOpt,
    build_run_options,
    load_llm_settings,
)

ARMS = (("memory-off", False), ("memory-on", True))


def main(
    n: Annotated[int, typer.Option("--n", min=1, help="problems in the stream")] = 10,
    domain: Annotated[str, typer.Option(help="shipped domain with a generator")] = "mystery_blocksworld",
    size: Annotated[int, typer.Option(min=2, help="blocks (or the domain's size) per problem")] = 3,
    seed: Annotated[int, typer.Option(help="seed of the first problem")] = 100,
    out: Annotated[Path, typer.Option(file_okay=False, help="where the two arms and the comparison go")] = Path(
        "out/learning_curve"
    ),
    answer_tokens: Annotated[int, typer.Option(min=1, help="cap on each LLM answer (tokens)")] = 72,
    namespace: Annotated[str, typer.Option(help="lessons namespace of the memory-on arm")] = "learning-curve",
    resume: Annotated[bool, typer.Option("--resume", help="keep the arms' folders and resume them")] = False,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    max_rounds: MaxRoundsOpt = 4,
    samples: SamplesOpt = 1,
    feedback: FeedbackOpt = FeedbackChoice.all,
    history: HistoryOpt = HistoryChoice.full,
    prompt_style: PromptStyleOpt = StyleChoice.pddl,
    temperature: TemperatureOpt = 0.7,
    constrained: ConstrainedOpt = True,
) -> None:
    """Run the stream with memory off and on; print success at round 1, final success, calls per solved."""
    from agents.llm import make_client
    from service._batch import BatchSpec, run_batch
    from service._batch_source import resolve_source
    from service._report import write_comparison

    settings = load_llm_settings(provider, model, base_url, llm_config)
    label, items = resolve_source(domain, generate=True, n=n, size=size, seed=seed)
    specs = []
    for arm, memory in ARMS:
        options = build_run_options(
            llm_settings=settings, max_rounds=max_rounds, samples=samples, feedback=feedback, history=history,
            prompt_style=prompt_style, temperature=temperature, constrained=constrained, memory=memory,
            namespace=namespace,
        ).model_copy(update={"max_tokens": answer_tokens, "max_plan_steps": 4 * (size - 1)})
        folder = out / arm
        if not resume and folder.exists():
            shutil.rmtree(folder)
        specs.append(BatchSpec(source=label, items=tuple(items), options=options, out=folder, concurrency=1,
                               lessons_db=folder / "lessons.sqlite"))

    default_model = "Gemma 3 270M, embedded" if settings.provider == "local" else "server default"
    llm_name = f"{settings.provider} / {settings.model or default_model}"
    print(f"stream: {label}, {n} problems; LLM: {llm_name}")
    print(f"options: max {max_rounds} rounds, {samples} sample(s)/round, feedback {feedback.value}, history "
          f"{history.value}, prompt {prompt_style.value}, constrained {'on' if constrained else 'off'}, "
          f"temperature {temperature}, answers ≤ {answer_tokens} tokens; memory-on namespace {namespace!r}, "
          "fresh lessons store per arm")

    async def run_arms() -> list[float]:
        seconds = []
        async with make_client(specs[0].options.llm) as llm:  # one client (one local server) for both arms
            for spec, (arm, _) in zip(specs, ARMS, strict=True):
                started = time.perf_counter()
                outcome = await run_batch(spec, llm=llm, progress=_Dots(arm))
                seconds.append(time.perf_counter() - started)
                print(f" done in {seconds[-1]:.0f} s ({outcome.ran} runs, {outcome.skipped} already finished)")
        return seconds

    seconds = asyncio.run(run_arms())
    report = write_comparison([s.out for s in specs], out, [arm for arm, _ in ARMS])
    print()
    print(f"{'arm':<12} {'solved@round 1':>15} {'final success':>15} {'LLM calls/solved':>17} {'LLM calls':>10} "
          f"{'tokens':>9} {'time':>7}")
    for summary, took in zip(report.arms, seconds, strict=True):
        per_solved = f"{summary.calls_per_solved:.2f}" if summary.calls_per_solved is not None else "n/a"
        first = summary.solved_by_round[0] if summary.solved_by_round else 0
        print(f"{summary.label:<12} {f'{first}/{summary.finished} ({100 * summary.success_round1:.0f}%)':>15} "
              f"{f'{summary.solved}/{summary.finished} ({100 * summary.final_success:.0f}%)':>15} "
              f"{per_solved:>17} {summary.llm_calls:>10} {summary.tokens:>9,} {took:>6.0f}s")
    print(f"\ncomparison report: {report.markdown}\n                   {report.html}")


class _Dots:
    """Minimal progress: one character per finished run (+ solved, . not solved, ! error)."""

    def __init__(self, arm: str) -> None:
        self.arm = arm

    def batch_started(self, total: int, done: int) -> None:
        print(f"{self.arm:<12} ", end="", flush=True)

    def run_started(self, item: object, resumed_rounds: int) -> None:
        pass

    def round_done(self, item: object, round_: object) -> None:
        pass

    def run_finished(self, record: object) -> None:
        status = getattr(record, "status", "")
        print({"solved": "+", "unsolved": "."}.get(status, "!"), end="", flush=True)


if __name__ == "__main__":
    typer.run(main)
