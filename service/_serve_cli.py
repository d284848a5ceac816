"""``modulo serve``, ``modulo worker`` and ``modulo keys create`` (settings from ``MODULO_*``)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

keys_app = typer.Typer(no_args_is_help=True, help="API keys for the REST service.")


def serve(
    embedded: Annotated[bool, typer.Option(help="in-process runs on SQLite (no Redis, PostgreSQL, worker)")] = False,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the REST API (OpenAPI at /docs).  Without --embedded, runs go to `modulo worker`s via Redis."""
    import uvicorn

    from ._settings import ServiceSettings
    from .api import create_app

    settings = ServiceSettings()
    if not settings.keys:
        typer.echo("note: MODULO_API_KEYS is empty; only keys made with `modulo keys create` are accepted", err=True)
    uvicorn.run(create_app(settings, embedded=embedded), host=host, port=port, log_level="warning")


def worker() -> None:
    """Execute queued runs (arq on Redis; start as many as you like, on any machine)."""
    from ._settings import ServiceSettings
    from ._worker import run_worker

    run_worker(ServiceSettings())


@keys_app.command("create")
def create_key(
    namespace: Annotated[str | None, typer.Option(help="its namespace (runs, lessons); default: new")] = None,
    embedded: Annotated[bool, typer.Option(help="store it in the embedded SQLite records")] = False,
) -> None:
    """Make an API key; it is printed once and stored only as a hash."""
    import secrets

    from ._keys import hash_key, new_key
    from ._records import RecordStore
    from ._settings import ServiceSettings

    key = new_key()
    space = namespace or "ns-" + secrets.token_hex(6)

    async def store() -> None:
        async with RecordStore.for_settings(ServiceSettings(), embedded=embedded) as records:
            await records.add_key(hash_key(key), space)

    asyncio.run(store())
    typer.echo(key)
    typer.echo(f"namespace: {space}", err=True)

