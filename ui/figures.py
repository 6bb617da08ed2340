"""Plotly figure builders: arrays in, ``go.Figure`` out. Never imports Streamlit.

Every figure of the app is a row of *panels*: heatmaps of 2-D arrays drawn like matrices —
row 0 at the top, column 0 on the left, square cells of one size across panels, values
printed in the cells when they fit, padded cells hatched grey inside a dashed border. The
builders add what a page needs on top:

- :func:`grid_figure` — the panels alone (static figures: inspection, edge detection, ...);
- :func:`add_outline`, :func:`add_marks` — static highlights (a receptive field, a cell);
- :func:`animation_figure` — the sliding window played in the browser. The data goes to the
  browser once; each frame moves only a few layout shapes (the window, the current output
  cell, grey covers over the cells not computed yet) and replaces the arithmetic text, with
  ``redraw=False``. The steps come from a ``convcore.trace.WindowTrace`` through
  :func:`steps_from_trace` (or are built by the caller, e.g. for pooling). Animations are
  not clickable (see :func:`animation_figure`); static figures are.

Colour scales (:func:`color_scale_for`) are ColorBrewer scales, safe for colour-blind
readers: blue for positive values (white at 0), a red–white–blue diverging scale centred on 0
when values have both signs, black-to-white for images.

Each clickable panel carries an invisible scatter overlay (one marker per cell) whose
``customdata`` is ``[tag, row, col]``; :func:`picked_cell` reads a Streamlit selection back.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from convcore.trace import format_number
from ui.i18n import _

Box = tuple[int, int, int, int]
"""``(top, left, bottom, right)``, inclusive cell indices of a panel."""

# ------------------------------------------------------------------------------ palette

#: ColorBrewer "Blues" (9 classes): 0 → white, large → dark blue.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
         "#08519c", "#08306b")
#: ColorBrewer "RdBu" (11 classes): negative red, 0 white, positive blue.
RED_BLUE = ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0",
            "#92c5de", "#4393c3", "#2166ac", "#053061")

PADDING_FILL = "#eceef2"
GRID_COLOR = "#d5dae2"
PADDING_TEXT = "#7b8190"
HATCH_COLOR = "rgba(90, 98, 112, 0.35)"
BORDER_COLOR = "#596275"
OUTLINE_COLOR = "#111111"
HALO_COLOR = "#ffffff"
COVER_FILL = "#e3e7ed"
PICK_COLOR = "#d55e00"  # Okabe–Ito vermillion: the pinned cell and what it touches
FEED_COLOR = "#e69f00"  # Okabe–Ito orange: output cells an input cell feeds
TEXT_COLOR = "#1f2430"
#: Font stacks: Latin faces first, then the CJK faces Windows, macOS and Linux ship (the app
#: downloads no web font, so Chinese text falls through to what the system has).
CJK_FONTS = ("'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', "
             "'Source Han Sans SC', 'WenQuanYi Micro Hei'")
MONO = f"'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', {CJK_FONTS}, monospace"
SANS = f"'Source Sans Pro', 'Source Sans 3', 'DejaVu Sans', Arial, {CJK_FONTS}, sans-serif"

# ------------------------------------------------------------------------------ sizes

MAX_CELL_PX = 72
MIN_CELL_PX = 10
AVAILABLE_WIDTH_PX = 940  # what the wide layout leaves for a chart on a laptop screen
MIN_FIGURE_WIDTH_PX = 660  # room for the play buttons and the step slider
GAP_CELLS = 1.6  # space between panels, in cells
#: Left and right margin: room for row numbers up to three characters ("−10", "255") at
#: the tick font, left of panel 0 (22 px clipped "10" to "l0" in the browser).
MARGIN_X_PX = 32
TITLE_PX = 46  # panel title + column numbers above each panel
LINE_PX = 23  # one line of arithmetic text
FOOTER_PX = 118  # play buttons + slider

#: Frame duration (ms) per play button; "normal" adapts to the number of steps.
SLOW_MS = 1100
FAST_MS = 45
#: Most steps an animation shows one output cell at a time; beyond, one output row a step.
MAX_CELL_STEPS = 900
#: Most frames any animation gets (rows are subsampled beyond).
MAX_FRAMES = 1200
#: Slider tick labels are hidden above this many steps.
MAX_TICK_LABELS = 40


# ------------------------------------------------------------------------------ colours


@dataclass(frozen=True)
class ColorScale:
    """A Plotly colour scale with its value range.

    Attributes
    ----------
    colorscale : tuple of (float, str)
    zmin, zmax : float
    kind : {"sequential", "negative", "diverging", "gray"}
    """

    colorscale: tuple[tuple[float, str], ...]
    zmin: float
    zmax: float
    kind: str


def _even_scale(colors: Sequence[str]) -> tuple[tuple[float, str], ...]:
    n = len(colors) - 1
    return tuple((k / n, c) for k, c in enumerate(colors))


def color_scale_for(values, *, image: bool = False) -> ColorScale:
    """The colour scale for an array of values.

    Parameters
    ----------
    values : array_like
        Any shape; NaNs are ignored.
    image : bool
        Intensities of a picture: black (0) to white (1, or the largest value if larger)
        when no value is negative.

    Returns
    -------
    ColorScale
        Both signs → "diverging" red–white–blue with ``zmin = −zmax`` (0 is white);
        no negative values → "sequential" white-to-blue from 0; no positive values →
        "negative" dark-red-to-white up to 0; non-negative images → "gray".
    """
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    if image and lo >= 0.0:
        return ColorScale(((0.0, "#000000"), (1.0, "#ffffff")), 0.0, max(hi, 1.0), "gray")
    if lo < 0.0 < hi:
        m = max(-lo, hi)
        return ColorScale(_even_scale(RED_BLUE), -m, m, "diverging")
    if hi <= 0.0 and lo < 0.0:
        return ColorScale(_even_scale(RED_BLUE[:6]), lo, 0.0, "negative")
    return ColorScale(_even_scale(BLUES), 0.0, hi if hi > 0 else 1.0, "sequential")


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def colorize(values, scale: ColorScale | None = None) -> np.ndarray:
    """Map values to RGB with a colour scale, for showing large arrays as images.

    Parameters
    ----------
    values : array_like, (H, W)
    scale : ColorScale, optional
        Defaults to :func:`color_scale_for` of ``values``.

    Returns
    -------
    np.ndarray
        uint8 ``(H, W, 3)``; NaN cells are white.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"colorize takes a 2-D array, got shape {arr.shape}")
    scale = scale or color_scale_for(arr)
    stops = np.array([s for s, _ in scale.colorscale])
    rgb = np.array([_hex_to_rgb(c) for _, c in scale.colorscale], dtype=np.float64)
    span = scale.zmax - scale.zmin
    t = np.zeros_like(arr) if span == 0 else (arr - scale.zmin) / span
    t = np.clip(np.nan_to_num(t, nan=1.0), 0.0, 1.0)
    out = np.stack([np.interp(t, stops, rgb[:, ch]) for ch in range(3)], axis=-1)
    out[np.isnan(arr)] = 255.0
    return np.rint(out).astype(np.uint8)


