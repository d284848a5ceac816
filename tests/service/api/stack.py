"""The service as processes for tests and the benchmark: fake LLM, API (uvicorn) and arq workers, on the
machine's real PostgreSQL and Redis, isolated by a fresh schema and Redis key prefix that are dropped at the end.

The processes are started with the same commands docker-compose runs (``serve``, ``worker``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]
PG_URL = os.environ.get("MODULO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MODULO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLI = [sys.executable, "-m", "service.cli"]  # what the `modulo` script runs (pyproject: service.cli:app)
WORKER_ARGS = ["worker"]


def serve_args(host: str, port: int, *, embedded: bool = False) -> list[str]:
    """``modulo serve`` as the tests and docker-compose.yml run it."""
    return ["serve", "--host", host, "--port", str(port)] + (["--embedded"] if embedded else [])
KEYS = ("key-alice", "key-bob")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def services_available() -> bool:
    for port in (5432, 6379):
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return False
    return True


@dataclass
class Stack:
    tmp: Path
    llm_latency: float = 0.0
    default_round: int = 1
    job_timeout_s: float = 60
    extra_env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    api_url: str = ""
    llm_url: str = ""

    @property
    def schema(self) -> str:
        return f"t_{self.tag}"

    @property
    def prefix(self) -> str:
        return f"modulo-test-{self.tag}"

    @property
    def calls_log(self) -> Path:
        return self.tmp / "llm_calls.log"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "MODULO_API_KEYS": ",".join(KEYS),
            "MODULO_DATABASE_URL": PG_URL,
            "MODULO_DB_SCHEMA": self.schema,
            "MODULO_REDIS_URL": REDIS_URL,
            "MODULO_PREFIX": self.prefix,
            "MODULO_DATA_DIR": str(self.tmp / "data"),
            "MODULO_JOB_TIMEOUT_S": str(self.job_timeout_s),
            "MODULO_MAX_REQUEST_BYTES": "200000",
            "MODULO_LLM_PROVIDER": "openai",
            "MODULO_LLM_BASE_URL": self.llm_url,
            "MODULO_LLM_MODEL": "fake-model",
            "MODULO_LLM_API_KEY": "sk-test",
            **self.extra_env,
        }

    def start_llm(self) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.service.batch_fakes", "--log", str(self.calls_log),
             "--latency", str(self.llm_latency), "--default-round", str(self.default_round)],
            cwd=REPO, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        self.procs["llm"] = proc
        self.llm_url = f"http://127.0.0.1:{port}/v1"

    def _log(self, name: str) -> int:
        return os.open(self.tmp / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def start_api(self, *, embedded: bool = False) -> None:
        port = free_port()
        args = [*CLI, *serve_args("127.0.0.1", port, embedded=embedded)]
        log = self._log("api")
        self.procs["api"] = subprocess.Popen(args, cwd=REPO, env=self.env(), stdout=log, stderr=log)
        os.close(log)
        self.api_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/healthz", timeout=1).status_code == 200:
                    return
            if self.procs["api"].poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the API did not start: {(self.tmp / 'api.log').read_text()[-3000:]}")

    def start_worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        log = self._log(name)
        proc = subprocess.Popen([*CLI, *WORKER_ARGS], cwd=REPO, env=self.env(), stdout=log, stderr=log)
        os.close(log)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if name != "llm" else signal.SIGKILL)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
        self.procs.clear()
        self.cleanup()

    def cleanup(self) -> None:
        import psycopg
        import redis

        with contextlib.suppress(Exception), psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        client = redis.Redis.from_url(REDIS_URL)
        with contextlib.suppress(redis.ConnectionError):  # an embedded-mode test may run without Redis
            for pattern in (f"{self.prefix}*", f"arq:*{self.prefix}*"):
                keys = list(client.scan_iter(match=pattern, count=1000))
                if keys:
                    client.delete(*keys)
        client.close()

    def client(self, key: str = KEYS[0]) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def llm_calls(self) -> list[tuple[str, int]]:
        if not self.calls_log.exists():
            return []
        pairs = []
        for line in self.calls_log.read_text().splitlines():
            problem, _, number = line.rpartition(" ")
            pairs.append((problem, int(number)))
        return pairs


@contextlib.contextmanager
def running_stack(tmp: Path, *, workers: int = 1, embedded: bool = False, **kwargs: object) -> Iterator[Stack]:
    stack = Stack(tmp, **kwargs)  # type: ignore[arg-type]
    try:
        stack.start_llm()
        stack.start_api(embedded=embedded)
        for i in range(workers):
            stack.start_worker(f"worker{i}")
        yield stack
    finally:
        stack.stop()
