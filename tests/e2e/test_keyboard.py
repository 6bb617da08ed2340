"""Keyboard only (issue 11): on the sliding-window page, play the animation, step it, and
inspect an output cell with Tab, Space, arrows and typed digits — ``page.keyboard`` only,
never the mouse — and see a focus ring on everything focused on the way.

Keys on the animation come from ``ui.a11y.animation_keys``; the cell inputs from
``ui.a11y.cell_picker``. ``pytest tests/e2e/test_keyboard.py``.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import TIMEOUT_MS, open_page, wait_idle
from tests.e2e.harness import PROJECTOR
from ui import state

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHART = f".st-key-{state.SW_ANIMATION_CHART} .js-plotly-plot"
LIVE = f"#a11y-live-{state.SW_ANIMATION_CHART}"
MAX_TABS = 120

# What has the focus: which element, and whether a focus ring is drawn around it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) ||
               (s.boxShadow && s.boxShadow !== 'none');
  return {tag: el.tagName, label: el.getAttribute('aria-label') || '',
          id: el.id || '', chart: !!el.matches('.js-plotly-plot'),
          inChart: !!el.closest('.st-key-' + arguments[0]),
          ring: ring, testid: (el.closest('[data-testid]') || el).getAttribute('data-testid')};
}"""

STEP_TEXT = f"""() => {{
  const g = document.querySelector("{CHART}");
  const a = g && g.querySelector('.annotation-text');
  return a ? a.textContent : '';
}}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED.replace("arguments[0]", repr(state.SW_ANIMATION_CHART)))


def tab_until(page, predicate, what: str) -> list[dict]:
    """Press Tab until ``predicate(focused)``; returns everything focused on the way."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is not None:
            seen.append(now)
            if predicate(now):
                return seen
    raise AssertionError(f"{MAX_TABS} Tab presses never reached {what}; focused on the way: "
                         f"{[s['label'] or s['testid'] for s in seen[-10:]]}")


def wait_text(page, js: str, expected: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    now = page.evaluate(js)
    while expected not in now:
        assert time.monotonic() < deadline, f"expected {expected!r}, still {now!r}"
        time.sleep(0.2)
        now = page.evaluate(js)


@pytest.fixture
def keyboard_page(viewport_contexts):
    tab = viewport_contexts(PROJECTOR).new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    try:
        yield tab
    finally:
        tab.close()


def test_play_step_and_inspect_with_the_keyboard_only(server, keyboard_page):
    page = keyboard_page
    open_page(page, server, "sliding_window")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"""() => {{ const g = document.querySelector("{CHART}");
            return g && g.getAttribute('tabindex') === '0'; }}""", timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail("the animation never became focusable: the page must call "
                    "ui.a11y.animation_keys() after drawing it", pytrace=False)
    page.locator("h1").first.focus()  # start from the top, as a keyboard user does

    on_the_way = tab_until(page, lambda f: f["chart"], "the animation")
    chart = on_the_way[-1]
    assert "Space" in chart["label"] and "arrow" in chart["label"], chart
    unringed = [f for f in on_the_way if not f["ring"]]
    assert not unringed, f"focused without a visible focus ring: {unringed[:5]}"

    assert page.evaluate(STEP_TEXT) == "out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 = 19"
    page.keyboard.press("Space")  # play: runs to the last of the 4 steps in the browser
    wait_text(page, STEP_TEXT, "out[1, 1] = 4×0 + 5×1 + 7×2 + 8×3 = 43")
    page.keyboard.press("Home")
    wait_text(page, STEP_TEXT, "= 19")
    page.keyboard.press("ArrowRight")
    wait_text(page, STEP_TEXT, "out[0, 1] = 1×0 + 2×1 + 4×2 + 5×3 = 25")
    wait_text(page, f"() => document.querySelector('{LIVE}').textContent",
              "Step 2 of 4: out[0, 1] = 1×0 + 2×1 + 4×2 + 5×3 = 25")
    page.keyboard.press("End")
    wait_text(page, STEP_TEXT, "= 43")

    # Inspect output cell (1, 0) by typing its row and column.
    tab_until(page, lambda f: f["tag"] == "INPUT" and f["label"] == "Inspect output cell: row",
              "the row input of the cell picker")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_text("Output cell (1, 0) = 37").wait_for(timeout=TIMEOUT_MS)
    row = focused(page)
    assert row is not None and row["ring"], row