# ------------------------------------------------------------------------------ panels


@dataclass(frozen=True, eq=False)
class Panel:
    """One heatmap of a figure.

    Attributes
    ----------
    values : np.ndarray
        ``(rows, cols)``: what the cells show (the padded input for an input panel).
    title : str
        Shown above the panel (may hold ``<b>`` and ``<i>``).
    pad_mask : np.ndarray of bool, optional
        ``(rows, cols)``, True on padding cells: drawn hatched grey, outside the colour scale,
        inside a dashed border around the real cells.
    origin : (int, int)
        The cell that holds index ``(0, 0)`` (``(pad_top, pad_left)`` for a padded input):
        axis labels and click coordinates count from it, so padding rows read −1, −2, ...
    image : bool
        Colour the values as a picture (black to white) when none is negative.
    scale : ColorScale, optional
        Defaults to :func:`color_scale_for` of the real (non-padding) cells.
    show_values : bool, optional
        Print the values in the cells; by default when the cells are large enough.
    click : str, optional
        Tag of an invisible click overlay (``"input"``, ``"output"``, ``"kernel"``); padding
        cells get the tag ``"padding"``.
    name : str
        Prefix of the panel's trace names (for tests and for callers that add traces).
    """

    values: np.ndarray
    title: str
    pad_mask: np.ndarray | None = None
    origin: tuple[int, int] = (0, 0)
    image: bool = False
    scale: ColorScale | None = None
    show_values: bool | None = None
    click: str | None = None
    name: str = "panel"

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return tuple(np.shape(self.values))

    def real_mask(self) -> np.ndarray:
        """True on the cells that are not padding."""
        if self.pad_mask is None:
            return np.ones(self.shape, dtype=bool)
        return ~np.asarray(self.pad_mask, dtype=bool)

    def color_scale(self) -> ColorScale:
        """The panel's colour scale (given, or from its real cells)."""
        if self.scale is not None:
            return self.scale
        values = np.asarray(self.values, dtype=np.float64)
        return color_scale_for(values[self.real_mask()], image=self.image)


def axis_refs(k: int) -> tuple[str, str]:
    """Trace axis references of panel ``k``: ``("x", "y")``, ``("x2", "y2")``, ..."""
    suffix = "" if k == 0 else str(k + 1)
    return f"x{suffix}", f"y{suffix}"


def _layout_axis_names(k: int) -> tuple[str, str]:
    suffix = "" if k == 0 else str(k + 1)
    return f"xaxis{suffix}", f"yaxis{suffix}"


@dataclass(frozen=True)
class Geometry:
    """Where the panels go: one cell size for all, panels side by side, tops aligned."""

    cell_px: float
    width_px: int
    height_px: int
    top_px: int
    bottom_px: int
    x_domains: tuple[tuple[float, float], ...]
    y_domains: tuple[tuple[float, float], ...]


def panel_geometry(shapes: Sequence[tuple[int, int]], *, top_px: int = TITLE_PX + 10,
                   bottom_px: int = 12, max_cell_px: float = MAX_CELL_PX,
                   available_px: float = AVAILABLE_WIDTH_PX, min_width_px: int = 0,
                   min_slot_px: Sequence[float] | None = None) -> Geometry:
    """Lay panels of the given ``(rows, cols)`` out in a row with square cells of one size.

    ``min_slot_px`` gives each panel at least that much horizontal room (its title's
    width), so that a narrow panel's title does not run into the next panel.
    """
    cols = [c for _, c in shapes]
    max_rows = max(r for r, _ in shapes)
    slots = list(min_slot_px) if min_slot_px is not None else [0.0] * len(cols)
    gaps = GAP_CELLS * (len(shapes) - 1)
    cell = float(max_cell_px)
    for _round in range(3):  # the room titles need depends on the cell size, and back
        extra = sum(max(0.0, slot - c * cell) for c, slot in zip(cols, slots, strict=True))
        room = available_px - 2 * MARGIN_X_PX - extra
        cell = float(np.clip(room / (sum(cols) + gaps), MIN_CELL_PX, max_cell_px))
    widths = [max(c * cell, slot) for c, slot in zip(cols, slots, strict=True)]
    plot_w = sum(widths) + gaps * cell
    width = max(math.ceil(plot_w + 2 * MARGIN_X_PX), min_width_px)
    # Extra width (for the buttons) is spread around the panels: keep them centred.
    spare = (width - 2 * MARGIN_X_PX - plot_w) / 2
    plot_area = width - 2 * MARGIN_X_PX
    x_domains, start = [], spare
    for c, slot_w in zip(cols, widths, strict=True):
        x0, x1 = start / plot_area, (start + c * cell) / plot_area
        x_domains.append((max(0.0, x0), min(1.0, x1)))
        start += slot_w + GAP_CELLS * cell
    y_domains = tuple((1.0 - r / max_rows, 1.0) for r, _ in shapes)
    height = round(top_px + max_rows * cell + bottom_px)
    return Geometry(cell, width, height, top_px, bottom_px, tuple(x_domains), y_domains)


def title_width_px(title: str, font_px: float = 14.0) -> float:
    """Rough width of a panel title once drawn (HTML tags dropped): 0.56 em a Latin
    character, 1 em a Chinese one (East Asian wide or full-width), so Chinese panel titles
    get the room they take instead of running into their neighbours."""
    plain = re.sub(r"<[^>]+>", "", title)
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56 for ch in plain)
    return ems * font_px + 6


