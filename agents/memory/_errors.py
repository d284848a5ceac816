"""Errors of the lessons memory, in Modulo's one exception tree."""

from __future__ import annotations

from domains import RunFailure


class LessonStoreError(RunFailure):
    """The lesson store's backend (an SQLite file or a Redis server) could not be used; the message says which."""
