"""Figures and texts of the padding & stride page: arrays in, ``go.Figure`` or str out.

Built on the shared panels of :mod:`ui.figures` (heatmaps, padding hatching, outlines);
never imports Streamlit.

- :func:`padding_figure` — the padded sample input with window positions (first, last, a
  picked one, optionally all), the padded cells hatched (coloured by the values a non-zero
  padding mode copies), the input cells no window reaches crossed out, and the output.
- :func:`unreached_summary` — those unreached cells, explained in words.
- :func:`same_conventions_figure` — "same" padding of an even kernel, PyTorch beside d2l.
- :func:`transpose_figures` — a transposed convolution as the sum of the kernel-sized
  patches each input cell scatters into the output.
- :func:`stack_figure` — output size and receptive field after each layer of a stack.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from convcore.conv import conv2d, conv_transpose2d
from convcore.padding import pad, resolve_padding, same_padding_d2l
from convcore.shapes import AxisFormula, as_tuple, size_text
from convcore.stack import StackRow
from convcore.trace import WindowTrace, format_number, window_trace
from ui import figures as fig_lib
from ui.figures import Panel
from ui.i18n import N_, _, n_

#: Okabe–Ito colours, safe for colour-blind readers.
FIRST_COLOR = "#0072b2"  # blue: the first window
LAST_COLOR = "#009e73"  # bluish green: the last window
PICK_COLOR = fig_lib.PICK_COLOR  # vermillion: the window the user picked
ALL_COLOR = "rgba(17, 17, 17, 0.45)"
UNREACHED_COLOR = "#cc79a7"  # reddish purple: input cells no window reaches
#: Outline of each marked window: colour, line pattern, width. The pattern and width tell
#: them apart without colour (first dotted, last dashed, picked solid and thicker).
WINDOW_STYLES = {"first": (FIRST_COLOR, "dot", 3.0), "last": (LAST_COLOR, "dash", 3.0),
                 "picked": (PICK_COLOR, None, 4.0)}
#: Faded colours on padding cells of a non-zero padding mode.
PADDING_OPACITY = 0.55
#: Largest cell side (px) of this page's grids: a 10×10 padded input stays on one screen.
MAX_CELL_PX = 44
#: The two axes, in words (translated where shown).
AXIS_WORDS = (N_("height"), N_("width"))
#: Beyond this many windows "all windows" shows the window centres only.
MAX_ALL_OUTLINES = 150
#: Most input cells whose scattered patches are drawn one by one.
MAX_PATCHES = 16


# ------------------------------------------------------------------------------ sample input


def sample_input(in_hw) -> np.ndarray:
    """The page's sample input: ``0, 1, 2, …`` row by row, float64 ``(H, W)``."""
    h, w = as_tuple(in_hw, 2, "input size")
    return np.arange(h * w, dtype=np.float64).reshape(h, w)


def padded_sample(x: np.ndarray, pads, mode: str = "zeros") -> tuple[np.ndarray, np.ndarray]:
    """``x`` padded as ``convcore.padding.pad`` does, and the ``(H', W')`` padding mask."""
    padded = pad(x, pads, mode)
    mask = np.ones(padded.shape, dtype=bool)
    (top, _bottom), (left, _right) = pads
    mask[top:top + x.shape[0], left:left + x.shape[1]] = False
    return padded, mask


def padding_sources_text(in_hw, pads, mode: str) -> list[str]:
    """Which input rows/columns a padding mode copies into each side, in words.

    ``["the 2 top padding rows copy input rows 2, 1", ...]`` (outermost first); empty for
    zeros or no padding.
    Computed by padding the coordinates with ``convcore.padding.pad``.
    """
    if mode == "zeros":
        return []
    hw = as_tuple(in_hw, 2, "input size")
    texts = []
    for axis in (0, 1):
        before = pads[axis][0]
        source = pad(np.arange(hw[axis]), (pads[axis],), mode)
        parts = ((0, source[:before]), (1, source[before + hw[axis]:]))
        for side, copied in parts:
            if len(copied):
                texts.append(_copied_text(axis, side, [int(k) for k in copied]))
    return texts


