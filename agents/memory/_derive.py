"""Lessons derived from verifier verdicts: rules from a failed candidate, an exemplar from a solved task.

Only hard verdicts count: what the LLM says about its own plan never becomes a lesson.  Everything here is
deterministic (same task and critique, same lessons) apart from the timestamps, which the store sets.
"""

from __future__ import annotations

from domains import Plan, PlanningTask, TaskModel
from verifiers import Critique, Violation

from ._features import task_features
from ._lesson import Lesson
from ._lifting import generic_literal, lift, parse_literal, parse_step, signature


def _label(task: PlanningTask, instance: str) -> str:
    # PlanBench problems all share names like BW-rand-3, so an unnamed instance is identified by its content.
    return instance or f"task {task.content_hash[:12]}"


class _Rules:
    """Collects rules by key, so a rule found twice in one critique (say by two hard verifiers) is one lesson."""

    def __init__(self, task: PlanningTask, namespace: str, label: str) -> None:
        self.task = task
        self.model: TaskModel = task.model()
        self.namespace = namespace
        self.label = label
        self.found: dict[str, Lesson] = {}

    def add(self, key: str, text: str, evidence: str) -> None:
        existing = self.found.get(key)
        if existing is not None:
            if evidence not in existing.evidence:
                self.found[key] = existing.model_copy(update={"evidence": [*existing.evidence, evidence]})
            return
        self.found[key] = Lesson(
            namespace=self.namespace, domain=self.task.domain_name, kind="rule", key=key, text=text,
            evidence=[evidence],
        )

    def violation(self, v: Violation) -> None:
        if v.kind == "goal":
            self._goal(v)
            return
        step = parse_step(v.action or "")
        if step is None:
            return  # a violation that does not name its step cannot be lifted to a schema
        name, args = step
        where = f"{self.label}: step {v.step} {v.action}"
        schema = self.model.actions.get(name)
        if v.kind == "unknown_action" and schema is None:
            actions = ", ".join(f"`{a}`" for a in sorted(self.model.actions))
            self.add(f"rule:unknown_action:{name}", f"There is no action `{name}`; the actions are: {actions}.",
                     f"{where}: no such action")
        elif schema is None:
            return
        elif v.kind == "wrong_arity":
            count = f"{schema.arity} argument{'s' if schema.arity != 1 else ''}" if schema.arity else "no arguments"
            params = f" ({' '.join(f'?{p}' for p in schema.params)})" if schema.params else ""
            self.add(f"rule:arity:{name}", f"`{name}` takes {count}{params}.", f"{where}: {len(args)} given")
        elif v.kind == "type_mismatch":
            typed = ", ".join(f"?{p} - {t}" for p, t in zip(schema.params, schema.param_types, strict=True))
            self.add(f"rule:types:{name}", f"`{name}` takes {typed}.", f"{where}: {v.message}")
        elif v.kind == "precondition" and len(args) == schema.arity:
            for literal in v.missing:
                parsed = parse_literal(literal)
                if parsed is None:
                    continue
                lifted = lift(schema, args, *parsed)
                self.add(f"rule:precondition:{name}:{lifted}", f"Before `{signature(schema)}`, {lifted} must hold.",
                         f"{where}: {literal} did not hold")
        # unknown_object is specific to one problem's objects; syntax, constraint, timeout and error say
        # nothing about the domain: none of them makes a rule that would carry over to another problem.

    def _goal(self, v: Violation) -> None:
        for literal in v.missing:
            parsed = parse_literal(literal)
            if parsed is None:
                continue
            general = generic_literal(*parsed)
            self.add(
                f"rule:goal:{general}",
                f"Check every goal literal holds after the last step; plans often stop early with {general} unmet.",
                f"{self.label}: after the last step: goal {literal} did not hold",
            )


def rules_from_critique(task: PlanningTask, critique: Critique, namespace: str, instance: str = "") -> list[Lesson]:
    """Rules from the hard verdicts' violations of a failed candidate, lifted to the domain's action schemas.

    A precondition violation of step ``(unstack a b)`` missing ``(clear a)`` becomes
    "Before `unstack ?ob ?underob`, (clear ?ob) must hold." with the failing step as evidence; unknown
    actions, wrong arity and type errors become rules about the domain's actions; unmet goal literals a
    reminder to check the goal, keyed by predicate.  A valid critique teaches nothing here.
    """
    if critique.valid:
        return []
    rules = _Rules(task, namespace, _label(task, instance))
    for verdict in critique.verdicts:
        if verdict.hard:
            for violation in verdict.violations:
                rules.violation(violation)
    return list(rules.found.values())


def _atom_text(atom: tuple[str, ...], negated: bool = False) -> str:
    text = "(" + " ".join(atom) + ")"
    return f"(not {text})" if negated else text


def problem_statement(model: TaskModel) -> str:
    """The objects, initial state and goal of a task, compactly in PDDL, sorted for stable prompts."""
    objects = " ".join(name if kind == "object" else f"{name} - {kind}" for name, kind in sorted(model.objects.items()))
    init = " ".join(_atom_text(a) for a in sorted(model.init))
    goal = " ".join([*(_atom_text(a) for a in model.goal_pos), *(_atom_text(a, True) for a in model.goal_neg)])
    return f"Objects: {objects}\nInitial state: {init}\nGoal: {goal}"


def exemplar_from_solution(task: PlanningTask, plan: Plan, namespace: str, instance: str = "") -> Lesson:
    """An exemplar of a solved task: its problem statement and plan, keyed by the task's content hash.

    Call it only with a plan every hard verifier accepted; like rules, exemplars come from verdicts.
    """
    lines = [step.to_pddl() for step in plan.steps]
    text = problem_statement(task.model()) + "\nPlan:\n" + ("\n".join(lines) if lines else "(the empty plan)")
    return Lesson(
        namespace=namespace, domain=task.domain_name, kind="exemplar", key=f"exemplar:{task.content_hash}",
        text=text, evidence=[f"{_label(task, instance)}: solved with {len(lines)} steps"],
        features=task_features(task), plan=lines,
    )
