"""The REST API (FastAPI) under ``/v1``: runs, batches, domains, lessons, verifiers, ``/metrics``.

    app = create_app(ServiceSettings(), embedded=True)   # uvicorn.run(app) — or `modulo serve`
"""

from ._app import create_app

__all__ = ["create_app"]
