"""The compose ``llm`` service's own command (``docker/llm_entrypoint.py``: llama.cpp serving the embedded
model) behind a real API and worker, with the LLM settings docker-compose.yml gives them.  Docker cannot run
here; this is the part of the compose file the other service tests (a fake LLM) leave out."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from domains import extract_plan, get_domain
from tests.local_model import needs_local_model
from verifiers import validate

from .stack import REPO, free_port, running_stack, services_available
from .test_api import wait_finished

_DEFAULT = re.compile(r"\$\{\w+:-(.*)\}")


def compose_llm_settings() -> dict[str, str]:
    """The ``MODULO_LLM_*`` variables compose gives the api and workers, with their defaults filled in."""
    env = yaml.safe_load((REPO / "docker-compose.yml").read_text())["x-modulo-env"]
    settings = {}
    for name, value in env.items():
        if name.startswith("MODULO_LLM_"):
            default = _DEFAULT.fullmatch(str(value))
            settings[name] = default.group(1) if default else str(value)
    return settings


def wait_serving(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the llm service exited: {log.read_text()[-3000:]}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"the llm service did not start: {log.read_text()[-3000:]}")


@pytest.mark.real_llm
@pytest.mark.slow
@needs_local_model
def test_the_compose_llm_service_answers_a_workers_runs(tmp_path: Path) -> None:
    if not services_available():
        pytest.skip("needs PostgreSQL and Redis")
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path / "llm-service.log"
    env = {**os.environ, "MODEL_DIR": str(tmp_path / "models"), "HOST": "127.0.0.1", "PORT": str(port),
           "N_CTX": "4096"}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, str(REPO / "docker" / "llm_entrypoint.py")], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_serving(url, server, log)
        settings = compose_llm_settings()
        assert settings["MODULO_LLM_PROVIDER"] == "openai"
        extra_env = {**settings, "MODULO_LLM_BASE_URL": url}
        with running_stack(tmp_path, workers=1, extra_env=extra_env) as stack, stack.client() as client:
            created = client.post("/v1/runs", json={
                "domain": "blocksworld", "instance": "instance-1", "max_rounds": 2, "prompt_style": "pddl",
                "constrained": True, "max_tokens": 120, "temperature": 0.0, "memory": False,
            })
            assert created.status_code == 201, created.text
            view = wait_finished(client, created.json()["id"], timeout=300)
            result = client.get(f"/v1/runs/{view['id']}").json()["result"]
        assert view["status"] in ("solved", "unsolved"), view
        assert result["rounds"], result
        for round_ in result["rounds"]:
            assert round_["completion_tokens"] > 0 and round_["llm_latency_s"] > 0, round_
            # the compose settings send the task's grammar: every answer is a plan of the domain's actions
            for candidate in round_["candidates"]:
                assert candidate["plan"]["steps"] and not candidate["unreadable"], round_["answers"]
        if view["status"] == "solved":  # the one promise, through the whole stack
            task = get_domain("blocksworld").task("instance-1")
            assert validate(task, extract_plan("\n".join(view["plan"]), task).plan).valid
        assert server.poll() is None, f"the llm service died serving the run: {log.read_text()[-3000:]}"
    finally:
        server.kill()
        server.wait(10)
