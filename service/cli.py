"""The ``modulo`` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="modulo",
    help="LLM-Modulo planning: an LLM proposes plans, sound verifiers check them, critiques go back to the LLM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class FeedbackChoice(StrEnum):
    binary = "binary"
    first = "first"
    all = "all"


class StyleChoice(StrEnum):
    nl = "nl"
    pddl = "pddl"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@app.command()
def verify(
    domain: Annotated[str | None, typer.Argument(help="domain.pddl, or the name of a shipped domain")] = None,
    problem: Annotated[Path | None, typer.Argument(help="problem .pddl file")] = None,
    plan: Annotated[str | None, typer.Argument(help="plan file (PDDL lines or free LLM text), or - for stdin")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the full report as JSON")] = False,
    feedback: Annotated[FeedbackChoice, typer.Option(help="how much of the critique to print")] = FeedbackChoice.all,
    style: Annotated[StyleChoice, typer.Option(help="critique as natural language or PDDL")] = StyleChoice.pddl,
    jsonl: Annotated[
        str | None,
        typer.Option(help='read {"domain", "problem", "plan"} lines from FILE (or -), print one verdict each'),
    ] = None,
    verifier: Annotated[
        list[str] | None, typer.Option("--verifier", "-v", help="verifier(s) by registered name (default: pddl)")
    ] = None,
) -> None:
    """Check a plan.  Exit status: 0 valid, 1 invalid, 2 bad input (with file, line and reason)."""
    from domains import ModuloError
    from verifiers import load_verifier

    from ._verify_cmd import check, load_task, verify_jsonl

    try:
        verifiers = [load_verifier(name) for name in (verifier or ["pddl"])]
        if jsonl is not None:
            raise typer.Exit(code=verify_jsonl(jsonl, verifiers, feedback.value, style.value))  # type: ignore[arg-type]
        if domain is None or problem is None or plan is None:
            raise _fail("give DOMAIN PROBLEM PLAN, or --jsonl FILE")
        task = load_task(domain, str(problem))
        plan_text = sys.stdin.read() if plan == "-" else Path(plan).read_text()
        report = check(task, plan_text, verifiers, feedback.value, style.value)  # type: ignore[arg-type]
    except ModuloError as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        raise _fail(f"{exc.filename or ''}: {exc.strerror or exc}") from exc
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(("VALID" if report.valid else "INVALID") + f" (energy {report.energy:g})")
        if not report.valid or report.feedback != "The plan is valid.":
            typer.echo(report.feedback)
    raise typer.Exit(code=0 if report.valid else 1)


@app.command("domains")
def list_domains(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the shipped domains with their instance sets."""
    from rich.console import Console
    from rich.table import Table

    from domains import shipped

    found = shipped()
    if as_json:
        listing = {
            name: {
                "description": d.description,
                "instance_sets": {s: len(d.instance_paths(s)) for s in d.instance_dirs},
                "generator": d.generator is not None,
            }
            for name, d in found.items()
        }
        typer.echo(json.dumps(listing, indent=2))
        return
    table = Table("domain", "instance sets", "generator", "description")
    for name, d in sorted(found.items()):
        sets = ", ".join(f"{s} ({len(d.instance_paths(s))})" for s in sorted(d.instance_dirs))
        table.add_row(name, sets, "yes" if d.generator else "no", d.description)
    Console().print(table)


def _mount_subcommands() -> None:
    from ._batch_cli import batch, report
    from ._lessons_cli import lessons_app
    from ._llm_cli import llm_app
    from ._serve_cli import keys_app, serve, worker
    from ._solve_cli import solve

    app.command("solve")(solve)
    app.command("batch")(batch)
    app.command("report")(report)
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(llm_app, name="llm", help="Talk to the configured LLM.")
    app.add_typer(lessons_app, name="lessons", help="List, inspect and delete learnt lessons.")
    app.add_typer(keys_app, name="keys", help="API keys for the REST service.")


_mount_subcommands()


if __name__ == "__main__":
    app()
