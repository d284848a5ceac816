"""Settings from env and TOML, built at the edge; the API key stays secret everywhere."""

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from agents.llm import (
    ChatMessage,
    LLMConfig,
    LLMConfigError,
    LLMProviderError,
    LLMSettings,
    ModelPrice,
    make_client,
)
from tests.fakes import FakeLLM, Fault

KEY = "sk-very-secret-0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MODULO_LLM_") or name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            monkeypatch.delenv(name)


def test_defaults_are_the_local_model() -> None:
    settings = LLMSettings.load()
    assert settings.provider == "local" and settings.api_key is None
    assert settings.config() == LLMConfig()


def test_env_toml_and_overrides_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "modulo.toml"
    toml.write_text(
        """
[llm]
provider = "openai"
base_url = "http://localhost:8000/v1"
model = "from-file"
grammar_format = "vllm"
max_concurrency = 4

[llm.prices."from-file"]
input_per_mtok = 0.5
output_per_mtok = 1.5

[llm.local]
n_ctx = 4096
"""
    )
    monkeypatch.setenv("MODULO_LLM_MODEL", "from-env")
    monkeypatch.setenv("MODULO_LLM_MAX_CONCURRENCY", "16")
    monkeypatch.setenv("MODULO_LLM_LOCAL__N_THREADS", "2")
    settings = LLMSettings.load(toml, max_concurrency=32, base_url=None)
    assert settings.provider == "openai" and settings.grammar_format == "vllm"  # file
    assert settings.model == "from-env"  # env over file
    assert settings.max_concurrency == 32  # override over env; None overrides are ignored
    assert settings.base_url == "http://localhost:8000/v1"
    assert settings.prices == {"from-file": ModelPrice(input_per_mtok=0.5, output_per_mtok=1.5)}
    assert settings.local.n_threads == 2
    config = settings.config()
    assert type(config) is LLMConfig and config.model == "from-env"
    assert "timeout_s" not in config.model_fields_set  # unset stays unset: providers pick their defaults


def test_the_key_is_refused_in_a_file(tmp_path: Path) -> None:
    toml = tmp_path / "modulo.toml"
    toml.write_text('[llm]\napi_key = "sk-oops"\n')
    with pytest.raises(LLMConfigError, match="MODULO_LLM_API_KEY") as caught:
        LLMSettings.load(toml)
    assert "sk-oops" not in str(caught.value)


def test_bad_settings_are_config_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODULO_LLM_PROVIDER", "openia")
    with pytest.raises(LLMConfigError, match="provider"):
        LLMSettings.load()
    with pytest.raises(LLMConfigError, match="does not exist"):
        LLMSettings.load(tmp_path / "missing.toml")


def test_standard_key_variables_only_for_the_official_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("MODULO_LLM_PROVIDER", "openai")
    assert LLMSettings.load().api_key == SecretStr(KEY)
    # a self-hosted server never receives the user's OpenAI key by accident
    assert LLMSettings.load(base_url="http://localhost:11434/v1").api_key is None
    monkeypatch.setenv("MODULO_LLM_API_KEY", "sk-own")
    assert LLMSettings.load().api_key == SecretStr("sk-own")


def test_openai_without_key_or_model_says_what_to_set() -> None:
    with pytest.raises(LLMConfigError, match="MODULO_LLM_API_KEY"):
        make_client(LLMConfig(provider="openai", model="gpt-4o-mini"))
    with pytest.raises(LLMConfigError, match="MODULO_LLM_MODEL"):
        make_client(LLMConfig(provider="openai", api_key=SecretStr(KEY)))


async def test_the_key_never_appears_in_reprs_errors_or_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # the fake echoes the key back in its error bodies, as some proxies do with request headers
    echo = Fault(status=500, body=f'{{"error": "bad auth header Bearer {KEY}"}}')
    with FakeLLM([echo, echo, Fault(status=401, body=f"invalid key {KEY}")]) as fake:
        monkeypatch.setenv("MODULO_LLM_PROVIDER", "openai")
        monkeypatch.setenv("MODULO_LLM_API_KEY", KEY)
        monkeypatch.setenv("MODULO_LLM_BASE_URL", fake.base_url)
        monkeypatch.setenv("MODULO_LLM_MODEL", "fake-model")
        monkeypatch.setenv("MODULO_LLM_BACKOFF_INITIAL_S", "0.01")
        settings = LLMSettings.load()
        config = settings.config()
        with caplog.at_level(logging.DEBUG):
            async with make_client(config) as llm:
                with pytest.raises(LLMProviderError) as caught:
                    await llm.complete([ChatMessage.user("hi")])
                client_repr = repr(llm)
        assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent...
    texts = [
        repr(settings),
        str(settings),
        repr(config),
        str(config),
        client_repr,
        str(caught.value),
        repr(caught.value),
        caplog.text,
        settings.model_dump_json(),
        str(settings.model_dump()),
    ]
    for text in texts:  # ...and shown nowhere
        assert KEY not in text
    assert caught.value.status == 401 and "***" in str(caught.value)


def test_a_misspelt_variable_is_an_error_with_a_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODULO_LLM_MODLE", "gpt-4o-mini")
    with pytest.raises(LLMConfigError, match=r"Unknown LLM setting MODULO_LLM_MODLE\. Did you mean MODULO_LLM_MODEL\?"):
        LLMSettings.load()
