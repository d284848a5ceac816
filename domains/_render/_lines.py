"""Line decorations LLMs put around plan steps, and their removal (used by plan extraction)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(?:\((\d{1,6})\)|(\d{1,6})\s*[.):]|#(\d{1,6})[.):]?)(?=\s|$|\*|`|\(|[a-z])", re.IGNORECASE)
_BULLET = re.compile(r"^[-*+•–—](?=\s)")
_LABEL = re.compile(
    r"^(?:(?:plan\s+)?step|action|move)\s*(?:#?\s*(\d{1,6}))?\s*[:.)\-]\s*|^(?:step|action)\s+(\d{1,6})\s+(?=[a-z(])",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"^(?:\*\*|__|\*|_|`+)")
_TRAILING_EMPHASIS = re.compile(r"(?:\*\*|__|\*|`+)(?=[:.]?\s*$)")


@dataclass(frozen=True)
class Decoration:
    """What surrounded a line's content: its list marker kind and indentation, and its item number."""

    kind: str | None  # "number", "bullet" or None
    indent: int
    number: int | None

    @property
    def style(self) -> tuple[str, int] | None:
        return (self.kind, self.indent) if self.kind else None


def undecorate(text: str) -> tuple[str, Decoration]:
    """Strip list markers (``1.``, ``(1)``, ``-``), labels (``Step 1:``, ``Action:``) and leading emphasis.

    Returns the remaining content and what was stripped.  Nested decorations ("- **Step 2:** …") are
    removed in turn; the first marker found decides the kind.
    """
    indent = len(text) - len(text.lstrip(" \t"))
    body = text.strip()
    kind: str | None = None
    number: int | None = None
    for _ in range(4):
        before = body
        if match := _NUMBERED.match(body):
            kind = kind or "number"
            number = number if number is not None else int(next(g for g in match.groups() if g))
            body = body[match.end() :].lstrip()
        elif match := _BULLET.match(body):
            kind = kind or "bullet"
            body = body[match.end() :].lstrip()
        if match := _EMPHASIS.match(body):
            body = body[match.end() :].lstrip()
        if match := _LABEL.match(body):
            label_number = next((g for g in match.groups() if g), None)
            if number is None and label_number is not None:
                number = int(label_number)
                kind = kind or "number"  # "Step 3:" items form a numbered list too
            body = _EMPHASIS.sub("", body[match.end() :]).lstrip()
        if body == before:
            break
    body = _TRAILING_EMPHASIS.sub("", body)
    return body, Decoration(kind=kind, indent=indent, number=number)
