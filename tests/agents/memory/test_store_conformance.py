"""One behaviour for every lessons backend: each test runs against SQLite (a file) and the real Redis."""

from __future__ import annotations

import asyncio

from agents.memory import Lesson, LessonStore

from .conftest import FakeClock, StoreFactory

NS, OTHER_NS = "team-a", "team-b"
BW, GRIPPER = "blocksworld-4ops", "gripper-strips"


def rule(key: str, *evidence: str, domain: str = BW, namespace: str = NS, score: float = 1.0) -> Lesson:
    return Lesson(
        namespace=namespace, domain=domain, kind="rule", key=f"rule:{key}", text=f"text of {key}",
        evidence=list(evidence), score=score,
    )


def exemplar(name: str, features: dict[str, float], score: float = 1.0) -> Lesson:
    return Lesson(
        namespace=NS, domain=BW, kind="exemplar", key=f"exemplar:{name}", text=f"problem {name}",
        evidence=[f"{name}: solved"], features=features, plan=["(pick-up a)"], score=score,
    )


# --- add and merge -------------------------------------------------------------------------------------------


async def test_add_stores_a_new_lesson_stamped_by_the_store_clock(store: LessonStore, clock: FakeClock) -> None:
    stored = await store.add(rule("a", "e1"))
    assert stored.score == 1.0 and stored.uses == 0 and stored.evidence == ["e1"]
    assert stored.created_at == stored.updated_at == clock.now
    assert await store.get(NS, stored.id) == stored


async def test_adding_the_same_lesson_again_merges_evidence_and_raises_the_score(store: LessonStore) -> None:
    first = await store.add(rule("a", "e1"))
    again = await store.add(rule("a", "e2").model_copy(update={"text": "another wording"}))
    assert again.id == first.id
    assert again.evidence == ["e1", "e2"]
    assert again.score == 1.5
    assert again.text == first.text  # the first wording is kept
    assert again.created_at == first.created_at < again.updated_at
    assert await store.list(NS) == [again]


async def test_re_adding_known_evidence_changes_nothing(store: LessonStore) -> None:
    """A retried learn step (runs are delivered at least once) must not inflate the score."""
    first = await store.add(rule("a", "e1", "e2"))
    assert await store.add(rule("a", "e2")) == first
    assert await store.get(NS, first.id) == first


async def test_evidence_keeps_the_newest_five(store: LessonStore) -> None:
    await store.add(rule("a", *(f"e{i}" for i in range(7))))
    for i in range(7, 10):
        stored = await store.add(rule("a", f"e{i}"))
    assert stored.evidence == ["e5", "e6", "e7", "e8", "e9"]


async def test_an_exemplar_takes_a_shorter_validated_plan(store: LessonStore) -> None:
    long = exemplar("p", {"n_objects": 3}).model_copy(update={"plan": ["(a)", "(b)", "(c)"], "text": "long"})
    short = exemplar("p", {"n_objects": 3}).model_copy(
        update={"plan": ["(a)"], "text": "short", "evidence": ["p: again"]}
    )
    await store.add(long)
    stored = await store.add(short)
    assert (stored.plan, stored.text, stored.score) == (["(a)"], "short", 1.5)
    stored = await store.add(long.model_copy(update={"evidence": ["p: third"]}))
    assert stored.plan == ["(a)"]


async def test_concurrent_adds_of_one_lesson_all_count(make_store: StoreFactory) -> None:
    """Two clients (two connections / two Redis clients) merging at once lose no update."""
    one, two = make_store(), make_store()
    await asyncio.gather(*(s.add(rule("a", f"e{i}")) for i, s in enumerate([one, two] * 4)))
    stored = await one.get(NS, rule("a").id)
    assert stored is not None
    assert stored.score == 1.0 + 7 * 0.5
    assert len(stored.evidence) == 5


# --- recall --------------------------------------------------------------------------------------------------


async def test_recall_gives_rules_by_score_then_the_nearest_exemplars(store: LessonStore) -> None:
    for key, score in [("low", 1.0), ("high", 3.0), ("mid", 2.0)]:
        await store.add(rule(key, score=score))
    await store.add(exemplar("far", {"n_objects": 9, "goal:on": 8}))
    await store.add(exemplar("near", {"n_objects": 3, "goal:on": 2}))
    await store.add(exemplar("one-off-weaker", {"n_objects": 3, "goal:on": 3}, score=2.0))
    await store.add(exemplar("one-off-stronger", {"n_objects": 3, "goal:on": 1}, score=5.0))
    recalled = await store.recall(NS, BW, {"n_objects": 3, "goal:on": 2}, k_rules=2, k_exemplars=2)
    assert [x.key for x in recalled] == ["rule:high", "rule:mid", "exemplar:near", "exemplar:one-off-stronger"]
    everything = await store.recall(NS, BW, {"n_objects": 3, "goal:on": 2}, k_rules=9, k_exemplars=9)
    assert [x.key for x in everything][3:] == [
        "exemplar:near", "exemplar:one-off-stronger", "exemplar:one-off-weaker", "exemplar:far"
    ]
    assert await store.recall(NS, BW, {}, k_rules=0, k_exemplars=0) == []


