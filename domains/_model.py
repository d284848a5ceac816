"""The compiled form of a planning task that validation, rendering and grammars run on.

PDDL is read once by unified-planning's ``PDDLReader`` and compiled here into plain Python: a state is a
``set`` of ground atoms (tuples such as ``("on", "a", "b")``), and each action schema carries generated
functions that ground its preconditions and effects for a tuple of arguments.  This is what makes the
validator two orders of magnitude faster than simulating on unified-planning's expression trees.

These are frozen dataclasses rather than pydantic models: they are built once per task, never serialised,
and sit on the validator's hot path.

Supported: STRIPS, ``:typing`` (with type hierarchies and ``either``-free types), ``:negative-preconditions``,
``:equality``, constants.  Anything else (disjunctions, quantifiers, conditional effects, numeric fluents,
durative actions) raises :class:`UnsupportedPDDLError` naming the feature and where it occurs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import UnsupportedPDDLError

Atom = tuple[str, ...]
"""A ground atom: predicate first, then object names, all lower case: ``("on", "a", "b")``."""

Term = int | str
"""In a lifted atom, an ``int`` is the index of an action parameter and a ``str`` a constant."""

LiftedAtom = tuple[str, tuple[Term, ...]]

SUPPORTED_REQUIREMENTS = frozenset({":strips", ":typing", ":negative-preconditions", ":equality"})


@dataclass(frozen=True, slots=True)
class ActionSchema:
    """A lifted action with its preconditions and effects as lifted atoms."""

    name: str
    params: tuple[str, ...]
    param_types: tuple[str, ...]
    pre_pos: tuple[LiftedAtom, ...]
    pre_neg: tuple[LiftedAtom, ...]
    equal: tuple[tuple[Term, Term], ...]
    not_equal: tuple[tuple[Term, Term], ...]
    add: tuple[LiftedAtom, ...]
    delete: tuple[LiftedAtom, ...]
    ground_pre_pos: Callable[[tuple[str, ...]], tuple[Atom, ...]] = field(repr=False, compare=False)
    ground_pre_neg: Callable[[tuple[str, ...]], tuple[Atom, ...]] = field(repr=False, compare=False)
    ground_add: Callable[[tuple[str, ...]], tuple[Atom, ...]] = field(repr=False, compare=False)
    ground_delete: Callable[[tuple[str, ...]], tuple[Atom, ...]] = field(repr=False, compare=False)

    @property
    def arity(self) -> int:
        return len(self.params)

    def lifted_text(self, atom: LiftedAtom, negated: bool = False) -> str:
        """``("on", (0, 1))`` → ``(on ?ob ?underob)``, in the schema's own parameter names."""
        pred, terms = atom
        words = [pred] + [f"?{self.params[t]}" if isinstance(t, int) else t for t in terms]
        text = "(" + " ".join(words) + ")"
        return f"(not {text})" if negated else text


@dataclass(frozen=True, slots=True)
class TaskModel:
    """A planning task compiled for fast simulation."""

    domain_name: str
    problem_name: str
    requirements: tuple[str, ...]
    type_parents: Mapping[str, str | None]
    objects: Mapping[str, str]
    """Every object and constant, by name, with its declared type (``object`` when untyped)."""
    object_types: Mapping[str, frozenset[str]]
    """Each object's type and all its ancestors."""
    predicates: Mapping[str, tuple[str, ...]]
    actions: Mapping[str, ActionSchema]
    init: frozenset[Atom]
    goal_pos: tuple[Atom, ...]
    goal_neg: tuple[Atom, ...]

    def objects_of_type(self, type_name: str) -> list[str]:
        return sorted(o for o, types in self.object_types.items() if type_name in types)

    @property
    def constants_free_objects(self) -> list[str]:
        return sorted(self.objects)


def _grounder(atoms: tuple[LiftedAtom, ...]) -> Callable[[tuple[str, ...]], tuple[Atom, ...]]:
    """Generate ``lambda a: (("on", a[0], a[1]), ...)`` for a tuple of lifted atoms.

    Code generation keeps grounding to one tuple build per atom, with no per-term branching.
    """

    def term(t: Term) -> str:
        return f"a[{t}]" if isinstance(t, int) else repr(t)

    parts = []
    for pred, terms in atoms:
        inner = ", ".join([repr(pred), *(term(t) for t in terms)])
        parts.append(f"({inner},)")
    source = "lambda a: (" + "".join(p + ", " for p in parts) + ")"
    fn: Callable[[tuple[str, ...]], tuple[Atom, ...]] = eval(source)
    return fn


