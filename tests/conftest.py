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


# CI runs the property tests derandomized, so a green run is reproducible; locally they explore new examples.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, print_blob=True)
if __import__("os").environ.get("CI"):
    settings.load_profile("ci")
