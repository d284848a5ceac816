"""``modulo verify`` and ``modulo domains`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "blocksworld"
DOMAIN, PROBLEM = str(CORPUS / "domain.pddl"), str(CORPUS / "problem.pddl")
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_valid_plan_exits_0() -> None:
    code, out, _ = run("verify", DOMAIN, PROBLEM, str(CORPUS / "full.plan"))
    assert code == 0 and out.startswith("VALID")


def test_invalid_plan_exits_1_with_the_critique() -> None:
    code, out, _ = run("verify", DOMAIN, PROBLEM, str(CORPUS / "hand_full_invalid.plan"))
    assert code == 1
    assert "INVALID" in out and "Step 2, (unstack a b)" in out and "(handempty)" in out


def test_natural_language_feedback_uses_the_domain_renderer(tmp_path: Path) -> None:
    plan = tmp_path / "answer.txt"
    plan.write_text("Here is my plan:\n1. unstack the yellow block from on top of the orange block\n"
                    "2. unstack the red block from on top of the blue block\n[PLAN END]\n")
    code, out, _ = run("verify", DOMAIN, PROBLEM, str(plan), "--style", "nl", "--feedback", "first")
    assert code == 1
    assert "unstack the red block from on top of the blue block" in out and "the hand is empty" in out


def test_binary_feedback_says_only_invalid() -> None:
    code, out, _ = run("verify", DOMAIN, PROBLEM, str(CORPUS / "buried_invalid.plan"), "--feedback", "binary")
    assert code == 1 and out.strip().splitlines()[-1] == "The plan is not valid."


def test_json_report() -> None:
    code, out, _ = run("verify", DOMAIN, PROBLEM, str(CORPUS / "short_goal_invalid.plan"), "--json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and report["energy"] == 1
    assert report["verdicts"][0]["violations"][0]["missing"] == ["(on b d)"]


def test_plan_from_stdin() -> None:
    code, _, _ = run("verify", DOMAIN, PROBLEM, "-", stdin=(CORPUS / "full.plan").read_text())
    assert code == 0


def test_malformed_pddl_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "problem.pddl"
    bad.write_text(Path(PROBLEM).read_text().replace("(on a b)", "(on a b"))
    code, _, err = run("verify", DOMAIN, str(bad), str(CORPUS / "full.plan"))
    assert code == 2
    assert str(bad) in err and "line" in err and "unbalanced" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run("verify", DOMAIN, PROBLEM, str(tmp_path / "nope.plan"))
    assert code == 2 and "nope.plan" in err


def test_unknown_verifier_suggests_a_name() -> None:
    code, _, err = run("verify", DOMAIN, PROBLEM, str(CORPUS / "full.plan"), "--verifier", "pdl")
    assert code == 2 and "Did you mean 'pddl'?" in err


def test_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        {"domain": DOMAIN, "problem": PROBLEM, "plan": (CORPUS / "full.plan").read_text()},
        {"domain": DOMAIN, "problem": PROBLEM, "plan": "(pick-up c)"},
        {"domain": DOMAIN, "problem": str(tmp_path / "missing.pddl"), "plan": ""},
        {"domain": DOMAIN, "problem": PROBLEM, "plan": "(unstack d c)\n(put-down d)"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    code, out, _ = run("verify", "--jsonl", str(source))
    answers = [json.loads(x) for x in out.splitlines()]
    assert code == 2
    assert [a.get("valid") for a in answers] == [True, False, None, False, None]
    assert "missing.pddl" in answers[2]["error"] and answers[4]["line"] == 5


def test_domains_lists_the_shipped_domains() -> None:
    code, out, _ = run("domains", "--json")
    listed = json.loads(out)
    assert code == 0
    assert {"blocksworld", "mystery_blocksworld", "logistics", "depots", "gripper"} <= set(listed)
    assert all(d["generator"] for d in listed.values())


def test_the_installed_console_script() -> None:
    script = Path(sys.executable).parent / "modulo"
    done = subprocess.run([str(script), "verify", DOMAIN, PROBLEM, str(CORPUS / "hand_full_invalid.plan")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
