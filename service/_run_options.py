"""The options every command that runs the loop takes (``modulo solve``, ``modulo batch``): LLM settings and
:class:`~agents.graph.RunOptions`, as typer ``Annotated`` aliases plus the functions that build the typed
objects from them.

A command declares the aliases it wants as parameters and passes the values to :func:`build_run_options`
and :func:`load_llm_settings`::

    def batch(source: str, max_rounds: MaxRoundsOpt = 15, feedback: FeedbackOpt = FeedbackChoice.all, ...):
        options = build_run_options(max_rounds=max_rounds, feedback=feedback, ...)
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the agents layer is imported only when a command runs (fast --help)
    from agents.graph import RunOptions
    from agents.llm import LLMSettings


class FeedbackChoice(StrEnum):
    binary = "binary"
    first = "first"
    all = "all"


class HistoryChoice(StrEnum):
    full = "full"
    last = "last"


class StyleChoice(StrEnum):
    nl = "nl"
    pddl = "pddl"


_LLM = "LLM"
_LOOP = "Loop"
_MEMORY = "Memory"

ProviderOpt = Annotated[
    str | None,
    typer.Option(
        help="local | openai | anthropic (default: MODULO_LLM_PROVIDER, else the embedded local model)",
        rich_help_panel=_LLM,
    ),
]
ModelOpt = Annotated[str | None, typer.Option(help="model name (default: MODULO_LLM_MODEL)", rich_help_panel=_LLM)]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        help="server URL, e.g. http://localhost:11434/v1 (default: MODULO_LLM_BASE_URL)", rich_help_panel=_LLM
    ),
]
LLMConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--llm-config", help="TOML file with an \\[llm] table", exists=True, dir_okay=False, rich_help_panel=_LLM
    ),
]
MaxRoundsOpt = Annotated[int, typer.Option(min=1, help="rounds before giving up", rich_help_panel=_LOOP)]
SamplesOpt = Annotated[
    int, typer.Option("--samples", "-n", min=1, help="candidate plans per round", rich_help_panel=_LOOP)
]
FeedbackOpt = Annotated[
    FeedbackChoice, typer.Option(help="how much of the critique goes back to the LLM", rich_help_panel=_LOOP)
]
HistoryOpt = Annotated[
    HistoryChoice,
    typer.Option(help="send the whole conversation, or only prompt + last answer + feedback", rich_help_panel=_LOOP),
]
PromptStyleOpt = Annotated[
    StyleChoice,
    typer.Option(help="natural language (PlanBench) or PDDL prompts and critiques", rich_help_panel=_LOOP),
]
TemperatureOpt = Annotated[
    float | None, typer.Option(min=0.0, max=2.0, help="sampling temperature", rich_help_panel=_LOOP)
]
ConstrainedOpt = Annotated[
    bool,
    typer.Option(
        "--constrained/--no-constrained",
        help="send the task's plan grammar (llama.cpp/vLLM backends)",
        rich_help_panel=_LOOP,
    ),
]
MaxTokensOpt = Annotated[
    int | None, typer.Option(min=1, help="token budget of the run (prompt + completion)", rich_help_panel=_LOOP)
]
MaxSecondsOpt = Annotated[float | None, typer.Option(min=0.001, help="time budget of the run", rich_help_panel=_LOOP)]
MaxCostOpt = Annotated[float | None, typer.Option(min=0.0, help="cost budget of the run in USD", rich_help_panel=_LOOP)]
MemoryOpt = Annotated[
    bool, typer.Option("--memory/--no-memory", help="recall and learn lessons", rich_help_panel=_MEMORY)
]
NamespaceOpt = Annotated[str, typer.Option(help="lessons namespace", rich_help_panel=_MEMORY)]
LessonsDbOpt = Annotated[
    Path | None,
    typer.Option(
        envvar="MODULO_LESSONS_DB",
        help="lessons SQLite file (default: ~/.local/share/modulo/lessons.sqlite)",
        rich_help_panel=_MEMORY,
    ),
]
CheckpointDbOpt = Annotated[
    Path | None,
    typer.Option(
        envvar="MODULO_CHECKPOINT_DB",
        help="SQLite file of run checkpoints; a run killed midway resumes from it with the same --run-id "
        "(default with --run-id: ~/.local/share/modulo/runs.sqlite)",
    ),
]


def default_checkpoint_db() -> Path:
    """``$XDG_DATA_HOME/modulo/runs.sqlite``, beside the lessons memory."""
    base = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(base).expanduser() / "modulo" / "runs.sqlite"


def load_llm_settings(
    provider: str | None = None, model: str | None = None, base_url: str | None = None, config: Path | None = None
) -> LLMSettings:
    """Flags over ``MODULO_LLM_*`` variables over the TOML file; raises ``LLMConfigError`` with the fix."""
    from agents.llm import LLMSettings

    return LLMSettings.load(config, provider=provider, model=model, base_url=base_url)


def build_run_options(
    *,
    llm_settings: LLMSettings | None = None,
    max_rounds: int = 15,
    samples: int = 1,
    feedback: FeedbackChoice | str = FeedbackChoice.all,
    history: HistoryChoice | str = HistoryChoice.full,
    prompt_style: StyleChoice | str = StyleChoice.nl,
    temperature: float | None = None,
    constrained: bool = False,
    memory: bool = True,
    namespace: str = "default",
    max_tokens: int | None = None,
    max_seconds: float | None = None,
    max_cost: float | None = None,
) -> RunOptions:
    """The :class:`RunOptions` the flags ask for (validated; a bad value raises ``pydantic.ValidationError``)."""
    from agents.graph import Budget, RunOptions

    return RunOptions(
        llm=llm_settings.config() if llm_settings is not None else None,
        max_rounds=max_rounds,
        samples_per_round=samples,
        feedback=FeedbackChoice(feedback).value,
        history=HistoryChoice(history).value,
        prompt_style=StyleChoice(prompt_style).value,
        temperature=temperature,
        constrained=constrained,
        memory=memory,
        namespace=namespace,
        budget=Budget(max_tokens=max_tokens, max_seconds=max_seconds, max_cost_usd=max_cost),
    )
