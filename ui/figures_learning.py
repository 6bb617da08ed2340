"""Charts for the kernel-learning page: arrays in, chart descriptions out. Never imports streamlit.

Two kinds, on purpose:

- **Live charts** (loss curve, kernel, gradient, distance to the truth) redraw a few times a
  second while training runs. They are Vega-Lite specs plus a data frame
  (:class:`VegaChart`, shown with ``st.vega_lite_chart(chart.data, chart.spec)``): while the
  spec stays the same and only the data changes, Streamlit updates the drawn chart in place.
  A Plotly chart is remounted for every new figure (its element id hashes the spec), which
  blanked the chart in 6–23 % of browser frames at four refreshes per second on this
  machine; the same charts in Vega-Lite blanked in none. So everything that changes while a
  run plays goes into the data, and the spec depends only on settings fixed for a run
  (kernel shape, number of steps, log scale, the lowest reachable loss).
- **Static figures** (the data X, Y and the true kernel; the two engines compared) are Plotly
  ``go.Figure`` objects, drawn with the app's :func:`ui.figures.grid_figure` panels where
  they are heatmaps.

- **Exports for slides** (:func:`run_png`, :func:`run_gif`): the loss curve and the kernel
  drawn with Pillow at :data:`EXPORT_WIDTH_PX` (1280) pixels wide — a slide's width, not the
  page's — and without any of the page's buttons.

Colours follow ``ui.figures``: ColorBrewer RdBu, negative red, zero white, positive blue.
Titles, axis titles and tooltips are in the session's language (:mod:`ui.i18n`); the builders
are not cached, so they need no language argument. In presenter mode :func:`chart_sizes`
gives every title and every number printed in a cell at least 24 px.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from ui.figures import RED_BLUE, TITLE_PX, ColorScale, Panel, grid_figure
from ui.i18n import _

__all__ = [
    "EXPORT_WIDTH_PX",
    "ChartSizes",
    "VegaChart",
    "chart_sizes",
    "data_figure",
    "engines_figure",
    "error_chart",
    "export_titles",
    "grid_labels",
    "kernel_chart",
    "loss_chart",
    "loss_table",
    "run_gif",
    "run_png",
    "run_summary",
]

LOSS_COLOR = "#2166ac"
TRUTH_COLOR = "#1b7837"
CONVCORE_COLOR = "#2166ac"
TORCH_COLOR = "#e66101"
#: Tick labels and axis titles dark enough for WCAG AA on white (Vega's default grey is not).
AXIS_COLORS = {"labelColor": "#454b58", "titleColor": "#1f2430"}
#: Up to this many steps the loss curve marks every step with a dot.
MAX_DOTTED_STEPS = 60
#: Room (px) the scales leave beyond the data, so that the dot of step 0 (the largest loss)
#: is drawn whole inside the plot instead of on its top edge and on the y axis.
POINT_ROOM_PX = 10


@dataclass(frozen=True)
class ChartSizes:
    """Font and cell sizes of the live charts (px).

    Attributes
    ----------
    title_px, axis_title_px, axis_label_px : int
        Chart titles, axis titles, tick labels.
    min_cell_font_px : int
        Smallest number printed in a kernel cell.
    max_cell_px, kernel_box_px : int
        Largest kernel cell; the side of the square a kernel's cells share.
    loss_height_px, error_height_px : int
        Plot heights.
    """

    title_px: int = 15
    axis_title_px: int = 13
    axis_label_px: int = 11
    min_cell_font_px: int = 9
    max_cell_px: int = 72
    kernel_box_px: int = 190  # fits a quarter of the wide layout on a 1280-pixel screen
    loss_height_px: int = 300
    error_height_px: int = 220


NORMAL_SIZES = ChartSizes()
#: Presenter mode (issue 9): titles and cell numbers ≥ 24 px, cells large enough to hold them.
PRESENTER_SIZES = ChartSizes(title_px=26, axis_title_px=24, axis_label_px=20,
                             min_cell_font_px=24, max_cell_px=96, kernel_box_px=380,
                             loss_height_px=300, error_height_px=240)


def chart_sizes(presenting: bool) -> ChartSizes:
    """The sizes for presenter mode (``True``) or the normal page."""
    return PRESENTER_SIZES if presenting else NORMAL_SIZES


@dataclass(frozen=True)
class VegaChart:
    """A Vega-Lite spec and the data it draws (kept apart so the spec can stay constant).

    Attributes
    ----------
    spec : dict
        Vega-Lite specification without top-level data.
    data : pandas.DataFrame
        The rows the spec's encodings refer to.
    """

    spec: dict
    data: pd.DataFrame


def _title(text: str, sizes: ChartSizes) -> dict:
    """A chart title that stays inside the chart: Vega-Lite draws a title outside the plot
    and the autosized view must make room for it (``frame: group``, offset from the plot)."""
    return {"text": text, "anchor": "start", "frame": "group", "fontSize": sizes.title_px,
            "fontWeight": 600, "offset": 8, "limit": 0}


def _frame(sizes: ChartSizes) -> dict:
    """Top-level spec keys that keep every title and label inside the chart's frame.

    Autosizing counts the padding, titles and labels in the chart's size (a title outside the
    counted box was cut off by the frame), and the padding is given at the top level of the
    spec, where the app's theme does not replace it.
    """
    return {
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"top": 12, "left": 14, "right": 12, "bottom": 6},
        "config": {"axis": {"titleFontSize": sizes.axis_title_px,
                            "labelFontSize": sizes.axis_label_px, "titleFontWeight": 500,
                            **AXIS_COLORS}},
    }


def _step_axis(max_steps: int) -> dict:
    last = max(int(max_steps), 1)
    return {
        "field": "step",
        "type": "quantitative",
        "title": _("step"),
        "scale": {"domain": [0, last], "nice": False, "padding": POINT_ROOM_PX},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def loss_chart(
    losses: Sequence[float],
    *,
    log_scale: bool = False,
    max_steps: int,
    best_loss: float | None = None,
    sizes: ChartSizes = NORMAL_SIZES,
) -> VegaChart:
    """The loss after each step: ``losses[t]`` at step ``t`` (0 is the start).

    Parameters
    ----------
    losses : sequence of float, length n_steps + 1
    log_scale : bool
        Logarithmic loss axis (zero losses are left out there).
    max_steps : int
        The step axis runs from 0 to here, so it does not rescale while training runs.
    best_loss : float, optional
        The lowest loss a kernel of this size can reach, drawn as a dashed line (leave it
        out when it is 0: every kernel-size-matched noiseless target reaches 0).
    sizes : ChartSizes
        Fonts and height (:func:`chart_sizes`).

    Returns
    -------
    VegaChart
        Data columns ``step`` and ``loss``.
    """
    losses = np.asarray(losses, dtype=float)
    data = pd.DataFrame({"step": np.arange(losses.size), "loss": losses})
    dotted = max_steps <= MAX_DOTTED_STEPS
    # No "nice" rounding on the linear axis: it turned the room below 0 into a −1 tick.
    y_scale = ({"type": "log", "padding": POINT_ROOM_PX} if log_scale
               else {"type": "linear", "zero": True, "nice": False, "padding": POINT_ROOM_PX})
    line = {
        "mark": {"type": "line", "color": LOSS_COLOR, "strokeWidth": 2.5, "point": dotted},
        "encoding": {
            "x": _step_axis(max_steps),
            "y": {
                "field": "loss",
                "type": "quantitative",
                "title": _("loss (log scale)") if log_scale else _("loss"),
                "scale": y_scale,
                "axis": {"format": "~g"},
            },
            "tooltip": [
                {"field": "step", "type": "quantitative", "title": _("step")},
                {"field": "loss", "type": "quantitative", "format": ".6g", "title": _("loss")},
            ],
        },
    }
    if log_scale:
        line["transform"] = [{"filter": "datum.loss > 0"}]
    layers = [line]
    if best_loss is not None and best_loss > 0:
        best = {"best": float(best_loss),
                "label": _("lowest reachable loss {loss}").format(loss=f"{best_loss:.3g}")}
        layers.append(
            {
                "data": {"values": [best]},
                "mark": {"type": "rule", "color": TRUTH_COLOR, "strokeDash": [6, 4]},
                "encoding": {"y": {"field": "best", "type": "quantitative"}},
            }
        )
        layers.append(
            {
                "data": {"values": [best]},
                "mark": {
                    "type": "text",
                    "color": TRUTH_COLOR,
                    "align": "right",
                    "dy": -8,
                    "x": "width",
                    "fontSize": max(12, sizes.axis_label_px),
                },
                "encoding": {
                    "y": {"field": "best", "type": "quantitative"},
                    "text": {"field": "label"},
                },
            }
        )
    spec = {
        "title": _title(_("Loss L = Σ (Ŷ − Y)²"), sizes),
        "height": sizes.loss_height_px,
        **_frame(sizes),
        "layer": layers,
    }
    return VegaChart(spec, data)


def error_chart(errors: Sequence[float], *, max_steps: int,
                sizes: ChartSizes = NORMAL_SIZES) -> VegaChart:
    """Distance to the true kernel ``‖K − K_true‖`` after each step, on a log axis.

    Parameters
    ----------
    errors : sequence of float, length n_steps + 1
    max_steps : int
        The step axis runs from 0 to here.
    sizes : ChartSizes

    Returns
    -------
    VegaChart
        Data columns ``step`` and ``error``.
    """
    errors = np.asarray(errors, dtype=float)
    data = pd.DataFrame({"step": np.arange(errors.size), "error": errors})
    line = {
        "transform": [{"filter": "datum.error > 0"}],
        "mark": {
            "type": "line",
            "color": TRUTH_COLOR,
            "strokeWidth": 2.5,
            "point": max_steps <= MAX_DOTTED_STEPS,
        },
        "encoding": {
            "x": _step_axis(max_steps),
            "y": {
                "field": "error",
                "type": "quantitative",
                "title": "‖K − K_true‖",
                "scale": {"type": "log", "padding": POINT_ROOM_PX},
                "axis": {"format": "~g"},
            },
            "tooltip": [
                {"field": "step", "type": "quantitative", "title": _("step")},
                {"field": "error", "type": "quantitative", "format": ".4g",
                 "title": "‖K − K_true‖"},
            ],
        },
    }
    spec = {
        "title": _title(_("Distance to the true kernel ‖K − K_true‖ (log scale)"), sizes),
        "height": sizes.error_height_px,
        **_frame(sizes),
        "layer": [line],
    }
    return VegaChart(spec, data)


def kernel_chart(kernel: np.ndarray, title: str, *, digits: int = 2,
                 sizes: ChartSizes = NORMAL_SIZES) -> VegaChart:
    """A small kernel (or its gradient) as square cells with the numbers written in them.

    The colour of a cell is its value divided by the largest |value| (red −1, white 0,
    blue +1), computed into the data, so the spec depends only on the kernel's shape.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw)
    title : str
    digits : int
        Decimals written in each cell.
    sizes : ChartSizes
        Cell and font sizes (:func:`chart_sizes`).

    Returns
    -------
    VegaChart
        Data columns ``row``, ``col``, ``value``, ``shade`` (value / max |value|, in
        [−1, 1]) and ``label`` (the printed number).
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise ValueError(f"kernel_chart needs a non-empty 2-D array, got shape {kernel.shape}")
    kh, kw = kernel.shape
    finite = np.isfinite(kernel)
    peak = float(np.max(np.abs(kernel[finite]))) if finite.any() else 0.0
    shade = np.where(finite, kernel / peak if peak > 0 else 0.0, 0.0)
    rows, cols = np.indices(kernel.shape)
    data = pd.DataFrame(
        {
            "row": rows.ravel(),
            "col": cols.ravel(),
            "value": kernel.ravel(),
            "shade": shade.ravel(),
            "label": _cell_labels(kernel.ravel(), digits),
        }
    )
    cell = min(sizes.max_cell_px, sizes.kernel_box_px // max(kh, kw))
    font = max(sizes.min_cell_font_px,
               16 if cell >= 70 else 14 if cell >= 55 else 11 if cell >= 36 else 9)
    position = {
        "x": {
            "field": "col",
            "type": "ordinal",
            "title": None,
            "axis": {"orient": "top", "labelAngle": 0},
        },
        "y": {"field": "row", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
    }
    spec = {
        "title": _title(title, sizes),
        "padding": {"top": 12, "left": 6, "right": 6, "bottom": 6},  # the title inside the frame
        "config": {"axis": {"labelFontSize": sizes.axis_label_px, **AXIS_COLORS}},
        "width": {"step": cell},
        "height": {"step": cell},
        "encoding": position,
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
                "encoding": {
                    "color": {
                        "field": "shade",
                        "type": "quantitative",
                        "scale": {"domain": [-1, 1], "range": list(RED_BLUE)},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "row", "type": "ordinal", "title": _("row")},
                        {"field": "col", "type": "ordinal", "title": _("column")},
                        {"field": "value", "type": "quantitative", "format": ".6g",
                         "title": _("value")},
                    ],
                },
            },
            {
                "mark": {"type": "text", "fontSize": font},
                "encoding": {
                    "text": {"field": "label"},
                    "color": {
                        "condition": {"test": "abs(datum.shade) > 0.6", "value": "white"},
                        "value": "#1f2430",
                    },
                },
            },
        ],
    }
    return VegaChart(spec, data)