def _lower(name: str) -> str:
    return name.lower()


class _Compiler:
    """Walks unified-planning expressions of one problem into :class:`TaskModel` parts."""

    def __init__(self, problem: Any) -> None:
        self.problem = problem

    def _term(self, node: Any, params: dict[str, int], where: str) -> Term:
        if node.is_parameter_exp():
            return params[_lower(node.parameter().name)]
        if node.is_object_exp():
            return _lower(node.object().name)
        raise UnsupportedPDDLError(f"{where}: only parameters and objects may appear as arguments, got {node}")

    def _atom(self, node: Any, params: dict[str, int], where: str) -> LiftedAtom:
        name = _lower(node.fluent().name)
        return name, tuple(self._term(arg, params, where) for arg in node.args)

    def condition(self, node: Any, params: dict[str, int], where: str, out: dict[str, list[Any]]) -> None:
        """Split a conjunctive condition into positive/negative atoms and (in)equalities."""
        if node.is_and():
            for arg in node.args:
                self.condition(arg, params, where, out)
        elif node.is_bool_constant():
            if not node.bool_constant_value():
                raise UnsupportedPDDLError(f"{where}: the condition is the constant false")
        elif node.is_fluent_exp():
            out["pos"].append(self._atom(node, params, where))
        elif node.is_equals():
            out["eq"].append(tuple(self._term(a, params, where) for a in node.args))
        elif node.is_not() and node.arg(0).is_fluent_exp():
            out["neg"].append(self._atom(node.arg(0), params, where))
        elif node.is_not() and node.arg(0).is_equals():
            out["neq"].append(tuple(self._term(a, params, where) for a in node.arg(0).args))
        else:
            raise UnsupportedPDDLError(
                f"{where}: the condition {node} is not a conjunction of literals; Modulo's validator supports "
                "STRIPS, :typing, :negative-preconditions and :equality (no disjunctions, quantifiers or "
                "implications)"
            )

    def action(self, action: Any) -> ActionSchema:
        name = _lower(action.name)
        where = f"action {name}"
        if not hasattr(action, "preconditions") or not hasattr(action, "effects"):
            raise UnsupportedPDDLError(f"{where}: only instantaneous actions are supported (no durative actions)")
        params = {_lower(p.name): i for i, p in enumerate(action.parameters)}
        cond: dict[str, list[Any]] = {"pos": [], "neg": [], "eq": [], "neq": []}
        for pre in action.preconditions:
            self.condition(pre, params, where, cond)
        add: list[LiftedAtom] = []
        delete: list[LiftedAtom] = []
        for eff in action.effects:
            if eff.is_conditional() or (getattr(eff, "is_forall", lambda: False)() and eff.forall):
                raise UnsupportedPDDLError(f"{where}: conditional and universal effects are not supported")
            if not eff.fluent.is_fluent_exp() or not eff.value.is_bool_constant():
                raise UnsupportedPDDLError(f"{where}: only boolean STRIPS effects are supported, got {eff}")
            target = add if eff.value.bool_constant_value() else delete
            target.append(self._atom(eff.fluent, params, where))
        pre_pos, pre_neg, t_add, t_del = (tuple(x) for x in (cond["pos"], cond["neg"], add, delete))
        return ActionSchema(
            name=name,
            params=tuple(params),
            param_types=tuple(_lower(p.type.name) if p.type.is_user_type() else "object" for p in action.parameters),
            pre_pos=pre_pos,
            pre_neg=pre_neg,
            equal=tuple(cond["eq"]),
            not_equal=tuple(cond["neq"]),
            add=t_add,
            delete=t_del,
            ground_pre_pos=_grounder(pre_pos),
            ground_pre_neg=_grounder(pre_neg),
            ground_add=_grounder(t_add),
            ground_delete=_grounder(t_del),
        )

    def ground(self, node: Any, where: str) -> Atom:
        pred, terms = self._atom(node, {}, where)
        return (pred, *(str(t) for t in terms))

    def goal(self) -> tuple[tuple[Atom, ...], tuple[Atom, ...]]:
        cond: dict[str, list[Any]] = {"pos": [], "neg": [], "eq": [], "neq": []}
        for g in self.problem.goals:
            self.condition(g, {}, "the goal", cond)
        if cond["eq"] or cond["neq"]:
            raise UnsupportedPDDLError("the goal: equalities in goals are not supported")
        pos = tuple((p, *(str(t) for t in ts)) for p, ts in cond["pos"])
        neg = tuple((p, *(str(t) for t in ts)) for p, ts in cond["neg"])
        return pos, neg


