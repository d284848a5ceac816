"""Plan extraction: turn an LLM's free text into a :class:`Plan`, reporting what it could not read.

Read, line by line:

* PDDL actions, ``(unstack a b)``, several per line if need be, in any case; inside prose only when the
  head is a known action name.  Atoms of the task (``(on a b)``) and bare words (``(plan)``) are not steps;
* list decorations around a step: ``1.``, ``1)``, ``(1)``, ``- ``, ``Step 1:``, ``Action:``, markdown
  emphasis and backticks, code fences, trailing remarks in parentheses or after a dash;
* the domain's natural language through ``renderer.read_step`` ("unstack the red block from …");
* call style ``stack(a, b)`` and, with a task, words such as ``stack b on a`` whose every other word is
  one of the task's objects or a filler ("the", "block", "on" …), with as many objects as the action takes.

Where: with ``[PLAN]`` … ``[PLAN END]`` blocks, only the first block that holds a step; with only
``[PLAN END]``, what comes before it; a ``[STATEMENT]`` or ``[COST]`` line after the first step ends the plan
(completion models go on to invent the next problem).

A plan written twice (a numbered list, then "in PDDL: …") is read once: the steps are split into runs
where the numbering restarts or the notation or list style changes after other text, and a run equal to
an earlier one is dropped.  If what remains mixes a natural-language run and a separate PDDL run, the PDDL
run is the plan.

Reported as unreadable: a line between the first and last step that looks like a step (starts with a
domain verb or an action name, looks like PDDL, or is an item of the plan's list) but cannot be read,
and such lines right before or after the plan.  Everything else is chatter and skipped.

A step is never dropped or corrected for being wrong: an unknown action or object or a wrong number of
arguments is the validator's to report.  With a task, names are only normalised to the task's spelling
when they match it case-insensitively.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from ._domain import Renderer
from ._errors import ModuloError
from ._plan import Plan, Step
from ._render._lines import Decoration, undecorate
from ._render._phrases import PhraseRenderer
from ._render._text import clean_phrase
from ._task import PlanningTask


class UnreadableLine(BaseModel):
    """A line inside the plan that looks like a step but could not be read."""

    model_config = ConfigDict(frozen=True)

    line: int
    """1-based line number in the text given to :func:`extract_plan`."""
    text: str
    reason: str


class Extraction(BaseModel):
    """The plan read from a text, with the lines that should have been steps but were not readable."""

    model_config = ConfigDict(frozen=True)

    plan: Plan
    unreadable: tuple[UnreadableLine, ...] = ()


_OPEN = re.compile(r"\[\s*(?:pddl[ _]?)?plan\s*\]", re.IGNORECASE)
_CLOSE = re.compile(
    r"\[\s*(?:(?:pddl[ _]?)?plan[ _-]*end|end[ _-]*(?:of[ _-]*)?(?:pddl[ _-]*)?plan|/\s*plan)\s*\]", re.IGNORECASE
)
_STOP = re.compile(r"^\W*\[\s*(?:statement|cost|query[ _]problem|problem|domain)\s*\]", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_GROUP = re.compile(r"\(([^()]*)\)")
_HEAD = re.compile(r"[A-Za-z][\w-]*")
_NAME = re.compile(r"[\w-]+")
_CALL = re.compile(r"([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?)\s*\(([^()]*)\)")  # stack(a, b), Pick up(orange)
_PDDL_GLUE = re.compile(r"^[\s,;.>\-=|:'`]*(?:(?:and|then|->|→)[\s,;.>\-=|:'`]*)*$", re.IGNORECASE)
_EXPLANATION = re.compile(r"\s+(?:-|–|—|--)\s+|:\s+|;\s*|,\s+(?:then|and|so|since|because|which|as)\b")
# Sequence words before a step ("Next, pick up …"); not "I/we/you can …", which is how reasoning reads.
_LEAD_IN = re.compile(
    r"^(?:(?:then|next|first|firstly|second|secondly|third|finally|lastly|now|after that|afterwards"
    r"|perform|execute)\b[,:]?\s+)+",
    re.IGNORECASE,
)
_FILLERS = frozenset(
    {"the", "a", "an", "block", "object", "from", "on", "onto", "to", "top", "of", "at", "in", "into", "with"}
    | {"using", "off", "upon", "table", "down", "up", "back"}
)

_PROSE = frozenset(
    {"the", "an", "is", "are", "was", "were", "be", "to", "of", "and", "or", "all", "remain", "remains", "this"}
    | {"that", "it", "same", "other", "not", "no", "for", "with", "as", "we", "you", "i", "will", "can", "note"}
)

_STRONG = "strong"  # certainly meant as a step
_ITEM = "item"  # a list item: meant as a step if it belongs to the plan's list


@dataclass
class _Line:
    number: int
    text: str
    deco: Decoration = field(default_factory=lambda: Decoration(None, 0, None))
    steps: list[Step] = field(default_factory=list)
    notation: str = ""  # "pddl" or "words" for a line with steps
    attempt: str | None = None
    reason: str = ""


def extract_plan(text: str, task: PlanningTask | None = None, renderer: Renderer | None = None) -> Extraction:
    """Read the plan in an LLM's answer (see the module docstring).  Never raises on any text.

    Without a renderer, a task whose domain is a shipped one gets that domain's renderer.
    """
    return _Extractor(task, renderer).extract(text)


class _Extractor:
    def __init__(self, task: PlanningTask | None, renderer: Renderer | None) -> None:
        self.actions: dict[str, str] = {}
        self.arity: dict[str, int] = {}
        self.objects: dict[str, str] = {}
        self.predicates: set[str] = set()
        if task is not None:
            try:
                model = task.model()
            except ModuloError:
                model = None  # a task that does not parse is the validator's to report; we just read text
            if model is not None:
                self.actions = {name.lower(): name for name in model.actions}
                self.arity = {name.lower(): schema.arity for name, schema in model.actions.items()}
                self.objects = {name.lower(): name for name in model.objects}
                self.predicates = {name.lower() for name in model.predicates}
            if renderer is None:
                from ._registry import renderer_for_task

                renderer = renderer_for_task(task)
        self.renderer = renderer
        self.phrases = renderer if isinstance(renderer, PhraseRenderer) else None
        self.known_actions = set(self.actions) | (self.phrases.action_names if self.phrases else set())

    # -- the whole text -------------------------------------------------------------------------------------

    def extract(self, text: str) -> Extraction:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        chosen: list[_Line] = []
        for index, region in enumerate(_regions(lines)):
            read = self._read_region(region)
            if index == 0 or any(line.steps for line in read):
                chosen = read
            if any(line.steps for line in read):
                break
        return _assemble(chosen)

    def _read_region(self, region: list[tuple[int, str]]) -> list[_Line]:
        read: list[_Line] = []
        # The lines this one is nested under (each less indented than the next), and whether any of
        # them, or what they are nested under, holds a step.
        ancestors: list[tuple[int, bool]] = []
        for number, text in region:
            if _STOP.match(text) and any(line.steps for line in read):
                break
            line = self._read_line(number, text)
            read.append(line)
            if not text.strip():
                continue
            while ancestors and ancestors[-1][0] >= line.deco.indent:
                ancestors.pop()
            under_a_step = bool(ancestors) and ancestors[-1][1]
            if under_a_step:
                # "2. **Stack the red block on the blue block.**" then, indented under it, "- Stack the red
                # block onto the blue block." restates the step: the plan is the outermost list.
                line.steps, line.attempt = [], None
            ancestors.append((line.deco.indent, under_a_step or bool(line.steps)))
        return read

    # -- one line ---------------------------------------------------------------------------------------------

    def _read_line(self, number: int, text: str) -> _Line:
        line = _Line(number=number, text=text)
        if not text.strip() or _FENCE.match(text):
            return line
        body, line.deco = undecorate(text)
        if not body or body.startswith(";"):
            return line
        steps, line.notation = self._pddl_steps(body), "pddl"
        if not steps:
            step = next(filter(None, map(self._read_words, _phrasings(body, line.deco.kind == "number"))), None)
            steps, line.notation = ([step], "words") if step else ([], "")
        line.steps = [self._normalise(step, number) for step in steps]
        if not line.steps:
            line.attempt, line.reason = self._attempt(body, line.deco)
        return line

    def _pddl_steps(self, body: str) -> list[Step]:
        text = body.split(";", 1)[0] if body.startswith("(") else body
        groups = [g.group(1).replace(",", " ").split() for g in _GROUP.finditer(text)]
        pddl_only = _PDDL_GLUE.match(_GROUP.sub(" ", text)) is not None
        return [Step(action=w[0], args=tuple(w[1:])) for w in groups if w and self._is_step(w, pddl_only)]

    def _is_step(self, words: list[str], pddl_only: bool) -> bool:
        head, args = words[0].lower(), words[1:]
        if not _HEAD.fullmatch(words[0]) or not all(_NAME.fullmatch(a) for a in args):
            return False
        if head in self.known_actions and pddl_only:
            return True
        if head in self.known_actions:
            # In prose, "(feast a from d)" is a remark, "(feast a d)" a step: every argument must be a name.
            return all(a.lower() not in _FILLERS or a.lower() in self.objects for a in args) and (
                not self.objects or all(a.lower() in self.objects for a in args)
            )
        if head in self.predicates or not pddl_only or not args:
            return False  # an atom, a word in parentheses, or a marker such as "(plan)"
        # An unknown action is kept for the validator to name, if its arguments look like the task's objects
        # (without a task: if the words do not read as English, "(all other conditions remain the same)").
        if self.objects:
            return all(a.lower() in self.objects for a in args)
        return not {w.lower() for w in words} & _PROSE

    def _read_words(self, phrase: str) -> Step | None:
        call = _CALL.fullmatch(phrase.strip(" *_`").rstrip(".,;:!"))
        if call is not None:
            head, args = call.group(1), call.group(2).replace(",", " ").split()
            if self.renderer is not None and (step := self.renderer.read_step(f"{head} {' '.join(args)}")):
                return step
            if head.lower() in self.known_actions and all(_NAME.fullmatch(a) for a in args):
                return Step(action=head, args=tuple(args))
        if self.renderer is not None and (step := self.renderer.read_step(phrase)):
            return step
        return self._read_task_words(clean_phrase(phrase).replace(",", " ").split())

    def _read_task_words(self, words: list[str]) -> Step | None:
        """``stack b on a`` / ``put down block c``: an action name, then objects among filler words."""
        if not words or not self.objects:
            return None
        for size in (1, 2):
            action = "-".join(words[:size])
            if action in self.actions:
                objects = [w for w in words[size:] if w in self.objects]
                fillers = [w for w in words[size:] if w not in self.objects]
                if len(objects) == self.arity[action] and all(w in _FILLERS for w in fillers):
                    return Step(action=action, args=tuple(objects))
        return None

    def _attempt(self, body: str, deco: Decoration) -> tuple[str | None, str]:
        if body.startswith("("):
            if body.count("(") != body.count(")"):
                if len(body.strip("() ").split()) < 2:
                    return None, ""  # "(plan" and ")" around a PDDL plan
                return _STRONG, "unbalanced parentheses in a PDDL action"
            heads = [g.group(1).split()[:1] for g in _GROUP.finditer(body)]
            if all(not h or h[0].lower() in self.predicates or len(h) == 1 for h in heads):
                return None, ""  # atoms of a state, or markers like "(plan)"
            return _STRONG, "not a PDDL action of this task: write (action-name object ...)"
        phrase = clean_phrase(body)
        if body.replace("*", "").replace("_", "").rstrip().endswith(":"):
            return None, ""  # a heading such as "**Plan:**"
        first = phrase.split(" ", 1)[0] if phrase else ""
        if (self.phrases is not None and self.phrases.starts_like_step(phrase)) or first in self.actions:
            return _STRONG, f"could not read this as a step{self._domain_hint()}"
        if deco.kind is not None:
            return _ITEM, f"this list item is not a step{self._domain_hint()}"
        return None, ""

    def _domain_hint(self) -> str:
        name = getattr(self.renderer, "domain", "")
        return f" of {name}" if name else ""

    def _normalise(self, step: Step, number: int) -> Step:
        action = self.actions.get(step.action.lower(), step.action)
        args = tuple(self.objects.get(a.lower(), a) for a in step.args)
        return Step(action=action, args=args, line=number)


# -- regions -----------------------------------------------------------------------------------------------


def _regions(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Candidate plan regions as (1-based line number, text) lists, most specific first."""
    numbered = list(enumerate(lines, start=1))
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    before_close: list[tuple[int, str]] | None = None
    for number, line in numbered:
        rest = line
        while rest:
            opened, closed = _OPEN.search(rest), _CLOSE.search(rest)
            if opened and (closed is None or opened.start() < closed.start()):
                if current is not None:
                    blocks.append([*current, (number, rest[: opened.start()])])
                current, rest = [], rest[opened.end() :]
            elif closed:
                if current is not None:
                    blocks.append([*current, (number, rest[: closed.start()])])
                    current = None
                elif before_close is None and not blocks:  # a close with nothing open
                    before_close = [*numbered[: number - 1], (number, rest[: closed.start()])]
                rest = rest[closed.end() :]
            else:
                if current is not None:
                    current.append((number, rest))
                break
    if current is not None:
        blocks.append(current)
    if before_close is not None:
        return [before_close, *blocks]  # "[PLAN END]" before any "[PLAN]": what precedes it is the plan
    return blocks or [numbered]


