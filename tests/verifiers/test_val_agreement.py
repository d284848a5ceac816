"""Acceptance: our validator gives VAL's verdict on every recorded LLM plan of PlanBench.

For every line of ``recorded/*/*.jsonl`` with a non-null ``val_correct``, validating the authors'
``extracted_plan`` must give ``valid == val_correct``.  Two groups of lines cannot agree as stored, and
each is checked for *why* rather than skipped:

* ``blocksworld/gpt-4_chat__..._state_tracking``: the stored plans name blocks by colour ("(pick-up red)");
  the authors validated them after mapping colours to objects (PlanBench's a=red, b=blue, ...).  We apply
  that mapping and must then agree.
* ``mystery_blocksworld/o1-preview_chat__..._run1/_run2/_run_1``: the stored flag says invalid for plans
  that execute and reach the goal.  For each such line unified-planning's independent
  ``SequentialPlanValidator`` must agree with us (valid), which shows the stored flag, not the validator,
  is off (those files' extractions were made by another LLM pass with headers and fences around the plan).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

from domains import Plan, PlanningTask, Step
from verifiers import validate

COLOURS = {
    "red": "a", "blue": "b", "orange": "c", "yellow": "d", "white": "e", "magenta": "f",
    "black": "g", "cyan": "h", "green": "i", "violet": "j", "silver": "k", "gold": "l",
}  # fmt: skip
COLOUR_NAMED_FILES = {"gpt-4_chat__task_1_plan_generation_state_tracking.jsonl"}
FLAG_SUSPECT_FILES = {
    "o1-preview_chat__task_1_plan_generation_zero_shot_run1.jsonl",
    "o1-preview_chat__task_1_plan_generation_zero_shot_run2.jsonl",
    "o1-preview_chat__task_1_plan_generation_zero_shot_run_1.jsonl",
}


def stored_plan(extracted: str | list[str] | None, rename: dict[str, str] | None = None) -> Plan:
    """The authors' extracted plan: every parenthesised action in it, in order."""
    text = "" if extracted is None else extracted if isinstance(extracted, str) else "\n".join(extracted)
    steps = []
    # Some stored plans break one action over several lines with trailing backslashes: "(\\\nfeast a c\\\n)".
    for match in re.finditer(r"\(([^()]*)\)", text.replace("\\", " ")):
        words = match.group(1).split()
        if words:
            args = tuple((rename or {}).get(w, w) for w in words[1:])
            steps.append(Step(action=words[0], args=args))
    return Plan(steps=tuple(steps))


def up_says_valid(task: PlanningTask, plan: Plan) -> bool:
    """unified-planning's own validator, as an independent second opinion."""
    from unified_planning.engines import SequentialPlanValidator
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem = PDDLReader().parse_problem_string(task.domain_pddl, task.problem_pddl)
        actions = [
            ActionInstance(problem.action(s.action.lower()), [problem.object(a.lower()) for a in s.args])
            for s in plan.steps
        ]
        result = SequentialPlanValidator().validate(problem, SequentialPlan(actions))
    return result.status.name == "VALID"


def test_every_recorded_val_verdict_is_reproduced(planbench: Path) -> None:
    agreed = checked = 0
    explained: list[str] = []
    unexplained: list[str] = []
    for path in sorted(planbench.glob("recorded/*/*.jsonl")):
        if path.name == "prompts.jsonl":
            continue
        domain_dir = planbench / "domains" / path.parent.name
        for raw in path.read_text().splitlines():
            record = json.loads(raw)
            if record.get("val_correct") is None:
                continue
            task = PlanningTask.from_files(domain_dir / "domain.pddl", domain_dir / "instances" / record["instance"])
            rename = COLOURS if path.name in COLOUR_NAMED_FILES and path.parent.name == "blocksworld" else None
            plan = stored_plan(record["extracted_plan"], rename)
            verdict = validate(task, plan)
            checked += 1
            if verdict.valid == record["val_correct"]:
                agreed += 1
                continue
            where = f"{path.parent.name}/{path.name}:{record['instance']}"
            if path.name in FLAG_SUSPECT_FILES and verdict.valid and up_says_valid(task, plan):
                explained.append(where)
            else:
                unexplained.append(f"{where} stored={record['val_correct']} ours={verdict.violations[:1]}")
    print(f"\nVAL agreement: {agreed}/{checked} lines agree as stored; {len(explained)} more are lines whose "
          "stored flag unified-planning's validator also contradicts")
    assert checked > 12000
    assert not unexplained, unexplained[:10]
    assert len(explained) < 0.01 * checked