def _copied_text(axis: int, side: int, copied: list[int]) -> str:
    """One padding side and the input rows/columns it copies, outermost first."""
    n, first, listed = len(copied), copied[0], ", ".join(str(k) for k in copied)
    if axis == 0:
        if n == 1:
            text = (_("the top padding row copies input row {k}") if side == 0 else
                    _("the bottom padding row copies input row {k}"))
        else:
            text = (_("the {n} top padding rows copy input rows {ks}") if side == 0 else
                    _("the {n} bottom padding rows copy input rows {ks}"))
    elif n == 1:
        text = (_("the left padding column copies input column {k}") if side == 0 else
                _("the right padding column copies input column {k}"))
    else:
        text = (_("the {n} left padding columns copy input columns {ks}") if side == 0 else
                _("the {n} right padding columns copy input columns {ks}"))
    return text.format(n=n, k=first, ks=listed)


# ------------------------------------------------------------------------------ shape formulas


@dataclass(frozen=True)
class FormulaLines:
    """The output-shape formula in two forms, each with letters then one line per axis.

    Attributes
    ----------
    pytorch : list of str
        PyTorch's form, ``⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1`` (``(k − 1)``
        when the dilation is 1 on both axes), then ``"height: ⌊(8 + 1 + 1 − (3 − 1) − 1) / 1⌋
        + 1 = 7 + 1 = 8"`` and the width's line.
    seeds : list of str
        d2l's form, with ``p`` the total padding of an axis: ``n − k + p + 1`` when the stride
        is 1 on both axes, ``⌊(n − k + p + s) / s⌋`` otherwise, then one line per axis (with
        dilation the number put for ``k`` is the window's span ``d·(k − 1) + 1``).
    """

    pytorch: list[str]
    seeds: list[str]


def formula_lines(trace: WindowTrace, formulas: Sequence[AxisFormula]) -> FormulaLines:
    """Both forms of the output-shape formula with this geometry's numbers filled in.

    ``formulas`` come from ``convcore.shapes.explain_conv_output_shape`` for the same
    geometry; every line ends in its ``result``. The d2l form is the same number:
    ``⌊(n − k + p + s) / s⌋ = ⌊(n + p − k) / s⌋ + 1``.
    """
    dilated = max(trace.dilation) > 1
    strided = max(trace.stride) > 1
    term = "d·(k − 1)" if dilated else "(k − 1)"
    pytorch = [f"out = ⌊(n + p_before + p_after − {term} − 1) / s⌋ + 1"]
    seeds = ["out = ⌊(n − k + p + s) / s⌋" if strided else "out = n − k + p + 1"]
    names = [_(word) for word in AXIS_WORDS]
    width = max(_display_width(name) for name in names)
    for axis, f in enumerate(formulas):
        n, k = trace.in_hw[axis], trace.kernel_size[axis]
        s, p = trace.stride[axis], sum(trace.pads[axis])
        p0, p1 = trace.pads[axis]
        label = " " * (width - _display_width(names[axis])) + names[axis] + ": "
        first = (f.substituted if dilated else
                 f"⌊({n} + {p0} + {p1} − ({k} − 1) − 1) / {s}⌋ + 1")
        parts = [first, *f.steps]
        if parts[-1] != str(f.result):
            parts.append(str(f.result))
        pytorch.append(label + " = ".join(parts))
        span = trace.kernel_span[axis]  # k itself without dilation
        if strided:
            seeds.append(label + f"⌊({n} − {span} + {p} + {s}) / {s}⌋ = "
                         f"⌊{n - span + p + s} / {s}⌋ = {f.result}")
        else:
            seeds.append(label + f"{n} − {span} + {p} + 1 = {f.result}")
    indent = " " * (width + 2)
    pytorch[0], seeds[0] = indent + pytorch[0], indent + seeds[0]
    return FormulaLines(pytorch, seeds)