# -- choosing the plan among the step lines -------------------------------------------------------------------


def _assemble(lines: list[_Line]) -> Extraction:
    kept = _without_repeats(lines, _runs(lines))
    kept = _pddl_over_its_paraphrase(lines, kept)
    chosen = sorted(i for run in kept for i in run)
    steps = tuple(step for i in chosen for step in lines[i].steps)
    return Extraction(plan=Plan(steps=steps), unreadable=_unreadable(lines, chosen))


def _runs(lines: list[_Line]) -> list[list[int]]:
    """Step lines split where numbering restarts, the notation changes, or other text interrupts the list.

    Text interrupts the list when it is not indented deeper than the step before it: explanations nested
    under a step do not, a heading or paragraph ("So the plan in PDDL is:") does.
    """
    runs: list[list[int]] = []
    last_number: int | None = None
    for i, line in enumerate(lines):
        if not line.steps:
            continue
        if runs:
            prev = lines[runs[-1][-1]]
            between = [x for x in lines[runs[-1][-1] + 1 : i] if x.text.strip()]
            restart = line.deco.number is not None and last_number is not None and line.deco.number <= last_number
            interrupted = any(x.deco.indent <= prev.deco.indent and not x.deco.kind for x in between)
            restyled = bool(between) and line.deco.style != prev.deco.style
            if restart or line.notation != prev.notation or interrupted or restyled:
                runs.append([])
                last_number = None
        else:
            runs.append([])
        runs[-1].append(i)
        last_number = line.deco.number if line.deco.number is not None else last_number
    return runs


