"""Finding verifiers by name: built-ins and plug-ins from the ``modulo.verifiers`` entry-point group."""

from __future__ import annotations

import difflib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from domains import UsageError

from ._protocol import Verifier

ENTRY_POINT_GROUP = "modulo.verifiers"


class VerifierLoadError(UsageError):
    """A verifier plug-in is registered but cannot be loaded or built; names it and the cause."""


def available_verifiers() -> dict[str, EntryPoint]:
    """Every verifier registered in the ``modulo.verifiers`` group, by name (Modulo's own included)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_verifier(name: str, **config: Any) -> Verifier:
    """Build the verifier registered as ``name`` with ``config`` as keyword arguments.

    An unknown name gets a "Did you mean" suggestion; a plug-in that fails to import or to build is an
    error naming it and the cause, never silently skipped.
    """
    registered = available_verifiers()
    if name not in registered:
        close = difflib.get_close_matches(name, registered, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"Unknown verifier {name!r}.{hint} Registered: {', '.join(sorted(registered)) or 'none'}")
    try:
        factory = registered[name].load()
    except Exception as exc:
        raise VerifierLoadError(
            f"Verifier plug-in {name!r} ({registered[name].value}) failed to import: {exc!r}"
        ) from exc
    try:
        verifier = factory(**config)
    except UsageError:
        raise
    except Exception as exc:
        raise VerifierLoadError(f"Verifier plug-in {name!r} could not be built with {config}: {exc!r}") from exc
    if not isinstance(verifier, Verifier):
        raise VerifierLoadError(
            f"Verifier plug-in {name!r} built a {type(verifier).__name__}, which lacks name/hard/supports/verify"
        )
    return verifier
