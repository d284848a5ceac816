"""Extraction measured on PlanBench's recorded LLM answers against the authors' own extraction.

For every recorded answer we extract a plan from ``response`` (with the domain's renderer and the task)
and compare it with the authors' ``extracted_plan`` (as lower-case (action, args) lists), and our
validator's verdict on our plan with the authors' VAL verdict ``val_correct``.

Groups:

* *rule-extracted*: files without ``raw_translation`` (the authors extracted with rules).  Asserted:
  verdict agreement >= 98%.
* *LLM-translated*: files with ``raw_translation`` (the authors had another LLM translate the answer).
* *o1 reruns*: mystery ``o1-preview_chat__…_zero_shot_run1/_run2/_run_1`` have no ``raw_translation`` but
  were not extracted by PlanBench's rules either: 306 of their ``extracted_plan`` hold an LLM's translation
  text ("Here is the extracted PDDL plan …"), "Feast a from d" is read in some lines and not in others, and
  ``val_correct`` disagrees with our validator on the authors' *own* extracted plans in 10% of run1/run2
  lines.  Their figures are printed, not asserted.

Disagreements in the rule-extracted group are by design (see ``domains/_extract.py``): PlanBench's rules
also read the explanation after ``[PLAN END]`` and both copies of a plan written twice, and skip phrasings
such as "Put the red block down"; we read the plan block once.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from domains import Plan, PlanningTask, extract_plan, get_domain
from domains._render import COLORS

PLANBENCH = Path(__file__).resolve().parents[2].parent / "shared" / "planbench"
DOMAINS = ("blocksworld", "mystery_blocksworld", "logistics")
O1_RERUNS = {
    "o1-preview_chat__task_1_plan_generation_zero_shot_run1",
    "o1-preview_chat__task_1_plan_generation_zero_shot_run2",
    "o1-preview_chat__task_1_plan_generation_zero_shot_run_1",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (PLANBENCH / "recorded").is_dir(), reason=f"PlanBench's recorded answers are not at {PLANBENCH}"
    ),
]

_BY_COLOR = {color: name for name, color in COLORS.items()}


def _authors(extracted: str | list[str] | None) -> list[tuple[str, ...]]:
    """The authors' plan as (action, *args), lower case; colour names (state-tracking files) as letters."""
    lines = extracted if isinstance(extracted, list) else (extracted or "").splitlines()
    plan = []
    for line in lines:
        words = line.strip().strip("()").split() if line.strip().startswith("(") else []
        if words:
            plan.append((words[0].lower(), *(_BY_COLOR.get(w.lower(), w.lower()) for w in words[1:])))
    return plan


def _ours(plan: Plan) -> list[tuple[str, ...]]:
    return [(s.action.lower(), *(a.lower() for a in s.args)) for s in plan.steps]


def _group(path: Path, records: list[dict[str, Any]]) -> str:
    if path.stem in O1_RERUNS:
        return "o1 reruns"
    return "LLM-translated" if any("raw_translation" in r for r in records) else "rule-extracted"


def _measure() -> dict[str, Counter[str]]:
    from verifiers import validate

    by_file: dict[str, Counter[str]] = defaultdict(Counter)
    for domain in DOMAINS:
        renderer = get_domain(domain).renderer
        domain_pddl = (PLANBENCH / "domains" / domain / "domain.pddl").read_text()
        by_instance: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        for path in sorted((PLANBENCH / "recorded" / domain).glob("*.jsonl")):
            if path.name == "prompts.jsonl":
                continue
            records = [json.loads(line) for line in path.read_text().splitlines()]
            group = _group(path, records)
            for record in records:
                by_instance[record["instance"]].append((f"{group} | {domain}/{path.stem}", group, record))
        # One instance at a time: each problem is parsed once, however many files answer it.
        for instance, answers in sorted(by_instance.items()):
            problem = (PLANBENCH / "domains" / domain / "instances" / instance).read_text()
            task = PlanningTask(domain_pddl=domain_pddl, problem_pddl=problem, problem_source=instance)
            for file_key, group, record in answers:
                plan = extract_plan(record["response"] or "", task, renderer).plan
                for key in (file_key, group):
                    counts = by_file[key]
                    counts["lines"] += 1
                    counts["same plan"] += _ours(plan) == _authors(record["extracted_plan"])
                    if record["val_correct"] is not None:
                        counts["with verdict"] += 1
                        counts["same verdict"] += validate(task, plan).valid == bool(record["val_correct"])
    return by_file


@pytest.fixture(scope="module")
def figures() -> dict[str, Counter[str]]:
    return _measure()


def _report(figures: dict[str, Counter[str]]) -> str:
    rows = []
    for key, c in sorted(figures.items()):
        rows.append(
            f"{key:90} {c['lines']:5} answers  same plan {c['same plan'] / c['lines']:6.1%}"
            f"  same verdict {c['same verdict'] / max(c['with verdict'], 1):6.1%}"
        )
    return "\n".join(rows)


def test_rule_extracted_answers_get_the_authors_verdict(figures: dict[str, Counter[str]]) -> None:
    print("\n" + _report(figures))
    rule = figures["rule-extracted"]
    assert rule["lines"] > 9000
    assert rule["same verdict"] / rule["with verdict"] >= 0.98
    # Not a target in itself (the authors' rules read explanations as steps), but a floor against regressions.
    assert rule["same plan"] / rule["lines"] >= 0.90


def test_llm_translated_answers_mostly_agree_too(figures: dict[str, Counter[str]]) -> None:
    llm = figures["LLM-translated"]
    assert llm["lines"] == 1800
    assert llm["same verdict"] / llm["with verdict"] >= 0.93
