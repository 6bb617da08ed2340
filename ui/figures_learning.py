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

Colours follow ``ui.figures``: ColorBrewer RdBu, negative red, zero white, positive blue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import RED_BLUE, ColorScale, Panel, grid_figure

__all__ = [
    "VegaChart",
    "data_figure",
    "engines_figure",
    "error_chart",
    "kernel_chart",
    "loss_chart",
]

LOSS_COLOR = "#2166ac"
TRUTH_COLOR = "#1b7837"
CONVCORE_COLOR = "#2166ac"
TORCH_COLOR = "#e66101"
MAX_CELL_PX = 72
KERNEL_BOX_PX = 190  # fits a quarter of the wide layout on a 1280-pixel screen
#: Up to this many steps the loss curve marks every step with a dot.
MAX_DOTTED_STEPS = 60


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


def _title(text: str) -> dict:
    return {"text": text, "anchor": "start", "fontSize": 15, "fontWeight": 600}


def _step_axis(max_steps: int) -> dict:
    last = max(int(max_steps), 1)
    return {
        "field": "step",
        "type": "quantitative",
        "title": "step",
        "scale": {"domain": [0, last], "nice": False},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def loss_chart(
    losses: Sequence[float],
    *,
    log_scale: bool = False,
    max_steps: int,
    best_loss: float | None = None,
    height: int = 300,
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
    height : int
        Pixels.

    Returns
    -------
    VegaChart
        Data columns ``step`` and ``loss``.
    """
    losses = np.asarray(losses, dtype=float)
    data = pd.DataFrame({"step": np.arange(losses.size), "loss": losses})
    dotted = max_steps <= MAX_DOTTED_STEPS
    y_scale = {"type": "log"} if log_scale else {"type": "linear", "zero": True}
    line = {
        "mark": {"type": "line", "color": LOSS_COLOR, "strokeWidth": 2.5, "point": dotted},
        "encoding": {
            "x": _step_axis(max_steps),
            "y": {
                "field": "loss",
                "type": "quantitative",
                "title": "loss (log scale)" if log_scale else "loss",
                "scale": y_scale,
                "axis": {"format": "~g"},
            },
            "tooltip": [
                {"field": "step", "type": "quantitative"},
                {"field": "loss", "type": "quantitative", "format": ".6g"},
            ],
        },
    }
    if log_scale:
        line["transform"] = [{"filter": "datum.loss > 0"}]
    layers = [line]
    if best_loss is not None and best_loss > 0:
        best = {"best": float(best_loss), "label": f"lowest reachable loss {best_loss:.3g}"}
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
                    "fontSize": 12,
                },
                "encoding": {
                    "y": {"field": "best", "type": "quantitative"},
                    "text": {"field": "label"},
                },
            }
        )
    spec = {
        "title": _title("Loss L = Σ (Ŷ − Y)²"),
        "height": height,
        "layer": layers,
    }
    return VegaChart(spec, data)


def error_chart(errors: Sequence[float], *, max_steps: int, height: int = 220) -> VegaChart:
    """Distance to the true kernel ``‖K − K_true‖`` after each step, on a log axis.

    Parameters
    ----------
    errors : sequence of float, length n_steps + 1
    max_steps : int
        The step axis runs from 0 to here.
    height : int

    Returns
    -------
    VegaChart
        Data columns ``step`` and ``error``.
    """
    errors = np.asarray(errors, dtype=float)
    data = pd.DataFrame({"step": np.arange(errors.size), "error": errors})
    spec = {
        "title": _title("Distance to the true kernel ‖K − K_true‖"),
        "height": height,
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
                "title": "‖K − K_true‖ (log scale)",
                "scale": {"type": "log"},
                "axis": {"format": "~g"},
            },
            "tooltip": [
                {"field": "step", "type": "quantitative"},
                {"field": "error", "type": "quantitative", "format": ".4g"},
            ],
        },
    }
    return VegaChart(spec, data)


def kernel_chart(kernel: np.ndarray, title: str, *, digits: int = 2) -> VegaChart:
    """A small kernel (or its gradient) as square cells with the numbers written in them.

    The colour of a cell is its value divided by the largest |value| (red −1, white 0,
    blue +1), computed into the data, so the spec depends only on the kernel's shape.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw)
    title : str
    digits : int
        Decimals written in each cell.

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
    cell = min(MAX_CELL_PX, KERNEL_BOX_PX // max(kh, kw))
    font = 16 if cell >= 70 else 14 if cell >= 55 else 11 if cell >= 36 else 9
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
        "title": _title(title),
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
                        {"field": "row", "type": "ordinal"},
                        {"field": "col", "type": "ordinal"},
                        {"field": "value", "type": "quantitative", "format": ".6g"},
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


def data_figure(x: np.ndarray, y: np.ndarray) -> go.Figure:
    """Input X and target Y side by side (the app's grid panels; X drawn as a picture).

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
        Panel(x, f"input X ({x.shape[0]}×{x.shape[1]})", image=True, scale=gray, name="x"),
        Panel(np.asarray(y, dtype=float), f"target Y ({y.shape[0]}×{y.shape[1]})", name="y"),
    ]
    return grid_figure(panels, digits=2)


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
    _, kh, kw = convcore_kernels.shape
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
                    name="convcore: conv2d_backward",
                    legendgroup="convcore",
                    showlegend=first,
                    hovertemplate=f"convcore K[{i},{j}], step %{{x}}: %{{y:.15g}}<extra></extra>",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=np.arange(torch_kernels.shape[0]),
                    y=torch_kernels[:, i, j],
                    mode="markers",
                    marker={"color": TORCH_COLOR, "symbol": "x-thin-open", "size": 8},
                    name="PyTorch: nn.Conv2d + autograd",
                    legendgroup="torch",
                    showlegend=first,
                    hovertemplate=f"PyTorch K[{i},{j}], step %{{x}}: %{{y:.15g}}<extra></extra>",
                )
            )
    fig.update_layout(
        title={"text": "Every kernel entry, step by step", "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="kernel entry")
    return fig
