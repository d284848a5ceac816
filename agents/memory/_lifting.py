"""Lift a ground literal from a failing step back to its action schema: ``(clear a)`` of ``(unstack a b)``
becomes ``(clear ?ob)``."""

from __future__ import annotations

import re

from domains import ActionSchema

_LiftedAtom = tuple[str, tuple[int | str, ...]]  # as in ActionSchema: an int term is a parameter index

_NEGATED = re.compile(r"\(\s*not\s*\(([^()]*)\)\s*\)")
_POSITIVE = re.compile(r"\(([^()]*)\)")


def parse_literal(text: str) -> tuple[bool, tuple[str, ...]] | None:
    """``"(not (on a b))"`` → ``(True, ("on", "a", "b"))``; ``None`` for anything that is not one literal."""
    text = text.strip().lower()
    for pattern, negated in ((_NEGATED, True), (_POSITIVE, False)):
        match = pattern.fullmatch(text)
        if match is not None and match.group(1).split():
            return negated, tuple(match.group(1).split())
    return None


def parse_step(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``"(unstack a b)"`` → ``("unstack", ("a", "b"))``."""
    parsed = parse_literal(text)
    if parsed is None or parsed[0]:
        return None
    return parsed[1][0], parsed[1][1:]


def signature(schema: ActionSchema) -> str:
    """``unstack ?ob ?underob``."""
    return " ".join([schema.name, *(f"?{p}" for p in schema.params)])


def lift(schema: ActionSchema, args: tuple[str, ...], negated: bool, atom: tuple[str, ...]) -> str:
    """The schema-level text of a ground precondition literal of the step ``(schema.name *args)``.

    The schema's own preconditions are matched first, which is exact even when an object fills two
    parameters (``(stack a a)`` missing ``(clear a)`` is ``(clear ?underob)``).  A literal that is not one of
    them (another verifier's semantics) is lifted by position; terms that are not step arguments, such as
    constants or the nullary ``(handempty)``, stay ground.
    """
    pred, terms = atom[0], atom[1:]
    candidates: tuple[_LiftedAtom, ...]
    if pred == "=":
        candidates = tuple(("=", pair) for pair in (schema.not_equal if negated else schema.equal))
    else:
        candidates = schema.pre_neg if negated else schema.pre_pos
    for cand_pred, cand_terms in candidates:
        grounded = tuple(args[t] if isinstance(t, int) and t < len(args) else t for t in cand_terms)
        if cand_pred == pred and grounded == terms:
            return schema.lifted_text((cand_pred, cand_terms), negated)
    words = [pred, *(f"?{schema.params[args.index(t)]}" if t in args else t for t in terms)]
    text = "(" + " ".join(words) + ")"
    return f"(not {text})" if negated else text


def generic_literal(negated: bool, atom: tuple[str, ...]) -> str:
    """A goal literal with its objects replaced by variables: ``(on a b)`` → ``(on ?x ?y)``."""
    names = ["?x", "?y", "?z", "?w"]
    variables = [names[i] if i < len(names) else f"?x{i + 1}" for i in range(len(atom) - 1)]
    text = "(" + " ".join([atom[0], *variables]) + ")"
    return f"(not {text})" if negated else text
