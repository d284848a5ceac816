"""The lessons memory: rules and exemplars learnt from verifier verdicts, per namespace and PDDL domain.

A run recalls lessons for its task, shows them in a marked prompt section, rewards them by its outcome and
learns new ones from its critiques::

    store = SqliteLessonStore("lessons.sqlite")
    shown = await store.recall(namespace, task.domain_name, task_features(task))
    prompt_section = format_lessons(shown)
    ...
    await store.reward(namespace, [x.id for x in shown], solved=result_solved)
    for lesson in rules_from_critique(task, critique, namespace, instance="instance-1"):
        await store.add(lesson)
"""

from ._derive import exemplar_from_solution, rules_from_critique
from ._errors import LessonStoreError
from ._features import task_features
from ._format import format_lessons
from ._lesson import Lesson, LessonKind, lesson_id
from ._protocol import LessonStore
from ._redis import RedisLessonStore
from ._sqlite import SqliteLessonStore

__all__ = [
    "Lesson",
    "LessonKind",
    "LessonStore",
    "LessonStoreError",
    "RedisLessonStore",
    "SqliteLessonStore",
    "exemplar_from_solution",
    "format_lessons",
    "lesson_id",
    "rules_from_critique",
    "task_features",
]
