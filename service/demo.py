"""The main job (``make demo``, ``python -m service.demo``): a small batch on the embedded local model.

Three generated 3-block blocksworld problems, at most 3 rounds each, PDDL prompts and constrained decoding
(the answer is forced into the task's plan grammar), into ``./out/demo`` (started afresh each time), then
a summary and where ``report.md`` / ``report.html`` are.  Everything runs offline on the small model
Modulo ships with (Gemma 3 270M): expect few or no solved problems, it is a weak planner; point the same
batch at a strong model with ``modulo batch blocksworld --generate --provider openai …``.

It is the same code path as::

    modulo batch blocksworld --generate --n 3 --size 3 --max-rounds 3 --prompt-style pddl --constrained \\
        --out out/demo

plus a cap on the answer length, so that it ends in a few minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

DEMO_OUT = Path("out") / "demo"
PROBLEMS = 3
BLOCKS = 3
MAX_ROUNDS = 3
MAX_PLAN_STEPS = 8
"""Enough for any 3-block task (every block down, then every goal stack: at most 8 steps)."""
ANSWER_TOKENS = 72
"""An 8-step plan in PDDL is ~60 tokens; the grammar ends the answer with [PLAN END] anyway."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_OUT, help=f"batch folder (default: {DEMO_OUT})")
    parser.add_argument("--n", type=int, default=PROBLEMS, help=f"problems (default: {PROBLEMS})")
    parser.add_argument("--resume", action="store_true", help="keep the folder's results and resume it")
    args = parser.parse_args(argv)

    from rich.console import Console

    from agents.graph import RunOptions
    from domains import ModuloError

    from ._batch import BatchSpec
    from ._batch_cli import run_and_report
    from ._batch_source import resolve_source

    console = Console(highlight=False)
    if not args.resume and args.out.exists():
        shutil.rmtree(args.out)
    try:
        label, items = resolve_source("blocksworld", generate=True, n=args.n, size=BLOCKS, seed=0)
    except ModuloError as exc:
        console.print(f"error: {exc}")
        return 2
    options = RunOptions(
        max_rounds=MAX_ROUNDS,
        prompt_style="pddl",
        constrained=True,
        max_plan_steps=MAX_PLAN_STEPS,
        max_tokens=ANSWER_TOKENS,
        temperature=0.7,
        feedback="all",
        history="full",
        memory=True,
    )
    spec = BatchSpec(source=label, items=tuple(items), options=options, out=args.out, concurrency=1,
                     lessons_db=args.out / "lessons.sqlite")
    console.print(
        f"[bold]Modulo demo[/]: {args.n} generated {BLOCKS}-block blocksworld problems on the embedded local "
        f"model (Gemma 3 270M), at most {MAX_ROUNDS} rounds each, PDDL prompts, constrained decoding, "
        f"answers capped at {ANSWER_TOKENS} tokens."
    )
    console.print("[dim]The first start assembles the model file (~250 MB) once; a run takes about a minute.[/]")
    started = time.perf_counter()
    code = run_and_report(spec, console)
    if code == 0:
        console.print(f"[bold]Demo finished in {time.perf_counter() - started:.0f} s.[/] Open "
                      f"{(args.out / 'report.html').resolve()} in a browser, or read {args.out / 'report.md'}.",
                      soft_wrap=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
