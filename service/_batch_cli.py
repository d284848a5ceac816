"""``modulo batch SOURCE`` and ``modulo report DIR…`` (registered in ``service/cli.py`` with
``app.command("batch")(batch)`` and ``app.command("report")(report)``).

Exit status of ``batch``: 0 every instance has a result (solved or not), 2 bad input, 3 the batch could not
run (e.g. LLM settings), 130 interrupted (rerun the same command to resume).
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ._run_options import (
    BaseUrlOpt,
    ConstrainedOpt,
    FeedbackChoice,
    FeedbackOpt,
    HistoryChoice,
    HistoryOpt,
    LLMConfigOpt,
    MaxCostOpt,
    MaxRoundsOpt,
    MaxSecondsOpt,
    MaxTokensOpt,
    MemoryOpt,
    ModelOpt,
    NamespaceOpt,
    PromptStyleOpt,
    ProviderOpt,
    SamplesOpt,
    StyleChoice,
    TemperatureOpt,
    build_run_options,
    load_llm_settings,
)

if TYPE_CHECKING:
    from agents.graph import Round

    from ._batch import BatchItem, BatchOutcome, BatchRecord, BatchSpec
    from ._report import Report

_BATCH = "Batch"

SourceArg = Annotated[
    str,
    typer.Argument(
        help="a shipped domain (e.g. blocksworld: its instance sets; with --generate: random tasks), or a "
        "benchmark folder laid out like PlanBench's domains/: path/to/domains:NAME or path/to/domains/NAME "
        "(domain.pddl + instances/SET/*.pddl)",
        metavar="SOURCE",
        show_default=False,
    ),
]
CountOpt = Annotated[
    int | None,
    typer.Option(
        "--n", min=1, rich_help_panel=_BATCH,
        help="run the first N instances (with --generate: N tasks, default 10); not -n, which is --samples",
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", "-c", min=1, help="runs in flight at once", rich_help_panel=_BATCH)
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", file_okay=False,
        help="batch folder: results.jsonl, report.md/.html, checkpoints; rerun with the same folder to resume "
        "(default: out/<source>)",
        rich_help_panel=_BATCH,
    ),
]
InstanceSetOpt = Annotated[
    str | None, typer.Option(help="only this instance set of the domain (default: all)", rich_help_panel=_BATCH)
]
GenerateOpt = Annotated[
    bool, typer.Option("--generate", help="random tasks from the domain's generator", rich_help_panel=_BATCH)
]
SizeOpt = Annotated[
    int, typer.Option(min=1, help="with --generate: blocks, packages… per task", rich_help_panel=_BATCH)
]
SeedOpt = Annotated[int, typer.Option(help="with --generate: seed of the first task", rich_help_panel=_BATCH)]
BatchLessonsDbOpt = Annotated[
    Path | None,
    typer.Option(
        "--lessons-db", dir_okay=False,
        help="lessons SQLite file (default: lessons.sqlite beside the --out folder, shared by its sibling batches)",
        rich_help_panel="Memory",
    ),
]
RetryErrorsOpt = Annotated[
    bool,
    typer.Option("--retry-errors", help="run again the instances whose result is an error (e.g. LLM server down)",
                 rich_help_panel=_BATCH),
]


def batch(
    source: SourceArg,
    n: CountOpt = None,
    concurrency: ConcurrencyOpt = 1,
    out: OutOpt = None,
    instance_set: InstanceSetOpt = None,
    generate: GenerateOpt = False,
    size: SizeOpt = 3,
    seed: SeedOpt = 0,
    retry_errors: RetryErrorsOpt = False,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    max_rounds: MaxRoundsOpt = 15,
    samples: SamplesOpt = 1,
    feedback: FeedbackOpt = FeedbackChoice.all,
    history: HistoryOpt = HistoryChoice.full,
    prompt_style: PromptStyleOpt = StyleChoice.nl,
    temperature: TemperatureOpt = None,
    constrained: ConstrainedOpt = False,
    max_tokens: MaxTokensOpt = None,
    max_seconds: MaxSecondsOpt = None,
    max_cost: MaxCostOpt = None,
    memory: MemoryOpt = True,
    namespace: NamespaceOpt = "default",
    lessons_db: BatchLessonsDbOpt = None,
) -> None:
    """Run the loop on many tasks, write results.jsonl and a report; rerun the same command to resume.

    Examples: `modulo batch blocksworld --generate --n 20 --size 4`;
    `modulo batch ../planbench/domains:blocksworld --instance-set generated_basic_3 --n 50 -c 4
    --provider openai --model gpt-4o-mini`.
    """
    from pydantic import ValidationError

    from domains import ModuloError

    from ._batch import BatchSpec
    from ._batch_source import resolve_source

    console = Console(highlight=False)
    try:
        label, items = resolve_source(source, n=n, instance_set=instance_set, generate=generate, size=size, seed=seed)
        settings = load_llm_settings(provider, model, base_url, llm_config)
        options = build_run_options(
            llm_settings=settings, max_rounds=max_rounds, samples=samples, feedback=feedback, history=history,
            prompt_style=prompt_style, temperature=temperature, constrained=constrained, memory=memory,
            namespace=namespace, max_tokens=max_tokens, max_seconds=max_seconds, max_cost=max_cost,
        )
        spec = BatchSpec(source=label, items=tuple(items), options=options, out=out or Path("out") / _slug(label),
                         concurrency=concurrency, lessons_db=lessons_db, retry_errors=retry_errors)
    except (ModuloError, ValidationError) as exc:
        raise _fail(str(exc)) from None
    if settings.provider == "local":
        console.print("[dim]Using the embedded local model (set --provider/--base-url for another LLM)…[/]")
    code = run_and_report(spec, console)
    raise typer.Exit(code)


def run_and_report(spec: BatchSpec, console: Console) -> int:
    """Run the batch with a progress bar, write its report, print a summary; returns the exit status."""
    from domains import ModuloError, UsageError

    from ._batch import run_batch
    from ._report import write_report

    console.print(f"[bold]{escape(spec.source)}[/]: {len(spec.items)} instance(s) → {escape(str(spec.out))}")
    display = RichProgress(console)
    started = time.perf_counter()
    try:
        with display:
            outcome = asyncio.run(run_batch(spec, progress=display))
    except ModuloError as exc:
        code = 2 if isinstance(exc, UsageError) else 3
        typer.echo(f"error: {exc}", err=True)
        return code
    except KeyboardInterrupt:
        typer.echo("interrupted: rerun the same command to resume (finished instances are kept)", err=True)
        return 130
    report = write_report(spec.out)
    print_outcome(console, outcome, report, time.perf_counter() - started)
    return 0


def print_outcome(console: Console, outcome: BatchOutcome, report: Report, seconds: float) -> None:
    arm = report.arms[0]
    resumed = f", {outcome.resumed} resumed from checkpoints" if outcome.resumed else ""
    console.print(
        f"{outcome.ran} run(s) in {seconds:.0f} s{resumed}; {outcome.skipped} already finished before."
    )
    rate = f"{100 * arm.final_success:.0f}%" if arm.finished else "n/a"
    per_solved = f"{arm.calls_per_solved:.1f}" if arm.calls_per_solved is not None else "n/a"
    first = arm.solved_by_round[0] if arm.solved_by_round else 0
    console.print(
        f"[bold]solved {arm.solved}/{arm.finished}[/] ({rate}; round 1: {first}); "
        f"{arm.llm_calls} LLM calls, {arm.tokens:,} tokens; LLM calls per solved instance: {per_solved}"
    )
    console.print(f"results: {outcome.out / 'results.jsonl'}", soft_wrap=True)
    console.print(f"report:  {report.markdown}", soft_wrap=True)
    console.print(f"         {report.html}", soft_wrap=True)


class RichProgress:
    """A :class:`~service._batch.BatchProgress` that draws a rich progress bar and a line per finished run."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]batch[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[solved]}"),
            TimeElapsedColumn(), TextColumn("{task.fields[running]}"), console=console, transient=False,
        )
        self.task = self.progress.add_task("batch", total=None, solved="", running="")
        self.running: dict[str, int] = {}
        self.solved = 0
        self.finished = 0

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def _refresh(self) -> None:
        running = ", ".join(f"{name} r{n}" for name, n in list(self.running.items())[:3])
        more = f" +{len(self.running) - 3}" if len(self.running) > 3 else ""
        self.progress.update(self.task, completed=self.finished, solved=f"{self.solved} solved",
                             running=escape(running + more))

    def batch_started(self, total: int, done: int) -> None:
        self.finished = done
        self.progress.update(self.task, total=total)
        if done:
            self.console.print(f"[dim]{done} instance(s) already finished: not run again[/]")
        self._refresh()

    def run_started(self, item: BatchItem, resumed_rounds: int) -> None:
        self.running[item.instance] = resumed_rounds + 1
        if resumed_rounds:
            self.console.print(f"[dim]{escape(item.instance)}: resuming after round {resumed_rounds}[/]")
        self._refresh()

    def round_done(self, item: BatchItem, round_: Round) -> None:
        self.running[item.instance] = round_.number + 1
        self._refresh()

    def run_finished(self, record: BatchRecord) -> None:
        self.running.pop(record.instance, None)
        self.finished += 1
        self.solved += record.status == "solved"
        usage = record.usage
        mark = {"solved": "[green]✓[/]", "unsolved": "[red]✗[/]"}.get(record.status, "[yellow]![/]")
        what = f"solved in round {record.solved_round}" if record.status == "solved" else escape(record.reason)
        self.console.print(f"{mark} {escape(record.instance)}: {what} [dim]({usage.llm_calls} LLM call(s), "
                           f"{usage.total_tokens:,} tokens)[/]")
        self._refresh()


