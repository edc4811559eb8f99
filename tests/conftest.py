from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "instances"


@pytest.fixture
def tiny_path() -> Path:
    return INSTANCES / "tiny.yaml"


@pytest.fixture
def melbourne_path() -> Path:
    return INSTANCES / "melbourne-cbd.yaml"


# Property tests are derandomised by default, so a run is reproducible (the same examples every time, in CI and
# locally); HYPOTHESIS_PROFILE=explore draws new examples (500 per test that does not set its own number).
from hypothesis import settings  # noqa: E402

settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500, print_blob=True)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "default"))
