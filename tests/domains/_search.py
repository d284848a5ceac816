"""A tiny greedy best-first planner over :class:`TaskModel`, to check that small generated tasks are solvable."""

from __future__ import annotations

import heapq
import itertools

from domains import Plan, Step, TaskModel


def _groundings(model: TaskModel) -> list[tuple[str, tuple[str, ...]]]:
    """Every type-correct ground action (fine for the handful of objects of a test task)."""
    ground = []
    for name, schema in model.actions.items():
        candidates = [model.objects_of_type(t) for t in schema.param_types]
        for args in itertools.product(*candidates):
            ground.append((name, args))
    return ground


def sensible_steps(model: TaskModel) -> list[Step]:
    """Ground actions whose unchanging preconditions hold (``(load-truck p0 t1 l1-0)``, not ``p0 c1 l1-0``)."""
    changing = {atom[0] for s in model.actions.values() for atom in (*s.add, *s.delete)}
    steps = []
    for name, args in _groundings(model):
        pre = model.actions[name].ground_pre_pos(args)
        if all(p in model.init for p in pre if p[0] not in changing):
            steps.append(Step(action=name, args=args))
    return steps


def solve(model: TaskModel, limit: int = 200_000) -> Plan | None:
    """A plan (greedy on the number of unmet goal atoms), or ``None`` if none within ``limit`` states.

    Complete for the finite state spaces of test tasks: every reachable state is eventually expanded.
    """
    # Predicates no action changes (OBJ, in-city …) prune the groundings once, before the search.
    changing = {atom[0] for s in model.actions.values() for atom in (*s.add, *s.delete)}
    start = frozenset(model.init)
    actions = []
    for name, args in _groundings(model):
        schema = model.actions[name]
        pos, neg = schema.ground_pre_pos(args), schema.ground_pre_neg(args)
        static_ok = all(p in start for p in pos if p[0] not in changing) and not any(
            n in start for n in neg if n[0] not in changing
        )
        distinct = all(
            (args[a] if isinstance(a, int) else a) != (args[b] if isinstance(b, int) else b)
            for a, b in schema.not_equal
        )
        if static_ok and distinct:
            actions.append((name, args, pos, neg))

    def unmet(state: frozenset[tuple[str, ...]]) -> int:
        return sum(g not in state for g in model.goal_pos) + sum(g in state for g in model.goal_neg)

    parents: dict[frozenset[tuple[str, ...]], tuple[frozenset[tuple[str, ...]], Step] | None] = {start: None}
    queue = [(unmet(start), 0, start)]
    counter = itertools.count(1)
    while queue and len(parents) <= limit:
        distance, _, state = heapq.heappop(queue)
        if distance == 0:
            steps: list[Step] = []
            while (link := parents[state]) is not None:
                state, step = link
                steps.append(step)
            return Plan(steps=tuple(reversed(steps)))
        for name, args, pos, neg in actions:
            if all(p in state for p in pos) and not any(n in state for n in neg):
                schema = model.actions[name]
                following = (state - set(schema.ground_delete(args))) | set(schema.ground_add(args))
                if following not in parents:
                    parents[following] = (state, Step(action=name, args=args))
                    heapq.heappush(queue, (unmet(following), next(counter), following))
    return None
