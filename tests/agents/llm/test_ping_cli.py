"""``modulo llm ping`` against the fake server (the local model's ping runs in test_local's real test)."""

import os

import pytest
from typer.testing import CliRunner

from service._llm_cli import llm_app
from tests.fakes import FakeLLM, Reply


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MODULO_LLM_") or name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            monkeypatch.delenv(name)


def test_ping_prints_model_latency_and_tokens(fake_llm: FakeLLM) -> None:
    fake_llm.set_script([Reply("pong", prompt_tokens=12, completion_tokens=1)])
    args = ["ping", "--provider", "openai", "--model", "fake-model", "--base-url", fake_llm.base_url]
    result = CliRunner().invoke(llm_app, args)
    assert result.exit_code == 0, result.output
    assert "model:      fake-model" in result.output
    assert "tokens:     12 prompt + 1 completion" in result.output
    assert "latency:" in result.output and "'pong'" in result.output
    assert fake_llm.requests[0].json["max_tokens"] == 8


def test_ping_reads_a_toml_file(fake_llm: FakeLLM, tmp_path) -> None:
    fake_llm.set_script(["Paris"])
    toml = tmp_path / "modulo.toml"
    toml.write_text(f'[llm]\nprovider = "openai"\nbase_url = "{fake_llm.base_url}"\nendpoint = "completions"\n')
    result = CliRunner().invoke(llm_app, ["ping", "--config", str(toml)])
    assert result.exit_code == 0, result.output
    assert fake_llm.requests[0].path == "/v1/completions"
    assert "model:      fake-model" in result.output  # the server's first listed model


def test_ping_failure_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeLLM() as fake:
        url = fake.base_url
    monkeypatch.setenv("MODULO_LLM_MAX_ATTEMPTS", "1")
    result = CliRunner().invoke(llm_app, ["ping", "--provider", "openai", "--model", "m", "--base-url", url])
    assert result.exit_code == 1
    assert "Error: LLM provider 'openai'" in result.output and "connection error" in result.output


def test_ping_with_a_bad_provider_says_so() -> None:
    result = CliRunner().invoke(llm_app, ["ping", "--provider", "openia"])
    assert result.exit_code == 1 and "provider" in result.output
