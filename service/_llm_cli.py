"""``modulo llm …``: check the configured LLM (mounted as ``app.add_typer(llm_app, name="llm")``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from agents.llm import ChatMessage, CompletionResult, LLMConfig, LLMSettings, make_client
from domains import ModuloError

llm_app = typer.Typer(help="Check the LLM Modulo talks to.", no_args_is_help=True)

_CHAT_PING = [ChatMessage.user("Reply with the single word: pong")]
_BASE_PING = "The capital of France is"  # base models continue text rather than follow instructions


@llm_app.callback()
def _group() -> None:
    """LLM providers: OpenAI-compatible servers, Anthropic, or the embedded local model (the default)."""


@llm_app.command()
def ping(
    provider: Annotated[
        str | None, typer.Option(help="local | openai | anthropic (default: MODULO_LLM_PROVIDER, else local)")
    ] = None,
    model: Annotated[str | None, typer.Option(help="model name (default: MODULO_LLM_MODEL)")] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="server URL, e.g. http://localhost:11434/v1 (default: MODULO_LLM_BASE_URL)"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML file with an \\[llm] table", exists=True, dir_okay=False),
    ] = None,
) -> None:
    """Send one short completion and print the model, latency and tokens.  The key comes from the env only."""
    try:
        settings = LLMSettings.load(config, provider=provider, model=model, base_url=base_url)
        if settings.provider == "local":
            typer.echo("Starting the embedded local model (first start assembles its file; no key needed)…")
        result = asyncio.run(_ping(settings.config()))
    except ModuloError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    usage = result.usage
    cost = "unknown (no price configured)" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    typer.echo(f"provider:   {result.provider}")
    typer.echo(f"model:      {result.model}")
    typer.echo(f"latency:    {result.latency_s * 1000:.0f} ms")
    typer.echo(f"tokens:     {usage.prompt_tokens} prompt + {usage.completion_tokens} completion")
    typer.echo(f"cost:       {cost}")
    typer.echo(f"answer:     {result.completions[0].text.strip()[:80]!r}")


async def _ping(config: LLMConfig) -> CompletionResult:
    plain = config.provider == "local" or config.endpoint == "completions"
    async with make_client(config) as llm:
        return await llm.complete(_BASE_PING if plain else _CHAT_PING, max_tokens=8, temperature=0.0)