def transpose_formula_lines(formulas: Sequence[AxisFormula], in_hw, kernel_size, stride,
                            padding, output_padding) -> list[str]:
    """The transposed convolution's output-shape formula with the numbers filled in.

    ``formulas`` from ``convcore.shapes.explain_conv_transpose_output_shape`` (dilation 1);
    as there, with ``d·(k − 1)`` written ``(k − 1)`` since the dilation is 1. Each line ends
    in the formula's ``result``.
    """
    names = [_(word) for word in AXIS_WORDS]
    width = max(_display_width(name) for name in names)
    lines = [" " * (width + 2) + "out = (n − 1)·s − 2·p + (k − 1) + output_padding + 1"]
    for axis, f in enumerate(formulas):
        n, k = as_tuple(in_hw, 2, "input size")[axis], as_tuple(kernel_size, 2, "kernel")[axis]
        s = as_tuple(stride, 2, "stride")[axis]
        p = as_tuple(padding, 2, "padding", minimum=0)[axis]
        op = as_tuple(output_padding, 2, "output_padding", minimum=0)[axis]
        first = f"({n} − 1)·{s} − 2·{p} + ({k} − 1) + {op} + 1"
        parts = [first, *f.steps]
        if parts[-1] != str(f.result):
            parts.append(str(f.result))
        label = " " * (width - _display_width(names[axis])) + names[axis] + ": "
        lines.append(label + " = ".join(parts))
    return lines


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace font (a CJK character takes two)."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def uneven_stride_note(trace: WindowTrace, axis: int) -> str:
    """What the floor drops on one axis ("the last 2 padded rows ... never reached"), or "".

    The same condition as ``convcore.shapes``' note (the stride does not divide ``n + p − k``),
    in the page's language.
    """
    s = trace.stride[axis]
    leftover = (trace.padded_hw[axis] - trace.kernel_span[axis]) % s
    if leftover == 0:
        return ""
    if axis == 0:
        text = n_("height: the stride does not divide evenly: the last {n} padded row along "
                  "the height is never reached by a window.",
                  "height: the stride does not divide evenly: the last {n} padded rows along "
                  "the height are never reached by a window.", leftover)
    else:
        text = n_("width: the stride does not divide evenly: the last {n} padded column along "
                  "the width is never reached by a window.",
                  "width: the stride does not divide evenly: the last {n} padded columns along "
                  "the width are never reached by a window.", leftover)
    return text.format(n=leftover)


# ------------------------------------------------------------------------------ padding figure


@dataclass(frozen=True)
class WindowMarks:
    """Which windows the padding figure outlines (output cells ``(i, j)``)."""

    first: tuple[int, int]
    last: tuple[int, int]
    picked: tuple[int, int] | None = None
    show_all: bool = False


def default_marks(trace: WindowTrace, picked=None, show_all: bool = False) -> WindowMarks:
    """First and last window of ``trace``, the picked one (clamped into the output)."""
    oh, ow = trace.out_hw
    if picked is not None:
        picked = (int(np.clip(picked[0], 0, oh - 1)), int(np.clip(picked[1], 0, ow - 1)))
    return WindowMarks((0, 0), (oh - 1, ow - 1), picked, show_all)


def padding_figure(trace: WindowTrace, padding_mode: str = "zeros", *,
                   marks: WindowMarks | None = None, x: np.ndarray | None = None,
                   available_px: float = fig_lib.AVAILABLE_WIDTH_PX,
                   part: str = "both", max_cell_px: float = MAX_CELL_PX) -> go.Figure:
    """The padded input with window positions, beside the output.

    Parameters
    ----------
    trace : WindowTrace
        The convolution's geometry (``convcore.trace.window_trace``).
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        Padding cells show the values this mode gives the sample input; for a non-zero
        mode they are coloured like the cell they copy (faded, hatched).
    marks : WindowMarks, optional
        Defaults to the first and last window.
    x : ndarray, optional
        ``(H, W)`` input values; defaults to :func:`sample_input`.
    available_px : float
        Width the figure may take.
    part : {"both", "input", "output"}
        Both panels side by side, or one of them alone (presenter mode stacks them, so that
        cells are large enough for 24 px numbers); the panel's traces keep their names.
    max_cell_px : float
        Largest cell side.

    Returns
    -------
    go.Figure
        Panel 0 is the padded input (click tags "input"/"padding", coordinates relative to
        the input), panel 1 the output of a kernel of ones (each cell sums the cells under the
        taps; click tag "output"). Outlines are named ``window:first``, ``window:last``,
        ``window:picked``, ``window:all`` (``window:centres``); output cells ``cell:first``
        ...; with dilation the taps of the outlined windows ``taps:first`` ...; unreached
        input cells ``unreached``.
    """
    x = sample_input(trace.in_hw) if x is None else np.asarray(x, dtype=np.float64)
    if x.shape != trace.in_hw:
        raise ValueError(f"x has shape {x.shape} but the trace is for a "
                         f"{size_text(trace.in_hw)} input")
    marks = marks or default_marks(trace)
    padded, mask = padded_sample(x, trace.pads, padding_mode)
    out = conv2d(x, np.ones(trace.kernel_size), stride=trace.stride, padding=trace.pads,
                 dilation=trace.dilation, padding_mode=padding_mode)
    (top, _bottom), (left, _right) = trace.pads
    if mask.any():
        in_title = _("<b>padded input</b> {padded} ({size}, {mode} padding)").format(
            padded=size_text(padded.shape), size=size_text(trace.in_hw), mode=padding_mode)
    else:
        in_title = _("<b>input</b> {size} (no padding)").format(size=size_text(padded.shape))
    if part not in ("both", "input", "output"):
        raise ValueError(f"part must be 'both', 'input' or 'output', not {part!r}")
    panels = []
    if part != "output":
        panels.append(Panel(padded, in_title, pad_mask=mask, origin=(top, left), click="input",
                            name="input"))
    if part != "input":
        panels.append(Panel(out, _("<b>output</b> {size}").format(size=size_text(out.shape)),
                            click="output", name="output"))
    # A panel alone is presenter mode's: its title grows to 26 px, so leave it more room.
    top_px = fig_lib.TITLE_PX + (8 if part == "both" else 34)
    fig = _layout_figure(panels, available_px, max_cell_px=max_cell_px, top_px=top_px)
    input_panel = 0 if part != "output" else None
    output_panel = {"both": 1, "input": None, "output": 0}[part]
    if input_panel is not None and padding_mode != "zeros" and mask.any():
        _colour_padding(fig, panels[0])
    _add_windows(fig, trace, marks, input_panel, output_panel)
    if input_panel is not None:
        _add_unreached(fig, trace)
    return fig