def _without_repeats(lines: list[_Line], runs: list[list[int]]) -> list[list[int]]:
    """Drop runs that write the plan so far again: a summary, the same plan in PDDL, or a step-by-step
    walk through it (several runs that together repeat it)."""
    kept: list[list[int]] = []
    so_far: list[tuple[str, ...]] = []
    i = 0
    while i < len(runs):
        end = _repeat_end(lines, runs, i, so_far)
        if end is not None:
            i = end
            continue
        kept.append(runs[i])
        so_far += _keys(lines, runs[i])
        i += 1
    return kept


def _repeat_end(lines: list[_Line], runs: list[list[int]], start: int, so_far: list[tuple[str, ...]]) -> int | None:
    """``end`` if ``runs[start:end]`` repeat ``so_far`` (or begin to, when the text ends first)."""
    if not so_far:
        return None
    repeated: list[tuple[str, ...]] = []
    for end in range(start, len(runs)):
        repeated += _keys(lines, runs[end])
        if repeated == so_far:
            return end + 1
        if so_far[: len(repeated)] != repeated:
            return None
    return len(runs) if len(so_far) > 1 else None  # an answer cut short while walking through its plan


def _keys(lines: list[_Line], run: list[int]) -> list[tuple[str, ...]]:
    return [(s.action.lower(), *(a.lower() for a in s.args)) for i in run for s in lines[i].steps]


