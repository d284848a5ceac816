"""Validator throughput on PlanBench plans: Modulo vs unified-planning's SequentialPlanValidator (and VAL).

Prints figures; not a timed test.  Parsing is done once per task for every validator (cached), so the
figures compare validation alone.  Plans: the ground-truth (valid) plans of PlanBench blocksworld,
blocksworld_hard and logistics, and a corrupted copy of each (one step swapped with a later one, or the
last step dropped), so both verdicts are exercised.

    .venv/bin/python bench/validate.py [--planbench PATH] [--up-sample N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domains import Plan, PlanningTask  # noqa: E402
from verifiers import find_val, validate  # noqa: E402


def load_plans(planbench: Path) -> dict[str, list[tuple[PlanningTask, Plan]]]:
    groups: dict[str, list[tuple[PlanningTask, Plan]]] = {}
    rng = random.Random(7)
    sources = {
        "blocksworld": ("blocksworld", "recorded/blocksworld/gpt-4_chat__task_1_plan_generation.jsonl"),
        "blocksworld_hard": (
            "blocksworld_hard", "domains/blocksworld_hard/instances/generated_optimal_plans_info.json"
        ),
        "logistics": ("logistics", "recorded/logistics/gpt-4_chat__task_1_plan_generation.jsonl"),
    }
    for group, (domain, source) in sources.items():
        domain_dir = planbench / "domains" / domain
        records: list[tuple[str, list[str]]] = []
        if source.endswith(".jsonl"):
            for line in (planbench / source).read_text().splitlines():
                r = json.loads(line)
                gt = r.get("ground_truth_plan")
                if gt:
                    gt_lines = gt if isinstance(gt, list) else [x for x in gt.splitlines() if x.strip()]
                    records.append((r["instance"], gt_lines))
        else:
            info = json.loads((planbench / source).read_text())
            for name, value in info.items():  # {"instance-1.pddl": {"plan": "(unstack d b)\n...", ...}}
                records.append((f"generated/{name}", [x for x in value["plan"].splitlines() if x.strip()]))
        pairs = []
        for instance, lines in records:
            problem = domain_dir / "instances" / instance
            if not problem.exists():
                continue
            task = PlanningTask.from_files(domain_dir / "domain.pddl", problem)
            plan = Plan.of(*lines)
            pairs.append((task, plan))
            steps = list(plan.steps)
            if len(steps) > 2:
                i = rng.randrange(len(steps) - 1)
                j = rng.randrange(i + 1, len(steps))
                steps[i], steps[j] = steps[j], steps[i]
                pairs.append((task, Plan(steps=tuple(steps))))
            pairs.append((task, Plan(steps=plan.steps[:-1])))
        groups[group] = pairs
    return groups


def bench_modulo(pairs: list[tuple[PlanningTask, Plan]], repeat: int = 3) -> tuple[float, int]:
    for task, _ in pairs:
        task.model()  # parse once, outside the timing
    best = float("inf")
    valid = 0
    for _ in range(repeat):
        start = time.perf_counter()
        valid = sum(validate(task, plan).valid for task, plan in pairs)
        best = min(best, time.perf_counter() - start)
    return len(pairs) / best, valid


def bench_up(pairs: list[tuple[PlanningTask, Plan]]) -> tuple[float, int]:
    from unified_planning.engines import SequentialPlanValidator
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    prepared = []
    problems: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for task, plan in pairs:
            problem = problems.get(task.content_hash)
            if problem is None:
                problem = PDDLReader().parse_problem_string(task.domain_pddl, task.problem_pddl)
                problems[task.content_hash] = problem
            actions = [ActionInstance(problem.action(s.action), [problem.object(a) for a in s.args])  # type: ignore[attr-defined]
                       for s in plan.steps]
            prepared.append((problem, SequentialPlan(actions)))
        validator = SequentialPlanValidator()
        start = time.perf_counter()
        valid = sum(validator.validate(p, sp).status.name == "VALID" for p, sp in prepared)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
    return len(prepared) / elapsed, valid


def bench_val(pairs: list[tuple[PlanningTask, Plan]], binary: str) -> float:
    import asyncio

    from verifiers import VALVerifier

    val = VALVerifier(binary)

    async def run() -> None:
        for task, plan in pairs:
            await val.verify(task, plan)

    start = time.perf_counter()
    asyncio.run(run())
    return len(pairs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--planbench", type=Path, default=ROOT.parent / "shared" / "planbench")
    parser.add_argument("--up-sample", type=int, default=150, help="plans per group for unified-planning (slow)")
    args = parser.parse_args()
    groups = load_plans(args.planbench)
    val_binary = find_val()
    print(f"{'group':<18}{'plans':>7}{'steps(mean/max)':>17}{'modulo plans/s':>16}{'UP plans/s':>12}{'speed-up':>10}"
          + ("  VAL plans/s" if val_binary else ""))
    for group, pairs in groups.items():
        lengths = [len(p) for _, p in pairs]
        modulo_rate, _ = bench_modulo(pairs)
        sample = random.Random(1).sample(pairs, min(args.up_sample, len(pairs)))
        up_rate, up_valid = bench_up(sample)
        sample_agree = sum(validate(t, p).valid for t, p in sample)
        assert sample_agree == up_valid, f"verdicts differ from unified-planning on {group}"
        row = (f"{group:<18}{len(pairs):>7}{statistics.mean(lengths):>10.1f}/{max(lengths):<6}"
               f"{modulo_rate:>16,.0f}{up_rate:>12,.1f}{modulo_rate / up_rate:>9.0f}x")
        if val_binary:
            row += f"{bench_val(sample, val_binary):>13,.0f}"
        print(row)
    print("(same verdicts as unified-planning on every sampled plan; VAL "
          + ("measured" if val_binary else "not on PATH, not measured") + ")")


if __name__ == "__main__":
    main()
