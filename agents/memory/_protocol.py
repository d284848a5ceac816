"""The interface every lessons backend implements (SQLite embedded, Redis for the service)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ._lesson import Lesson


@runtime_checkable
class LessonStore(Protocol):
    """Lessons per namespace and PDDL domain.

    Every backend delegates its policy to the same pure functions, and all pass one conformance suite
    (``tests/agents/memory/test_store_conformance.py``).
    """

    async def add(self, lesson: Lesson) -> Lesson:
        """Store ``lesson``, or merge it into the entry with the same id (new evidence appended, score +0.5,
        text kept).  Returns the entry as stored.  If the (namespace, domain) now holds more than the cap,
        the lowest-score other entries are evicted."""
        ...

    async def recall(
        self, namespace: str, domain: str, features: dict[str, float], k_rules: int = 5, k_exemplars: int = 2
    ) -> list[Lesson]:
        """Up to ``k_rules`` rules (highest score first), then up to ``k_exemplars`` exemplars nearest to
        ``features`` (ties by score).  Recall does not change the store."""
        ...

    async def reward(self, namespace: str, ids: list[str], solved: bool) -> None:
        """After a run that showed these lessons: score +1 if it was solved, else -1; ``uses`` +1; entries
        whose score falls to 0 or below are deleted.  Unknown ids are ignored."""
        ...

    async def list(self, namespace: str, domain: str | None = None) -> list[Lesson]:
        """Every lesson of the namespace (or of one domain): by domain, rules first, best score first."""
        ...

    async def get(self, namespace: str, lesson_id: str) -> Lesson | None: ...

    async def delete(self, namespace: str, lesson_id: str) -> bool:
        """``True`` if the lesson existed."""
        ...

    async def aclose(self) -> None: ...
