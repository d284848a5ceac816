"""``modulo keys create`` and ``modulo serve --embedded`` as a user runs them: real processes, the key printed
once, then used against a real uvicorn server (embedded: SQLite, in-process runs; distributed: PostgreSQL,
Redis and a worker)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .stack import CLI, KEYS, REPO, Stack, running_stack, services_available
from .test_api import RUN, wait_finished


def create_key(stack: Stack, *extra: str) -> tuple[str, str]:
    """Run ``modulo keys create``; returns (the key, the namespace it reported)."""
    done = subprocess.run([*CLI, "keys", "create", *extra], cwd=REPO, env=stack.env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("mod_") and len(key) > 40
    namespace = done.stderr.strip().rpartition("namespace: ")[2]
    return key, namespace


def check_key_owns_its_runs(stack: Stack, key: str) -> None:
    with stack.client(key) as mine, stack.client(KEYS[0]) as other, stack.client("mod_not-a-key") as wrong:
        assert wrong.get("/v1/domains").status_code == 401
        created = mine.post("/v1/runs", json=RUN)
        assert created.status_code == 201, created.text
        view = wait_finished(mine, created.json()["id"])
        assert view["status"] == "solved" and view["plan"]
        assert other.get(f"/v1/runs/{view['id']}").status_code == 404
        assert mine.get(f"/v1/runs/{view['id']}").json()["status"] == "solved"


def test_serve_embedded_with_a_created_key(tmp_path: Path) -> None:
    stack = Stack(tmp_path, default_round=2)
    try:
        stack.start_llm()
        key, namespace = create_key(stack, "--embedded", "--namespace", "team-a")
        assert namespace == "team-a"
        assert key not in (tmp_path / "data" / "records.sqlite").read_bytes().decode("latin-1")  # stored hashed
        stack.start_api(embedded=True)
        check_key_owns_its_runs(stack, key)
    finally:
        stack.stop()


def test_distributed_service_with_a_created_key(tmp_path: Path) -> None:
    if not services_available():
        pytest.skip("needs PostgreSQL and Redis")
    with running_stack(tmp_path, workers=1, default_round=2) as stack:
        key, namespace = create_key(stack)
        assert namespace.startswith("ns-")
        check_key_owns_its_runs(stack, key)
        second, other_namespace = create_key(stack)
        assert second != key and other_namespace != namespace