async def test_recall_ties_between_rules_go_to_the_most_recently_confirmed(store: LessonStore) -> None:
    await store.add(rule("older"))
    await store.add(rule("newer"))
    assert [x.key for x in await store.recall(NS, BW, {})] == ["rule:newer", "rule:older"]


async def test_recall_does_not_change_the_store(store: LessonStore) -> None:
    stored = await store.add(rule("a"))
    await store.recall(NS, BW, {})
    assert await store.get(NS, stored.id) == stored


async def test_recall_is_per_namespace_and_domain(store: LessonStore) -> None:
    learnt = await store.add(rule("a", "e"))
    assert await store.recall(NS, BW, {}) == [learnt]
    assert await store.recall(OTHER_NS, BW, {}) == []
    assert await store.recall(NS, GRIPPER, {}) == []
    assert await store.list(OTHER_NS) == []
    assert await store.get(OTHER_NS, learnt.id) is None
    assert await store.delete(OTHER_NS, learnt.id) is False
    assert await store.get(NS, learnt.id) == learnt


async def test_the_same_key_in_two_namespaces_is_two_lessons(store: LessonStore) -> None:
    mine = await store.add(rule("a", "mine"))
    theirs = await store.add(rule("a", "theirs", namespace=OTHER_NS))
    assert mine.id != theirs.id
    assert (await store.recall(NS, BW, {}))[0].evidence == ["mine"]
    assert (await store.recall(OTHER_NS, BW, {}))[0].evidence == ["theirs"]


async def test_names_with_separators_cannot_reach_other_namespaces(store: LessonStore) -> None:
    await store.add(rule("a", "x", namespace="a:domain:b"))
    await store.add(rule("a", "y", namespace="a", domain="b:domain:c"))
    assert [x.evidence for x in await store.list("a:domain:b")] == [["x"]]
    assert [x.evidence for x in await store.list("a")] == [["y"]]
    assert await store.recall("a", "domain:b", {}) == []


# --- reward --------------------------------------------------------------------------------------------------


async def test_reward_moves_scores_and_counts_uses(store: LessonStore) -> None:
    a = await store.add(rule("a", score=2.0))
    b = await store.add(rule("b", score=2.0))
    await store.reward(NS, [a.id, b.id], solved=True)
    await store.reward(NS, [a.id], solved=False)
    after_a, after_b = await store.get(NS, a.id), await store.get(NS, b.id)
    assert after_a is not None and after_b is not None
    assert (after_a.score, after_a.uses) == (2.0, 2)
    assert (after_b.score, after_b.uses) == (3.0, 1)
    assert after_b.updated_at > b.updated_at


async def test_a_lesson_that_reaches_zero_is_dropped(store: LessonStore) -> None:
    fresh = await store.add(rule("fresh"))
    await store.reward(NS, [fresh.id], solved=False)
    assert await store.get(NS, fresh.id) is None
    assert await store.recall(NS, BW, {}) == []
    assert await store.list(NS, BW) == []


async def test_reward_ignores_unknown_ids_and_counts_each_lesson_once(store: LessonStore) -> None:
    a = await store.add(rule("a"))
    await store.reward(NS, [a.id, a.id, "0123456789abcdef"], solved=True)
    await store.reward(NS, [], solved=False)
    after = await store.get(NS, a.id)
    assert after is not None and (after.score, after.uses) == (2.0, 1)


async def test_scores_are_capped(store: LessonStore) -> None:
    a = await store.add(rule("a"))
    for _ in range(20):
        await store.reward(NS, [a.id], solved=True)
    after = await store.get(NS, a.id)
    assert after is not None and after.score == 10.0 and after.uses == 20


async def test_reward_in_another_namespace_does_nothing(store: LessonStore) -> None:
    a = await store.add(rule("a"))
    await store.reward(OTHER_NS, [a.id], solved=False)
    assert await store.get(NS, a.id) == a


# --- cap per domain ------------------------------------------------------------------------------------------


