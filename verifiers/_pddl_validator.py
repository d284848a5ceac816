"""The default hard verifier: a sound sequential plan validator on the compiled task.

Semantics follow VAL for the supported fragment: steps are applied in order; a step is executable when
its action exists, the arity and argument types match, every positive precondition holds and every
negative one does not; effects delete before they add; after the last step every goal literal must hold.
Validation stops at the first step that cannot be executed (as VAL does) and reports *all* of that
step's unmet preconditions; a fully executed plan reports *each* unmet goal literal separately.

Energy (0 for a valid plan, larger the further from valid)::

    energy = unmet_goal_literals(state after the longest executable prefix)
           + (1 + unexecuted_steps / plan_length   if a step fails, else 0)

so a fully executable plan that misses one goal literal scores 1, and a plan that breaks early scores more
than the same plan breaking late.
"""

from __future__ import annotations

from typing import ClassVar

from domains import Atom, Plan, PlanningTask, TaskModel
from domains._model import SUPPORTED_REQUIREMENTS, ActionSchema

from ._verdict import Verdict, Violation


def atom_text(atom: Atom, negated: bool = False) -> str:
    text = "(" + " ".join(atom) + ")"
    return f"(not {text})" if negated else text


def _equality_failures(schema: ActionSchema, args: tuple[str, ...]) -> list[str]:
    def value(term: int | str) -> str:
        return args[term] if isinstance(term, int) else term

    missing = []
    for left, right in schema.equal:
        if value(left) != value(right):
            missing.append(f"(= {value(left)} {value(right)})")
    for left, right in schema.not_equal:
        if value(left) == value(right):
            missing.append(f"(not (= {value(left)} {value(right)}))")
    return missing


def _step_violation(
    model: TaskModel, index: int, action: str, args: tuple[str, ...], state: set[Atom]
) -> Violation | None:
    """Why step ``index`` cannot be executed in ``state``, or ``None`` if it can."""
    shown = "(" + " ".join((action, *args)) + ")"
    schema = model.actions.get(action)
    if schema is None:
        known = ", ".join(sorted(model.actions))
        return Violation(
            kind="unknown_action",
            step=index,
            action=shown,
            message=f"there is no action '{action}' in domain {model.domain_name or '?'} (actions: {known})",
        )
    if len(args) != schema.arity:
        return Violation(
            kind="wrong_arity",
            step=index,
            action=shown,
            message=f"'{action}' takes {schema.arity} argument(s) ({' '.join('?' + p for p in schema.params)}), "
            f"got {len(args)}",
        )
    unknown = [a for a in args if a not in model.object_types]
    if unknown:
        return Violation(
            kind="unknown_object",
            step=index,
            action=shown,
            message=f"unknown object(s) {', '.join(unknown)} (objects: {', '.join(sorted(model.objects))})",
        )
    wrong_types = [
        f"{arg} is a {model.objects[arg]}, but ?{param} must be a {ptype}"
        for arg, param, ptype in zip(args, schema.params, schema.param_types, strict=True)
        if ptype not in model.object_types[arg]
    ]
    if wrong_types:
        return Violation(kind="type_mismatch", step=index, action=shown, message="; ".join(wrong_types))
    missing = [atom_text(a) for a in schema.ground_pre_pos(args) if a not in state]
    missing += [atom_text(a, negated=True) for a in schema.ground_pre_neg(args) if a in state]
    missing += _equality_failures(schema, args)
    if missing:
        return Violation(
            kind="precondition",
            step=index,
            action=shown,
            missing=tuple(missing),
            message=f"step {index} {shown} is not executable: unmet precondition(s) {', '.join(missing)}",
        )
    return None


def _unmet_goals(model: TaskModel, state: set[Atom]) -> list[str]:
    unmet = [atom_text(a) for a in model.goal_pos if a not in state]
    unmet += [atom_text(a, negated=True) for a in model.goal_neg if a in state]
    return unmet


def validate(task: PlanningTask, plan: Plan, verifier_name: str = "pddl") -> Verdict:
    """Validate ``plan`` for ``task``.  Raises only :class:`PDDLError` / unsupported errors for the task itself."""
    model = task.model()
    state = set(model.init)
    steps = plan.steps
    for index, step in enumerate(steps, start=1):
        action = step.action.lower()
        args = tuple(a.lower() for a in step.args)
        schema = model.actions.get(action)
        # Fast path: the common, well-formed step needs no Violation construction.
        if (
            schema is not None
            and len(args) == schema.arity
            and all(a in model.object_types for a in args)
            and all(t in model.object_types[a] for a, t in zip(args, schema.param_types, strict=True))
            and all(a in state for a in schema.ground_pre_pos(args))
            and not any(a in state for a in schema.ground_pre_neg(args))
            and not ((schema.equal or schema.not_equal) and _equality_failures(schema, args))
        ):
            state.difference_update(schema.ground_delete(args))
            state.update(schema.ground_add(args))
            continue
        violation = _step_violation(model, index, action, args, state)
        assert violation is not None, "the fast path accepts exactly the steps _step_violation accepts"
        unexecuted = len(steps) - index + 1
        energy = len(_unmet_goals(model, state)) + 1 + unexecuted / len(steps)
        return Verdict(verifier=verifier_name, hard=True, valid=False, violations=(violation,), energy=energy)
    unmet = _unmet_goals(model, state)
    if unmet:
        violations = tuple(
            Violation(kind="goal", missing=(literal,), message=f"goal {literal} does not hold after the plan")
            for literal in unmet
        )
        return Verdict(verifier=verifier_name, hard=True, valid=False, violations=violations, energy=float(len(unmet)))
    return Verdict(verifier=verifier_name, hard=True, valid=True, energy=0.0)


class PDDLValidator:
    """Modulo's own sound PDDL plan validator (hard).  See the module docstring for the semantics."""

    name = "pddl"
    hard = True
    supports: ClassVar[frozenset[str]] = SUPPORTED_REQUIREMENTS

    def check(self, task: PlanningTask, plan: Plan) -> Verdict:
        """Synchronous form of :meth:`verify`, for bulk validation."""
        return validate(task, plan, self.name)

    async def verify(self, task: PlanningTask, plan: Plan) -> Verdict:
        return validate(task, plan, self.name)
