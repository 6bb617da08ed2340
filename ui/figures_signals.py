"""Figures of the "Convolution in 1-D" page (issue 14): the stomach animation, signals, text as
channels, the 2-D neighbourhood and a 3-D clip.

Every builder takes numbers computed by ``convcore`` and only draws them. The stomach
animation is client-side like :func:`ui.figures.animation_figure`: one frame per time ``t``
(named ``"0"``, ``"1"``, …), played by Plotly in the browser with ``redraw=False``; every
trace is a scatter (no heatmap, so plotly.js #4491 does not apply) and a frame sends only the
``y`` of the traces that move, the ``t`` line and the step text (``layout.annotations[0]``,
which :func:`ui.a11y.animation_keys` reads out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from convcore.trace import format_number
from ui.figures import AnimatedFigure
from ui.i18n import _

SANS = "Source Sans Pro, Noto Sans CJK SC, sans-serif"
MONO = "Source Code Pro, Noto Sans Mono CJK SC, monospace"
TEXT_COLOR = "#31333f"
#: Okabe–Ito colours (tell apart under colour-vision deficiencies); every curve also differs
#: by line style or fill pattern and is named in the legend.
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, GREY = ("#0072b2", "#e69f00", "#009e73", "#d55e00",
                                                 "#cc79a7", "#6b7280")
#: Decimal places kept in the animation's frames (the JSON stays small).
FRAME_DECIMALS = 4
NORMAL_MS, FAST_MS = 120, 45


def clock(hours: float) -> str:
    """``13.5`` → ``"13:30"``."""
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rounded(values) -> list:
    return np.round(np.asarray(values, dtype=np.float64), FRAME_DECIMALS).tolist()


def _base_layout(height: int, width: int) -> dict:
    return dict(height=height, width=width, font=dict(family=SANS, size=14, color=TEXT_COLOR),
                paper_bgcolor="white", plot_bgcolor="white", hovermode="closest",
                margin=dict(l=70, r=20, t=60, b=60))


def _axis(title: str, **kw) -> dict:
    return dict(title=dict(text=title, font=dict(size=14)), showgrid=True,
                gridcolor="#e5e7eb", zeroline=True, zerolinecolor="#9ca3af", **kw)


# ------------------------------------------------------------------------------ the stomach


def step_text(t: float, s_value: float) -> str:
    """The animation's line for one frame: ``t = 14:00 — s(t) = 1.28``."""
    return _("t = {t} h — stomach s(t) = {s}").format(t=clock(t),
                                                     s=format_number(s_value, digits=3))


