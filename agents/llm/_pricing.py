"""Cost accounting from the configured price table."""

from __future__ import annotations

from collections.abc import Mapping

from ._config import ModelPrice
from ._types import Usage


def price_for(prices: Mapping[str, ModelPrice], model: str) -> ModelPrice | None:
    """The price of ``model``: an exact entry, else the longest entry that prefixes it.

    Prefixes let one entry cover dated snapshots (``gpt-4o`` prices ``gpt-4o-2024-08-06``).
    """
    if model in prices:
        return prices[model]
    best: str | None = None
    for name in prices:
        if model.startswith(name) and (best is None or len(name) > len(best)):
            best = name
    return prices[best] if best is not None else None


def cost_usd(price: ModelPrice | None, usage: Usage) -> float | None:
    if price is None:
        return None
    return (usage.prompt_tokens * price.input_per_mtok + usage.completion_tokens * price.output_per_mtok) / 1e6
