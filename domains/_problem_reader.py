"""A fast reader for PDDL problem files, checked against an already compiled domain.

unified-planning's reader costs 0.15-0.3 s per problem here (pyparsing), which dominated bulk validation.
Problem files in the supported fragment are plain lists (objects, ground atoms, a conjunctive goal), so we
read them directly, with exact line numbers in errors.  Anything this reader does not handle (numeric
initial values, quantified or disjunctive goals, preferences, ...) raises :class:`NeedsGeneralReader`, and
the caller falls back to unified-planning for the whole task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._errors import PDDLError
from ._model import Atom, TaskModel, with_problem

_TOKEN = re.compile(r";[^\n]*|\(|\)|[^\s()]+|\n")


class NeedsGeneralReader(Exception):
    """The problem uses something only the general (unified-planning) reader handles."""


@dataclass(slots=True)
class Word:
    text: str
    line: int


SExpr = Word | list["SExpr"]


def parse_sexpr(text: str, source: str) -> list[SExpr]:
    """Nested lists of :class:`Word` (lower-cased), comments dropped."""
    stack: list[list[SExpr]] = [[]]
    line = 1
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token == "\n":
            line += 1
        elif token.startswith(";"):
            continue
        elif token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) == 1:
                raise PDDLError("unbalanced parentheses: this ')' closes nothing", line=line, source=source)
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(Word(token.lower(), line))
    if len(stack) != 1:
        raise PDDLError("unbalanced parentheses: a '(' is never closed", line=line, source=source)
    return stack[0]


def _line(expr: SExpr) -> int | None:
    if isinstance(expr, Word):
        return expr.line
    for item in expr:
        found = _line(item)
        if found is not None:
            return found
    return None


def _head(expr: SExpr) -> str:
    return expr[0].text if isinstance(expr, list) and expr and isinstance(expr[0], Word) else ""


class _ProblemReader:
    def __init__(self, domain: TaskModel, source: str) -> None:
        self.domain = domain
        self.source = source
        self.objects: dict[str, str] = {}

    def error(self, reason: str, expr: SExpr) -> PDDLError:
        return PDDLError(reason, line=_line(expr), source=self.source)

    def read_objects(self, section: list[SExpr]) -> None:
        pending: list[Word] = []
        items = section[1:]
        i = 0
        while i < len(items):
            item = items[i]
            if not isinstance(item, Word):
                raise NeedsGeneralReader("(either ...) types")
            if item.text == "-":
                if i + 1 >= len(items) or not isinstance(items[i + 1], Word):
                    raise self.error("'-' in :objects must be followed by a type name", item)
                type_word = items[i + 1]
                assert isinstance(type_word, Word)
                if type_word.text not in self.domain.type_parents:
                    raise self.error(f"undefined type {type_word.text!r}", type_word)
                for word in pending:
                    self.objects[word.text] = type_word.text
                pending = []
                i += 2
                continue
            pending.append(item)
            i += 1
        for word in pending:
            self.objects[word.text] = "object"

    def atom(self, expr: SExpr, where: str) -> Atom:
        if not isinstance(expr, list) or not expr or not all(isinstance(w, Word) for w in expr):
            raise NeedsGeneralReader(f"non-atomic {where}")
        words = [w.text for w in expr if isinstance(w, Word)]
        pred, args = words[0], words[1:]
        if pred in ("and", "or", "not", "forall", "exists", "imply", "=", "preference", "at", "when"):
            raise NeedsGeneralReader(f"{pred} in {where}")
        signature = self.domain.predicates.get(pred)
        if signature is None:
            raise self.error(f"undefined predicate {pred!r} in {where}", expr)
        if len(args) != len(signature):
            raise self.error(f"{pred!r} takes {len(signature)} argument(s), got {len(args)} in {where}", expr)
        for arg in args:
            if arg not in self.objects and arg not in self.domain.objects:
                raise self.error(f"undefined object {arg!r} in {where}", expr)
        return (pred, *args)

    def literals(self, expr: SExpr, pos: list[Atom], neg: list[Atom]) -> None:
        head = _head(expr)
        if head == "and":
            assert isinstance(expr, list)
            for sub in expr[1:]:
                self.literals(sub, pos, neg)
        elif head == "not":
            assert isinstance(expr, list)
            if len(expr) != 2:
                raise self.error("(not ...) takes exactly one argument", expr)
            neg.append(self.atom(expr[1], "the goal"))
        else:
            pos.append(self.atom(expr, "the goal"))


def read_problem(text: str, domain: TaskModel, source: str) -> TaskModel:
    """Read a problem file against ``domain``; raise :class:`PDDLError` with the line, or NeedsGeneralReader."""
    top = parse_sexpr(text, source)
    defines = [e for e in top if _head(e) == "define"]
    if len(defines) != 1:
        raise PDDLError("expected one (define (problem NAME) ...)", line=_line(top[0]) if top else 1, source=source)
    define = defines[0]
    assert isinstance(define, list)
    reader = _ProblemReader(domain, source)
    name = ""
    init: set[Atom] = set()
    goal_pos: list[Atom] = []
    goal_neg: list[Atom] = []
    has_goal = False
    for section in define[1:]:
        head = _head(section)
        assert isinstance(section, list) or head == ""
        if head == "problem" and isinstance(section, list) and len(section) == 2 and isinstance(section[1], Word):
            name = section[1].text
        elif head == ":domain" and isinstance(section, list):
            declared = section[1].text if len(section) > 1 and isinstance(section[1], Word) else ""
            if domain.domain_name and declared != domain.domain_name:
                raise reader.error(
                    f"the problem is for domain {declared!r}, but the domain file defines {domain.domain_name!r}",
                    section,
                )
        elif head == ":objects" and isinstance(section, list):
            reader.read_objects(section)
        elif head == ":init" and isinstance(section, list):
            for fact in section[1:]:
                init.add(reader.atom(fact, "the initial state"))
        elif head == ":goal" and isinstance(section, list):
            if len(section) != 2:
                raise reader.error(":goal takes exactly one condition", section)
            reader.literals(section[1], goal_pos, goal_neg)
            has_goal = True
        elif head == ":requirements":
            continue
        else:
            raise NeedsGeneralReader(f"section {head or '?'}")
    if not has_goal:
        raise PDDLError("the problem has no :goal", line=_line(define), source=source)
    return with_problem(domain, name, reader.objects, frozenset(init), tuple(goal_pos), tuple(goal_neg))
