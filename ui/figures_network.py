"""Figures of the "Whole network" page: arrays in, ``go.Figure`` out. Never imports Streamlit.

- :func:`overview_columns` + :func:`overview_figure` — every layer of one forward pass as a
  column: feature maps as a stack of small heatmaps (one per channel), flat vectors (the
  flattened maps, dense layers) as strips, and the class probabilities as bars. Each column
  has its own colour scale (feature maps of different layers have very different ranges).
  An invisible click overlay gives every unit ``customdata = [column, channel, row, col]``;
  :func:`picked_unit` reads a Streamlit selection back into that.
- :func:`window_pairs_figure` (a convolution unit: window and kernel slice per input
  channel), :func:`pool_window_figure`, :func:`contributions_figure` (a dense unit).
- :func:`training_figure` (loss and accuracy of a live run), :func:`kernels_figure`
  (first-layer kernels, or a bank of Gabor filters), :func:`class_map_figure` (the per-pixel
  class map of a larger image).

Titles are translated with :func:`ui.i18n._` in the language current when a builder runs
(a page that caches them passes the language).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from convcore.trace import format_number
from ui import figures as fig_lib
from ui.figures import Panel
from ui.i18n import N_, _

#: Most maps stacked in one grid column of a layer's mosaic (more go side by side).
MAPS_PER_STACK = 8
#: Most units of a flat vector in one column of its strip.
VECTOR_ROWS = 40
#: Most units given an invisible click square in one overview (keeps its JSON under ~1 MB);
#: columns that would exceed it are drawn without one (their units are picked by keyboard).
MAX_CLICK_UNITS = 16_000
#: Okabe–Ito colours, safe for colour-blind readers.
PICK_COLOR = fig_lib.PICK_COLOR
WINDOW_COLOR = fig_lib.OUTLINE_COLOR
BAR_COLOR = "#0072b2"
BEST_BAR_COLOR = "#d55e00"
#: Short names of the layer types, as the overview's column titles say them.
SHORT_NAMES = {
    "input": N_("input"), "Conv2d": N_("conv"), "ReLU": N_("ReLU"), "LeakyReLU": N_("leaky"),
    "Sigmoid": N_("σ"), "Tanh": N_("tanh"), "GELU": N_("GELU"), "MaxPool2d": N_("max pool"),
    "AvgPool2d": N_("avg pool"), "AdaptiveAvgPool2d": N_("GAP"), "Flatten": N_("flatten"),
    "Linear": N_("dense"), "BatchNorm2d": N_("BN"), "Dropout": N_("dropout"),
    "Softmax": N_("softmax"),
}

#: One-word names for a projector, where titles are 24 px and columns narrow.
PRESENTER_NAMES = {"MaxPool2d": N_("pool"), "AvgPool2d": N_("pool"), "Flatten": N_("flat"),
                   "Linear": N_("dense"), "LeakyReLU": N_("leaky"), "BatchNorm2d": N_("BN")}


# ------------------------------------------------------------------------------ columns


@dataclass(frozen=True, eq=False)
class Column:
    """One step of the overview.

    Attributes
    ----------
    layer : int
        Index of the layer whose output it shows; −1 for the input.
    kind : str
        The layer's type ("Conv2d", ...) or "input".
    values : np.ndarray
        ``(C, H, W)`` feature maps or ``(n,)`` a flat vector.
    mosaic : np.ndarray
        The 2-D array drawn: maps on a grid with one NaN row/column between them, or a
        vector cut into columns of at most :data:`VECTOR_ROWS`.
    grid : (int, int)
        Maps: ``(rows, cols)`` of the grid of maps; vectors: ``(rows, cols)`` of the strip.
    """

    layer: int
    kind: str
    values: np.ndarray
    mosaic: np.ndarray
    grid: tuple[int, int]

    @property
    def is_maps(self) -> bool:
        return self.values.ndim == 3

    def position(self, index: tuple[int, ...]) -> tuple[int, int]:
        """``(row, col)`` in :attr:`mosaic` of unit ``(channel, i, j)`` or ``(k,)``."""
        if self.is_maps:
            c, i, j = index
            _n, h, w = self.values.shape
            g = self.grid[1]
            return (c // g) * (h + 1) + i, (c % g) * (w + 1) + j
        (k,) = index
        rows = self.grid[0]
        return k % rows, k // rows

    def box(self, channel: int, top: int, left: int, bottom: int, right: int
            ) -> tuple[int, int, int, int]:
        """A rectangle of map ``channel`` (inclusive, clipped to the map) in mosaic cells."""
        _n, h, w = self.values.shape
        top, left = max(top, 0), max(left, 0)
        bottom, right = min(bottom, h - 1), min(right, w - 1)
        r0, c0 = self.position((channel, top, left))
        return r0, c0, r0 + bottom - top, c0 + right - left


def _map_mosaic(maps: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    n, h, w = maps.shape
    g = max(1, math.ceil(n / MAPS_PER_STACK))
    rows = math.ceil(n / g)
    out = np.full((rows * (h + 1) - 1, g * (w + 1) - 1), np.nan, dtype=np.float32)
    for c in range(n):
        r0, c0 = (c // g) * (h + 1), (c % g) * (w + 1)
        out[r0:r0 + h, c0:c0 + w] = maps[c]
    return out, (rows, g)


def _vector_mosaic(vector: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    n = vector.size
    rows = min(n, VECTOR_ROWS)
    cols = math.ceil(n / rows)
    out = np.full(rows * cols, np.nan, dtype=np.float32)
    out[:n] = vector
    return out.reshape(cols, rows).T, (rows, cols)


def overview_columns(image: np.ndarray, activations: Sequence[np.ndarray],
                     kinds: Sequence[str]) -> list[Column]:
    """The input and every layer's output as overview columns.

    Parameters
    ----------
    image : np.ndarray, (C, H, W)
    activations : sequence of np.ndarray
        ``Network.forward``'s output for ``image`` (no batch axis).
    kinds : sequence of str
        The layers' types.
    """
    columns = []
    for layer, (kind, values) in enumerate(zip(["input", *kinds], [image, *activations],
                                               strict=True)):
        arr = np.asarray(values, dtype=np.float32)
        if arr.ndim == 3:
            mosaic, grid = _map_mosaic(arr)
        else:
            arr = arr.ravel()
            mosaic, grid = _vector_mosaic(arr)
        columns.append(Column(layer - 1, kind, arr, mosaic, grid))
    return columns


def column_title(column: Column, short: bool = False) -> tuple[str, str]:
    """Two short lines: the step's name and its shape (``short``: one word, no shape)."""
    if short:
        return _(PRESENTER_NAMES.get(column.kind, SHORT_NAMES.get(column.kind, column.kind))), ""
    name = _(SHORT_NAMES.get(column.kind, column.kind))
    if column.is_maps:
        c, h, w = column.values.shape
        return name, f"{c}×{h}×{w}"
    return name, f"{column.values.size}"


