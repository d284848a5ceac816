"""A scripted blocksworld proposer for batch tests: instance *i* is solved in round ``rounds[i]``.

Before its round it answers the valid plan without its last step (a goal violation), then the valid plan.
The round is read from the conversation (the number of assistant turns so far; history ``full``) and the
instance from the problem name in the first user message, so the answers do not depend on the order in
which concurrent runs ask.

It also runs as a separate process (so its counts survive the batch being killed)::

    python -m tests.service.batch_fakes --log calls.log --latency 0.2 --rounds bw-3-0=3 --rounds bw-3-1=1

prints its port, serves ``/_fake/stats``, and appends ``<problem> <round>`` to ``--log`` for every call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.fakes import FakeLLM

_ATOM = re.compile(r"\((on|ontable|clear|handempty)((?:\s+[\w-]+)*)\s*\)", re.IGNORECASE)
_PROBLEM = re.compile(r"\(problem\s+([\w.-]+)\)", re.IGNORECASE)


def solve_blocksworld(problem_pddl: str) -> list[str]:
    """A valid (not optimal) plan: put every block on the table, then build the goal towers bottom-up."""
    init_text, _, goal_text = problem_pddl.partition(":goal")
    on: dict[str, str] = {}
    for name, args in _ATOM.findall(init_text):
        if name.lower() == "on":
            upper, lower = args.split()
            on[upper] = lower
    plan: list[str] = []
    while on:
        upper = next(x for x in on if x not in on.values())  # a clear block that sits on another
        plan += [f"(unstack {upper} {on.pop(upper)})", f"(put-down {upper})"]
    goal = {}
    for name, args in _ATOM.findall(goal_text):
        if name.lower() == "on":
            upper, lower = args.split()
            goal[upper] = lower
    done: set[str] = set()
    for _ in range(len(goal) + 1):
        if len(done) == len(goal):
            break
        for upper, lower in goal.items():
            if upper not in done and (lower not in goal or lower in done):
                plan += [f"(pick-up {upper})", f"(stack {upper} {lower})"]
                done.add(upper)
    else:
        raise ValueError(f"goal towers are not towers: {goal}")
    return plan


def problem_text(prompt: str) -> str:
    """The ``(define (problem …) …)`` form of a prompt (lessons may follow it: they must not count)."""
    start = prompt.find("(define (problem")
    if start < 0:
        raise ValueError("no PDDL problem in the prompt")
    depth = 0
    for end in range(start, len(prompt)):
        depth += {"(": 1, ")": -1}.get(prompt[end], 0)
        if depth == 0:
            return prompt[start : end + 1]
    raise ValueError("the PDDL problem in the prompt is cut short")


def first_user_message(request: Mapping[str, Any]) -> str:
    for message in request.get("messages") or ():
        if message.get("role") == "user":
            return str(message.get("content", ""))
    return str(request.get("prompt", ""))


def round_of(request: Mapping[str, Any]) -> int:
    return 1 + sum(1 for m in request.get("messages") or () if m.get("role") == "assistant")


class ScriptedProposer:
    """``respond`` for :class:`FakeLLM`: wrong (last step missing) until the instance's round, then right.

    ``log``: a file that gets ``<problem> <round>`` per call, flushed at once (it survives a kill).
    """

    def __init__(self, rounds: Mapping[str, int], default_round: int = 1, log: Path | None = None) -> None:
        self.rounds = dict(rounds)
        self.default_round = default_round
        self.log = log
        self.calls: list[tuple[str, int]] = []

    def __call__(self, request: dict[str, Any]) -> str:
        prompt = first_user_message(request)
        problem_pddl = problem_text(prompt)
        found = _PROBLEM.search(problem_pddl)
        problem = found.group(1) if found else "?"
        number = round_of(request)
        self.calls.append((problem, number))
        if self.log is not None:
            with self.log.open("a") as file:
                file.write(f"{problem} {number}\n")
        plan = solve_blocksworld(problem_pddl)
        if number < self.rounds.get(problem, self.default_round):
            plan = plan[:-1]
        return "\n".join(plan) + "\n[PLAN END]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the scripted blocksworld proposer as a fake LLM server")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--rounds", action="append", default=[], help="PROBLEM=ROUND (repeatable)")
    parser.add_argument("--default-round", type=int, default=1)
    args = parser.parse_args(argv)
    rounds = {k: int(v) for k, _, v in (item.partition("=") for item in args.rounds)}
    proposer = ScriptedProposer(rounds, args.default_round, args.log)
    fake = FakeLLM(respond=proposer, latency_s=args.latency, record=False)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(fake.serve(on_ready=lambda port: print(port, flush=True)))


if __name__ == "__main__":
    main(sys.argv[1:])
