"""The service's settings, read once at the edge (``modulo serve`` / ``modulo worker``) from ``MODULO_*``.

Everything inward takes the typed :class:`ServiceSettings`; nothing below ``service/`` reads the environment.
Lists are comma-separated strings (``MODULO_API_KEYS=k1,k2``), so they read the same in a shell, a
``.env`` file and docker-compose.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


class ServiceSettings(BaseSettings):
    """Settings of the API and the workers (the LLM is configured apart, by ``MODULO_LLM_*``)."""

    model_config = SettingsConfigDict(env_prefix="MODULO_", extra="ignore", frozen=True)

    api_keys: str = Field(default="", description="comma-separated bearer keys accepted besides stored ones")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/modulo",
        description="PostgreSQL: run records, batches, keys and LangGraph checkpoints (service mode)",
    )
    db_schema: str = Field(default="modulo", pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="PostgreSQL schema")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", description="queue, progress events, lessons")
    prefix: str = Field(default="modulo", pattern=r"^[A-Za-z0-9_.:-]{1,64}$", description="Redis key prefix")
    data_dir: Path = Field(
        default=Path("~/.local/share/modulo/service"),
        description="embedded mode: records.sqlite, checkpoints.sqlite and lessons.sqlite",
    )
    max_request_bytes: int = Field(default=1_048_576, ge=1024, description="larger request bodies get 413")
    max_batch_runs: int = Field(default=10_000, ge=1)
    verifier_hosts: str = Field(
        default="127.0.0.1,localhost", description="comma-separated hosts HTTP verifiers may be registered on"
    )
    job_timeout_s: float = Field(
        default=3600, gt=0,
        description="longest one delivery of a run may execute; a longer run is checkpointed and queued again",
    )
    worker_lease_s: float = Field(
        default=30, ge=3,
        description="a worker renews its runs' claims this often (/3); a killed worker's runs are taken by "
        "another worker at most this long after it died",
    )
    sweep_interval_s: float = Field(
        default=30, gt=0, description="how often each worker queues again unfinished runs that lost their job"
    )
    worker_max_jobs: int = Field(default=200, ge=1, description="runs one worker process executes at once")
    embedded_concurrency: int = Field(default=64, ge=1, description="runs at once in embedded mode")
    docs_public: bool = Field(default=True, description="serve /docs and /openapi.json without a key")

    @property
    def keys(self) -> tuple[str, ...]:
        return _split(self.api_keys)

    @property
    def allowed_verifier_hosts(self) -> frozenset[str]:
        return frozenset(_split(self.verifier_hosts))

    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser()

    @property
    def queue_name(self) -> str:
        return f"{self.prefix}:queue"
