"""The channels page in a real browser: it opens clean with the seeds' 56 on screen, the
pipeline chart draws the window and the picked cell, a click on an output cell pins it, the
other tabs render without an error, the open tab is in the link and a reload keeps it, every
tab label is whole at 1280 px (English and Chinese, presenter mode too), and "Open in
channels" on Your image lands on the RGB photo.

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
    page.get_by_role("tab", name="Many outputs").click()
    wait_idle(page)  # each tab's run finished before the next click (under CI load a
    # click during the previous run's rerun was undone by it)
    page.get_by_text("Y[2] = [[96, 128], [192, 224]]", exact=False).first.wait_for(
        timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="1×1 convolution").click()
    wait_idle(page)
    page.get_by_text("‖Y₁ − Y₂‖ = ", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Groups & depthwise").click()
    wait_idle(page)
    graph = page.locator(".st-key-channels_g_graph .js-plotly-plot")
    graph.wait_for(timeout=TIMEOUT_MS)
    assert "inputs (4)" in " ".join(graph.evaluate(DRAWN_TEXTS))
    page.get_by_role("tab", name="RGB photo").click()
    wait_idle(page)
    photo = page.locator(".st-key-channels_photo_chart .js-plotly-plot")
    photo.wait_for(timeout=TIMEOUT_MS)
    photo.scroll_into_view_if_needed()
    time.sleep(1.0)
    pixels = np.asarray(Image.open(io.BytesIO(photo.screenshot())).convert("RGB"), dtype=float)
    assert pixels.std() > 20  # the planes and the filtered maps are really drawn
    _no_errors(page)


# ------------------------------------------------------------------------------ sections


def _selected_tab(page) -> str:
    return page.locator("[role='tab'][aria-selected='true']").inner_text().strip()


def _wait_for_query(page, text: str) -> None:
    for _attempt in range(60):
        if text in page.url:
            return
        time.sleep(0.5)
    raise AssertionError(f"{text!r} never reached the URL: {page.url}")


def test_the_open_tab_is_in_the_link_and_a_reload_keeps_it(server, browser_page):
    """Issue 9 item 3: the page always opened on its first tab."""
    page = browser_page
    _open(page, server)
    assert _selected_tab(page) == "Many inputs → one output"
    page.get_by_role("tab", name="Groups & depthwise").click()
    _wait_idle(page)
    _wait_for_query(page, "tab=groups")
    page.reload(timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(".st-key-channels_g_graph .js-plotly-plot").wait_for(timeout=TIMEOUT_MS)
    assert _selected_tab(page) == "Groups & depthwise"
    page.goto(f"{server}/channels?tab=photo", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(".st-key-channels_photo_chart .js-plotly-plot").wait_for(timeout=TIMEOUT_MS)
    assert _selected_tab(page) == "RGB photo"
    assert page.locator(".st-key-channels_photo_chart").is_visible()
    _no_errors(page)


#: Every tab label: its text overflows neither its own box nor the strip's visible part.
TAB_BOXES = """() => {
    const strip = document.querySelector('.st-key-channels_tabs [role="tablist"]');
    const s = strip.getBoundingClientRect();
    return Array.from(strip.querySelectorAll('[role="tab"]')).map(t => {
        const r = t.getBoundingClientRect();
        const label = t.querySelector('p') || t;
        return {text: t.innerText.trim(), left: r.left, right: r.right, top: r.top,
                bottom: r.bottom, stripLeft: s.left, stripRight: s.right,
                clipped: label.scrollWidth > label.clientWidth + 1};
    });
}"""


EN_TABS = ["Many inputs → one output", "Many outputs", "1×1 convolution", "Groups & depthwise",
           "RGB photo"]
ZH_TABS = ["多输入通道 → 一个输出通道", "多输出通道", "1×1 卷积层", "分组与逐通道卷积", "RGB 照片"]


@pytest.mark.parametrize(("query", "labels"), [
    pytest.param("", EN_TABS, id="en"),
    pytest.param("lang=zh", ZH_TABS, id="zh"),
    pytest.param("present=1", EN_TABS, id="en-presenter"),
    pytest.param("present=1&lang=zh", ZH_TABS, id="zh-presenter"),
])
def test_every_tab_label_is_whole_at_1280(server, browser_page, query, labels):
    """Issue 9 item 11: the strip was cut at 1280 px ("RGB pho›")."""
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/channels?{query}", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(PIPELINE).wait_for(timeout=TIMEOUT_MS)
    boxes = page.evaluate(TAB_BOXES)
    assert [b["text"] for b in boxes] == labels
    for b in boxes:
        assert not b["clipped"], b
        assert b["stripLeft"] - 1 <= b["left"] and b["right"] <= b["stripRight"] + 1, b
    # No tab hides behind a scroll arrow: the strip does not scroll.
    assert page.evaluate("""() => { const s = document.querySelector(
        '.st-key-channels_tabs [role="tablist"]'); return s.scrollWidth <= s.clientWidth + 1; }""")
    _no_errors(page)


def test_open_in_channels_from_your_image_lands_on_the_rgb_photo(server, browser_page):
    """Issue 9 item 5: it landed on the d2l 56 example instead of the RGB photo."""
    page = browser_page
    page.goto(f"{server}/your_image", timeout=TIMEOUT_MS)
    _wait_idle(page)
    button = page.locator(".st-key-img_open_channels button").first
    button.wait_for(timeout=TIMEOUT_MS)
    button.scroll_into_view_if_needed()
    button.click()
    page.locator(".st-key-channels_photo_chart .js-plotly-plot").wait_for(timeout=TIMEOUT_MS)
    _wait_idle(page)
    assert _selected_tab(page) == "RGB photo"
    assert "/channels" in page.url
    _wait_for_query(page, "tab=photo")
    chosen = page.locator(".st-key-channels_photo_image").evaluate(
        "el => el.innerText + ' ' + Array.from(el.querySelectorAll('input'))"
        ".map(i => i.value + ' ' + (i.getAttribute('aria-label') || '')).join(' ')"
        " + ' ' + Array.from(el.querySelectorAll('[title]')).map(t => t.title).join(' ')")
    assert "the patch of" in chosen, chosen
    _no_errors(page)