def stomach_animation_figure(frames, *, initial: int = 0, width: int = 900,
                             height: int = 640) -> AnimatedFigure:
    """The flip and the slide: ``f(x)``, ``g(t − x)``, their product shaded, ``s(t)`` growing.

    Parameters
    ----------
    frames : convcore.stomach.StomachFrames
        One row per frame: ``flipped[j]`` and ``product[j]`` at ``t = x[j]``; ``area`` is
        the grid's ``s(t)``.
    initial : int
        The frame drawn before Play.
    width, height : int
        Pixels.

    Returns
    -------
    AnimatedFigure
        Three stacked panels sharing the time axis: the meals ``f(x)`` with the product
        ``f(x)·g(t − x)`` shaded; the digestion curve flipped and shifted to ``t`` (and, dashed,
        ``g`` before the flip); ``s(t)`` so far, with a marker at ``t``. Traces are named
        ``intake``, ``product``, ``flipped``, ``curve``, ``s``, ``now``; ``layout.meta``
        holds ``steps`` and ``normal_ms``.
    """
    x = np.asarray(frames.x)
    n = len(x)
    if not 0 <= initial < n:
        raise ValueError(f"initial frame {initial} is outside 0..{n - 1}")
    area = np.asarray(frames.area)
    top_s = float(max(area.max(), np.asarray(frames.exact).max(), 1e-9)) * 1.12
    top_f = float(max(np.asarray(frames.intake).max(), 1e-9)) * 1.1
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.09,
                        row_heights=[0.36, 0.28, 0.36])
    fig.add_trace(go.Scatter(
        x=_rounded(x), y=_rounded(frames.intake), name="intake", mode="lines",
        line=dict(color=BLUE, width=2), fill="tozeroy", fillcolor="rgba(0,114,178,0.12)",
        legendgroup="f", legendgrouptitle=None,
        hovertemplate=_("x = %{x:.2f} h<br>f(x) = %{y:.3f} per hour") + "<extra></extra>",
        showlegend=True, meta=_("meals f(x)")), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=_rounded(x), y=_rounded(frames.product[initial]), name="product", mode="lines",
        line=dict(color=VERMILLION, width=2.5), fill="tozeroy", fillpattern=dict(shape="/"),
        fillcolor="rgba(213,94,0,0.35)",
        hovertemplate=_("x = %{x:.2f} h<br>f(x)·g(t − x) = %{y:.3f}") + "<extra></extra>"),
        row=1, col=1)
    fig.add_trace(go.Scatter(
        x=_rounded(x), y=_rounded(frames.flipped[initial]), name="flipped", mode="lines",
        line=dict(color=GREEN, width=3),
        hovertemplate=_("x = %{x:.2f} h<br>g(t − x) = %{y:.3f}") + "<extra></extra>"),
        row=2, col=1)
    fig.add_trace(go.Scatter(
        x=_rounded(x), y=_rounded(frames.curve), name="curve", mode="lines",
        line=dict(color=GREY, width=1.5, dash="dash"),
        hovertemplate=_("age a = %{x:.2f} h<br>g(a) = %{y:.3f}") + "<extra></extra>"),
        row=2, col=1)
    fig.add_trace(go.Scatter(
        x=_rounded(x), y=_rounded(area[:initial + 1]), name="s", mode="lines",
        line=dict(color=PURPLE, width=3),
        hovertemplate=_("t = %{x:.2f} h<br>s(t) = %{y:.3f}") + "<extra></extra>"),
        row=3, col=1)
    fig.add_trace(go.Scatter(
        x=[float(x[initial])], y=[round(float(area[initial]), FRAME_DECIMALS)], name="now",
        mode="markers", marker=dict(color=PURPLE, size=12, symbol="diamond",
                                    line=dict(color="#111111", width=1.5)),
        hovertemplate=_("t = %{x:.2f} h<br>s(t) = %{y:.3f}") + "<extra></extra>"),
        row=3, col=1)
    for trace in fig.data:
        trace.showlegend = False

    def t_line(t: float) -> list[dict]:
        return [dict(x0=t, x1=t) for _row in range(3)]

    shapes = [dict(type="line", xref=xref, yref=f"{yref} domain", x0=float(x[initial]),
                   x1=float(x[initial]), y0=0, y1=1, layer="above",
                   line=dict(color="#111111", width=2, dash="dot"), name=f"t:{k}")
              for k, (xref, yref) in enumerate((("x", "y"), ("x2", "y2"), ("x3", "y3")))]
    text = dict(text=step_text(float(x[initial]), float(area[initial])), xref="x domain",
                yref="y domain", x=0, y=1, xanchor="left", yanchor="bottom", yshift=40,
                showarrow=False, align="left", font=dict(family=MONO, size=17, color=TEXT_COLOR))
    titles = [_("<b>f(x)</b> and <b>f(x)·g(t − x)</b>, hatched"),
              _("<b>g(t − x)</b>; dashed: g(a)"), _("<b>s(t)</b> so far")]
    annotations = [text] + [
        dict(text=title, xref=f"x{'' if k == 0 else k + 1} domain",
             yref=f"y{'' if k == 0 else k + 1} domain", x=0, y=1, xanchor="left",
             yanchor="bottom", yshift=4, showarrow=False, font=dict(size=14, color=TEXT_COLOR))
        for k, title in enumerate(titles)]
    layout = _base_layout(height, width)
    layout.update(margin=dict(l=50, r=20, t=110, b=150), shapes=shapes, annotations=annotations,
                  showlegend=False,
                  meta=dict(steps=n, normal_ms=NORMAL_MS, figure="stomach"))
    fig.update_layout(**layout)
    fig.update_yaxes(_axis(""), range=[0, top_f], row=1, col=1)
    fig.update_yaxes(_axis(""), range=[0, 1.1], row=2, col=1)
    fig.update_yaxes(_axis(""), range=[0, top_s], row=3, col=1)
    span = [float(x[0]), float(x[-1])]
    tick_step = 3 if x[-1] > 12 else 1
    ticks = list(np.arange(x[0], x[-1] + 1e-9, tick_step))
    for row in (1, 2, 3):
        fig.update_xaxes(_axis(""), range=span, tickvals=ticks,
                         ticktext=[clock(v) for v in ticks], row=row, col=1,
                         showticklabels=row == 3)
    fig = AnimatedFigure(fig)
    names = [str(j) for j in range(n)]
    jump = dict(mode="immediate", frame=dict(duration=0, redraw=False),
                transition=dict(duration=0))

    # Play starts at the frame drawn first (plotly has no "current" frame before the first
    # animation, and would start at midnight); after a pause it goes on from there.
    playlist = names[initial:] if initial < n - 1 else names

    def play(duration: int) -> list:
        return [playlist, dict(mode="immediate", fromcurrent=True,
                           frame=dict(duration=duration, redraw=False),
                           transition=dict(duration=0))]

    fig.update_layout(updatemenus=[dict(
        type="buttons", direction="left", showactive=False, x=0.0, xanchor="left", y=0,
        yanchor="top", pad=dict(t=40, r=6), bgcolor="#f4f5f8", bordercolor="#c9ced8",
        font=dict(size=13, family=SANS), name="transport",
        buttons=[dict(label="|◀", method="animate", args=[[names[0]], jump]),
                 dict(label="▶ " + _("Play"), method="animate", args=play(NORMAL_MS)),
                 dict(label="▶▶ " + _("Fast"), method="animate", args=play(FAST_MS)),
                 dict(label="❚❚ " + _("Pause"), method="animate", args=[[None], jump]),
                 dict(label="▶|", method="animate", args=[[names[-1]], jump])])])
    fig._raw_layout = dict(sliders=[dict(
        active=initial, x=0, len=1.0, y=0, yanchor="top", pad=dict(t=95, b=4),
        currentvalue=dict(prefix="t = ", xanchor="right", offset=6,
                          font=dict(size=13, family=SANS, color=TEXT_COLOR)),
        ticklen=0, minorticklen=0, font=dict(size=10, color="rgba(0,0,0,0)"),
        bgcolor="#e8ebf0", activebgcolor="#9aa3b2", bordercolor="#c9ced8", name="steps",
        steps=[dict(method="animate", label=clock(float(t)), args=[[name], jump])
               for t, name in zip(x, names, strict=True)])])
    fig._raw_frames = [
        dict(name=name,
             data=[dict(y=_rounded(frames.product[j])), dict(y=_rounded(frames.flipped[j])),
                   dict(y=_rounded(area[:j + 1])),
                   dict(x=[float(x[j])], y=[round(float(area[j]), FRAME_DECIMALS)])],
             traces=[1, 2, 4, 5],
             layout=dict(shapes=t_line(float(x[j])),
                         annotations=[dict(text=step_text(float(x[j]), float(area[j])))]))
        for j, name in enumerate(names)]
    return fig


