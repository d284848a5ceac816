"""Template renderers: one sentence pattern per action and per predicate, read back by the same patterns.

A :class:`PhraseRenderer` renders ``Step("stack", ("a", "b"))`` through ``"stack {0} on top of {1}"`` with
each object named by :meth:`PhraseRenderer.name_object` ("the red block").  Reading goes two ways:

* *strict*: the rendered templates, then extra patterns (:attr:`PhraseRenderer.read_patterns`) for
  phrasings LLMs often use, each a regex over the cleaned phrase with ``{0}``, ``{1}`` … for objects;
* *lax*: the phrase starts with a known verb, then names exactly as many objects as one of the verb's
  actions takes, with only filler words ("the", "from", "on", "top", "of" …) around them.  This is what
  makes "Put down the red block on the table" or "Unstack yellow from white" readable.  Anything else
  ("stack the red block *under* the blue block") is not read: guessing would hide the LLM's mistake.

Subclasses give the vocabulary as class attributes and may post-process a read step in :meth:`resolve`
(e.g. logistics turns "load" into ``load-truck`` or ``load-airplane`` by the vehicle).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import ClassVar

from .._model import Atom
from .._plan import Step
from .._task import PlanningTask
from ._text import clean_phrase, join_and, sort_key

_SLOT = re.compile(r"\{(\d+)\}")


class PhraseRenderer:
    """Base class of the shipped natural-language renderers (see the module docstring)."""

    domain: ClassVar[str]
    step_templates: ClassVar[Mapping[str, str]]
    """Action → rendering template, e.g. ``"unstack {0} from on top of {1}"``."""
    atom_templates: ClassVar[Mapping[str, str]]
    """Predicate → template; predicates without one (type predicates) are left out of descriptions."""
    read_patterns: ClassVar[Sequence[tuple[str, str]]] = ()
    """Extra ``(action, regex)`` pairs tried after the rendered forms; ``{n}`` stands for an object."""
    verbs: ClassVar[Mapping[str, tuple[str, ...]]]
    """Verb phrase a step may start with → the actions (as read, before :meth:`resolve`) it can mean."""
    arities: ClassVar[Mapping[str, int]]
    """Arity of every action name that reading can produce before :meth:`resolve`."""
    fillers: ClassVar[frozenset[str]]
    """Words allowed between the objects of a lax reading."""
    mention: ClassVar[str]
    """Regex (non-capturing groups only) for one object mention in a cleaned phrase."""
    domain_text: ClassVar[str]

    # -- naming -------------------------------------------------------------------------------------

    def name_object(self, obj: str) -> str:
        return obj

    def decode(self, mention: str) -> str | None:
        """The object a mention (matching :attr:`mention`) names, or ``None``."""
        return mention

    def resolve(self, step: Step) -> Step | None:
        """Turn a read step into the domain's action; ``None`` if it cannot be one."""
        return step

    # -- Renderer protocol ----------------------------------------------------------------------------

    def render_step(self, step: Step) -> str:
        template = self.step_templates.get(step.action.lower())
        if template is None or len(_SLOT.findall(template)) != len(step.args):
            return step.to_pddl()
        return template.format(*(self.name_object(a.lower()) for a in step.args))

    def render_atom(self, atom: Atom) -> str:
        template = self.atom_templates.get(atom[0].lower()) if atom else None
        if template is None or len(_SLOT.findall(template)) != len(atom) - 1:
            return "(" + " ".join(atom) + ")"  # an atom the domain does not have: say exactly what it is
        return template.format(*(self.name_object(a.lower()) for a in atom[1:]))

    def read_step(self, text: str) -> Step | None:
        phrase = clean_phrase(text)
        if not phrase:
            return None
        for action, pattern, slots in self._strict:
            match = pattern.fullmatch(phrase)
            if match is None:
                continue
            args = [self.decode(text) if (text := match.group(f"s{i}")) else None for i in range(slots)]
            if all(a is not None for a in args):
                step = self.resolve(Step(action=action, args=tuple(a for a in args if a is not None)))
                if step is not None:
                    return step
        return self._read_lax(phrase)

    def describe_domain(self) -> str:
        return self.domain_text

    def describe_task(self, task: PlanningTask) -> str:
        model = task.model()
        init = [self.render_atom(a) for a in sorted(model.init, key=sort_key) if a[0] in self.atom_templates]
        goal = [self.render_atom(a) for a in model.goal_pos if a[0] in self.atom_templates]
        goal += [f"it is not the case that {self.render_atom(a)}" for a in model.goal_neg]
        return (
            "[STATEMENT]\n"
            f"As initial conditions I have that, {join_and(init)}.\n"
            f"My goal is to have that {join_and(goal)}."
        )

    # -- reading machinery ----------------------------------------------------------------------------

    @cached_property
    def _strict(self) -> list[tuple[str, re.Pattern[str], int]]:
        """(action, compiled pattern, number of object slots): rendered forms first, then the extras."""
        patterns: list[tuple[str, str]] = []
        for action, template in self.step_templates.items():
            parts = _SLOT.split(template)  # literal text at even indices, slot numbers at odd ones
            regex = "".join(re.escape(p) if i % 2 == 0 else "{" + p + "}" for i, p in enumerate(parts))
            patterns.append((action, regex))
        patterns.extend(self.read_patterns)
        compiled = []
        for action, pattern in patterns:
            regex = _SLOT.sub(lambda m: f"(?P<s{m.group(1)}>{self.mention})", pattern)
            compiled.append((action, re.compile(regex), len(_SLOT.findall(pattern))))
        return compiled

    @cached_property
    def _mentions(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w-])(?:{self.mention})(?![\w-])")

    @cached_property
    def _verbs_longest_first(self) -> list[str]:
        return sorted(self.verbs, key=len, reverse=True)

    def _read_lax(self, phrase: str) -> Step | None:
        verb = next((v for v in self._verbs_longest_first if phrase == v or phrase.startswith(v + " ")), None)
        if verb is None:
            return None
        rest = phrase[len(verb) :]
        objects: list[str] = []
        position = 0
        for match in self._mentions.finditer(rest):
            if not self._only_fillers(rest[position : match.start()]):
                return None
            obj = self.decode(match.group(0))
            if obj is None:
                return None
            objects.append(obj)
            position = match.end()
        if not self._only_fillers(rest[position:]):
            return None
        candidates = [a for a in self.verbs[verb] if self.arities[a] == len(objects)]
        if len(candidates) != 1:
            return None
        return self.resolve(Step(action=candidates[0], args=tuple(objects)))

    def _only_fillers(self, gap: str) -> bool:
        return all(word in self.fillers for word in re.split(r"[\s,]+", gap.strip(" ,")) if word)

    # -- used by plan extraction ----------------------------------------------------------------------

    def starts_like_step(self, text: str) -> bool:
        """Whether a line opens with one of this domain's verbs (so an unread one is worth reporting)."""
        phrase = clean_phrase(text)
        return any(phrase == v or phrase.startswith(v + " ") for v in self._verbs_longest_first)

    @property
    def action_names(self) -> frozenset[str]:
        return frozenset(self.step_templates)
