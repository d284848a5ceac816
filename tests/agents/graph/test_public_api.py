"""The public surface of agents.graph and agents.prompts is what __all__ pins, sorted, and nothing else leaks."""

import types

import agents.graph
import agents.prompts


def _public(module: types.ModuleType) -> set[str]:
    return {name for name in vars(module) if not name.startswith("_") and name != "annotations"}


def test_all_is_sorted_pinned_and_resolves() -> None:
    for module in (agents.graph, agents.prompts):
        assert list(module.__all__) == sorted(module.__all__)
        assert _public(module) == set(module.__all__), module.__name__
        for name in module.__all__:
            assert hasattr(module, name)


def test_the_pinned_names() -> None:
    assert agents.graph.__all__ == [
        "Budget", "Candidate", "OnRound", "Round", "RoundCheckpointer", "RunOptions", "RunResult", "RunStatus",
        "RunUsage", "run_task", "sqlite_checkpointer",
    ]
    assert agents.prompts.__all__ == [
        "Exchange", "HistoryMode", "PromptStyle", "back_prompt", "conversation", "task_prompt",
    ]


def test_options_and_results_are_json() -> None:
    options = agents.graph.RunOptions(feedback="first", budget=agents.graph.Budget(max_tokens=100))
    assert agents.graph.RunOptions.model_validate_json(options.model_dump_json()) == options
    result = agents.graph.RunResult(run_id="r", status="error", reason="why")
    assert agents.graph.RunResult.model_validate_json(result.model_dump_json()) == result
