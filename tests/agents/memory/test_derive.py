"""Rules and exemplars derived from real verdicts of the PDDL validator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agents.memory import Lesson, exemplar_from_solution, rules_from_critique, task_features
from domains import Plan, PlanningTask
from verifiers import Critique, Verdict, Violation, validate

from .conftest import critique_of

NS = "ns"
Instance = Callable[[int], PlanningTask]

# instance-1: c on b on a, a on the table; goal (on a b) (on c a)
SOLUTION_1 = (
    "(unstack c b)", "(put-down c)", "(unstack b a)", "(put-down b)", "(pick-up a)", "(stack a b)", "(pick-up c)",
    "(stack c a)",
)

PAINT_DOMAIN = """(define (domain paint)
  (:requirements :strips :typing :negative-preconditions :equality)
  (:types item color)
  (:constants red - color)
  (:predicates (painted ?x - item) (has ?c - color) (dry ?x - item) (near ?x - item ?y - item))
  (:action paint
    :parameters (?x - item ?c - color)
    :precondition (and (has ?c) (not (painted ?x)) (dry ?x))
    :effect (painted ?x))
  (:action swap
    :parameters (?x - item ?y - item)
    :precondition (and (not (= ?x ?y)) (near ?x ?y) (has red))
    :effect (and (near ?y ?x) (not (near ?x ?y)))))"""
PAINT_PROBLEM = """(define (problem p1) (:domain paint)
  (:objects a b - item blue - color)
  (:init (has blue) (painted a) (dry b) (near a b))
  (:goal (and (painted b) (not (near a b)))))"""


@pytest.fixture
def paint() -> PlanningTask:
    return PlanningTask(domain_pddl=PAINT_DOMAIN, problem_pddl=PAINT_PROBLEM)


def keys_and_texts(lessons: list[Lesson]) -> list[tuple[str, str]]:
    return [(x.key, x.text) for x in lessons]


def test_a_precondition_violation_is_lifted_to_the_schema(instance: Instance) -> None:
    task = instance(1)
    rules = rules_from_critique(task, critique_of(task, "(unstack a b)"), NS, instance="instance-1")
    assert keys_and_texts(rules) == [
        ("rule:precondition:unstack:(on ?ob ?underob)", "Before `unstack ?ob ?underob`, (on ?ob ?underob) must hold."),
        ("rule:precondition:unstack:(clear ?ob)", "Before `unstack ?ob ?underob`, (clear ?ob) must hold."),
    ]
    assert rules[1].evidence == ["instance-1: step 1 (unstack a b): (clear a) did not hold"]
    assert all((x.namespace, x.domain, x.kind, x.score) == (NS, "blocksworld-4ops", "rule", 1.0) for x in rules)


def test_a_literal_without_the_steps_objects_stays_ground(instance: Instance) -> None:
    task = instance(1)
    [rule] = rules_from_critique(task, critique_of(task, "(unstack c b)", "(unstack b a)"), NS, instance="i1")
    assert rule.key == "rule:precondition:unstack:(handempty)"
    assert rule.text == "Before `unstack ?ob ?underob`, (handempty) must hold."
    assert rule.evidence == ["i1: step 2 (unstack b a): (handempty) did not hold"]


def test_an_object_in_two_parameters_is_lifted_by_the_schemas_own_precondition(instance: Instance) -> None:
    task = instance(1)
    rules = rules_from_critique(task, critique_of(task, "(stack a a)"), NS)
    assert [x.key for x in rules] == [
        "rule:precondition:stack:(clear ?underob)",
        "rule:precondition:stack:(holding ?ob)",
    ]


def test_negative_equality_and_constant_preconditions(paint: PlanningTask) -> None:
    painted = rules_from_critique(paint, critique_of(paint, "(paint a blue)"), NS)
    assert [x.text for x in painted] == [
        "Before `paint ?x ?c`, (dry ?x) must hold.",
        "Before `paint ?x ?c`, (not (painted ?x)) must hold.",
    ]
    swapped = rules_from_critique(paint, critique_of(paint, "(swap a a)"), NS)
    assert [x.key for x in swapped] == [
        "rule:precondition:swap:(near ?x ?y)",
        "rule:precondition:swap:(has red)",
        "rule:precondition:swap:(not (= ?x ?y))",
    ]


def test_a_literal_the_schema_does_not_have_is_lifted_by_position(instance: Instance) -> None:
    """Another hard verifier (VAL, an HTTP one) may name literals our compiled schema does not list."""
    task = instance(1)
    violation = Violation(kind="precondition", step=4, action="(Stack A B)", missing=("(calm b a)", "(sunny)"))
    verdict = Verdict(verifier="http", valid=False, violations=(violation,))
    critique = Critique(plan=Plan.of("(stack a b)"), verdicts=(verdict,))
    assert [x.key for x in rules_from_critique(task, critique, NS)] == [
        "rule:precondition:stack:(calm ?underob ?ob)",
        "rule:precondition:stack:(sunny)",
    ]


def test_unknown_actions_and_wrong_arity_teach_the_actions(instance: Instance) -> None:
    task = instance(1)
    [unknown] = rules_from_critique(task, critique_of(task, "(unstack c b)", "(Fly c)"), NS, instance="i1")
    assert unknown.key == "rule:unknown_action:fly"
    assert unknown.text == "There is no action `fly`; the actions are: `pick-up`, `put-down`, `stack`, `unstack`."
    assert unknown.evidence == ["i1: step 2 (fly c): no such action"]
    [arity] = rules_from_critique(task, critique_of(task, "(stack a)"), NS, instance="i1")
    assert (arity.key, arity.text) == ("rule:arity:stack", "`stack` takes 2 arguments (?ob ?underob).")
    assert arity.evidence == ["i1: step 1 (stack a): 1 given"]
    [one] = rules_from_critique(task, critique_of(task, "(put-down a b)"), NS)
    assert one.text == "`put-down` takes 1 argument (?ob)."


def test_type_errors_teach_the_parameter_types(paint: PlanningTask) -> None:
    [typed] = rules_from_critique(paint, critique_of(paint, "(paint blue a)"), NS)
    assert (typed.key, typed.text) == ("rule:types:paint", "`paint` takes ?x - item, ?c - color.")


def test_unmet_goals_make_one_reminder_per_predicate(instance: Instance, paint: PlanningTask) -> None:
    task = instance(1)
    [goal] = rules_from_critique(task, critique_of(task, "(unstack c b)", "(put-down c)"), NS, instance="i1")
    assert goal.key == "rule:goal:(on ?x ?y)"
    assert goal.text == (
        "Check every goal literal holds after the last step; plans often stop early with (on ?x ?y) unmet."
    )
    assert goal.evidence == [
        "i1: after the last step: goal (on a b) did not hold",
        "i1: after the last step: goal (on c a) did not hold",
    ]
    assert [x.key for x in rules_from_critique(paint, critique_of(paint), NS)] == [
        "rule:goal:(painted ?x)",
        "rule:goal:(not (near ?x ?y))",
    ]


def test_nothing_is_learnt_from_a_valid_plan_unknown_objects_or_soft_verdicts(instance: Instance) -> None:
    task = instance(1)
    assert rules_from_critique(task, critique_of(task, *SOLUTION_1), NS) == []
    assert rules_from_critique(task, critique_of(task, "(pick-up zz)"), NS) == []
    soft = Verdict(
        verifier="plan-length", hard=False, valid=False,
        violations=(Violation(kind="precondition", step=1, action="(pick-up a)", missing=("(clear a)",)),),
    )
    plan = Plan.of(*SOLUTION_1)
    assert rules_from_critique(task, Critique(plan=plan, verdicts=(validate(task, plan), soft)), NS) == []
    # an LLM's claim is not a verdict: a critique without hard verdicts teaches nothing either
    assert rules_from_critique(task, Critique(plan=plan, verdicts=(soft,)), NS) == []


def test_two_hard_verifiers_agreeing_make_one_lesson_per_rule(instance: Instance) -> None:
    task = instance(1)
    plan = Plan.of("(unstack a b)")
    verdict = validate(task, plan)
    twice = Critique(plan=plan, verdicts=(verdict, verdict.model_copy(update={"verifier": "val"})))
    rules = rules_from_critique(task, twice, NS, instance="i1")
    assert [len(x.evidence) for x in rules] == [1, 1]


def test_derivation_is_deterministic_and_labels_unnamed_instances_by_content(instance: Instance) -> None:
    task = instance(1)
    critique = critique_of(task, "(unstack a b)")
    first, second = rules_from_critique(task, critique, NS), rules_from_critique(task, critique, NS)
    timeless = {"created_at", "updated_at"}
    assert [x.model_dump(exclude=timeless) for x in first] == [x.model_dump(exclude=timeless) for x in second]
    assert first[0].evidence[0].startswith(f"task {task.content_hash[:12]}: step 1")
    # the id depends on the namespace, the lesson on nothing else
    other = rules_from_critique(task, critique, "elsewhere")
    assert [x.key for x in other] == [x.key for x in first]
    assert {x.id for x in other}.isdisjoint({x.id for x in first})


def test_an_exemplar_states_the_problem_and_its_validated_plan(instance: Instance) -> None:
    task = instance(1)
    assert validate(task, Plan.of(*SOLUTION_1)).valid
    ex = exemplar_from_solution(task, Plan.of(*SOLUTION_1), NS, instance="instance-1")
    assert (ex.kind, ex.key, ex.domain) == ("exemplar", f"exemplar:{task.content_hash}", "blocksworld-4ops")
    assert ex.plan == list(SOLUTION_1)
    assert ex.features == task_features(task) == {"n_objects": 3.0, "n_goal_atoms": 2.0, "goal:on": 2.0}
    assert ex.evidence == ["instance-1: solved with 8 steps"]
    assert ex.text == "\n".join([
        "Objects: a b c",
        "Initial state: (clear c) (handempty) (on b a) (on c b) (ontable a)",
        "Goal: (on a b) (on c a)",
        "Plan:",
        *SOLUTION_1,
    ])


def test_an_exemplar_of_a_typed_problem_shows_types_and_negative_goals(paint: PlanningTask) -> None:
    ex = exemplar_from_solution(paint, Plan.of("(paint b blue)", "(swap a b)"), NS)
    assert ex.text.splitlines()[:3] == [
        "Objects: a - item b - item blue - color red - color",
        "Initial state: (dry b) (has blue) (near a b) (painted a)",
        "Goal: (painted b) (not (near a b))",
    ]
    assert task_features(paint) == {"n_objects": 4.0, "n_goal_atoms": 2.0, "goal:not near": 1.0, "goal:painted": 1.0}
