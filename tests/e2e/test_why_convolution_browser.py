"""The "Why convolution" page in a real browser: it opens clean, and clicking a row of the
matrix M picks that output cell and draws its window on the input grid.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import time

import pytest

import convcore
from tests.e2e.conftest import TIMEOUT_MS, plotly_chart, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
MATRIX = "g => g.layout.meta && g.layout.meta.panels && g.layout.meta.panels[0] === 'M'"
GRIDS = ("g => g.layout.meta && g.layout.meta.panels && g.layout.meta.panels[0] === 'input'"
         " && g.layout.meta.panels[1] === 'kernel'")

#: Page coordinates of the centre of cell (row, col) of panel 0, from Plotly's own axes.
CELL_XY = """(el, [row, col]) => {
    const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
    const svg = el.querySelector('.main-svg').getBoundingClientRect();
    return [svg.left + xa._offset + xa.l2p(col), svg.top + ya._offset + ya.l2p(row)];
}"""
#: The black frame around the picked window: its x and y extents on the input panel.
WINDOW = """el => { const t = el.data.find(d => d.name === 'window');
    if (!t) { return null; }
    const xs = t.x.filter(v => v !== null), ys = t.y.filter(v => v !== null);
    return [Math.min(...ys), Math.max(...ys), Math.min(...xs), Math.max(...xs)]; }"""

#: Black (#111111) lines drawn in the figure's SVG: the window and output-cell frames.
DRAWN_FRAMES = """el => Array.from(el.querySelectorAll('.scatterlayer path.js-line'))
    .filter(p => (p.style.stroke || '').replace(/ /g, '') === 'rgb(17,17,17)'
                 && p.getAttribute('d')).length"""


def _no_errors(page) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()


def _window(row: int) -> list[float]:
    """The window of row ``row`` of the default 4×4 input, 2×2 kernel (no padding)."""
    info = convcore.matrix_row_window((4, 4), (2, 2), row)
    (r, c), (h, w) = info.window_top_left, info.window_span
    return [r - 0.5, r + h - 0.5, c - 0.5, c + w - 0.5]


def test_clicking_a_row_of_m_draws_its_window(server, browser_page):
    page = browser_page
    page.goto(f"{server}/why_convolution", timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    _no_errors(page)
    matrix = plotly_chart(page, MATRIX)
    assert plotly_chart(page, GRIDS).evaluate(WINDOW) == _window(4)  # the default row
    row_box = page.get_by_role("spinbutton", name="Row of M")
    assert row_box.input_value() == "4"
    target = 7
    # A click can be lost on a busy machine (plotly picks the point from the hover): try 3×.
    for _attempt in range(3):
        matrix.scroll_into_view_if_needed()
        time.sleep(1.0)
        x, y = matrix.evaluate(CELL_XY, [target, 10])
        page.mouse.move(x, y)
        time.sleep(0.3)
        page.mouse.click(x, y)
        wait_idle(page, TIMEOUT_MS)
        deadline = time.monotonic() + 10
        while row_box.input_value() != str(target) and time.monotonic() < deadline:
            time.sleep(0.3)
        if row_box.input_value() == str(target):
            break
        matrix = plotly_chart(page, MATRIX)
    assert row_box.input_value() == str(target)
    i, j = convcore.matrix_row_window((4, 4), (2, 2), target).out_cell
    page.get_by_text(f"computes output cell ({i}, {j})").first.wait_for(timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 30
    while plotly_chart(page, GRIDS).evaluate(WINDOW) != _window(target):
        assert time.monotonic() < deadline, plotly_chart(page, GRIDS).evaluate(WINDOW)
        time.sleep(0.3)
    drawn = plotly_chart(page, GRIDS).evaluate(DRAWN_FRAMES)
    assert drawn >= 2  # the window on the input and the output cell, really drawn in the SVG
    _no_errors(page)