# ------------------------------------------------------------------------------ overview


@dataclass(frozen=True)
class OverviewSizes:
    """Pixel sizes of the overview (larger on a projector)."""

    map_row_px: float = 330.0  # height of the feature-map row
    vector_row_px: float = 190.0  # height of the vector row
    max_cell_px: float = 12.0
    gap_px: float = 16.0
    title_px: float = 14.0
    available_px: float = 940.0
    bar_width_px: float = 250.0
    max_map_px: float = 120.0  # largest side of one feature map
    short_titles: bool = False  # one word per column, no shape
    bars_below: bool = False  # the probabilities in a row of their own


NORMAL_SIZES = OverviewSizes()
PRESENTER_SIZES = OverviewSizes(map_row_px=250.0, vector_row_px=150.0, max_cell_px=10.0,
                                gap_px=30.0, title_px=24.0, available_px=740.0,
                                bar_width_px=420.0, max_map_px=100.0,
                                short_titles=True, bars_below=True)


def _column_scale(column: Column) -> fig_lib.ColorScale:
    return fig_lib.color_scale_for(column.values, image=column.kind == "input")


def _row_layout(columns: Sequence[Column], height_px: float, sizes: OverviewSizes,
                room_px: float) -> list[tuple[float, float, float]]:
    """``(left_px, cell_px, width_px)`` of each column of one row, fitted into ``room_px``."""
    cells = [min(height_px / c.mosaic.shape[0], sizes.max_cell_px,
                 sizes.max_map_px / max(c.values.shape[-2:]) if c.is_maps else np.inf)
             for c in columns]
    widths = [c.mosaic.shape[1] * cell for c, cell in zip(columns, cells, strict=True)]
    # the two title lines need room too: a column is never narrower than its title
    slots = [max(w, _title_room(c, sizes.title_px, sizes.short_titles))
             for c, w in zip(columns, widths, strict=True)]
    total = sum(slots) + sizes.gap_px * (len(columns) - 1)
    factor = min(1.0, room_px / total) if total > 0 else 1.0
    out, left = [], 0.0
    for cell, slot in zip(cells, slots, strict=True):
        cell_f = cell * factor
        out.append((left, cell_f, slot * factor))
        left += slot * factor + sizes.gap_px * factor
    return out


