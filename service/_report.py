"""Batch reports: ``report.md`` and ``report.html`` (with PNG figures) from a folder's ``results.jsonl``.

One folder gives the batch report: a summary, success vs round, LLM calls and tokens per solved instance,
and a per-instance table.  Several folders (e.g. the same stream with memory off and on) give a comparison
report with one arm per folder.  Markdown links the PNGs beside it; the HTML embeds them, so it can be sent
on its own.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from domains import UsageError

from . import _plots
from ._batch import RESULTS, BatchManifest, BatchRecord, read_manifest, read_results

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
COMPARISON_MD = "comparison.md"
COMPARISON_HTML = "comparison.html"
_REASON_CHARS = 140


class InstanceRow(BaseModel):
    """One line of the per-instance table."""

    model_config = ConfigDict(frozen=True)

    instance: str
    status: str
    rounds: int
    solved_round: int | None
    llm_calls: int
    tokens: int
    plan_length: int | None
    reason: str


class ArmSummary(BaseModel):
    """The figures of one batch (an *arm* when several are compared)."""

    model_config = ConfigDict(frozen=True)

    label: str
    planned: int = Field(description="instances the batch was asked for (finished or not)")
    finished: int
    solved: int
    unsolved: int
    error: int
    cancelled: int
    max_rounds: int
    solved_by_round: tuple[int, ...] = Field(description="cumulative instances solved by round 1, 2, …")
    llm_calls: int
    tokens: int
    cost_usd: float
    memory: bool | None = Field(description="whether the runs used the lessons memory (None: mixed)")

    @property
    def success_round1(self) -> float:
        return self.solved_by_round[0] / self.finished if self.finished and self.solved_by_round else 0.0

    @property
    def final_success(self) -> float:
        return self.solved / self.finished if self.finished else 0.0

    @property
    def calls_per_solved(self) -> float | None:
        """Every LLM call of the batch (failed runs included) divided by the instances solved."""
        return self.llm_calls / self.solved if self.solved else None

    @property
    def tokens_per_solved(self) -> float | None:
        return self.tokens / self.solved if self.solved else None


class Report(BaseModel):
    """Where a report was written, and its figures."""

    model_config = ConfigDict(frozen=True)

    markdown: Path
    html: Path
    figures: tuple[Path, ...]
    arms: tuple[ArmSummary, ...]


# -- figures from records -----------------------------------------------------------------------------------


def instance_rows(records: Sequence[BatchRecord]) -> list[InstanceRow]:
    return [
        InstanceRow(
            instance=r.instance,
            status=r.status,
            rounds=len(r.rounds),
            solved_round=r.solved_round,
            llm_calls=r.usage.llm_calls,
            tokens=r.usage.total_tokens,
            plan_length=len(r.plan) if r.plan is not None else None,
            reason=r.reason,
        )
        for r in records
    ]


def summarize(
    records: Sequence[BatchRecord], label: str, *, planned: int | None = None, max_rounds: int | None = None
) -> ArmSummary:
    """The summary of a batch's records; ``max_rounds`` defaults to the largest the runs were given."""
    rounds = max_rounds or max((r.options.max_rounds for r in records), default=1)
    solved_rounds = [r.solved_round or len(r.rounds) for r in records if r.status == "solved"]
    by_round = tuple(sum(1 for s in solved_rounds if s <= n) for n in range(1, rounds + 1))
    memories = {r.options.memory for r in records}
    status = [r.status for r in records]
    return ArmSummary(
        label=label,
        planned=max(planned or 0, len(records)),
        finished=len(records),
        solved=status.count("solved"),
        unsolved=status.count("unsolved"),
        error=status.count("error"),
        cancelled=status.count("cancelled"),
        max_rounds=rounds,
        solved_by_round=by_round,
        llm_calls=sum(r.usage.llm_calls for r in records),
        tokens=sum(r.usage.total_tokens for r in records),
        cost_usd=sum(r.usage.cost_usd for r in records),
        memory=memories.pop() if len(memories) == 1 else None,
    )


def load_batch(folder: Path) -> tuple[BatchManifest | None, list[BatchRecord]]:
    """A batch folder's manifest (if any) and records; a folder without results is a usage error."""
    if not (folder / RESULTS).exists():
        raise UsageError(f"{folder} has no {RESULTS}; give the --out folder of a `modulo batch` run")
    return read_manifest(folder), read_results(folder)


# -- the reports --------------------------------------------------------------------------------------------


