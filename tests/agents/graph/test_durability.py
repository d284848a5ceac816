"""Checkpoints keyed by run id: a run interrupted mid-round resumes without paying for its LLM calls again.

Every test runs with each checkpoint kept (LangGraph's default) and with :class:`RoundCheckpointer` (one
checkpoint per round, what the service uses): the guarantees are the same."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from agents.graph import Round, RoundCheckpointer, RunOptions, run_task, sqlite_checkpointer
from agents.llm import LLMClient, LLMConfig, make_client
from domains import Plan, PlanningTask, UsageError
from tests.fakes import FakeLLM, Fault
from verifiers import PDDLValidator, Verdict

from .conftest import BAD_HAND, GOOD, SHORT

PDDL = RunOptions(prompt_style="pddl", memory=False)
Wrap = Callable[[BaseCheckpointSaver[Any]], BaseCheckpointSaver[Any]]


@pytest.fixture(params=["every step", "per round"])
def wrap(request: pytest.FixtureRequest) -> Wrap:
    if request.param == "per round":
        return RoundCheckpointer
    return lambda saver: saver


class PowerCut:
    """A hard verifier whose process 'dies' (an unexpected exception) on its ``at``-th call, once."""

    name = "pddl"
    hard = True
    supports: ClassVar[frozenset[str]] = PDDLValidator.supports

    def __init__(self, at: int) -> None:
        self.at, self.calls = at, 0

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        self.calls += 1
        if self.calls == self.at:
            raise RuntimeError("power cut")
        return await PDDLValidator().verify(task, plan)


async def test_a_run_dying_mid_round_resumes_without_asking_the_llm_again(
    wrap: Wrap, tmp_path: Path, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([SHORT, BAD_HAND, SHORT, GOOD])
    verifier = PowerCut(at=3)
    async with sqlite_checkpointer(tmp_path / "deep" / "runs.sqlite") as saver:
        checkpointer = wrap(saver)
        with pytest.raises(RuntimeError, match="power cut"):
            await run_task(corpus_task, PDDL, llm=llm, verifiers=[verifier], checkpointer=checkpointer, run_id="r1")
        assert fake_llm.calls == 3  # round 3's answer was received, then verification died
    async with sqlite_checkpointer(tmp_path / "deep" / "runs.sqlite") as saver:
        checkpointer = wrap(saver)
        result = await run_task(
            corpus_task, PDDL, llm=llm, verifiers=[verifier], checkpointer=checkpointer, run_id="r1"
        )
    assert (result.status, result.solved_round) == ("solved", 4)
    assert fake_llm.calls == 4  # round 3 was verified from its checkpointed answer, not asked again
    assert [r.answers[0] for r in result.rounds] == [SHORT, BAD_HAND, SHORT, GOOD]


class SlowWrites(InMemorySaver):
    """A saver whose writes take a while to store (a loaded database), as LangGraph stores them in the
    background while the next steps run."""

    async def aput_writes(self, *args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(0.2)
        await super().aput_writes(*args, **kwargs)


async def test_a_run_stopped_right_after_a_round_keeps_the_answers_it_received(
    wrap: Wrap, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([SHORT, BAD_HAND, GOOD])
    checkpointer = wrap(SlowWrites())

    def stop_after_round_2(round_: Round) -> None:
        if round_.number == 2:
            raise KeyboardInterrupt  # the user's Ctrl-C, between steps

    with pytest.raises(KeyboardInterrupt):
        await run_task(corpus_task, PDDL, llm=llm, checkpointer=checkpointer, run_id="ctrl-c",
                       on_round=stop_after_round_2)
    result = await run_task(corpus_task, PDDL, llm=llm, checkpointer=checkpointer, run_id="ctrl-c")
    assert (result.status, result.solved_round, fake_llm.calls) == ("solved", 3, 3)


async def test_a_finished_run_returns_its_result_without_running_again(
    wrap: Wrap, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    checkpointer = wrap(InMemorySaver())
    fake_llm.set_script([SHORT, GOOD])
    first = await run_task(corpus_task, PDDL, llm=llm, checkpointer=checkpointer, run_id="done")
    again = await run_task(corpus_task, PDDL, llm=llm, checkpointer=checkpointer, run_id="done")
    assert fake_llm.calls == 2
    assert again == first and again.status == "solved"


async def test_a_resumed_run_keeps_the_options_it_started_with(
    wrap: Wrap, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    checkpointer = wrap(InMemorySaver())
    fake_llm.set_script([SHORT, SHORT, SHORT])
    verifier = PowerCut(at=2)
    with pytest.raises(RuntimeError):
        await run_task(corpus_task, PDDL.model_copy(update={"max_rounds": 2}), llm=llm, verifiers=[verifier],
                       checkpointer=checkpointer, run_id="opts")
    result = await run_task(corpus_task, PDDL.model_copy(update={"max_rounds": 9}), llm=llm, verifiers=[verifier],
                            checkpointer=checkpointer, run_id="opts")
    assert result.options.max_rounds == 2
    assert (result.status, len(result.rounds), fake_llm.calls) == ("unsolved", 2, 2)


async def test_a_run_id_cannot_be_reused_for_another_task(
    wrap: Wrap, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    checkpointer = wrap(InMemorySaver())
    fake_llm.set_script([GOOD])
    await run_task(corpus_task, PDDL, llm=llm, checkpointer=checkpointer, run_id="mine")
    other = corpus_task.model_copy(update={"problem_pddl": corpus_task.problem_pddl.replace("bw-corpus", "bw-2")})
    with pytest.raises(UsageError, match="another task"):
        await run_task(other, PDDL, llm=llm, checkpointer=checkpointer, run_id="mine")


async def test_a_run_that_failed_on_the_provider_is_retried_from_the_failed_round(
    wrap: Wrap, fake_llm: FakeLLM, llm_config: Callable[..., LLMConfig], corpus_task: PlanningTask, tmp_path: Path
) -> None:
    fake_llm.set_script([SHORT, Fault.server_error(503), BAD_HAND, GOOD])
    async with make_client(llm_config(max_attempts=1)) as llm, sqlite_checkpointer(tmp_path / "r.sqlite") as plain:
        saver = wrap(plain)
        failed = await run_task(corpus_task, PDDL, llm=llm, checkpointer=saver, run_id="flaky")
        assert (failed.status, len(failed.rounds)) == ("error", 1)
        retried = await run_task(corpus_task, PDDL, llm=llm, checkpointer=saver, run_id="flaky")
    assert (retried.status, retried.solved_round) == ("solved", 3)
    assert [r.answers[0] for r in retried.rounds] == [SHORT, BAD_HAND, GOOD]
    assert fake_llm.calls == 4  # round 1 was not asked again


async def test_only_the_last_checkpoint_of_a_finished_run_is_kept(
    wrap: Wrap, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask, tmp_path: Path
) -> None:
    fake_llm.set_script([SHORT, GOOD, SHORT, GOOD])
    db = tmp_path / "runs.sqlite"
    async with sqlite_checkpointer(db) as plain:
        saver = wrap(plain)
        await run_task(corpus_task, PDDL, llm=llm, checkpointer=saver, run_id="lean")
        await run_task(corpus_task, PDDL, llm=llm, checkpointer=saver, run_id="fat", keep_checkpoints="all")
        again = await run_task(corpus_task, PDDL, llm=llm, checkpointer=saver, run_id="lean")
    assert again.status == "solved" and fake_llm.calls == 4
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id").fetchall())
    assert counts["lean"] == 1
    # all of a two-round run's 13 steps, or per round: the input, before each propose, the end
    assert counts["fat"] == (4 if isinstance(saver, RoundCheckpointer) else 13)


async def test_per_round_checkpoints_on_postgresql_resume_without_asking_again(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    """The service's saver: PostgreSQL stores channel values apart, by version, so the checkpoint kept after
    skipped steps must carry every channel they changed."""
    import uuid

    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row

    from tests.service.api.stack import PG_URL, services_available

    if not services_available():
        pytest.skip("needs PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        async with await psycopg.AsyncConnection.connect(
            PG_URL, autocommit=True, row_factory=dict_row, prepare_threshold=0, options=f"-c search_path={schema}"
        ) as conn:
            saver = AsyncPostgresSaver(conn)  # type: ignore[arg-type]
            await saver.setup()
            fake_llm.set_script([SHORT, BAD_HAND, SHORT, GOOD])
            verifier = PowerCut(at=3)
            with pytest.raises(RuntimeError, match="power cut"):
                await run_task(corpus_task, PDDL, llm=llm, verifiers=[verifier],
                               checkpointer=RoundCheckpointer(saver), run_id="pg")
            kept = await conn.execute("SELECT count(*) AS n FROM checkpoints WHERE thread_id = 'pg'")
            assert (await kept.fetchone())["n"] == 4  # the input and before each of the 3 proposals
            result = await run_task(corpus_task, PDDL, llm=llm, verifiers=[verifier],
                                    checkpointer=RoundCheckpointer(saver), run_id="pg", keep_checkpoints="all")
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert (result.status, result.solved_round, fake_llm.calls) == ("solved", 4, 4)
    assert [r.answers[0] for r in result.rounds] == [SHORT, BAD_HAND, SHORT, GOOD]
    assert [r.feedback is None for r in result.rounds] == [False, False, False, True]