def _title_room(column: Column, font_px: float, short: bool) -> float:
    name, shape = column_title(column, short)
    return 0.62 * font_px * max(len(name), len(shape)) + 6


def overview_figure(columns: Sequence[Column], probabilities: np.ndarray,
                    class_names: Sequence[str], *, selected: tuple[int, tuple] | None = None,
                    windows: Sequence[tuple[int, tuple[int, int, int, int]]] = (),
                    presenting: bool = False, clickable: bool = True) -> go.Figure:
    """Every step of a forward pass, and the class probabilities as bars.

    Feature-map columns go in the first row, flat vectors and the bars in the second.

    Parameters
    ----------
    columns : sequence of Column
        From :func:`overview_columns`.
    probabilities : np.ndarray, (K,)
    class_names : sequence of str
        ``K`` names (translated by the caller).
    selected : (layer, index), optional
        The unit to frame (vermillion).
    windows : sequence of (layer, (channel, top, left, bottom, right))
        Rectangles to frame in black (the picked unit's window in the layer below).
    presenting : bool
        Projector sizes: titles ≥ 24 px.
    clickable : bool
        Add the invisible click overlay (``customdata = [layer, channel, row, col]``), column
        by column while the total stays within :data:`MAX_CLICK_UNITS`.

    Returns
    -------
    go.Figure
        ``layout.meta = {"columns": [layer, ...]}``, column ``k`` on axes ``x{k+1}``.
    """
    sizes = PRESENTER_SIZES if presenting else NORMAL_SIZES
    maps = [c for c in columns if c.is_maps]
    vectors = [c for c in columns if not c.is_maps]
    margin = 10.0
    title_h = (1.4 if sizes.short_titles else 2.6) * sizes.title_px + 6
    room = sizes.available_px - 2 * margin
    map_layout = _row_layout(maps, sizes.map_row_px, sizes, room) if maps else []
    vec_room = room if sizes.bars_below else room - sizes.bar_width_px - sizes.gap_px
    vec_layout = _row_layout(vectors, sizes.vector_row_px, sizes, vec_room) if vectors else []
    map_h = max((c.mosaic.shape[0] * cell for c, (_l, cell, _w) in zip(maps, map_layout,
                                                                       strict=True)),
                default=0.0)
    vec_h = max((c.mosaic.shape[0] * cell for c, (_l, cell, _w) in zip(vectors, vec_layout,
                                                                       strict=True)),
                default=0.0)
    n_classes = len(probabilities)
    bar_h = max(min(1.8 * sizes.title_px * n_classes, 300.0), 3 * sizes.title_px,
                0.0 if sizes.bars_below else vec_h)
    rows = [(maps, map_layout, title_h, map_h)] if maps else []
    vec_top = title_h + (map_h + 20 + title_h if maps else 0)
    rows.append((vectors, vec_layout, vec_top, vec_h))
    bar_top = vec_top + vec_h + 20 + title_h if sizes.bars_below else vec_top
    height = bar_top + (bar_h if sizes.bars_below else max(bar_h, vec_h)) + 30
    width = sizes.available_px
    plot_w, plot_h = width - 2 * margin, height - 10

    fig = go.Figure()
    layout: dict = {}
    annotations, shapes = [], []
    order = {id(c): k for k, c in enumerate(columns)}
    budget = MAX_CLICK_UNITS

    def domain(left, w, top, h):
        return ([left / plot_w, min(1.0, (left + w) / plot_w)],
                [max(0.0, 1 - (top + h) / plot_h), 1 - top / plot_h])

    for row_columns, row_layout, top, _row_h in rows:
        for column, (left, cell, slot) in zip(row_columns, row_layout, strict=True):
            k = order[id(column)]
            xref, yref = fig_lib.axis_refs(k)
            xname, yname = ("xaxis", "yaxis") if k == 0 else (f"xaxis{k + 1}", f"yaxis{k + 1}")
            h_px = column.mosaic.shape[0] * cell
            w_px = column.mosaic.shape[1] * cell
            offset = (slot - w_px) / 2
            xd, yd = domain(left + offset, w_px, top, h_px)
            rows_n, cols_n = column.mosaic.shape
            layout[xname] = dict(domain=xd, range=[-0.5, cols_n - 0.5], visible=False,
                                 fixedrange=True, anchor=yref)
            layout[yname] = dict(domain=yd, range=[rows_n - 0.5, -0.5], visible=False,
                                 fixedrange=True, anchor=xref)
            scale = _column_scale(column)
            fig.add_trace(go.Heatmap(
                z=column.mosaic, colorscale=scale.colorscale, zmin=scale.zmin, zmax=scale.zmax,
                showscale=False, xaxis=xref, yaxis=yref, hoverinfo="skip",
                name=f"column:{column.layer}"))
            name, shape = column_title(column, sizes.short_titles)
            annotations.append(dict(
                text=f"<b>{name}</b><br>{shape}" if shape else f"<b>{name}</b>",
                x=(left + slot / 2) / plot_w, xref="paper",
                y=1 - (top - 4) / plot_h, yref="paper", yanchor="bottom", xanchor="center",
                showarrow=False, font=dict(size=sizes.title_px), name=f"title:{column.layer}"))
            if clickable and column.values.size <= budget:
                budget -= column.values.size
                fig.add_trace(_overlay(column, xref, yref, cell))
    # the probabilities, right of the vectors
    bar_left = (vec_layout[-1][0] + vec_layout[-1][2] + sizes.gap_px) \
        if vec_layout and not sizes.bars_below else 0.0
    label_px = sizes.title_px * 0.6 * max((len(n) for n in class_names), default=4) + 10
    xd, yd = domain(bar_left + label_px, sizes.bar_width_px - label_px - 60, bar_top, bar_h)
    k = len(columns)
    xname, yname = f"xaxis{k + 1}", f"yaxis{k + 1}"
    layout[xname] = dict(domain=xd, range=[0, 1], visible=False, fixedrange=True,
                         anchor=f"y{k + 1}")
    layout[yname] = dict(domain=yd, autorange="reversed", fixedrange=True, anchor=f"x{k + 1}",
                         tickfont=dict(size=sizes.title_px), ticks="", showline=False)
    best = int(np.argmax(probabilities)) if n_classes else -1
    colors = [BEST_BAR_COLOR if i == best else BAR_COLOR for i in range(n_classes)]
    texts = [f"{100 * p:.1f} %" for p in probabilities]
    fig.add_trace(go.Bar(
        x=[float(p) for p in probabilities], y=list(class_names), orientation="h",
        marker=dict(color=colors, line=dict(color="#111111",
                                            width=[3 if i == best else 0
                                                   for i in range(n_classes)])),
        text=texts, textposition="outside", cliponaxis=False,
        textfont=dict(size=sizes.title_px), xaxis=f"x{k + 1}", yaxis=f"y{k + 1}",
        hovertemplate="%{y}: %{x:.1%}<extra></extra>", name="probabilities"))
    annotations.append(dict(
        text="<b>" + _("probabilities") + "</b>", x=(bar_left + sizes.bar_width_px / 2) / plot_w,
        xref="paper", y=1 - (bar_top - 4) / plot_h, yref="paper", yanchor="bottom",
        xanchor="center", showarrow=False, font=dict(size=sizes.title_px),
        name="title:probabilities"))
    by_layer = {c.layer: (order[id(c)], c) for c in columns}
    for layer, (channel, top, left, bottom, right) in windows:
        if layer in by_layer and by_layer[layer][1].is_maps:
            k, column = by_layer[layer]
            r0, c0, r1, c1 = column.box(channel, top, left, bottom, right)
            shapes.append(_rect(k, r0, c0, r1, c1, WINDOW_COLOR, 2.5, "window"))
    if selected is not None and selected[0] in by_layer:
        k, column = by_layer[selected[0]]
        r, c = column.position(tuple(selected[1]))
        shapes.append(_rect(k, r - 0.6, c - 0.6, r + 0.6, c + 0.6, PICK_COLOR, 3.5, "picked"))
    layout.update(
        width=int(width), height=int(height), autosize=False,
        margin=dict(l=margin, r=margin, t=6, b=4), paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff", font=dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR),
        hovermode="closest", dragmode=False, showlegend=False, annotations=annotations,
        shapes=shapes, hoverlabel=dict(font=dict(family=fig_lib.MONO, size=13)),
        meta=dict(columns=[c.layer for c in columns]))
    fig.update_layout(**layout)
    return fig


