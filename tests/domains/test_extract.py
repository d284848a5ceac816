"""Plan extraction from LLM answers: formats, plan regions, repeats, unreadable lines, and never raising."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains import Extraction, PlanningTask, Step, UnreadableLine, extract_plan, get_domain
from domains._render import GenericRenderer

PROBLEM = """(define (problem p) (:domain blocksworld-4ops) (:objects a b c d)
  (:init (handempty) (on a b) (ontable b) (ontable c) (on d c) (clear a) (clear d))
  (:goal (and (on c a))))"""


@cache
def bw_task() -> PlanningTask:
    return PlanningTask(domain_pddl=get_domain("blocksworld").domain_pddl, problem_pddl=PROBLEM)


def steps(extraction: Extraction) -> list[str]:
    return [step.to_pddl() for step in extraction.plan.steps]


def lines_of(extraction: Extraction) -> list[int | None]:
    return [step.line for step in extraction.plan.steps]


PLAN = ["(unstack a b)", "(put-down a)", "(pick-up c)", "(stack c a)"]

FORMATS = {
    "pddl lines": "(unstack a b)\n(put-down a)\n(pick-up c)\n(stack c a)",
    "pddl on one line": "(unstack a b) (put-down a) (pick-up c) (stack c a)",
    "pddl, any case": "(UNSTACK A B)\n(Put-Down a)\n(pick-up C)\n(stack c a)",
    "pddl with comments and numbers": "1. (unstack a b) ; clears b\n2. (put-down a)\n3. (pick-up c)\n4. (stack c a)",
    "pddl in a code fence": "Plan:\n```pddl\n(unstack a b)\n(put-down a)\n(pick-up c)\n(stack c a)\n```\nDone.",
    "pddl wrapped in (plan ...)": "(plan\n  (unstack a b)\n  (put-down a)\n  (pick-up c)\n  (stack c a)\n)",
    "numbered natural language": (
        "Here is the plan:\n\n1. Unstack the red block from on top of the blue block.\n2. Put down the red block.\n"
        "3. Pick up the orange block.\n4. Stack the orange block on top of the red block.\n\nThis achieves the goal."
    ),
    "1) and Step 1:": (
        "1) unstack the red block from the blue block\nStep 2: put down the red block\n"
        "Step 3 - pick up the orange block\n(4) stack the orange block onto the red block"
    ),
    "markdown bullets and bold": (
        "### Plan\n- **Unstack** the red block from the blue block\n* Put down the red block\n"
        "- `pick up the orange block`\n- **Stack the orange block on top of the red block**"
    ),
    "explanations nested under steps": (
        "1. **Unstack the red block from the blue block.**\n   - The red block is clear, so this works.\n"
        "   - Unstack the red block from the blue block.\n2. **Put down the red block.**\n"
        "3. **Pick up the orange block.**\n   - Reason: it is clear.\n4. **Stack the orange block on the red block.**"
    ),
    "remarks in parentheses and after a dash": (
        "1. Unstack the red block from the blue block (now holding the red block)\n"
        "2. Put down the red block - the hand is empty again\n3. Pick up the orange block: it is clear\n"
        "4. Stack the orange block on top of the red block."
    ),
    "call style": "1. Unstack(red, blue)\n2. Put down(red)\n3. pick-up(c)\n4. stack(c, a)",
    "call style in bold, explained": (
        "1. **Unstack(Red, Blue)**: Unstack the red block from the blue block.\n2. **PutDown(red)** - now empty\n"
        "3. **PICKUP(orange)**: Pick up the orange block.\n4. **Stack(orange, red)**: Stack it on the red block."
    ),
    "sequence words": (
        "First, unstack the red block from the blue block.\nThen put down the red block.\n"
        "Next, pick up the orange block.\nFinally, stack the orange block on top of the red block."
    ),
    "numbered items opening with the step in bold": (
        "1. **Unstack the red block from the blue block** to free it.\n2. **Put down the red block** on the side.\n"
        "3. **Pick up the orange block** *(it is clear)*\n4. **Perform Stack the orange block on the red block**"
    ),
    "words with the task's names": "1. unstack a from b\n2. put down block a\n3. pick-up c\n4. stack c on a",
    "plan markers": "Sure.\n[PLAN]\nunstack the red block from on top of the blue block\nput down the red block\n"
    "pick up the orange block\nstack the orange block on top of the red block\n[PLAN END]\n"
    "Explanation:\n1. First unstack the red block from the blue block to free it.",
    "only an end marker": "unstack the red block from on top of the blue block\nput down the red block\n"
    "pick up the orange block\nstack the orange block on top of the red block\n[PLAN END]\n\n"
    "[STATEMENT]\nAs initial conditions I have that, the red block is clear\n[PLAN]\npick up the red block\n",
    "markers on the same lines": "[PLAN] (unstack a b) (put-down a)\n(pick-up c) (stack c a) [PLAN END] (pick-up d)",
    "natural language, then the same plan in pddl": (
        "1. Unstack block a from block b.\n2. Put block a down.\n3. Pick up block c.\n4. Stack block c on block a.\n\n"
        "So, the plan in PDDL syntax would be:\n\n(unstack a b)\n(put-down a)\n(pick-up c)\n(stack c a)"
    ),
    "the plan, then a summary": (
        "1. **Unstack the red block from the blue block**\n2. **Put down the red block**\n"
        "3. **Pick up the orange block**\n4. **Stack the orange block on the red block**\n\n**Summary of Plan:**\n"
        "- Unstack red from blue\n- Put down red\n- Pick up orange\n- Stack orange on red"
    ),
    "the plan, then a walk through it": (
        "Plan: \n1. (unstack a b)\n2. (put-down a)\n3. (pick-up c)\n4. (stack c a)\n\n### Step by step\n\n"
        "**Step 1: Unstack the red block from the blue block**\nThe red block is clear.\n"
        "**Step 2: Put down the red block**\nNow the hand is empty.\n"
        "**Step 3: Pick up the orange block**\n"
    ),
    "a state then the plan": (
        "Initial state:\n- (handempty)\n- (on a b)\n\nPlan:\n(unstack a b)\n(put-down a)\n(pick-up c)\n(stack c a)\n"
        "\nThis plan satisfies the goal state:\n(on c a)"
    ),
    "completion that goes on to the next problem": (
        "unstack the red block from on top of the blue block\nput down the red block\npick up the orange block\n"
        "stack the orange block on top of the red block\n[STATEMENT]\nAs initial conditions I have that\n"
        "pick up the red block"
    ),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_formats_give_the_plan(name: str) -> None:
    assert steps(extract_plan(FORMATS[name], bw_task())) == PLAN


def test_steps_keep_their_line_numbers() -> None:
    text = (
        "Here is the plan:\n\n1. Unstack the red block from the blue block.\n\n"
        "2. (put-down a)\n3. (pick-up c) (stack c a)"
    )
    assert lines_of(extract_plan(text, bw_task())) == [3, 5, 6, 6]
    assert lines_of(extract_plan("a\r\nb\r\n(pick-up c)\r(stack c a)", bw_task())) == [3, 4]


def test_names_are_normalised_only_when_the_task_knows_them() -> None:
    extraction = extract_plan("(UNSTACK A B)\n(PICKUP C)\n(stack c purple)\n(stack c)", bw_task())
    assert extraction.plan.steps == (
        Step(action="unstack", args=("a", "b"), line=1),
        Step(action="PICKUP", args=("c",), line=2),  # unknown action: kept as written, for the validator
        Step(action="stack", args=("c", "purple"), line=3),  # unknown object: kept as written
        Step(action="stack", args=("c",), line=4),  # wrong arity: kept
    )
    assert steps(extract_plan("(UNSTACK A B)")) == ["(UNSTACK A B)"]  # without a task, as written


def test_without_a_task_or_renderer_pddl_is_still_read() -> None:
    assert steps(extract_plan("Plan:\n1. (unstack a b)\n2. (put-down a)")) == ["(unstack a b)", "(put-down a)"]
    assert steps(extract_plan("(unstack a b)\n(All other conditions remain the same)")) == ["(unstack a b)"]
    assert steps(extract_plan("unstack the red block from on top of the blue block")) == []


def test_the_renderer_is_picked_from_the_task_or_given() -> None:
    text = "feast object a from object b"
    assert steps(extract_plan(text, renderer=get_domain("mystery_blocksworld").renderer)) == ["(feast a b)"]
    task = get_domain("mystery_blocksworld").instances()[0]
    assert steps(extract_plan(text, task)) == ["(feast a b)"]
    assert steps(
        extract_plan("load package_0 into truck_1 at location_1_0", renderer=get_domain("logistics").renderer)
    ) == ["(load-truck p0 t1 l1-0)"]


def test_unreadable_lines_inside_the_plan_are_reported() -> None:
    text = (
        "Here is my plan:\n"  # 1 chatter
        "1. Unstack the red block from the blue block\n"  # 2
        "2. Stack the purple block on the orange block\n"  # 3 unreadable: no purple block
        "3. Now the hand is empty.\n"  # 4 unreadable: an item of the plan's list that is no step
        "4. (put-down a\n"  # 5 unreadable: unbalanced
        "5. Pick up the orange block\n"  # 6
        "   - it is clear\n"  # 7 explanation: chatter
        "6. Stack the orange block under the red block\n"  # 8 unreadable, right after the last step
        "\nI hope this helps!"  # chatter
    )
    extraction = extract_plan(text, bw_task())
    assert steps(extraction) == ["(unstack a b)", "(pick-up c)"]
    assert [u.line for u in extraction.unreadable] == [3, 4, 5, 8]
    assert all(isinstance(u, UnreadableLine) and u.reason for u in extraction.unreadable)
    assert "unbalanced" in extraction.unreadable[2].reason
    assert extraction.unreadable[0].text == "2. Stack the purple block on the orange block"


def test_reasoning_bullets_are_not_steps() -> None:
    text = (
        "1. **Pick up the orange block**\n2. **Stack the orange block on the red block**\n\nWhy not otherwise?\n"
        "- **Stack the orange block on the blue block** would not reach the goal.\n"
        "- We can stack the orange block on the red block only once it is clear."
    )
    extraction = extract_plan(text, bw_task())
    assert steps(extraction) == ["(pick-up c)", "(stack c a)"] and extraction.unreadable == ()


def test_chatter_is_not_unreadable() -> None:
    text = (
        "Sure! Let's think.\nThe goal is to put the orange block on the red block.\n\nPlan:\n"
        "(unstack a b)\n(put-down a)\n(pick-up c)\n(stack c a)\n\nThis works because:\n- the red block is clear\n"
    )
    extraction = extract_plan(text, bw_task())
    assert steps(extraction) == PLAN and extraction.unreadable == ()


def test_a_truncated_last_step_is_reported() -> None:
    text = "pick up the orange block\nstack the orange block on top of"
    extraction = extract_plan(text, bw_task())
    assert steps(extraction) == ["(pick-up c)"]
    assert [u.line for u in extraction.unreadable] == [2]


def test_an_answer_without_any_step() -> None:
    assert extract_plan("", bw_task()) == Extraction(plan=extract_plan("").plan)
    nothing = extract_plan("I cannot find a plan for this problem.", bw_task())
    assert nothing.plan.steps == () and nothing.unreadable == ()
    attempt = extract_plan("Stack everything on the table.", bw_task())
    assert attempt.plan.steps == () and [u.line for u in attempt.unreadable] == [1]


def test_a_plan_written_twice_in_one_notation_is_read_once_but_repeated_steps_stay() -> None:
    once = "1. (attack a)\n2. (overcome b a)\n\nThe final plan is:\n(attack a) (overcome b a)"
    assert steps(extract_plan(once)) == ["(attack a)", "(overcome b a)"]
    repeated = "1. (pick-up c)\n2. (put-down c)\n3. (pick-up c)\n4. (put-down c)"
    assert steps(extract_plan(repeated, bw_task())) == ["(pick-up c)", "(put-down c)"] * 2


def test_a_changed_second_plan_is_kept_for_the_validator_to_judge() -> None:
    text = "1. (pick-up c)\n2. (stack c a)\n\nWait, first:\n1. (unstack a b)\n2. (put-down a)"
    assert steps(extract_plan(text, bw_task())) == ["(pick-up c)", "(stack c a)", "(unstack a b)", "(put-down a)"]


def test_only_the_first_plan_block_with_steps_is_read() -> None:
    text = "[PLAN]\n[PLAN END]\n[PLAN]\n(pick-up c)\n[PLAN END]\n[PLAN]\n(pick-up d)\n[PLAN END]"
    assert steps(extract_plan(text, bw_task())) == ["(pick-up c)"]
    assert steps(extract_plan("[PLAN]\n(pick-up c)\n(stack c a)", bw_task())) == ["(pick-up c)", "(stack c a)"]


def test_the_generic_renderer_reads_pddl_lines() -> None:
    text = "1. (move rooma roomb)\n2. (pick ball1 roomb left)"
    extraction = extract_plan(text, renderer=GenericRenderer())
    assert steps(extraction) == ["(move rooma roomb)", "(pick ball1 roomb left)"]


def test_gripper_and_depots_answers() -> None:
    gripper = get_domain("gripper").instances()[0]
    text = "1. Move from room a to room b.\n2. Pick up ball1 in roomb with the left gripper."
    assert steps(extract_plan(text, gripper)) == ["(move rooma roomb)", "(pick ball1 roomb left)"]
    depots = get_domain("depots").instances()[0]
    assert steps(extract_plan("- use hoist0 to lift crate1 from pallet0 at depot0", depots)) == [
        "(lift hoist0 crate1 pallet0 depot0)"
    ]


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.lists(
    st.sampled_from(
        [
            "[PLAN]", "[PLAN END]", "[STATEMENT]", "(", ")", "((", "(unstack a b)", "(stack", "1.", "- ", "**", "`",
            "```", "\n", "\r", " ", ":", ";", "pick up the red block", "unstack the red block from", "Step 99:",
            "feast object", "(plan", "_", "9" * 30 + ".", "(on a b)", "(x)", "put", "the", "block", "\t",
        ]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=TEXT, with_task=st.booleans(), renderer=st.sampled_from([None, "blocksworld", "logistics", "generic"]))
def test_extraction_never_raises(text: str, with_task: bool, renderer: str | None) -> None:
    chosen = {
        None: None,
        "blocksworld": get_domain("blocksworld").renderer,
        "logistics": get_domain("logistics").renderer,
        "generic": GenericRenderer(),
    }[renderer]
    extraction = extract_plan(text, bw_task() if with_task else None, chosen)
    total = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert all(step.line is not None and 1 <= step.line <= total for step in extraction.plan.steps)
    assert all(1 <= u.line <= total for u in extraction.unreadable)


def test_a_task_that_does_not_parse_does_not_stop_extraction() -> None:
    broken = PlanningTask(domain_pddl="(define (domain d)", problem_pddl="(define (problem p))")
    assert steps(extract_plan("(pick-up a)", broken, GenericRenderer())) == ["(pick-up a)"]
