"""The "Whole network" page in a real browser: painting on the grid changes the class
probabilities, and clicking a unit of the overview picks it for the detail view.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from convcore.lenet import as_network_input, builtin_network
from convcore.units import run_network
from tests.e2e.conftest import TIMEOUT_MS, plotly_chart, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
DRAWING = "g => g.layout.meta && g.layout.meta.panels && g.layout.meta.panels[0] === 'drawing'"
OVERVIEW = "g => g.layout.meta && g.layout.meta.columns"
#: Page coordinates of the centre of cell (row, col) on axes number ``k`` (1 = "x").
CELL_XY = """(el, [k, row, col]) => {
    const s = k === 1 ? '' : String(k);
    const xa = el._fullLayout['xaxis' + s], ya = el._fullLayout['yaxis' + s];
    const svg = el.querySelector('.main-svg').getBoundingClientRect();
    return [svg.left + xa._offset + xa.l2p(col), svg.top + ya._offset + ya.l2p(row)];
}"""
PROBABILITIES = """el => Array.from(el.data.find(d => d.name === 'probabilities').x)"""


def _convcore(grid: np.ndarray) -> np.ndarray:
    """The built-in network's probabilities for a painted grid, through convcore."""
    return run_network(builtin_network(), as_network_input(grid)).probabilities


def _no_errors(page) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()


def _click_cell(page, predicate: str, k: int, row: int, col: int) -> None:
    chart = plotly_chart(page, predicate)
    chart.scroll_into_view_if_needed()
    x, y = chart.evaluate(CELL_XY, [k, row, col])
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    wait_idle(page, TIMEOUT_MS)


def test_painting_on_the_grid_changes_the_probabilities(server, browser_page):
    page = browser_page
    page.goto(f"{server}/whole_network?src=draw", timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    _no_errors(page)
    before = plotly_chart(page, OVERVIEW).evaluate(PROBABILITIES)
    for row in range(4, 10):  # a vertical stroke down the middle: a line
        _click_cell(page, DRAWING, 1, row, 7)
    _no_errors(page)
    assert "6 of 196 cells painted" in page.inner_text("body")
    after = plotly_chart(page, OVERVIEW).evaluate(PROBABILITIES)
    grid = np.zeros((14, 14))
    grid[4:10, 7] = 1
    np.testing.assert_allclose(before, _convcore(np.zeros((14, 14))), atol=1e-6)
    np.testing.assert_allclose(after, _convcore(grid), atol=1e-6)
    assert max(abs(a - b) for a, b in zip(after, before, strict=True)) > 1e-3


def test_clicking_a_unit_picks_it(server, browser_page):
    page = browser_page
    page.goto(f"{server}/whole_network", timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    # column 5 is layer 3 (the second convolution): channel 0, row 2, column 3
    _click_cell(page, OVERVIEW, 5, 2, 3)
    _no_errors(page)
    body = page.inner_text("body")
    assert "unit (channel 0, row 2, column 3)" in body
