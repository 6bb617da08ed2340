"""The padding & stride page in a real browser: it opens clean, a seed preset changes the
shape on screen and in the drawing, and clicking an output cell picks its window.

Fixtures (``server``, ``browser_page``) and helpers come from tests/e2e/conftest.py.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import TIMEOUT_MS, plotly_chart, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
CHART = ".js-plotly-plot"
#: The padded-input figure, once plotly has drawn it: two panels, input then output (the
#: transposed-convolution figure further down has input, kernel, output).
PADDED = ("g => g.layout.xaxis2 && !g.layout.xaxis3 && (g.layout.annotations || []).length > 1"
          " && (g.layout.annotations[1].text || '').includes('output</b>')")


def _wait_idle(page) -> None:
    wait_idle(page, TIMEOUT_MS)


def _open(page, server: str) -> None:
    page.goto(f"{server}/padding_stride", timeout=TIMEOUT_MS)
    _wait_idle(page)
    page.locator(CHART).first.wait_for(timeout=TIMEOUT_MS)


def _no_errors(page) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()


OUTPUT_PANEL = """el => [el.layout.annotations[1].text, el.layout.xaxis2.range,
                         el.layout.yaxis2.range]"""

#: Page coordinates of the centre of output cell (row, col), from Plotly's own axes.
CELL_XY = """(el, [row, col]) => {
    const xa = el._fullLayout.xaxis2, ya = el._fullLayout.yaxis2;
    const svg = el.querySelector('.main-svg').getBoundingClientRect();
    return [svg.left + xa._offset + xa.l2p(col), svg.top + ya._offset + ya.l2p(row)];
}"""


def _output_panel(page) -> tuple[str, list, list]:
    return plotly_chart(page, PADDED).evaluate(OUTPUT_PANEL)


def test_the_page_opens_clean_and_a_preset_changes_the_shape(server, browser_page):
    page = browser_page
    _open(page, server)
    _no_errors(page)
    page.get_by_text("8×8 → 8×8", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    title, x_range, y_range = _output_panel(page)
    assert "output</b> 8×8" in title and x_range == [-0.5, 7.5] and y_range == [7.5, -0.5]

    page.get_by_role("button", name="k3 p1 s2 → 4×4").click()
    _wait_idle(page)
    page.get_by_text("8×8 → 4×4", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    deadline = time.monotonic() + 30
    while "output</b> 4×4" not in _output_panel(page)[0]:
        assert time.monotonic() < deadline, _output_panel(page)
        time.sleep(0.3)
    assert _output_panel(page)[1] == [-0.5, 3.5]
    page.get_by_text("nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)").first.wait_for(
        timeout=TIMEOUT_MS)
    _no_errors(page)

    page.get_by_role("button", name="k(3,5) p(0,1) s(3,4) → 2×2").click()
    _wait_idle(page)
    page.get_by_text("8×8 → 2×2", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    warning = page.locator("[data-testid='stAlertContentWarning']").first
    warning.wait_for(timeout=TIMEOUT_MS)
    assert "Input rows 6–7 at the bottom are never reached" in warning.inner_text()
    _no_errors(page)

    chart = plotly_chart(page, PADDED)
    chart.scroll_into_view_if_needed()
    time.sleep(1.0)
    pixels = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB"), dtype=float)
    vermillion = (np.abs(pixels - [213, 94, 0]).sum(axis=-1) < 60).sum()
    purple = (np.abs(pixels - [204, 121, 167]).sum(axis=-1) < 60).sum()
    assert vermillion > 50  # the picked window's frame is really drawn
    assert purple > 50  # and the crosses on the unreached rows


def test_clicking_an_output_cell_picks_its_window(server, browser_page):
    page = browser_page
    _open(page, server)
    page.get_by_role("button", name="k3 p1 s2 → 4×4").click()
    _wait_idle(page)
    page.get_by_text("8×8 → 4×4", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    chart = plotly_chart(page, PADDED)
    chart.scroll_into_view_if_needed()
    time.sleep(1.5)
    row_box = page.get_by_label("Picked window: output row")
    col_box = page.get_by_label("Picked window: output column")
    assert (row_box.input_value(), col_box.input_value()) != ("3", "0")
    # A click can be lost on a busy machine (plotly picks the point from the hover): try 3×.
    for _ in range(3):
        x, y = chart.evaluate(CELL_XY, [3, 0])
        page.mouse.move(x, y)
        time.sleep(0.3)
        page.mouse.click(x, y)
        _wait_idle(page)
        deadline = time.monotonic() + 10
        while (row_box.input_value(), col_box.input_value()) != ("3", "0"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.3)
        else:
            break
        chart = plotly_chart(page, PADDED)
    assert (row_box.input_value(), col_box.input_value()) == ("3", "0")
    page.get_by_text("picked window (3, 0)").first.wait_for(timeout=TIMEOUT_MS)
    _no_errors(page)


# ------------------------------------------------------------------------------ issue 9 at 1280 px

#: Every text in the page's main area that is wider than its box and hidden or ended in
#: "…" (button labels, widget labels, headings, expander titles).
CUT_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = [];
  main.querySelectorAll('button p, [data-testid="stWidgetLabel"] p, h1, h2, h3, h4, h5, '
                        + '[data-testid="stExpander"] summary p, '
                        + '[data-testid="stMarkdownContainer"] li')
    .forEach(el => {
      const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
      if (r.width < 1 || el.closest('details:not([open])') && !el.closest('summary')) { return; }
      const clipped = el.scrollWidth > el.clientWidth + 1 &&
        (s.overflowX === 'hidden' || s.overflowX === 'clip' || s.textOverflow === 'ellipsis');
      if (clipped) { out.push(el.textContent.trim() + ' (' + el.clientWidth + ' of '
                              + el.scrollWidth + ' px)'); }
    });
  return out;
}"""