def stomach_comparison_figure(t, exact, integral, hours, hourly, *, exact_name: str,
                              width: int = 900, height: int = 340) -> go.Figure:
    """The continuous ``s(t)`` (exact and the integral on a fine grid) beside the discrete
    hourly sum ``s[n]``.

    Parameters
    ----------
    t : array_like, shape (T,)
    exact, integral : array_like, shape (T,)
        Closed form (or None-equivalent repeat) and the numerical integral.
    hours, hourly : array_like, shape (N,)
        Whole hours and the discrete stomach ``s[n] = Σ f[m]·g[n − m]``.
    exact_name : str
        Legend name of ``exact`` ("closed form" or "integral, fine grid").
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(map(float, t)), y=_rounded(exact), name=exact_name,
                             mode="lines", line=dict(color=PURPLE, width=3)))
    fig.add_trace(go.Scatter(x=list(map(float, t)), y=_rounded(integral),
                             name=_("integral on a 1-minute grid"), mode="lines",
                             line=dict(color="#111111", width=1.5, dash="dot")))
    fig.add_trace(go.Bar(x=list(map(float, hours)), y=_rounded(hourly),
                         name=_("hourly sum s[n] (meals on the hour)"),
                         marker=dict(color="rgba(0,158,115,0.45)", pattern=dict(shape="."),
                                     line=dict(color=GREEN, width=1.5)), width=0.5))
    layout = _base_layout(height, width)
    layout.update(barmode="overlay", legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
                  margin=dict(l=70, r=20, t=50, b=50))
    fig.update_layout(**layout)
    ticks = list(range(0, int(max(hours)) + 1, 3))
    fig.update_xaxes(_axis(_("hours")), tickvals=ticks, ticktext=[clock(v) for v in ticks])
    fig.update_yaxes(_axis(_("in stomach")))
    return fig


# ------------------------------------------------------------------------------ signals


def stems_figure(rows: Sequence[tuple[str, Sequence[float]]], *, start: int = 0,
                 width: int = 900, height: int | None = None, x_title: str = "n") -> go.Figure:
    """Discrete signals as stem plots, one row each, sharing the index axis.

    Parameters
    ----------
    rows : sequence of (title, values)
    start : int
        Index of the first value.
    """
    count = len(rows)
    fig = make_subplots(rows=count, cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=[title for title, _v in rows])
    longest = max(len(v) for _t, v in rows)
    for k, (_title, values) in enumerate(rows, start=1):
        v = np.asarray(values, dtype=np.float64)
        idx = np.arange(start, start + len(v))
        xs = [float(e) for i in idx for e in (i, i, np.nan)]
        ys = [float(e) for val in v for e in (0.0, val, np.nan)]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=GREY, width=2),
                                 hoverinfo="skip", showlegend=False, name=f"stem:{k}"),
                      row=k, col=1)
        fig.add_trace(go.Scatter(
            x=idx.tolist(), y=_rounded(v), mode="markers+text", name=f"row:{k}",
            text=[format_number(val, digits=3) for val in v], textposition="top center",
            marker=dict(color=BLUE, size=10), showlegend=False, cliponaxis=False,
            hovertemplate="%{x}: %{y}<extra></extra>"), row=k, col=1)
        lo, hi = float(min(v.min(), 0)), float(max(v.max(), 0))
        pad = 0.35 * (hi - lo or 1)
        fig.update_yaxes(range=[lo - pad * 0.4, hi + pad], row=k, col=1, showgrid=False,
                         zeroline=True, zerolinecolor="#9ca3af")
    layout = _base_layout(height or 120 + 130 * count, width)
    layout.update(margin=dict(l=50, r=20, t=40, b=50))
    fig.update_layout(**layout)
    fig.update_xaxes(range=[start - 0.6, start + longest - 0.4], dtick=1)
    fig.update_xaxes(title=dict(text=x_title), row=count, col=1)
    return fig


def sensor_figure(true, measured, smoothed, weights, *, width: int = 900,
                  height: int = 470) -> go.Figure:
    """Goodfellow's sensor: noisy readings, the causal average, and the weights ``w(a)``.

    Parameters
    ----------
    true, measured, smoothed : array_like, shape (L,)
    weights : array_like, shape (K,)
        ``w(a)`` for ``a = 0..K − 1`` (drawn from ``a = −K + 1`` to show the zeros).
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.66, 0.34], horizontal_spacing=0.12,
                        subplot_titles=[_("<b>position</b>"), _("<b>w(a)</b>")])
    n = np.arange(len(measured))
    fig.add_trace(go.Scatter(x=n.tolist(), y=_rounded(measured), name=_("noisy readings x(t)"),
                             mode="markers", marker=dict(color=GREY, size=5, symbol="circle-open")),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=n.tolist(), y=_rounded(true), name=_("true position"),
                             mode="lines", line=dict(color=BLUE, width=2, dash="dash")),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=n.tolist(), y=_rounded(smoothed),
                             name=_("s(t) = Σ x(t − a)·w(a)"), mode="lines",
                             line=dict(color=VERMILLION, width=3)), row=1, col=1)
    w = np.asarray(weights, dtype=np.float64)
    ages = np.arange(-(len(w) - 1), len(w))
    full = np.concatenate([np.zeros(len(w) - 1), w])
    fig.add_trace(go.Bar(x=ages.tolist(), y=_rounded(full), name="w(a)", showlegend=False,
                         marker=dict(color=GREEN, line=dict(color="#111111", width=1))),
                  row=1, col=2)
    layout = _base_layout(height, width)
    layout.update(showlegend=False, margin=dict(l=60, r=20, t=50, b=50))
    fig.update_layout(**layout)
    fig.update_xaxes(row=1, col=2, tickangle=0,
                     tickvals=sorted({-(len(w) - 1), 0, len(w) - 1}))
    return fig