def _cell_texts(values: np.ndarray, digits: int) -> np.ndarray:
    flat = [format_number(v, digits=digits) for v in np.asarray(values, dtype=float).ravel()]
    return np.array(flat, dtype=object).reshape(np.shape(values))


def _font_for(texts: np.ndarray, cell_px: float) -> int | None:
    """Font size that fits the longest label in a cell, or None when nothing readable fits."""
    longest = max((len(t) for t in texts.ravel()), default=1)
    size = min(18.0, cell_px * 0.4, 0.9 * cell_px / (0.62 * max(longest, 1)))
    return int(size) if size >= 10 else None


def _hover_texts(panel: Panel, texts: np.ndarray) -> np.ndarray:
    """``input[r, c] = v`` per cell (``padding (r, c) = v`` on padding), in the panel's
    own coordinates (counted from ``panel.origin``)."""
    rows, cols = panel.shape
    r0, c0 = panel.origin
    real = panel.real_mask()
    label = {"input": "input", "output": "out", "kernel": "K"}.get(panel.click or panel.name,
                                                                     panel.name)
    padding_word = _("padding")
    out = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for c in range(cols):
            name = label if real[r, c] else padding_word
            out[r, c] = f"{name}[{r - r0}, {c - c0}] = {texts[r, c]}"
    return out


def _heatmap(panel: Panel, k: int, cell_px: float, digits: int, *,
             hover: bool = True) -> list[go.Heatmap]:
    xref, yref = axis_refs(k)
    values = np.asarray(panel.values, dtype=np.float64)
    real = panel.real_mask()
    scale = panel.color_scale()
    texts = _cell_texts(values, digits)
    font = _font_for(texts, cell_px)
    show = font is not None if panel.show_values is None else panel.show_values
    font = font or 10
    common = dict(xaxis=xref, yaxis=yref, xgap=1, ygap=1, showscale=False)
    if hover:
        hovertext = _hover_texts(panel, texts)
        common.update(hovertemplate="%{hovertext}<extra></extra>")
    else:
        hovertext = None
        common.update(hoverinfo="skip")
    z = np.where(real, values, np.nan).astype(np.float32)
    traces = [go.Heatmap(
        z=z, colorscale=scale.colorscale, zmin=scale.zmin, zmax=scale.zmax,
        text=np.where(real, texts, "") if show else None,
        texttemplate="%{text}" if show else None,
        textfont=dict(size=font, family=SANS),
        hovertext=np.where(real, hovertext, None) if hover else None,
        name=f"{panel.name}:values", **common)]
    if not real.all():
        pad_z = np.where(real, np.nan, 0.0).astype(np.float32)
        traces.append(go.Heatmap(
            z=pad_z, colorscale=((0.0, PADDING_FILL), (1.0, PADDING_FILL)), zmin=0, zmax=1,
            text=np.where(real, "", texts) if show else None,
            texttemplate="%{text}" if show else None,
            textfont=dict(size=font, family=SANS, color=PADDING_TEXT),
            hovertext=np.where(real, None, hovertext) if hover else None,
            name=f"{panel.name}:padding", **common))
    return traces


def _hatch_path(mask: np.ndarray) -> str:
    """An SVG path (data coordinates) of three diagonal strokes per masked cell; they join
    into continuous hatching."""
    parts = []
    for r, c in zip(*np.nonzero(mask), strict=True):
        for (x0, y0), (x1, y1) in (((c - 0.5, r), (c, r - 0.5)),
                                   ((c - 0.5, r + 0.5), (c + 0.5, r - 0.5)),
                                   ((c, r + 0.5), (c + 0.5, r))):
            parts.append(f"M{x0:g},{y0:g}L{x1:g},{y1:g}")
    return "".join(parts)


def box_outline(boxes: Sequence[Box], *, inset: float = 0.0) -> tuple[list, list]:
    """Closed rectangle paths around inclusive cell boxes, ``None``-separated.

    A box ``(top, left, bottom, right)`` covers cell centres ``top..bottom``; its outline
    runs along the cell edges (±0.5), pulled in by ``inset`` cells.
    """
    xs: list = []
    ys: list = []
    for top, left, bottom, right in boxes:
        x0, x1 = left - 0.5 + inset, right + 0.5 - inset
        y0, y1 = top - 0.5 + inset, bottom + 0.5 - inset
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [x0, x1, x1, x0, x0]
        ys += [y0, y0, y1, y1, y0]
    return xs, ys


def _real_box(mask: np.ndarray) -> Box | None:
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return None
    return int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())


def _decorations(panel: Panel, k: int) -> list[dict]:
    """Layout shapes: hatching over the padding and a dashed border around the real cells.

    Shapes, not traces: they cannot be selected by a click, and an animation never touches
    them (see :func:`animation_figure`).
    """
    if panel.pad_mask is None or not np.any(panel.pad_mask):
        return []
    xref, yref = axis_refs(k)
    shapes = [dict(type="path", path=_hatch_path(np.asarray(panel.pad_mask, dtype=bool)),
                   xref=xref, yref=yref, line=dict(color=HATCH_COLOR, width=1),
                   layer="above", name=f"{panel.name}:hatch")]
    box = _real_box(panel.real_mask())
    if box is not None:
        top, left, bottom, right = box
        shapes.append(dict(type="rect", xref=xref, yref=yref, x0=left - 0.5, x1=right + 0.5,
                           y0=top - 0.5, y1=bottom + 0.5, layer="above",
                           line=dict(color=BORDER_COLOR, width=1.6, dash="dash"),
                           name=f"{panel.name}:border"))
    return shapes


def _click_overlay(panel: Panel, k: int, cell_px: float, digits: int) -> go.Scatter:
    xref, yref = axis_refs(k)
    rows, cols = panel.shape
    rr, cc = np.mgrid[0:rows, 0:cols]
    real = panel.real_mask()
    r0, c0 = panel.origin
    tags = np.where(real, panel.click, "padding")
    customdata = [[str(t), int(r - r0), int(c - c0)]
                  for t, r, c in zip(tags.ravel(), rr.ravel(), cc.ravel(), strict=True)]
    texts = _cell_texts(panel.values, digits).ravel().tolist()
    label = {"input": "input", "output": "out", "kernel": "K"}.get(panel.click, panel.click)
    hover = [f"{label}[{r}, {c}] = {t}" if tag != "padding" else f"padding ({r}, {c}) = {t}"
             for (tag, r, c), t in zip(customdata, texts, strict=True)]
    size = max(4.0, 0.8 * cell_px)
    return go.Scatter(
        x=cc.ravel().astype(np.float32), y=rr.ravel().astype(np.float32), mode="markers",
        xaxis=xref, yaxis=yref, customdata=customdata, hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(symbol="square", size=size, opacity=0, color="#000000"),
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        showlegend=False, name=f"click:{panel.click}")