def write_report(folder: Path) -> Report:
    """Write ``report.md``, ``report.html`` and their PNGs into the batch folder from its results."""
    manifest, records = load_batch(folder)
    planned = len(manifest.instances) if manifest is not None else len(records)
    arm = summarize(records, folder.name or "batch", planned=planned)
    rows = instance_rows(records)
    figures = (
        _plots.success_vs_round([arm], folder / "success_vs_round.png"),
        _plots.cost_per_solved(rows, folder / "cost_per_solved.png"),
    )
    doc = _Doc(f"Modulo batch report: {manifest.source if manifest else folder.name}")
    doc.para(_settings_line(manifest, records))
    if arm.finished < arm.planned:
        pending = [n for n in (manifest.instances if manifest else ()) if n not in {r.instance for r in records}]
        doc.para(
            f"**Incomplete:** {arm.finished} of {arm.planned} instances finished; rerun the same `modulo batch` "
            f"command to resume. Pending: {', '.join(pending[:10])}{' …' if len(pending) > 10 else ''}."
        )
    doc.heading("Summary")
    doc.table(*_summary_table([arm]))
    doc.heading("Success vs round")
    doc.para("Share of the finished instances solved by each round (a run ends at its first valid plan).")
    doc.table(["round", *[str(n) for n in range(1, arm.max_rounds + 1)]],
              [["solved (cumulative)", *[str(s) for s in arm.solved_by_round]]])
    doc.image(figures[0], "success vs round")
    doc.heading("LLM calls and tokens per solved instance")
    doc.image(figures[1], "LLM calls and tokens per solved instance")
    doc.heading("Instances")
    doc.table(*_instance_table(rows))
    return _write(doc, folder / REPORT_MD, folder / REPORT_HTML, figures, (arm,))


def write_comparison(folders: Sequence[Path], out: Path, labels: Sequence[str] | None = None) -> Report:
    """One arm per batch folder (e.g. memory off vs on): summary table and figures, into ``out``."""
    if labels is not None and len(labels) != len(folders):
        raise UsageError(f"give one label per folder ({len(folders)}), got {len(labels)}")
    arms = []
    settings = []
    for i, folder in enumerate(folders):
        manifest, records = load_batch(folder)
        label = labels[i] if labels else _arm_label(folder, records)
        planned = len(manifest.instances) if manifest is not None else len(records)
        arms.append(summarize(records, label, planned=planned))
        settings.append(f"**{label}** (`{folder}`): {_settings_line(manifest, records)}")
    out.mkdir(parents=True, exist_ok=True)
    figures = (
        _plots.success_vs_round(arms, out / "comparison_success_vs_round.png"),
        _plots.arms_cost(arms, out / "comparison_cost.png"),
    )
    doc = _Doc("Modulo comparison report")
    for line in settings:
        doc.para(line)
    doc.heading("Summary")
    doc.table(*_summary_table(arms))
    doc.heading("Success vs round")
    doc.table(
        ["arm", *[f"round {n}" for n in range(1, max(a.max_rounds for a in arms) + 1)]],
        [[a.label, *[f"{s}/{a.finished}" for s in a.solved_by_round]] for a in arms],
    )
    doc.image(figures[0], "success vs round, per arm")
    doc.heading("Spending per solved instance")
    doc.image(figures[1], "LLM calls and tokens per solved instance, per arm")
    return _write(doc, out / COMPARISON_MD, out / COMPARISON_HTML, figures, tuple(arms))


def _arm_label(folder: Path, records: Sequence[BatchRecord]) -> str:
    memories = {r.options.memory for r in records}
    if len(memories) == 1:
        return f"{folder.name} (memory {'on' if memories.pop() else 'off'})"
    return folder.name


def _settings_line(manifest: BatchManifest | None, records: Sequence[BatchRecord]) -> str:
    if manifest is None:
        return f"{len(records)} results."
    o = manifest.options
    model = manifest.model or ("Gemma 3 270M, embedded" if manifest.provider == "local" else "server default")
    parts = [
        f"LLM: {manifest.provider} / {model}",
        f"max {o.get('max_rounds')} rounds",
        f"{o.get('samples_per_round')} sample(s) per round",
        f"feedback {o.get('feedback')}",
        f"history {o.get('history')}",
        f"prompt {o.get('prompt_style')}",
        f"constrained {'on' if o.get('constrained') else 'off'}",
        f"memory {'on' if o.get('memory') else 'off'} (namespace {o.get('namespace')})",
    ]
    return f"Batch `{manifest.batch_id}`. " + "; ".join(parts) + "."


