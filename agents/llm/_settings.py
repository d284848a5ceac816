"""LLM settings read from the environment and an optional TOML file — built at the edge only.

Precedence, highest first: keyword overrides (CLI flags), ``MODULO_LLM_*`` environment variables, the
``[llm]`` table of the TOML file, defaults.  The API key comes from the environment only
(``MODULO_LLM_API_KEY``; for the official OpenAI/Anthropic endpoints also ``OPENAI_API_KEY`` /
``ANTHROPIC_API_KEY``), never from a file or a flag, so it does not end up in shells' histories or in
version control.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from ._config import LLMConfig
from ._errors import LLMConfigError

_toml_table: ContextVar[dict[str, Any] | None] = ContextVar("_toml_table", default=None)

_PREFIX = "MODULO_LLM_"
_STANDARD_KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


class LLMSettings(BaseSettings, LLMConfig):
    """:class:`LLMConfig` read from ``MODULO_LLM_*`` variables and a TOML file.

    Nested fields use ``__``: ``MODULO_LLM_LOCAL__N_THREADS=2``; dicts take JSON:
    ``MODULO_LLM_PRICES='{"gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6}}'``.
    """

    model_config = SettingsConfigDict(
        env_prefix=_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    @classmethod
    def load(cls, toml_file: str | Path | None = None, **overrides: Any) -> LLMSettings:
        """Read the settings; ``overrides`` (e.g. CLI flags) win over the environment and the file."""
        _check_variable_names()
        table = _read_table(Path(toml_file)) if toml_file is not None else None
        token = _toml_table.set(table)
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            # without the input values: one of them may be the key
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}" for error in exc.errors()
            )
            raise LLMConfigError(f"Invalid LLM settings (MODULO_LLM_* variables or [llm] table): {problems}") from None
        finally:
            _toml_table.reset(token)

    def config(self) -> LLMConfig:
        """The plain config object to pass inward (keeps which fields were set explicitly)."""
        return LLMConfig.model_validate(self.model_dump(exclude_unset=True))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        table = _toml_table.get()
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        if table:
            sources += (InitSettingsSource(settings_cls, table),)
        return sources

    @model_validator(mode="before")
    @classmethod
    def _standard_key(cls, data: Any) -> Any:
        """Fall back to the provider's usual key variable, but only for its official endpoint.

        A custom ``base_url`` (vLLM, Ollama, a proxy) never receives ``OPENAI_API_KEY`` by accident.
        """
        if not isinstance(data, dict) or data.get("api_key") or data.get("base_url"):
            return data
        var = _STANDARD_KEY_VARS.get(str(data.get("provider", "")).lower())
        if var and os.environ.get(var):
            return {**data, "api_key": os.environ[var]}
        return data


def _check_variable_names() -> None:
    """A misspelt ``MODULO_LLM_*`` variable is an error, not a silently ignored setting."""
    known = {f"{_PREFIX}{name.upper()}" for name in LLMConfig.model_fields}
    for variable in os.environ:
        head = variable.upper().split("__", 1)[0]
        if head.startswith(_PREFIX) and head not in known:
            close = difflib.get_close_matches(head, sorted(known), n=1)
            hint = f" Did you mean {close[0]}?" if close else ""
            raise LLMConfigError(f"Unknown LLM setting {variable}.{hint}")


def _read_table(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise LLMConfigError(f"LLM settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise LLMConfigError(f"{path}: not valid TOML: {exc}") from None
    table = document.get("llm", document)
    if not isinstance(table, dict):
        raise LLMConfigError(f"{path}: [llm] must be a table")
    if "api_key" in table:
        raise LLMConfigError(
            f"{path}: do not put the API key in a file; set the MODULO_LLM_API_KEY environment variable"
        )
    return table
