"""Build the client a config asks for."""

from __future__ import annotations

import httpx

from ._anthropic import AnthropicClient
from ._config import LLMConfig
from ._local import LocalClient
from ._openai import OpenAIClient
from ._protocol import LLMClient


def make_client(config: LLMConfig | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> LLMClient:
    """The client for ``config.provider`` (default: the embedded local model).

    ``transport`` replaces the network (``httpx.MockTransport``, respx) for the HTTP backends.
    """
    config = config or LLMConfig()
    if config.provider == "openai":
        return OpenAIClient(config, transport=transport)
    if config.provider == "anthropic":
        return AnthropicClient(config, transport=transport)
    return LocalClient(config)
