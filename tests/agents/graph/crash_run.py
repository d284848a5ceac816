"""A run in its own process, for the crash-and-resume test: ``python crash_run.py BASE_URL DB RUN_ID``.

Prints ``round N`` after each completed round and ``RESULT <json>`` at the end.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from agents.graph import Round, RunOptions, run_task, sqlite_checkpointer
from agents.llm import LLMConfig, make_client
from domains import PlanningTask

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "blocksworld"


async def main(base_url: str, db: str, run_id: str) -> None:
    task = PlanningTask.from_files(CORPUS / "domain.pddl", CORPUS / "problem.pddl")
    config = LLMConfig(provider="openai", base_url=base_url, model="fake-model", timeout_s=120)

    def show(r: Round) -> None:
        print(f"round {r.number}", flush=True)

    async with make_client(config) as llm, sqlite_checkpointer(db) as checkpointer:
        result = await run_task(
            task, RunOptions(prompt_style="pddl", memory=False), llm=llm, checkpointer=checkpointer,
            run_id=run_id, on_round=show,
        )
    print("RESULT " + result.model_dump_json(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
