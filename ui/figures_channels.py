"""Figures of the channels page: arrays in, ``go.Figure`` out. Never draws anything itself.

The heatmaps are the shared panels of :mod:`ui.figures`; this module arranges them in
several rows (:func:`stacked_figure`, one cell size for the whole figure, operators such as
``+`` and ``=`` drawn between panels) and builds the page's views on top:

- :func:`multi_input_figure` — input channels → kernel slices → partial maps → Σ → + bias →
  output, with the window of one output cell outlined in every channel;
- :func:`kernel_bank_figure` — several output channels, one kernel (all its slices) each;
- :func:`mixing_figure` — a 1×1 convolution as ``(C_out × C_in) @ (C_in × H·W)``;
- :func:`connections_figure` — which input channels feed which output channels (groups);
- :func:`channel_connection_panel` — the same as a ``(C_out × C_in)`` matrix of weight slices.

Text helpers (:func:`channel_sum_lines`, :func:`matrix_text`) format convcore's numbers;
:func:`numbers_table_html` gives a grid as a table, the text alternative of a figure.
Titles, hover texts and labels are in the session's language (:mod:`ui.i18n`; outside a
Streamlit run, :func:`ui.i18n.use_language` chooses it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from convcore.trace import format_number
from ui.figures import (
    AVAILABLE_WIDTH_PX,
    GAP_CELLS,
    MARGIN_X_PX,
    MAX_CELL_PX,
    MONO,
    PICK_COLOR,
    SANS,
    TEXT_COLOR,
    Box,
    ColorScale,
    Panel,
    add_outline,
    axis_refs,
    color_scale_for,
    grid_figure,
    panel_geometry,
)
from ui.i18n import _

#: Okabe–Ito colours for groups (colour-blind safe), cycled.
GROUP_COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
                "#000000")
#: Black-to-colour scales for the planes of an RGB picture.
PLANE_COLORS = {"R": "#ff2a2a", "G": "#22c322", "B": "#3b6dff"}
OPERATOR_PX = 26
#: Narrower gaps between panels (in pixels) get the operator in the next panel's title.
MIN_OPERATOR_GAP_PX = 30
#: Cells this wide still print a two-digit decimal such as ``0.041`` (see ui.figures).
READABLE_CELL_PX = 36


# ------------------------------------------------------------------------------ layout


def _remap_axis_ref(ref: str, offset: int) -> str:
    """``"x2"`` with offset 3 → ``"x5"`` (panel 1 of a row becomes panel 4 of the figure)."""
    letter, number = ref[0], ref[1:]
    local = int(number) - 1 if number else 0
    return axis_refs(local + offset)[0 if letter == "x" else 1]


def stacked_figure(rows: Sequence[Sequence[Panel]], *,
                   operators: Sequence[Sequence[str]] | None = None, digits: int = 3,
                   max_cell_px: float = MAX_CELL_PX, available_px: float = AVAILABLE_WIDTH_PX,
                   row_gap_px: int = 4) -> go.Figure:
    """Rows of panels, one cell size for all, each row centred; panels centred in their row.

    Parameters
    ----------
    rows : sequence of sequences of Panel
        Each row is laid out like :func:`ui.figures.grid_figure` lays out its panels.
    operators : sequence of sequences of str, optional
        Per row, ``len(row) - 1`` symbols drawn between neighbouring panels (``"+"``,
        ``"="``; ``""`` for none); when the cells are too small for the gap to hold one, the
        symbol starts the next panel's title instead.
    digits : int
        Significant digits of the values printed in the cells.
    max_cell_px : float
        Largest cell side, in pixels.
    available_px : float
        The width the widest row should fit in (cells shrink down to
        ``ui.figures.MIN_CELL_PX``, below which the figure gets wider than this).
    row_gap_px : int
        Extra space between rows.

    Returns
    -------
    go.Figure
        Panels are numbered row by row: panel ``k`` lives on axes
        :func:`ui.figures.axis_refs` ``(k)``, so :func:`ui.figures.add_outline` and
        :func:`ui.figures.add_marks` work on it. ``layout.meta`` holds ``cell_px``,
        ``panels`` (names, in order) and ``rows`` (names per row).
    """
    rows = [list(row) for row in rows if len(row)]
    if not rows:
        raise ValueError("a stacked figure needs at least one panel")
    operators = [list(ops) for ops in operators] if operators is not None else None
    if operators is not None:
        if len(operators) != len(rows):
            raise ValueError(f"there are {len(rows)} row(s) of panels but {len(operators)} "
                             f"lists of operators")
        for row, ops in zip(rows, operators, strict=True):
            if len(ops) != len(row) - 1:
                raise ValueError(f"a row of {len(row)} panels takes {len(row) - 1} "
                                 f"operators, got {len(ops)}")
    cell = min(panel_geometry([p.shape for p in row], max_cell_px=max_cell_px,
                              available_px=available_px).cell_px for row in rows)
    figures = [grid_figure(row, digits=digits, max_cell_px=cell) for row in rows]
    width = max(int(f.layout.width) for f in figures)
    height = sum(int(f.layout.height) for f in figures) + row_gap_px * (len(rows) - 1)
    plot_w = width - 2 * MARGIN_X_PX

    traces, overlays, annotations, shapes, layout_axes = [], [], [], [], {}
    offset, top = 0, 0
    for r, (row, fig) in enumerate(zip(rows, figures, strict=True)):
        row_plot_w = int(fig.layout.width) - 2 * MARGIN_X_PX
        shift = (plot_w - row_plot_w) / 2
        row_top = top + int(fig.layout.margin.t)
        max_rows = max(p.shape[0] for p in row)
        x_domains = []
        for k, panel in enumerate(row):
            local_x, local_y = axis_refs(k)
            xname, yname = f"xaxis{local_x[1:]}", f"yaxis{local_y[1:]}"
            gx, gy = axis_refs(offset + k)
            gxname, gyname = f"xaxis{gx[1:]}", f"yaxis{gy[1:]}"
            xaxis = fig.layout[xname].to_plotly_json()
            yaxis = fig.layout[yname].to_plotly_json()
            d0, d1 = xaxis["domain"]
            x0 = (d0 * row_plot_w + shift) / plot_w
            x1 = (d1 * row_plot_w + shift) / plot_w
            xaxis["domain"] = [max(0.0, x0), min(1.0, x1)]
            x_domains.append(xaxis["domain"])
            rows_k = panel.shape[0]
            panel_top = row_top + (max_rows - rows_k) / 2 * cell
            yaxis["domain"] = [max(0.0, 1 - (panel_top + rows_k * cell) / height),
                               min(1.0, 1 - panel_top / height)]
            # Each axis sits on its own panel (grid_figure's single row can leave the
            # default anchors, which put every column number on top of panel 0).
            xaxis["anchor"], yaxis["anchor"] = gy, gx
            yaxis["scaleanchor"] = gx
            layout_axes[gxname] = xaxis
            layout_axes[gyname] = yaxis
        for trace in fig.data:
            t = trace.to_plotly_json()
            t["xaxis"] = _remap_axis_ref(t.get("xaxis", "x"), offset)
            t["yaxis"] = _remap_axis_ref(t.get("yaxis", "y"), offset)
            (overlays if (t.get("name") or "").startswith("click:") else traces).append(t)
        for shape in fig.layout.shapes:  # the padding's hatching and border
            sh = shape.to_plotly_json()
            for ref in ("xref", "yref"):
                if ref in sh and sh[ref] != "paper":
                    axis, *rest = sh[ref].split()
                    sh[ref] = " ".join([_remap_axis_ref(axis, offset), *rest])
            shapes.append(sh)
        ops = operators[r] if operators is not None else [""] * (len(row) - 1)
        inline = cell * GAP_CELLS < MIN_OPERATOR_GAP_PX
        for k, note in enumerate(fig.layout.annotations):
            a = note.to_plotly_json()
            a["xref"] = _remap_axis_ref(a["xref"].split()[0], offset) + " domain"
            a["yref"] = _remap_axis_ref(a["yref"].split()[0], offset) + " domain"
            if inline and k > 0 and ops[k - 1]:
                # No room between small panels: the operator leads the next panel's title.
                a["text"] = f"<b>{ops[k - 1]}</b> {a['text']}"
            annotations.append(a)
        y_mid = 1 - (row_top + max_rows * cell / 2) / height
        for k, symbol in enumerate(ops):
            if symbol and not inline:
                x_mid = (x_domains[k][1] + x_domains[k + 1][0]) / 2
                annotations.append(dict(
                    text=f"<b>{symbol}</b>", xref="paper", yref="paper", x=x_mid, y=y_mid,
                    xanchor="center", yanchor="middle", showarrow=False,
                    font=dict(size=OPERATOR_PX, color=TEXT_COLOR, family=SANS),
                    name=f"operator:{r}:{k}"))
        offset += len(row)
        top += int(fig.layout.height) + row_gap_px

    base = figures[0].layout.to_plotly_json()
    for key in [k for k in base if k.startswith(("xaxis", "yaxis"))]:
        del base[key]
    base.update(layout_axes)
    base.update(width=width, height=height, annotations=annotations, shapes=shapes,
                margin=dict(l=MARGIN_X_PX, r=MARGIN_X_PX, t=0, b=0),
                meta=dict(cell_px=cell, panels=[p.name for row in rows for p in row],
                          rows=[[p.name for p in row] for row in rows]))
    return go.Figure(data=traces + overlays, layout=base)


def panel_index(fig: go.Figure, name: str) -> int:
    """Index of the panel called ``name`` in a :func:`stacked_figure`."""
    names = list(fig.layout.meta["panels"])
    if name not in names:
        raise ValueError(f"the figure has no panel called {name!r}; it has {names}")
    return names.index(name)


def _outline_cell(fig: go.Figure, panel_names: Sequence[str], box: Box, name: str) -> None:
    for panel_name in panel_names:
        add_outline(fig, panel_index(fig, panel_name), [box], color=PICK_COLOR, width=3.0,
                    name=f"{name}:{panel_name}")


# ------------------------------------------------------------------------------ scales


def shared_scale(*arrays) -> ColorScale:
    """One colour scale for several arrays (so that equal values get equal colours)."""
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return color_scale_for(values)


def plane_scale(label: str) -> ColorScale | None:
    """Black-to-colour scale for an R, G or B plane of a picture in [0, 1]; None otherwise."""
    color = PLANE_COLORS.get(label)
    if color is None:
        return None
    return ColorScale(((0.0, "#000000"), (1.0, color)), 0.0, 1.0, "gray")


# ------------------------------------------------------------------------------ multi-input


def multi_input_figure(planes, kernel, partials, summed, bias: float, output, *,
                       pads=((0, 0), (0, 0)), window: Box | None = None,
                       cell: tuple[int, int] | None = None,
                       channel_labels: Sequence[str] | None = None, image: bool = False,
                       show_bias: bool = True, show_kernels: bool = True, digits: int = 3,
                       click: bool = True, max_cell_px: float = 48,
                       available_px: float = 520) -> go.Figure:
    """Input channels → kernel slices → partial maps → Σ → + bias → output.

    Parameters
    ----------
    planes : array_like, (C, Hp, Wp)
        The input channels as the kernel sees them (padded when there is padding).
    kernel : array_like, (C, kh, kw)
        One output channel's kernel: one slice per input channel.
    partials : array_like, (C, H_out, W_out)
        Each channel cross-correlated with its slice
        (``convcore.per_channel_correlations(...)[o]``).
    summed : array_like, (H_out, W_out)
        Their sum (``conv2d`` without bias).
    bias : float
    output : array_like, (H_out, W_out)
        ``conv2d`` with the bias.
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` padding included in ``planes``: shaded, and
        counted out of the axis labels.
    window : Box, optional
        The window of ``cell`` in the planes' (padded) coordinates: outlined in every
        input channel.
    cell : (int, int), optional
        The output cell outlined in every partial map, the sum and the output.
    channel_labels : sequence of str, optional
        One per channel (default ``"0"``, ``"1"``, ...); ``"R"``, ``"G"``, ``"B"`` tint the
        planes of a picture.
    image : bool
        The planes are a picture's intensities in [0, 1].
    show_bias : bool
        Draw the ``+ b = output`` step (off: the last row is the sum alone, titled as the
        output).
    show_kernels : bool
        Draw the row of kernel slices (off for large inputs, where a 3×3 slice would be a
        speck).
    digits : int
    click : bool
        Put click overlays on the partial maps, the sum and the output (tag ``"output"``).
    max_cell_px, available_px : float
        Largest cell side, and the width to fit (see :func:`stacked_figure`).

    Returns
    -------
    go.Figure
        A :func:`stacked_figure` with rows inputs, kernel slices (unless ``show_kernels`` is
        off), partial maps and result; panels named ``x0``…, ``k0``…, ``p0``…, ``sum``,
        ``bias``, ``out`` (only ``out`` without the bias step).
    """
    planes = np.asarray(planes, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    partials = np.asarray(partials, dtype=np.float64)
    if planes.ndim != 3 or kernel.ndim != 3 or partials.ndim != 3:
        raise ValueError(f"planes, kernel and partials must be (C, rows, cols) stacks; got "
                         f"{planes.shape}, {kernel.shape} and {partials.shape}")
    channels = planes.shape[0]
    if kernel.shape[0] != channels or partials.shape[0] != channels:
        raise ValueError(f"{channels} input channels need {channels} kernel slices and "
                         f"partial maps; got {kernel.shape[0]} and {partials.shape[0]}")
    labels = list(channel_labels) if channel_labels is not None else [
        str(c) for c in range(channels)]
    if len(labels) != channels:
        raise ValueError(f"{channels} channels need {channels} labels, got {len(labels)}")
    (top, bottom), (left, right) = pads
    pad_mask = np.zeros(planes.shape[1:], dtype=bool)
    hp, wp = planes.shape[1:]
    pad_mask[:top], pad_mask[hp - bottom:] = True, True
    pad_mask[:, :left], pad_mask[:, wp - right:] = True, True
    has_padding = bool(pad_mask.any())
    tag = "output" if click else None

    # A picture's planes are wide and their titles short (the caption says what they are).
    title = "<b>X[{c}]</b>" if image else _("<b>X[{c}]</b> input channel")
    inputs = [Panel(planes[c], title.format(c=lab), name=f"x{c}",
                    pad_mask=pad_mask if has_padding else None, origin=(top, left),
                    image=image, scale=plane_scale(lab) if image else None)
              for c, lab in enumerate(labels)]
    kernel_scale = shared_scale(kernel)
    kernels = [Panel(kernel[c], f"<b>K[{lab}]</b>", name=f"k{c}", scale=kernel_scale)
               for c, lab in enumerate(labels)]
    partial_scale = shared_scale(partials)
    partial_panels = [Panel(partials[c], f"X[{lab}] ⋆ K[{lab}]", name=f"p{c}",
                            scale=partial_scale, click=tag)
                      for c, lab in enumerate(labels)]
    if show_bias:
        result = [Panel(np.asarray(summed, dtype=np.float64), _("<b>Σ</b> over channels"),
                        name="sum", click=tag),
                  Panel(np.array([[float(bias)]]), _("bias b"), name="bias"),
                  Panel(np.asarray(output, dtype=np.float64), _("<b>output</b>"), name="out",
                        click=tag)]
        result_ops = ["+", "="]
    else:
        result = [Panel(np.asarray(output, dtype=np.float64),
                        _("<b>output</b> = Σ over channels"), name="out", click=tag)]
        result_ops = []
    rows = [inputs, kernels, partial_panels, result]
    operators = [[""] * (channels - 1), [""] * (channels - 1), ["+"] * (channels - 1),
                 result_ops]
    if not show_kernels:
        del rows[1], operators[1]
    fig = stacked_figure(rows, operators=operators, digits=digits, max_cell_px=max_cell_px,
                         available_px=available_px)
    if window is not None:
        _outline_cell(fig, [p.name for p in inputs], window, "window")
    if cell is not None:
        i, j = cell
        names = [p.name for p in partial_panels] + [p.name for p in result if p.name != "bias"]
        _outline_cell(fig, names, (i, j, i, j), "cell")
    return fig


# ------------------------------------------------------------------------------ multi-output


def kernel_bank_figure(x, bank, outputs, *, cell: tuple[int, int] | None = None,
                       digits: int = 3, max_cell_px: float = 44,
                       available_px: float = 560) -> go.Figure:
    """One row per output channel: its kernel (all input-channel slices) and its output.

    Parameters
    ----------
    x : array_like, (C_in, H, W)
    bank : array_like, (C_out, C_in, kh, kw)
    outputs : array_like, (C_out, H_out, W_out)
        ``conv2d(x, bank)``.
    cell : (int, int), optional
        Output cell outlined in every output channel.
    digits, max_cell_px, available_px
        As for :func:`stacked_figure`.

    Returns
    -------
    go.Figure
        A :func:`stacked_figure`: the input channels (``x0``…), then per output channel ``o``
        the slices ``k{o}_{c}`` and the output ``y{o}``, with ``⇒`` before it.
    """
    x = np.asarray(x, dtype=np.float64)
    bank = np.asarray(bank, dtype=np.float64)
    outputs = np.asarray(outputs, dtype=np.float64)
    if x.ndim != 3 or bank.ndim != 4 or outputs.ndim != 3:
        raise ValueError(f"x must be (C_in, H, W), bank (C_out, C_in, kh, kw) and outputs "
                         f"(C_out, H_out, W_out); got {x.shape}, {bank.shape}, {outputs.shape}")
    c_out, c_in = bank.shape[:2]
    if c_in != x.shape[0] or outputs.shape[0] != c_out:
        raise ValueError(f"the bank {bank.shape} does not fit {x.shape[0]} input and "
                         f"{outputs.shape[0]} output channels")
    kernel_scale = shared_scale(bank)
    out_scale = shared_scale(outputs)
    rows = [[Panel(x[c], _("<b>X[{c}]</b> input channel").format(c=c), name=f"x{c}")
             for c in range(c_in)]]
    operators = [[""] * (c_in - 1)]
    for o in range(c_out):
        row = [Panel(bank[o, c], f"K[{o}, {c}]", name=f"k{o}_{c}", scale=kernel_scale)
               for c in range(c_in)]
        row.append(Panel(outputs[o], f"<b>Y[{o}]</b>", name=f"y{o}", scale=out_scale))
        rows.append(row)
        operators.append([""] * (c_in - 1) + ["⇒"])
    fig = stacked_figure(rows, operators=operators, digits=digits, max_cell_px=max_cell_px,
                         available_px=available_px)
    if cell is not None:
        i, j = cell
        _outline_cell(fig, [f"y{o}" for o in range(c_out)], (i, j, i, j), "cell")
    return fig


# ------------------------------------------------------------------------------ 1×1


def mixing_figure(mixing, *, pixel: tuple[int, int] | None = None, digits: int = 2,
                  max_cell_px: float = MAX_CELL_PX, available_px: float = 960,
                  readable_cell_px: float = READABLE_CELL_PX) -> go.Figure:
    """A 1×1 convolution: the input's channel planes, the matrix product, the output planes.

    Parameters
    ----------
    mixing : convcore.channels.ChannelMixing
        ``matrix`` (C_out, C_in), ``pixels`` (C_in, H·W), ``product`` (C_out, H·W),
        ``output`` (C_out, H, W).
    pixel : (int, int), optional
        A pixel ``(row, col)``: outlined in every input and output plane, and its column
        in the pixel and product matrices.
    digits : int
    max_cell_px, available_px : float
        Largest cell side, and the width to fit (see :func:`stacked_figure`).
    readable_cell_px : float
        The smallest cell that still prints the numbers: ``W`` and ``X̃`` go on separate
        rows when side by side their cells would be narrower.

    Returns
    -------
    go.Figure
        Row 1: the input planes ``x0``… (``X``, shown as the ``C_in`` channels it is);
        row 2: ``W`` × ``X̃`` (panels ``matrix``, ``pixels``: each pixel a column; two rows
        when side by side their cells would be narrower than ``readable_cell_px``);
        row 3: ``Y`` = W X̃ (panel ``product``); row 4: the output planes ``y0``… (``Y``
        folded back to ``(C_out, H, W)``). One matrix per row keeps every number readable.
    """
    matrix = np.asarray(mixing.matrix, dtype=np.float64)
    pixels = np.asarray(mixing.pixels, dtype=np.float64)
    product = np.asarray(mixing.product, dtype=np.float64)
    output = np.asarray(mixing.output, dtype=np.float64)
    c_out, c_in = matrix.shape
    h, w = output.shape[1:]
    planes = pixels.reshape(c_in, h, w)  # the input X: each row of X̃ is one channel
    in_scale = shared_scale(planes)
    inputs = [Panel(planes[c], _("<b>X[{c}]</b> input channel").format(c=c), name=f"x{c}",
                    scale=in_scale)
              for c in range(c_in)]
    middle = [Panel(matrix, f"<b>W</b> ({c_out} × {c_in})", name="matrix"),
              Panel(pixels, _("<b>X̃</b>: one column per pixel ({c_in} × {h}·{w})").format(
                  c_in=c_in, h=h, w=w), name="pixels", scale=in_scale)]
    out_scale = shared_scale(output)
    result = [Panel(product, f"<b>Y</b> = W X̃ ({c_out} × {h}·{w})", name="product",
                    scale=out_scale)]
    outputs = [Panel(output[o], _("<b>Y[{o}]</b> output channel").format(o=o), name=f"y{o}",
                     scale=out_scale)
               for o in range(c_out)]
    # As many planes per row as fit with readable cells (all of them, but on a projector).
    room = (available_px - 2 * MARGIN_X_PX) / readable_cell_px
    per_row = max(1, int((room + GAP_CELLS) // (w + GAP_CELLS)))
    input_rows = [inputs[k:k + per_row] for k in range(0, c_in, per_row)]
    output_rows = [outputs[k:k + per_row] for k in range(0, c_out, per_row)]
    rows = [*input_rows, middle, result, *output_rows]
    operators = [*([""] * (len(r) - 1) for r in input_rows), ["×"], [],
                 *([""] * (len(r) - 1) for r in output_rows)]
    if (c_in + h * w + GAP_CELLS) * readable_cell_px > available_px - 2 * MARGIN_X_PX:
        # W beside X̃ would shrink the cells below readable numbers: X̃ gets its own row.
        matrix_panel, pixel_panel = middle
        pixel_panel = Panel(pixel_panel.values, "× " + pixel_panel.title, name="pixels",
                            scale=in_scale)
        at = len(input_rows)
        rows[at:at + 1] = [[matrix_panel], [pixel_panel]]
        operators[at:at + 1] = [[], []]
    fig = stacked_figure(rows, operators=operators, digits=digits, max_cell_px=max_cell_px,
                         available_px=available_px)
    if pixel is not None:
        r, c = pixel
        column = r * w + c
        add_outline(fig, panel_index(fig, "pixels"), [(0, column, c_in - 1, column)],
                    color=PICK_COLOR, name="pixel:pixels")
        add_outline(fig, panel_index(fig, "product"), [(0, column, c_out - 1, column)],
                    color=PICK_COLOR, name="pixel:product")
        _outline_cell(fig, [f"x{c}" for c in range(c_in)] + [f"y{o}" for o in range(c_out)],
                      (r, c, r, c), "pixel")
    return fig


# ------------------------------------------------------------------------------ groups


def group_color(group: int) -> str:
    """The colour of group ``group`` (cycled)."""
    return GROUP_COLORS[group % len(GROUP_COLORS)]


def _checked_connections(connections, groups: int) -> np.ndarray:
    """``connections`` as a bool (C_out, C_in) array, checked against ``groups``."""
    conn = np.asarray(connections, dtype=bool)
    if conn.ndim != 2 or 0 in conn.shape:
        raise ValueError(f"connections must be a non-empty (C_out, C_in) array, got shape "
                         f"{conn.shape}")
    c_out, c_in = conn.shape
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} does not divide {c_in} inputs and {c_out} outputs")
    return conn


def connections_figure(connections, groups: int, *, height_px: int = 360,
                       width_px: int = 520) -> go.Figure:
    """Input channels (left) joined to the output channels (right) they feed.

    Parameters
    ----------
    connections : array_like of bool, (C_out, C_in)
        ``convcore.channel_connections(...)``.
    groups : int
        Edges and nodes are coloured by group.

    Returns
    -------
    go.Figure
        Traces ``edges:g`` (one per group, ``None``-separated segments), ``inputs`` and
        ``outputs`` (the nodes); ``layout.meta["edges"]`` counts the connections.
    """
    conn = _checked_connections(connections, groups)
    c_out, c_in = conn.shape
    span = max(c_in, c_out) - 1 or 1

    def ys(n: int) -> np.ndarray:
        return np.linspace(0, span, n) if n > 1 else np.array([span / 2])

    y_in, y_out = ys(c_in), ys(c_out)
    per_group_out = c_out // groups
    traces = []
    for g in range(groups):
        xs, yv = [], []
        for o in range(g * per_group_out, (g + 1) * per_group_out):
            for i in np.nonzero(conn[o])[0]:
                xs += [0.0, 1.0, None]
                yv += [float(y_in[i]), float(y_out[o]), None]
        traces.append(go.Scatter(x=xs, y=yv, mode="lines", hoverinfo="skip",
                                 line=dict(color=group_color(g), width=1.6 if c_in * c_out
                                           <= 256 else 0.8),
                                 opacity=0.75, name=f"edges:{g}", showlegend=False))
    per_group_in = c_in // groups
    label_size = 12 if max(c_in, c_out) <= 16 else 9
    show_labels = max(c_in, c_out) <= 32
    node_size = 16 if max(c_in, c_out) <= 16 else 8
    for name, n, x, y, per in (("inputs", c_in, 0.0, y_in, per_group_in),
                               ("outputs", c_out, 1.0, y_out, per_group_out)):
        letter = "x" if name == "inputs" else "y"
        traces.append(go.Scatter(
            x=[x] * n, y=y.tolist(), mode="markers+text" if show_labels else "markers",
            text=[f"{letter}{k}" for k in range(n)],
            textposition="middle left" if name == "inputs" else "middle right",
            textfont=dict(size=label_size, family=MONO, color=TEXT_COLOR),
            marker=dict(size=node_size, color=[group_color(k // per) for k in range(n)],
                        line=dict(color="#ffffff", width=1.5)),
            hovertext=[(_("input channel {k} (group {g})") if name == "inputs" else
                        _("output channel {k} (group {g})")).format(k=k, g=k // per)
                       for k in range(n)],
            hovertemplate="%{hovertext}<extra></extra>", name=name, showlegend=False))
    axis = dict(visible=False, fixedrange=True)
    annotations = [dict(text=f"<b>{title}</b>", x=x, y=1.0, xref="x", yref="paper",
                        yanchor="bottom", showarrow=False,
                        font=dict(size=13, family=SANS, color=TEXT_COLOR))
                   for title, x in ((_("inputs ({n})").format(n=c_in), 0.0),
                                    (_("outputs ({n})").format(n=c_out), 1.0))]
    layout = go.Layout(
        width=width_px, height=height_px, autosize=False, showlegend=False,
        margin=dict(l=60, r=60, t=36, b=10), paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        xaxis=dict(range=[-0.35, 1.35], **axis),
        yaxis=dict(range=[span + 0.6, -0.6], **axis), dragmode=False,
        annotations=annotations, font=dict(family=SANS, color=TEXT_COLOR),
        meta=dict(edges=int(conn.sum()), groups=groups))
    return go.Figure(data=traces, layout=layout)


def channel_connection_panel(connections, groups: int) -> go.Figure:
    """The ``(C_out × C_in)`` grid of weight slices, coloured by group; blank where none.

    Returns
    -------
    go.Figure
        A :func:`ui.figures.grid_figure` with one panel ``connections``: cell ``[o, i]`` is
        coloured like group ``o // (C_out / groups)`` (as in :func:`connections_figure`) when
        input channel ``i`` feeds output channel ``o``, and left blank otherwise.
    """
    conn = _checked_connections(connections, groups)
    c_out, c_in = conn.shape
    group_of_row = np.arange(c_out) // (c_out // groups)
    values = np.where(conn, group_of_row[:, None].astype(np.float64), np.nan)
    # A stepped colour scale: value g (the group) gets exactly group_color(g).
    stops = []
    for g in range(groups):
        stops += [(g / groups, group_color(g)), ((g + 1) / groups, group_color(g))]
    scale = ColorScale(tuple(stops), -0.5, groups - 0.5, "sequential")
    panel = Panel(values, "<b>W</b>[o, i]", name="connections", scale=scale, show_values=False)
    # About 190 × 380 pixels at most, like the connection graph beside it (cells stay
    # readable: never below ui.figures.MIN_CELL_PX).
    cell = float(np.clip(min(190 / c_in, 380 / c_out), 10, 28))
    return grid_figure([panel], max_cell_px=cell, min_width_px=120)


# ------------------------------------------------------------------------------ text


def conv2d_layer_code(c_in: int, c_out: int, kernel_hw: tuple[int, int], bias: bool) -> str:
    """The ``nn.Conv2d`` line for a layer, as valid Python (``import torch.nn as nn``).

    >>> conv2d_layer_code(2, 3, (2, 2), True)
    'nn.Conv2d(2, 3, kernel_size=(2, 2), bias=True)'
    """
    kh, kw = kernel_hw
    return (f"nn.Conv2d({int(c_in)}, {int(c_out)}, kernel_size=({int(kh)}, {int(kw)}), "
            f"bias={bool(bias)})")


def matrix_text(values, *, digits: int = 4) -> str:
    """A 2-D array as a nested list: ``[[56, 72], [104, 120]]``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        return "[" + ", ".join(format_number(v, digits=digits) for v in arr) + "]"
    return "[" + ", ".join(matrix_text(row, digits=digits) for row in arr) + "]"


def channel_sum_lines(per_channel, total, labels: Sequence[str] | None = None) -> list[str]:
    """The sum behind one output cell, channel by channel.

    Parameters
    ----------
    per_channel : sequence of convcore.trace.CellArithmetic
        One per input channel (``cell_arithmetic(x[c], kernel[c], i, j, ...)``).
    total : convcore.trace.CellArithmetic
        ``cell_arithmetic(x, kernel, i, j, bias=b, ...)`` over all channels.
    labels : sequence of str, optional
        Channel names.

    Returns
    -------
    list of str
        ``channel 0: 0×0 + 1×1 + 3×2 + 4×3 = 19``, one line per channel, then
        ``out[0, 0] = 19 + 37 = 56`` (with ``+ b`` when the bias is not 0), then the whole
        sum written out: ``(0×0 + …) + (1×1 + …) = 56``.
    """
    labels = list(labels) if labels is not None else [str(c) for c in range(len(per_channel))]
    lines = [_("channel {label}: {sum}").format(label=lab, sum=arith.text())
             for lab, arith in zip(labels, per_channel, strict=True)]
    parts = [format_number(a.total, parenthesize=True) for a in per_channel]
    if total.bias != 0:
        parts.append(format_number(total.bias, parenthesize=True))
    lines.append(f"out[{total.i}, {total.j}] = {' + '.join(parts)} = "
                 f"{format_number(total.total)}")
    lines.append(total.text())
    return lines


#: Inline styles of :func:`numbers_table_html` (readable without any page CSS).
TABLE_STYLE = "border-collapse: collapse; margin-bottom: 0.8rem; font-variant-numeric: tabular-nums"
CELL_STYLE = ' style="border: 1px solid #c9ced8; padding: 0.1rem 0.5rem; text-align: right"'


def numbers_table_html(values, caption: str, *, marks: dict[str, Sequence[Box]] | None = None,
                       row_origin: int = 0, col_origin: int = 0, digits: int = 3) -> str:
    """A grid as an HTML ``<table>`` a screen reader walks cell by cell (a figure's text
    alternative).

    Parameters
    ----------
    values : array_like, (rows, cols)
    caption : str
        What the grid is (``"X[0] input channel"``): the ``<caption>``.
    marks : dict of str to sequence of Box, optional
        Cells marked in the figure, by what marks them (``{"window": [(0, 0, 1, 1)]}``):
        the word is written into each cell of the boxes, bold, so that no mark is told by
        colour alone.
    row_origin, col_origin : int
        Index of the first row and column (``-1`` when one row of padding is included).
    digits : int

    Returns
    -------
    str
        ``<table class="a11y-grid">`` markup, every text HTML-escaped; headers are
        "row r" / "column c" in the session's language.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"a numbers table needs a 2-D grid, got shape {arr.shape}")
    rows, cols = arr.shape
    words: dict[tuple[int, int], list[str]] = {}
    for word, boxes in (marks or {}).items():
        for top, left, bottom, right in boxes:
            for r in range(max(top, 0), min(bottom, rows - 1) + 1):
                for c in range(max(left, 0), min(right, cols - 1) + 1):
                    words.setdefault((r, c), []).append(word)
    esc = html.escape
    col_labels = [_("column {c}").format(c=c + col_origin) for c in range(cols)]
    head = "".join(f'<th scope="col"{CELL_STYLE}>{esc(label)}</th>' for label in col_labels)
    body = []
    for r in range(rows):
        cells = []
        for c in range(cols):
            text = format_number(arr[r, c], digits=digits)
            if (r, c) in words:
                text = _("{value} ({marks})").format(value=text,
                                                     marks=", ".join(words[(r, c)]))
                cells.append(f"<td{CELL_STYLE}><strong>{esc(text)}</strong></td>")
            else:
                cells.append(f"<td{CELL_STYLE}>{esc(text)}</td>")
        label = esc(_("row {r}").format(r=r + row_origin))
        body.append(f'<tr><th scope="row"{CELL_STYLE}>{label}</th>{"".join(cells)}</tr>')
    return (f'<table class="a11y-grid" style="{TABLE_STYLE}"><caption style="text-align: left; '
            f'font-weight: 600">{esc(caption)}</caption><thead><tr><td></td>{head}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table>')
