"""``modulo solve DOMAIN PROBLEM``: run the LLM-Modulo loop on one task, showing rounds as they complete.

Registered in ``service/cli.py`` with ``app.command("solve")(solve)``.  Exit status: 0 solved, 1 unsolved
or cancelled, 2 bad input, 3 the run failed (LLM provider, lessons store).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ._run_options import (
    BaseUrlOpt,
    CheckpointDbOpt,
    ConstrainedOpt,
    FeedbackChoice,
    FeedbackOpt,
    HistoryChoice,
    HistoryOpt,
    LessonsDbOpt,
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
    default_checkpoint_db,
    load_llm_settings,
)

if TYPE_CHECKING:
    from agents.graph import Round, RunOptions, RunResult
    from domains import PlanningTask

EXIT = {"solved": 0, "unsolved": 1, "cancelled": 1, "error": 3}


def solve(
    domain: Annotated[str, typer.Argument(help="domain.pddl, or the name of a shipped domain (e.g. blocksworld)")],
    problem: Annotated[Path, typer.Argument(help="problem .pddl file", dir_okay=False)],
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
    lessons_db: LessonsDbOpt = None,
    checkpoint_db: CheckpointDbOpt = None,
    run_id: Annotated[
        str | None, typer.Option(help="name the run; run again with the same id to resume it after a crash")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole RunResult as JSON")] = False,
) -> None:
    """Ask the LLM for a plan, check it with the verifiers and feed critiques back until it is valid."""
    from pydantic import ValidationError

    from domains import ModuloError

    console = Console(stderr=as_json, quiet=as_json, highlight=False)
    try:
        task = load_task(domain, problem)
        settings = load_llm_settings(provider, model, base_url, llm_config)
        options = build_run_options(
            llm_settings=settings, max_rounds=max_rounds, samples=samples, feedback=feedback, history=history,
            prompt_style=prompt_style, temperature=temperature, constrained=constrained, memory=memory,
            namespace=namespace, max_tokens=max_tokens, max_seconds=max_seconds, max_cost=max_cost,
        )
    except (ModuloError, ValidationError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    if checkpoint_db is None and run_id is not None:
        checkpoint_db = default_checkpoint_db()
    if checkpoint_db is not None and run_id is None:
        run_id = uuid.uuid4().hex[:12]
    if settings.provider == "local":
        console.print("[dim]Using the embedded local model (set --provider/--base-url for another LLM)…[/]")
    console.print(f"[bold]{escape(task.domain_name)}[/] / [bold]{escape(task.problem_name)}[/]"
                  + (f"  run id [cyan]{run_id}[/]" if run_id else ""))
    try:
        result = asyncio.run(
            _solve(task, options, lessons_db=lessons_db, checkpoint_db=checkpoint_db, run_id=run_id,
                   show=lambda r: _show_round(console, r))
        )
    except ModuloError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        hint = f"; resume with --run-id {run_id}" if checkpoint_db is not None else ""
        typer.echo(f"interrupted{hint}", err=True)
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _show_result(console, result)
    raise typer.Exit(EXIT[result.status])


def load_task(domain: str, problem: Path) -> PlanningTask:
    """A task from a domain file or a shipped domain's name, and a problem file."""
    from domains import PlanningTask, UsageError, get_domain

    if Path(domain).is_file():
        return PlanningTask.from_files(domain, problem)
    if domain.endswith(".pddl") or "/" in domain:
        raise UsageError(f"{domain}: no such domain file")
    return get_domain(domain).task(problem)


async def _solve(
    task: PlanningTask,
    options: RunOptions,
    *,
    lessons_db: Path | None,
    checkpoint_db: Path | None,
    run_id: str | None,
    show: Any,
) -> RunResult:
    from agents.graph import run_task
    from agents.llm import make_client

    async with contextlib.AsyncExitStack() as stack:
        llm = await stack.enter_async_context(make_client(options.llm))
        store = None
        if options.memory:
            from ._lessons_cli import StoreChoice, open_store

            store = open_store(StoreChoice.sqlite, lessons_db)
            stack.push_async_callback(store.aclose)
        checkpointer = None
        if checkpoint_db is not None:
            checkpointer = await stack.enter_async_context(_checkpointer(checkpoint_db))
        return await run_task(
            task, options, llm=llm, store=store, checkpointer=checkpointer, run_id=run_id, on_round=show
        )
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.asynccontextmanager
async def _checkpointer(path: Path) -> AsyncIterator[Any]:
    from agents.graph import RoundCheckpointer, sqlite_checkpointer

    async with sqlite_checkpointer(path) as saver:
        yield RoundCheckpointer(saver)  # one checkpoint per round: resuming never asks the LLM twice


def _show_round(console: Console, r: Round) -> None:
    best = r.best
    if best is None:
        return
    verdict = "[green]valid[/]" if best.valid else "[red]invalid[/]"
    head = (
        f"round {r.number:>2}  {verdict}  energy {best.energy:.2f}  "
        f"[dim]{len(r.candidates)} candidate(s), {r.tokens} tokens, {r.latency_s:.1f} s[/]"
    )
    console.print(head)
    if r.feedback:
        lines = r.feedback.splitlines()[1:] or r.feedback.splitlines()
        for line in lines[:3]:
            console.print(f"          [dim]{escape(line)}[/]")
        if len(lines) > 3:
            console.print(f"          [dim]… {len(lines) - 3} more[/]")


def _show_result(console: Console, result: RunResult) -> None:
    usage = result.usage
    spent = f"{usage.llm_calls} LLM call(s), {usage.total_tokens} tokens, {usage.seconds:.1f} s"
    if usage.cost_usd:
        spent += f", ${usage.cost_usd:.4f}"
    if result.status == "solved" and result.plan is not None:
        console.print(f"[bold green]SOLVED[/] in round {result.solved_round} ({spent})")
        typer.echo(result.plan.to_pddl())
        return
    console.print(f"[bold red]{result.status.upper()}[/]: {escape(result.reason)} ({spent})")
    last = result.rounds[-1] if result.rounds else None
    if last is not None and last.feedback:
        console.print("Last critique:")
        console.print(escape(last.feedback))


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)