def _rect(k: int, r0: float, c0: float, r1: float, c1: float, color: str, width: float,
          name: str) -> dict:
    xref, yref = fig_lib.axis_refs(k)
    return dict(type="rect", xref=xref, yref=yref, x0=c0 - 0.5, x1=c1 + 0.5, y0=r0 - 0.5,
                y1=r1 + 0.5, line=dict(color=color, width=width), layer="above", name=name)


def _overlay(column: Column, xref: str, yref: str, cell_px: float) -> go.Scatter:
    """Invisible squares over every unit: hover text and the click's customdata."""
    if column.is_maps:
        c, i, j = np.indices(column.values.shape).reshape(3, -1)
        index = np.stack([c, i, j], axis=1)
    else:
        k = np.arange(column.values.size)
        index = np.stack([np.zeros_like(k), k, np.zeros_like(k)], axis=1)
    rows = np.empty(len(index), dtype=np.int16)
    cols = np.empty(len(index), dtype=np.int16)
    for n, idx in enumerate(index):
        key = tuple(int(v) for v in idx) if column.is_maps else (int(idx[1]),)
        rows[n], cols[n] = column.position(key)
    values = column.values.ravel().astype(np.float32)
    custom = np.column_stack([np.full(len(index), column.layer), index,
                              values]).astype(np.float32)
    if column.is_maps:
        hover = _("channel %{customdata[1]}, row %{customdata[2]}, column %{customdata[3]}: "
                  "%{customdata[4]:.4g}")
    else:
        hover = _("unit %{customdata[2]}: %{customdata[4]:.4g}")
    return go.Scatter(
        x=cols, y=rows, mode="markers", xaxis=xref, yaxis=yref, customdata=custom,
        hovertemplate=hover + "<extra></extra>",
        marker=dict(symbol="square", size=max(3.0, cell_px), opacity=0, color="#000000"),
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        showlegend=False, name=f"click:{column.layer}")