#: The main figure's top edge and the smallest number printed in its cells.
MAIN_FIGURE = """() => {
  const box = document.querySelector('.st-key-main_figure');
  const sizes = Array.from(box.querySelectorAll('.js-plotly-plot .heatmaplayer text, '
                                                + '.js-plotly-plot g.text text'))
    .map(t => parseFloat(getComputedStyle(t).fontSize));
  return [box.getBoundingClientRect().top, sizes.length ? Math.min(...sizes) : 0,
          sizes.length];
}"""


@pytest.mark.parametrize("query", ["", "?lang=zh", "?present=1", "?present=1&lang=zh"],
                         ids=["en", "zh", "present-en", "present-zh"])
def test_no_label_is_cut_at_1280_px(server, browser_context, query):
    """Issue 9, item 11: at 1280×720 the preset labels ("k(5,3) p(2,1) → 8×8" …), widget
    labels and headings are whole, in both languages, with and without presenter mode."""
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{server}/padding_stride{query}", timeout=TIMEOUT_MS)
        _wait_idle(page)
        page.locator(CHART).first.wait_for(timeout=TIMEOUT_MS)
        _no_errors(page)
        assert page.evaluate(CUT_TEXT) == []
        labels = page.locator("[class*='st-key-ps_preset_'] button").all_inner_texts()
        assert any("k(5,3) p(2,1)" in label and "8×8" in label for label in labels), labels
    finally:
        page.close()


@pytest.mark.parametrize("query", ["?present=1", "?present=1&lang=zh"], ids=["en", "zh"])
def test_presenter_mode_shows_the_main_figure_above_the_fold_with_24px_numbers(
        server, browser_context, query):
    """Issue 9, item 1: at 1280×720 the padded input starts above the fold after the title
    and one row of presets, and every number in it is drawn at 24 px or more."""
    page = browser_context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{server}/padding_stride{query}", timeout=TIMEOUT_MS)
        _wait_idle(page)
        page.locator(".st-key-main_figure .js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)
        time.sleep(1.0)
        top, smallest, count = page.evaluate(MAIN_FIGURE)
        assert top < 720, top
        assert count >= 100 and smallest >= 24, (count, smallest)  # 10×10 padded input
    finally:
        page.close()


def test_the_legend_reads_without_an_emoji_font(server, browser_page):
    """Issue 9, item 13: the legend is drawn swatches and words (the test browser has no
    emoji font): each swatch is a real box with a border."""
    page = browser_page
    _open(page, server)
    page.get_by_role("button", name="k(3,5) p(0,1) s(3,4) → 2×2").click()
    _wait_idle(page)
    legend = page.locator("ul.ps-legend").first
    legend.wait_for(timeout=TIMEOUT_MS)
    text = legend.inner_text()
    for words in ("first window: blue, dotted frame", "last window: green, dashed frame",
                  "picked window (", "padding: hatched grey cells",
                  "input cells no window reaches: crossed out"):
        assert words in text
    styles = legend.locator("span[aria-hidden='true']").evaluate_all(
        "els => els.map(e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();"
        " return [r.width, s.borderTopStyle, s.backgroundImage]; })")
    assert len(styles) == 5 and all(width >= 10 for width, _style, _img in styles)
    assert [style for _w, style, _img in styles][:3] == ["dotted", "dashed", "solid"]
    assert "repeating-linear-gradient" in styles[3][2]