def causal_stack_figure(length: int, dilations: Sequence[int], kernel_size: int, *,
                        width: int = 900, height: int | None = None) -> go.Figure:
    """A dilated causal stack as a graph: which inputs the last output depends on.

    Layer 0 is the input; every node of layer ``l`` at position ``p`` takes layer ``l − 1``
    at ``p − k·dilation`` (``k = 0..K − 1``). The last output's tree is drawn dark, its
    receptive field in the input framed; the other connections are not drawn.
    """
    layers = len(dilations)
    needed = {layers: {length - 1}}
    edges = []
    for level in range(layers, 0, -1):
        d = dilations[level - 1]
        below = set()
        for p in needed[level]:
            for k in range(kernel_size):
                q = p - k * d
                if q >= 0:
                    below.add(q)
                    edges.append((level, p, q))
        needed[level - 1] = below
    fig = go.Figure()
    xs, ys = [], []
    for level, p, q in edges:
        xs += [p, q, None]
        ys += [level, level - 1, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=VERMILLION, width=2),
                             hoverinfo="skip", name="edges", showlegend=False))
    for level in range(layers + 1):
        used = needed[level]
        fig.add_trace(go.Scatter(
            x=list(range(length)), y=[level] * length, mode="markers", name=f"layer:{level}",
            showlegend=False,
            marker=dict(size=11, color=[VERMILLION if p in used else GREY
                                        for p in range(length)],
                        symbol=["circle" if p in used else "circle-open"
                                for p in range(length)],
                        line=dict(color="#111111" if level else BLUE, width=1.5)),
            hovertemplate=_("layer %{y}, position %{x}") + "<extra></extra>"))
    field = sorted(needed[0])
    labels = [_("input")] + [f"d = {dilations[level - 1]}" for level in range(1, layers + 1)]
    layout = _base_layout(height or 110 + 62 * (layers + 1), width)
    layout.update(margin=dict(l=90, r=20, t=20, b=50),
                  shapes=[dict(type="rect", x0=field[0] - 0.45, x1=field[-1] + 0.45, y0=-0.35,
                               y1=0.35, line=dict(color=BLUE, width=2.5, dash="dash"))])
    fig.update_layout(**layout)
    fig.update_yaxes(tickvals=list(range(layers + 1)), ticktext=labels, showgrid=False,
                     zeroline=False, range=[-0.6, layers + 0.6])
    fig.update_xaxes(showgrid=False, zeroline=False, range=[-0.8, length - 0.2])
    return fig