def picked_unit(selection: Mapping | None) -> tuple[int, int, int, int] | None:
    """``(layer, channel, row, col)`` of the first clicked unit of a Streamlit selection of
    :func:`overview_figure` (layer −1 is the input; a vector's unit ``k`` comes back as
    ``(layer, 0, k, 0)``). None when nothing usable was clicked."""
    if not selection:
        return None
    inner = selection.get("selection", selection)
    points = inner.get("points") if isinstance(inner, Mapping) else None
    for point in points or []:
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, Mapping):
            data = [data.get(str(k), data.get(k)) for k in range(5)]
        if not isinstance(data, list | tuple) or len(data) < 4:
            continue
        try:
            layer, channel, row, col = (round(float(v)) for v in data[:4])
        except (TypeError, ValueError):
            continue
        return layer, channel, row, col
    return None


# ------------------------------------------------------------------------------ drawing


def draw_figure(grid: np.ndarray, *, presenting: bool = False) -> go.Figure:
    """The paintable grid: white cells painted, black empty; a click gives
    ``("input", row, col)`` (``ui.figures.picked_cell``)."""
    panel = Panel(np.asarray(grid, dtype=np.float64), _("Your drawing: click to paint"),
                  image=True, show_values=False, click="input", name="drawing")
    return fig_lib.grid_figure([panel], max_cell_px=30 if presenting else 24,
                               available_px=460.0)


