"""Building prompts, back-prompts and conversations (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agents.llm import ChatMessage
from domains import PlanningTask, Renderer

PromptStyle = Literal["nl", "pddl"]
HistoryMode = Literal["full", "last"]

_PLAN = "[PLAN]"

_NL_REQUEST = "What is the plan to achieve my goal? Give one action per line, and end the plan with [PLAN END]."
_NL_REVISE = "Give your revised plan, one action per line, and end it with [PLAN END]."

_PDDL_INTRO = (
    "The following is a PDDL specification of a planning problem. The first part, under the heading [DOMAIN], "
    "is the domain file. The second part, under the heading [QUERY PROBLEM], is the problem file. Using this "
    "information, which is correct, and no further assumptions, find a plan which, when run from the "
    "specified initial state, satisfies the specified goal. "
)
_PDDL_FORMAT = (
    "as a sequence of actions in PDDL format. An action ACTION which acts on two objects OBJ1 and OBJ2 would "
    "be written (ACTION OBJ1 OBJ2). Do not provide anything else in your answer."
)


class Exchange(BaseModel):
    """One past round as the LLM sees it: the answer it gave and the back-prompt that followed."""

    model_config = ConfigDict(frozen=True)

    answer: str
    back_prompt: str


def task_prompt(
    task: PlanningTask, style: PromptStyle, *, renderer: Renderer | None = None, lessons: str = ""
) -> str:
    """The first prompt of a run.  ``nl`` needs the domain's ``renderer``; ``lessons`` is the marked
    section from memory (``""`` for none)."""
    if style == "nl":
        if renderer is None:
            raise ValueError("the nl prompt style needs the domain's renderer")
        parts = [renderer.describe_domain().strip(), lessons.strip(), renderer.describe_task(task).strip(), _NL_REQUEST]
    else:
        parts = [
            _PDDL_INTRO + "Provide your answer " + _PDDL_FORMAT + "\n[DOMAIN]\n" + task.domain_pddl.strip(),
            "[QUERY PROBLEM]\n" + task.problem_pddl.strip(),
            lessons.strip(),
        ]
    return "\n\n".join(p for p in parts if p) + "\n\n" + _PLAN


def back_prompt(feedback: str, style: PromptStyle) -> str:
    """The message sent after an invalid plan: the critique's feedback and a request for a revised plan."""
    request = _NL_REVISE if style == "nl" else "Provide your revised plan " + _PDDL_FORMAT
    return f"{feedback.strip()}\n{request}\n\n{_PLAN}"


def conversation(
    prompt: str, exchanges: Sequence[Exchange], history: HistoryMode, *, system: str | None = None
) -> list[ChatMessage]:
    """The messages for the next call: the prompt, then past exchanges (all of them, or the last one)."""
    messages = [ChatMessage.system(system)] if system else []
    messages.append(ChatMessage.user(prompt))
    kept = exchanges if history == "full" else exchanges[-1:]
    for exchange in kept:
        messages += [ChatMessage.assistant(exchange.answer), ChatMessage.user(exchange.back_prompt)]
    return messages
