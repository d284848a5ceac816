"""The conformance corpus (tests/corpus) that every verifier must pass, built-in or plug-in."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from domains import PlanningTask, extract_plan
from verifiers import Verifier, available_verifiers, load_verifier

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PLANS = sorted(CORPUS.glob("*/*.plan"))


def _buildable_verifiers() -> list[Verifier]:
    built = []
    for name in sorted(available_verifiers()):
        try:
            built.append(load_verifier(name))
        except Exception:  # needs configuration (e.g. a URL or a bound) or a missing binary such as VAL
            continue
    return [v for v in built if v.hard]


VERIFIERS = _buildable_verifiers()


def _expectation(plan_file: Path) -> tuple[str, int | None, list[str]] | None:
    first = plan_file.read_text().splitlines()[0]
    match = re.match(r";\s*expect:\s*(\w+)(?:\s+step\s+(\d+))?\s*(.*)$", first)
    if match is None:
        return None
    literals = re.findall(r"\((?:not\s+)?\([^()]*\)\)|\([^()]*\)", match.group(3))
    return match.group(1), int(match.group(2)) if match.group(2) else None, literals


def test_corpus_is_not_empty() -> None:
    assert len(PLANS) >= 12
    assert any(_expectation(p) is None for p in PLANS) and any(_expectation(p) for p in PLANS)


@pytest.mark.parametrize("verifier", VERIFIERS, ids=lambda v: v.name)
@pytest.mark.parametrize("plan_file", PLANS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_verifier_conforms(verifier: Verifier, plan_file: Path) -> None:
    task = PlanningTask.from_files(plan_file.parent / "domain.pddl", plan_file.parent / "problem.pddl")
    plan = extract_plan(plan_file.read_text(), task).plan
    verdict = asyncio.run(verifier.verify(task, plan))
    expected = _expectation(plan_file)
    if expected is None:
        assert verdict.valid, verdict.violations
        assert verdict.energy == 0
        return
    kind, step, literals = expected
    assert not verdict.valid
    assert verdict.energy > 0
    first = verdict.violations[0]
    assert first.kind == kind, verdict.violations
    if step is not None:
        assert first.step == step
    reported = {m for v in verdict.violations for m in v.missing}
    assert set(literals) <= reported, (literals, verdict.violations)
    if kind == "goal":  # each unmet goal literal is reported on its own, not the whole goal formula
        assert all(len(v.missing) == 1 for v in verdict.violations)
