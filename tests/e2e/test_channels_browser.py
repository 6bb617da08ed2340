"""The channels page in a real browser: it opens clean with the seeds' 56 on screen, the
pipeline chart draws the window and the picked cell, a click on an output cell pins it, and
the other tabs render without an error.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py; the
tab is widened to the 1440×1100 this page's clicks were measured at.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
PIPELINE = ".st-key-channels_mi_chart .js-plotly-plot"
TIMEOUT_MS = 120_000


@pytest.fixture
def browser_page(browser_page):
    """The shared fixture's tab at 1440×1100."""
    browser_page.set_viewport_size({"width": 1440, "height": 1100})
    return browser_page


def _wait_idle(page) -> None:
    wait_idle(page, TIMEOUT_MS)


def _open(page, server: str) -> None:
    page.goto(f"{server}/channels", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(PIPELINE).wait_for(timeout=TIMEOUT_MS)


def _no_errors(page) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()


#: Page coordinates of the centre of cell (row, col) of the panel called ``name``.
CELL_XY = """(el, [name, row, col]) => {
    const k = el.layout.meta.panels.indexOf(name);
    const suffix = k === 0 ? '' : String(k + 1);
    const xa = el._fullLayout['xaxis' + suffix], ya = el._fullLayout['yaxis' + suffix];
    const svg = el.querySelector('.main-svg').getBoundingClientRect();
    return [svg.left + xa._offset + xa.l2p(col), svg.top + ya._offset + ya.l2p(row)];
}"""

#: The cell texts Plotly drew in the SVG.
DRAWN_TEXTS = """el => Array.from(el.querySelectorAll('text')).map(t => t.textContent)"""


def test_the_page_opens_clean_and_the_preset_shows_56(server, browser_page):
    page = browser_page
    _open(page, server)
    _no_errors(page)
    assert page.locator("[data-testid='stSidebarNav']").get_by_text("Channels").count() == 1
    page.get_by_text("Output cell (0, 0) = 56").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("[[56, 72], [104, 120]]").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("(0×0 + 1×1 + 3×2 + 4×3) + (1×1 + 2×2 + 4×3 + 5×4) = 56",
                     exact=False).first.wait_for(timeout=TIMEOUT_MS)
    chart = page.locator(PIPELINE)
    chart.scroll_into_view_if_needed()
    time.sleep(1.0)
    drawn = chart.evaluate(DRAWN_TEXTS)
    for value in ("19", "37", "56", "72", "104", "120", "Σ"):
        assert any(value in t for t in drawn), (value, drawn)
    pixels = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=float)
    vermillion = (np.abs(pixels - [213, 94, 0]).sum(axis=-1) < 60).sum()
    assert vermillion > 200  # the window and the picked cells are framed in every map
    _no_errors(page)


def test_clicking_an_output_cell_pins_it(server, browser_page):
    page = browser_page
    _open(page, server)
    chart = page.locator(PIPELINE)
    chart.scroll_into_view_if_needed()
    time.sleep(1.5)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A click can be lost on a busy machine (plotly picks the point from the hover): try 3×.
    for attempt in range(3):
        x, y = chart.evaluate(CELL_XY, ["out", 1, 1])
        page.mouse.move(x, y)
        time.sleep(0.3)
        page.mouse.click(x, y)
        _wait_idle(page)
        try:
            page.get_by_text("Output cell (1, 1) = 120").wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            chart = page.locator(PIPELINE)
    page.get_by_text("out[1, 1] = 43 + 77 = 120", exact=False).first.wait_for(
        timeout=TIMEOUT_MS)
    row_box = page.get_by_label("Output row")
    assert row_box.input_value() == "1"
    _no_errors(page)


def test_every_tab_renders(server, browser_page):
    page = browser_page
    _open(page, server)
    page.get_by_role("tab", name="🗂️ Many outputs").click()
    page.get_by_text("Y[2] = [[96, 128], [192, 224]]", exact=False).first.wait_for(
        timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="🔀 1×1 convolution").click()
    page.get_by_text("‖Y₁ − Y₂‖ = ", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="🧩 Groups & depthwise").click()
    graph = page.locator(".st-key-channels_g_graph .js-plotly-plot")
    graph.wait_for(timeout=TIMEOUT_MS)
    assert "inputs (4)" in " ".join(graph.evaluate(DRAWN_TEXTS))
    page.get_by_role("tab", name="🖼️ RGB photo").click()
    photo = page.locator(".st-key-channels_photo_chart .js-plotly-plot")
    photo.wait_for(timeout=TIMEOUT_MS)
    photo.scroll_into_view_if_needed()
    time.sleep(1.0)
    pixels = np.asarray(Image.open(io.BytesIO(photo.screenshot())).convert("RGB"), dtype=float)
    assert pixels.std() > 20  # the planes and the filtered maps are really drawn
    _no_errors(page)