def _layout_figure(panels: Sequence[Panel], available_px: float,
                   max_cell_px: float = MAX_CELL_PX, top_px: int = fig_lib.TITLE_PX + 8
                   ) -> go.Figure:
    """``grid_figure`` laid out for a given width (the shared builder assumes a default)."""
    shapes = [p.shape for p in panels]
    cols = sum(c for _rows, c in shapes) + fig_lib.GAP_CELLS * (len(shapes) - 1)
    cell = (available_px - 2 * fig_lib.MARGIN_X_PX) / cols
    # grid_figure anchors each panel's axes to its own panel, so tick labels sit beside it.
    return fig_lib.grid_figure(panels, top_px=top_px,
                               max_cell_px=min(max_cell_px, max(cell, 1.0)))


def _colour_padding(fig: go.Figure, panel: Panel) -> None:
    """Colour the padding cells by the values they copy (the shared panel greys them)."""
    k = fig_lib.trace_index(fig, f"{panel.name}:padding")
    scale = panel.color_scale()
    values = np.asarray(panel.values, dtype=np.float64)
    z = np.where(panel.real_mask(), np.nan, values).astype(np.float32)
    fig.data[k].update(z=z, colorscale=scale.colorscale, zmin=scale.zmin, zmax=scale.zmax,
                       opacity=PADDING_OPACITY)


def _add_windows(fig: go.Figure, trace: WindowTrace, marks: WindowMarks,
                 input_panel: int | None = 0, output_panel: int | None = 1) -> None:
    """Outline the marked windows on the input panel and their cells on the output panel
    (either panel may be absent: ``None``)."""
    if marks.show_all and input_panel is not None:
        steps = trace.steps()
        if len(steps) <= MAX_ALL_OUTLINES:
            fig_lib.add_outline(fig, input_panel, [trace.window_box(i, j) for i, j in steps],
                                color=ALL_COLOR, width=1.0, halo=False, name="window:all")
        centres = [_box_centre(trace.window_box(i, j)) for i, j in steps]
        cell_px = float(fig.layout.meta["cell_px"])
        fig_lib.add_marks(fig, input_panel, centres, color=ALL_COLOR,
                          size=max(3.0, min(8.0, 0.18 * cell_px)), name="window:centres")
    for name, cell in (("first", marks.first), ("last", marks.last), ("picked", marks.picked)):
        if cell is None:
            continue
        color, dash, width = WINDOW_STYLES[name]
        if input_panel is not None:
            fig_lib.add_outline(fig, input_panel, [trace.window_box(*cell)], color=color,
                                dash=dash, width=width, name=f"window:{name}")
        if input_panel is not None and max(trace.dilation) > 1:
            # the box spans the gaps: dot the cells the taps use
            i, j = cell
            taps = list(zip(trace.padded_rows[i, j].ravel().tolist(),
                            trace.padded_cols[i, j].ravel().tolist(), strict=True))
            fig_lib.add_marks(fig, input_panel, taps, color=color, name=f"taps:{name}")
        if output_panel is not None:
            fig_lib.add_outline(fig, output_panel, [(cell[0], cell[1], cell[0], cell[1])],
                                color=color, dash=dash, width=width, name=f"cell:{name}")


