"""The public surface of agents.llm is what __all__ pins, sorted, and nothing else leaks."""

import types

import agents
import agents.grammar
import agents.llm


def _public(module: types.ModuleType) -> set[str]:
    return {name for name in vars(module) if not name.startswith("_") and name != "annotations"}


def test_all_is_sorted_and_resolves() -> None:
    for module in (agents, agents.llm, agents.grammar):
        assert list(module.__all__) == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_nothing_else_leaks_from_agents_llm() -> None:
    assert _public(agents.llm) == set(agents.llm.__all__)
    assert _public(agents) == set(agents.__all__)


def test_public_classes_say_where_they_live() -> None:
    for name in agents.llm.__all__:
        value = getattr(agents.llm, name)
        if isinstance(value, type):
            assert value.__module__.startswith("agents.llm."), name
