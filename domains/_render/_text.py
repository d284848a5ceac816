"""Small text helpers shared by the renderers and by plan extraction."""

from __future__ import annotations

import re
from collections.abc import Sequence

_MARKDOWN = re.compile(r"\*\*|__|`+|~~|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_ITALIC = re.compile(r"(?<!\w)_([^_\s](?:[^_]*[^_\s])?)_(?!\w)")  # "_d_" is d; "a_" and "package_0" stay
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t.,;:!?\"'“”‘’"


def join_and(parts: Sequence[str]) -> str:
    """PlanBench's list style: ``a, b and c`` (no Oxford comma)."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def clean_phrase(text: str) -> str:
    """Lower case, no markdown emphasis or backticks, single spaces, no punctuation at either end.

    LLMs decorate steps freely ("**Unstack** the Red block."); renderers read the bare phrase.
    """
    text = _ITALIC.sub(r"\1", _MARKDOWN.sub("", text.lower()))
    text = _SPACES.sub(" ", text)
    return text.strip(_EDGE_PUNCTUATION)


def sort_key(atom: tuple[str, ...]) -> str:
    """PlanBench orders the atoms of a state by ``"pred arg1 arg2"`` as a string; so do we."""
    return " ".join(atom)
