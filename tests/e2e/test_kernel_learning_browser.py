"""The kernel-learning page in a real browser: training plays live, the charts update in place
(no remount, no blank frame), pause holds the run, and a diverging rate is caught.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py; every
test gets a new tab, so a fresh Streamlit session.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

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
    # The box shows the new rate once the browser has applied the rerun (not at once on a
    # busy machine: the metrics may update a moment before the input does).
    expect(page.locator(".st-key-kl_lr input")).to_have_value("0.0167", timeout=30_000)


# ---------------------------------------------------------------- what a projector shows

# For each live chart: the chart's frame and every title/axis-title text box inside it.
CHART_TEXT_BOXES = """() => Array.from(document.querySelectorAll("[data-testid='stVegaLiteChart']"))
  .filter(c => c.querySelector('svg.marks')).map(c => {
    const svg = c.querySelector('svg.marks').getBoundingClientRect();
    const texts = Array.from(c.querySelectorAll(
        'svg .role-title-text text, svg .role-axis-title text, svg .role-title text'))
      .map(t => { const r = t.getBoundingClientRect();
        return {text: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                px: parseFloat(getComputedStyle(t).fontSize) ||
                    parseFloat(t.getAttribute('font-size'))}; });
    return {frame: {x0: svg.left, y0: svg.top, x1: svg.right, y1: svg.bottom}, texts}; })"""

# Panel titles (annotations) and column/row numbers (ticks) of every Plotly figure.
PLOTLY_TITLES_AND_TICKS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(g => {
    const box = el => { const r = el.getBoundingClientRect();
      return {text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
    return {titles: Array.from(g.querySelectorAll('.annotation-text')).map(box),
            ticks: Array.from(g.querySelectorAll('.xtick text, .ytick text')).map(box)}; })"""

# The size the value is drawn at: that of the innermost element holding its text (Streamlit
# wraps it in a markdown paragraph that the body-text rule sizes again).
METRIC_SIZES = """() => Array.from(document.querySelectorAll("[data-testid='stMetricValue']"))
  .map(m => { let inner = m;
              while (inner.children.length === 1) { inner = inner.children[0]; }
              return [m.innerText, parseFloat(getComputedStyle(inner).fontSize)]; })"""
BODY_TEXT_PX = """() => parseFloat(getComputedStyle(
  document.querySelector("[data-testid='stMain'] [data-testid='stMarkdownContainer'] p"))
  .fontSize)"""


def _open(page, server: str, query: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server}/kernel_learning?{query}", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(CHART).first.locator("svg.marks").wait_for()
    page.locator(CHART).nth(1).locator("svg.marks").wait_for()


def _inside(inner: dict, outer: dict, tolerance: float = 1.0) -> bool:
    return (inner["x0"] >= outer["x0"] - tolerance and inner["x1"] <= outer["x1"] + tolerance
            and inner["y0"] >= outer["y0"] - tolerance and inner["y1"] <= outer["y1"] + tolerance)


def _overlap(a: dict, b: dict) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 1 and \
        min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_presenter_mode_is_a_projector_layout(server, browser_page, lang):
    """Issue 9 item 1: at 1280×720 the loss curve starts above the fold, after the title and
    one row of buttons; the Step/Loss metrics and every chart title are at least 24 px."""
    page = browser_page
    _open(page, server, f"present=1&lang={lang}", 1280, 720)
    page.evaluate("() => window.scrollTo(0, 0)")
    main = page.locator(".st-key-main_figure").first
    assert main.bounding_box()["y"] < 720
    sizes = page.evaluate(METRIC_SIZES)
    assert len(sizes) >= 4
    body = page.evaluate(BODY_TEXT_PX)
    # Headline-sized: at least 24 px and clearly larger than the prose (they had shrunk to it).
    assert all(px >= 24 and px >= 1.25 * body for _text, px in sizes), (sizes, body)
    charts = page.evaluate(CHART_TEXT_BOXES)
    titled = [t for chart in charts for t in chart["texts"]]
    assert titled, "no chart titles found"
    assert all(t["px"] >= 24 for t in titled), [(t["text"], t["px"]) for t in titled]
    # The settings are folded: no learning-rate box on the first screen.
    assert not page.locator(".st-key-kl_lr input").is_visible()
    page.screenshot(path=f"screenshots/tmp/kernel_learning_presenter_{lang}.png")


@pytest.mark.parametrize(
    "query",
    ["exp=photo&ks=3%C3%973&steps=1000&lang=en", "exp=photo&ks=3%C3%973&steps=1000&lang=zh",
     "exp=photo&ks=3%C3%973&steps=1000&present=1"],
    ids=["en", "zh", "presenter"],
)
def test_chart_titles_are_not_clipped(server, browser_page, query):
    """Issue 9 item 14: "Distance to the true kernel" was cut off at the top of its chart."""
    page = browser_page
    width, height = (1280, 720) if "present=1" in query else (1400, 1200)
    _open(page, server, query, width, height)
    page.locator(CHART).nth(3).locator("svg.marks").wait_for()
    charts = page.evaluate(CHART_TEXT_BOXES)
    assert len(charts) >= 4  # loss, kernel, gradient, distance (+ the true kernel)
    for chart in charts:
        for text in chart["texts"]:
            assert _inside(text, chart["frame"], tolerance=4), (text, chart["frame"])


def test_data_figure_titles_do_not_overlap_the_column_numbers(server, browser_page):
    page = browser_page
    _open(page, server, "lang=en", 1400, 1200)  # the book's experiment opens the data section
    page.locator(".js-plotly-plot .annotation-text").first.wait_for()
    [figure] = page.evaluate(PLOTLY_TITLES_AND_TICKS)
    assert len(figure["titles"]) == 2 and figure["ticks"]
    for title in figure["titles"]:
        for tick in figure["ticks"]:
            assert not _overlap(title, tick), (title["text"], tick["text"])


def test_the_charts_are_said_in_a_live_region(page):
    """Issue 11: a screen reader hears the step, the loss and the kernel after "+1 step"."""
    region = page.locator(".a11y-live[role='status']", has_text="Step 0: loss")
    region.wait_for()
    assert region.get_attribute("aria-live") == "polite"
    assert region.inner_text().startswith("Step 0: loss 6.839")
    _click(page, "kl_step")
    _wait_for(page, lambda m: m.get("Step") == "1 / 10", "+1 step did not step")
    page.locator(".a11y-live", has_text="Step 1: loss").wait_for()
    text = page.locator(".a11y-live", has_text="Step 1: loss").inner_text()
    assert "kernel K = [" in text and "gradient ∂L/∂K = [" in text
