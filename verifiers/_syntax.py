"""Lines of an LLM answer that could not be read as plan steps become a soft ``syntax`` verdict."""

from __future__ import annotations

from domains import Extraction

from ._verdict import Verdict, Violation


def syntax_verdict(extraction: Extraction) -> Verdict:
    """Soft: an unreadable line never makes an otherwise valid plan invalid (the plan we check is the one
    we read), but the LLM is told which line could not be read and why."""
    violations = tuple(
        Violation(kind="syntax", step=u.line, message=f"cannot read {u.text.strip()!r}: {u.reason}")
        for u in extraction.unreadable
    )
    return Verdict(
        verifier="extraction", hard=False, valid=not violations, violations=violations, energy=float(len(violations))
    )