def _cell_labels(values: np.ndarray, digits: int) -> list[str]:
    """Fixed decimals; scientific notation when every value would print as 0 (a gradient
    near a minimum) or a value is too large for the cell."""
    finite = values[np.isfinite(values)]
    peak = float(np.max(np.abs(finite))) if finite.size else 0.0
    scientific = 0 < peak < 0.5 * 10.0**-digits or peak >= 10.0 ** (5 - digits)
    return [_cell_label(v, digits, scientific) for v in values]


def _cell_label(value: float, digits: int, scientific: bool) -> str:
    if not np.isfinite(value):
        return "—"
    if scientific:
        mantissa, exponent = f"{value:.1e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        rounded = round(float(value), digits)
        text = f"{rounded + 0.0:.{digits}f}"  # + 0.0 turns −0.0 into 0.0
    return text.replace("-", "−")


#: Width the data figure may take: three quarters of the wide layout's column on a 1280-pixel
#: screen. A wider figure is shrunk by the browser to its column, keeping its height, which
#: left a band of blank space under the grids.
DATA_FIGURE_PX = 600
#: Extra room (px) between a panel title and the column numbers under it.
TITLE_CLEARANCE_PX = 14


def data_figure(x: np.ndarray, y: np.ndarray) -> go.Figure:
    """Input X and target Y side by side (the app's grid panels; X drawn as a picture).

    The panel titles are raised clear of the column numbers above each grid (the shared
    layout put them on top of each other).

    Parameters
    ----------
    x : ndarray, shape (H, W)
    y : ndarray, shape (H − kh + 1, W − kw + 1)
    """
    x = np.asarray(x, dtype=float)
    gray = None
    if x.min() < 0:  # a centred photo: still a picture, black = darkest
        lo, hi = float(x.min()), float(x.max())
        gray = ColorScale(((0.0, "#000000"), (1.0, "#ffffff")), lo, max(hi, lo + 1e-12), "gray")
    panels = [
        Panel(x, _("input X ({rows}×{cols})").format(rows=x.shape[0], cols=x.shape[1]),
              image=True, scale=gray, name="x"),
        Panel(np.asarray(y, dtype=float),
              _("target Y ({rows}×{cols})").format(rows=y.shape[0], cols=y.shape[1]), name="y"),
    ]
    fig = grid_figure(panels, digits=2, top_px=TITLE_PX + 10 + TITLE_CLEARANCE_PX,
                      available_px=DATA_FIGURE_PX)
    for annotation in fig.layout.annotations:
        annotation.yshift = (annotation.yshift or 0) + TITLE_CLEARANCE_PX
    return fig