def _axes_layout(panel: Panel, k: int, geom: Geometry) -> dict:
    rows, cols = panel.shape
    r0, c0 = panel.origin
    xname, yname = _layout_axis_names(k)
    xref, yref = axis_refs(k)
    every = 1 if geom.cell_px >= 16 else (2 if geom.cell_px >= 9 else 5)
    xt = [c for c in range(cols) if (c - c0) % every == 0]
    yt = [r for r in range(rows) if (r - r0) % every == 0]
    tick_font = dict(size=11 if geom.cell_px >= 18 else 9, color="#6b7280")
    # Invisible ticks keep the row and column numbers a few pixels off the cells.
    common = dict(showgrid=False, zeroline=False, fixedrange=True, showline=False,
                  ticks="outside", ticklen=3, tickcolor="rgba(0,0,0,0)", tickfont=tick_font,
                  constrain="domain")
    return {
        xname: dict(domain=list(geom.x_domains[k]), range=[-0.5, cols - 0.5], side="top",
                    anchor=yref, tickvals=xt, ticktext=[str(c - c0) for c in xt],
                    constraintoward="center", **common),
        yname: dict(domain=list(geom.y_domains[k]), range=[rows - 0.5, -0.5], anchor=xref,
                    tickvals=yt, ticktext=[str(r - r0) for r in yt], scaleanchor=xref,
                    scaleratio=1, constraintoward="top", **common),
    }


def _title_annotation(panel: Panel, k: int) -> dict:
    xref, yref = axis_refs(k)
    return dict(text=panel.title, xref=f"{xref} domain", yref=f"{yref} domain", x=0, y=1,
                xanchor="left", yanchor="bottom", yshift=20, showarrow=False,
                font=dict(size=14, color=TEXT_COLOR, family=SANS), align="left")


def grid_figure(panels: Sequence[Panel], *, digits: int = 3, top_px: int | None = None,
                bottom_px: int = 12, min_width_px: int = 0,
                max_cell_px: float = MAX_CELL_PX,
                available_px: float = AVAILABLE_WIDTH_PX) -> go.Figure:
    """The panels side by side, ready for highlights.

    Parameters
    ----------
    panels : sequence of Panel
    digits : int
        Significant digits of the printed values.
    top_px, bottom_px : int
        Room above the panels (titles, column numbers, any text) and below them.
    min_width_px : int
        Make the figure at least this wide (the panels stay centred).
    max_cell_px : float
        Largest cell side in pixels.
    available_px : float
        Width the figure may take (the page's column; about 880 px in the wide layout of a
        1280 px window): cells shrink to fit it.

    Returns
    -------
    go.Figure
        Panel ``k`` lives on axes :func:`axis_refs` ``(k)``; ``layout.meta`` holds
        ``{"cell_px": ..., "panels": [names]}``. Show it with ``width="content"``: the layout
        carries the natural width, and Streamlit shrinks it to the container if needed.
    """
    if not panels:
        raise ValueError("a grid figure needs at least one panel")
    for p in panels:
        if np.ndim(p.values) != 2 or 0 in np.shape(p.values):
            raise ValueError(f"panel {p.name!r} needs a non-empty 2-D array, "
                             f"got shape {np.shape(p.values)}")
    traces, layout = _grid_parts(panels, digits=digits, top_px=top_px, bottom_px=bottom_px,
                                 min_width_px=min_width_px, max_cell_px=max_cell_px,
                                 available_px=available_px)
    # The layout is validated as plotly always does: skipping it halved the build time but
    # lost the presenter mode's title lift on the Why page (presenter_fit below),
    # so the shared caches (ui.shared_cache) are what save the time instead.
    return go.Figure(data=traces, layout=layout)


def _grid_parts(panels: Sequence[Panel], *, digits: int, top_px: int | None, bottom_px: int,
                min_width_px: int, max_cell_px: float,
                clickable: bool = True,
                available_px: float = AVAILABLE_WIDTH_PX) -> tuple[list, dict]:
    top = TITLE_PX + 10 if top_px is None else top_px
    geom = panel_geometry([p.shape for p in panels], top_px=top, bottom_px=bottom_px,
                          min_width_px=min_width_px, max_cell_px=max_cell_px,
                          available_px=available_px,
                          min_slot_px=[title_width_px(p.title) for p in panels])
    traces: list = []
    shapes: list = []
    layout: dict = {}
    for k, panel in enumerate(panels):
        hover = not (panel.click and clickable)  # an overlay, when there is one, hovers
        traces += _heatmap(panel, k, geom.cell_px, digits, hover=hover)
        shapes += _decorations(panel, k)
        layout.update(_axes_layout(panel, k, geom))
    for k, panel in enumerate(panels):
        if panel.click and clickable:
            traces.append(_click_overlay(panel, k, geom.cell_px, digits))

    layout.update(
        width=geom.width_px, height=geom.height_px, autosize=False,
        margin=dict(l=MARGIN_X_PX, r=MARGIN_X_PX, t=geom.top_px, b=geom.bottom_px),
        # The plot background shows only in the 1-pixel gaps between cells: grid lines that
        # keep white cells (0, or white in a picture) apart from each other and the page.
        paper_bgcolor="#ffffff", plot_bgcolor=GRID_COLOR,
        font=dict(family=SANS, color=TEXT_COLOR), hovermode="closest", dragmode=False,
        showlegend=False, annotations=[_title_annotation(p, k) for k, p in enumerate(panels)],
        shapes=shapes, hoverlabel=dict(font=dict(family=MONO, size=13)),
        meta=dict(cell_px=geom.cell_px, panels=[p.name for p in panels]))
    return traces, layout


def trace_index(fig: go.Figure, name: str) -> int:
    """Index of the trace called ``name`` (ValueError if there is none)."""
    for k, trace in enumerate(fig.data):
        if trace.name == name:
            return k
    raise ValueError(f"the figure has no trace called {name!r}")


