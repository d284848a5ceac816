"""The report's figures (matplotlib on the Agg backend: no display needed, safe off the main thread)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._report import ArmSummary, InstanceRow

_DPI = 110
_SOLVED = "#2e7d32"
_OTHER = "#9e9e9e"
_MAX_LABELS = 40


def _figure(width: float = 6.4, height: float = 3.6) -> Figure:
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    return Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path


def success_vs_round(arms: Sequence[ArmSummary], path: Path) -> Path:
    """Cumulative share of instances solved by each round, one line per arm."""
    fig = _figure()
    from matplotlib.ticker import MaxNLocator

    ax = fig.add_subplot()
    for arm in arms:
        rounds = list(range(0, len(arm.solved_by_round) + 1))
        share = [0.0] + [100.0 * s / arm.finished if arm.finished else 0.0 for s in arm.solved_by_round]
        label = f"{arm.label} ({arm.solved}/{arm.finished})"
        ax.step(rounds, share, where="post", marker="o", markersize=3, label=label)
    ax.set_xlabel("round")
    ax.set_ylabel("instances solved (%, cumulative)")
    ax.set_ylim(-2, 102)
    longest = max((len(a.solved_by_round) for a in arms), default=1)
    ax.set_xlim(-0.1, max(longest, 1) + 0.1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.set_title("Success vs round")
    if arms:
        ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)


def cost_per_solved(rows: Sequence[InstanceRow], path: Path) -> Path:
    """LLM calls and tokens of each solved instance (bars), with the mean as a line."""
    solved = [r for r in rows if r.status == "solved"]
    fig = _figure(6.4, 4.8)
    calls_ax, tokens_ax = fig.subplots(2, 1, sharex=True)
    if not solved:
        for ax in (calls_ax, tokens_ax):
            ax.text(0.5, 0.5, "no instance solved", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
    positions = list(range(len(solved)))
    for ax, values, what in (
        (calls_ax, [r.llm_calls for r in solved], "LLM calls"),
        (tokens_ax, [r.tokens for r in solved], "tokens"),
    ):
        if not solved:
            ax.set_ylabel(what)
            continue
        ax.bar(positions, values, color=_SOLVED)
        mean = sum(values) / len(values)
        ax.axhline(mean, color="black", linewidth=1, linestyle="--", label=f"mean {mean:,.1f}")
        ax.set_ylabel(what)
        ax.legend(loc="upper right", fontsize="small")
        ax.grid(axis="y", alpha=0.3)
    if solved and len(solved) <= _MAX_LABELS:
        tokens_ax.set_xticks(positions, [r.instance for r in solved], rotation=60, ha="right", fontsize="x-small")
    elif solved:
        tokens_ax.set_xlabel(f"{len(solved)} solved instances, in batch order")
    calls_ax.set_title("LLM calls and tokens per solved instance")
    return _save(fig, path)


def arms_cost(arms: Sequence[ArmSummary], path: Path) -> Path:
    """Per arm: LLM calls and tokens spent per solved instance (all runs' spending / instances solved)."""
    fig = _figure(6.4, 3.2)
    calls_ax, tokens_ax = fig.subplots(1, 2)
    labels = [a.label for a in arms]
    for ax, values, what in (
        (calls_ax, [a.calls_per_solved for a in arms], "LLM calls per solved instance"),
        (tokens_ax, [a.tokens_per_solved for a in arms], "tokens per solved instance"),
    ):
        heights = [v if v is not None else 0.0 for v in values]
        bars = ax.bar(range(len(arms)), heights, color=[_SOLVED if v is not None else _OTHER for v in values])
        for bar, value in zip(bars, values, strict=True):
            text = "none solved" if value is None else f"{value:,.1f}"
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        fontsize="small")
        ax.set_xticks(range(len(arms)), labels, fontsize="small")
        ax.set_title(what, fontsize="medium")
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)
