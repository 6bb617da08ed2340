"""Figures of the "Under the hood" page: arrays in, ``go.Figure`` out. Never imports Streamlit.

Grids are the shared panels of :mod:`ui.figures` (square cells, diverging red–white–blue
scale, outlines, click overlays); line and bar charts are plain Plotly with a marker symbol
and a dash per method, so that no method is told apart by colour alone. Titles, axes and
hover texts are translated with :func:`ui.i18n._` in the language current when the builder
runs (a page that caches a figure passes the language).

- :func:`cost_figure` — section 1: multiply-adds of each method against the kernel size
  (log scale): k² for the loop and im2col, 2k for two 1-D passes, flat for the FFT.
- :func:`patch_matrix_figure` — section 2: the patch matrix, the kernel as a vector and the
  output as a vector, one row picked; :func:`window_figure` — that row's window on the input.
- :func:`spectra_figure` — section 3: log-magnitude spectra of the image, of the kernel and
  of their product, and the inverse transform; :func:`wrap_figure` — circular against linear.
- :func:`singular_values_figure`, :func:`approximations_figure` — section 4.
- :func:`timing_figure` — section 5: measured seconds against kernel size, log-log, with the
  crossover where the FFT overtakes the direct sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ui import figures as fig_lib
from ui.figures import Panel
from ui.i18n import N_, _

#: Okabe–Ito colours, a marker symbol and a dash per method (never colour alone).
METHOD_STYLE = {
    "loop": ("#000000", "x", "dot"),
    "direct": ("#0072b2", "circle", "solid"),
    "im2col": ("#e69f00", "square", "dash"),
    "fft": ("#009e73", "diamond", "solid"),
    "separable": ("#cc79a7", "triangle-up", "dashdot"),
    "torch": ("#d55e00", "star", "longdash"),
}
#: How each method is named in legends and tables (translated where shown).
METHOD_NAMES = {
    "loop": N_("textbook loop"),
    "direct": N_("direct sum"),
    "im2col": N_("im2col"),
    "fft": N_("FFT"),
    "separable": N_("separable (two 1-D passes)"),
    "torch": N_("PyTorch conv2d"),
}
ROW_COLOR = fig_lib.OUTLINE_COLOR  # the picked row and its window: black frame
WRAP_COLOR = "#cc79a7"  # reddish purple: cells whose window wraps around
FONT = dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR)


def method_name(method: str) -> str:
    """The method's name in the session's language."""
    return _(METHOD_NAMES.get(method, method))


#: Text size (px) of line charts on a projector: every number and title at least 24 px.
PRESENTER_FONT_PX = 24


def _line_layout(title: str, x_title: str, y_title: str, width_px: float, height_px: float,
                 *, log_x: bool = False, presenting: bool = False, legend_rows: int = 1
                 ) -> dict:
    """Layout of a line or bar chart. On a projector (``presenting``) every text is
    :data:`PRESENTER_FONT_PX` px, the chart's own title is left to the page's heading and the
    legend moves above the plot (``legend_rows`` rows of it), clear of the axis titles."""
    size = PRESENTER_FONT_PX if presenting else 13
    axis = dict(showgrid=True, gridcolor=fig_lib.GRID_COLOR, zeroline=False, fixedrange=True,
                tickfont=dict(size=size), title=dict(font=dict(size=size)))
    layout = dict(
        width=width_px, height=height_px, autosize=False, font=dict(**FONT, size=size),
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", hovermode="closest", dragmode=False,
        xaxis=dict(axis, title=dict(text=x_title, font=dict(size=size)),
                   type="log" if log_x else "linear"),
        yaxis=dict(axis, title=dict(text=y_title, font=dict(size=size)), type="log",
                   exponentformat="power", dtick=1),
        legend=dict(font=dict(size=size)))
    if presenting:
        top = 20 + 36 * legend_rows
        layout.update(margin=dict(l=110, r=30, t=top, b=80),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0,
                                  xanchor="left", font=dict(size=size)))
    else:
        layout.update(title=dict(text=title, x=0.0, xanchor="left", font=dict(size=17)),
                      margin=dict(l=80, r=20, t=60, b=90),
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0.0,
                                  font=dict(size=size)))
    return layout


def _marker_line(x: float, label: str, color: str, presenting: bool) -> tuple[dict, dict]:
    """A dotted vertical line at ``x`` and its label: above the plot, or inside its top
    left corner on a projector (the legend is above it there)."""
    line = dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                line=dict(color=color, width=2, dash="dot"))
    if presenting:
        note = dict(x=0.01, y=0.99, xref="paper", yref="paper", xanchor="left",
                    yanchor="top", text=label, showarrow=False,
                    font=dict(size=PRESENTER_FONT_PX), bgcolor="rgba(255,255,255,0.85)")
    else:
        note = dict(x=x, y=1.0, xref="x", yref="paper", yanchor="bottom", text=label,
                    showarrow=False, font=dict(size=13))
    return line, note


# ------------------------------------------------------------------------------ 1 · cost


def cost_figure(kernel_sizes: Sequence[int], counts: Mapping[str, Sequence[int]],
                current_k: int, *, width_px: float = 880, height_px: float = 420,
                presenting: bool = False) -> go.Figure:
    """Multiply-adds of each method against the kernel size, log scale (section 1).

    Parameters
    ----------
    kernel_sizes : sequence of int
        The x values (odd sizes 3, 5, ...).
    counts : mapping method → sequence of int
        ``counts[m][i]``: multiply-adds of method ``m`` at ``kernel_sizes[i]``
        (:func:`convcore.multiply_adds`).
    current_k : int
        Marked with a vertical line.
    presenting : bool
        Projector layout (:func:`_line_layout`).

    Returns
    -------
    go.Figure
        One trace per method, named in the session's language; ``trace.meta`` is the
        method's code (``"loop"``, ``"fft"`` ...).
    """
    fig = go.Figure()
    for method, values in counts.items():
        color, symbol, dash = METHOD_STYLE[method]
        fig.add_trace(go.Scatter(
            x=list(kernel_sizes), y=[int(v) for v in values], mode="lines+markers",
            name=method_name(method), meta=method,
            line=dict(color=color, dash=dash, width=2.5),
            marker=dict(symbol=symbol, size=9, color=color),
            hovertemplate=_("{name}: k = %{{x}}, %{{y:,}} multiply-adds").format(
                name=method_name(method)) + "<extra></extra>",
            showlegend=True))
    layout = _line_layout(_("Multiply-adds for one image, by kernel size"),
                          _("kernel size k (k×k)"),
                          _("multiply-adds") if presenting else _("multiply-adds (log scale)"),
                          width_px, height_px, presenting=presenting,
                          legend_rows=len(counts))
    line, note = _marker_line(current_k, _("k = {k}").format(k=current_k), "#596275",
                              presenting)
    layout["shapes"], layout["annotations"] = [line], [note]
    fig.update_layout(**layout)
    return fig


# ------------------------------------------------------------------------------ 2 · im2col


def patch_matrix_figure(patches: np.ndarray, kernel_vector: np.ndarray, output: np.ndarray,
                        row: int, *, max_cell_px: float = 30,
                        available_px: float = fig_lib.AVAILABLE_WIDTH_PX,
                        short_titles: bool = False) -> go.Figure:
    """The patch matrix, the kernel as a column vector and the output as a column (section 2).

    Parameters
    ----------
    patches : ndarray, (rows, taps)
        :func:`convcore.im2col` of the input.
    kernel_vector : ndarray, (taps,)
    output : ndarray, (rows,)
        ``patches @ kernel_vector``.
    row : int
        The picked row: framed in the matrix and in the output.
    short_titles : bool
        "K" and "= y" over the one-column panels (a projector's large titles would overlap).

    Returns
    -------
    go.Figure
        Panels ``"patches"`` (click tag ``"patch"``), ``"kernel"``, ``"output"`` (click tag
        ``"row"``); the frames are the traces ``"row"`` and ``"row_out"``.
    """
    rows, taps = patches.shape
    panels = [
        Panel(patches, _("<b>patches</b> {rows}×{taps}").format(rows=rows, taps=taps),
              click="patch", name="patches"),
        Panel(np.asarray(kernel_vector, dtype=np.float64).reshape(-1, 1),
              "<b>K</b>" if short_titles else _("<b>kernel</b>"), name="kernel"),
        Panel(np.asarray(output, dtype=np.float64).reshape(-1, 1),
              "<b>= y</b>" if short_titles else _("<b>= output</b>"), click="row",
              name="output"),
    ]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    fig_lib.add_outline(fig, 0, [(row, 0, row, taps - 1)], color=ROW_COLOR, name="row")
    fig_lib.add_outline(fig, 2, [(row, 0, row, 0)], color=ROW_COLOR, name="row_out")
    return fig


def window_figure(image: np.ndarray, kernel: np.ndarray, output: np.ndarray,
                  window: tuple[int, int, int, int], out_cell: tuple[int, int], *,
                  max_cell_px: float = 40,
                  available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The input with one window framed, the kernel, and the output with its cell framed.

    ``window`` is the inclusive box ``(top, left, bottom, right)`` on the input; the output
    panel is clickable (tag ``"output"``). Frames: traces ``"window"`` and ``"cell"``.
    """
    panels = [Panel(image, _("<b>input</b>"), name="input"),
              Panel(kernel, _("<b>kernel</b>"), name="kernel"),
              Panel(output, _("<b>output</b>"), click="output", name="output")]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    fig_lib.add_outline(fig, 0, [window], color=ROW_COLOR, name="window")
    i, j = out_cell
    fig_lib.add_outline(fig, 2, [(i, j, i, j)], color=ROW_COLOR, name="cell")
    return fig


# ------------------------------------------------------------------------------ 3 · Fourier


def spectra_figure(image_log: np.ndarray, kernel_log: np.ndarray, product_log: np.ndarray,
                   inverse: np.ndarray, *, max_cell_px: float = 12,
                   available_px: float = fig_lib.AVAILABLE_WIDTH_PX,
                   short_titles: bool = False) -> go.Figure:
    """Four panels: log-magnitude spectra of the image, of the kernel and of their product
    (zero frequency in the centre), and the inverse transform of the product.

    Panels are named ``"image_spectrum"``, ``"kernel_spectrum"``, ``"product"``,
    ``"inverse"``; spectra use a sequential scale (magnitudes are never negative).
    ``short_titles``: one word each, for a projector's large titles.
    """
    def spectrum(values, title, name):
        values = np.asarray(values, dtype=np.float64)
        scale = fig_lib.ColorScale(fig_lib._even_scale(fig_lib.BLUES), 0.0,
                                   float(values.max()) or 1.0, "sequential")
        return Panel(values, title, scale=scale, show_values=False, name=name)

    if short_titles:
        titles = (_("<b>image</b>"), _("<b>× kernel</b>"), _("<b>= product</b>"),
                  _("<b>inverse</b>"))
    else:
        titles = (_("<b>log |image spectrum|</b>"), _("<b>× log |kernel spectrum|</b>"),
                  _("<b>= log |product|</b>"), _("<b>inverse transform</b>"))
    panels = [spectrum(image_log, titles[0], "image_spectrum"),
              spectrum(kernel_log, titles[1], "kernel_spectrum"),
              spectrum(product_log, titles[2], "product"),
              Panel(inverse, titles[3], show_values=False, name="inverse")]
    return fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)


