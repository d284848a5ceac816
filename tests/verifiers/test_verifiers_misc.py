"""HTTP verifiers (real server), the plug-in registry, VAL's output mapping, soft critics and critiques."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from domains import Plan, PlanningTask, UsageError
from tests.fakes.http_verifier import FakeVerifierServer
from verifiers import (
    Critique,
    ForbiddenActionsCritic,
    HTTPVerifier,
    PDDLValidator,
    PlanLengthCritic,
    VerifierLoadError,
    available_verifiers,
    load_verifier,
    parse_val_output,
    validate,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BW = PlanningTask.from_files(CORPUS / "blocksworld/domain.pddl", CORPUS / "blocksworld/problem.pddl")
FULL = Plan.of("(unstack d c)", "(put-down d)", "(unstack a b)", "(put-down a)",
               "(pick-up b)", "(stack b d)", "(pick-up c)", "(stack c a)")


async def test_http_verifier_posts_the_task_and_reads_the_verdict() -> None:
    with FakeVerifierServer(max_steps=8) as server:
        verifier = HTTPVerifier("steps", server.url)
        assert (await verifier.verify(BW, FULL)).valid
        verdict = await verifier.verify(BW, Plan(steps=FULL.steps * 2))
    assert not verdict.valid and verdict.verifier == "steps" and verdict.hard
    assert verdict.violations[0].kind == "constraint" and verdict.energy == 8
    assert server.bodies[0]["plan"].startswith("(unstack d c)") and "(define" in server.bodies[0]["domain"]


async def test_http_verifier_retries_then_succeeds() -> None:
    with FakeVerifierServer(max_steps=8, fail_first=2) as server:
        verdict = await HTTPVerifier("steps", server.url, attempts=3).verify(BW, FULL)
    assert verdict.valid and server.calls == 3


async def test_http_verifier_failure_is_a_verdict_and_never_valid() -> None:
    with FakeVerifierServer(fail_first=10) as server:
        verdict = await HTTPVerifier("steps", server.url, attempts=2).verify(BW, FULL)
    assert not verdict.valid and verdict.violations[0].kind == "error" and "503" in verdict.violations[0].message
    with FakeVerifierServer(delay=2.0) as server:
        verdict = await HTTPVerifier("steps", server.url, attempts=1, timeout=0.2).verify(BW, FULL)
    assert not verdict.valid and verdict.violations[0].kind == "timeout"
    with FakeVerifierServer(malformed=True) as server:
        verdict = await HTTPVerifier("steps", server.url).verify(BW, FULL)
    assert not verdict.valid and "not a verdict" in verdict.violations[0].message


def test_http_verifier_host_allow_list() -> None:
    with pytest.raises(UsageError, match="allow-list"):
        HTTPVerifier("remote", "http://verifier.example:9000/verify")
    HTTPVerifier("remote", "http://verifier.example:9000/verify", allowed_hosts=frozenset({"verifier.example"}))
    with pytest.raises(UsageError, match="not an http"):
        HTTPVerifier("remote", "file:///etc/passwd")


def test_registry_builds_by_name_and_suggests() -> None:
    assert {"pddl", "plan-length"} <= set(available_verifiers())
    assert isinstance(load_verifier("pddl"), PDDLValidator)
    assert load_verifier("plan-length", max_steps=3).hard is False
    with pytest.raises(UsageError, match="Did you mean 'pddl'"):
        load_verifier("pdl")


def test_a_broken_plug_in_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = EntryPoint(name="broken", value="no_such_module_xyz:Verifier", group="modulo.verifiers")
    monkeypatch.setattr("verifiers._registry.available_verifiers", lambda: {"broken": broken})
    with pytest.raises(VerifierLoadError, match=r"'broken'.*no_such_module_xyz"):
        load_verifier("broken")


async def test_soft_critics_add_feedback_without_deciding_validity() -> None:
    length = await PlanLengthCritic(max_steps=4).verify(BW, FULL)
    forbidden = await ForbiddenActionsCritic({"put-down"}).verify(BW, FULL)
    assert not length.hard and not length.valid and length.energy == 4
    assert [v.step for v in forbidden.violations] == [2, 4]
    critique = Critique(plan=FULL, verdicts=(validate(BW, FULL), length, forbidden))
    assert critique.valid
    text = critique.feedback("all", "pddl")
    assert text.startswith("The plan is valid, but:") and "at most 4" in text and "put-down" in text


def test_critique_feedback_granularities() -> None:
    plan = Plan.of("(unstack d c)", "(unstack a b)")
    critique = Critique(plan=plan, verdicts=(validate(BW, plan),))
    assert critique.feedback("binary") == "The plan is not valid."
    assert critique.feedback("first") == (
        "The plan is not valid.\nStep 2, (unstack a b), is not executable; it needs: (handempty)."
    )
    goals = Critique(plan=Plan(), verdicts=(validate(BW, Plan()),))
    assert goals.feedback("first").count("goal") == 1
    assert goals.feedback("all").count("goal") == 2
    assert Critique(plan=FULL, verdicts=(validate(BW, FULL),)).feedback("all") == "The plan is valid."


def test_critique_without_hard_verdicts_is_not_valid() -> None:
    assert not Critique(plan=FULL, verdicts=()).valid


VAL_PRECONDITION = """Checking plan: plan
Plan to validate:

Plan size: 2
1:
(unstack d c)
2:
(unstack a b)

Plan Validation details
-----------------------

Checking next happening (time 1)
Checking next happening (time 2)
Plan failed because of unsatisfied precondition in:
(unstack a b)
Plan failed to execute

Plan Repair Advice:

(unstack a b) has an unsatisfied precondition at time 2
(Set (handempty) to true)
"""

VAL_GOAL = """Plan executed successfully - checking goal
Goal not satisfied
Plan invalid

Plan Repair Advice:

(Set (on b d) to true)
(Set (on c a) to true)
"""


def test_val_repair_advice_maps_to_violations() -> None:
    valid, violations = parse_val_output(VAL_PRECONDITION)
    assert not valid and violations[0].kind == "precondition" and violations[0].step == 2
    assert violations[0].missing == ("(handempty)",)
    valid, violations = parse_val_output(VAL_GOAL)
    assert not valid and [v.missing for v in violations] == [("(on b d)",), ("(on c a)",)]
    assert parse_val_output("Plan executed successfully - checking goal\nPlan valid\n") == (True, ())
