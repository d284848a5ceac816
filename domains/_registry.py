"""The shipped domains by name, and the renderer that suits a task."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from . import _generators, _generators_transport
from ._domain import Domain, Generator, Renderer
from ._errors import UsageError
from ._generators import DATA, shipped_domain_pddl
from ._reading import declared_name
from ._render import (
    BlocksworldRenderer,
    DepotsRenderer,
    GenericRenderer,
    GripperRenderer,
    LogisticsRenderer,
    MysteryBlocksworldRenderer,
    PhraseRenderer,
)
from ._task import PlanningTask


@dataclass(frozen=True)
class _Spec:
    renderer: type[PhraseRenderer]
    generator: Generator
    description: str


_SPECS: dict[str, _Spec] = {
    "blocksworld": _Spec(
        BlocksworldRenderer,
        _generators.blocksworld,
        "Blocksworld with 4 operators (pick-up, put-down, stack, unstack), PlanBench-compatible.",
    ),
    "mystery_blocksworld": _Spec(
        MysteryBlocksworldRenderer,
        _generators.mystery_blocksworld,
        "Blocksworld with every name obfuscated (attack, feast, succumb, overcome), PlanBench-compatible.",
    ),
    "logistics": _Spec(
        LogisticsRenderer,
        _generators_transport.logistics,
        "Packages moved by trucks within cities and airplanes between airports, PlanBench-compatible.",
    ),
    "depots": _Spec(
        DepotsRenderer,
        _generators_transport.depots,
        "IPC-2002 Depots (STRIPS, typed): hoists, crates, pallets and trucks between depots and distributors.",
    ),
    "gripper": _Spec(
        GripperRenderer,
        _generators_transport.gripper,
        "IPC-1998 Gripper (typed): Robby carries balls between rooms with two grippers.",
    ),
}

ALIASES = {"mystery": "mystery_blocksworld", "depot": "depots", "bw": "blocksworld"}
"""Other names users give the shipped domains."""


@cache
def _shipped() -> dict[str, Domain]:
    domains = {}
    for name, spec in _SPECS.items():
        instances = DATA / name / "instances"
        dirs = {d.name: d for d in sorted(instances.iterdir()) if d.is_dir()} if instances.is_dir() else {}
        domains[name] = Domain(
            name=name,
            description=spec.description,
            domain_pddl=shipped_domain_pddl(name),
            instance_dirs=dirs,
            renderer=spec.renderer(),
            generator=spec.generator,
        )
    return domains


def shipped() -> dict[str, Domain]:
    """The domains that come with Modulo, by name (built once; the dict is a fresh copy)."""
    return dict(_shipped())


def get_domain(name: str) -> Domain:
    """A shipped domain by name; an unknown name raises :class:`UsageError` with the closest names."""
    domains = _shipped()
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in domains:
        return domains[key]
    close = difflib.get_close_matches(key, list(domains), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(f"Unknown domain {name!r}.{hint} Shipped domains: {', '.join(sorted(domains))}.")


def shipped_renderer(name: str) -> PhraseRenderer | None:
    """The renderer for a benchmark folder named after a shipped domain, or ``None``.

    The name may extend a shipped one ("blocksworld_hard", "logistics-large"): the longest match wins.
    """
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    matches = [n for n in _SPECS if key == n or key.startswith(n + "_")]
    return _SPECS[max(matches, key=len)].renderer() if matches else None


@cache
def _renderers_by_declared_name() -> dict[str, Renderer]:
    return {declared_name(d.domain_pddl): d.renderer for d in _shipped().values()}


def renderer_for_task(task: PlanningTask) -> Renderer:
    """The shipped renderer when the task's domain is declared under a shipped name, else the generic one."""
    renderer = _renderers_by_declared_name().get(task.domain_name)
    return renderer if renderer is not None else GenericRenderer(task.domain_pddl, task.domain_name)
