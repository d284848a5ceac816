"""Repository rules that keep the layers honest: import direction and the README's plug-in example."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ["domains", "verifiers", "agents", "service"]  # each may import only those before it


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_imports_flow_only_downwards() -> None:
    wrong = []
    for rank, layer in enumerate(LAYERS):
        above = set(LAYERS[rank + 1 :])
        for path in sorted((REPO / layer).rglob("*.py")):
            bad = imported_top_levels(path) & (above | {"tests", "bench"})
            if bad:
                wrong.append(f"{path.relative_to(REPO)} imports {sorted(bad)}")
    assert not wrong, wrong


def test_the_architecture_test_can_fail(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from service.cli import app\nimport agents.llm\n")
    assert imported_top_levels(sneaky) == {"service", "agents"}


def test_public_names_are_sorted_and_importable() -> None:
    import importlib

    for layer in LAYERS:
        module = importlib.import_module(layer)
        names = getattr(module, "__all__", [])
        assert names == sorted(names), f"{layer}.__all__ is not sorted"
        for name in names:
            assert hasattr(module, name), f"{layer}.__all__ names {name!r}, which it does not define"


def test_readme_plug_in_example_is_a_working_verifier() -> None:
    from domains import Plan, PlanningTask
    from verifiers import Verifier

    readme = (REPO / "README.md").read_text()
    code = re.search(r"```python\n(# my_verifiers\.py.*?)```", readme, re.DOTALL)
    assert code is not None, "the README lost its plug-in example"
    assert len(code.group(1).strip().splitlines()) <= 25
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # the example as a user would paste it
    verifier = namespace["NoPutDown"]()  # type: ignore[operator]
    assert isinstance(verifier, Verifier)
    corpus = REPO / "tests" / "corpus" / "blocksworld"
    task = PlanningTask.from_files(corpus / "domain.pddl", corpus / "problem.pddl")
    verdict = asyncio.run(verifier.verify(task, Plan.of("(unstack d c)", "(put-down d)")))  # type: ignore[attr-defined]
    assert not verdict.valid and verdict.violations[0].step == 2 and not verdict.hard
