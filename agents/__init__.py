"""The LLM side of Modulo: LLM clients (:mod:`agents.llm`), constrained decoding (:mod:`agents.grammar`),
prompts (:mod:`agents.prompts`), the lessons memory (:mod:`agents.memory`) and the loop (:mod:`agents.graph`)."""

from . import grammar, graph, llm, memory, prompts

__all__ = ["grammar", "graph", "llm", "memory", "prompts"]