def type_closure(type_name: str, type_parents: Mapping[str, str | None]) -> frozenset[str]:
    """A type and all its ancestors (always including ``object``)."""
    chain: set[str] = set()
    current: str | None = type_name
    while current is not None and current not in chain:
        chain.add(current)
        current = type_parents.get(current)
    chain.add("object")
    return frozenset(chain)


def compile_domain(problem: Any, requirements: tuple[str, ...], domain_name: str) -> TaskModel:
    """Compile the domain part of a unified-planning ``Problem`` (types, constants, predicates, actions).

    The result is a :class:`TaskModel` with no problem part yet (no objects beyond constants, empty init
    and goal); :func:`with_problem` completes it.
    """
    if problem.kind.has_continuous_numbers() or problem.kind.has_discrete_numbers():
        raise UnsupportedPDDLError("numeric fluents are not supported by Modulo's validator")
    compiler = _Compiler(problem)
    type_parents: dict[str, str | None] = {"object": None}
    for t in problem.user_types:
        father = t.father
        name = _lower(t.name)
        if name != "object":
            type_parents[name] = _lower(father.name) if father is not None else "object"
    objects = {
        _lower(obj.name): (_lower(obj.type.name) if obj.type.is_user_type() else "object")
        for obj in problem.all_objects
    }
    predicates = {
        _lower(f.name): tuple(_lower(p.type.name) if p.type.is_user_type() else "object" for p in f.signature)
        for f in problem.fluents
    }
    actions = {}
    for action in problem.actions:
        schema = compiler.action(action)
        actions[schema.name] = schema
    return TaskModel(
        domain_name=domain_name,
        problem_name="",
        requirements=requirements,
        type_parents=type_parents,
        objects=objects,
        object_types={o: type_closure(t, type_parents) for o, t in objects.items()},
        predicates=predicates,
        actions=actions,
        init=frozenset(),
        goal_pos=(),
        goal_neg=(),
    )


def with_problem(
    domain: TaskModel,
    problem_name: str,
    objects: Mapping[str, str],
    init: frozenset[Atom],
    goal_pos: tuple[Atom, ...],
    goal_neg: tuple[Atom, ...],
) -> TaskModel:
    """The domain model completed with a problem's objects (constants kept), initial state and goal."""
    all_objects = {**domain.objects, **objects}
    return TaskModel(
        domain_name=domain.domain_name,
        problem_name=problem_name,
        requirements=domain.requirements,
        type_parents=domain.type_parents,
        objects=all_objects,
        object_types={o: type_closure(t, domain.type_parents) for o, t in all_objects.items()},
        predicates=domain.predicates,
        actions=domain.actions,
        init=init,
        goal_pos=goal_pos,
        goal_neg=goal_neg,
    )


def compile_problem(problem: Any, domain: TaskModel) -> TaskModel:
    """Complete ``domain`` with the problem part of a unified-planning ``Problem`` (the slow, general path)."""
    compiler = _Compiler(problem)
    objects = {
        _lower(obj.name): (_lower(obj.type.name) if obj.type.is_user_type() else "object")
        for obj in problem.all_objects
    }
    init = set()
    for fluent, value in problem.explicit_initial_values.items():
        if value.is_bool_constant() and value.bool_constant_value():
            init.add(compiler.ground(fluent, "the initial state"))
    goal_pos, goal_neg = compiler.goal()
    return with_problem(domain, _lower(problem.name), objects, frozenset(init), goal_pos, goal_neg)
