"""ui/a11y.py: the text alternatives, the legend, the caption colour and the routes, without a
browser (tests/e2e/test_keyboard.py and test_accessibility.py drive them in Chromium)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from ui import a11y, presenter
from ui.navigation import DEFAULT_URL_PATH, HOME_PATH, existing_pages, routed_pages


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours."""
    def lum(color: str) -> float:
        c = np.array([int(color[k:k + 2], 16) for k in (1, 3, 5)]) / 255.0
        lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("background", ["#ffffff", "#f3f5f9"], ids=["main", "sidebar"])
def test_caption_grey_passes_aa_on_both_backgrounds(background):
    assert contrast(a11y.CAPTION_COLOR, background) >= 4.5
    assert f"color: {a11y.CAPTION_COLOR}" in a11y.BASE_CSS


@pytest.mark.parametrize("background", ["#ffffff", "#f3f5f9"], ids=["main", "sidebar"])
def test_disabled_labels_stay_readable(background):
    assert contrast(a11y.DISABLED_COLOR, background) >= 4.5
    assert contrast("#a5a7ac", "#ffffff") < 4.5  # Streamlit's faded label (issue 11: 2.4:1)
    assert '[data-testid="stWidgetLabel"][disabled] p' in a11y.BASE_CSS


def test_streamlits_own_caption_grey_fails_on_the_sidebar():
    assert contrast("#747880", "#f3f5f9") < 4.5  # what axe reported (issue 11): 4.05:1


def test_focus_ring_is_visible_against_the_backgrounds():
    for background in ("#ffffff", "#f3f5f9"):
        assert contrast(a11y.FOCUS_COLOR, background) >= 3.0  # WCAG 1.4.11 non-text
    assert ":focus-visible" in a11y.BASE_CSS and "outline: 3px solid" in a11y.BASE_CSS


def test_grid_table_has_caption_headers_and_marks_in_words():
    html = a11y.grid_table_html([[19.0, 25.0], [37.0, 43.0]], "Output Y, 2×2",
                                highlights={"window": [(0, 1)], "picked": [(0, 1), (1, 1)]})
    assert "<caption>Output Y, 2×2</caption>" in html
    assert html.count('<th scope="col">') == 2 and html.count('<th scope="row">') == 2
    assert '<th scope="col">column 1</th>' in html and '<th scope="row">row 1</th>' in html
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["", "19", "25 (window, picked)", "37", "43 (picked)"]


def test_grid_table_labels_hidden_cells_and_escapes():
    html = a11y.grid_table_html(np.array([[1.5, -2.0]]), "a <b> & c", row_labels=["row −1"],
                                col_labels=["x<0", "y"], blank=np.array([[False, True]]))
    assert "<caption>a &lt;b&gt; &amp; c</caption>" in html
    assert "x&lt;0" in html and "<td>hidden</td>" in html and "<td>1.5</td>" in html
    assert "−2" not in html  # a hidden cell tells nothing


@pytest.mark.parametrize(("kwargs", "message"), [
    pytest.param(dict(values=[1.0, 2.0]), "must be 2-D", id="1-D"),
    pytest.param(dict(values=[[1.0]], row_labels=["a", "b"]), "must have 1 and 1",
                 id="labels"),
    pytest.param(dict(values=[[1.0]], highlights={"window": [(1, 0)]}), r"\(1, 0\) is outside",
                 id="cell"),
])
def test_grid_table_explains_bad_input(kwargs, message):
    values = kwargs.pop("values")
    with pytest.raises(ValueError, match=message):
        a11y.grid_table_html(values, "t", **kwargs)


def test_legend_is_words_and_drawn_swatches_not_emoji():
    items = [a11y.LEGEND_WINDOW, a11y.LEGEND_PADDING, a11y.LEGEND_PICKED, a11y.LEGEND_FED,
             a11y.LEGEND_NOT_YET]
    html = a11y.legend_html(items)
    assert html.count('role="listitem"') == len(items)
    assert html.count('aria-hidden="true"') == len(items)
    assert "repeating-linear-gradient" in html  # padding is hatched in the legend too
    symbols = [ch for ch in html if unicodedata.category(ch) == "So"]
    assert not symbols, symbols  # no emoji / pictographs: nothing needs an emoji font
    borders = {item.border for item in items}
    assert len(borders) == len(items)  # each differs by its border, not only its colour


def test_live_region_is_polite_status_and_escapes():
    captured = []
    orig = a11y.st.html
    a11y.st.html = captured.append
    try:
        a11y.live_region("**Output cell (0, 0)** = **19** <script>", markdown=True)
        a11y.live_region("quiet", visible=False)
    finally:
        a11y.st.html = orig
    assert captured[0] == ('<div class="a11y-live" role="status" aria-live="polite">'
                           "<strong>Output cell (0, 0)</strong> = <strong>19</strong> "
                           "&lt;script&gt;</div>")
    assert 'class="a11y-live a11y-sr-only"' in captured[1]


def test_animation_script_has_no_markup_inside_the_script():
    """Streamlit's sanitiser drops a script whose text contains "<" + a letter: it would
    silently never run (found in the browser)."""
    script = a11y._ANIMATION_SCRIPT
    body = script[script.index("<script>") + len("<script>"):script.index("</script>")]
    assert "<" not in body


def test_home_is_routed_at_the_root_and_at_slash_home():
    routes = routed_pages(existing_pages())
    home = [r for r in routes if r.path == HOME_PATH]
    assert [(r.url_path, r.default, r.visibility) for r in home] == [
        (DEFAULT_URL_PATH, True, "visible"), ("home", False, "hidden")]
    paths = [r.url_path for r in routes]
    assert len(paths) == len(set(paths))  # Streamlit refuses duplicate paths
    assert sum(r.visibility == "visible" for r in routes) == len(existing_pages())


def test_presenter_sizes_reach_the_projector_minimum():
    big = presenter.figure_scale(True)
    assert big["title_font_px"] >= presenter.MIN_PROJECTED_PX
    assert big["tick_font_px"] >= presenter.MIN_PROJECTED_PX
    assert 14 * big["font_scale"] >= presenter.MIN_PROJECTED_PX  # the builders' 14 px titles
    assert "stMetricValue" in presenter.PRESENTER_CSS and "24px" in presenter.PRESENTER_CSS