# ------------------------------------------------------------------------------ details


def window_pairs_figure(windows: np.ndarray, kernels: np.ndarray, channels: Sequence[int],
                        partial_sums: Sequence[float], *, presenting: bool = False,
                        available_px: float = 940.0) -> go.Figure:
    """A convolution unit, channel by channel: the input window and the kernel slice (numbers
    in the cells), the partial sum in the kernel's title.

    Parameters
    ----------
    windows, kernels : np.ndarray, (n, kh, kw)
    channels : sequence of int
        The input channel of each pair.
    partial_sums : sequence of float
    """
    panels = []
    for w, k, c, s in zip(windows, kernels, channels, partial_sums, strict=True):
        panels.append(Panel(np.asarray(w, dtype=np.float64),
                            _("window, ch {c}").format(c=c), name=f"window{c}"))
        panels.append(Panel(np.asarray(k, dtype=np.float64),
                            _("kernel: Σ = {s}").format(s=format_number(s, digits=3)),
                            name=f"kernel{c}"))
    return fig_lib.grid_figure(panels, digits=2, max_cell_px=56 if presenting else 34,
                               available_px=available_px)


def pool_window_figure(window: np.ndarray, winner: tuple[int, int] | None, title: str, *,
                       presenting: bool = False) -> go.Figure:
    """A pooling unit's window (numbers in the cells), the winner framed."""
    fig = fig_lib.grid_figure([Panel(np.asarray(window, dtype=np.float64), title,
                                     name="pool")],
                              digits=3, max_cell_px=72 if presenting else 56,
                              available_px=500.0)
    if winner is not None:
        fig_lib.add_outline(fig, 0, [(winner[0], winner[1], winner[0], winner[1])],
                            color=PICK_COLOR, name="winner")
    return fig


def contributions_figure(labels: Sequence[str], contributions: Sequence[float], title: str, *,
                         presenting: bool = False) -> go.Figure:
    """A dense unit's largest contributions ``x·w`` as horizontal bars (sign by colour and
    by the bar's direction)."""
    values = np.asarray(contributions, dtype=np.float64)
    font = 24 if presenting else 14
    colors = ["#0072b2" if v >= 0 else "#d55e00" for v in values]
    fig = go.Figure(go.Bar(
        x=values, y=list(labels), orientation="h", marker=dict(color=colors),
        text=[format_number(v, digits=3) for v in values], textposition="outside",
        cliponaxis=False, textfont=dict(size=font),
        hovertemplate="%{y}: %{x:.4g}<extra></extra>", name="contributions"))
    fig.update_layout(
        title=dict(text=title, font=dict(size=font + 2)), width=700,
        height=int(90 + (font + 14) * len(values)), margin=dict(l=10, r=90, t=50, b=30),
        yaxis=dict(autorange="reversed", tickfont=dict(size=font), automargin=True),
        xaxis=dict(title=dict(text=_("contribution x·w"), font=dict(size=font)),
                   range=[1.45 * min(float(values.min(initial=0.0)), 0.0),
                          1.45 * max(float(values.max(initial=0.0)), 0.0) + 1e-12],
                   zeroline=True, zerolinecolor="#111111", tickfont=dict(size=font - 2)),
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", showlegend=False,
        font=dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR))
    return fig


