"""Importing a benchmark folder laid out like PlanBench's ``domains/``.

::

    <folder>/<domain>/domain.pddl
    <folder>/<domain>/instances/<set>/*.pddl      (one instance set per subfolder; other files ignored)

A domain whose folder name is a shipped domain (or an alias such as PlanBench's ``blocksworld_hard``) gets
that domain's natural-language renderer, provided its action names are the shipped ones; any other
domain gets the generic PDDL renderer.
"""

from __future__ import annotations

import re
from pathlib import Path

from ._domain import Domain, Renderer
from ._errors import UsageError
from ._reading import declared_name
from ._registry import shipped_renderer
from ._render import GenericRenderer

_ACTION_NAME = re.compile(r"\(\s*:action\s+([^\s()]+)", re.IGNORECASE)


def load_benchmark(path: str | Path) -> dict[str, Domain]:
    """Every domain in a benchmark folder, by folder name, in name order.

    Raises :class:`UsageError` if the folder does not exist or holds no ``<domain>/domain.pddl``.
    """
    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"Benchmark folder {str(root)!r} does not exist or is not a folder.")
    domains: dict[str, Domain] = {}
    for folder in sorted(p for p in root.iterdir() if (p / "domain.pddl").is_file()):
        domain_pddl = (folder / "domain.pddl").read_text()
        instances = folder / "instances"
        sets = {}
        if instances.is_dir():
            sets = {d.name: d for d in sorted(instances.iterdir()) if d.is_dir() and any(d.glob("*.pddl"))}
        domains[folder.name] = Domain(
            name=folder.name,
            description=f"Imported from {folder} (PDDL domain {declared_name(domain_pddl) or '?'})",
            domain_pddl=domain_pddl,
            instance_dirs=sets,
            renderer=_renderer(folder.name, domain_pddl),
        )
    if not domains:
        raise UsageError(
            f"No domains found in {str(root)!r}: expected subfolders with a domain.pddl "
            "(and instances/<set>/*.pddl), as in PlanBench's domains/ folder."
        )
    return domains


def _renderer(name: str, domain_pddl: str) -> Renderer:
    """The shipped renderer for a known domain name whose actions it knows, else the generic renderer."""
    renderer = shipped_renderer(name.lower())
    actions = {a.lower() for a in _ACTION_NAME.findall(re.sub(r";[^\n]*", "", domain_pddl))}
    if renderer is not None and actions and actions <= renderer.action_names:
        return renderer
    return GenericRenderer(domain_pddl, name)
