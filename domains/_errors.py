"""The one exception tree of Modulo.

Every exception Modulo raises on purpose derives from :class:`ModuloError`.  Usage and input mistakes
derive from :class:`UsageError` (the user must change something); failures of a run's parts (LLM,
verifier, infrastructure) derive from :class:`RunFailure`.  A verdict on a plan is never an exception.
"""

from __future__ import annotations


class ModuloError(Exception):
    """Root of every error Modulo raises on purpose."""


class UsageError(ModuloError):
    """The caller asked for something that cannot work; the message says what to change."""


class PDDLError(UsageError):
    """PDDL text that cannot be read: names the file (if known), the 1-based line and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, source: str | None = None) -> None:
        self.reason = reason
        self.line = line
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.source or "PDDL"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.reason}"

    def with_source(self, source: str) -> PDDLError:
        """The same error, naming the file it came from."""
        return PDDLError(self.reason, line=self.line, source=source)


class UnsupportedPDDLError(UsageError):
    """Valid PDDL that uses a feature Modulo's validator does not support (it says which)."""


class RunFailure(ModuloError):
    """A part of a run (LLM provider, verifier, store) failed after its retries."""
