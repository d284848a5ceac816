"""Reading PDDL text with unified-planning, turning its errors into :class:`PDDLError` with a line."""

from __future__ import annotations

import hashlib
import re
import warnings
from threading import Lock
from typing import Any

from ._errors import PDDLError
from ._model import TaskModel, compile_domain, compile_problem
from ._problem_reader import NeedsGeneralReader, read_problem

KNOWN_REQUIREMENTS = frozenset(
    {
        ":strips",
        ":typing",
        ":negative-preconditions",
        ":disjunctive-preconditions",
        ":equality",
        ":existential-preconditions",
        ":universal-preconditions",
        ":quantified-preconditions",
        ":conditional-effects",
        ":fluents",
        ":numeric-fluents",
        ":object-fluents",
        ":adl",
        ":durative-actions",
        ":duration-inequalities",
        ":continuous-effects",
        ":derived-predicates",
        ":timed-initial-literals",
        ":preferences",
        ":constraints",
        ":action-costs",
    }
)

_REQUIREMENTS_BLOCK = re.compile(r"\(\s*:requirements\b([^)]*)\)", re.IGNORECASE)
_LINE_IN_MESSAGE = re.compile(r"line:?\s*(\d+)", re.IGNORECASE)
_NAME = re.compile(r"\(\s*define\s*\(\s*(?:domain|problem)\s+([^\s()]+)", re.IGNORECASE)


def _strip_comments(text: str) -> str:
    return re.sub(r";[^\n]*", "", text)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def declared_name(text: str) -> str:
    """The name after ``(define (domain …`` or ``(define (problem …``, lower case; '' if absent."""
    match = _NAME.search(_strip_comments(text))
    return match.group(1).lower() if match else ""


def check_parentheses(text: str, source: str) -> None:
    """Name the line of the first unbalanced parenthesis (unified-planning only reports end of text)."""
    depth = 0
    opened: list[int] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for char in line.split(";", 1)[0]:
            if char == "(":
                depth += 1
                opened.append(lineno)
            elif char == ")":
                depth -= 1
                if depth < 0:
                    raise PDDLError("unbalanced parentheses: this ')' closes nothing", line=lineno, source=source)
                opened.pop()
    if depth > 0:
        raise PDDLError(
            f"unbalanced parentheses: {depth} '(' never closed (the outermost open one is here)",
            line=opened[0] if depth == len(opened) else opened[-depth],
            source=source,
        )
    if not text.strip():
        raise PDDLError("the file is empty", line=1, source=source)


def read_requirements(text: str, source: str) -> tuple[str, ...]:
    """The declared requirements; an unknown one is an error naming its line."""
    clean = _strip_comments(text)
    found: list[str] = []
    for block in _REQUIREMENTS_BLOCK.finditer(clean):
        for word in re.finditer(r"\S+", block.group(1)):
            req = word.group(0).lower()
            if req not in KNOWN_REQUIREMENTS:
                raise PDDLError(
                    f"unknown requirement {word.group(0)} (known: {', '.join(sorted(KNOWN_REQUIREMENTS))})",
                    line=line_of(clean, block.start(1) + word.start()),
                    source=source,
                )
            found.append(req)
    return tuple(found)


def _pddl_error(exc: Exception, source: str) -> PDDLError:
    lineno = getattr(exc, "lineno", None)
    message = str(exc)
    if lineno is None:
        match = _LINE_IN_MESSAGE.search(message)
        lineno = int(match.group(1)) if match else None
    reason = message.split("\n")[0] if message else type(exc).__name__
    handled = re.match(r"Not able to handle: \((\S+)(.*?)\) found at", reason)
    if handled:  # unified-planning's wording for an undeclared predicate (or a construct it does not know)
        reason = f"undefined predicate {handled.group(1)!r} in ({handled.group(1)}{handled.group(2)})"
    reason = re.sub(r"\s*(found at|From|Error from) line:? .*$", "", reason)
    if "UPExpressionDefinitionError" in message or "arity" in message:
        reason = message.replace("\n", " ")
    return PDDLError(reason.strip(), line=lineno, source=source)


def _parse_with_up(domain_text: str, problem_text: str | None) -> Any:
    from unified_planning.io import PDDLReader  # imported lazily: it costs ~1.5 s

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PDDLReader().parse_problem_string(domain_text, problem_text)


_domains: dict[str, TaskModel] = {}
_domains_lock = Lock()
_parsing: dict[str, Lock] = {}


def read_domain(domain_text: str, domain_source: str) -> TaskModel:
    """Parse (unified-planning) and compile a domain once per distinct text.

    Threads asking for the same new domain at once (a worker starting a batch) wait for the one that parses
    it, rather than each paying the parse.
    """
    key = hashlib.sha256(domain_text.encode()).hexdigest()
    with _domains_lock:
        cached = _domains.get(key)
        if cached is not None:
            return cached
        parsing = _parsing.setdefault(key, Lock())
    with parsing:
        with _domains_lock:
            cached = _domains.get(key)
        if cached is not None:
            return cached
        try:
            return _read_new_domain(domain_text, domain_source, key)
        finally:
            with _domains_lock:
                _parsing.pop(key, None)


def _read_new_domain(domain_text: str, domain_source: str, key: str) -> TaskModel:
    check_parentheses(domain_text, domain_source)
    requirements = read_requirements(domain_text, domain_source)
    try:
        problem = _parse_with_up(domain_text, None)
    except Exception as exc:  # unified-planning raises SyntaxError, pyparsing and its own errors
        raise _pddl_error(exc, domain_source) from exc
    model = compile_domain(problem, requirements, declared_name(domain_text))
    with _domains_lock:
        _domains[key] = model
    return model


def read_task(domain_text: str, problem_text: str, domain_source: str, problem_source: str) -> TaskModel:
    """Parse and compile a domain and problem; every failure is a :class:`PDDLError` or unsupported error.

    The domain goes through unified-planning (once per domain text); the problem through our fast reader,
    falling back to unified-planning for constructs only it handles.
    """
    domain = read_domain(domain_text, domain_source)
    check_parentheses(problem_text, problem_source)
    try:
        return read_problem(problem_text, domain, problem_source)
    except NeedsGeneralReader:
        pass
    try:
        problem = _parse_with_up(domain_text, problem_text)
    except Exception as exc:
        raise _pddl_error(exc, problem_source) from exc
    return compile_problem(problem, domain)
