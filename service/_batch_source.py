"""What a batch runs: the items named by ``modulo batch SOURCE`` (a shipped domain, a generated set, or a
benchmark folder laid out like PlanBench's ``domains/``)."""

from __future__ import annotations

from pathlib import Path

from domains import Domain, UsageError, get_domain, load_benchmark

from ._batch import BatchItem

DEFAULT_GENERATED = 10


def resolve_source(
    source: str,
    *,
    n: int | None = None,
    instance_set: str | None = None,
    generate: bool = False,
    size: int = 3,
    seed: int = 0,
) -> tuple[str, list[BatchItem]]:
    """``(label, items)`` for a batch.  ``label`` names the source without ``n`` (a rerun with a larger
    ``n`` extends the same batch).

    * ``blocksworld``: a shipped domain's instances (``instance_set``, or every set);
    * ``blocksworld`` with ``generate``: ``n`` (default 10) seeded random tasks of ``size``, seeds
      ``seed``, ``seed + 1``, …;
    * ``path/to/domains:blocksworld`` or ``path/to/domains/blocksworld``: a benchmark domain folder
      (``domain.pddl`` + ``instances/<set>/*.pddl``).
    """
    if n is not None and n < 1:
        raise UsageError(f"--n must be at least 1, got {n}")
    domain, where = _domain(source)
    if generate:
        if instance_set is not None:
            raise UsageError("give --instance-set or --generate, not both")
        if where is not None:
            raise UsageError("--generate needs a shipped domain's name, not a folder")
        tasks = domain.generate(n or DEFAULT_GENERATED, seed=seed, size=size)
        return (
            f"{domain.name} generated size={size} seed={seed}",
            [BatchItem(instance=t.problem_name, task=t) for t in tasks],
        )
    sets = [instance_set] if instance_set else sorted(domain.instance_dirs)
    if not sets:
        hint = " Use --generate for random tasks." if domain.generator is not None else ""
        raise UsageError(f"Domain {domain.name!r} has no instance sets.{hint}")
    items = []
    for name in sets:
        for path in domain.instance_paths(name):
            items.append(BatchItem(instance=f"{name}/{path.stem}" if name else path.stem, task=domain.task(path)))
    if not items:
        raise UsageError(f"{source}: no problem files (*.pddl) in instance set(s) {', '.join(sets)}")
    label = f"{where or domain.name}" + (f" [{instance_set}]" if instance_set else "")
    return label, items[:n] if n else items


def _domain(source: str) -> tuple[Domain, str | None]:
    """The domain, and the folder it was read from (``None`` for a shipped domain).

    A bare name (no ``/``, no ``:``) is a shipped domain; write ``./name`` for a folder of that name."""
    if "/" not in source and ":" not in source:
        return get_domain(source), None
    folder, colon, name = source.rpartition(":")
    if not colon:
        folder, name = source, ""
    root = Path(folder).expanduser()
    if not name and (root / "domain.pddl").is_file():  # the folder of one domain
        root, name = root.parent, root.name
    found = load_benchmark(root)
    if not name:
        raise UsageError(
            f"{root} holds several domains: write {source.rstrip('/')}:NAME with NAME one of {', '.join(found)}"
        )
    if name not in found:
        raise UsageError(f"{root} has no domain folder {name!r} with a domain.pddl; it has: {', '.join(found)}")
    return found[name], str((root / name).resolve())
