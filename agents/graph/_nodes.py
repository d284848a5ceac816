"""The nodes of the loop: recall → propose → extract → verify → decide → (back-prompt → propose)* → learn.

Each node reads the state, does one job and returns only the keys it changes; the graph checkpoints after
every node, so a node's output (above all ``propose``'s paid-for LLM answers) is never recomputed on
resume.  Nodes turn run failures (an LLM provider down after its retries, a lessons store that cannot be
used, a verifier service failing) into the ``error`` status; misuse (bad options or PDDL) raises.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from agents.llm import ChatMessage, CompletionResult, LLMClient
from agents.memory import (
    Lesson,
    LessonStore,
    exemplar_from_solution,
    format_lessons,
    rules_from_critique,
    task_features,
)
from agents.prompts import Exchange, back_prompt, conversation, task_prompt
from domains import Extraction, Plan, PlanningTask, Renderer, RunFailure, extract_plan
from verifiers import Critique, Verdict, Verifier, Violation, syntax_verdict

from ._options import RunOptions
from ._state import Json, LoopState
from ._trace import Candidate, Round, RunUsage

log = logging.getLogger("modulo.loop")

NO_PLAN_ENERGY = 2.0
"""Energy added to an answer with no readable step: more than any readable plan's failing-step penalty
(at most 2), so a real attempt is always preferred for the back-prompt."""


@dataclass(frozen=True)
class Deps:
    """What the nodes use besides the state (not checkpointed: given again on resume)."""

    task: PlanningTask
    options: RunOptions
    llm: LLMClient
    verifiers: Sequence[Verifier]
    renderer: Renderer
    store: LessonStore | None = None
    grammar: str | None = None
    cancel: asyncio.Event | None = None


def now() -> str:
    return datetime.now(UTC).isoformat()


def _usage(state: LoopState) -> RunUsage:
    return RunUsage.model_validate(state.get("usage") or {})


def _rounds(state: LoopState) -> list[Round]:
    return [Round.model_validate(r) for r in state.get("rounds") or ()]


def _messages(state: LoopState) -> list[ChatMessage]:
    return [ChatMessage.model_validate(m) for m in state.get("messages") or ()]


def _failed(exc: RunFailure, where: str, node: str) -> LoopState:
    log.warning("run failed in %s: %s", where, exc)
    return {"status": "error", "reason": f"{where}: {exc}", "failed_at": node}


class Nodes:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.options = deps.options

    # -- recall ---------------------------------------------------------------------------------------------

    async def recall(self, state: LoopState) -> LoopState:
        started = time.perf_counter()
        task, options = self.deps.task, self.options
        lessons: list[Lesson] = []
        if options.memory and self.deps.store is not None:
            try:
                lessons = await self.deps.store.recall(
                    options.namespace, task.domain_name, task_features(task), options.k_rules, options.k_exemplars
                )
            except RunFailure as exc:
                return _failed(exc, "recalling lessons", "recall")
        prompt = task_prompt(task, options.prompt_style, renderer=self.deps.renderer, lessons=format_lessons(lessons))
        messages = conversation(prompt, [], options.history, system=options.system_prompt)
        usage = _usage(state).model_copy(update={"seconds": time.perf_counter() - started})
        return {
            "prompt": prompt,
            "messages": [m.model_dump(mode="json") for m in messages],
            "lessons_used": [x.model_dump(mode="json") for x in lessons],
            "usage": usage.model_dump(mode="json"),
        }

    # -- propose --------------------------------------------------------------------------------------------

    async def propose(self, state: LoopState) -> LoopState:
        started = time.perf_counter()
        options = self.options
        number = len(state.get("rounds") or ()) + 1
        if self.deps.cancel is not None and self.deps.cancel.is_set():
            return {"status": "cancelled", "reason": f"cancelled after round {number - 1}"}
        messages = _messages(state)
        call = self.deps.llm.complete(
            messages,
            n=options.samples_per_round,
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            stop=list(options.stop) or None,
            grammar=self.deps.grammar,
        )
        budget = options.budget.max_seconds
        timeout = None if budget is None else max(0.0, budget - _usage(state).seconds)
        try:
            result = await self._race(call, timeout)
        except RunFailure as exc:
            return _failed(exc, f"round {number}, LLM call", "propose")
        except TimeoutError:
            return {"status": "unsolved", "reason": f"time budget of {budget:g} s spent during round {number}"}
        if result is None:
            return {"status": "cancelled", "reason": f"cancelled during round {number}"}
        answers = [c.text for c in result.completions] or [""]
        pending: Json = {
            "number": number,
            "messages": [m.model_dump(mode="json") for m in messages],
            "answers": answers,
            "prompt_tokens": result.usage.prompt_tokens,
            "completion_tokens": result.usage.completion_tokens,
            "cost_usd": result.cost_usd,
            "llm_latency_s": result.latency_s,
            "seconds": time.perf_counter() - started,
        }
        return {"pending": pending}

    async def _race(self, call: Any, timeout: float | None) -> CompletionResult | None:
        """The LLM call, cut by the time budget (``TimeoutError``) or by cancellation (``None``)."""
        cancel = self.deps.cancel
        if cancel is None:
            return await asyncio.wait_for(call, timeout) if timeout is not None else await call
        llm = asyncio.ensure_future(call)
        stop = asyncio.ensure_future(cancel.wait())
        try:
            done, _ = await asyncio.wait({llm, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if llm in done:
            return llm.result()
        llm.cancel()
        await asyncio.gather(llm, return_exceptions=True)
        if stop in done:
            return None
        raise TimeoutError

    # -- extract --------------------------------------------------------------------------------------------

    async def extract(self, state: LoopState) -> LoopState:
        started = time.perf_counter()
        pending = dict(state["pending"] or {})
        extractions = [extract_plan(text, self.deps.task, self.deps.renderer) for text in pending["answers"]]
        pending["extractions"] = [x.model_dump(mode="json") for x in extractions]
        pending["seconds"] += time.perf_counter() - started
        return {"pending": pending}

    # -- verify ---------------------------------------------------------------------------------------------

    async def verify(self, state: LoopState) -> LoopState:
        started = time.perf_counter()
        pending = dict(state["pending"] or {})
        extractions = [Extraction.model_validate(x) for x in pending["extractions"]]
        task, verifiers = self.deps.task, self.deps.verifiers
        try:
            # every candidate by every verifier, all at once
            verdicts = await asyncio.gather(*(v.verify(task, x.plan) for x in extractions for v in verifiers))
        except RunFailure as exc:
            return _failed(exc, f"round {pending['number']}, verification", "verify")
        candidates = []
        for index, extraction in enumerate(extractions):
            own = list(verdicts[index * len(verifiers) : (index + 1) * len(verifiers)])
            candidates.append(_candidate(index, extraction, own).model_dump(mode="json"))
        pending["candidates"] = candidates
        pending["seconds"] += time.perf_counter() - started
        return {"pending": pending}

    # -- decide ---------------------------------------------------------------------------------------------

    async def decide(self, state: LoopState) -> LoopState:
        started = time.perf_counter()
        options = self.options
        pending = state["pending"] or {}
        candidates = [Candidate.model_validate(c) for c in pending["candidates"]]
        valid = [c for c in candidates if c.valid]
        chosen = valid[0] if valid else min(candidates, key=lambda c: (c.energy, c.index))
        feedback = None
        if not chosen.valid:
            feedback = chosen.critique().feedback(options.feedback, options.critique_style, self.deps.renderer)
        seconds = pending["seconds"] + time.perf_counter() - started
        round_ = Round(
            number=pending["number"],
            messages=tuple(ChatMessage.model_validate(m) for m in pending["messages"]),
            answers=tuple(pending["answers"]),
            candidates=tuple(candidates),
            chosen=chosen.index,
            feedback=feedback,
            prompt_tokens=pending["prompt_tokens"],
            completion_tokens=pending["completion_tokens"],
            cost_usd=pending["cost_usd"],
            llm_latency_s=pending["llm_latency_s"],
            latency_s=seconds,
        )
        usage = _add_round(_usage(state), round_)
        update: LoopState = {
            "rounds": [*(state.get("rounds") or ()), round_.model_dump(mode="json")],
            "pending": None,
            "usage": usage.model_dump(mode="json"),
        }
        if chosen.valid:
            update |= {
                "status": "solved",
                "reason": f"every hard verifier accepted the plan of round {round_.number}",
                "plan": chosen.plan.model_dump(mode="json"),
            }
        elif self.deps.cancel is not None and self.deps.cancel.is_set():
            update |= {"status": "cancelled", "reason": f"cancelled after round {round_.number}"}
        elif round_.number >= options.max_rounds:
            update |= {"status": "unsolved", "reason": f"no valid plan in {options.max_rounds} rounds"}
        elif (spent := _budget_spent(options, usage)) is not None:
            update |= {"status": "unsolved", "reason": f"{spent} after round {round_.number}"}
        return update

    # -- back-prompt ----------------------------------------------------------------------------------------

    async def back_prompt(self, state: LoopState) -> LoopState:
        options = self.options
        exchanges = [  # from the stored dicts: validating every past Round each round would cost O(rounds²)
            Exchange(answer=r["answers"][r["chosen"]], back_prompt=back_prompt(r["feedback"], options.critique_style))
            for r in state.get("rounds") or ()
            if r.get("chosen") is not None and r.get("feedback") is not None
        ]
        messages = conversation(state["prompt"], exchanges, options.history, system=options.system_prompt)
        return {"messages": [m.model_dump(mode="json") for m in messages]}

    # -- learn ----------------------------------------------------------------------------------------------

    async def learn(self, state: LoopState) -> LoopState:
        update: LoopState = {"finished_at": now()}
        store, options = self.deps.store, self.options
        status = state.get("status")
        if store is None or not options.memory or status not in ("solved", "unsolved"):
            return update
        solved = status == "solved"
        task = self.deps.task
        instance = PurePath(task.problem_source).name if task.problem_source != "problem" else ""
        lessons: dict[str, Lesson] = {}
        for r in _rounds(state):
            best = r.best
            if best is not None and not best.valid:
                for lesson in rules_from_critique(task, best.critique(), options.namespace, instance):
                    lessons[lesson.id] = _merge(lessons.get(lesson.id), lesson)
        if solved and state.get("plan") is not None:
            plan = Plan.model_validate(state["plan"])
            exemplar = exemplar_from_solution(task, plan, options.namespace, instance)
            lessons[exemplar.id] = exemplar
        used = [str(x["id"]) for x in state.get("lessons_used") or ()]
        try:
            if used:
                await store.reward(options.namespace, used, solved)
            stored = [await store.add(lesson) for lesson in lessons.values()]
        except RunFailure as exc:
            log.warning("lessons not saved: %s", exc)
            return update | {"reason": f"{state.get('reason', '')}; lessons not saved: {exc}"}
        return update | {"lessons_learned": [x.model_dump(mode="json") for x in stored]}


def _merge(old: Lesson | None, new: Lesson) -> Lesson:
    """One lesson per id and run: a rule broken in several rounds is added once, with all its evidence."""
    if old is None:
        return new
    evidence = [*old.evidence, *(e for e in new.evidence if e not in old.evidence)]
    return old.model_copy(update={"evidence": evidence})


def _candidate(index: int, extraction: Extraction, verdicts: list[Verdict]) -> Candidate:
    plan = extraction.plan
    hard_valid = bool([v for v in verdicts if v.hard]) and all(v.valid for v in verdicts if v.hard)
    if not plan.steps and not hard_valid:
        # Nothing readable: say so first, whatever the validator says about the empty plan.
        unreadable = tuple(
            Violation(kind="syntax", step=u.line, message=f"cannot read {u.text.strip()!r}: {u.reason}")
            for u in extraction.unreadable
        )
        head = Violation(
            kind="syntax",
            message="No plan could be read from the answer; give one action per line.",
        )
        verdicts.insert(
            0, Verdict(verifier="extraction", hard=True, valid=False, violations=(head, *unreadable),
                       energy=NO_PLAN_ENERGY),
        )
    elif extraction.unreadable:
        verdicts.append(syntax_verdict(extraction))
    critique = Critique(plan=plan, verdicts=tuple(verdicts))
    return Candidate(
        index=index,
        plan=plan,
        unreadable=tuple(f"line {u.line}: {u.text.strip()} ({u.reason})" for u in extraction.unreadable),
        verdicts=critique.verdicts,
        valid=critique.valid,
        energy=critique.energy,
    )


def _add_round(usage: RunUsage, r: Round) -> RunUsage:
    return usage.model_copy(
        update={
            "llm_calls": usage.llm_calls + 1,
            "prompt_tokens": usage.prompt_tokens + r.prompt_tokens,
            "completion_tokens": usage.completion_tokens + r.completion_tokens,
            "total_tokens": usage.total_tokens + r.tokens,
            "cost_usd": usage.cost_usd + (r.cost_usd or 0.0),
            "unpriced_calls": usage.unpriced_calls + (r.cost_usd is None),
            "llm_seconds": usage.llm_seconds + r.llm_latency_s,
            "seconds": usage.seconds + r.latency_s,
        }
    )


def _budget_spent(options: RunOptions, usage: RunUsage) -> str | None:
    budget = options.budget
    if budget.max_tokens is not None and usage.total_tokens >= budget.max_tokens:
        return f"token budget of {budget.max_tokens} spent ({usage.total_tokens} tokens)"
    if budget.max_cost_usd is not None and usage.cost_usd >= budget.max_cost_usd:
        return f"cost budget of ${budget.max_cost_usd:g} spent (${usage.cost_usd:.4f})"
    if budget.max_seconds is not None and usage.seconds >= budget.max_seconds:
        return f"time budget of {budget.max_seconds:g} s spent ({usage.seconds:.1f} s)"
    return None