def _box_centre(box) -> tuple[float, float]:
    top, left, bottom, right = box
    return (top + bottom) / 2, (left + right) / 2


def _add_unreached(fig: go.Figure, trace: WindowTrace) -> None:
    rows, cols = np.nonzero(trace.unreached_input_cells())
    if rows.size == 0:
        return
    (top, _bottom), (left, _right) = trace.pads
    cell_px = float(fig.layout.meta["cell_px"])
    cells = [(int(r) + top, int(c) + left) for r, c in zip(rows, cols, strict=True)]
    fig_lib.add_marks(fig, 0, cells, color=UNREACHED_COLOR, name="unreached")
    fig.update_traces(selector=dict(name="unreached"), marker=dict(
        symbol="x-thin", size=max(5.0, 0.6 * cell_px), opacity=0.85,
        line=dict(color=UNREACHED_COLOR, width=max(1.5, min(4.0, cell_px / 12)))))


# ------------------------------------------------------------------------------ legend


#: CSS line style of each Plotly dash pattern, for the legend's swatches.
_CSS_DASH = {None: "solid", "dot": "dotted", "dash": "dashed"}


def legend_items(picked: tuple[int, int] | None, unreached: bool) -> list[tuple[str, str]]:
    """The padding figure's legend: ``(words, CSS of a drawn swatch)`` per mark.

    No emoji and no colour alone: each swatch repeats the figure's line pattern (dotted,
    dashed, thick solid), the padding its hatching, the unreached cells their cross, and the
    words say it too.
    """
    items = []
    words = {"first": _("first window: blue, dotted frame"),
             "last": _("last window: green, dashed frame"),
             "picked": _("picked window ({i}, {j}): orange-red, thick frame")}
    for name in ("first", "last", "picked"):
        if name == "picked" and picked is None:
            continue
        color, dash, width = WINDOW_STYLES[name]
        text = words[name].format(i=picked[0], j=picked[1]) if name == "picked" else words[name]
        items.append((text, f"border:{width:.0f}px {_CSS_DASH[dash]} {color};"
                            "background:#ffffff;"))
    items.append((_("padding: hatched grey cells"),
                  "border:1px solid #596275;background-color:#eceef2;background-image:"
                  "repeating-linear-gradient(45deg,rgba(90,98,112,.6) 0 2px,transparent 2px 6px);"))
    if unreached:
        items.append((_("input cells no window reaches: crossed out"),
                      "border:1px solid #596275;background:"
                      f"linear-gradient(45deg,transparent 42%,{UNREACHED_COLOR} 42% 58%,"
                      "transparent 58%),"
                      f"linear-gradient(-45deg,#ffffff 42%,{UNREACHED_COLOR} 42% 58%,"
                      "#ffffff 58%);"))
    return items


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    """Markup of a legend of drawn swatches and words (an HTML list, swatches
    ``aria-hidden``): readable without an emoji font and by a screen reader."""
    parts = []
    for words, style in items:
        parts.append('<li style="display:inline-flex;align-items:center;gap:.4em;'
                     'margin:0 1.2em .2em 0;">'
                     '<span aria-hidden="true" style="display:inline-block;width:1.1em;'
                     f'height:1.1em;box-sizing:border-box;{html.escape(style)}"></span>'
                     f"{html.escape(words)}</li>")
    return ('<ul class="ps-legend" aria-label="{label}" style="list-style:none;padding:0;'
            'margin:0 0 .3em 0;display:flex;flex-wrap:wrap;">'.format(
                label=html.escape(_("Legend of the figure"))) + "".join(parts) + "</ul>")


# ------------------------------------------------------------------------------ unreached text


