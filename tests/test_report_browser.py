"""The report renders in headless Chromium and shows something: the screenshot is not blank."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from lbopt.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _headless(tmp_path) -> list[str]:
    """Chromium headless, with the flags that keep it off this machine's closed network and its own profile."""
    return [
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
    ]


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
        *_headless(tmp_path),
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


#: appended to a copy of a report: records every element that reaches past the page's width, and every scrolling
#: container whose content is wider than it (a horizontal scrollbar), in the body's data-overflow attribute
_MEASURE = """<script>
(function(){
  var W = document.documentElement.clientWidth, bad = [];
  if (document.documentElement.scrollWidth > W) bad.push('page ' + document.documentElement.scrollWidth);
  document.querySelectorAll('body *').forEach(function(el){
    var st = getComputedStyle(el);
    if ((st.overflowX === 'auto' || st.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1)
      bad.push(el.tagName + ' scrolls ' + el.scrollWidth + '>' + el.clientWidth);
    if (el.getBoundingClientRect().right > W + 1) bad.push(el.tagName + ' ends at ' + el.getBoundingClientRect().right);
  });
  document.body.setAttribute('data-overflow', bad.slice(0, 5).join('; ') || 'none');
})();
</script>"""


def _overflow(report, width: int, tmp_path) -> str:
    page = tmp_path / f"measure-{width}.html"
    page.write_text(report.read_text() + _MEASURE)
    cmd = [
        *_headless(tmp_path),
        f"--window-size={width},1200",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False).stdout
    found = re.search(r'data-overflow="([^"]*)"', dom)
    assert found, "Chromium ran no script"
    return html.unescape(found.group(1))


def _families(tmp_path) -> dict[str, object]:
    """A report of every family: a single method, each comparison family, validation, a handover run, a study."""
    from lbopt import compare, report, solve, validate
    from lbopt.scenarios import hetnet, vgala_layout, zou16
    from lbopt.scenarios.mr_day import breathing_area

    net = hetnet(rings=1, busy_cells=2, busy_users=20, seed=5)
    zou = zou16(80, seed=1)
    day = breathing_area(12, users_peak=600, seed=3)
    out = {
        "max-rsrp": report(solve(net, "max-rsrp"), tmp_path / "a"),
        "loads comparison": report(compare(net, ["none", "mlb", "oslb"], reference="ua-opt"), tmp_path / "b"),
        "association comparison": report(compare(vgala_layout(seed=2, grid_m=100.0), ["vgala", "la"]), tmp_path / "c"),
        "validation": report(validate(zou), tmp_path / "d"),
        "handover": report(solve(zou, "zou-greedy", steps=20), tmp_path / "e"),
        "pilot-power comparison": report(compare(day, ["bdba", "bfdba"]), tmp_path / "f"),
    }
    runner = CliRunner()
    assert runner.invoke(main, ["reproduce", "zou", "--seeds", "1", "--out", str(tmp_path / "g")]).exit_code == 0
    assert runner.invoke(main, ["report", str(tmp_path / "g")]).exit_code == 0
    out["reproduction"] = tmp_path / "g" / "report.html"
    return out


@pytest.mark.browser
def test_every_report_family_fits_a4_and_a_wide_screen_and_opens_with_its_verdict(tmp_path):
    """At A4 width (794 px, 96 dpi) and at 1400 px no element reaches past the page and no table scrolls sideways;
    comparisons and reproductions open with their verdict."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    for family, path in _families(tmp_path).items():
        for width in (794, 1400):
            assert _overflow(path, width, tmp_path) == "none", (family, width)
        first = re.search(r"<h2 id='[^']+'>([^<]*)</h2>", path.read_text()).group(1)
        if "comparison" in family or family in ("reproduction", "validation"):
            assert first.startswith("Verdict"), (family, first)
