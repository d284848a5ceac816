"""Constrained decoding: a GBNF grammar (llama.cpp syntax) per task that admits only well-formed plans.

The grammar's language is: at most ``max_steps`` lines ``(<action> <object> …)`` — one of the domain's
actions, with its arity, each argument an object (or constant) of the parameter's type — each ending in
a newline, then the line ``[PLAN END]``.  Names are lower case, as :meth:`PlanningTask.model` gives them.

Preconditions are not encoded (that is the verifiers' job), nor are ``(not (= ?x ?y))`` constraints.
An action none of whose instances exists (a parameter type without objects) is left out.

>>> from domains import PlanningTask
>>> task = PlanningTask(
...     domain_pddl="(define (domain d) (:predicates (p ?x)) (:action go :parameters (?x) "
...     ":precondition (p ?x) :effect (not (p ?x))))",
...     problem_pddl="(define (problem q) (:domain d) (:objects a b) (:init (p a)) (:goal (not (p a))))",
... )
>>> print(for_task(task, max_steps=4), end="")
# Plans for d/q: one action per line, then [PLAN END].
root ::= step{1,4} "[PLAN END]"
step ::= "(" action ")\\n"
action ::= action-0
action-0 ::= "go" " " objects-0
objects-0 ::= "a" | "b"
"""

from __future__ import annotations

import re

from domains import PlanningTask

PLAN_END = "[PLAN END]"
"""The line that closes every plan the grammar admits (PlanBench's marker)."""

__all__ = ["PLAN_END", "for_task"]


def for_task(task: PlanningTask, *, max_steps: int = 32, min_steps: int | None = None) -> str:
    """The GBNF grammar of plans for ``task``.

    ``min_steps`` defaults to 0 when the goal already holds in the initial state, else 1.
    Raises ``PDDLError``/``UnsupportedPDDLError`` if the task cannot be read.
    """
    if max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    model = task.model()
    if min_steps is None:
        solved = all(a in model.init for a in model.goal_pos) and not any(a in model.init for a in model.goal_neg)
        min_steps = 0 if solved else 1
    min_steps = max(0, min(min_steps, max_steps))

    object_rules: dict[tuple[str, ...], str] = {}  # one rule per distinct set of objects
    object_lines: list[str] = []
    action_lines: list[str] = []
    for name in sorted(model.actions):
        schema = model.actions[name]
        arguments = []
        for type_name in schema.param_types:
            objects = model.objects_of_type(type_name)
            if not objects:
                break
            key = tuple(objects)
            if key not in object_rules:
                rule = f"objects-{len(object_rules)}"
                object_rules[key] = rule
                object_lines.append(f"{rule} ::= " + " | ".join(_literal(o) for o in objects))
            arguments.append(object_rules[key])
        else:
            rule = f"action-{len(action_lines)}"
            action_lines.append(" ".join([f"{rule} ::= {_literal(name)}", *(f'" " {a}' for a in arguments)]))

    header = f"# Plans for {_comment(model.domain_name or task.domain_name)}/{_comment(model.problem_name)}"
    lines = [f"{header}: one action per line, then {PLAN_END}."]
    if not action_lines:
        lines.append(f"root ::= {_literal(PLAN_END)}")
        return "\n".join(lines) + "\n"
    lines += [
        f"root ::= step{{{min_steps},{max_steps}}} {_literal(PLAN_END)}",
        'step ::= "(" action ")\\n"',
        "action ::= " + " | ".join(line.split(" ::= ")[0] for line in action_lines),
        *action_lines,
        *object_lines,
    ]
    return "\n".join(lines) + "\n"


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _comment(text: str) -> str:
    return re.sub(r"[\r\n]", " ", text)
