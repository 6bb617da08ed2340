"""Presenter mode: a page that reads from the back of a room.

A sidebar toggle (key ``"presenter"``), remembered across pages for the session and carried
by links as ``?present=1``. When it is on, the text is larger (base font, headings, widget
labels), figures get larger cells and numbers, and advanced controls fold away.

Adopting it
-----------
The app's shared sidebar (``app.py``) calls, once per run, before the page runs::

    from ui import presenter
    presenter.presenter_toggle()          # the toggle + the CSS when it is on

A page then uses, where it needs them::

    scale = presenter.figure_scale()      # sizes for figure builders (dict, see below)
    fig = presenter.scale_figure(fig)     # a larger copy in presenter mode (fig otherwise)
    with presenter.advanced_controls():   # folded into an expander in presenter mode
        dilation = st.number_input(...)
    if presenter.show_if_not_presenting():
        st.dataframe(...)                 # long tables, footnotes: hidden when presenting

:func:`presenter_mode` says whether it is on (safe to call anywhere, even before the toggle).
Hide *widgets* with :func:`advanced_controls` rather than :func:`show_if_not_presenting`: a
widget that is not drawn loses its value (and would drop out of the page's link).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.i18n import N_, _

#: The toggle's widget key.
PRESENTER_KEY = "presenter"
#: A plain session key that outlives the widget (Streamlit drops a widget's value on pages
#: that do not draw it).
REMEMBERED_KEY = "_presenter_on"
#: The query key that turns presenter mode on from a link (``present=1``).
URL_KEY = "present"
#: What this module last wrote to the URL (``"1"`` or None).
_URL_SEEN_KEY = "_presenter_url_seen"

#: Figure sizes in normal and presenter mode; see :func:`figure_scale`.
NORMAL_SCALE: dict[str, float] = {
    "font_scale": 1.0, "cell_font_px": 18, "min_cell_px": 10, "max_cell_px": 60,
    "line_width": 2, "title_font_px": 14, "tick_font_px": 11,
}
#: In presenter mode every number in a grid and every axis or panel title must be at least
#: :data:`MIN_PROJECTED_PX` on screen (issue 9): ``font_scale`` takes the builders' 14 px titles
#: to 25 px, and a cell must be about 56 px wide to hold a 24 px two-digit number.
PRESENTER_SCALE: dict[str, float] = {
    "font_scale": 1.75, "cell_font_px": 30, "min_cell_px": 56, "max_cell_px": 96,
    "line_width": 4, "title_font_px": 26, "tick_font_px": 24,
}
#: Smallest text (px) a projector layout allows for grid numbers, titles and metrics.
MIN_PROJECTED_PX = 24

PRESENTER_CSS = """
<style>
/* Presenter mode: rem-based sizes grow with the root font. */
html { font-size: 22px; }
[data-testid="stMain"] h1 { font-size: 2.6rem; }
[data-testid="stMain"] h2 { font-size: 2.0rem; }
[data-testid="stMain"] h3 { font-size: 1.55rem; }
[data-testid="stWidgetLabel"] p, [data-testid="stWidgetLabel"] label {
  font-size: 1.1rem; font-weight: 600;
}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.1rem; line-height: 1.5;
}
[data-testid="stCaptionContainer"] { font-size: 0.95rem; }
/* The sidebar's page list is navigation, not lesson text: the paragraph rule above would
   grow it to 24 px and cut "Convolution in 1-D" short in the 1280 px sidebar. */