def add_outline(fig: go.Figure, panel: int, boxes: Sequence[Box], *,
                color: str = OUTLINE_COLOR, width: float = 3.0, dash: str | None = None,
                halo: bool = True, name: str = "outline") -> go.Figure:
    """Draw rectangles around inclusive cell boxes of panel ``panel`` (in place)."""
    xref, yref = axis_refs(panel)
    xs, ys = box_outline(boxes)
    if halo:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", xaxis=xref, yaxis=yref,
                                 line=dict(color=HALO_COLOR, width=width + 3.5),
                                 hoverinfo="skip", showlegend=False, name=f"{name}:halo"))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", xaxis=xref, yaxis=yref,
                             line=dict(color=color, width=width, dash=dash),
                             hoverinfo="skip", showlegend=False, name=name))
    _raise_click_overlays(fig)
    return fig


def add_marks(fig: go.Figure, panel: int, cells: Sequence[tuple[int, int]], *,
              color: str = OUTLINE_COLOR, size: float | None = None,
              name: str = "marks") -> go.Figure:
    """Put a dot in the centre of each ``(row, col)`` cell of panel ``panel`` (in place)."""
    xref, yref = axis_refs(panel)
    cell_px = float(fig.layout.meta["cell_px"]) if fig.layout.meta else 30.0
    fig.add_trace(go.Scatter(
        x=[c for _, c in cells], y=[r for r, _ in cells], mode="markers", xaxis=xref,
        yaxis=yref, hoverinfo="skip", showlegend=False, name=name,
        marker=dict(color=color, size=size or max(5.0, 0.22 * cell_px),
                    line=dict(color=HALO_COLOR, width=1.5))))
    _raise_click_overlays(fig)
    return fig


def _raise_click_overlays(fig: go.Figure) -> None:
    """Keep the click overlays last, so they stay on top of added highlights."""
    overlays = [t for t in fig.data if (t.name or "").startswith("click:")]
    if overlays and fig.data[-len(overlays):] != tuple(overlays):
        others = [t for t in fig.data if not (t.name or "").startswith("click:")]
        fig.data = others + overlays


# ------------------------------------------------------------------------------ animation


@dataclass(frozen=True)
class Step:
    """One frame of a sliding-window animation.

    Attributes
    ----------
    window : Box
        The window, in the input panel's cells (padded coordinates).
    output : Box
        The output cell(s) computed at this step (one cell, or a whole row).
    text : str
        The arithmetic shown above the panels (``<br>`` between lines).
    marks : tuple of (int, int)
        Input-panel cells to frame (the taps of a dilated kernel, which has gaps).
    highlights : tuple of Box
        Input-panel boxes to outline in orange-red (e.g. the winner of a max-pooling window).
    """

    window: Box
    output: Box
    text: str
    marks: tuple[tuple[int, int], ...] = ()
    highlights: tuple[Box, ...] = ()


def plan_steps(out_hw: tuple[int, int], *, max_cell_steps: int = MAX_CELL_STEPS,
               max_frames: int = MAX_FRAMES) -> tuple[str, list[int]]:
    """How to animate an output of ``out_hw``: ``("cell", [])`` or ``("row", rows)``.

    Up to ``max_cell_steps`` output cells the window visits every cell; beyond, each step
    computes a whole output row, and at most ``max_frames`` rows are shown (evenly spread,
    first and last included).
    """
    out_h, out_w = out_hw
    if out_h * out_w <= max_cell_steps:
        return "cell", []
    if out_h <= max_frames:
        return "row", list(range(out_h))
    rows = np.unique(np.linspace(0, out_h - 1, max_frames).round().astype(int))
    return "row", [int(r) for r in rows]


def steps_from_trace(trace, texts: Sequence[str], *, rows: Sequence[int] | None = None,
                     mark_taps: bool = False) -> list[Step]:
    """Animation steps from a ``convcore`` ``WindowTrace``.

    Parameters
    ----------
    trace : convcore.trace.WindowTrace
    texts : sequence of str
        One arithmetic text per step: per output cell in ``trace.steps()`` order, or per
        row of ``rows``.
    rows : sequence of int, optional
        Step a whole output row at a time, through these rows (see :func:`plan_steps`).
    mark_taps : bool
        Frame every tap of the window (useful with dilation, where the window has gaps).

    Returns
    -------
    list of Step
    """
    out_w = trace.out_hw[1]
    if rows is None:
        cells = trace.steps()
        boxes = [(trace.window_box(i, j), (i, j, i, j)) for i, j in cells]
        tap_cells = [[(r, c) for r, c in zip(trace.padded_rows[i, j].ravel(),
                                             trace.padded_cols[i, j].ravel(), strict=True)]
                     for i, j in cells] if mark_taps else None
    else:
        boxes = []
        for i in rows:
            top, left, bottom = trace.window_box(i, 0)[:3]
            right = trace.window_box(i, out_w - 1)[3]
            boxes.append(((top, left, bottom, right), (i, 0, i, out_w - 1)))
        tap_cells = None
    if len(texts) != len(boxes):
        raise ValueError(f"{len(boxes)} steps need {len(boxes)} texts, got {len(texts)}")
    steps = []
    for k, ((window, output), text) in enumerate(zip(boxes, texts, strict=True)):
        marks = tuple((int(r), int(c)) for r, c in tap_cells[k]) if tap_cells else ()
        steps.append(Step(tuple(int(v) for v in window), output, text, marks))
    return steps


def _covers(output: Box, out_hw: tuple[int, int]) -> list[Box]:
    """Boxes over the output cells after ``output`` in row-major order (not computed yet):
    the rest of its row, then every row below."""
    out_h, out_w = out_hw
    top, _left, bottom, right = output
    rest_of_row = (top, right + 1, bottom, out_w - 1) if right < out_w - 1 else None
    rows_below = (bottom + 1, 0, out_h - 1, out_w - 1) if bottom < out_h - 1 else None
    return [rest_of_row, rows_below]


def _normal_ms(n_steps: int) -> int:
    return int(np.clip(24000 / max(n_steps, 1), 90, 550))


def _animate_args(names, duration: int, *, from_current: bool = True) -> list:
    return [names, dict(mode="immediate", fromcurrent=from_current,
                        frame=dict(duration=duration, redraw=False),
                        transition=dict(duration=0))]


