"""Generators: seeded, deterministic, parseable, solvable, and the goal is never already true."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domains import UsageError, get_domain
from verifiers import validate

from ._search import solve

SMALL = {"blocksworld": (2, 4), "mystery_blocksworld": (2, 4), "logistics": (1, 2), "depots": (1, 2), "gripper": (1, 3)}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_same_seed_and_size_give_the_same_text(name: str) -> None:
    generate = get_domain(name).generator
    assert generate is not None
    for seed in range(5):
        assert generate(seed, 3).problem_pddl == generate(seed, 3).problem_pddl
    texts = {generate(seed, 3).problem_pddl for seed in range(10)}
    assert len(texts) >= 8, "seeds should give different tasks"


def test_generated_text_does_not_depend_on_the_process() -> None:
    """String seeds are hashed with SHA-512, not Python's randomised hash: a new process agrees."""
    code = "from domains import get_domain; print(get_domain('depots').generator(7, 3).problem_pddl, end='')"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    generate = get_domain("depots").generator
    assert generate is not None and other == generate(7, 3).problem_pddl


@pytest.mark.parametrize("name", sorted(SMALL))
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6), data=st.data())
def test_generated_tasks_parse_and_are_solvable(name: str, seed: int, data: st.DataObject) -> None:
    low, high = SMALL[name]
    size = data.draw(st.integers(min_value=low, max_value=high), label="size")
    domain = get_domain(name)
    assert domain.generator is not None
    task = domain.generator(seed, size)
    model = task.model()
    assert model.goal_pos and not set(model.goal_pos) <= model.init, "the goal must not hold already"
    plan = solve(model)
    assert plan is not None and validate(task, plan).valid


def test_sizes_count_the_main_objects() -> None:
    counts = {
        "blocksworld": lambda m: len(m.objects),
        "mystery_blocksworld": lambda m: len(m.objects),
        "logistics": lambda m: sum(1 for a in m.init if a[0] == "obj"),
        "depots": lambda m: len(m.objects_of_type("crate")),
        "gripper": lambda m: len(m.objects_of_type("ball")),
    }
    for name, count in counts.items():
        generate = get_domain(name).generator
        assert generate is not None
        assert count(generate(3, 5).model()) == 5


def test_blocksworld_and_mystery_share_their_problems() -> None:
    bw, my = get_domain("blocksworld").generator, get_domain("mystery_blocksworld").generator
    assert bw is not None and my is not None
    renamed = {"on": "craves", "ontable": "planet", "clear": "province", "handempty": "harmony"}
    for seed in range(5):
        one, other = bw(seed, 4).model(), my(seed, 4).model()
        assert {(renamed[a[0]], *a[1:]) for a in one.init} == set(other.init)
        assert [(renamed[a[0]], *a[1:]) for a in one.goal_pos] == list(other.goal_pos)


def test_blocksworld_goals_are_planbench_style_towers() -> None:
    generate = get_domain("blocksworld").generator
    assert generate is not None
    for seed in range(20):
        goal = generate(seed, 6).model().goal_pos
        assert all(atom[0] == "on" for atom in goal)
        assert len({a[1] for a in goal}) == len(goal) and len({a[2] for a in goal}) == len(goal)


def test_large_blocksworld_names_past_z() -> None:
    generate = get_domain("blocksworld").generator
    assert generate is not None
    objects = generate(1, 28).model().objects
    assert {"a", "z", "b27", "b28"} <= set(objects)


@pytest.mark.parametrize(("name", "size"), [("blocksworld", 1), ("logistics", 0), ("depots", 0), ("gripper", 0)])
def test_too_small_a_size_is_a_usage_error(name: str, size: int) -> None:
    generate = get_domain(name).generator
    assert generate is not None
    with pytest.raises(UsageError, match=f"needs at least .*size={size}"):
        generate(0, size)


def test_domain_generate_uses_consecutive_seeds() -> None:
    domain = get_domain("gripper")
    tasks = domain.generate(3, seed=10, size=2)
    assert domain.generator is not None
    assert [t.problem_pddl for t in tasks] == [domain.generator(s, 2).problem_pddl for s in (10, 11, 12)]
