"""Prompt text of the LLM-Modulo loop: the task prompt, back-prompts and the conversation sent each round.

Two styles:

* ``nl`` (PlanBench): the domain renderer's description of the actions and their restrictions, the task's
  ``[STATEMENT]``, and ``[PLAN]`` for the answer, closed by ``[PLAN END]``;
* ``pddl``: the domain and problem files under ``[DOMAIN]`` / ``[QUERY PROBLEM]`` and a request for PDDL
  action lines (the wording of PlanBench's PDDL back-prompting experiments).

Lessons from memory go in their own marked section (formatted by ``agents.memory.format_lessons``), before
the request for the plan.  A back-prompt is the critique's feedback followed by a request for a revised
plan.  History ``full`` sends the whole conversation; ``last`` only the original prompt, the last answer and
its back-prompt.
"""

from ._build import Exchange, HistoryMode, PromptStyle, back_prompt, conversation, task_prompt

__all__ = ["Exchange", "HistoryMode", "PromptStyle", "back_prompt", "conversation", "task_prompt"]