def _percent(part: float) -> str:
    return f"{100 * part:.0f}%"


def _number(value: float | None) -> str:
    return "n/a (none solved)" if value is None else f"{value:,.1f}"


def _summary_table(arms: Sequence[ArmSummary]) -> tuple[list[str], list[list[str]]]:
    header = ["", *[a.label for a in arms]]
    lines = [
        ("instances finished", lambda a: f"{a.finished} of {a.planned}"),
        ("solved", lambda a: f"{a.solved} ({_percent(a.final_success)})"),
        ("solved in round 1", lambda a: f"{a.solved_by_round[0] if a.solved_by_round else 0} "
                                        f"({_percent(a.success_round1)})"),
        ("unsolved / error / cancelled", lambda a: f"{a.unsolved} / {a.error} / {a.cancelled}"),
        ("LLM calls (all runs)", lambda a: f"{a.llm_calls:,}"),
        ("tokens (all runs)", lambda a: f"{a.tokens:,}"),
        ("LLM calls per solved instance", lambda a: _number(a.calls_per_solved)),
        ("tokens per solved instance", lambda a: _number(a.tokens_per_solved)),
        ("cost (USD)", lambda a: f"{a.cost_usd:.4f}"),
    ]
    return header, [[name, *[fmt(a) for a in arms]] for name, fmt in lines]


def _instance_table(rows: Sequence[InstanceRow]) -> tuple[list[str], list[list[str]]]:
    header = ["instance", "status", "rounds", "LLM calls", "tokens", "plan length", "reason"]
    body = []
    for r in rows:
        reason = r.reason if len(r.reason) <= _REASON_CHARS else r.reason[: _REASON_CHARS - 1] + "…"
        body.append([r.instance, r.status, str(r.rounds), str(r.llm_calls), f"{r.tokens:,}",
                     str(r.plan_length) if r.plan_length is not None else "—", reason])
    return header, body


# -- one document, two renderings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    text: str


@dataclass(frozen=True)
class _Para:
    text: str


@dataclass(frozen=True)
class _Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class _Image:
    path: Path
    alt: str


@dataclass
class _Doc:
    title: str
    blocks: list[_Heading | _Para | _Table | _Image] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(_Heading(text))

    def para(self, text: str) -> None:
        self.blocks.append(_Para(text))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(_Table(header, rows))

    def image(self, path: Path, alt: str) -> None:
        self.blocks.append(_Image(path, alt))

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            if isinstance(block, _Heading):
                out += [f"## {block.text}", ""]
            elif isinstance(block, _Para):
                out += [block.text, ""]
            elif isinstance(block, _Table):
                out.append("| " + " | ".join(map(_md_cell, block.header)) + " |")
                out.append("|" + "|".join("---" for _ in block.header) + "|")
                out += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in block.rows]
                out.append("")
            else:
                out += [f"![{block.alt}]({block.path.name})", ""]
        out.append(f"_Written by `modulo report` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC._")
        return "\n".join(out) + "\n"

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for block in self.blocks:
            if isinstance(block, _Heading):
                body.append(f"<h2>{html.escape(block.text)}</h2>")
            elif isinstance(block, _Para):
                body.append(f"<p>{_inline_html(block.text)}</p>")
            elif isinstance(block, _Table):
                head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
                lines = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>")
            else:
                data = base64.b64encode(block.path.read_bytes()).decode()
                alt = html.escape(block.alt)
                body.append(f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
                            f"<figcaption>{alt} ({html.escape(block.path.name)})</figcaption></figure>")
        return _HTML.format(title=html.escape(self.title), body="\n".join(body),
                            when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline_html(text: str) -> str:
    """``**bold**`` and ``code`` spans of our own paragraphs, the rest escaped."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def _write(doc: _Doc, md: Path, page: Path, figures: tuple[Path, ...], arms: tuple[ArmSummary, ...]) -> Report:
    md.write_text(doc.markdown(), encoding="utf-8")
    page.write_text(doc.html(), encoding="utf-8")
    return Report(markdown=md, html=page, figures=figures, arms=arms)


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
img {{ max-width: 100%; }}
figcaption {{ color: #666; font-size: 0.85rem; }}
code {{ background: #f3f3f3; padding: 0 0.2rem; }}
</style></head>
<body>
{body}
<p><em>Written by modulo report on {when}.</em></p>
</body></html>
"""
