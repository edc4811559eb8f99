"""The report renders in headless Chromium and shows something: the screenshot is not blank."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from lbopt.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
def test_report_screenshot_is_not_blank(tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    runner = CliRunner()
    inst = tmp_path / "h.yaml"
    out = tmp_path / "out"
    assert (
        runner.invoke(
            main, ["generate", "hetnet", "--rings", "1", "--seed", "1", "--serving", "macro-only", "--out", str(inst)]
        ).exit_code
        == 0
    )
    assert runner.invoke(main, ["solve", str(inst), "-m", "max-rsrp", "--out", str(out)]).exit_code == 0
    assert runner.invoke(main, ["report", str(out)]).exit_code == 0
    shot = tmp_path / "shot.png"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2000",
        f"--screenshot={shot}",
        (out / "report.html").resolve().as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "Chromium wrote no screenshot"
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)[..., :3]
    assert img.shape[0] >= 1000
    assert img.shape[1] >= 1000
    # a blank page is one colour; the report has text, a map and bars: many distinct colours, much non-white
    colours = np.unique((img.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    non_white = np.mean(img.min(axis=2) < 0.9)
    assert len(colours) > 50, len(colours)
    assert non_white > 0.03, non_white