def report(
    folders: Annotated[
        list[Path],
        typer.Argument(help="batch folder(s) (the --out of `modulo batch`); several: a comparison report",
                       exists=True, file_okay=False, show_default=False, metavar="FOLDER"),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", file_okay=False,
                     help="with several folders: where comparison.md/.html go (default: the first folder's parent)"),
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", help="with several folders: a name per folder, in order")
    ] = None,
) -> None:
    """Render report.md + report.html of a batch folder from its results.jsonl, or compare several batches
    (e.g. memory off vs on: `modulo report out/off out/on`)."""
    from domains import ModuloError

    from ._report import write_comparison
    from ._report import write_report as write_one

    console = Console(highlight=False)
    try:
        if len(folders) == 1:
            if label:
                raise _fail("--label is for comparing several folders")
            written = write_one(folders[0])
        else:
            target = out or folders[0].resolve().parent
            written = write_comparison(folders, target, label or None)
    except ModuloError as exc:
        raise _fail(str(exc)) from None
    for arm in written.arms:
        rate = f"{100 * arm.final_success:.0f}%" if arm.finished else "n/a"
        per_solved = f"{arm.calls_per_solved:.1f}" if arm.calls_per_solved is not None else "n/a"
        console.print(f"{escape(arm.label)}: solved {arm.solved}/{arm.finished} ({rate}), round 1: "
                      f"{arm.solved_by_round[0] if arm.solved_by_round else 0}, LLM calls per solved: {per_solved}")
    console.print(f"report: {written.markdown}", soft_wrap=True)
    console.print(f"        {written.html}", soft_wrap=True)


def _slug(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]+", "-", Path(label).name if "/" in label else label).strip("-") or "batch"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)
