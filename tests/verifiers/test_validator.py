"""The PDDL validator: verdicts, violation kinds, energy, bad input, and agreement with unified-planning."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domains import PDDLError, Plan, PlanningTask, Step, UnsupportedPDDLError
from verifiers import PDDLValidator, validate

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BW = PlanningTask.from_files(CORPUS / "blocksworld/domain.pddl", CORPUS / "blocksworld/problem.pddl")
ROOMS = PlanningTask.from_files(CORPUS / "rooms/domain.pddl", CORPUS / "rooms/problem.pddl")


def test_valid_plan_has_zero_energy() -> None:
    plan = Plan.of("(unstack d c)", "(put-down d)", "(unstack a b)", "(put-down a)",
                   "(pick-up b)", "(stack b d)", "(pick-up c)", "(stack c a)")
    verdict = validate(BW, plan)
    assert verdict.valid and verdict.energy == 0 and verdict.violations == ()


def test_every_unmet_precondition_of_the_first_failing_step() -> None:
    verdict = validate(BW, Plan.of("(unstack d c)", "(pick-up c)"))
    (violation,) = verdict.violations
    assert violation.kind == "precondition" and violation.step == 2 and violation.action == "(pick-up c)"
    assert set(violation.missing) == {"(handempty)"}
    verdict = validate(BW, Plan.of("(stack a c)"))
    assert verdict.violations[0].missing == ("(clear c)", "(holding a)")


def test_each_unmet_goal_atom_is_its_own_violation() -> None:
    verdict = validate(BW, Plan())
    assert [v.missing for v in verdict.violations] == [("(on c a)",), ("(on b d)",)]
    assert verdict.energy == 2


def test_energy_orders_plans_by_distance_from_valid() -> None:
    broken_early = validate(BW, Plan.of("(pick-up c)", "(unstack d c)", "(put-down d)"))
    broken_late = validate(BW, Plan.of("(unstack d c)", "(put-down d)", "(pick-up a)"))
    one_goal_short = validate(BW, Plan.of("(unstack d c)", "(put-down d)", "(pick-up c)", "(stack c a)"))
    assert broken_early.energy > broken_late.energy > one_goal_short.energy == 1 > 0


def test_names_are_case_insensitive() -> None:
    assert validate(BW, Plan.of("(UNSTACK D C)", "(Put-Down d)")).violations[0].kind == "goal"


@pytest.mark.parametrize(
    ("plan", "kind"),
    [
        (Plan.of("(fly a b)"), "unknown_action"),
        (Plan.of("(stack a)"), "wrong_arity"),
        (Plan.of("(unstack a b c)"), "wrong_arity"),
        (Plan.of("(pick-up zz)"), "unknown_object"),
        (Plan(steps=(Step(action="pick-up"),)), "wrong_arity"),
    ],
)
def test_malformed_steps_are_named(plan: Plan, kind: str) -> None:
    verdict = validate(BW, plan)
    assert not verdict.valid and verdict.violations[0].kind == kind and verdict.violations[0].step == 1


def test_typing_negative_preconditions_equality_and_constants() -> None:
    assert validate(ROOMS, Plan.of("(take r2 k1 kitchen)", "(move r2 kitchen hall)", "(unlock r2 k1 vault)",
                                   "(move r2 hall vault)")).valid
    assert validate(ROOMS, Plan.of("(take r2 kitchen kitchen)")).violations[0].kind == "type_mismatch"
    assert validate(ROOMS, Plan.of("(move r2 kitchen kitchen)")).violations[0].missing == (
        "(not (= kitchen kitchen))",
    )
    assert "(not (locked vault))" in validate(ROOMS, Plan.of("(move r2 kitchen vault)")).violations[0].missing


WORDS = st.sampled_from(["pick-up", "put-down", "stack", "unstack", "a", "b", "c", "d", "e", "x", "", "("])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(WORDS, st.lists(WORDS | st.text(string.printable, max_size=5), max_size=4)), max_size=12))
def test_garbage_plans_give_verdicts_never_exceptions(raw: list[tuple[str, list[str]]]) -> None:
    plan = Plan(steps=tuple(Step(action=a, args=tuple(args)) for a, args in raw))
    verdict = validate(BW, plan)
    assert verdict.valid == (verdict.energy == 0)
    if not verdict.valid:
        assert verdict.violations[0].kind in {
            "unknown_action", "wrong_arity", "unknown_object", "precondition", "goal"
        }


ACTIONS = st.sampled_from(
    [f"(pick-up {x})" for x in "abcd"] + [f"(put-down {x})" for x in "abcd"]
    + [f"({op} {x} {y})" for op in ("stack", "unstack") for x in "abcd" for y in "abcd"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ACTIONS, max_size=8))
def test_agrees_with_unified_planning_validator(lines: list[str]) -> None:
    """Soundness cross-check: on random plans, same verdict as unified-planning's SequentialPlanValidator."""
    from tests.verifiers.test_val_agreement import up_says_valid

    plan = Plan.of(*lines)
    assert validate(BW, plan).valid == up_says_valid(BW, plan)