def _pddl_over_its_paraphrase(lines: list[_Line], runs: list[list[int]]) -> list[list[int]]:
    """A plan in words and then in PDDL (or the other way round): the PDDL one, if every step read from
    the words is also in it (the words may have lost a step the reader could not make out)."""
    notations = [lines[run[0]].notation for run in runs]
    if sum(1 for a, b in itertools.pairwise(notations) if a != b) != 1:
        return runs
    pddl = collections.Counter(k for run in runs if lines[run[0]].notation == "pddl" for k in _keys(lines, run))
    words = collections.Counter(k for run in runs if lines[run[0]].notation == "words" for k in _keys(lines, run))
    if words and words <= pddl:
        return [run for run in runs if lines[run[0]].notation == "pddl"]
    return runs


def _unreadable(lines: list[_Line], chosen: list[int]) -> tuple[UnreadableLine, ...]:
    if not chosen:
        found = [line for line in lines if line.attempt == _STRONG]
    else:
        styles = {lines[i].deco.style for i in chosen if lines[i].deco.style is not None}
        indent = min(lines[i].deco.indent for i in chosen)

        def meant(line: _Line) -> bool:
            return line.attempt == _STRONG or (line.attempt == _ITEM and line.deco.style in styles)

        first = _edge(lines, chosen[0], -1, meant, styles, indent)
        last = _edge(lines, chosen[-1], +1, meant, styles, indent)
        found = [line for line in lines[first : last + 1] if not line.steps and meant(line)]
    return tuple(UnreadableLine(line=u.number, text=u.text, reason=u.reason) for u in found)


