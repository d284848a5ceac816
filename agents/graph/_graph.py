"""The LangGraph ``StateGraph`` of the loop (see :mod:`agents.graph._nodes` for what each node does).

The graph is compiled once per process; a run's dependencies (LLM client, verifiers, store…) reach the
nodes as LangGraph's runtime context, and its checkpointer is attached to a cheap copy.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from ._nodes import Deps, Nodes
from ._state import LoopState

STEPS_PER_ROUND = 5
"""Supersteps of one round: propose, extract, verify, decide, back_prompt."""


async def recall(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).recall(state)


async def propose(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).propose(state)


async def extract(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).extract(state)


async def verify(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).verify(state)


async def decide(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).decide(state)


async def back_prompt(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).back_prompt(state)


async def learn(state: LoopState, runtime: Runtime[Deps]) -> LoopState:
    return await Nodes(runtime.context).learn(state)


def _unless_ended(next_node: str) -> Any:
    # async: LangGraph runs a sync router in a worker thread, a thread hop per step
    async def route(state: LoopState) -> str:
        return "learn" if state.get("status") else next_node

    return route


@cache
def _compiled() -> Any:
    graph = StateGraph(LoopState, context_schema=Deps)
    for node in (recall, propose, extract, verify, decide, back_prompt, learn):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "recall")
    graph.add_conditional_edges("recall", _unless_ended("propose"), ["propose", "learn"])
    graph.add_conditional_edges("propose", _unless_ended("extract"), ["extract", "learn"])
    graph.add_edge("extract", "verify")
    graph.add_conditional_edges("verify", _unless_ended("decide"), ["decide", "learn"])
    graph.add_conditional_edges("decide", _unless_ended("back_prompt"), ["back_prompt", "learn"])
    graph.add_edge("back_prompt", "propose")
    graph.add_edge("learn", END)
    return graph.compile(name="modulo-loop")


def loop_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> Any:
    """The compiled loop; with ``checkpointer``, durable (checkpoints keyed by the run id as thread id)."""
    graph = _compiled()
    return graph if checkpointer is None else graph.copy({"checkpointer": checkpointer})


def recursion_limit(max_rounds: int) -> int:
    return STEPS_PER_ROUND * max_rounds + 10
