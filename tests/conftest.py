"""Shared fixtures: where PlanBench's data lives (beside the repository, read-only, never a runtime need)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLANBENCH = REPO.parent / "shared" / "planbench"


@pytest.fixture(scope="session")
def planbench() -> Path:
    if not (PLANBENCH / "domains").is_dir():
        pytest.skip(f"PlanBench data not found at {PLANBENCH}")
    return PLANBENCH
