"""Replay of a real back-prompting run: o1-preview on PlanBench's blocksworld_hard (PDDL prompts, first-error
feedback, last exchange only).  The fake LLM gives each instance its recorded answers in order; Modulo must
end each run at the round where VAL first accepted the recorded plan (or find none)."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from agents.graph import RunOptions, run_task
from agents.llm import LLMClient
from domains import PlanningTask
from tests.fakes import FakeLLM

REPO = Path(__file__).resolve().parents[3]
PLANBENCH = REPO.parent / "shared" / "planbench"
RECORDS = (
    PLANBENCH / "recorded_backprompting" / "blocksworld_hard" / "o1-preview_chat__zero_shot_pddl_backprompting.jsonl"
)
DOMAIN = PLANBENCH / "domains" / "blocksworld_hard"
OPTIONS = RunOptions(prompt_style="pddl", feedback="first", history="last", max_rounds=15, memory=False)


def first_accepted_round(record: dict[str, Any]) -> int | None:
    """The first round whose plan VAL accepted.  A run's last round stores no flag when it ended solved at
    round 1; its verdict is then ``final_val_correct``."""
    rounds = record["rounds"]
    for r in rounds:
        valid = r.get("val_valid")
        if valid is None and r is rounds[-1]:
            valid = record["final_val_correct"]
        if valid:
            return int(r["round"])
    return None


def replayer(answers: list[str]) -> Any:
    """Recorded answers in order; past the recording, the last one again (the recorded run stopped there)."""
    queue = deque(answers)

    def respond(_request: dict[str, Any]) -> str:
        return queue.popleft() if len(queue) > 1 else queue[0]

    return respond


@pytest.mark.slow
async def test_replay_of_o1_preview_back_prompting_ends_at_the_recorded_round(
    fake_llm: FakeLLM, llm: LLMClient
) -> None:
    if not RECORDS.is_file():
        pytest.skip(f"PlanBench recordings not found at {RECORDS}")
    records = [json.loads(line) for line in RECORDS.read_text().splitlines() if line.strip()]
    domain_pddl = (DOMAIN / "domain.pddl").read_text()
    agree, feedback_agree, feedback_total, mismatches = 0, 0, 0, []
    for record in records:
        task = PlanningTask(
            domain_pddl=domain_pddl, problem_pddl=(DOMAIN / "instances" / record["instance"]).read_text(),
            problem_source=record["instance"],
        )
        fake_llm.respond = replayer([r["response"] for r in record["rounds"]])
        result = await run_task(task, OPTIONS, llm=llm)
        expected = first_accepted_round(record)
        got = result.solved_round if result.status == "solved" else None
        assert result.status in ("solved", "unsolved"), result.reason
        if got == expected:
            agree += 1
        else:
            mismatches.append(f"{record['instance']}: recorded {expected}, Modulo {got}")
        if expected is None:
            assert len(result.rounds) == OPTIONS.max_rounds
        for ours, recorded in zip(result.rounds, record["rounds"], strict=False):
            unmet = (recorded.get("val_feedback_json") or {}).get("unmet_info", {}).get("unmet_precond") or []
            if len(unmet) == 2 and ours.feedback:
                feedback_total += 1
                step = unmet[0].split("\n")[0].removeprefix("Time step: ")
                feedback_agree += f"Step {step}, " in ours.feedback and unmet[1].strip() in ours.feedback
            if ours.number > 1:
                assert len(ours.messages) == 3  # history last: prompt, last answer, its feedback
    share = agree / len(records)
    print(
        f"\nreplay: {agree}/{len(records)} runs ({share:.1%}) end at the round VAL first accepted (or none); "
        f"back-prompts naming VAL's failing step and unmet precondition: {feedback_agree}/{feedback_total}"
    )
    for line in mismatches:
        print("  ", line)
    assert len(records) == 110
    assert share >= 0.95, mismatches
