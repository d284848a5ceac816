"""Snapshots of the prompt and back-prompt texts: a wording change is a visible diff in tests/agents/snapshots/.

After an intended change, rewrite them with ``MODULO_UPDATE_SNAPSHOTS=1 pytest tests/agents/test_prompts.py``
and review the diff.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from agents.memory import Lesson, format_lessons
from agents.prompts import Exchange, back_prompt, conversation, task_prompt
from domains import Plan, PlanningTask, renderer_for_task
from verifiers import Critique, PDDLValidator

SNAPSHOTS = Path(__file__).with_name("snapshots")
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "blocksworld"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("MODULO_UPDATE_SNAPSHOTS"):
        path.write_text(text)
        return
    if not path.exists():
        path.write_text(text)
        pytest.fail(f"new snapshot {path.name} written: review it and commit it")
    assert text == path.read_text()


@pytest.fixture(scope="module")
def task() -> PlanningTask:
    return PlanningTask.from_files(CORPUS / "domain.pddl", CORPUS / "problem.pddl")


@pytest.fixture(scope="module")
def renderer(task: PlanningTask):  # type: ignore[no-untyped-def]
    return renderer_for_task(task)


def critique(task: PlanningTask, *lines: str) -> Critique:
    plan = Plan.of(*lines)
    return Critique(plan=plan, verdicts=(asyncio.run(PDDLValidator().verify(task, plan)),))


LESSONS = [
    Lesson(namespace="ns", domain="blocksworld-4ops", kind="rule", key="rule:precondition:unstack:(handempty)",
           text="Before `unstack ?ob ?underob`, (handempty) must hold."),
    Lesson(namespace="ns", domain="blocksworld-4ops", kind="exemplar", key="exemplar:x",
           text="Objects: a b\nInitial state: (clear a) (clear b) (handempty) (ontable a) (ontable b)\n"
           "Goal: (on a b)\nPlan:\n(pick-up a)\n(stack a b)"),
]


def test_nl_task_prompt(task: PlanningTask, renderer) -> None:  # type: ignore[no-untyped-def]
    assert_snapshot("task_prompt_nl", task_prompt(task, "nl", renderer=renderer))


def test_nl_task_prompt_with_lessons(task: PlanningTask, renderer) -> None:  # type: ignore[no-untyped-def]
    text = task_prompt(task, "nl", renderer=renderer, lessons=format_lessons(LESSONS))
    assert "[LESSONS]" in text and text.index("[LESSONS END]") < text.index("[STATEMENT]")
    assert_snapshot("task_prompt_nl_lessons", text)


def test_pddl_task_prompt(task: PlanningTask) -> None:
    assert_snapshot("task_prompt_pddl", task_prompt(task, "pddl"))


def test_pddl_task_prompt_with_lessons(task: PlanningTask) -> None:
    assert_snapshot("task_prompt_pddl_lessons", task_prompt(task, "pddl", lessons=format_lessons(LESSONS)))


def test_the_nl_style_needs_a_renderer(task: PlanningTask) -> None:
    with pytest.raises(ValueError, match="renderer"):
        task_prompt(task, "nl")


@pytest.mark.parametrize("granularity", ["binary", "first", "all"])
@pytest.mark.parametrize("style", ["nl", "pddl"])
def test_back_prompts(task: PlanningTask, renderer, style: str, granularity: str) -> None:  # type: ignore[no-untyped-def]
    precondition = critique(task, "(unstack d c)", "(unstack a b)")
    goals = critique(task, "(unstack d c)", "(put-down d)")
    texts = [
        back_prompt(c.feedback(granularity, style, renderer), style)  # type: ignore[arg-type]
        for c in (precondition, goals)
    ]
    assert_snapshot(f"back_prompt_{style}_{granularity}", "\n\n=====\n\n".join(texts))


@pytest.mark.parametrize("history", ["full", "last"])
def test_conversations(history: str) -> None:
    exchanges = [Exchange(answer=f"answer {i}", back_prompt=f"feedback {i}") for i in (1, 2)]
    messages = conversation("the prompt", exchanges, history, system="You are a planner.")  # type: ignore[arg-type]
    assert_snapshot(f"conversation_{history}", "\n".join(f"[{m.role}] {m.content}" for m in messages))
