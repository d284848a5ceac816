"""The REST API (FastAPI) under ``/v1``: runs, batches, domains, lessons, verifiers, ``/metrics``.

    app = create_app(ServiceSettings(), embedded=True)   # uvicorn.run(app) — or `modulo serve`

``create_app`` is imported on first use: the worker imports this package's event bus without the web app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ._app import create_app

        return create_app
    raise AttributeError(name)
