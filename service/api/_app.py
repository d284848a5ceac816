"""The FastAPI application: lifespan (records, events, executor), input limits and error answers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents.llm import LLMSettings
from domains import ModuloError

from .._settings import ServiceSettings
from .._worker import open_runtime
from . import _batches, _misc, _runs
from ._backend import Backend, EmbeddedBackend, QueueBackend
from ._deps import make_state, require_key
from ._tasks import PDDLProblem

log = logging.getLogger("modulo.api")


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a request body over ``limit`` bytes, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit, send)
            return
        seen = 0
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not exceeded:  # the app's answer to a body cut short (FastAPI says 400) is replaced by 413
                await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded:
            await _too_large(self.limit, send)


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse({"detail": f"The request body is over {limit} bytes."}, status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(
    settings: ServiceSettings, *, embedded: bool = False, llm_settings: LLMSettings | None = None
) -> FastAPI:
    """The API; ``embedded`` runs everything in-process on SQLite, else runs go to the arq queue."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, embedded=embedded, llm_settings=llm_settings) as runtime:
            backend: Backend = EmbeddedBackend(runtime) if embedded else QueueBackend(runtime, settings)
            app.state.modulo = make_state(settings, runtime, backend)
            await backend.start()
            try:
                yield
            finally:
                await backend.aclose()

    public_docs = settings.docs_public
    app = FastAPI(
        title="Modulo",
        summary="LLM-Modulo planning: an LLM proposes plans, sound verifiers check them.",
        version="1",
        lifespan=lifespan,
        docs_url="/docs" if public_docs else None,
        openapi_url="/openapi.json" if public_docs else None,
        redoc_url=None,
    )
    if not public_docs:
        _keyed_docs(app)
    app.include_router(_misc.router)
    app.include_router(_runs.router)
    app.include_router(_batches.router)
    _error_answers(app)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    return app


def _keyed_docs(app: FastAPI) -> None:
    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_key)])
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(require_key)])
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Modulo")


def _error_answers(app: FastAPI) -> None:
    @app.exception_handler(PDDLProblem)
    async def pddl(request: Request, exc: PDDLProblem) -> JSONResponse:
        error = exc.error
        prefix = f"{exc.name}: " if exc.name else ""
        return JSONResponse(
            {"detail": prefix + str(error), "file": error.source, "line": error.line, "reason": error.reason},
            status_code=422,
        )

    @app.exception_handler(ModuloError)
    async def usage(request: Request, exc: ModuloError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
