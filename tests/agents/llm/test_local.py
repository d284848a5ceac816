"""The embedded local model: its file, its server's lifecycle, and one real grammar-constrained plan."""

import re
from pathlib import Path

import httpx
import pytest

from agents.grammar import PLAN_END, for_task
from agents.llm import LLMConfig, LLMConfigError, LocalClient, LocalModelConfig, make_client, model_file
from agents.llm._local_server import _command
from domains import PlanningTask
from tests.local_model import needs_local_model

try:
    from domains import extract_plan
except ImportError:  # pragma: no cover - lands with the plan-extraction issue
    extract_plan = None

REPO = Path(__file__).resolve().parents[3]
BLOCKSWORLD = REPO.parent / "shared" / "planbench" / "domains" / "blocksworld"
_STEP = re.compile(r"\(([a-z][a-z0-9_-]*)((?: [a-z0-9_-]+)*)\)")

# A PlanBench-style few-shot prompt for a base model (it continues text; it does not follow instructions).
PROMPT = "\n".join(
    [
        "[STATEMENT]",
        "As initial conditions I have that, the red block is clear, the hand is empty,"
        " the red block is on top of the blue block and the blue block is on the table.",
        "My goal is to have that the blue block is on top of the red block.",
        "",
        "My plan is as follows:",
        "",
        "[PLAN]",
        "(unstack a b)",
        "(put-down a)",
        "(pick-up b)",
        "(stack b a)",
        "[PLAN END]",
        "",
        "[STATEMENT]",
        "As initial conditions I have that, the yellow block is clear, the hand is empty,"
        " the blue block is on top of the red block, the yellow block is on top of the blue block"
        " and the red block is on the table.",
        "My goal is to have that the red block is on top of the blue block"
        " and the yellow block is on top of the red block.",
        "",
        "My plan is as follows:",
        "",
        "[PLAN]",
        "",
    ]
)


def test_a_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(LLMConfigError, match="does not exist"):
        model_file(LocalModelConfig(model_path=tmp_path / "nope.gguf"))


def test_server_command_line(tmp_path: Path) -> None:
    config = LocalModelConfig(n_ctx=1024, n_threads=1, n_threads_batch=2, cpu_extra_buffers="off")
    command = _command(config, tmp_path / "m.gguf", 4321)
    assert command[1].endswith("_llama_child.py") and command[3] == "off"
    flags = dict(zip(command[4::2], command[5::2], strict=True))
    assert flags["--host"] == "127.0.0.1" and flags["--port"] == "4321" and flags["--n_ctx"] == "1024"
    assert flags["--n_threads"] == "1" and flags["--n_threads_batch"] == "2"
    assert flags["--model_alias"] == "gemma-3-270m-q4_k_m" and flags["--logits_all"] == "False"


def test_the_local_client_is_the_default() -> None:
    client = make_client()
    assert isinstance(client, LocalClient) and client.provider == "local" and client.base_url is None


@pytest.mark.real_llm
@needs_local_model
@pytest.mark.skipif(not BLOCKSWORLD.is_dir(), reason="PlanBench is not checked out beside the repository")
async def test_real_local_model_with_the_task_grammar_gives_plans_of_existing_actions() -> None:
    task = PlanningTask.from_files(
        BLOCKSWORLD / "domain.pddl", BLOCKSWORLD / "instances" / "generated_basic_3" / "instance-1.pddl"
    )
    actions = task.model().actions
    grammar = for_task(task, max_steps=8)
    async with make_client(LLMConfig()) as llm:
        result = await llm.complete(PROMPT, n=2, temperature=0.8, max_tokens=160, grammar=grammar)
        url = llm.base_url
    assert result.provider == "local" and result.cost_usd == 0.0 and result.usage.completion_tokens > 0
    assert len(result.completions) == 2
    for completion in result.completions:
        text = completion.text
        assert completion.finish_reason == "stop" and text.endswith(PLAN_END), text
        steps = [(m.group(1), tuple(m.group(2).split())) for m in _STEP.finditer(text)]
        if extract_plan is not None:
            extraction = extract_plan(text, task)
            assert not extraction.unreadable
            steps = [(s.action, tuple(s.args)) for s in extraction.plan.steps]
        assert 1 <= len(steps) <= 8
        for action, args in steps:
            assert action in actions and len(args) == actions[action].arity, text
    with pytest.raises(httpx.TransportError):  # the last client closed: the server is gone
        httpx.get(f"{url}/v1/models", timeout=2)


@pytest.mark.real_llm
@needs_local_model
async def test_local_clients_share_one_server() -> None:
    first, second = LocalClient(LLMConfig()), LocalClient(LLMConfig())
    await first.start()
    await second.start()
    assert first.base_url == second.base_url
    await first.aclose()
    assert httpx.get(f"{second.base_url.removesuffix('/v1')}/v1/models", timeout=5).status_code == 200
    result = await second.complete("The capital of France is", max_tokens=4, temperature=0.0)
    assert result.completions[0].text
    await second.aclose()
    await second.aclose()  # closing twice is harmless
