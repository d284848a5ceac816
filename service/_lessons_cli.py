"""``modulo lessons list|show|delete``: inspect and prune the lessons memory.

Mounted in ``service/cli.py`` as ``app.add_typer(lessons_app, name="lessons")``.  This is the edge, so it is
where the default database path and the ``MODULO_LESSONS_DB`` / ``MODULO_REDIS_URL`` variables are read;
the stores themselves only take paths and URLs.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:  # agents.memory pulls in the LLM clients: imported only when a command runs
    from agents.memory import Lesson, LessonStore

lessons_app = typer.Typer(help="Inspect and delete what the lessons memory has learnt.", no_args_is_help=True)

_T = TypeVar("_T")
_MIN_PREFIX = 4  # shorter id prefixes would match too much to be meant


class StoreChoice(StrEnum):
    sqlite = "sqlite"
    redis = "redis"


def default_lessons_db() -> Path:
    """Where the embedded store lives unless told otherwise: ``$XDG_DATA_HOME/modulo/lessons.sqlite``."""
    base = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(base).expanduser() / "modulo" / "lessons.sqlite"


def open_store(store: StoreChoice | str, db: Path | None = None, redis_url: str | None = None) -> LessonStore:
    """The lesson store the options name (shared with ``modulo solve`` and ``modulo batch``)."""
    from agents.memory import RedisLessonStore, SqliteLessonStore

    if StoreChoice(store) is StoreChoice.redis:
        return RedisLessonStore(redis_url or "redis://127.0.0.1:6379/0")
    return SqliteLessonStore(db or default_lessons_db())


StoreOpt = Annotated[StoreChoice, typer.Option("--store", help="where lessons live")]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db", envvar="MODULO_LESSONS_DB", help="SQLite file (default: ~/.local/share/modulo/lessons.sqlite)"
    ),
]
RedisOpt = Annotated[
    str, typer.Option("--redis-url", envvar="MODULO_REDIS_URL", help="Redis URL, for --store redis")
]
NamespaceOpt = Annotated[str, typer.Option("--namespace", "-n", help="the memory namespace")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
_DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def _missing_db(store: StoreChoice, db: Path | None) -> Path | None:
    """The SQLite file, if it does not exist yet: reading commands must not create an empty database."""
    path = (db or default_lessons_db()).expanduser()
    return path if store is StoreChoice.sqlite and not path.exists() else None


def _run(store: StoreChoice, db: Path | None, redis_url: str, job: Callable[[LessonStore], Awaitable[_T]]) -> _T:
    from domains import ModuloError

    async def main() -> _T:
        lessons = open_store(store, db, redis_url)
        try:
            return await job(lessons)
        finally:
            await lessons.aclose()

    try:
        return asyncio.run(main())
    except ModuloError as exc:
        raise _fail(str(exc)) from exc


async def _resolve(lessons: LessonStore, namespace: str, ident: str) -> Lesson:
    """The lesson with this id, or the one whose id starts with it (like git's abbreviated hashes)."""
    found = await lessons.get(namespace, ident)
    if found is not None:
        return found
    matches = [x for x in await lessons.list(namespace) if len(ident) >= _MIN_PREFIX and x.id.startswith(ident)]
    if len(matches) > 1:
        ids = ", ".join(x.id for x in matches)
        raise _fail(f"'{ident}' matches {len(matches)} lessons ({ids}); give more of the id")
    if not matches:
        raise _fail(f"no lesson '{ident}' in namespace '{namespace}' (see `modulo lessons list`)", code=1)
    return matches[0]


def _one_lesson(
    store: StoreChoice, db: Path | None, redis_url: str, namespace: str, lesson_id: str, *, delete: bool
) -> Lesson:
    """The lesson ``lesson_id`` (an id or a unique prefix) names, deleted first if ``delete``."""
    if _missing_db(store, db):
        raise _fail(f"no lesson '{lesson_id}': there is no lessons database at {_missing_db(store, db)}", code=1)

    async def job(lessons: LessonStore) -> Lesson:
        lesson = await _resolve(lessons, namespace, lesson_id)
        if delete:
            await lessons.delete(namespace, lesson.id)
        return lesson

    return _run(store, db, redis_url, job)


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")


def _summary(lesson: Lesson) -> str:
    if lesson.kind == "rule":
        return lesson.text
    goal = next((line for line in lesson.text.splitlines() if line.startswith("Goal:")), "")
    return f"{goal} ({len(lesson.plan or [])}-step plan)"


@lessons_app.command("list")
def list_lessons(
    store: StoreOpt = StoreChoice.sqlite,
    db: DbOpt = None,
    redis_url: RedisOpt = _DEFAULT_REDIS,
    namespace: NamespaceOpt = "default",
    domain: Annotated[str | None, typer.Option("--domain", help="only this PDDL domain (its declared name)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the lessons of a namespace: by domain, rules first, best score first."""
    if _missing_db(store, db):
        found: list[Lesson] = []
    else:
        found = _run(store, db, redis_url, lambda lessons: lessons.list(namespace, domain))
    if as_json:
        typer.echo(json.dumps([x.model_dump(mode="json") for x in found], indent=2))
        return
    if not found:
        where = f" for domain '{domain}'" if domain else ""
        typer.echo(f"No lessons in namespace '{namespace}'{where}.")
        return
    from rich.console import Console
    from rich.table import Table

    # no timestamps here (``show`` has them): the lesson text needs the width
    table = Table("id", "domain", "kind", "score", "uses", "lesson", title=f"lessons in '{namespace}'")
    for column in table.columns[:-1]:  # short fields stay on one line; the lesson text takes the rest
        column.no_wrap = True
    for x in found:
        table.add_row(x.id, x.domain, x.kind, f"{x.score:g}", str(x.uses), _summary(x))
    Console().print(table)


@lessons_app.command("show")
def show_lesson(
    lesson_id: Annotated[str, typer.Argument(metavar="ID", help="a lesson id, or a unique prefix of one")],
    store: StoreOpt = StoreChoice.sqlite,
    db: DbOpt = None,
    redis_url: RedisOpt = _DEFAULT_REDIS,
    namespace: NamespaceOpt = "default",
    as_json: JsonOpt = False,
) -> None:
    """Show one lesson with its evidence (and, for an exemplar, its plan)."""
    lesson = _one_lesson(store, db, redis_url, namespace, lesson_id, delete=False)
    if as_json:
        typer.echo(lesson.model_dump_json(indent=2))
        return
    lines = [
        f"id:        {lesson.id}",
        f"namespace: {lesson.namespace}",
        f"domain:    {lesson.domain}",
        f"kind:      {lesson.kind}",
        f"key:       {lesson.key}",
        f"score:     {lesson.score:g} (used in {lesson.uses} run{'s' if lesson.uses != 1 else ''})",
        f"learnt:    {_when(lesson.created_at)}, updated {_when(lesson.updated_at)}",
        "evidence:",
        *(f"  - {e}" for e in lesson.evidence),
        "text:",
        *(f"  {line}" for line in lesson.text.splitlines()),
    ]
    typer.echo("\n".join(lines))


@lessons_app.command("delete")
def delete_lesson(
    lesson_id: Annotated[str, typer.Argument(metavar="ID", help="a lesson id, or a unique prefix of one")],
    store: StoreOpt = StoreChoice.sqlite,
    db: DbOpt = None,
    redis_url: RedisOpt = _DEFAULT_REDIS,
    namespace: NamespaceOpt = "default",
    as_json: JsonOpt = False,
) -> None:
    """Delete one lesson; it will not be shown to the LLM again unless a new failure teaches it again."""
    lesson = _one_lesson(store, db, redis_url, namespace, lesson_id, delete=True)
    if as_json:
        typer.echo(json.dumps({"deleted": lesson.model_dump(mode="json")}, indent=2))
    else:
        typer.echo(f"Deleted {lesson.kind} {lesson.id} ({lesson.domain}): {_summary(lesson)}")