async def test_validator_object_is_a_verifier() -> None:
    from verifiers import Verifier

    validator = PDDLValidator()
    assert isinstance(validator, Verifier) and validator.hard
    assert ":typing" in validator.supports
    assert (await validator.verify(BW, Plan())).violations[0].kind == "goal"


def _task(domain: str, problem: str) -> PlanningTask:
    return PlanningTask(domain_pddl=domain, problem_pddl=problem, domain_source="d.pddl", problem_source="p.pddl")


BW_DOMAIN = (CORPUS / "blocksworld/domain.pddl").read_text()
BW_PROBLEM = (CORPUS / "blocksworld/problem.pddl").read_text()


@pytest.mark.parametrize(
    ("domain", "problem", "source", "line", "words"),
    [
        (BW_DOMAIN.replace("(not (handempty)))))", "(not (handempty))))", 1), BW_PROBLEM, "d.pddl", None, "unbalanced"),
        (BW_DOMAIN, BW_PROBLEM + ")", "p.pddl", 6, "unbalanced"),
        (BW_DOMAIN.replace(":strips", ":strips :teleport"), BW_PROBLEM, "d.pddl", 2, ":teleport"),
        (BW_DOMAIN.replace("(and (clear ?ob) (ontable ?ob)", "(and (clearr ?ob) (ontable ?ob)"), BW_PROBLEM, "d.pddl",
         6, "undefined predicate 'clearr'"),
        (BW_DOMAIN, BW_PROBLEM.replace("(on a b)", "(onn a b)"), "p.pddl", 4, "onn"),
        (BW_DOMAIN, BW_PROBLEM.replace("(on a b)", "(on a zz)"), "p.pddl", 4, "zz"),
        (BW_DOMAIN, BW_PROBLEM.replace("(on a b)", "(on a)"), "p.pddl", 4, "argument"),
        (BW_DOMAIN, "", "p.pddl", 1, "empty"),
    ],
)
def test_malformed_pddl_names_file_and_line(
    domain: str, problem: str, source: str, line: int | None, words: str
) -> None:
    with pytest.raises(PDDLError) as caught:
        _task(domain, problem).model()
    error = caught.value
    assert error.source == source
    if line is not None:
        assert error.line == line, str(error)
    else:
        assert error.line is not None
    assert words in str(error)


def test_unsupported_features_are_named() -> None:
    disjunctive = BW_DOMAIN.replace(":strips", ":strips :disjunctive-preconditions").replace(
        "(and (clear ?underob) (holding ?ob))", "(or (clear ?underob) (holding ?ob))"
    )
    with pytest.raises(UnsupportedPDDLError, match="stack"):
        _task(disjunctive, BW_PROBLEM).model()
