"""The pooling page in a real browser: it opens clean, the animation plays in the browser
(the window, the winner's outline and the arithmetic move with no server round trip), and a
preset PyTorch refuses is explained and fixed with one click.

Debian's Chromium (never a downloaded one) against ``streamlit run app.py`` on a free local
port. The server and browser fixtures are local to this module until tests/e2e/conftest.py
provides shared ones.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run app.py`` on a free local port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start on {base}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        try:
            yield context.new_page()
        finally:
            context.close()


def _wait_idle(page) -> None:
    time.sleep(0.3)  # let a rerun that a click started reach the page
    page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)


def _open(page, server: str) -> None:
    page.goto(f"{server}/pooling", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


ANIMATION = ".js-plotly-plot"  # the pooling animation is the page's first chart

TRACE_XY = """(el, name) => {
    const t = el.data.find(d => d.name === name);
    return [Array.from(t.x), Array.from(t.y)];
}"""


STEP_TEXT = """el => {
    const texts = Array.from(el.querySelectorAll('.textpoint text'))
        .filter(t => t.textContent.startsWith('out['));
    if (texts.length !== 1) return `${texts.length} step texts`;
    const lines = texts[0].querySelectorAll('tspan.line');
    return lines.length ? Array.from(lines).map(l => l.textContent).join('\\n')
                        : texts[0].textContent;
}"""


def _step_text(page) -> str:
    """The arithmetic drawn above the chart (SVG text, lines joined by newlines)."""
    text = page.locator(ANIMATION).first.evaluate(STEP_TEXT)
    return text.replace("\u00a0", " ").strip()


def test_the_animation_plays_in_the_browser_and_the_winner_follows(server, browser_page):
    page = browser_page
    _open(page, server)
    _no_exception(page)
    page.get_by_text("Output: [[4, 5], [7, 8]]").wait_for(timeout=TIMEOUT_MS)
    chart = page.locator(ANIMATION).first
    chart.scroll_into_view_if_needed()
    assert _step_text(page) == "out[0, 0] = max(0, 1, 3, 4) = 4"
    x, y = chart.evaluate(TRACE_XY, "winner")
    assert (min(y) + max(y)) / 2 == pytest.approx(1) and (min(x) + max(x)) / 2 == pytest.approx(1)

    chart.locator(".updatemenu-button", has_text="▶ Play").click()
    deadline = time.monotonic() + 30
    while _step_text(page) != "out[1, 1] = max(4, 5, 7, 8) = 8":
        assert time.monotonic() < deadline, f"the animation stopped at {_step_text(page)!r}"
        time.sleep(0.2)
    time.sleep(0.5)
    x, y = chart.evaluate(TRACE_XY, "winner")
    assert (min(y) + max(y)) / 2 == pytest.approx(2) and (min(x) + max(x)) / 2 == pytest.approx(2)
    wx, wy = chart.evaluate(TRACE_XY, "window")
    assert (min(wx), max(wx), min(wy), max(wy)) == (0.5, 2.5, 0.5, 2.5)
    _no_exception(page)

    pixels = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=float)
    vermillion = (np.abs(pixels - [213, 94, 0]).sum(axis=-1) < 60).sum()
    assert vermillion > 50  # the winner's orange frame is really drawn
    # the grids are still there after playing (Plotly drops heatmaps in such animations)
    darkest_blue = (np.abs(pixels - [8, 48, 107]).sum(axis=-1) < 40).sum()
    assert darkest_blue > 1000  # input cell 8 and output cell 8, about 50×50 px each


def test_a_refused_preset_is_explained_and_fixed_in_one_click(server, browser_page):
    page = browser_page
    _open(page, server)
    page.get_by_role("button", name="Window (2, 3), padding (1, 2), stride (2, 3)").click()
    _wait_idle(page)
    alert = page.locator("[data-testid='stAlert']").filter(has_text="PyTorch refuses")
    alert.wait_for(timeout=TIMEOUT_MS)
    assert "padding 2 is more than half the 2×3 pooling window" in alert.inner_text()
    page.get_by_text("[[0, 3], [8, 11], [12, 15]]", exact=False).first.wait_for(
        timeout=TIMEOUT_MS)
    _no_exception(page)

    page.get_by_role("button", name="Use padding (1, 1)").click()
    _wait_idle(page)
    page.get_by_text("Output: [[1, 3], [9, 11], [13, 15]]").wait_for(timeout=TIMEOUT_MS)
    assert page.locator("[data-testid='stAlert']").filter(has_text="PyTorch refuses").count() == 0
    page.locator(ANIMATION).first.wait_for(timeout=TIMEOUT_MS)
    assert _step_text(page).startswith("out[0, 0] = max(0, 1) = 1")
    _no_exception(page)


def test_the_average_preset_shows_the_divisor(server, browser_page):
    page = browser_page
    _open(page, server)
    page.get_by_role("button", name="Average 2×2 on 0…8").click()
    _wait_idle(page)
    page.get_by_text("Output: [[2, 3], [5, 6]]").wait_for(timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 30
    while "/ 4 = 2" not in _step_text(page):
        assert time.monotonic() < deadline, _step_text(page)
        time.sleep(0.2)
    assert _step_text(page) == (
        "out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2\ndivisor 4 = all 4 cells of the window")
    _no_exception(page)