def engines_figure(
    convcore_kernels: np.ndarray, torch_kernels: np.ndarray, *, height: int = 320
) -> go.Figure:
    """Every kernel entry over the steps, from convcore (lines) and PyTorch (crosses).

    Parameters
    ----------
    convcore_kernels : ndarray, shape (n_steps + 1, kh, kw)
    torch_kernels : ndarray, shape (m_steps + 1, kh, kw)
    height : int
    """
    convcore_kernels = np.asarray(convcore_kernels, dtype=float)
    torch_kernels = np.asarray(torch_kernels, dtype=float)
    if convcore_kernels.ndim != 3 or torch_kernels.ndim != 3:
        raise ValueError("engines_figure needs stacks of kernels, shape (steps + 1, kh, kw)")
    if convcore_kernels.shape[1:] != torch_kernels.shape[1:]:
        raise ValueError(
            f"the two engines learned kernels of different shapes: "
            f"{convcore_kernels.shape[1:]} and {torch_kernels.shape[1:]}"
        )
    kh, kw = convcore_kernels.shape[1:]
    fig = go.Figure()
    for i in range(kh):
        for j in range(kw):
            first = (i, j) == (0, 0)
            fig.add_trace(
                go.Scatter(
                    x=np.arange(convcore_kernels.shape[0]),
                    y=convcore_kernels[:, i, j],
                    mode="lines",
                    line={"color": CONVCORE_COLOR, "width": 2},
                    name=_("convcore: conv2d_backward"),
                    legendgroup="convcore",
                    showlegend=first,
                    hovertemplate=_("convcore K[{i},{j}], step %{{x}}: %{{y:.15g}}")
                    .format(i=i, j=j) + "<extra></extra>",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=np.arange(torch_kernels.shape[0]),
                    y=torch_kernels[:, i, j],
                    mode="markers",
                    marker={"color": TORCH_COLOR, "symbol": "x-thin-open", "size": 8},
                    name=_("PyTorch: nn.Conv2d + autograd"),
                    legendgroup="torch",
                    showlegend=first,
                    hovertemplate=_("PyTorch K[{i},{j}], step %{{x}}: %{{y:.15g}}")
                    .format(i=i, j=j) + "<extra></extra>",
                )
            )
    fig.update_layout(
        title={"text": _("Every kernel entry, step by step"), "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    fig.update_xaxes(title_text=_("step"))
    fig.update_yaxes(title_text=_("kernel entry"))
    return fig


# ---------------------------------------------------------------------------------------------
# Text alternative of the live charts
# ---------------------------------------------------------------------------------------------


def _vector_text(values: np.ndarray, digits: int = 3) -> str:
    """A kernel as rows of numbers: ``[0.93, −1.04]`` or ``[[1, 0], [0, 1]]``."""
    rows = ["[" + ", ".join(f"{v:.{digits}g}".replace("-", "−") for v in row) + "]"
            for row in np.asarray(values, dtype=float)]
    return rows[0] if len(rows) == 1 else "[" + ", ".join(rows) + "]"


def run_summary(losses: Sequence[float], kernel: np.ndarray, grad_kernel: np.ndarray) -> str:
    """What the live charts show, as one sentence (for screen readers and for reading aloud).

    Parameters
    ----------
    losses : sequence of float, length step + 1
    kernel, grad_kernel : ndarray, shape (kh, kw)
    """
    step = len(losses) - 1
    return _(
        "Step {step}: loss {loss} (it was {initial} at step 0); kernel K = {kernel}; "
        "gradient ∂L/∂K = {gradient}."
    ).format(step=step, loss=f"{losses[-1]:.4g}", initial=f"{losses[0]:.4g}",
             kernel=_vector_text(kernel), gradient=_vector_text(grad_kernel))


def grid_labels(shape: tuple[int, int]) -> tuple[list[str], list[str]]:
    """Row and column headers of a kernel shown as a table: "row 0", …; "column 0", …"""
    return ([_("row {i}").format(i=i) for i in range(shape[0])],
            [_("column {j}").format(j=j) for j in range(shape[1])])


def loss_table(losses: Sequence[float], errors: Sequence[float] | None = None) -> pd.DataFrame:
    """The loss after every step, and the distance to the true kernel when there is one.

    Parameters
    ----------
    losses : sequence of float, length n + 1
    errors : sequence of float, length n + 1, optional
        ``‖K − K_true‖`` after every step (``convcore.learn.kernel_error``).
    """
    table = {_("step"): np.arange(len(losses)), _("loss"): np.asarray(losses, dtype=float)}
    if errors is not None:
        table["‖K − K_true‖"] = np.asarray(errors, dtype=float)
    return pd.DataFrame(table)


# ---------------------------------------------------------------------------------------------
# Exports for slides: PNG of the current step, GIF of the run (Pillow, no buttons)
# ---------------------------------------------------------------------------------------------

#: Width of the exported pictures: a 1280×720 slide (the GIF export elsewhere was 518 px).
EXPORT_WIDTH_PX = 1280
EXPORT_HEIGHT_PX = 720
#: Most frames in a GIF; longer runs are sampled evenly (first and last step kept).
MAX_EXPORT_FRAMES = 120
_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Latin and Chinese
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
)
_INK = (31, 36, 48)
_GRID = (225, 229, 236)


def export_titles() -> dict[str, str]:
    """The words drawn in the exported pictures, in the session's language.

    Read them in the script run (where the language is known) and pass them to
    :func:`run_png` / :func:`run_gif`, which may be called later by a download button.
    """
    return {"loss": _("Loss"), "kernel": _("Kernel K"), "step": _("step"),
            "headline": _("Step {step} / {total}    loss {loss}")}


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in _FONT_PATHS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _shade_rgb(shade: float) -> tuple[int, int, int]:
    """RED_BLUE at ``shade`` in [−1, 1] (linear between the palette's stops)."""
    stops = [_rgb(c) for c in RED_BLUE]
    pos = (float(np.clip(shade, -1.0, 1.0)) + 1.0) / 2.0 * (len(stops) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(stops) - 1)
    t = pos - lo
    return tuple(round(a + (b - a) * t) for a, b in zip(stops[lo], stops[hi], strict=True))


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values between ``lo`` and ``hi``."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / count
    magnitude = 10.0 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = np.ceil(lo / step) * step
    return [float(v) for v in np.arange(first, hi + step * 1e-9, step)]


def _draw_loss(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int],
               losses: np.ndarray, upto: int, total_steps: int, titles: dict[str, str]) -> None:
    """The loss curve from step 0 to ``upto`` on axes fixed for the whole run."""
    x0, y0, x1, y1 = box
    small, label = _font(22), _font(26)
    draw.text((x0, y0), titles["loss"], font=_font(30), fill=_INK)
    left, top, right, bottom = x0 + 90, y0 + 60, x1 - 10, y1 - 70
    finite = losses[np.isfinite(losses)]
    y_max = float(finite.max()) if finite.size else 1.0
    y_max = y_max if y_max > 0 else 1.0
    span_x = max(total_steps, 1)
    room = 14  # the dot of step 0 stays inside the plot

    def px(step: float, loss: float) -> tuple[float, float]:
        return (left + room + (right - left - 2 * room) * step / span_x,
                bottom - room - (bottom - top - 2 * room) * loss / y_max)

    for tick in _ticks(0.0, y_max):
        ty = px(0, tick)[1]
        draw.line([(left, ty), (right, ty)], fill=_GRID, width=1)
        text = f"{tick:g}"
        draw.text((left - 12, ty), text, font=small, fill=_INK, anchor="rm")
    for tick in _ticks(0.0, float(span_x)):
        tx = px(tick, 0)[0]
        draw.line([(tx, bottom), (tx, bottom + 8)], fill=_INK, width=2)
        draw.text((tx, bottom + 12), f"{tick:g}", font=small, fill=_INK, anchor="mt")
    draw.line([(left, top), (left, bottom), (right, bottom)], fill=_INK, width=2)
    draw.text(((left + right) / 2, y1 - 4), titles["step"], font=label, fill=_INK, anchor="mb")
    points = [px(t, float(v)) for t, v in enumerate(losses[: upto + 1]) if np.isfinite(v)]
    color = _rgb(LOSS_COLOR)
    if len(points) > 1:
        draw.line(points, fill=color, width=5, joint="curve")
    if points:
        cx, cy = points[-1]
        draw.ellipse((cx - 8, cy - 8, cx + 8, cy + 8), fill=color, outline="white", width=2)


