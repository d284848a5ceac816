"""Batch reports from hand-made results: the figures, the tables and both renderings agree with the data."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agents.graph import Round, RunOptions, RunUsage
from domains import Plan, UsageError
from service._batch import RESULTS, BatchRecord, manifest_for
from service._report import summarize, write_comparison, write_report


def record(instance: str, status: str, rounds: int, *, tokens: int = 100, memory: bool = True,
           reason: str = "", max_rounds: int = 4) -> BatchRecord:
    solved = status == "solved"
    return BatchRecord(
        instance=instance,
        run_id=f"b/{instance}",
        status=status,  # type: ignore[arg-type]
        reason=reason or status,
        plan=Plan.of("(pick-up a)", "(stack a b)") if solved else None,
        solved_round=rounds if solved else None,
        rounds=tuple(Round(number=i, messages=(), answers=("x",), candidates=()) for i in range(1, rounds + 1)),
        usage=RunUsage(llm_calls=rounds, total_tokens=tokens * rounds, prompt_tokens=tokens * rounds),
        options=RunOptions(max_rounds=max_rounds, memory=memory),
    )


def write_batch(folder: Path, records: list[BatchRecord], planned: list[str] | None = None,
                memory: bool = True) -> Path:
    folder.mkdir(parents=True)
    manifest = manifest_for("test source", RunOptions(max_rounds=4, memory=memory),
                            planned or [r.instance for r in records])
    (folder / "batch.json").write_text(manifest.model_dump_json())
    (folder / RESULTS).write_text("".join(r.model_dump_json() + "\n" for r in records))
    return folder


RECORDS = [
    record("p1", "solved", 1),
    record("p2", "solved", 3, tokens=200),
    record("p3", "unsolved", 4, reason="no valid plan in 4 rounds"),
    record("p4", "error", 0, reason="round 1, LLM call: server <down> | retry later"),
    record("p5", "solved", 1),
]


def test_summary_figures() -> None:
    arm = summarize(RECORDS, "arm")
    assert (arm.finished, arm.solved, arm.unsolved, arm.error) == (5, 3, 1, 1)
    assert arm.solved_by_round == (2, 2, 3, 3)
    assert arm.success_round1 == pytest.approx(0.4) and arm.final_success == pytest.approx(0.6)
    assert arm.llm_calls == 1 + 3 + 4 + 0 + 1
    assert arm.calls_per_solved == pytest.approx(9 / 3)
    assert arm.tokens_per_solved == pytest.approx((100 + 600 + 400 + 100) / 3)
    assert arm.memory is True
    empty = summarize([record("x", "unsolved", 2)], "none")
    assert empty.calls_per_solved is None and empty.success_round1 == 0


def test_report_matches_the_results(tmp_path: Path) -> None:
    folder = write_batch(tmp_path / "b", RECORDS)
    report = write_report(folder)
    md = report.markdown.read_text()
    assert "| solved | 3 (60%) |" in md
    assert "| solved in round 1 | 2 (40%) |" in md
    assert "| unsolved / error / cancelled | 1 / 1 / 0 |" in md
    assert "| LLM calls per solved instance | 3.0 |" in md
    assert "| solved (cumulative) | 2 | 2 | 3 | 3 |" in md
    assert "| p2 | solved | 3 | 3 | 600 | 2 | solved |" in md
    assert "| p3 | unsolved | 4 | 4 | 400 | — | no valid plan in 4 rounds |" in md
    assert "server <down> \\| retry later" in md  # a | in a reason does not break the table
    page = report.html.read_text()
    assert "server &lt;down&gt; | retry later" in page and "<down>" not in page
    assert page.count("<tr>") == (1 + 9) + (1 + 1) + (1 + 5)  # summary, success by round, instances
    for figure in report.figures:
        head = figure.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", head[16:24])
        assert width > 400 and height > 200


def test_an_incomplete_batch_says_what_is_pending(tmp_path: Path) -> None:
    folder = write_batch(tmp_path / "b", RECORDS[:2], planned=["p1", "p2", "p3"])
    md = write_report(folder).markdown.read_text()
    assert "**Incomplete:** 2 of 3 instances finished" in md and "Pending: p3." in md
    assert "| instances finished | 2 of 3 |" in md
    assert "<strong>Incomplete:</strong>" in (folder / "report.html").read_text()


def test_results_are_listed_in_batch_order(tmp_path: Path) -> None:
    folder = write_batch(tmp_path / "b", [RECORDS[1], RECORDS[0]], planned=["p1", "p2"])
    md = write_report(folder).markdown.read_text()
    assert md.index("| p1 |") < md.index("| p2 |")


def test_comparison_of_memory_off_and_on(tmp_path: Path) -> None:
    off = write_batch(tmp_path / "off", [record(f"p{i}", "unsolved", 4, memory=False) for i in range(3)],
                      memory=False)
    on = write_batch(tmp_path / "on", [record("p0", "unsolved", 4), record("p1", "solved", 2),
                                       record("p2", "solved", 1)])
    report = write_comparison([off, on], tmp_path / "cmp")
    assert [a.label for a in report.arms] == ["off (memory off)", "on (memory on)"]
    md = report.markdown.read_text()
    assert "| solved | 0 (0%) | 2 (67%) |" in md
    assert "| LLM calls per solved instance | n/a (none solved) | 3.5 |" in md
    assert "| on (memory on) | 1/3 | 2/3 | 2/3 | 2/3 |" in md
    assert report.markdown.parent == tmp_path / "cmp" and report.html.exists()
    assert all(f.exists() for f in report.figures)

    labelled = write_comparison([off, on], tmp_path / "cmp2", ["A", "B"])
    assert [a.label for a in labelled.arms] == ["A", "B"]
    with pytest.raises(UsageError, match="one label per folder"):
        write_comparison([off, on], tmp_path / "cmp3", ["A"])


def test_a_folder_without_results_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no results\.jsonl"):
        write_report(tmp_path)


def test_many_solved_instances_still_plot(tmp_path: Path) -> None:
    records = [record(f"instance-{i}", "solved", 1 + i % 3) for i in range(120)]
    report = write_report(write_batch(tmp_path / "big", records))
    assert "| solved | 120 (100%) |" in report.markdown.read_text()