def unreached_along(trace: WindowTrace, axis: int) -> tuple[list[int], list[int]]:
    """Input indices along ``axis`` that no tap reaches: ``(after the last window, between
    taps)``."""
    taps = (trace.padded_rows[:, 0, :, 0] if axis == 0 else trace.padded_cols[0, :, 0, :])
    before = trace.pads[axis][0]
    hit = set((taps.ravel() - before).tolist())
    reach_end = int(taps.max()) - before
    size = trace.in_hw[axis]
    missed = [k for k in range(size) if k not in hit]
    return [k for k in missed if k > reach_end], [k for k in missed if k < reach_end]


def _index_text(indices: Sequence[int]) -> str:
    if len(indices) > 1 and list(indices) == list(range(indices[0], indices[-1] + 1)):
        return f"{indices[0]}–{indices[-1]}"
    shown = [str(k) for k in indices[:8]]
    return ", ".join(shown) + (", …" if len(indices) > 8 else "")


def unreached_summary(trace: WindowTrace) -> list[str]:
    """Sentences explaining which input rows/columns no window reaches, and why: one item
    per axis and cause (cells after the last window; cells skipped between windows).

    Returns an empty list when every input cell is under some window tap.
    """
    sentences = []
    for axis in (0, 1):
        tail, gaps = unreached_along(trace, axis)
        s, d = trace.stride[axis], trace.dilation[axis]
        span = trace.kernel_span[axis]
        padded = trace.padded_hw[axis]
        last_start = (trace.out_hw[axis] - 1) * s
        if tail:
            leftover = padded - (last_start + span)
            reached = _tail_sentence(axis, len(tail)).format(
                cells=_index_text(tail), a=last_start, b=last_start + span - 1, s=s,
                c=last_start + s + span - 1, end=padded - 1)
            sentences.append(reached + " " + (n_("The floor ⌊…/{s}⌋ drops the {n} row left over.",
                                 "The floor ⌊…/{s}⌋ drops the {n} rows left over.", leftover)
                              if axis == 0 else
                              n_("The floor ⌊…/{s}⌋ drops the {n} column left over.",
                                 "The floor ⌊…/{s}⌋ drops the {n} columns left over.",
                                 leftover)).format(s=s, n=leftover))
        if gaps:
            group = [(n_("Input row {cells} is skipped.", "Input rows {cells} are skipped.",
                         len(gaps)) if axis == 0 else
                      n_("Input column {cells} is skipped.", "Input columns {cells} are "
                         "skipped.", len(gaps))).format(cells=_index_text(gaps))]
            if s > span:
                group.append(_("The stride ({s}) is longer than the window's span ({span}): "
                                   "the window jumps over these cells.").format(s=s, span=span))
            if d > 1:
                group.append(_("They fall in the dilation gaps: a window's taps are {d} "
                                   "cells apart and the windows, {s} cells apart, never put a "
                                   "tap there.").format(d=d, s=s))
            sentences.append(" ".join(group))
    return sentences


def _tail_sentence(axis: int, n: int) -> str:
    """The "never reached" sentence of one axis, with ``{cells}``, ``{a}``–``{b}`` (the last
    window), ``{s}``, ``{c}`` and ``{end}`` to fill."""
    if axis == 0:
        return n_("Input row {cells} at the bottom is never reached: the last window along the "
                  "height covers padded rows {a}–{b}, and one more stride of {s} would need "
                  "rows up to {c}, past the padded input (0–{end}).",
                  "Input rows {cells} at the bottom are never reached: the last window along "
                  "the height covers padded rows {a}–{b}, and one more stride of {s} would "
                  "need rows up to {c}, past the padded input (0–{end}).", n)
    return n_("Input column {cells} at the right is never reached: the last window along the "
              "width covers padded columns {a}–{b}, and one more stride of {s} would need "
              "columns up to {c}, past the padded input (0–{end}).",
              "Input columns {cells} at the right are never reached: the last window along the "
              "width covers padded columns {a}–{b}, and one more stride of {s} would need "
              "columns up to {c}, past the padded input (0–{end}).", n)


# ------------------------------------------------------------------------------ "same" conventions


