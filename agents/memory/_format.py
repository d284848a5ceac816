"""The marked section of the prompt that carries lessons."""

from __future__ import annotations

from ._lesson import Lesson

LESSONS_START = "[LESSONS]"
LESSONS_END = "[LESSONS END]"
EXAMPLE_START = "[EXAMPLE]"
EXAMPLE_END = "[EXAMPLE END]"


def format_lessons(lessons: list[Lesson]) -> str:
    """Rules as a bullet list, then each exemplar in its own block, all between ``[LESSONS]`` and
    ``[LESSONS END]``; ``""`` when there is nothing to show (so a prompt without memory is unchanged).

    The order given is kept: it is recall's ranking.
    """
    if not lessons:
        return ""
    rules = [x for x in lessons if x.kind == "rule"]
    exemplars = [x for x in lessons if x.kind == "exemplar"]
    out = [LESSONS_START]
    if rules:
        out.append("Rules learnt from plans the validator rejected on earlier problems of this domain:")
        out += [f"- {x.text}" for x in rules]
    for x in exemplars:
        out += [EXAMPLE_START, "A solved problem of this domain, with a plan the validator accepted:", x.text]
        out.append(EXAMPLE_END)
    out.append(LESSONS_END)
    return "\n".join(out)
