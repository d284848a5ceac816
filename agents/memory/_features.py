"""The shape of a task, used to find exemplars of similar problems."""

from __future__ import annotations

from collections import Counter

from domains import PlanningTask


def task_features(task: PlanningTask) -> dict[str, float]:
    """Object count, goal size and how many goal literals use each predicate (``goal:on``, ``goal:not on``).

    Exemplars are ranked by L1 distance over these, so a 4-block tower goal finds a 4-block tower goal
    before a 3-block one or a goal about other predicates.
    """
    model = task.model()
    shape = Counter(f"goal:{atom[0]}" for atom in model.goal_pos)
    shape.update(f"goal:not {atom[0]}" for atom in model.goal_neg)
    features = {
        "n_objects": float(len(model.objects)),
        "n_goal_atoms": float(len(model.goal_pos) + len(model.goal_neg)),
    }
    features.update((name, float(count)) for name, count in sorted(shape.items()))
    return features