def same_conventions_figure(in_hw, kernel_size, dilation=1, *,
                            available_px: float = fig_lib.AVAILABLE_WIDTH_PX) -> go.Figure:
    """"same" padding of an even kernel two ways: PyTorch (extra cell bottom/right) and d2l
    (⌈p/2⌉ on top/left), each with its first window and its output.

    Panels: PyTorch padded input, PyTorch output, d2l padded input, d2l output (outputs of a
    kernel of ones on the sample input; same shape, values shifted by one cell).
    """
    x = sample_input(in_hw)
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ds = as_tuple(dilation, 2, "dilation")
    panels, traces = [], []
    conventions = (("PyTorch", resolve_padding("same", ks, dilation=ds)),
                   ("d2l", same_padding_d2l(ks, ds)))
    for label, pads in conventions:
        trace = window_trace(x.shape, ks, 1, pads, ds)
        padded, mask = padded_sample(x, pads)
        out = conv2d(x, np.ones(ks), padding=pads, dilation=ds)
        (top, bottom), (left, right) = pads
        title = _("<b>{name}</b>: top {top}, bottom {bottom},<br>left {left}, right {right}")
        panels.append(Panel(padded, title.format(name=label, top=top, bottom=bottom, left=left,
                                                 right=right), pad_mask=mask,
                            origin=(top, left), name=f"{label.lower()}:input"))
        panels.append(Panel(out, _("{name} output {size}").format(name=label,
                                                                  size=size_text(out.shape)),
                            name=f"{label.lower()}:output"))
        traces.append(trace)
    fig = _layout_figure(panels, available_px, top_px=fig_lib.TITLE_PX + 30)
    for k, trace in enumerate(traces):
        fig_lib.add_outline(fig, 2 * k, [trace.window_box(0, 0)], color=FIRST_COLOR,
                            name=f"window:first:{k}")
        fig_lib.add_outline(fig, 2 * k + 1, [(0, 0, 0, 0)], color=FIRST_COLOR,
                            name=f"cell:first:{k}")
    return fig


# ------------------------------------------------------------------------------ transposed


@dataclass(frozen=True, eq=False)
class TransposeParts:
    """A transposed convolution taken apart.

    Attributes
    ----------
    x, kernel : ndarray
        ``(H, W)`` input and ``(kh, kw)`` kernel.
    patches : dict
        ``(r, c) -> (Hf, Wf)`` what input cell ``(r, c)`` scatters: ``x[r, c]·kernel``
        placed ``stride`` cells apart, on the uncropped grid.
    full : ndarray
        ``(Hf, Wf)`` the sum of the patches (``padding = 0``, with ``output_padding``).
    output : ndarray
        ``(H_out, W_out)`` the result: ``full`` with ``padding`` cells cut from every side.
    pad : (int, int)
        Cells cut from the top/bottom and from the left/right.
    """

    x: np.ndarray
    kernel: np.ndarray
    patches: dict
    full: np.ndarray
    output: np.ndarray
    pad: tuple[int, int]


def transpose_parts(x, kernel, stride=1, padding=0, output_padding=0,
                    dilation=1) -> TransposeParts:
    """The patches, their sum and the cropped output of ``conv_transpose2d(x, kernel, ...)``.

    All numbers come from ``convcore.conv_transpose2d``: a patch is the transposed
    convolution of ``x`` with every other cell set to 0.
    """
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    ps = as_tuple(padding, 2, "padding", minimum=0)
    output = conv_transpose2d(x, kernel, stride=stride, padding=ps,
                              output_padding=output_padding, dilation=dilation)
    full = conv_transpose2d(x, kernel, stride=stride, padding=0,
                            output_padding=output_padding, dilation=dilation)
    patches = {}
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            one = np.zeros_like(x)
            one[r, c] = x[r, c]
            patches[(r, c)] = conv_transpose2d(one, kernel, stride=stride,
                                               output_padding=output_padding,
                                               dilation=dilation)
    return TransposeParts(x, kernel, patches, full, output, ps)


def patch_box(r: int, c: int, kernel_shape, stride, dilation) -> fig_lib.Box:
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    top, left = r * ss[0], c * ss[1]
    return (top, left, top + ds[0] * (kernel_shape[0] - 1),
            left + ds[1] * (kernel_shape[1] - 1))