# ------------------------------------------------------------------------------ training


def training_figure(losses: np.ndarray, eval_steps: np.ndarray, accuracies: np.ndarray,
                    target: float | None, *, presenting: bool = False) -> go.Figure:
    """Loss of every batch (thin line, with its running mean) and the test accuracy (dots),
    on two panels one above the other; the shipped model's accuracy dashed."""
    font = 24 if presenting else 14
    steps = np.arange(1, len(losses) + 1)
    fig = go.Figure()
    if len(losses):
        fig.add_trace(go.Scatter(x=steps, y=np.asarray(losses, dtype=np.float32),
                                 mode="lines", line=dict(color="#9ecae1", width=1),
                                 name=_("loss per batch"), yaxis="y"))
        window = min(25, len(losses))
        mean = np.convolve(losses, np.ones(window) / window, mode="valid")
        fig.add_trace(go.Scatter(x=steps[window - 1:], y=mean.astype(np.float32),
                                 mode="lines", line=dict(color="#0072b2", width=3),
                                 name=_("running mean of 25"), yaxis="y"))
    fig.add_trace(go.Scatter(x=np.asarray(eval_steps), y=100 * np.asarray(accuracies),
                             mode="lines+markers", line=dict(color="#d55e00", width=3),
                             marker=dict(symbol="diamond", size=9),
                             name=_("test accuracy"), xaxis="x2", yaxis="y2"))
    last = int(max(len(losses), 1))
    shapes = []
    if target is not None:
        shapes.append(dict(type="line", xref="x2", yref="y2", x0=0, x1=last, y0=100 * target,
                           y1=100 * target, line=dict(color="#111111", dash="dash", width=2),
                           name="target"))
    fig.update_layout(
        width=700, height=560 if presenting else 430,
        margin=dict(l=70, r=20, t=40, b=50), showlegend=True,
        legend=dict(orientation="h", y=1.1, font=dict(size=font - 2)),
        xaxis=dict(domain=[0, 1], anchor="y", showticklabels=False, range=[0, last]),
        yaxis=dict(domain=[0.55, 1], title=dict(text=_("loss"), font=dict(size=font)),
                   rangemode="tozero", tickfont=dict(size=font - 2)),
        xaxis2=dict(domain=[0, 1], anchor="y2", range=[0, last],
                    title=dict(text=_("step (batches of 64)"), font=dict(size=font)),
                    tickfont=dict(size=font - 2)),
        yaxis2=dict(domain=[0, 0.45], range=[0, 100],
                    title=dict(text=_("test accuracy (%)"), font=dict(size=font)),
                    tickfont=dict(size=font - 2)),
        shapes=shapes, paper_bgcolor="#ffffff", plot_bgcolor="#f7f8fa",
        font=dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR), hovermode="x")
    return fig


def kernels_figure(kernels: np.ndarray, titles: Sequence[str], *, presenting: bool = False,
                   available_px: float = 700.0) -> go.Figure:
    """Small kernels side by side, each on its own diverging scale (no numbers)."""
    panels = [Panel(np.asarray(k, dtype=np.float64), t, show_values=False, name=f"k{n}")
              for n, (k, t) in enumerate(zip(kernels, titles, strict=True))]
    return fig_lib.grid_figure(panels, max_cell_px=22 if presenting else 16,
                               available_px=available_px)


# ------------------------------------------------------------------------------ structured