def _controls(steps: Sequence[Step], names: list[str], initial: int) -> tuple[list, list]:
    n = len(steps)
    normal = _normal_ms(n)
    jump = dict(mode="immediate", frame=dict(duration=0, redraw=False),
                transition=dict(duration=0))
    buttons = [
        dict(label="|◀", method="animate", args=[[names[0]], jump]),
        dict(label="▶ " + _("Slow"), method="animate", args=_animate_args(None, SLOW_MS)),
        dict(label="▶ " + _("Play"), method="animate", args=_animate_args(None, normal)),
        dict(label="▶▶ " + _("Fast"), method="animate", args=_animate_args(None, FAST_MS)),
        dict(label="❚❚ " + _("Pause"), method="animate", args=[[None], jump]),
        dict(label="▶|", method="animate", args=[[names[-1]], jump]),
    ]
    menus = [dict(type="buttons", direction="left", buttons=buttons, showactive=False,
                  x=0.0, xanchor="left", y=0, yanchor="top", pad=dict(t=14, r=6),
                  bgcolor="#f4f5f8", bordercolor="#c9ced8", font=dict(size=13, family=SANS),
                  name="transport")]
    many = n > MAX_TICK_LABELS
    slider = dict(
        active=initial, x=0.0, len=1.0, y=0, yanchor="top", pad=dict(t=58, b=4),
        currentvalue=dict(prefix=_("Step") + " ", suffix=" / " + str(n), xanchor="right",
                          offset=6,
                          font=dict(size=13, family=SANS, color=TEXT_COLOR)),
        ticklen=0 if many else 4, minorticklen=0,
        font=dict(size=10, color="rgba(0,0,0,0)" if many else "#6b7280"),
        bgcolor="#e8ebf0", activebgcolor="#9aa3b2", bordercolor="#c9ced8",
        steps=[dict(method="animate", label=str(k + 1), args=[[name], jump])
               for k, name in enumerate(names)],
        name="steps")
    return menus, [slider]


class AnimatedFigure(go.Figure):
    """A ``go.Figure`` whose frames and step slider are kept as plain dicts.

    plotly.py validates every nested property of every ``go.Frame`` it is given, which for
    the 676 frames of a 28×28 input takes longer than building everything else; the frames
    here are generated from one fixed template (whose validity ``tests/ui`` checks by
    loading ``to_dict()`` into a validated ``go.Figure``), so they skip it. They are merged
    in by :meth:`to_dict`, which ``to_json``, ``st.plotly_chart`` and ``fig.show`` all use.
    Treat the figure as read-only once built.
    """

    _raw_frames: list = []  # noqa: RUF012 — replaced per instance, never mutated
    _raw_layout: dict = {}  # noqa: RUF012

    def to_dict(self) -> dict:
        """The figure as a dict, frames and slider included: a copy the caller may change,
        as plotly's own ``to_dict`` gives (``presenter.scale_figure`` enlarges its fonts in
        place; handing out the raw dicts let a cached figure grow ×1.75 per rerun).
        Copying costs a few per cent of building (9 ms for 324 frames against 209 ms);
        ``ui.shared_cache.share`` makes it once for a figure shared between sessions."""
        res = super().to_dict()
        if self._raw_frames:
            res["frames"] = copy.deepcopy(self._raw_frames)
        res["layout"].update(copy.deepcopy(self._raw_layout))
        return res

    @property
    def frame_dicts(self) -> list[dict]:
        """The frames, as plain dicts (read-only)."""
        return self._raw_frames


#: Where a moving shape waits when a step does not use it: far outside every axis range,
#: so clipped away. (Toggling ``visible`` does not work in a ``redraw=False`` frame: a
#: hidden shape is not redrawn, so its old drawing stays on the page.)
HIDDEN_AT = -100.0
_HIDDEN = dict(x0=HIDDEN_AT, x1=HIDDEN_AT, y0=HIDDEN_AT, y1=HIDDEN_AT)
_TAP_INSET = 0.13


def _rect(box: Box | None, inset: float = 0.0) -> dict:
    """Coordinates of a rectangle shape around an inclusive cell box (parked when None)."""
    if box is None:
        return dict(_HIDDEN)
    top, left, bottom, right = box
    return dict(x0=left - 0.5 + inset, x1=right + 0.5 - inset, y0=top - 0.5 + inset,
                y1=bottom + 0.5 - inset)


def _tap(cell: tuple[int, int] | None) -> dict:
    """A small frame inside a tap's cell (its value stays readable)."""
    return _rect(None if cell is None else (cell[0], cell[1], cell[0], cell[1]),
                 inset=_TAP_INSET)


def _padded(items: Sequence, n: int) -> list:
    return list(items) + [None] * (n - len(items))


