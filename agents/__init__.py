"""The LLM side of Modulo: LLM clients (:mod:`agents.llm`), constrained decoding (:mod:`agents.grammar`)."""

from . import grammar, llm

__all__ = ["grammar", "llm"]
