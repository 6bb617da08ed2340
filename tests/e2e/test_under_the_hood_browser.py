"""The "Under the hood" page in a real browser: it opens clean, and pressing "Measure" (a
64×64 image, kernels up to 7×7, a 1 s budget) times every method and draws the log-log chart
with one line per method, next to a table of the same numbers.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TIMEOUT_MS, plotly_chart, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
TIMING = ("g => g.layout && g.layout.meta && ('crossover' in g.layout.meta)"
          " && g.data.length >= 4")
#: The methods drawn, and how many points each has (null: not measured).
LINES = """el => el.data.map(t => [t.meta, t.x.length,
                                   t.y.filter(v => v !== null && v > 0).length])"""
#: Line paths really drawn in the SVG (one per method with at least two points).
DRAWN = "el => el.querySelectorAll('.scatterlayer .trace path.js-line').length"


def _no_errors(page) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()


def test_pressing_measure_times_every_method_and_draws_the_chart(server, browser_page):
    page = browser_page
    page.goto(f"{server}/under_the_hood?size=64x64&kmax=7&budget=1&torch=1",
              timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    _no_errors(page)
    plotly_chart(page)  # the page's first chart drawn (plotly.js loads in a few seconds)
    button = page.get_by_role("button", name="Measure", exact=True)
    button.scroll_into_view_if_needed()
    button.click()
    wait_idle(page, TIMEOUT_MS)
    _no_errors(page)
    chart = plotly_chart(page, TIMING)
    lines = chart.evaluate(LINES)
    assert [m for m, _n, _y in lines] == ["direct", "im2col", "fft", "separable", "torch"]
    assert all(n == 3 for _m, n, _y in lines)  # kernels 3, 5, 7
    # A 64×64 image and a 1 s budget: every method is measured at 3×3 at least (separable
    # is not: the kernels are random, not outer products).
    measured = {m: y for m, _n, y in lines}
    assert all(measured[m] >= 1 for m in ("direct", "im2col", "fft", "torch"))
    assert measured["separable"] == 0
    assert chart.evaluate(DRAWN) >= 1
    page.get_by_text("What convcore's conv2d picks with").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Show as numbers: the timings").first.wait_for(timeout=TIMEOUT_MS)
    _no_errors(page)