def animation_figure(panels: Sequence[Panel], steps: Sequence[Step], *, input_panel: int = 0,
                     output_panel: int = -1, initial: int = 0, digits: int = 3,
                     max_cell_px: float = MAX_CELL_PX) -> go.Figure:
    """The sliding window, animated in the browser.

    Parameters
    ----------
    panels : sequence of Panel
        Typically input (padded), kernel, output.
    steps : sequence of Step
        One frame each (see :func:`steps_from_trace`); ``window``, ``marks`` and
        ``highlights`` index the input panel's cells, ``output`` the output panel's.
    input_panel, output_panel : int
        Which panels the window and the output cell move on.
    initial : int
        The step drawn before Play is pressed.
    digits : int
        Significant digits of the printed values.
    max_cell_px : float
        Largest cell side in pixels (presenter mode asks for larger cells).

    Returns
    -------
    AnimatedFigure
        One frame per step (named ``"0"``, ``"1"``, ...; see
        :attr:`AnimatedFigure.frame_dicts`), played with ``redraw=False``. Everything that
        moves is a *layout shape* — ``covers:row``, ``covers:below``, ``window:halo``,
        ``window``, ``cell:halo``, ``cell``, then ``highlight:k`` and ``mark:k`` — listed
        first in ``layout.shapes`` (``layout.meta["dynamic"]`` names them), and a frame
        sends only their coordinates, plus the text of ``layout.annotations[0]``.

    Notes
    -----
    Why shapes and not traces: in a ``redraw=False`` frame plotly.js recomputes every trace
    but redraws only those the frame names, and it drops the heatmaps from the page as soon
    as a frame names any trace (plotly.js #4491). Shapes and annotations that refer to an
    axis are redrawn by every frame, so the step text is anchored to the input panel's
    axes, not to the paper. The panels' click overlays are left out (hovering a cell still
    shows its value): after a ``redraw=False`` frame a scatter trace has lost its SVG node,
    and a click, which restyles every scatter trace of its subplot, fails inside plotly.js.
    Pin cells in a static :func:`grid_figure` instead.
    """
    if not steps:
        raise ValueError("an animation needs at least one step")
    if not 0 <= initial < len(steps):
        raise ValueError(f"initial step {initial} is outside 0..{len(steps) - 1}")
    n_panels = len(panels)
    inp, out = input_panel % n_panels, output_panel % n_panels
    out_hw = panels[out].shape
    max_lines = max(s.text.count("<br>") + 1 for s in steps)
    top = TITLE_PX + 16 + LINE_PX * max_lines
    traces, layout = _grid_parts(panels, digits=digits, top_px=top, bottom_px=FOOTER_PX,
                                 min_width_px=MIN_FIGURE_WIDTH_PX, max_cell_px=max_cell_px,
                                 clickable=False)
    n_marks = max(len(s.marks) for s in steps)
    n_highlights = max(len(s.highlights) for s in steps)
    ix, iy = axis_refs(inp)
    ox, oy = axis_refs(out)

    def style(name, xref, yref, **kw):
        return dict(type="rect", xref=xref, yref=yref, layer="above", name=name, **kw)

    no_line = dict(width=0, color=COVER_FILL)
    dynamic = [
        style("covers:row", ox, oy, fillcolor=COVER_FILL, line=no_line),
        style("covers:below", ox, oy, fillcolor=COVER_FILL, line=no_line),
        style("window:halo", ix, iy, line=dict(color=HALO_COLOR, width=7.5)),
        style("window", ix, iy, line=dict(color=OUTLINE_COLOR, width=3.5)),
        style("cell:halo", ox, oy, line=dict(color=HALO_COLOR, width=7.5)),
        style("cell", ox, oy, line=dict(color=OUTLINE_COLOR, width=3.5)),
        *(style(f"highlight:{k}", ix, iy, line=dict(color=PICK_COLOR, width=3.5))
          for k in range(n_highlights)),
        *(style(f"mark:{k}", ix, iy, line=dict(color=FEED_COLOR, width=2.5))
          for k in range(n_marks)),
    ]

    def coordinates(step: Step) -> list[dict]:
        window, cell = _rect(step.window), _rect(step.output)
        # Covers overlap a hair, so that no seam shows where the two meet.
        return [*(_rect(box, inset=-0.03) for box in _covers(step.output, out_hw)), window,
                window,
                cell, cell,
                *(_rect(box, inset=0.1) for box in _padded(step.highlights, n_highlights)),
                *(_tap(cell) for cell in _padded(step.marks, n_marks))]

    for shape, coords in zip(dynamic, coordinates(steps[initial]), strict=True):
        shape.update(coords)
    step_text = dict(text=steps[initial].text, xref=f"{ix} domain", yref=f"{iy} domain",
                     x=0, y=1, xanchor="left", yanchor="bottom", yshift=TITLE_PX + 4,
                     showarrow=False, align="left",
                     font=dict(family=MONO, size=17, color=TEXT_COLOR))
    frame_names = [str(k) for k in range(len(steps))]
    menus, sliders = _controls(steps, frame_names, initial)
    layout["shapes"] = [*dynamic, *layout.get("shapes", [])]
    layout["annotations"] = [step_text, *layout["annotations"]]
    layout["updatemenus"] = menus
    layout["meta"] = dict(layout["meta"], dynamic=[d["name"] for d in dynamic],
                          steps=len(steps), normal_ms=_normal_ms(len(steps)))
    fig = AnimatedFigure(data=traces, layout=layout)
    # A frame's shapes and annotations merge into the layout's by position: sending only
    # the coordinates keeps the styles, and the static shapes after them stay as they are.
    fig._raw_frames = [dict(name=name, layout=dict(shapes=coordinates(step),
                                                   annotations=[dict(text=step.text)]))
                       for name, step in zip(frame_names, steps, strict=True)]
    fig._raw_layout = dict(sliders=sliders)
    return fig


# ------------------------------------------------------------------------------ text


def arithmetic_text(arith, *, digits: int = 3, html: bool = True,
                    per_line: int | None = None) -> str:
    """A ``convcore.trace.CellArithmetic`` as the animation prints it.

    ``out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 = 19``; longer sums break after every kernel row
    (``per_line`` products; by default the kernel width when there are more than four
    terms), with ``<br>`` (``html``) or newlines between lines.
    """
    terms = list(arith.terms)
    products = [f"{format_number(t.value, parenthesize=True, digits=digits)}×"
                f"{format_number(t.weight, parenthesize=True, digits=digits)}" for t in terms]
    if per_line is None:
        kernel_w = 1 + max((t.kernel[1] for t in terms), default=0)
        per_line = len(products) if len(products) <= 4 else kernel_w
    head = f"out[{arith.i}, {arith.j}] = "
    lines = [" + ".join(products[k:k + per_line]) for k in range(0, len(products), per_line)]
    tail = ""
    if arith.bias != 0:
        tail = f" + {format_number(arith.bias, parenthesize=True, digits=digits)}"
    tail += f" = {format_number(arith.total, digits=digits)}"
    joined = (("<br>" if html else "\n") + "+ ").join(lines) if lines else "0"
    return head + joined + tail


def wrap_sum(line: str, width: int = 34, *, indent: str = "  ") -> list[str]:
    """Break a written-out sum into lines of at most ``width`` characters, only before a
    ``+`` term, so that ``= result`` always stays on the line of the last term.

    ``wrap_sum("out[0, 0] = 0×0 + 1×1 + 3×2 + 4×3 = 19", 24)`` →
    ``["out[0, 0] = 0×0 + 1×1", "  + 3×2 + 4×3 = 19"]``. Breaks come first between
    bracketed groups ``(…) + (…)``; a group too long for a line is broken inside.
    """
    head, sep, result = line.rpartition(" = ")
    if not sep:
        head, result = line, ""
    terms = []
    for group in _top_level_terms(head):
        terms += [group] if len(group) + 2 + len(indent) <= width else group.split(" + ")
    terms[-1] += f" = {result}" if sep else ""
    lines = [terms[0]]
    for term in terms[1:]:
        if len(lines[-1]) + 3 + len(term) <= width:
            lines[-1] += f" + {term}"
        else:
            lines.append(f"{indent}+ {term}")
    return lines


