"""``modulo lessons list|show|delete`` against an SQLite file (and once against the real Redis)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agents.memory import Lesson, RedisLessonStore, SqliteLessonStore, exemplar_from_solution, rules_from_critique
from domains import Plan, PlanningTask
from service._lessons_cli import default_lessons_db, lessons_app

from .conftest import REDIS_URL, critique_of

Instance = Callable[[int], PlanningTask]
runner = CliRunner()


def seeded(db: Path, task: PlanningTask) -> list[Lesson]:
    """A rule and an exemplar in namespace ``default``, a rule in ``other``."""

    async def seed() -> list[Lesson]:
        async with SqliteLessonStore(db) as store:
            failure = critique_of(task, "(unstack b a)")
            stored = [await store.add(x) for x in rules_from_critique(task, failure, "default")]
            stored.append(await store.add(exemplar_from_solution(task, Plan.of("(unstack c b)"), "default")))
            await store.add(rules_from_critique(task, critique_of(task, "(stack a)"), "other")[0])
            return stored

    return asyncio.run(seed())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "lessons.sqlite"


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(lessons_app, list(args), env={"COLUMNS": "200"})  # rich wraps to the terminal width
    return result.exit_code, result.output


def test_list_shows_a_table_of_the_namespace(db: Path, instance: Instance) -> None:
    lessons = seeded(db, instance(1))
    code, out = invoke("list", "--db", str(db))
    assert code == 0, out
    for lesson in lessons:
        assert lesson.id in out
    assert "(clear ?ob) must hold" in out and "Goal: (on a b) (on c a) (1-step plan)" in out
    assert "`stack` takes" not in out  # namespace "other"


def test_list_as_json_filters_by_namespace_and_domain(db: Path, instance: Instance) -> None:
    lessons = seeded(db, instance(1))
    code, out = invoke("list", "--db", str(db), "--json")
    assert code == 0
    assert [x["id"] for x in json.loads(out)] == [x.id for x in lessons]
    assert [Lesson.model_validate(x) for x in json.loads(out)] == lessons
    _, out = invoke("list", "--db", str(db), "--json", "--namespace", "other")
    assert [x["key"] for x in json.loads(out)] == ["rule:arity:stack"]
    _, out = invoke("list", "--db", str(db), "--json", "--domain", "gripper")
    assert json.loads(out) == []
    code, out = invoke("list", "--db", str(db), "--domain", "gripper")
    assert (code, out.strip()) == (0, "No lessons in namespace 'default' for domain 'gripper'.")


def test_reading_a_missing_database_does_not_create_it(db: Path) -> None:
    assert invoke("list", "--db", str(db)) == (0, "No lessons in namespace 'default'.\n")
    assert invoke("list", "--db", str(db), "--json")[1].strip() == "[]"
    code, out = invoke("show", "abcd", "--db", str(db))
    assert code == 1 and "no lessons database" in out
    assert not db.exists()


def test_show_prints_evidence_and_text_and_accepts_a_prefix(db: Path, instance: Instance) -> None:
    rule = seeded(db, instance(1))[0]
    code, out = invoke("show", rule.id[:6], "--db", str(db))
    assert code == 0, out
    assert f"id:        {rule.id}" in out
    assert "evidence:\n  - task " in out and "step 1 (unstack b a): (clear b) did not hold" in out
    assert f"  {rule.text}" in out
    code, out = invoke("show", rule.id, "--db", str(db), "--json")
    assert code == 0 and Lesson.model_validate_json(out) == rule


def test_show_says_what_is_wrong(db: Path, instance: Instance) -> None:
    lessons = seeded(db, instance(1))
    code, out = invoke("show", "ffffffffffffffff", "--db", str(db))
    assert code == 1 and "no lesson 'ffffffffffffffff' in namespace 'default'" in out
    code, out = invoke("show", lessons[0].id, "--db", str(db), "--namespace", "other")
    assert code == 1
    code, out = invoke("show", "abc", "--db", str(db))  # too short to be a prefix
    assert code == 1


def test_an_ambiguous_prefix_is_refused(db: Path, instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    lessons = seeded(db, instance(1))
    import service._lessons_cli as cli

    monkeypatch.setattr(cli, "_MIN_PREFIX", 0)
    code, out = invoke("show", "", "--db", str(db))
    assert code == 2 and f"matches {len(lessons)} lessons" in out


def test_delete_removes_one_lesson(db: Path, instance: Instance) -> None:
    first, second, *_ = seeded(db, instance(1))
    code, out = invoke("delete", first.id, "--db", str(db))
    assert code == 0 and out.startswith(f"Deleted rule {first.id} (blocksworld-4ops): ")
    _, listed = invoke("list", "--db", str(db), "--json")
    assert first.id not in listed and second.id in listed
    code, out = invoke("delete", first.id, "--db", str(db))
    assert code == 1
    code, out = invoke("delete", second.id[:8], "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["deleted"]["id"] == second.id


def test_the_database_comes_from_the_environment_when_not_given(
    db: Path, instance: Instance, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seeded(db, instance(1))
    monkeypatch.setenv("MODULO_LESSONS_DB", str(db))
    assert len(json.loads(invoke("list", "--json")[1])) == 2
    monkeypatch.delenv("MODULO_LESSONS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_lessons_db() == tmp_path / "xdg" / "modulo" / "lessons.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_lessons_db() == Path("~/.local/share/modulo/lessons.sqlite").expanduser()


def test_the_redis_store_is_reachable_from_the_cli(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = f"modulo:test:{uuid.uuid4().hex}"
    task = instance(1)

    def redis_store(url: str = REDIS_URL, *args: object, **kwargs: object) -> RedisLessonStore:
        return RedisLessonStore(url, prefix)

    monkeypatch.setattr("agents.memory.RedisLessonStore", redis_store)

    async def seed() -> Lesson:
        async with RedisLessonStore(REDIS_URL, prefix) as store:
            return await store.add(rules_from_critique(task, critique_of(task, "(stack a)"), "default")[0])

    async def cleanup() -> None:
        async with RedisLessonStore(REDIS_URL, prefix) as store:
            for lesson in await store.list("default"):
                await store.delete("default", lesson.id)

    lesson = asyncio.run(seed())
    try:
        code, out = invoke("list", "--store", "redis", "--redis-url", REDIS_URL, "--json")
        assert code == 0 and [x["id"] for x in json.loads(out)] == [lesson.id]
        assert invoke("delete", lesson.id, "--store", "redis")[0] == 0
    finally:
        asyncio.run(cleanup())


def test_an_unreachable_redis_is_a_clear_error() -> None:
    code, out = invoke("list", "--store", "redis", "--redis-url", "redis://:secret@127.0.0.1:1/0")
    assert code == 2
    assert "cannot reach Redis at redis://:***@127.0.0.1:1/0" in out and "secret" not in out


def test_the_app_is_a_typer_group_with_three_commands() -> None:
    assert isinstance(lessons_app, typer.Typer)
    code, out = invoke("--help")
    assert code == 0 and all(name in out for name in ("list", "show", "delete"))
