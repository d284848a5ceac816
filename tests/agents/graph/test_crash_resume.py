"""A run SIGKILLed mid-run resumes from its SQLite checkpoints, and completed rounds are not paid twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.graph import RunResult
from tests.fakes import FakeLLM, Reply

from .conftest import BAD_HAND, GOOD, SHORT

REPO = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("crash_run.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def start(base_url: str, db: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), base_url, str(db), "crash-1"], stdout=subprocess.PIPE, text=True, env=env,
        cwd=REPO,
    )


def test_a_killed_run_resumes_after_its_last_completed_round(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    # rounds 1-2 answer at once; round 3's answer never arrives before the kill; then round 3 again, round 4
    script = [SHORT, BAD_HAND, Reply(SHORT, delay_s=60), SHORT, GOOD]
    with FakeLLM(script=script) as fake:
        first = start(fake.base_url, db)
        try:
            assert first.stdout is not None
            assert [first.stdout.readline().strip() for _ in range(2)] == ["round 1", "round 2"]
            deadline = time.monotonic() + 30
            while fake.calls < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert fake.calls == 3  # round 3's call is in flight
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait(10)
            if first.stdout is not None:
                first.stdout.close()
        assert first.returncode == -signal.SIGKILL

        second = start(fake.base_url, db)
        out, _ = second.communicate(timeout=120)
        assert second.returncode == 0, out
        lines = out.splitlines()
        assert lines[:2] == ["round 3", "round 4"]
        result = RunResult.model_validate_json(lines[-1].removeprefix("RESULT "))
        # 3 calls before the kill + round 3 asked again (it never completed) + round 4; a rerun from
        # scratch would have made 3 + 4
        assert fake.calls == 5
    assert (result.status, result.solved_round) == ("solved", 4)
    assert [r.answers[0] for r in result.rounds] == [SHORT, BAD_HAND, SHORT, GOOD]
    assert result.usage.llm_calls == 4