def _top_level_terms(text: str) -> list[str]:
    """``"(1 + 2) + 3"`` → ``["(1 + 2)", "3"]``: split at `` + `` outside brackets."""
    terms, depth, start = [], 0, 0
    for k, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if depth == 0 and text.startswith(" + ", k):
            terms.append(text[start:k])
            start = k + 3
    return [*terms, text[start:]]


def row_text(i: int, values: Sequence[float], *, digits: int = 3, limit: int = 12) -> str:
    """``out[3, :] = [0, 1, 0, …, −1, 0]`` for a step that computes a whole row."""
    shown = [format_number(v, digits=digits) for v in values]
    if len(shown) > limit:
        shown = [*shown[: limit // 2], "…", *shown[-(limit // 2):]]
    return f"out[{i}, :] = [{', '.join(shown)}]"


# ------------------------------------------------------------------------------ clicks


def picked_cell(selection: Mapping | None) -> tuple[str, int, int] | None:
    """The ``(tag, row, col)`` of the first clicked overlay point of a Streamlit selection.

    ``selection`` is what ``st.plotly_chart(..., on_select=...)`` stores under its key:
    ``{"selection": {"points": [{"customdata": {"0": tag, "1": row, "2": col}, ...}]}}``
    (customdata may also come back as a list). None when nothing usable was clicked.
    """
    if not selection:
        return None
    inner = selection.get("selection", selection)
    points = inner.get("points") if isinstance(inner, Mapping) else None
    for point in points or []:
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, Mapping):
            data = [data.get(str(k), data.get(k)) for k in range(3)]
        if not isinstance(data, list | tuple) or len(data) < 3:
            continue
        tag, row, col = data[0], data[1], data[2]
        try:
            return str(tag), int(row), int(col)
        except (TypeError, ValueError):
            continue
    return None


# ------------------------------------------------------------------------------ presenter
# Fitting a scaled grid figure to a projector (ui.controls.show_grid calls it on every page).


def text_width_px(text: str, font_px: float) -> float:
    """Rough drawn width of a label (HTML tags dropped; CJK characters count full width)."""
    plain = re.sub(r"<[^>]+>", "", text)
    return font_px * sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in plain) + 6


def wrap_title(title: str, room_px: float, font_px: float) -> str:
    """``title`` broken at the space that makes its widest line narrowest, when it does not
    fit ``room_px`` on one line (at most two lines)."""
    if text_width_px(title, font_px) <= room_px or " " not in title:
        return title
    spaces = [k for k, ch in enumerate(title) if ch == " "]
    best = min(spaces, key=lambda k: max(text_width_px(title[:k], font_px),
                                         text_width_px(title[k + 1:], font_px)))
    return title[:best] + "<br>" + title[best + 1:]


def presenter_fit(fig: go.Figure, *, min_text_px: float = 24, title_px: float = 26,
                  tick_px: float = 20, max_width_px: float = 740) -> go.Figure:
    """Make a scaled grid figure (``ui.presenter.scale_figure``) fit a projector (in place).

    - Numbers printed in cells smaller than ``min_text_px`` are not printed (a projector
      cannot show them; the page's tables and sentences carry them).
    - A panel title wider than the room before the next panel is broken onto two lines;
      titles move up above the column numbers (``tick_px`` tall), the top margin growing
      with them, so that no title touches a tick label or another title.
    - The figure stays at most ``max_width_px`` wide (the page's column at 1280×720 with
      the sidebar open is about 760 px): its right margin grows until the last title fits,
      the panels shrinking if need be.

    Returns
    -------
    go.Figure
        ``fig`` itself.
    """
    for trace in fig.data:
        if trace.type == "heatmap" and trace.texttemplate:
            size = trace.textfont.size if trace.textfont and trace.textfont.size else 0
            if size < min_text_px:
                trace.update(texttemplate=None, text=None)
    margin = fig.layout.margin
    left, right = margin.l or 0, margin.r or 0
    width = min(float(fig.layout.width or max_width_px), max_width_px)
    titles = [a for a in fig.layout.annotations
              if isinstance(a.xref, str) and a.xref.endswith(" domain")]
    domains = [fig.layout["xaxis" + a.xref.split()[0][1:]].domain for a in titles]
    extra = 0.0
    for _round in range(3):  # the room depends on the margin, and back
        plot_w = width - left - right - extra
        starts = [left + d[0] * plot_w for d in domains]
        last = text_width_px(titles[-1].text or "", title_px) if titles else 0.0
        extra = max(0.0, (starts[-1] + last) - (width - 4)) + extra if titles else 0.0
        plot_w = width - left - right - extra
        starts = [left + d[0] * plot_w for d in domains]
        if not titles or starts[-1] + last <= width - 4 + 0.5:
            break
    lines = 1
    line_px = title_px * 1.3
    raised = [0.0] * len(titles)  # extra lift of a title stepped above its neighbour's
    for k, annotation in enumerate(titles):
        if k + 1 < len(titles):
            room = starts[k + 1] - starts[k] - 8
            annotation.text = wrap_title(annotation.text or "", room, title_px)
            own = (annotation.text or "").count("<br>") + 1
            lines = max(lines, own)
            widest = max(text_width_px(line, title_px)
                         for line in (annotation.text or "").split("<br>"))
            if widest > room and not raised[k]:
                # Still too wide even broken (a narrow kernel panel with a long Chinese
                # word): the next title steps up above this one instead of touching it.
                next_lines = (titles[k + 1].text or "").count("<br>") + 1
                raised[k + 1] = own * line_px
                lines = max(lines, own + next_lines)
    lift = int(tick_px + 10)  # titles above the column numbers
    grow = lift + int((lines - 1) * line_px)  # and room for a second line
    if any(raised):
        grow += int(line_px)  # a stepped-up title: one more line of headroom
    for annotation, extra_lift in zip(titles, raised, strict=True):
        annotation.yshift = (annotation.yshift or 0) + lift + int(extra_lift)
    fig.update_layout(margin=dict(t=(margin.t or 0) + grow, r=right + int(np.ceil(extra))),
                      width=int(width), height=(fig.layout.height or 0) + grow)
    return fig
