"""The acceptance test: what a failure on one problem teaches reaches the prompt of another problem of the same
domain, in the same namespace only — on both backends."""

from __future__ import annotations

from collections.abc import Callable

from agents.memory import LessonStore, exemplar_from_solution, format_lessons, rules_from_critique, task_features
from domains import Plan, PlanningTask

from .conftest import StoreFactory, critique_of

Instance = Callable[[int], PlanningTask]


async def prompt_section(store: LessonStore, namespace: str, task: PlanningTask) -> str:
    return format_lessons(await store.recall(namespace, task.domain_name, task_features(task)))


async def test_a_rule_learnt_on_problem_a_reaches_problem_b_in_its_namespace_only(
    store: LessonStore, instance: Instance
) -> None:
    problem_a, problem_b = instance(1), instance(2)
    assert problem_a.content_hash != problem_b.content_hash
    # on A the LLM unstacks a block that has another block on it
    failure = critique_of(problem_a, "(unstack b a)")
    for lesson in rules_from_critique(problem_a, failure, "team-a", instance="instance-1"):
        await store.add(lesson)

    section = await prompt_section(store, "team-a", problem_b)
    assert section.startswith("[LESSONS]") and section.endswith("[LESSONS END]")
    assert "- Before `unstack ?ob ?underob`, (clear ?ob) must hold." in section
    assert await prompt_section(store, "team-b", problem_b) == ""


async def test_an_exemplar_solved_on_a_is_shown_for_b_and_rewarded_by_bs_outcome(
    make_store: StoreFactory, instance: Instance
) -> None:
    problem_a, problem_b = instance(1), instance(2)
    learner = make_store()
    solution = Plan.of(
        "(unstack c b)", "(put-down c)", "(unstack b a)", "(put-down b)", "(pick-up a)", "(stack a b)",
        "(pick-up c)", "(stack c a)",
    )
    await learner.add(exemplar_from_solution(problem_a, solution, "team-a", instance="instance-1"))
    await learner.aclose()

    later = make_store()  # another process, later
    shown = await later.recall("team-a", problem_b.domain_name, task_features(problem_b))
    assert [x.kind for x in shown] == ["exemplar"]
    assert "(unstack c b)\n(put-down c)" in format_lessons(shown)
    await later.reward("team-a", [x.id for x in shown], solved=False)
    assert await later.recall("team-a", problem_b.domain_name, task_features(problem_b)) == []
