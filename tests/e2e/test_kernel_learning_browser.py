"""The kernel-learning page in a real browser: training plays live, the charts update in place
(no remount, no blank frame), pause holds the run, and a diverging rate is caught.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py; every
test gets a new tab, so a fresh Streamlit session.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TIMEOUT_MS = 120_000
CHART = "[data-testid='stVegaLiteChart']"  # live charts: loss, kernel, gradient (page order)

# Watches the loss chart while training plays: how many animation frames showed no chart,
# and whether the drawn chart (its SVG) was ever replaced by a new one.
WATCH_LOSS_CHART = """async (ms) => {
    const host = () => document.querySelectorAll("[data-testid='stVegaLiteChart']")[0];
    const drawn = () => host() && host().querySelector('svg.marks, canvas');
    const first = drawn();
    let frames = 0, blank = 0, replaced = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
        await new Promise(r => requestAnimationFrame(r));
        frames++;
        const el = drawn();
        if (!el || el.getBoundingClientRect().height < 50) blank++;
        else if (el !== first) replaced++;
    }
    return {frames, blank, replaced};
}"""


@pytest.fixture
def page(server, browser_page):
    """A new tab (so a fresh session), 1400×1200, on the kernel-learning page."""
    browser_page.set_viewport_size({"width": 1400, "height": 1200})
    browser_page.set_default_timeout(TIMEOUT_MS)
    browser_page.goto(f"{server}/kernel_learning", timeout=TIMEOUT_MS)
    _wait_idle(browser_page)
    browser_page.locator(CHART).nth(2).locator("svg.marks, canvas").first.wait_for()
    return browser_page


def _wait_idle(page) -> None:
    wait_idle(page, TIMEOUT_MS)


READ_METRICS = """() => Array.from(document.querySelectorAll("[data-testid='stMetric']")).map(m => [
    m.querySelector("[data-testid='stMetricLabel']")?.innerText ?? "",
    m.querySelector("[data-testid='stMetricValue']")?.innerText ?? ""])"""


def _metrics(page) -> dict[str, str]:
    """Metric label → value, read in one go (the page may be redrawing)."""
    return dict(page.evaluate(READ_METRICS))


def _wait_for(page, predicate, what: str, timeout: float = 120) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = _metrics(page)
        if predicate(shown):
            return shown
        time.sleep(0.2)
    pytest.fail(f"{what}: the page shows {_metrics(page)}")


def _step(shown: dict[str, str]) -> int:
    return int(shown.get("Step", "0 / 0").split("/")[0])


def _click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def test_training_plays_live_and_the_charts_update_in_place(page):
    _no_exception(page)
    start = _metrics(page)
    assert start["Step"] == "0 / 10" and start["Status"] == "paused"
    _click(page, "kl_start")
    _wait_for(page, lambda m: _step(m) >= 1, "training did not start")
    watch = page.evaluate(WATCH_LOSS_CHART, 1500)
    done = _wait_for(page, lambda m: m.get("Status") == "done", "training did not finish")
    assert done["Step"] == "10 / 10"
    assert float(done["Loss"]) < float(start["Loss"]) / 10
    assert float(done["‖K − K_true‖"]) < 0.15 < float(start["‖K − K_true‖"])
    assert watch["frames"] > 0
    assert watch["blank"] == 0 and watch["replaced"] == 0, watch
    _no_exception(page)


def test_pause_holds_the_run_and_resume_continues_it(page):
    steps = page.locator(".st-key-kl_steps input")
    steps.fill("400")
    steps.press("Enter")
    _wait_for(page, lambda m: m.get("Step") == "0 / 400", "the number of steps did not change")
    _click(page, "kl_start")
    _wait_for(page, lambda m: _step(m) >= 10, "training did not start")
    _click(page, "kl_pause")
    _wait_for(page, lambda m: m.get("Status") == "paused", "pause did not stop training")
    _wait_idle(page)
    paused = _metrics(page)
    time.sleep(2)
    assert _metrics(page)["Step"] == paused["Step"]
    _click(page, "kl_start")  # now labelled "Resume"
    _wait_for(page, lambda m: _step(m) > _step(paused), "resume did not continue the run")


def test_a_diverging_rate_stops_with_a_suggested_rate(page):
    rate = page.locator(".st-key-kl_lr input")
    rate.fill("0.1")
    rate.press("Enter")
    _wait_idle(page)
    _click(page, "kl_start")
    _wait_for(page, lambda m: m.get("Status") == "diverged", "divergence was not caught")
    alert = page.locator("[data-testid='stAlert']", has_text="Training diverged")
    alert.wait_for()
    assert "try 0.0167" in alert.inner_text()
    _no_exception(page)
    _click(page, "kl_use_suggested")
    _wait_for(page, lambda m: m.get("Step") == "0 / 10" and m.get("Status") == "paused",
              "the suggested rate did not restart the run")
    assert page.locator(".st-key-kl_lr input").input_value() == "0.0167"
