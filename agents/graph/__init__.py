"""The LLM-Modulo loop as a LangGraph ``StateGraph``, durable by run id.

    recall → propose → extract → verify → decide ─┬─ valid, or rounds/budget spent → learn → END
                 ▲                                 │
                 └────────── back_prompt ◄─────────┘

Run one task::

    async with make_client(config) as llm, sqlite_checkpointer("runs.sqlite") as checkpointer:
        result = await run_task(task, RunOptions(feedback="first"), llm=llm, checkpointer=checkpointer,
                                run_id="bw-7")

``result`` is a :class:`RunResult` (JSON with ``result.model_dump_json()``) holding every :class:`Round`.
Calling again with the same ``run_id`` and checkpointer resumes a run that was interrupted, without
asking the LLM again for the rounds it completed; a finished run just returns its result.
"""

from ._checkpoint import sqlite_checkpointer
from ._options import Budget, RunOptions, RunStatus
from ._round_checkpoints import RoundCheckpointer
from ._run import OnRound, run_task
from ._trace import Candidate, Round, RunResult, RunUsage

__all__ = [
    "Budget",
    "Candidate",
    "OnRound",
    "Round",
    "RoundCheckpointer",
    "RunOptions",
    "RunResult",
    "RunStatus",
    "RunUsage",
    "run_task",
    "sqlite_checkpointer",
]