def _draw_kernel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], kernel: np.ndarray,
                 title: str) -> None:
    """The kernel's cells, coloured and with their numbers (white on dark cells)."""
    x0, y0, x1, y1 = box
    draw.text((x0, y0), title, font=_font(30), fill=_INK)
    kh, kw = kernel.shape
    cell = int(min((x1 - x0) / kw, (y1 - y0 - 60) / kh, 150))
    finite = np.isfinite(kernel)
    peak = float(np.max(np.abs(kernel[finite]))) if finite.any() else 0.0
    labels = _cell_labels(kernel.ravel(), 2 if max(kh, kw) <= 3 else 1)
    font = _font(max(20, min(40, cell // 3)))
    for (r, c), text in zip(np.ndindex(kh, kw), labels, strict=True):
        value = kernel[r, c]
        shade = value / peak if peak > 0 and np.isfinite(value) else 0.0
        left, top = x0 + c * cell, y0 + 60 + r * cell
        draw.rectangle((left, top, left + cell - 3, top + cell - 3), fill=_shade_rgb(shade))
        ink = (255, 255, 255) if abs(shade) > 0.6 else _INK
        draw.text((left + (cell - 3) / 2, top + (cell - 3) / 2), text, font=font, fill=ink,
                  anchor="mm")


def _run_frame(losses: np.ndarray, kernels: np.ndarray, upto: int,
               titles: dict[str, str]) -> Image.Image:
    """One 1280×720 picture of the run at step ``upto``."""
    canvas = Image.new("RGB", (EXPORT_WIDTH_PX, EXPORT_HEIGHT_PX), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    total = len(losses) - 1
    headline = titles["headline"].format(step=upto, total=total, loss=f"{losses[upto]:.4g}")
    draw.text((40, 28), headline, font=_font(40), fill=_INK)
    _draw_loss(draw, (40, 110, 800, EXPORT_HEIGHT_PX - 30), losses, upto, total, titles)
    _draw_kernel(draw, (850, 110, EXPORT_WIDTH_PX - 40, EXPORT_HEIGHT_PX - 30),
                 np.asarray(kernels[upto], dtype=float), titles["kernel"])
    return canvas


def _check_run(losses, kernels) -> tuple[np.ndarray, np.ndarray]:
    losses = np.asarray(losses, dtype=float)
    kernels = np.asarray(kernels, dtype=float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError("the run needs at least the loss of step 0")
    if kernels.ndim != 3 or kernels.shape[0] != losses.size:
        raise ValueError(
            f"one kernel per step is needed: {losses.size} losses but kernels of shape "
            f"{kernels.shape} (expected ({losses.size}, kh, kw))")
    return losses, kernels


def run_png(losses: Sequence[float], kernels: np.ndarray, *, titles: dict[str, str]) -> bytes:
    """The run at its last step as a 1280×720 PNG: the loss curve and the kernel.

    Parameters
    ----------
    losses : sequence of float, length n + 1
        The loss at steps 0…n.
    kernels : ndarray, shape (n + 1, kh, kw)
    titles : dict
        :func:`export_titles`.

    Returns
    -------
    bytes
        PNG file contents.
    """
    losses, kernels = _check_run(losses, kernels)
    buffer = io.BytesIO()
    _run_frame(losses, kernels, losses.size - 1, titles).save(buffer, format="PNG")
    return buffer.getvalue()


def gif_steps(n_steps: int, max_frames: int = MAX_EXPORT_FRAMES) -> list[int]:
    """The steps a GIF of a run of ``n_steps`` steps shows: all, or evenly spread with the
    first and the last."""
    if n_steps + 1 <= max_frames:
        return list(range(n_steps + 1))
    return sorted(set(np.rint(np.linspace(0, n_steps, max_frames)).astype(int).tolist()))


def run_gif(losses: Sequence[float], kernels: np.ndarray, *, titles: dict[str, str],
            max_frames: int = MAX_EXPORT_FRAMES) -> bytes:
    """The run from step 0 to its last step as a 1280×720 animated GIF.

    Parameters
    ----------
    losses : sequence of float, length n + 1
    kernels : ndarray, shape (n + 1, kh, kw)
    titles : dict
        :func:`export_titles`.
    max_frames : int
        Most frames (:func:`gif_steps`). A run plays in at most about 8 s (at most 0.4 s
        a step); the last frame is held for two seconds.

    Returns
    -------
    bytes
        GIF file contents.
    """
    losses, kernels = _check_run(losses, kernels)
    steps = gif_steps(losses.size - 1, max_frames)
    frames = [_run_frame(losses, kernels, t, titles).quantize(colors=64, method=2)
              for t in steps]
    per_frame = max(80, min(400, 8000 // len(frames)))  # a long run plays in about 8 s
    durations = [per_frame] * (len(frames) - 1) + [2000]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0, optimize=False)
    return buffer.getvalue()
