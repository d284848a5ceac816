"""The Lesson model, its id, the prompt section and the package's public surface."""

from __future__ import annotations

import types

import pytest
from pydantic import ValidationError

import agents.memory
from agents.memory import Lesson, format_lessons, lesson_id


def make(kind: str = "rule", key: str = "rule:precondition:unstack:(handempty)", **extra: object) -> Lesson:
    fields: dict[str, object] = {
        "namespace": "ns", "domain": "blocksworld-4ops", "kind": kind, "key": key,
        "text": "Before `unstack ?ob ?underob`, (handempty) must hold.",
    }
    return Lesson.model_validate(fields | extra)


def test_the_id_is_derived_from_namespace_domain_kind_and_key() -> None:
    lesson = make()
    assert lesson.id == lesson_id("ns", "blocksworld-4ops", "rule", "rule:precondition:unstack:(handempty)")
    assert len(lesson.id) == 16
    assert make(text="other words", evidence=["e"]).id == lesson.id
    assert make(namespace="other").id != lesson.id
    assert make(key="rule:x").id != lesson.id
    # the parts are separated, not concatenated: ("ab", "c") and ("a", "bc") differ
    assert lesson_id("ab", "c", "rule", "k") != lesson_id("a", "bc", "rule", "k")


def test_a_wrong_id_or_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not match"):
        make(id="0000000000000000")
    assert make(id=make().id).id == make().id  # the right id may be given (as when read back from a store)
    with pytest.raises(ValidationError):
        make(kind="hunch")
    with pytest.raises(ValidationError):
        make(namespace="")


def test_a_lesson_round_trips_through_json() -> None:
    ex = make(kind="exemplar", key="exemplar:abc", features={"n_objects": 3.0}, plan=["(pick-up a)"], evidence=["e"])
    assert Lesson.model_validate_json(ex.model_dump_json()) == ex


def test_no_lessons_make_no_prompt_section() -> None:
    assert format_lessons([]) == ""


def test_the_prompt_section_snapshot() -> None:
    rule = make()
    goal = make(key="rule:goal:(on ?x ?y)", text="Check every goal literal holds after the last step.")
    ex = make(kind="exemplar", key="exemplar:abc", text="Objects: a b\nGoal: (on a b)\nPlan:\n(pick-up a)\n(stack a b)")
    assert format_lessons([rule, ex, goal]) == "\n".join([
        "[LESSONS]",
        "Rules learnt from plans the validator rejected on earlier problems of this domain:",
        "- Before `unstack ?ob ?underob`, (handempty) must hold.",
        "- Check every goal literal holds after the last step.",
        "[EXAMPLE]",
        "A solved problem of this domain, with a plan the validator accepted:",
        "Objects: a b",
        "Goal: (on a b)",
        "Plan:",
        "(pick-up a)",
        "(stack a b)",
        "[EXAMPLE END]",
        "[LESSONS END]",
    ])
    assert format_lessons([ex]).splitlines()[:2] == ["[LESSONS]", "[EXAMPLE]"]


def _public(module: types.ModuleType) -> set[str]:
    return {name for name in vars(module) if not name.startswith("_") and name != "annotations"}


def test_the_public_surface_is_pinned() -> None:
    assert list(agents.memory.__all__) == sorted(agents.memory.__all__)
    assert _public(agents.memory) == set(agents.memory.__all__)
    for name in agents.memory.__all__:
        value = getattr(agents.memory, name)
        if isinstance(value, type):
            assert value.__module__.startswith("agents.memory._"), name