def wrap_figure(circular: np.ndarray, linear: np.ndarray, error: np.ndarray,
                wraps: np.ndarray, *, max_cell_px: float = 12,
                available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """Circular (no padding) against linear correlation and their difference; the rows and
    columns whose windows wrap round are framed (trace ``"wraps"``, dashed purple)."""
    panels = [Panel(circular, _("<b>circular (no padding)</b>"), show_values=False,
                    name="circular"),
              Panel(linear, _("<b>linear (zero-padded)</b>"), show_values=False, name="linear"),
              Panel(error, _("<b>difference</b>"), show_values=False, name="error")]
    fig = fig_lib.grid_figure(panels, max_cell_px=max_cell_px, available_px=available_px)
    h, w = np.shape(wraps)
    rows = np.flatnonzero(np.asarray(wraps).all(axis=1))
    cols = np.flatnonzero(np.asarray(wraps).all(axis=0))
    boxes = []
    if rows.size:
        boxes.append((int(rows[0]), 0, h - 1, w - 1))
    if cols.size:
        boxes.append((0, int(cols[0]), h - 1, w - 1))
    if boxes:
        fig_lib.add_outline(fig, 2, boxes, color=WRAP_COLOR, dash="dash", name="wraps")
    return fig


# ------------------------------------------------------------------------------ 4 · separable


def singular_values_figure(values: np.ndarray, tolerance: float, *, width_px: float = 420,
                           height_px: float = 300, presenting: bool = False) -> go.Figure:
    """The kernel's singular values as bars, largest first (section 4).

    One trace named ``"singular_values"``; a value at or below ``tolerance`` (rounding)
    is labelled "0": a rank-1 kernel shows exactly one bar with a number above it.
    """
    s = np.asarray(values, dtype=np.float64)
    shown = np.where(s > tolerance, s, 0.0)
    labels = [f"{v:.4g}" if v > tolerance else "0" for v in s]
    fig = go.Figure(go.Bar(
        x=[f"σ{i + 1}" for i in range(len(s))], y=shown, text=labels, textposition="outside",
        marker=dict(color="#0072b2", line=dict(color="#1f2430", width=1)),
        name="singular_values", cliponaxis=False,
        hovertemplate="%{x} = %{text}<extra></extra>"))
    layout = _line_layout(_("Singular values of the kernel"), _("singular value"),
                          _("size"), width_px, height_px, presenting=presenting)
    layout["showlegend"] = False
    layout["margin"] = dict(l=90, r=20, t=50 if presenting else 60, b=70)
    if presenting:
        fig.data[0].textfont = dict(size=PRESENTER_FONT_PX)
    layout["xaxis"].update(type="category", showgrid=False)
    layout["yaxis"].update(type="linear", dtick=None, rangemode="tozero",
                           range=[0, 1.2 * float(max(shown.max(), 1e-12))])
    fig.update_layout(**layout)
    return fig


def approximations_figure(kernel: np.ndarray, approximations: Sequence[np.ndarray],
                          titles: Sequence[str], *, max_cell_px: float = 44,
                          available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """The kernel and its low-rank approximations side by side, on one colour scale.

    Panels: ``"kernel"``, then ``"rank1"``, ``"rank2"`` ... in the order given.
    """
    k = np.asarray(kernel, dtype=np.float64)
    everything = np.concatenate([k.ravel()] + [np.ravel(a) for a in approximations])
    scale = fig_lib.color_scale_for(everything.reshape(1, -1))
    panels = [Panel(k, _("<b>kernel</b>"), scale=scale, name="kernel")]
    panels += [Panel(np.asarray(a, dtype=np.float64), title, scale=scale, name=f"rank{i + 1}")
               for i, (a, title) in enumerate(zip(approximations, titles, strict=True))]
    return fig_lib.grid_figure(panels, digits=2, max_cell_px=max_cell_px,
                               available_px=available_px)


# ------------------------------------------------------------------------------ 5 · timing


def timing_figure(kernel_sizes: Sequence[int], seconds: Mapping[str, Sequence[float | None]],
                  crossover: int | None, *, title: str, width_px: float = 880,
                  height_px: float = 460, presenting: bool = False) -> go.Figure:
    """Measured seconds against kernel size, both axes logarithmic (section 5).

    Parameters
    ----------
    kernel_sizes : sequence of int
    seconds : mapping method → sequence of float or None
        ``MethodTiming.seconds``: None where a cell was not measured (a gap in the line).
    crossover : int or None
        The kernel size from which the FFT beats the direct sum: a vertical line.
    title : str

    Returns
    -------
    go.Figure
        One trace per method; ``trace.meta`` is the method's code. ``layout.meta`` is
        ``{"crossover": crossover}``.
    """
    fig = go.Figure()
    for method, values in seconds.items():
        color, symbol, dash = METHOD_STYLE[method]
        ms = [None if v is None else 1e3 * v for v in values]
        fig.add_trace(go.Scatter(
            x=list(kernel_sizes), y=ms, mode="lines+markers", name=method_name(method),
            meta=method, connectgaps=False, line=dict(color=color, dash=dash, width=2.5),
            marker=dict(symbol=symbol, size=10, color=color),
            hovertemplate=_("{name}: k = %{{x}}, %{{y:.3g}} ms").format(
                name=method_name(method)) + "<extra></extra>"))
    layout = _line_layout(title, _("kernel size k (log scale)"),
                          _("ms per call") if presenting
                          else _("milliseconds per call (log scale)"), width_px, height_px,
                          log_x=True, presenting=presenting, legend_rows=len(seconds))
    sizes = list(kernel_sizes)
    shown = sizes if not presenting or len(sizes) <= 6 else sizes[::2]
    layout["xaxis"].update(tickvals=shown, ticktext=[str(k) for k in shown])
    if crossover is not None:
        line, note = _marker_line(crossover, _("FFT faster from k = {k}").format(k=crossover),
                                  METHOD_STYLE["fft"][0], presenting)
        if not presenting:
            note["x"] = float(np.log10(crossover))  # a log axis places annotations by log10
        layout["shapes"], layout["annotations"] = [line], [note]
    layout["meta"] = {"crossover": crossover}
    fig.update_layout(**layout)
    return fig