def _edge(
    lines: list[_Line],
    start: int,
    direction: int,
    meant: Callable[[_Line], bool],
    styles: set[tuple[str, int] | None],
    indent: int,
) -> int:
    """How far the plan reaches beyond its first or last step: over unreadable attempts right next to it,
    past explanations nested under a step, and past blank lines to an item of the plan's own list."""
    edge, i, gap = start, start + direction, False
    while 0 <= i < len(lines):
        line = lines[i]
        if meant(line) and (not gap or line.deco.style in styles):
            edge, gap = i, False
        elif not line.text.strip():
            gap = True
        elif line.deco.indent <= indent or line.steps:
            break
        i += direction
    return edge


def _phrasings(body: str, numbered: bool) -> list[str]:
    """Ways to read a line, most literal first: the body; without a leading "Then,"/"Next,"; for a numbered
    item, the bold part it opens with ("3. **Attack object c** to create pain": in a bullet that is how
    reasoning reads); without parenthetical remarks; and each cut before an explanation ("… - because")."""
    candidates = [body]
    for candidate in list(candidates):
        bare = _LEAD_IN.sub("", candidate)
        if bare != candidate:
            candidates.append(bare)
    for candidate in list(candidates):
        if numbered and "**" in candidate:
            candidates.append(candidate.split("**", 1)[0])
    for candidate in list(candidates):
        candidates.append(_GROUP.sub("", candidate))
    for candidate in list(candidates):
        candidates.append(_EXPLANATION.split(candidate, maxsplit=1)[0])
    unique = dict.fromkeys(c.strip() for c in candidates)
    return [c for c in unique if c]