async def test_the_lowest_scores_are_evicted_beyond_the_cap(make_store: StoreFactory) -> None:
    store = make_store(cap_per_domain=3)
    for key, score in [("s3", 3.0), ("s1", 1.0), ("s2", 2.0)]:
        await store.add(rule(key, score=score))
    await store.add(rule("other-domain", domain=GRIPPER, score=0.5))
    await store.add(rule("other-namespace", namespace=OTHER_NS, score=0.5))
    newest = await store.add(rule("new"))
    assert {x.key for x in await store.list(NS, BW)} == {"rule:s3", "rule:s2", "rule:new"}
    assert newest == await store.get(NS, newest.id)
    # other domains and namespaces have their own caps
    assert [x.key for x in await store.list(NS, GRIPPER)] == ["rule:other-domain"]
    assert [x.key for x in await store.list(OTHER_NS)] == ["rule:other-namespace"]


async def test_the_new_lesson_is_kept_even_when_it_scores_lowest(make_store: StoreFactory) -> None:
    """A memory full of proven lessons still tries a new one; the weakest older entry makes room."""
    store = make_store(cap_per_domain=2)
    await store.add(rule("old-weak", score=2.0))
    await store.add(rule("old-strong", score=5.0))
    await store.add(rule("new", score=1.0))
    assert {x.key for x in await store.list(NS)} == {"rule:old-strong", "rule:new"}


async def test_equal_scores_evict_the_least_recently_updated(make_store: StoreFactory) -> None:
    store = make_store(cap_per_domain=2)
    first = await store.add(rule("first"))
    await store.add(rule("second"))
    await store.reward(NS, [first.id], solved=True)
    await store.reward(NS, [first.id], solved=False)  # back to 1.0, and now the most recently updated
    await store.add(rule("third"))
    assert {x.key for x in await store.list(NS)} == {"rule:first", "rule:third"}


async def test_merging_never_evicts(make_store: StoreFactory) -> None:
    store = make_store(cap_per_domain=1)
    await store.add(rule("a", "e1"))
    await store.add(rule("a", "e2"))
    assert [x.evidence for x in await store.list(NS)] == [["e1", "e2"]]


# --- list, get, delete, persistence --------------------------------------------------------------------------


async def test_list_orders_by_domain_then_rules_first_then_score(store: LessonStore) -> None:
    await store.add(exemplar("x", {"n_objects": 3}, score=9.0))
    await store.add(rule("weak", score=1.0))
    await store.add(rule("strong", score=4.0))
    await store.add(rule("g", domain="aaa-first-domain"))
    assert [x.key for x in await store.list(NS)] == ["rule:g", "rule:strong", "rule:weak", "exemplar:x"]
    assert [x.key for x in await store.list(NS, domain=BW)] == ["rule:strong", "rule:weak", "exemplar:x"]
    assert await store.list(NS, domain="no-such-domain") == []


async def test_delete_removes_a_lesson_everywhere(store: LessonStore) -> None:
    a = await store.add(rule("a"))
    assert await store.delete(NS, a.id) is True
    assert await store.delete(NS, a.id) is False
    assert await store.get(NS, a.id) is None
    assert await store.recall(NS, BW, {}) == []
    assert await store.list(NS) == []
    assert (await store.add(rule("a", "back"))).score == 1.0  # learnt afresh, not merged into a ghost


async def test_lessons_survive_a_new_store_instance(make_store: StoreFactory) -> None:
    first = make_store()
    rule_a = await first.add(rule("a", "e1"))
    ex = await first.add(exemplar("p", {"n_objects": 3.0}))
    await first.reward(NS, [rule_a.id], solved=True)
    await first.aclose()
    second = make_store()
    stored = await second.get(NS, rule_a.id)
    assert stored is not None and (stored.score, stored.uses, stored.evidence) == (2.0, 1, ["e1"])
    assert await second.recall(NS, BW, {"n_objects": 3.0}) == [stored, ex]


async def test_a_client_reads_what_another_client_changed(make_store: StoreFactory) -> None:
    """Two workers share one memory: after one rewards a lesson, the other's reads show the new score, and a
    merge on the other side starts from it (a client must not answer from an old copy it has read)."""
    reader, writer = make_store(), make_store()
    a = await reader.add(rule("a", "e1", score=2.0))
    assert [x.score for x in await reader.recall(NS, BW, {})] == [2.0]
    await writer.reward(NS, [a.id], solved=True)
    assert [x.score for x in await reader.recall(NS, BW, {})] == [3.0]
    got = await reader.get(NS, a.id)
    assert got is not None and (got.score, got.uses) == (3.0, 1)
    merged = await reader.add(rule("a", "e2"))
    assert merged.uses == 1 and merged.evidence == ["e1", "e2"] and merged.score > 3.0


async def test_a_closed_store_can_be_closed_again(make_store: StoreFactory) -> None:
    store = make_store()
    await store.add(rule("a"))
    await store.aclose()
    await store.aclose()