def transpose_figures(parts: TransposeParts, stride=1, dilation=1, *,
                      available_px: float = fig_lib.AVAILABLE_WIDTH_PX,
                      max_cell_px: float = MAX_CELL_PX) -> list[go.Figure]:
    """The transposed convolution as pictures.

    Returns
    -------
    list of go.Figure
        First: input, kernel, the sum of the patches (only when ``padding`` cuts cells off
        it: those cells hatched) and the output. Then, when the input has at most
        :data:`MAX_PATCHES` cells, one figure per input row: the patch each of its cells
        scatters, outlined.
    """
    ph, pw = parts.pad
    hf, wf = parts.full.shape
    cut = np.ones((hf, wf), dtype=bool)
    cut[ph:hf - ph, pw:wf - pw] = False
    panels = [Panel(parts.x, _("<b>input</b>"), name="x"),
              Panel(parts.kernel, _("<b>kernel</b>"), name="kernel")]
    if cut.any():
        panels.append(Panel(parts.full, _("<b>sum</b> {size}").format(size=size_text((hf, wf))),
                            pad_mask=cut, origin=(ph, pw), name="full"))
    panels.append(Panel(parts.output, _("<b>output</b> {size}").format(
        size=size_text(parts.output.shape)), name="output"))
    figures = [_layout_figure(panels, available_px, max_cell_px=max_cell_px)]
    if parts.x.size > MAX_PATCHES:
        return figures
    scale = fig_lib.color_scale_for(np.stack(list(parts.patches.values())))
    for r in range(parts.x.shape[0]):
        row_panels = []
        for c in range(parts.x.shape[1]):
            value = format_number(parts.x[r, c])
            row_panels.append(Panel(parts.patches[(r, c)],
                                    f"x[{r}, {c}] = {value}<br>→ {value}·K", scale=scale,
                                    name=f"patch:{r}:{c}"))
        fig = _layout_figure(row_panels, available_px, max_cell_px=max_cell_px,
                             top_px=fig_lib.TITLE_PX + 26)  # two-line titles
        for c in range(parts.x.shape[1]):
            fig_lib.add_outline(fig, c, [patch_box(r, c, parts.kernel.shape, stride,
                                                    dilation)],
                                color=PICK_COLOR, width=2.5, name=f"patch:{r}:{c}:box")
        figures.append(fig)
    return figures


# ------------------------------------------------------------------------------ layer stack

#: The stack figure's lines (English key → message, translated where drawn).
STACK_SERIES = {"output height": N_("output height"), "output width": N_("output width"),
                "receptive field height": N_("receptive field height"),
                "receptive field width": N_("receptive field width")}


def stack_figure(in_hw, rows: Sequence[StackRow]) -> go.Figure:
    """Output size and receptive field after each layer (layer 0: the input).

    Lines: ``output height``, ``output width``, ``receptive field height`` and ``... width``
    (the width lines only when they differ from the height ones).
    """
    h, w = as_tuple(in_hw, 2, "input size")
    layers = list(range(len(rows) + 1))
    series = {
        "output height": [h] + [r.out_hw[0] for r in rows],
        "output width": [w] + [r.out_hw[1] for r in rows],
        "receptive field height": [1] + [r.field.size[0] for r in rows],
        "receptive field width": [1] + [r.field.size[1] for r in rows],
    }
    styles = {"output height": (FIRST_COLOR, None, "circle"),
              "output width": (FIRST_COLOR, "dot", "circle-open"),
              "receptive field height": (PICK_COLOR, None, "square"),
              "receptive field width": (PICK_COLOR, "dot", "square-open")}
    fig = go.Figure()
    for name, values in series.items():
        if name.endswith("width") and values == series[name.replace("width", "height")]:
            continue
        color, dash, symbol = styles[name]
        shown = _(STACK_SERIES[name])
        fig.add_trace(go.Scatter(
            x=layers, y=values, mode="lines+markers", name=shown,
            line=dict(color=color, dash=dash, width=2.5), marker=dict(symbol=symbol, size=8),
            hovertemplate=_("layer {layer}: {cells}").format(layer="%{x}", cells="%{y}")
            + "<extra>" + shown + "</extra>"))
    fig.update_layout(
        height=340, margin=dict(l=64, r=16, t=36, b=52), paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff", font=dict(family=fig_lib.SANS, color=fig_lib.TEXT_COLOR),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=14)),
        xaxis=dict(title=_("layer"), dtick=1 if len(rows) <= 20 else None, gridcolor="#e5e7eb",
                   zeroline=False, automargin=True),
        yaxis=dict(title=_("cells"), gridcolor="#e5e7eb", rangemode="tozero", zeroline=False,
                   automargin=True))
    return fig
