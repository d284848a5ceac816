"""``modulo solve`` through typer's CliRunner against the fake LLM server (real HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agents.graph import RunResult
from service._solve_cli import solve
from tests.fakes import FakeLLM, Fault

from .conftest import BAD_HAND, CORPUS, GOOD, SHORT

app = typer.Typer()
app.command("solve")(solve)


@app.callback()
def _group() -> None:
    """A one-command app, as service/cli.py registers it."""


DOMAIN, PROBLEM = str(CORPUS / "domain.pddl"), str(CORPUS / "problem.pddl")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("MODULO_LLM_PROVIDER", "MODULO_LLM_MODEL", "MODULO_LLM_BASE_URL", "MODULO_LESSONS_DB",
                 "MODULO_CHECKPOINT_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def invoke(fake: FakeLLM, *args: str) -> tuple[int, str]:
    llm = ["--provider", "openai", "--base-url", fake.base_url, "--model", "fake-model"]
    result = CliRunner().invoke(app, ["solve", *args, *llm])
    return result.exit_code, result.output


def test_solve_shows_rounds_and_prints_the_plan(fake_llm: FakeLLM) -> None:
    fake_llm.set_script([BAD_HAND, GOOD])
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--no-memory", "--prompt-style", "pddl")
    assert code == 0, out
    assert "blocksworld-4ops / bw-corpus" in out
    assert "round  1  invalid" in out and "(handempty)" in out and "round  2  valid" in out
    assert "SOLVED in round 2" in out
    assert out.rstrip().endswith(GOOD.strip())


def test_solve_json_prints_the_whole_run_result(fake_llm: FakeLLM) -> None:
    fake_llm.set_script([SHORT, GOOD])
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--no-memory", "--json", "--feedback", "first",
                       "--history", "last", "--samples", "1", "--temperature", "0.5")
    assert code == 0, out
    result = RunResult.model_validate_json(out)
    assert (result.status, result.solved_round, len(result.rounds)) == ("solved", 2, 2)
    assert result.options.feedback == "first" and result.options.history == "last"
    assert result.options.llm is not None and result.options.llm.provider == "openai"
    assert fake_llm.requests[0].json["temperature"] == 0.5


def test_an_unsolved_run_says_why(fake_llm: FakeLLM) -> None:
    fake_llm.respond = lambda _: SHORT
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--no-memory", "--max-rounds", "2", "--prompt-style", "pddl")
    assert code == 1, out
    assert "UNSOLVED: no valid plan in 2 rounds" in out
    assert "Last critique:" in out and "(on b d)" in out


def test_a_budget_from_the_command_line(fake_llm: FakeLLM) -> None:
    fake_llm.respond = lambda _: SHORT
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--no-memory", "--max-tokens", "10", "--json")
    assert code == 1
    assert json.loads(out)["reason"].startswith("token budget of 10 spent")


def test_a_shipped_domain_by_name(fake_llm: FakeLLM) -> None:
    fake_llm.set_script([GOOD])
    code, out = invoke(fake_llm, "blocksworld", PROBLEM, "--no-memory")
    assert code == 0, out


def test_bad_input_exits_2_with_the_reason(fake_llm: FakeLLM) -> None:
    code, out = invoke(fake_llm, "blocksworl", PROBLEM)
    assert code == 2 and "Did you mean 'blocksworld'" in out
    code, out = invoke(fake_llm, DOMAIN, "missing.pddl")
    assert code == 2 and "missing.pddl" in out
    assert fake_llm.calls == 0


def test_a_provider_failure_exits_3(fake_llm: FakeLLM) -> None:
    fake_llm.set_script([Fault(status=400, body='{"error": {"message": "bad model"}}')])
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--no-memory")
    assert code == 3 and "ERROR" in out and "bad model" in out


def test_a_run_id_with_a_checkpoint_db_is_not_run_twice(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.set_script([SHORT, GOOD])
    db = str(tmp_path / "runs.sqlite")
    args = [DOMAIN, PROBLEM, "--no-memory", "--checkpoint-db", db, "--run-id", "cli-1", "--json"]
    first = invoke(fake_llm, *args)
    again = invoke(fake_llm, *args)
    assert first[0] == again[0] == 0
    assert RunResult.model_validate_json(first[1]) == RunResult.model_validate_json(again[1])
    assert fake_llm.calls == 2


def test_memory_uses_the_lessons_db(fake_llm: FakeLLM, tmp_path: Path) -> None:
    db = tmp_path / "lessons.sqlite"
    fake_llm.set_script([BAD_HAND, GOOD])
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--lessons-db", str(db), "--namespace", "cli", "--json")
    assert code == 0 and db.is_file()
    assert json.loads(out)["lessons_learned"]
    fake_llm.set_script([GOOD])
    code, out = invoke(fake_llm, DOMAIN, PROBLEM, "--lessons-db", str(db), "--namespace", "cli")
    assert code == 0 and "[LESSONS]" in fake_llm.requests[-1].json["messages"][0]["content"]