[data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"] p {
  font-size: 0.9rem !important;
}
[data-testid="stCode"] code { font-size: 1.0rem; }
/* Headline metrics: at least 24 px (they shrank to body size before). */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div,
[data-testid="stMetricValue"] p {
  font-size: max(2.0rem, 24px) !important; line-height: 1.2;
}
[data-testid="stMetricLabel"] p { font-size: 1.0rem !important; }
[data-testid="stMetricDelta"] div { font-size: 1.0rem !important; }
/* Tab labels as large as body text; the strip wraps (see ui.a11y) rather than cutting. */
[data-baseweb="tab"] p, [data-baseweb="tab"] [data-testid="stMarkdownContainer"] p {
  font-size: 1.05rem !important;
}
/* Tables (st.dataframe is a canvas: only its HTML cousins grow). */
table.a11y-grid, [data-testid="stTable"] table { font-size: 1.05rem; }
</style>
"""


def presenter_mode() -> bool:
    """Whether presenter mode is on (False before the toggle was ever drawn)."""
    state = st.session_state
    if PRESENTER_KEY in state:
        return bool(state[PRESENTER_KEY])
    return bool(state.get(REMEMBERED_KEY, False))


def _url_value() -> bool | None:
    """``present=`` of the URL as a bool; None when absent or not a yes/no word."""
    raw = st.query_params.get(URL_KEY)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    return None


def presenter_toggle(*, where: Any = None,
                     label: str = N_("Presenter mode")) -> bool:
    """Draw the presenter toggle (in the sidebar unless ``where`` is given) and apply it.

    A link with ``present=1`` (or ``present=0``) sets the mode when the link is opened;
    afterwards the toggle decides and the URL follows it, so that a copied link carries it.

    Returns
    -------
    bool
        Whether presenter mode is on.
    """
    state = st.session_state
    raw = st.query_params.get(URL_KEY)
    if raw is not None and raw != state.get(_URL_SEEN_KEY):
        from_link = _url_value()
        if from_link is not None:
            state[PRESENTER_KEY] = from_link
    if PRESENTER_KEY not in state:
        state[PRESENTER_KEY] = bool(state.get(REMEMBERED_KEY, False))
    container = st.sidebar if where is None else where
    on = bool(container.toggle(_(label), key=PRESENTER_KEY,
                               help=_("Larger text, cells and numbers for a projector; "
                                      "fewer controls on screen.")))
    state[REMEMBERED_KEY] = on
    _write_url(on)
    if on:
        apply_presenter_style()
    return on


def _write_url(on: bool) -> None:
    state = st.session_state
    params = st.query_params
    if on and params.get(URL_KEY) != "1":
        params[URL_KEY] = "1"
    elif not on and URL_KEY in params:
        del params[URL_KEY]
    state[_URL_SEEN_KEY] = "1" if on else None


def apply_presenter_style() -> None:
    """Inject the presenter CSS (larger base font, headings and widget labels)."""
    st.html(PRESENTER_CSS)


def figure_scale(presenting: bool | None = None) -> dict[str, float]:
    """Sizes for figure builders, larger in presenter mode.

    Keys: ``font_scale`` (factor for every font), ``cell_font_px`` (largest number in a
    cell), ``min_cell_px`` / ``max_cell_px`` (cell side bounds), ``line_width`` (outlines),
    ``title_font_px``, ``tick_font_px``. ``ui.figures.grid_figure`` takes
    ``max_cell_px=scale["max_cell_px"]`` today.
    """
    on = presenter_mode() if presenting is None else presenting
    return dict(PRESENTER_SCALE if on else NORMAL_SCALE)


def show_if_not_presenting() -> bool:
    """True outside presenter mode: ``if show_if_not_presenting(): st.dataframe(...)``.

    For text and tables only; put widgets in :func:`advanced_controls` instead.
    """
    return not presenter_mode()


def main_controls(*, where: Any = None):
    """The one row of controls a projector layout keeps above the main figure.

    ``with presenter.main_controls(): ...`` lays the widgets out side by side (wrapping on
    a narrow screen); put everything else in :func:`advanced_controls`. At 1280×720 in
    presenter mode the page's title, this row and the top of the main figure
    (``ui.a11y.main_figure``) must fit the first screen.
    """
    parent = st if where is None else where
    return parent.container(horizontal=True, gap="medium", vertical_alignment="bottom",
                            key="main_controls")


def advanced_controls(label: str | None = None, *, where: Any = None):
    """A container for advanced widgets: in place normally, folded away when presenting.

    Use as ``with presenter.advanced_controls(): ...``. The widgets are always drawn, so
    their values (and the page's link) survive switching presenter mode on and off.
    ``label`` (translated, or marked with ``N_``) names the folded box; the default is "More
    settings" with a settings icon.
    """
    parent = st if where is None else where
    if presenter_mode():
        text = _(label) if label is not None else ":material/tune: " + _(MORE_SETTINGS)
        return parent.expander(text, expanded=False)
    return parent.container()


#: The folded box's default name.
MORE_SETTINGS = N_("More settings")


# ------------------------------------------------------------------------------ figures


def scale_figure(fig: go.Figure, scale: Mapping[str, float] | None = None) -> go.Figure:
    """A copy of ``fig`` with larger fonts and lines for presenter mode.

    Outside presenter mode (``font_scale`` 1) ``fig`` itself is returned. Numbers printed in
    heatmap cells grow only as far as they still fit the cell (``layout.meta["cell_px"]``,
    set by :mod:`ui.figures`). The input figure is never modified, so a cached figure can
    be passed; cache the result keyed on :func:`presenter_mode` if the figure is large.
    """
    scale = figure_scale() if scale is None else scale
    factor = float(scale["font_scale"])
    if factor == 1.0:
        return fig
    data = fig.to_plotly_json()
    layout = data.get("layout", {})
    meta = layout.get("meta")
    cell_px = meta.get("cell_px") if isinstance(meta, dict) else None
    limits = (float(scale["cell_font_px"]), cell_px)
    _scale_fonts(layout, factor, None)
    _raise_title_fonts(layout, float(scale.get("title_font_px", 0)))
    for trace in data.get("data", []):
        _scale_trace(trace, factor, limits)
    for frame in data.get("frames", []) or []:
        for trace in frame.get("data", []) or []:
            _scale_trace(trace, factor, limits)
        if isinstance(frame.get("layout"), dict):
            _scale_fonts(frame["layout"], factor, None)
    layout.setdefault("font", {}).setdefault("size", round(12 * factor))
    return go.Figure(data.get("data"), layout, data.get("frames"), skip_invalid=True)


#: Said under a figure whose grid numbers presenter mode hid (too small to read).
NUMBERS_HIDDEN = N_("Numbers hidden at this size: on a projector they would be too small to "
                    "read. Every value is in the “as numbers” table below the figure.")


def hide_unreadable_numbers(fig: go.Figure, least: float = MIN_PROJECTED_PX,
                            ) -> tuple[go.Figure, bool]:
    """``fig`` without the grid numbers that would print below ``least`` px, and whether
    any were hidden.

    In presenter mode a number students cannot read from the back of the room is noise:
    a 20×20 padded input or a 1×1 figure with five-character values prints them at
    17–22 px. Heatmap cell text (``texttemplate``) and scatter text whose font is smaller
    than ``least`` are dropped, in the frames of an animation too; cell colours, hover
    text and everything else stay. ``fig`` itself is returned when nothing is too small
    (a cached figure is never modified).
    """
    def small(trace) -> bool:
        font = getattr(trace, "textfont", None)
        size = getattr(font, "size", None) if font is not None else None
        if not _is_number(size) or size >= least - 0.01:
            return False
        if trace.type == "heatmap":
            return bool(trace.texttemplate)
        return trace.type == "scatter" and "text" in str(trace.mode or "") and \
            _numbers_only(trace.text)

    traces = [*fig.data, *(t for frame in fig.frames or () for t in frame.data or ())]
    if not any(small(t) for t in traces):
        return fig, False
    out = go.Figure(fig)
    for trace in [*out.data, *(t for frame in out.frames or () for t in frame.data or ())]:
        if small(trace):
            if trace.type == "heatmap":
                trace.texttemplate = None  # the text stays for hover
            else:
                trace.mode = str(trace.mode).replace("+text", "").replace("text+", "") \
                    .replace("text", "markers")
    return out, True


def _numbers_only(texts: Any) -> bool:
    """True when every label of a text trace is a number (grid values, not names)."""
    if texts is None or isinstance(texts, str):
        return False
    labels = [str(t).strip() for t in np.asarray(texts, dtype=object).ravel()]
    return bool(labels) and all(_NUMBER.fullmatch(t.replace("−", "-")) or t == ""
                                for t in labels)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")


def _raise_title_fonts(layout: dict, least: float) -> None:
    """Annotations (panel titles, step text) and axis titles at least ``least`` px."""
    if least <= 0:
        return
    fonts = [a.setdefault("font", {}) for a in layout.get("annotations", []) or []
             if isinstance(a, dict)]
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title = axis.get("title")
            if isinstance(title, dict):
                fonts.append(title.setdefault("font", {}))
    title = layout.get("title")
    if isinstance(title, dict):
        fonts.append(title.setdefault("font", {}))
    for font in fonts:
        size = font.get("size")
        font["size"] = max(size if _is_number(size) else 0, least)


def _scale_trace(trace: dict, factor: float, limits: tuple[float, float | None]) -> None:
    cap, cell_px = limits
    textfont = trace.get("textfont")
    if isinstance(textfont, dict) and _is_number(textfont.get("size")):
        size = textfont["size"] * factor
        if trace.get("type") == "heatmap":
            size = min(size, cap, _fits(trace.get("text"), cell_px))
        textfont["size"] = max(textfont["size"], round(size))
    _scale_fonts({k: v for k, v in trace.items() if k != "textfont"}, factor, None)


def _fits(texts: Any, cell_px: float | None) -> float:
    """Largest font whose longest label still fits a cell (as ``ui.figures`` reckons)."""
    if not cell_px or not isinstance(texts, list | tuple | np.ndarray):
        return float("inf")
    labels = np.asarray(texts, dtype=object).ravel()
    longest = max((len(str(t)) for t in labels), default=1)
    return min(0.45 * cell_px, 0.9 * cell_px / (0.62 * max(longest, 1)))


def _scale_fonts(node: Any, factor: float, key: str | None) -> None:
    """Scale every ``font.size`` and line ``width`` found under ``node`` in place."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "size" and key in ("font", "tickfont", "titlefont") and _is_number(value):
                node[name] = round(value * factor)
            elif name == "width" and key == "line" and _is_number(value):
                node[name] = value * min(factor, 2.0)
            else:
                _scale_fonts(value, factor, name)
    elif isinstance(node, list):
        for item in node:
            _scale_fonts(item, factor, key)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