def series_figure(t, raw, smooth, diff, *, x_title: str, y_title: str, width: int = 900,
                  height: int = 500) -> go.Figure:
    """A time series, its smoothed version (top) and its difference (bottom)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.62, 0.38],
                        subplot_titles=[_("<b>data</b> and <b>smoothed</b> ({unit})").format(
                                            unit=y_title),
                                        _("<b>difference</b> [1, −1]")])
    tt = list(map(float, t))
    fig.add_trace(go.Scatter(x=tt, y=_rounded(raw), name=_("data"), mode="lines",
                             line=dict(color=GREY, width=1)), row=1, col=1)
    fig.add_trace(go.Scatter(x=tt[:len(smooth)], y=_rounded(smooth), name=_("smoothed"),
                             mode="lines", line=dict(color=VERMILLION, width=3)), row=1, col=1)
    fig.add_trace(go.Scatter(x=tt[:len(diff)], y=_rounded(diff), name=_("difference"),
                             mode="lines", line=dict(color=BLUE, width=1.5)), row=2, col=1)
    layout = _base_layout(height, width)
    layout.update(showlegend=False, margin=dict(l=60, r=20, t=50, b=40))
    fig.update_layout(**layout)
    fig.update_traces(hovertemplate=x_title + " %{x:.4g}: %{y:.4g}<extra></extra>")
    return fig


def text_channels_figure(onehot, alphabet: str, text: str, response, hits: Sequence[int],
                         span: int, *, width: int = 900) -> go.Figure:
    """Text as one-hot channels (one row per character of the alphabet) and the detector's
    response (ReLU of ``conv1d``) under it; the hits are framed."""
    x = np.asarray(onehot)
    c, n = x.shape
    labels = [repr(ch)[1:-1] if ch != " " else "␣" for ch in alphabet]
    cols = [f"{k}:{'␣' if ch == ' ' else ch}" for k, ch in enumerate(text)]
    cell = max(14, min(26, int((width - 120) / max(n, 1))))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[c / (c + 2.5), 2.5 / (c + 2.5)])
    fig.add_trace(go.Heatmap(z=x.tolist(), x=cols, y=labels, showscale=False, xgap=1, ygap=1,
                             colorscale=[[0, "#f7f7f7"], [1, BLUE]], zmin=0, zmax=1,
                             name="onehot",
                             hovertemplate=_("character %{x}, channel %{y}: %{z}")
                             + "<extra></extra>"), row=1, col=1)
    r = np.asarray(response, dtype=np.float64)
    fig.add_trace(go.Bar(x=cols[:len(r)], y=_rounded(r), name="response",
                         marker=dict(color=VERMILLION),
                         hovertemplate=_("start %{x}: %{y}") + "<extra></extra>"), row=2, col=1)
    shapes = [dict(type="rect", xref="x", yref="y domain", x0=h - 0.5, x1=h - 0.5 + span,
                   y0=0, y1=1, line=dict(color=VERMILLION, width=3)) for h in hits]
    height = int(cell * (c + 2.5) + 170)
    layout = _base_layout(height, int(cell * n + 140))
    layout.update(shapes=shapes, margin=dict(l=60, r=20, t=20, b=110), showlegend=False)
    fig.update_layout(**layout)
    # Every channel named: with 24 px ticks on a projector plotly would label every other
    # row, and the unlabelled ones may be the very characters the kernel looks for.
    fig.update_yaxes(autorange="reversed", row=1, col=1, tickfont=dict(family=MONO),
                     tickmode="array", tickvals=labels, ticktext=labels)
    fig.update_yaxes(title=dict(text=_("response"), standoff=10), automargin=True,
                     row=2, col=1)
    fig.update_xaxes(tickangle=-60, tickfont=dict(family=MONO, size=11), row=2, col=1)
    return fig


# ------------------------------------------------------------------------------ 2-D and 3-D


def label_grids_figure(panels: Sequence[tuple[str, Sequence[Sequence[str]], np.ndarray]], *,
                       marks: Sequence[tuple[int, int, int]] = (), width: int = 900,
                       cell_px: int = 100, stacked: bool = False) -> go.Figure:
    """Small grids whose cells carry a label (``f(x−1, y+1)``, ``g(1, −1)``) over a value.

    Parameters
    ----------
    panels : sequence of (title, labels, values)
        ``labels`` rows of strings; ``values`` the numbers shaded (and printed under the
        label).
    marks : sequence of (panel, row, col)
        Cells framed in vermillion (the picked neighbour and the weights it meets).
    stacked : bool
        One panel under the other (a narrow projector column) instead of side by side.
    """
    count = len(panels)
    fig = make_subplots(rows=count if stacked else 1, cols=1 if stacked else count,
                        horizontal_spacing=0.05, vertical_spacing=0.08,
                        subplot_titles=[title for title, _l, _v in panels])
    for k, (_title, labels, values) in enumerate(panels, start=1):
        v = np.asarray(values, dtype=np.float64)
        text = [[f"{labels[r][c]}<br><b>{format_number(v[r, c], digits=3)}</b>"
                 for c in range(v.shape[1])] for r in range(v.shape[0])]
        top = float(np.abs(v).max()) or 1.0
        fig.add_trace(go.Heatmap(
            z=v.tolist(), text=text, texttemplate="%{text}", showscale=False, xgap=2, ygap=2,
            zmin=-top, zmax=top, colorscale=[[0, "#f4a582"], [0.5, "#ffffff"], [1, "#92c5de"]],
            hoverinfo="skip", name=f"grid:{k}", textfont=dict(size=14, family=SANS)),
            row=k if stacked else 1, col=1 if stacked else k)
    for k in range(1, count + 1):
        fig.layout[f"yaxis{'' if k == 1 else k}"].update(
            autorange="reversed", showticklabels=False, ticks="", showgrid=False,
            zeroline=False, scaleanchor=f"x{'' if k == 1 else k}")
        fig.layout[f"xaxis{'' if k == 1 else k}"].update(
            showticklabels=False, ticks="", showgrid=False, zeroline=False)
    shapes = [dict(type="rect", xref=f"x{'' if p == 0 else p + 1}",
                   yref=f"y{'' if p == 0 else p + 1}", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5,
                   y1=r + 0.5, line=dict(color=VERMILLION, width=4), name=f"mark:{p}")
              for p, r, c in marks]
    height = (cell_px * 3 + 60) * count + 20 if stacked else cell_px * 3 + 80
    layout = _base_layout(height, min(width, cell_px * 3 + 40) if stacked else width)
    layout.update(margin=dict(l=10, r=10, t=50, b=20), shapes=shapes)
    fig.update_layout(**layout)
    return fig


def clip_figure(clip, output, *, width: int = 900, frame_px: int = 120) -> go.Figure:
    """A clip (top row, one panel per frame) and the 3-D convolution's output (bottom row,
    frame by frame)."""
    d = clip.shape[0]
    d_out = output.shape[0]
    fig = make_subplots(rows=2, cols=d, horizontal_spacing=0.015, vertical_spacing=0.14,
                        subplot_titles=[str(k) for k in range(d)]
                        + [str(k) for k in range(d_out)])
    top = float(np.abs(output).max()) or 1.0
    for k in range(d):
        fig.add_trace(go.Heatmap(z=np.asarray(clip[k]).tolist(), showscale=False,
                                 # orange on black: a white square at the frame's edge
                                 # merged with the white page and looked like a notch
                                 colorscale=[[0, "#111111"], [1, "#e69f00"]], zmin=0, zmax=1,
                                 name=f"clip:{k}", xgap=1, ygap=1,
                                 hovertemplate=_("row %{y}, column %{x}: %{z}")
                                 + "<extra></extra>"), row=1, col=k + 1)
    for k in range(d_out):
        fig.add_trace(go.Heatmap(z=_rounded(output[k]), showscale=k == d_out - 1,
                                 colorscale="RdBu", zmin=-top, zmax=top, name=f"out:{k}",
                                 xgap=1, ygap=1, colorbar=dict(len=0.42, y=0.2, thickness=12),
                                 hovertemplate=_("row %{y}, column %{x}: %{z}")
                                 + "<extra></extra>"), row=2, col=k + 1)
    for k in range(2 * d):
        fig.update_yaxes(autorange="reversed", showticklabels=False,
                         scaleanchor=f"x{'' if k == 0 else k + 1}", row=k // d + 1,
                         col=k % d + 1)
    fig.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False)
    fig.update_yaxes(ticks="", showgrid=False, zeroline=False)
    layout = _base_layout(2 * frame_px + 150, width)
    layout.update(margin=dict(l=10, r=40, t=70, b=20))
    fig.update_layout(**layout)
    return fig
