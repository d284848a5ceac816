"""``modulo batch``: results, reports and resuming, against the scripted fake LLM over real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agents.graph import Round, RunOptions
from agents.llm import LLMConfig
from domains import get_domain
from service._batch import BatchItem, BatchRecord, BatchSpec, read_results, run_batch, run_id_for
from service._batch_cli import batch, report
from tests.fakes import FakeLLM, Fault
from tests.service.batch_fakes import ScriptedProposer, solve_blocksworld

# bw-3-0 … bw-3-4: solved in these rounds; 9 is never (max rounds is 3)
ROUNDS = {"bw-3-0": 3, "bw-3-1": 1, "bw-3-2": 2, "bw-3-3": 9, "bw-3-4": 1}

app = typer.Typer()
app.command("batch")(batch)
app.command("report")(report)


@pytest.fixture(autouse=True)
def no_real_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command that forgets --provider/--base-url fails fast instead of starting the local model."""
    monkeypatch.setenv("MODULO_LLM_PROVIDER", "openai")
    monkeypatch.setenv("MODULO_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("MODULO_LLM_MAX_ATTEMPTS", "1")


@pytest.fixture
def proposer() -> ScriptedProposer:
    return ScriptedProposer(ROUNDS)


@pytest.fixture
def fake(proposer: ScriptedProposer) -> Iterator[FakeLLM]:
    with FakeLLM(respond=proposer) as server:
        yield server


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def batch_args(fake: FakeLLM, out: Path, n: int = 5, *extra: str) -> list[str]:
    return [
        "batch", "blocksworld", "--generate", "--n", str(n), "--out", str(out), "--concurrency", "2",
        "--provider", "openai", "--base-url", fake.base_url, "--model", "fake-model",
        "--max-rounds", "3", "--prompt-style", "pddl", "--history", "full", "--feedback", "first", *extra,
    ]


def test_solver_of_the_fake_gives_valid_plans() -> None:
    from domains import Plan
    from verifiers import PDDLValidator

    for task in get_domain("blocksworld").generate(10, seed=0, size=4):
        verdict = asyncio.run(PDDLValidator().verify(task, Plan.of(*solve_blocksworld(task.problem_pddl))))
        assert verdict.valid, task.problem_pddl


def test_batch_writes_results_and_both_reports(fake: FakeLLM, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, output = run_cli(*batch_args(fake, out))
    assert code == 0, output

    records = read_results(out)
    assert [r.instance for r in records] == [f"bw-3-{i}" for i in range(5)]
    for r in records:
        expected = ROUNDS[r.instance]
        if expected <= 3:
            assert (r.status, r.solved_round, len(r.rounds)) == ("solved", expected, expected)
            assert r.plan is not None
        else:
            assert (r.status, len(r.rounds)) == ("unsolved", 3)
    assert fake.calls == sum(len(r.rounds) for r in records) == 3 + 1 + 2 + 3 + 1
    assert all(r.options.prompt_style == "pddl" and r.options.feedback == "first" for r in records)

    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert "| solved | 4 (80%) |" in md
    assert "| solved in round 1 | 2 (40%) |" in md
    assert "| solved (cumulative) | 2 | 3 | 4 |" in md
    assert "| LLM calls per solved instance | 2.5 |" in md  # 10 calls for 4 solved
    for r in records:  # the per-instance table matches the results
        plan_length = str(len(r.plan)) if r.plan else "—"
        cells = [r.instance, r.status, len(r.rounds), r.usage.llm_calls, f"{r.usage.total_tokens:,}", plan_length]
        assert "| " + " | ".join(map(str, cells)) + " |" in md
    for png in ("success_vs_round.png", "cost_per_solved.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png})" in md
        assert f"({png})</figcaption>" in page
    assert page.count('src="data:image/png;base64,') == 2
    assert "<td>bw-3-3</td><td>unsolved</td>" in page
    assert str(out / "report.md") in output and "solved 4/5" in output


def test_rerun_skips_finished_instances_and_extends_the_batch(fake: FakeLLM, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*batch_args(fake, out, 3))[0] == 0
    calls = fake.calls
    assert calls == 3 + 1 + 2

    code, output = run_cli(*batch_args(fake, out, 3))
    assert code == 0 and fake.calls == calls, output
    assert "3 instance(s) already finished" in output

    code, output = run_cli(*batch_args(fake, out, 5))  # a larger --n runs only the new instances
    assert code == 0, output
    assert fake.calls == calls + 3 + 1
    assert len((out / "results.jsonl").read_text().splitlines()) == 5
    assert "| instances finished | 5 of 5 |" in (out / "report.md").read_text()


def test_rerun_with_other_settings_is_refused(fake: FakeLLM, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*batch_args(fake, out, 1))[0] == 0
    args = batch_args(fake, out, 1)
    args[args.index("--max-rounds") + 1] = "5"
    code, output = run_cli(*args)
    assert code == 2
    assert "other settings (options.max_rounds: 3 → 5)" in output and "another --out" in output


def test_a_result_line_cut_short_by_a_crash_is_run_again(fake: FakeLLM, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli(*batch_args(fake, out, 2))[0] == 0
    lines = (out / "results.jsonl").read_text().splitlines()
    torn = json.loads(lines[1])["instance"]
    (out / "results.jsonl").write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])
    calls = fake.calls

    assert run_cli(*batch_args(fake, out, 2))[0] == 0
    assert fake.calls == calls + ROUNDS[torn]
    assert [r.instance for r in read_results(out)] == ["bw-3-0", "bw-3-1"]
    assert all(json.loads(line) for line in (out / "results.jsonl").read_text().splitlines())


def test_errors_are_kept_until_retried(
    proposer: ScriptedProposer, tmp_path: Path
) -> None:
    down = {"on": True}

    def respond(request: dict[str, object]) -> object:
        return Fault.server_error(503) if down["on"] else proposer(request)  # type: ignore[arg-type]

    with FakeLLM(respond=respond) as fake:
        out = tmp_path / "run"
        args = [*batch_args(fake, out, 2), "--concurrency", "1"]
        assert run_cli(*args)[0] == 0
        assert [r.status for r in read_results(out)] == ["error", "error"]
        assert "LLM" in read_results(out)[0].reason

        down["on"] = False
        run_cli(*args)
        assert [r.status for r in read_results(out)] == ["error", "error"]  # finished is finished…
        code, output = run_cli(*args, "--retry-errors")  # …unless asked
        assert code == 0, output
        records = read_results(out)
        assert [(r.instance, r.status) for r in records] == [("bw-3-0", "solved"), ("bw-3-1", "solved")]
        assert records[0].run_id.endswith("/bw-3-0#1")


def test_benchmark_folder_source(fake: FakeLLM, tmp_path: Path) -> None:
    bench = tmp_path / "domains" / "bw" / "instances" / "easy"
    bench.mkdir(parents=True)
    domain = get_domain("blocksworld")
    (tmp_path / "domains" / "bw" / "domain.pddl").write_text(domain.domain_pddl)
    for task in domain.generate(2, seed=1):
        (bench / f"{task.problem_name}.pddl").write_text(task.problem_pddl)
    out = tmp_path / "run"
    args = batch_args(fake, out)
    args[1:5] = [f"{tmp_path / 'domains'}:bw"]  # SOURCE instead of blocksworld --generate --n 5
    code, output = run_cli(*args)
    assert code == 0, output
    assert [r.instance for r in read_results(out)] == ["easy/bw-3-1", "easy/bw-3-2"]

    code, output = run_cli("batch", str(tmp_path / "domains"), "--out", str(out))
    assert code == 2 and "domains:NAME" in output and "bw" in output


def test_bad_source_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run_cli("batch", "blockworld", "--out", str(tmp_path / "x"))
    assert code == 2 and "Did you mean 'blocksworld'" in output
    code, output = run_cli("batch", "gripper", "--instance-set", "nope", "--out", str(tmp_path / "x"))
    assert code == 2 and "no instance set 'nope'" in output and "basic" in output
    code, output = run_cli("batch", "gripper", "--generate", "--instance-set", "basic", "--out", str(tmp_path / "x"))
    assert code == 2 and "not both" in output
    assert not (tmp_path / "x").exists()


def test_report_command_renders_and_compares(fake: FakeLLM, tmp_path: Path) -> None:
    on, off = tmp_path / "on", tmp_path / "off"
    assert run_cli(*batch_args(fake, on, 3))[0] == 0
    assert run_cli(*batch_args(fake, off, 3, "--no-memory"))[0] == 0
    (on / "report.md").unlink()
    code, output = run_cli("report", str(on))
    assert code == 0 and (on / "report.md").exists() and (on / "report.html").exists()
    assert "solved 3/3" in output

    code, output = run_cli("report", str(off), str(on))
    assert code == 0, output
    md = (tmp_path / "comparison.md").read_text()
    assert "| | off (memory off) | on (memory on) |" in md.replace("|  |", "| |")
    assert "| solved | 3 (100%) | 3 (100%) |" in md
    assert (tmp_path / "comparison.html").exists()

    code, output = run_cli("report", str(tmp_path))
    assert code == 2 and "no results.jsonl" in output


# -- the runner as a library: a run interrupted mid-way resumes from its checkpoint --------------------------


class _Crash(Exception):
    pass


class _CrashAfter:
    """A progress hook that blows the batch up after ``rounds`` completed rounds (like a kill)."""

    def __init__(self, rounds: int) -> None:
        self.left = rounds

    def batch_started(self, total: int, done: int) -> None: ...
    def run_started(self, item: BatchItem, resumed_rounds: int) -> None: ...
    def run_finished(self, record: BatchRecord) -> None: ...

    def round_done(self, item: BatchItem, round_: Round) -> None:
        self.left -= 1
        if self.left == 0:
            raise _Crash


def test_interrupted_runs_resume_without_asking_again(
    fake: FakeLLM, proposer: ScriptedProposer, tmp_path: Path
) -> None:
    tasks = get_domain("blocksworld").generate(3, seed=0)
    spec = BatchSpec(
        source="three", items=tuple(BatchItem(instance=t.problem_name, task=t) for t in tasks),
        options=RunOptions(llm=LLMConfig(provider="openai", base_url=fake.base_url, model="fake-model"),
                           max_rounds=3, prompt_style="pddl"),
        out=tmp_path / "run",
    )
    with pytest.raises(_Crash):
        asyncio.run(run_batch(spec, progress=_CrashAfter(2)))  # bw-3-0 is stopped after its round 2
    assert read_results(spec.out) == []
    assert proposer.calls == [("bw-3-0", 1), ("bw-3-0", 2)]

    outcome = asyncio.run(run_batch(spec))
    assert outcome.resumed == 1 and outcome.ran == 3 and outcome.skipped == 0
    assert Counter(proposer.calls) == Counter({("bw-3-0", 1): 1, ("bw-3-0", 2): 1, ("bw-3-0", 3): 1,
                                               ("bw-3-1", 1): 1, ("bw-3-2", 1): 1, ("bw-3-2", 2): 1})
    first = outcome.records[0]
    assert first.run_id == run_id_for(outcome.manifest.batch_id, "bw-3-0") and first.solved_round == 3
    assert [r.number for r in first.rounds] == [1, 2, 3]


def test_checkpoints_of_finished_runs_are_dropped(fake: FakeLLM, tmp_path: Path) -> None:
    import sqlite3

    tasks = get_domain("blocksworld").generate(2, seed=0)
    spec = BatchSpec(
        source="two", items=tuple(BatchItem(instance=t.problem_name, task=t) for t in tasks),
        options=RunOptions(llm=LLMConfig(provider="openai", base_url=fake.base_url, model="fake-model"),
                           max_rounds=3, prompt_style="pddl", memory=False),
        out=tmp_path / "run",
    )
    asyncio.run(run_batch(spec))
    with sqlite3.connect(spec.out / "checkpoints.sqlite") as db:
        assert db.execute("select count(*) from checkpoints").fetchone() == (0,)
    assert not (tmp_path / "lessons.sqlite").exists()  # memory off: no store opened


def test_duplicate_instance_names_are_refused(tmp_path: Path) -> None:
    from domains import UsageError

    task = get_domain("blocksworld").generate(1)[0]
    spec = BatchSpec(source="x", items=(BatchItem(instance="a", task=task),) * 2, out=tmp_path)
    with pytest.raises(UsageError, match="repeated: a"):
        asyncio.run(run_batch(spec))


def test_default_out_folder_is_named_after_the_source(fake: FakeLLM, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = batch_args(fake, tmp_path, 1)
    i = args.index("--out")
    del args[i : i + 2]
    code, output = run_cli(*args)
    assert code == 0, output
    folder = tmp_path / "out" / "blocksworld-generated-size-3-seed-0"
    assert (folder / "results.jsonl").exists()
    assert re.search(r"report: +out/blocksworld-generated-size-3-seed-0/report\.md", output)
    shutil.rmtree(tmp_path / "out")