def maps_figure(maps: Sequence[np.ndarray], titles: Sequence[str], *,
                presenting: bool = False, available_px: float = 940.0) -> go.Figure:
    """Feature maps of different sizes side by side, one cell size for all (so a map of a
    larger input is drawn larger)."""
    panels = [Panel(np.asarray(m, dtype=np.float64), t, show_values=False, name=f"map{n}")
              for n, (m, t) in enumerate(zip(maps, titles, strict=True))]
    columns = sum(p.shape[1] for p in panels) + fig_lib.GAP_CELLS * (len(panels) + 1)
    titles_px = sum(fig_lib.title_width_px(t) for t in titles)
    cell = min(6.0 if presenting else 5.0, max(1.0, (available_px - titles_px / 2) / columns))
    return fig_lib.grid_figure(panels, max_cell_px=cell, available_px=available_px)


def class_map_figure(image: np.ndarray, best: np.ndarray, confidence: np.ndarray,
                     class_names: Sequence[str], *, presenting: bool = False) -> go.Figure:
    """The larger image and, beside it, the most probable class at every pixel (one colour
    and one letter per class; paler where the network is less sure).

    Parameters
    ----------
    image : np.ndarray, (H, W)
    best : np.ndarray, (H, W) int
        Class index per pixel, −1 where no window reaches.
    confidence : np.ndarray, (H, W)
        Its probability.
    """
    palette = class_colors(len(class_names))
    k = len(class_names)
    h, w = best.shape
    font = 24 if presenting else 14
    fig = go.Figure()
    fig.add_trace(go.Heatmap(z=np.asarray(image, dtype=np.float32), colorscale="gray",
                             showscale=False, xaxis="x", yaxis="y", hoverinfo="skip",
                             name="image"))
    custom = np.where(best >= 0, best, k)
    colorscale = []
    for n in range(k + 1):
        color = palette[n] if n < k else "#ffffff"
        colorscale += [(n / (k + 1), color), ((n + 1) / (k + 1), color)]
    fig.add_trace(go.Heatmap(z=custom.astype(np.float32), zmin=0, zmax=k + 1,
                             colorscale=colorscale, showscale=False, xaxis="x2", yaxis="y2",
                             customdata=np.asarray(confidence, dtype=np.float32),
                             hovertemplate=_("class %{z}, probability %{customdata:.2f}")
                             + "<extra></extra>", name="classes"))
    fig.add_trace(go.Heatmap(z=(1 - np.nan_to_num(confidence)).astype(np.float32), zmin=0,
                             zmax=1, colorscale=((0, "rgba(255,255,255,0)"),
                                                 (1, "rgba(255,255,255,0.85)")),
                             showscale=False, xaxis="x2", yaxis="y2", hoverinfo="skip",
                             name="uncertainty"))
    # Presenting, the figure sits in a folded section of the projector's ~600 px column.
    side = 280 if presenting else 400
    cell = side / w
    titles = [fig_lib.wrap_title(_("larger image"), side, font),
              fig_lib.wrap_title(_("most probable class per pixel"), side, font)]
    top = 50 + (font + 6) * max(t.count("<br>") for t in titles)
    for axis, dom in (("", [0, 0.47]), ("2", [0.53, 1])):
        fig.update_layout(**{f"xaxis{axis}": dict(domain=dom, visible=False, fixedrange=True,
                                                  range=[-0.5, w - 0.5]),
                             f"yaxis{axis}": dict(visible=False, fixedrange=True,
                                                  range=[h - 0.5, -0.5], anchor=f"x{axis}")})
    fig.update_layout(
        width=int(2 * side / 0.94), height=int(h * cell + top + 50), showlegend=False,
        margin=dict(l=4, r=4, t=top, b=40), paper_bgcolor="#ffffff",
        font=dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR),
        annotations=[dict(text="<b>" + title + "</b>", x=x, y=1.0, xref="paper",
                          yref="paper", yanchor="bottom", xanchor="center", showarrow=False,
                          font=dict(size=font))
                     for title, x in zip(titles, (0.235, 0.765), strict=True)])
    return fig


def class_colors(n: int) -> list[str]:
    """The colours :func:`class_map_figure` gives classes ``0..n-1``."""
    palette = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442",
               "#000000")
    return [palette[k % len(palette)] for k in range(n)]
