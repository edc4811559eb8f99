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
