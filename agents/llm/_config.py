"""Plain, typed configuration the LLM clients take (built from :class:`LLMSettings` at the edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Provider = Literal["local", "openai", "anthropic"]
GrammarFormat = Literal["llama.cpp", "vllm", "none"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
LOCAL_MODEL_ALIAS = "gemma-3-270m-q4_k_m"


class ModelPrice(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_per_mtok: float = Field(ge=0.0)
    output_per_mtok: float = Field(ge=0.0)


class LocalModelConfig(BaseModel):
    """The embedded llama.cpp server and its model file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_path: Path | None = Field(
        default=None, description="a .gguf file; default: Gemma 3 270M assembled from its PyPI package"
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "modulo" / "models",
        description="where the default model file is assembled once and reused",
    )
    n_ctx: int = Field(default=2048, ge=256)
    n_threads: int = Field(
        default=1,
        ge=1,
        description="generation threads; measured on 2 cores: 1 thread is as fast as 2 for this model "
        "and leaves a core to the verifier",
    )
    n_threads_batch: int | None = Field(
        default=None, ge=1, description="prompt-processing threads; default: up to 2 cores"
    )
    cpu_extra_buffers: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="llama.cpp's AMX/repack weight buffers; 'auto' turns them off on CPUs with AMX, where "
        "this build segfaults in the AMX matmul",
    )
    startup_timeout_s: float = Field(default=180.0, gt=0)


class LLMConfig(BaseModel):
    """Everything an LLM client needs.  Fields left unset take the provider's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider = "local"
    model: str | None = Field(
        default=None,
        description="model name; for openai-compatible servers other than OpenAI, default: the first "
        "model the server lists",
    )
    base_url: str | None = Field(
        default=None,
        description="openai: up to and including /v1 (e.g. http://localhost:11434/v1); anthropic: the host",
    )
    api_key: SecretStr | None = None
    endpoint: Literal["chat", "completions"] = Field(
        default="chat", description="openai-compatible servers: chat or plain completions (base models)"
    )
    grammar_format: GrammarFormat = Field(
        default="none",
        description="how an openai-compatible server takes a GBNF grammar: llama.cpp 'grammar', vLLM "
        "'guided_grammar', or not at all (dropped with a warning)",
    )
    native_n: bool = Field(
        default=True,
        description="send n in one request; servers that return fewer choices are topped up with more "
        "requests.  False: n concurrent requests",
    )
    max_tokens: int | None = Field(default=None, ge=1, description="default when a call gives none")
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    timeout_s: float = Field(default=120.0, gt=0, description="per HTTP request (read/write/pool)")
    connect_timeout_s: float = Field(default=10.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, description="HTTP attempts per request, the first included")
    backoff_initial_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    max_retry_after_s: float = Field(default=120.0, ge=0, description="cap on a server's Retry-After")
    max_concurrency: int = Field(default=8, ge=1, description="requests in flight at once, per client")
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="USD per 1M tokens by model name (exact, else longest prefix)"
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="merged into every request body (e.g. top_k, seed, options)"
    )
    anthropic_version: str = "2023-06-01"
    local: LocalModelConfig = Field(default_factory=LocalModelConfig)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value

    def setting(self, name: str, provider_default: Any) -> Any:
        """The value of field ``name`` if it was set explicitly, else ``provider_default``."""
        if name in self.model_fields_set:
            return getattr(self, name)
        return provider_default
