"""Importing a benchmark folder laid out like PlanBench's ``domains/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from domains import UsageError, get_domain, load_benchmark
from domains._render import BlocksworldRenderer, GenericRenderer, LogisticsRenderer, MysteryBlocksworldRenderer


def test_planbench_domains_and_instance_sets(planbench: Path) -> None:
    found = load_benchmark(planbench / "domains")
    assert {"blocksworld", "blocksworld_hard", "logistics", "mystery_blocksworld", "sokoban"} <= set(found)
    assert sorted(found["blocksworld"].instance_dirs) == ["generated_basic", "generated_basic_3"]
    assert sorted(found["mystery_blocksworld"].instance_dirs) == ["generated_basic", "generated_basic_3"]
    assert sorted(found["logistics"].instance_dirs) == ["generated_basic"]
    assert len(found["blocksworld"].instance_paths("generated_basic_3")) == 101
    assert all(p.suffix == ".pddl" for p in found["blocksworld"].instance_paths())  # the .json files are not instances
    paths = [p.name for p in found["blocksworld"].instance_paths("generated_basic")]
    assert paths.index("instance-2.pddl") < paths.index("instance-10.pddl")  # natural order

    assert isinstance(found["blocksworld"].renderer, BlocksworldRenderer)
    assert isinstance(found["blocksworld_hard"].renderer, BlocksworldRenderer)
    assert isinstance(found["mystery_blocksworld"].renderer, MysteryBlocksworldRenderer)
    assert isinstance(found["logistics"].renderer, LogisticsRenderer)
    assert isinstance(found["sokoban"].renderer, GenericRenderer)
    assert found["blocksworld"].generator is None


def test_imported_tasks_parse_and_render(planbench: Path) -> None:
    found = load_benchmark(planbench / "domains")
    for name in ("blocksworld", "blocksworld_hard", "logistics", "mystery_blocksworld", "sokoban"):
        task = found[name].instances()[0]
        assert task.model().goal_pos
        assert found[name].renderer.describe_task(task).startswith("[STATEMENT]\nAs initial conditions I have that, ")


def _write(root: Path, name: str, domain: str, sets: dict[str, list[str]]) -> None:
    folder = root / name
    (folder / "instances").mkdir(parents=True)
    (folder / "domain.pddl").write_text(domain)
    for set_name, problems in sets.items():
        (folder / "instances" / set_name).mkdir()
        for i, problem in enumerate(problems, start=1):
            (folder / "instances" / set_name / f"instance-{i}.pddl").write_text(problem)


def test_a_known_name_with_other_actions_gets_the_generic_renderer(tmp_path: Path) -> None:
    gripper = get_domain("gripper")
    problem = gripper.instance_paths()[0].read_text()
    _write(tmp_path, "blocksworld", gripper.domain_pddl, {"mine": [problem, problem]})
    _write(tmp_path, "gripper", gripper.domain_pddl, {"a": [problem], "empty": []})
    (tmp_path / "notes").mkdir()
    (tmp_path / "README.md").write_text("not a domain")
    found = load_benchmark(tmp_path)
    assert sorted(found) == ["blocksworld", "gripper"]
    assert isinstance(found["blocksworld"].renderer, GenericRenderer)  # a blocksworld folder holding gripper
    assert type(found["gripper"].renderer).__name__ == "GripperRenderer"
    assert sorted(found["gripper"].instance_dirs) == ["a"]  # a set without problems is no set
    assert len(found["blocksworld"].instances("mine")) == 2


def test_a_folder_without_domains_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_benchmark(tmp_path / "missing")
    with pytest.raises(UsageError, match="No domains found"):
        load_benchmark(tmp_path)
