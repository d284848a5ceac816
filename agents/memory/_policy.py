"""What a store does with lessons, as pure functions, so that every backend behaves exactly alike.

Backends only load and save; merging, rewarding, eviction and recall ranking all happen here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._lesson import Lesson

MAX_EVIDENCE = 5
"""Evidence kept per lesson (the newest): enough to show the rule is real, short enough to read."""
MERGE_BONUS = 0.5
"""A lesson confirmed again by a new failure gains less than one that helped solve a run (+1)."""
MAX_SCORE = 10.0
"""Scores are capped so that an old, often-confirmed lesson can still be voted out by recent failures."""


def merged(existing: Lesson, new: Lesson, now: float) -> Lesson:
    """``existing`` after ``new`` (the same id) was learnt again: its evidence appended and a small bonus.

    Re-adding evidence the lesson already holds changes nothing, so a retried ``learn`` step (runs are
    delivered at least once) does not inflate scores.  The text is kept, except that an exemplar takes the
    new plan when it is shorter: both were validated, and the shorter one is the better example.
    """
    fresh = [e for e in new.evidence if e not in existing.evidence]
    if new.evidence and not fresh:
        return existing
    update: dict[str, object] = {
        "evidence": [*existing.evidence, *fresh][-MAX_EVIDENCE:],
        "score": min(existing.score + MERGE_BONUS, MAX_SCORE),
        "updated_at": now,
    }
    shorter = new.plan is not None and (existing.plan is None or len(new.plan) < len(existing.plan))
    if existing.kind == "exemplar" and shorter:
        update |= {"plan": new.plan, "text": new.text, "features": new.features}
    return existing.model_copy(update=update)


def first_stored(lesson: Lesson, now: float) -> Lesson:
    """A lesson as first stored: the store's clock decides when it was learnt; evidence is bounded."""
    return lesson.model_copy(update={"evidence": lesson.evidence[-MAX_EVIDENCE:], "created_at": now, "updated_at": now})


def rewarded(lesson: Lesson, solved: bool, now: float) -> Lesson | None:
    """The lesson after a run whose prompt showed it ended: +1 if solved, -1 if not; ``None`` means drop it."""
    score = min(lesson.score + 1.0, MAX_SCORE) if solved else lesson.score - 1.0
    if score <= 0:
        return None
    return lesson.model_copy(update={"score": score, "uses": lesson.uses + 1, "updated_at": now})


def eviction_victims(lessons: Iterable[Lesson], cap: int, keep: str | None = None) -> list[str]:
    """Ids to evict so that at most ``cap`` remain: lowest score first, then least recently updated.

    ``keep`` (the lesson just added) is never evicted: a new lesson gets its chance to be tried, otherwise a
    memory full of proven lessons could never learn anything new.
    """
    pool = list(lessons)
    excess = len(pool) - cap
    if excess <= 0:
        return []
    candidates = sorted((x for x in pool if x.id != keep), key=lambda x: (x.score, x.updated_at, x.id))
    return [x.id for x in candidates[:excess]]


def feature_distance(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """L1 distance over the union of feature names (a missing feature counts as 0)."""
    return sum(abs(a.get(name, 0.0) - b.get(name, 0.0)) for name in a.keys() | b.keys())


def select_for_recall(
    lessons: Iterable[Lesson], features: Mapping[str, float], k_rules: int, k_exemplars: int
) -> list[Lesson]:
    """The rules to show (highest score first, then most recently confirmed) followed by the exemplars
    nearest to ``features`` (ties broken by score).  The final tie-break on id keeps recall deterministic."""
    pool = list(lessons)
    rules = sorted((x for x in pool if x.kind == "rule"), key=lambda x: (-x.score, -x.updated_at, x.id))
    exemplars = sorted(
        (x for x in pool if x.kind == "exemplar"),
        key=lambda x: (feature_distance(x.features, features), -x.score, x.id),
    )
    return rules[: max(k_rules, 0)] + exemplars[: max(k_exemplars, 0)]


def listing_order(lessons: Iterable[Lesson]) -> list[Lesson]:
    """How ``list`` returns lessons: by domain, rules before exemplars, best score first."""
    return sorted(lessons, key=lambda x: (x.domain, x.kind != "rule", -x.score, x.id))
