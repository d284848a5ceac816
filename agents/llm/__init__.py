"""LLM access over HTTP: OpenAI-compatible servers, Anthropic, and the embedded local model.

Build an :class:`LLMSettings` at the edge (env ``MODULO_LLM_*`` and a TOML file), pass its
:meth:`~LLMSettings.config` inward, and talk to any backend through the one :class:`LLMClient` protocol::

    async with make_client(LLMSettings.load().config()) as llm:
        result = await llm.complete([ChatMessage.user("Say hi")], n=2, max_tokens=16)
"""

from ._anthropic import AnthropicClient
from ._config import GrammarFormat, LLMConfig, LocalModelConfig, ModelPrice, Provider
from ._errors import LLMConfigError, LLMProviderError, LLMResponseError
from ._factory import make_client
from ._local import LocalClient
from ._local_server import model_file
from ._openai import OpenAIClient
from ._protocol import LLMClient
from ._settings import LLMSettings
from ._types import (
    ChatMessage,
    Completion,
    CompletionRequest,
    CompletionResult,
    FinishReason,
    Role,
    Usage,
    UsageTotals,
)

__all__ = [
    "AnthropicClient",
    "ChatMessage",
    "Completion",
    "CompletionRequest",
    "CompletionResult",
    "FinishReason",
    "GrammarFormat",
    "LLMClient",
    "LLMConfig",
    "LLMConfigError",
    "LLMProviderError",
    "LLMResponseError",
    "LLMSettings",
    "LocalClient",
    "LocalModelConfig",
    "ModelPrice",
    "OpenAIClient",
    "Provider",
    "Role",
    "Usage",
    "UsageTotals",
    "make_client",
    "model_file",
]
