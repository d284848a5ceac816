"""The loop against the scripted fake LLM over real HTTP: feedback, budgets, garbage, errors, candidates, memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from agents.graph import Budget, Round, RunOptions, RunResult, run_task
from agents.llm import LLMClient, LLMConfig, ModelPrice, make_client
from agents.memory import SqliteLessonStore
from domains import Plan, PlanningTask, UsageError
from tests.fakes import FakeLLM, Fault, Reply
from verifiers import PDDLValidator, Verdict

from .conftest import BAD_HAND, GOOD, SHORT

PDDL = RunOptions(prompt_style="pddl", memory=False)


def last_user(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


def fixer(bad: str, told: str) -> Callable[[dict[str, Any]], str]:
    """A proposer that answers ``bad`` until its last message contains ``told``, then the valid plan."""
    return lambda request: GOOD if told in last_user(request) else bad


# -- feedback ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granularity", "told", "absent"),
    [
        ("binary", "The plan is not valid.", "(on c a)"),
        ("first", "After the plan, the goal (on c a) does not hold.", "(on b d)"),
        ("all", "After the plan, the goal (on b d) does not hold.", "no such text"),
    ],
)
async def test_a_known_error_is_fixed_when_told(
    granularity: str, told: str, absent: str, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.respond = fixer(SHORT, told)
    result = await run_task(corpus_task, PDDL.model_copy(update={"feedback": granularity}), llm=llm)
    assert result.status == "solved"
    assert result.solved_round == 2
    assert fake_llm.calls == 2
    back_prompt = result.rounds[1].messages[-1].content
    assert told in back_prompt and absent not in back_prompt
    assert back_prompt.endswith("[PLAN]")
    assert result.plan is not None and result.plan.to_pddl() == GOOD.strip()


async def test_the_back_prompt_names_the_unmet_precondition(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.respond = fixer(BAD_HAND, "it needs: (handempty)")
    result = await run_task(corpus_task, PDDL.model_copy(update={"feedback": "first"}), llm=llm)
    assert (result.status, result.solved_round) == ("solved", 2)
    sent = fake_llm.requests[1].json["messages"][-1]["content"]
    assert "Step 2, (unstack a b), is not executable; it needs: (handempty)." in sent
    assert result.rounds[0].feedback is not None and "(handempty)" in result.rounds[0].feedback


async def test_nl_feedback_speaks_the_domain_language(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.respond = fixer(BAD_HAND, "needs: the hand is empty")
    result = await run_task(corpus_task, RunOptions(prompt_style="nl", memory=False), llm=llm)
    assert (result.status, result.solved_round) == ("solved", 2)
    assert "unstack the red block from on top of the blue block" in result.rounds[1].messages[-1].content


async def test_claiming_success_changes_nothing(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    fake_llm.respond = lambda _: "I have verified this plan carefully. It is valid and optimal.\n" + BAD_HAND
    result = await run_task(corpus_task, PDDL.model_copy(update={"max_rounds": 4}), llm=llm)
    assert result.status == "unsolved"
    assert result.reason == "no valid plan in 4 rounds"
    assert len(result.rounds) == 4 and fake_llm.calls == 4
    assert result.plan is None and result.solved_round is None
    assert all(not c.valid for r in result.rounds for c in r.candidates)


# -- answers that are not plans, and failures ----------------------------------------------------------------


async def test_syntax_garbage_becomes_a_critique(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    garbage = "Here is my plan:\n1. (unstack d c\n2. frobnicate the thing\n3. ((("
    fake_llm.set_script([garbage, GOOD])
    result = await run_task(corpus_task, PDDL.model_copy(update={"feedback": "first"}), llm=llm)
    assert (result.status, result.solved_round) == ("solved", 2)
    first = result.rounds[0]
    assert first.candidates[0].plan.steps == ()
    kinds = [v.kind for verdict in first.candidates[0].verdicts for v in verdict.violations]
    assert kinds[0] == "syntax"
    assert first.feedback is not None and "No plan could be read from the answer" in first.feedback
    assert "No plan could be read" in result.rounds[1].messages[-1].content


async def test_an_unreadable_line_inside_a_plan_is_reported(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script(["(unstack d c)\n(put-down d\n(unstack a b)\n", GOOD])
    result = await run_task(corpus_task, PDDL, llm=llm)
    assert result.status == "solved"
    first = result.rounds[0]
    assert first.candidates[0].unreadable
    assert first.feedback is not None and "cannot read" in first.feedback


async def test_an_empty_answer_is_a_critique_not_a_crash(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script(["", GOOD])
    result = await run_task(corpus_task, PDDL, llm=llm)
    assert (result.status, result.solved_round) == ("solved", 2)


async def test_a_provider_failure_ends_the_run_with_an_error(
    fake_llm: FakeLLM, llm_config: Callable[..., LLMConfig], corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([SHORT, Fault.server_error(503), Fault.server_error(503)])
    async with make_client(llm_config(max_attempts=2)) as llm:
        result = await run_task(corpus_task, PDDL, llm=llm)
    assert result.status == "error"
    assert "round 2, LLM call" in result.reason and "503" in result.reason
    assert len(result.rounds) == 1 and result.plan is None


async def test_a_verifier_without_hard_verdicts_is_refused(llm: LLMClient, corpus_task: PlanningTask) -> None:
    class Soft:
        name = "soft"
        hard = False
        supports: ClassVar[frozenset[str]] = frozenset()

        async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
            return Verdict(verifier="soft", hard=False, valid=True)

    with pytest.raises(UsageError, match="hard verifier"):
        await run_task(corpus_task, PDDL, llm=llm, verifiers=[Soft()])


# -- budgets -------------------------------------------------------------------------------------------------


async def test_the_round_budget_stops_the_run(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    fake_llm.respond = lambda _: SHORT
    result = await run_task(corpus_task, PDDL.model_copy(update={"max_rounds": 2}), llm=llm)
    assert (result.status, len(result.rounds), fake_llm.calls) == ("unsolved", 2, 2)


async def test_the_token_budget_stops_the_run(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    fake_llm.respond = lambda _: Reply(SHORT, prompt_tokens=600, completion_tokens=100)
    options = PDDL.model_copy(update={"budget": Budget(max_tokens=1500)})
    result = await run_task(corpus_task, options, llm=llm)
    assert result.status == "unsolved"
    assert result.reason == "token budget of 1500 spent (2100 tokens) after round 3"
    assert fake_llm.calls == 3 and result.usage.total_tokens == 2100


async def test_the_cost_budget_stops_the_run(
    fake_llm: FakeLLM, llm_config: Callable[..., LLMConfig], corpus_task: PlanningTask
) -> None:
    fake_llm.respond = lambda _: Reply(SHORT, prompt_tokens=1_000_000, completion_tokens=0)
    prices = {"fake-model": ModelPrice(input_per_mtok=1.0, output_per_mtok=2.0)}
    options = PDDL.model_copy(update={"budget": Budget(max_cost_usd=1.5)})
    async with make_client(llm_config(prices=prices)) as llm:
        result = await run_task(corpus_task, options, llm=llm)
    assert result.status == "unsolved" and result.reason.startswith("cost budget of $1.5 spent")
    assert fake_llm.calls == 2 and result.usage.cost_usd == pytest.approx(2.0)


async def test_the_time_budget_cuts_a_slow_call(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    fake_llm.set_script([SHORT, Reply(GOOD, delay_s=5.0)])
    started = time.perf_counter()
    result = await run_task(corpus_task, PDDL.model_copy(update={"budget": Budget(max_seconds=0.5)}), llm=llm)
    assert time.perf_counter() - started < 2.0
    assert result.status == "unsolved" and result.reason.startswith("time budget of 0.5 s spent during round 2")
    assert len(result.rounds) == 1


async def test_a_round_that_finds_a_valid_plan_counts_even_past_the_budget(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([Reply(GOOD, prompt_tokens=5000)])
    result = await run_task(corpus_task, PDDL.model_copy(update={"budget": Budget(max_tokens=10)}), llm=llm)
    assert result.status == "solved"


# -- candidates ----------------------------------------------------------------------------------------------


async def test_a_valid_candidate_among_n_ends_the_run(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([BAD_HAND, GOOD, SHORT])
    result = await run_task(corpus_task, PDDL.model_copy(update={"samples_per_round": 3}), llm=llm)
    assert (result.status, result.solved_round, fake_llm.calls) == ("solved", 1, 1)
    assert fake_llm.requests[0].json["n"] == 3
    only = result.rounds[0]
    assert only.chosen == 1 and [c.valid for c in only.candidates] == [False, True, False]


async def test_the_lowest_energy_candidate_is_back_prompted(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    # BAD_HAND breaks at step 2 (energy 2 goals + 1 + 1/3); SHORT runs through and misses 2 goals (energy 2)
    fake_llm.set_script([BAD_HAND, SHORT, "nothing", GOOD])
    result = await run_task(corpus_task, PDDL.model_copy(update={"samples_per_round": 3}), llm=llm)
    first = result.rounds[0]
    assert first.chosen == 1
    assert sorted(range(3), key=lambda i: first.candidates[i].energy) == [1, 0, 2]
    second = fake_llm.requests[1].json["messages"]
    assert second[1] == {"role": "assistant", "content": SHORT}
    assert "(on c a)" in second[2]["content"]


async def test_candidates_are_verified_concurrently_by_every_verifier(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    class Slow:
        supports: ClassVar[frozenset[str]] = frozenset({":strips"})

        def __init__(self, name: str) -> None:
            self.name, self.hard, self.seen = name, True, 0

        async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
            self.seen += 1
            await asyncio.sleep(0.3)
            verdict = await PDDLValidator().verify(task, plan)
            return verdict.model_copy(update={"verifier": self.name})

    slow = [Slow("one"), Slow("two")]
    fake_llm.set_script([SHORT, BAD_HAND, SHORT])
    options = PDDL.model_copy(update={"samples_per_round": 3, "max_rounds": 1})
    result = await run_task(corpus_task, options, llm=llm, verifiers=slow)
    assert [s.seen for s in slow] == [3, 3]
    assert result.rounds[0].latency_s < 0.3 * 2  # six 0.3 s verifications took about one
    assert {v.verifier for v in result.rounds[0].candidates[0].verdicts} == {"one", "two"}


# -- history and trace ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("history", "sent"), [("full", 5), ("last", 3)])
async def test_history_full_or_last(
    history: str, sent: int, fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([SHORT, BAD_HAND, GOOD])
    result = await run_task(corpus_task, PDDL.model_copy(update={"history": history}), llm=llm)
    third = result.rounds[2].messages
    assert len(third) == sent
    assert third[0].content == result.rounds[0].messages[0].content  # the original prompt is always first
    assert third[-2].content == BAD_HAND and "(handempty)" in third[-1].content


async def test_the_trace_records_every_round_and_round_trips_as_json(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    seen: list[Round] = []

    async def on_round(r: Round) -> None:
        seen.append(r)

    fake_llm.set_script(
        [Reply(SHORT, prompt_tokens=10, completion_tokens=4), Reply(GOOD, prompt_tokens=20, completion_tokens=8)]
    )
    options = PDDL.model_copy(update={"system_prompt": "You are a planner.", "temperature": 0.3})
    result = await run_task(corpus_task, options, llm=llm, run_id="trace-1", on_round=on_round)
    assert [r.number for r in seen] == [1, 2] and list(result.rounds) == seen
    assert result.run_id == "trace-1" and result.domain == "blocksworld-4ops" and result.problem == "bw-corpus"
    first = result.rounds[0]
    assert first.messages[0].role == "system" and first.answers == (SHORT,)
    assert (first.prompt_tokens, first.completion_tokens, first.chosen) == (10, 4, 0)
    assert first.candidates[0].verdicts[0].verifier and first.latency_s >= first.llm_latency_s > 0
    assert fake_llm.requests[0].json["temperature"] == 0.3
    assert result.usage.llm_calls == 2 and result.usage.total_tokens == 42
    assert result.started_at is not None and result.finished_at is not None
    assert RunResult.model_validate_json(result.model_dump_json()) == result


async def test_constrained_decoding_sends_the_task_grammar(
    fake_llm: FakeLLM, llm_config: Callable[..., LLMConfig], corpus_task: PlanningTask
) -> None:
    fake_llm.set_script([GOOD])
    async with make_client(llm_config(grammar_format="llama.cpp")) as llm:
        result = await run_task(corpus_task, PDDL.model_copy(update={"constrained": True}), llm=llm)
    assert result.status == "solved"
    grammar = fake_llm.requests[0].json["grammar"]
    assert '"unstack"' in grammar and "[PLAN END]" in grammar


# -- cancellation --------------------------------------------------------------------------------------------


async def test_cancel_between_rounds(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    cancel = asyncio.Event()
    fake_llm.respond = lambda _: SHORT
    result = await run_task(corpus_task, PDDL, llm=llm, cancel=cancel, on_round=lambda r: cancel.set())
    assert (result.status, result.reason, fake_llm.calls) == ("cancelled", "cancelled after round 1", 1)


async def test_cancel_abandons_a_call_in_flight(fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask) -> None:
    cancel = asyncio.Event()
    fake_llm.set_script([Reply(GOOD, delay_s=5.0)])
    asyncio.get_running_loop().call_later(0.2, cancel.set)
    started = time.perf_counter()
    result = await run_task(corpus_task, PDDL, llm=llm, cancel=cancel)
    assert time.perf_counter() - started < 2.0
    assert (result.status, result.reason) == ("cancelled", "cancelled during round 1")


# -- memory --------------------------------------------------------------------------------------------------


async def test_a_rule_learnt_on_one_problem_is_shown_for_the_next(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    other = PlanningTask(
        domain_pddl=corpus_task.domain_pddl,
        problem_pddl="(define (problem other) (:domain blocksworld-4ops) (:objects a b) "
        "(:init (handempty) (ontable a) (ontable b) (clear a) (clear b)) (:goal (on a b)))",
    )
    options = PDDL.model_copy(update={"memory": True, "namespace": "team-a"})
    async with SqliteLessonStore(":memory:") as store:
        fake_llm.set_script([BAD_HAND, GOOD])
        first = await run_task(corpus_task, options, llm=llm, store=store)
        assert first.status == "solved" and not first.lessons_used
        learnt = {x.kind: x for x in first.lessons_learned}
        assert "Before `unstack ?ob ?underob`, (handempty) must hold." in learnt["rule"].text
        assert learnt["exemplar"].plan == GOOD.split("\n")[:-1]

        fake_llm.set_script(["(pick-up a)\n(stack a b)\n"])
        second = await run_task(other, options, llm=llm, store=store)
        prompt = fake_llm.requests[-1].json["messages"][0]["content"]
        assert "[LESSONS]" in prompt and "(handempty) must hold" in prompt
        assert {x.id for x in second.lessons_used} == {x.id for x in first.lessons_learned}

        fake_llm.set_script(["(pick-up a)\n(stack a b)\n"])
        elsewhere = await run_task(other, options.model_copy(update={"namespace": "team-b"}), llm=llm, store=store)
        assert "[LESSONS]" not in fake_llm.requests[-1].json["messages"][0]["content"]
        assert not elsewhere.lessons_used

        rewarded = await store.get("team-a", learnt["rule"].id)
        assert rewarded is not None and rewarded.uses == 1 and rewarded.score > learnt["rule"].score


async def test_memory_off_neither_recalls_nor_learns(
    fake_llm: FakeLLM, llm: LLMClient, corpus_task: PlanningTask
) -> None:
    async with SqliteLessonStore(":memory:") as store:
        fake_llm.set_script([BAD_HAND, GOOD])
        result = await run_task(corpus_task, PDDL, llm=llm, store=store)
        assert result.status == "solved" and not result.lessons_learned
        assert await store.list("default") == []
