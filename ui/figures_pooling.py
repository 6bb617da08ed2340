"""Figures and small computations of the pooling page: arrays in, ``go.Figure`` out.

Never imports Streamlit. Every number comes from ``convcore`` (``max_pool2d``,
``avg_pool2d``, ``lp_pool2d``, ``pool_window_details``, ``pool_window_trace``, ``conv2d``);
this module only arranges them:

- :class:`PoolSettings` — one pooling layer's settings, with the convcore call and the
  matching PyTorch line;
- :func:`pool_animation_figure` — the sliding window of :func:`ui.figures.animation_figure`,
  with the winning cell of each window outlined (max: ``Step.highlights``) and each step's
  arithmetic printed with the divisor actually used (average: the step text);
- :func:`channels_figure` — several channels pooled each on its own;
- :func:`translation_comparison`, :func:`shift_sweep` and their figures — how much a one-pixel
  shift of the input changes a convolution's output and the same output after pooling;
- :func:`pixelated` — nearest-neighbour enlargement, to show pooled photos at one size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go

from convcore.conv import conv2d
from convcore.pool import (
    PoolWindowDetails,
    avg_pool2d,
    lp_pool2d,
    max_pool2d,
    pool_window_details,
)
from convcore.shapes import as_tuple, explain_pool_output_shape, size_text
from convcore.trace import WindowTrace, format_number, pool_window_trace
from ui.figures import (
    COVER_FILL,
    HIDDEN_AT,
    SANS,
    TEXT_COLOR,
    ColorScale,
    Panel,
    Step,
    animation_figure,
    axis_refs,
    color_scale_for,
    grid_figure,
    plan_steps,
    row_text,
    steps_from_trace,
)
from ui.i18n import N_, _, n_

POOL_KINDS = ("max", "avg", "lp")
KIND_LABELS = {"max": "max", "avg": "average", "lp": "Lp"}  # programmers' messages (English)
#: What each kind is called in a sentence (translated where shown).
POOLING_NAMES = {"max": N_("max pooling"), "avg": N_("average pooling"), "lp": N_("Lp pooling")}
#: The output panel's title, per kind (``{size}``: ``2×2``).
OUTPUT_TITLES = {"max": N_("<b>max pool output</b> {size}"),
                 "avg": N_("<b>average pool output</b> {size}"),
                 "lp": N_("<b>Lp pool output</b> {size}")}
CONV_COLOR = "#0072b2"  # Okabe–Ito blue
POOL_COLOR = "#d55e00"  # Okabe–Ito vermillion
FLAT_SCALE = ColorScale(((0.0, "#f7f7f7"), (1.0, "#f7f7f7")), 0.0, 1.0, "sequential")
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
NBSP = "\u00a0"
#: In row mode (large outputs), the winners are outlined only up to this many per row.
MAX_ROW_HIGHLIGHTS = 64
#: Largest output side for which the winner-index panel is drawn (its numbers must fit).
MAX_INDEX_SIDE = 12
#: Longest formula line (characters) before it breaks after every kernel row.
MAX_LINE_CHARS = 70


# ------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class PoolSettings:
    """One pooling layer, as ``torch.nn.functional`` takes it.

    Attributes
    ----------
    kind : {"max", "avg", "lp"}
    kernel_size : (int, int)
    stride : (int, int) or None
        None: the window size (PyTorch's default).
    padding : (int, int)
        Per axis, both sides (max and average only; Lp pooling has none).
    dilation : (int, int)
        Max pooling only.
    ceil_mode : bool
    count_include_pad : bool
        Average pooling only.
    norm_type : float
        Lp pooling's power ``p``.
    """

    kind: str = "max"
    kernel_size: tuple[int, int] = (2, 2)
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    ceil_mode: bool = False
    count_include_pad: bool = True
    norm_type: float = 2.0

    def __post_init__(self) -> None:
        if self.kind not in POOL_KINDS:
            raise ValueError(f"kind must be one of {POOL_KINDS}, not {self.kind!r}")
        object.__setattr__(self, "kernel_size", as_tuple(self.kernel_size, 2, "kernel_size"))
        if self.stride is not None:
            object.__setattr__(self, "stride", as_tuple(self.stride, 2, "stride"))
        object.__setattr__(self, "padding", as_tuple(self.padding, 2, "padding", minimum=0))
        object.__setattr__(self, "dilation", as_tuple(self.dilation, 2, "dilation"))
        if self.kind != "max" and self.dilation != (1, 1):
            raise ValueError(f"{KIND_LABELS[self.kind]} pooling has no dilation "
                             "(only max pooling does)")
        if self.kind == "lp" and self.padding != (0, 0):
            raise ValueError("Lp pooling takes no padding (PyTorch's lp_pool2d has none)")

    @property
    def effective_stride(self) -> tuple[int, int]:
        """The stride actually used (the window size when ``stride`` is None)."""
        return self.kernel_size if self.stride is None else self.stride

    def pool(self, x) -> np.ndarray:
        """Pool ``x`` ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` with convcore."""
        if self.kind == "max":
            return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode)
        if self.kind == "avg":
            return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad)
        return lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def argmax(self, x) -> np.ndarray:
        """Max pooling's ``return_indices``: flat ``H·W`` index of every window's winner."""
        if self.kind != "max":
            raise ValueError("only max pooling has winners")
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, return_indices=True)[1]

    def trace(self, in_hw) -> WindowTrace:
        """Where every window lies on an input of spatial size ``in_hw``."""
        return pool_window_trace(in_hw, self.kernel_size, self.stride, self.padding,
                                 self.dilation, self.ceil_mode)

    def details(self, x2d, i: int, j: int) -> PoolWindowDetails:
        """convcore's description of output cell ``(i, j)``."""
        return pool_window_details(
            x2d, i, j, kind=self.kind, kernel_size=self.kernel_size, stride=self.stride,
            padding=self.padding, dilation=self.dilation, ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad, norm_type=self.norm_type)

    def torch_call(self, x: str = "x") -> str:
        """The ``torch.nn.functional`` line computing the same thing (``import torch.nn.functional
        as F``)."""
        ks, st = _pair_text(self.kernel_size), _pair_text(self.effective_stride)
        if self.kind == "max":
            return (f"F.max_pool2d({x}, kernel_size={ks}, stride={st}, "
                    f"padding={_pair_text(self.padding)}, dilation={_pair_text(self.dilation)}, "
                    f"ceil_mode={self.ceil_mode})")
        if self.kind == "avg":
            return (f"F.avg_pool2d({x}, kernel_size={ks}, stride={st}, "
                    f"padding={_pair_text(self.padding)}, ceil_mode={self.ceil_mode}, "
                    f"count_include_pad={self.count_include_pad})")
        return (f"F.lp_pool2d({x}, norm_type={float(self.norm_type)!r}, kernel_size={ks}, "
                f"stride={st}, ceil_mode={self.ceil_mode})")

    def describe(self) -> str:
        """``max pooling, window 2×2, stride 1×1`` (+ padding, dilation, flags when set)."""
        parts = [_(POOLING_NAMES[self.kind]),
                 _("window {size}").format(size=size_text(self.kernel_size)),
                 _("stride {size}").format(size=size_text(self.effective_stride))]
        if self.padding != (0, 0):
            parts.append(_("padding {size}").format(size=size_text(self.padding)))
        if self.dilation != (1, 1):
            parts.append(_("dilation {size}").format(size=size_text(self.dilation)))
        if self.ceil_mode:
            parts.append("ceil_mode")
        if self.kind == "avg" and not self.count_include_pad and self.padding != (0, 0):
            parts.append("count_include_pad=False")
        if self.kind == "lp":
            parts.append(f"p = {format_number(self.norm_type)}")
        return _(", ").join(parts)


#: convcore's axis names, as the page prints them.
AXIS_LABELS = {"height": N_("height"), "width": N_("width")}


def shape_lines(in_hw, settings: PoolSettings) -> list[str]:
    """The output-shape formula of each axis (convcore's), with its remark in words.

    ``height: ⌊(3 + 2·0 − 1·(2 − 1) − 1) / 1⌋ + 1 = ⌊1 / 1⌋ + 1 = 1 + 1 = 2``, then, when
    the stride leaves padded rows/columns unreached or ceil mode drops a window, a line in
    brackets saying so.
    """
    formulas = explain_pool_output_shape(in_hw, settings.kernel_size, settings.stride,
                                         settings.padding, settings.dilation,
                                         settings.ceil_mode)
    sizes = as_tuple(in_hw, 2, "input size")
    lines = []
    for f, n, k, s, p, d in zip(formulas, sizes, settings.kernel_size,
                                settings.effective_stride, settings.padding,
                                settings.dilation, strict=True):
        lines.append(f"{_(AXIS_LABELS[f.axis]):>6}: {f.line()}")
        if f.note:  # convcore's remark, said again in the page's language
            note = _axis_note(f.axis, (n + 2 * p - d * (k - 1) - 1) % s,
                              dropped=settings.ceil_mode)
            lines.append(f"        ({note})")
    return lines


def _axis_note(axis: str, leftover: int, *, dropped: bool) -> str:
    """What convcore's note on an axis says, in the page's language."""
    if dropped:
        return _("ceil mode would add a window that starts in the right/bottom padding; "
                 "PyTorch drops it")
    if axis == "height":
        return n_("the stride does not divide evenly: the last {n} padded row along the "
                  "height is never reached by a window",
                  "the stride does not divide evenly: the last {n} padded rows along the "
                  "height are never reached by a window", leftover).format(n=leftover)
    return n_("the stride does not divide evenly: the last {n} padded column along the "
              "width is never reached by a window",
              "the stride does not divide evenly: the last {n} padded columns along the "
              "width are never reached by a window", leftover).format(n=leftover)


def _pair_text(pair: tuple[int, int]) -> str:
    return f"({pair[0]}, {pair[1]})"


def ordinal(n: int) -> str:
    """``2`` → ``"2nd"``, ``4`` → ``"4th"``, ``11`` → ``"11th"``, ``23`` → ``"23rd"``."""
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def nearest_valid_padding(kernel_size, padding) -> tuple[int, int]:
    """The largest padding PyTorch accepts that is not above ``padding``: at most half the
    window on each axis."""
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ps = as_tuple(padding, 2, "padding", minimum=0)
    return tuple(min(p, k // 2) for p, k in zip(ps, ks, strict=True))


def explicit_padding_pool(x, settings: PoolSettings) -> np.ndarray:
    """Pool after padding the input by hand, the way MXNet treats a padding PyTorch refuses.

    Max pooling pads with −∞ (never wins), average pooling with zeros (counted in the
    divisor); then convcore pools the padded array with no padding of its own, which
    PyTorch allows for any padding: ``F.max_pool2d(F.pad(x, (pw, pw, ph, ph),
    value=-inf), ...)``.

    Parameters
    ----------
    x : array_like, (H, W) or (C, H, W)
    settings : PoolSettings
        Max, or average with ``count_include_pad``; its padding may exceed half the window.

    Returns
    -------
    np.ndarray
        ``(..., out_h, out_w)``.
    """
    if settings.kind == "lp" or (settings.kind == "avg" and not settings.count_include_pad):
        raise ValueError("explicit padding reproduces max pooling, and average pooling that "
                         "counts the padding; not this setting")
    arr = np.asarray(x, dtype=np.float64)
    ph, pw = settings.padding
    fill = -np.inf if settings.kind == "max" else 0.0
    widths = [(0, 0)] * (arr.ndim - 2) + [(ph, ph), (pw, pw)]
    padded = np.pad(arr, widths, constant_values=fill)
    return replace(settings, padding=(0, 0)).pool(padded)


def torch_explicit_padding_call(settings: PoolSettings, x: str = "x") -> str:
    """The PyTorch line of :func:`explicit_padding_pool`."""
    ph, pw = settings.padding
    fill = "float('-inf')" if settings.kind == "max" else "0.0"
    return replace(settings, padding=(0, 0)).torch_call(
        f"F.pad({x}, ({pw}, {pw}, {ph}, {ph}), value={fill})")


# ------------------------------------------------------------------------------ step text


def _value_text(value: float, digits: int) -> str:
    return format_number(value, parenthesize=True, digits=digits)


def _power_text(p: float) -> str:
    if float(p).is_integer() and 0 < p < 10:
        return str(int(p)).translate(SUPERSCRIPTS)
    return f"^{format_number(p)}"


def _counted_rows(details: PoolWindowDetails, digits: int, *, bold_winner: bool,
                  power: str = "") -> list[list[str]]:
    """The formula's terms, grouped by kernel row (cells that do not count left out)."""
    rows: dict[int, list[str]] = {}
    counted = [cell for cell in details.cells if cell.counted]
    for cell, value in zip(counted, details.values, strict=True):
        text = _value_text(value, digits) + power
        if bold_winner and cell.tap.input == details.winner:
            text = f"<b>{text}</b>"
        rows.setdefault(cell.tap.kernel[0], []).append(text)
    return list(rows.values())


def _join_terms(rows: list[list[str]], sep: str, indent: int, *, broken: bool) -> str:
    """The terms on one line, or (``broken``) one kernel row per line, indented."""
    if not broken or len(rows) == 1:
        return sep.join(t for row in rows for t in row)
    lines = [sep.join(row) for row in rows]
    return (sep.rstrip() + "<br>" + NBSP * indent).join(lines)


def _fits(line: str) -> bool:
    return len(_plain(line)) <= MAX_LINE_CHARS


def _plain(text: str) -> str:
    return text.replace("<b>", "").replace("</b>", "")


def _region_counts(details: PoolWindowDetails) -> tuple[int, int, int]:
    """Input, padding and overhang cells of a window."""
    regions = [cell.tap.region for cell in details.cells]
    return regions.count("input"), regions.count("padding"), regions.count("overhang")


def window_text(details: PoolWindowDetails, *, digits: int = 3) -> str:
    """One step's arithmetic, as the animation prints it (HTML, ``<br>`` between lines).

    ``out[0, 0] = max(0, 1, 3, <b>4</b>) = 4`` (the winner in bold);
    ``out[0, 0] = (0 + 1 + 3 + 4) / 4 = 2`` then a line saying what the divisor counts;
    ``out[0, 0] = (0² + 1² + 3² + 4²)^(1/2) = 5.099``. A formula longer than
    ``MAX_LINE_CHARS`` breaks after every kernel row. Cells that are not in the formula
    (padding for max, the ceil-mode overhang) get a line of their own.
    """
    head = f"out[{details.i}, {details.j}] = "
    first = _formula(details, head, digits, broken=False)
    if not _fits(first):
        first = _formula(details, head, digits, broken=True)
    n_input, n_pad, n_over = _region_counts(details)
    notes = []
    if details.kind == "max" and n_input == 0:
        notes.append(_("no input cell in this window (the dilation skips them all): −∞"))
    elif details.kind == "max" and n_pad:
        notes.append(n_("{n} padding cell holds −∞: never the max",
                        "{n} padding cells hold −∞: never the max", n_pad).format(n=n_pad))
    elif details.kind == "avg":
        notes.append(divisor_note(details))
    elif details.kind == "lp" and details.divisor != details.window_cells:
        notes.append(n_("partial window ({n} cell of {total}): sum × {scale}, as PyTorch does",
                        "partial window ({n} cells of {total}): sum × {scale}, as PyTorch does",
                        n_input).format(n=n_input, total=details.window_cells,
                                        scale=_lp_scale(details)))
    if n_over:
        notes.append(n_("{n} cell past the padded input (ceil_mode): ignored",
                        "{n} cells past the padded input (ceil_mode): ignored",
                        n_over).format(n=n_over))
    return "<br>".join([first, *notes])


def _lp_scale(details: PoolWindowDetails) -> str:
    return f"{details.window_cells}/{format_number(details.divisor)}"


def _formula(details: PoolWindowDetails, head: str, digits: int, *, broken: bool) -> str:
    """``head`` followed by the formula with its result."""
    result = format_number(details.result, digits=digits)
    if details.kind == "max":
        rows = _counted_rows(details, digits, bold_winner=True)
        terms = _join_terms(rows, ", ", len(head) + 4, broken=broken)
        return f"{head}max({terms}) = {result}"
    if details.kind == "avg":
        rows = _counted_rows(details, digits, bold_winner=False)
        terms = _join_terms(rows, " + ", len(head) + 1, broken=broken)
        divisor = format_number(details.divisor, digits=digits)
        return f"{head}({terms}) / {divisor} = {result}"
    rows = _counted_rows(details, digits, bold_winner=False,
                         power=_power_text(details.norm_type))
    root = f"(1/{format_number(details.norm_type)})"
    if details.divisor != details.window_cells:
        terms = _join_terms(rows, " + ", len(head) + 2, broken=broken)
        return f"{head}(({terms}) × {_lp_scale(details)})^{root} = {result}"
    terms = _join_terms(rows, " + ", len(head) + 1, broken=broken)
    return f"{head}({terms})^{root} = {result}"


def divisor_note(details: PoolWindowDetails) -> str:
    """What an average's divisor counts, in words (``divisor 4 = all 4 cells of the window``)."""
    n_input, n_pad, _overhang = _region_counts(details)
    divisor = format_number(details.divisor)
    counted_pad = sum(1 for c in details.cells if c.counted and c.tap.region == "padding")
    if n_pad == 0 and details.divisor == details.window_cells:
        n = details.window_cells
        return n_("divisor {d} = the {n} cell of the window",
                  "divisor {d} = all {n} cells of the window", n).format(d=divisor, n=n)
    if counted_pad:
        return n_("divisor {d} = {n} input + {pad} padding cell (count_include_pad)",
                  "divisor {d} = {n} input + {pad} padding cells (count_include_pad)",
                  counted_pad).format(d=divisor, n=n_input, pad=counted_pad)
    if n_pad:
        return n_("divisor {d} = the {n} input cell; padding not counted",
                  "divisor {d} = the {n} input cells; padding not counted",
                  n_input).format(d=divisor, n=n_input)
    return n_("divisor {d} = the {n} input cell", "divisor {d} = the {n} input cells",
              n_input).format(d=divisor, n=n_input)


# ------------------------------------------------------------------------------ panels


def canvas_hw(trace: WindowTrace) -> tuple[int, int]:
    """Rows and columns the input panel needs: the padded input, plus the ceil-mode
    overhang of the last window."""
    oh, ow = trace.out_hw
    _top, _left, bottom, right = trace.window_box(oh - 1, ow - 1)
    return max(trace.padded_hw[0], bottom + 1), max(trace.padded_hw[1], right + 1)


def pool_input_panel(x2d, trace: WindowTrace, kind: str, *, scale: ColorScale | None = None,
                     title: str | None = None, name: str = "input") -> Panel:
    """The input as the pooling windows see it: padded with −∞ (max) or 0 (average), and
    extended by the ceil-mode overhang (blank cells), both hatched.

    Parameters
    ----------
    x2d : array_like, (H, W)
    trace : WindowTrace
        From :meth:`PoolSettings.trace`.
    kind : {"max", "avg", "lp"}
    """
    arr = np.asarray(x2d, dtype=np.float64)
    h, w = trace.in_hw
    top, left = trace.pads[0][0], trace.pads[1][0]
    rows, cols = canvas_hw(trace)
    values = np.full((rows, cols), np.nan)
    values[: trace.padded_hw[0], : trace.padded_hw[1]] = -np.inf if kind == "max" else 0.0
    values[top:top + h, left:left + w] = arr
    pad_mask = np.ones((rows, cols), dtype=bool)
    pad_mask[top:top + h, left:left + w] = False
    if title is None:
        title = _("<b>input</b>")
        if np.any(pad_mask) and trace.pads != ((0, 0), (0, 0)):
            fill = "−∞" if kind == "max" else "0"
            title = _("<b>input</b> <i>(padding = {fill})</i>").format(fill=fill)
    return Panel(values, title, pad_mask=pad_mask, origin=(top, left), scale=scale, name=name)


def _blank_overhang_text(fig: go.Figure, panel: Panel) -> None:
    """The overhang cells hold NaN; print nothing there instead of "nan"."""
    for trace in fig.data:
        if trace.name == f"{panel.name}:padding" and trace.text is not None:
            texts = np.array(trace.text, dtype=object)
            texts[np.isnan(np.asarray(panel.values, dtype=float))] = ""
            trace.text = texts


def shared_scale(*arrays, image: bool = False) -> ColorScale:
    """One colour scale for several arrays (finite values only; black to white for a picture
    in [0, 1] when ``image``)."""
    flat = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    return color_scale_for(flat[np.isfinite(flat)], image=image)


# ------------------------------------------------------------------------------ animation


@dataclass(frozen=True)
class PoolFrames:
    """What each frame of a pooling animation shows.

    Attributes
    ----------
    steps : list of Step
        For ``ui.figures.animation_figure``: the window, the output cell(s), the arithmetic
        (``text``) and, for max pooling, the winning cells as ``highlights`` (padded
        coordinates of the input panel).
    winners : list of tuple of (int, int)
        Per step, the input cells (input coordinates) that win (max pooling; empty otherwise).
    divisors : list of float or None
        Per step, the average's divisor (None for max and in row mode).
    """

    steps: list[Step]
    winners: list[tuple[tuple[int, int], ...]]
    divisors: list[float | None]


def _winner_boxes(winners, origin: tuple[int, int]) -> tuple:
    """The winners' one-cell boxes on the input panel (which counts from ``origin``)."""
    r0, c0 = origin
    return tuple((r + r0, c + c0, r + r0, c + c0) for r, c in winners)


def pool_frames(x2d, settings: PoolSettings, *, digits: int = 3) -> PoolFrames:
    """The animation steps of pooling the 2-D ``x2d``: one output cell per step (or one row
    per step for very large outputs), with convcore's arithmetic and, for max pooling, the
    winners outlined (``Step.highlights``; in row mode only up to ``MAX_ROW_HIGHLIGHTS``
    winners a row)."""
    arr = np.asarray(x2d, dtype=np.float64)
    trace = settings.trace(arr.shape)
    origin = (trace.pads[0][0], trace.pads[1][0])
    mode, rows = plan_steps(trace.out_hw)
    if mode == "cell":
        details = [settings.details(arr, i, j) for i, j in trace.steps()]
        texts = [window_text(d, digits=digits) for d in details]
        steps = steps_from_trace(trace, texts, mark_taps=settings.dilation != (1, 1))
        winners = [((d.winner,) if d.winner is not None else ()) for d in details]
        divisors = [d.divisor for d in details]
    else:
        out = settings.pool(arr)
        texts = [row_text(i, out[i], digits=digits) for i in rows]
        steps = steps_from_trace(trace, texts, rows=rows)
        if settings.kind == "max":
            flat = settings.argmax(arr)
            w = arr.shape[1]
            winners = [tuple((int(k) // w, int(k) % w) for k in flat[i]) for i in rows]
        else:
            winners = [() for _row in rows]
        divisors = [None] * len(rows)
    if mode == "cell" or trace.out_hw[1] <= MAX_ROW_HIGHLIGHTS:
        steps = [replace(step, highlights=_winner_boxes(ws, origin))
                 for step, ws in zip(steps, winners, strict=True)]
    return PoolFrames(steps, winners, divisors)


def pool_animation_figure(x2d, settings: PoolSettings, *, initial: int = 0,
                          digits: int = 3, extra_panel: bool = True,
                          image: bool = False, max_cell_px: float | None = None) -> go.Figure:
    """The pooling window sliding over a 2-D input, animated in the browser.

    Parameters
    ----------
    x2d : array_like, (H, W)
    settings : PoolSettings
    initial : int
        The step shown before Play.
    digits : int
        Significant digits of the printed values.
    extra_panel : bool
        Add a third, static panel: max pooling's ``return_indices`` (flat ``H·W`` index of
        each winner; only when the output has at most ``MAX_INDEX_SIDE`` rows and columns,
        so that the numbers can be read) or the average's divisor per output cell
        (coloured, so that it reads even when the numbers do not fit).
    image : bool
        The values are a picture's intensities: draw them black to white.
    max_cell_px : float, optional
        Largest cell side (presenter mode asks for larger cells); ``ui.figures``' default
        when None.

    Returns
    -------
    ui.figures.AnimatedFigure
        Panels input (padded, canvas :func:`canvas_hw`), output[, indices | divisors], from
        :func:`ui.figures.animation_figure`: each frame moves the layout shapes ``window``,
        ``cell``, the covers and, for max pooling, ``highlight:0`` (the winner; one per
        winner of the row in row mode), and sets the step's arithmetic (divisor note
        included) as the text of ``layout.annotations[0]``. ``layout.meta`` adds ``winners``
        (per step, flat input indices of the winners), ``divisors`` (per step) and
        ``out_hw``.

    Raises
    ------
    ValueError, TypeError
        convcore's explanation when the settings do not work for this input.
    """
    arr = np.asarray(x2d, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"the animation takes one 2-D channel, got shape {arr.shape}")
    out = settings.pool(arr)
    trace = settings.trace(arr.shape)
    frames = pool_frames(arr, settings, digits=digits)
    scale = shared_scale(arr, out, image=image)
    inp = pool_input_panel(arr, trace, settings.kind, scale=scale)
    panels = [inp, Panel(out, _(OUTPUT_TITLES[settings.kind]).format(size=size_text(out.shape)),
                         scale=scale, name="output")]
    if extra_panel and settings.kind == "max" and max(out.shape) <= MAX_INDEX_SIDE:
        panels.append(Panel(settings.argmax(arr).astype(np.float64),
                            _("<b>winner index</b>"), scale=FLAT_SCALE,
                            name="indices"))
    elif extra_panel and settings.kind == "avg":
        divisors = divisor_map(arr.shape, settings)
        panels.append(Panel(divisors, _("<b>divisor used</b>"), name="divisors",
                            scale=color_scale_for(np.append(divisors, 0.0))))
    initial = int(np.clip(initial, 0, len(frames.steps) - 1))
    sizes = {} if max_cell_px is None else {"max_cell_px": max_cell_px}
    fig = animation_figure(panels, frames.steps, input_panel=0, output_panel=1,
                           initial=initial, digits=digits, **sizes)
    _blank_overhang_text(fig, inp)
    if len(panels) == 3:  # predict, then reveal: the extra grid fills in with the output
        _cover_uncomputed(fig, 2, frames.steps, out.shape, initial)
    w = arr.shape[1]
    fig.layout.meta = dict(
        fig.layout.meta, out_hw=list(out.shape),
        winners=[[r * w + c for r, c in ws] for ws in frames.winners],
        divisors=frames.divisors)
    return fig


#: Names of the moving covers over the extra panel's cells not computed yet.
EXTRA_COVERS = ("extra-covers:row", "extra-covers:below")


def uncomputed_boxes(output, out_hw) -> list:
    """The cells after ``output`` (an inclusive box) in row-major order, as at most two boxes
    (the rest of its row, then every row below; None where there is none)."""
    out_h, out_w = out_hw
    top, _left, bottom, right = output
    rest_of_row = (top, right + 1, bottom, out_w - 1) if right < out_w - 1 else None
    rows_below = (bottom + 1, 0, out_h - 1, out_w - 1) if bottom < out_h - 1 else None
    return [rest_of_row, rows_below]


def _cover_coordinates(box) -> dict:
    if box is None:  # parked outside every axis range (a frame cannot toggle visibility)
        return dict(x0=HIDDEN_AT, x1=HIDDEN_AT, y0=HIDDEN_AT, y1=HIDDEN_AT)
    top, left, bottom, right = box
    inset = -0.03  # overlap a hair, so that no seam shows where the two covers meet
    return dict(x0=left - 0.5 + inset, x1=right + 0.5 - inset, y0=top - 0.5 + inset,
                y1=bottom + 0.5 - inset)


def _cover_uncomputed(fig: go.Figure, panel: int, steps: Sequence[Step], out_hw,
                      initial: int) -> None:
    """Cover the cells of ``panel`` (laid out like the output) that the animation has not
    computed yet, frame by frame, as the output panel's own covers do: the winner indices
    and divisors stay hidden until their step, so that a student can predict them first.

    The covers are inserted right after the figure's moving shapes (``meta["dynamic"]``),
    and every frame sends their coordinates after the others' (frames merge shapes by
    position).
    """
    xref, yref = axis_refs(panel)
    n_dynamic = len(fig.layout.meta["dynamic"])
    covers = [dict(type="rect", xref=xref, yref=yref, layer="above", name=name,
                   fillcolor=COVER_FILL, line=dict(width=0, color=COVER_FILL),
                   **_cover_coordinates(box))
              for name, box in zip(EXTRA_COVERS, uncomputed_boxes(steps[initial].output, out_hw),
                                   strict=True)]
    shapes = list(fig.layout.shapes)
    fig.layout.shapes = [*shapes[:n_dynamic], *covers, *shapes[n_dynamic:]]
    fig.layout.meta = dict(fig.layout.meta,
                           dynamic=[*fig.layout.meta["dynamic"], *EXTRA_COVERS])
    for frame, step in zip(fig.frame_dicts, steps, strict=True):
        frame["layout"]["shapes"] = [*frame["layout"]["shapes"],
                                     *(_cover_coordinates(box)
                                       for box in uncomputed_boxes(step.output, out_hw))]


def make_room_for_large_text(fig: go.Figure, *, gap_px: int = 8) -> go.Figure:
    """Move a grid figure's panel titles and step text clear of each other and of the
    column numbers once their fonts are enlarged (``ui.presenter.scale_figure``), and widen
    the top and right margins so that no text leaves the figure. Changes ``fig`` in place
    (a copy: ``scale_figure`` returns one) and returns it; the cells keep their size.

    ``ui.figures`` leaves room for 14 px titles 20 px above the panels and the step text
    above them; on a projector they are 26 px and more, so they need more.
    """
    layout = fig.layout
    ticks = [getattr(layout, name).tickfont.size or 11 for name in layout.to_plotly_json()
             if name.startswith("xaxis")]
    tick_px = max(ticks, default=11)
    title_shift = round(3 + 1.3 * tick_px + gap_px)
    annotations = list(layout.annotations)
    titles = [a for a in annotations if a.yshift == 20]
    others = [a for a in annotations if a.yshift != 20]
    title_top = title_shift
    for a in titles:
        a.yshift = title_shift
        # "<b>max pool output</b> 2×2": the name on one line, the rest on the next.
        a.text = re.sub(r"</b>\s+(?=\S)", "</b><br>", a.text or "", count=1)
        lines = (a.text or "").count("<br>") + 1
        title_top = max(title_top, title_shift + 1.3 * (a.font.size or 14) * lines)
    top_needed = title_top + gap_px
    frames = getattr(fig, "frame_dicts", None) or [f.to_plotly_json() for f in fig.frames or ()]
    for a in others:  # the step text (one annotation, above the input panel)
        a.yshift = round(title_top + gap_px)
        texts = [a.text or ""] + [f["layout"]["annotations"][0]["text"] for f in frames
                                  if f.get("layout", {}).get("annotations")]
        lines = max(t.count("<br>") + 1 for t in texts)
        top_needed = max(top_needed, a.yshift + 1.35 * (a.font.size or 17) * lines + gap_px)
    extra_top = max(0, round(top_needed - layout.margin.t))
    width = layout.width
    plot_w = width - layout.margin.l - layout.margin.r
    right = 0.0
    for a in titles + others:
        axis = getattr(layout, "xaxis" + a.xref.split()[0][1:])
        left = layout.margin.l + axis.domain[0] * plot_w
        plain = re.sub(r"<[^>]+>", "", (a.text or "").replace("<br>", "\n"))
        longest = max((len(line) for line in plain.split("\n")), default=0)
        right = max(right, left + 0.72 * (a.font.size or 14) * longest)  # bold: wide
    extra_right = max(0, round(right + gap_px - width))
    layout.margin.t = layout.margin.t + extra_top
    layout.margin.r = layout.margin.r + extra_right
    layout.height = layout.height + extra_top
    layout.width = width + extra_right
    return fig


def divisor_map(in_hw, settings: PoolSettings) -> np.ndarray:
    """``(out_h, out_w)`` the divisor an average uses for each output cell.

    From convcore's own averages of a ones input: with ``divisor_override=1`` it returns the
    number of input cells in each window, without it that number over the divisor.
    """
    if settings.kind == "max":
        raise ValueError("max pooling divides by nothing")
    ones = np.ones(as_tuple(in_hw, 2, "input size"))
    padding = settings.padding if settings.kind == "avg" else (0, 0)
    include = settings.count_include_pad if settings.kind == "avg" else True
    args = (settings.kernel_size, settings.stride, padding, settings.ceil_mode, include)
    cells = avg_pool2d(ones, *args, divisor_override=1)
    return np.rint(cells / avg_pool2d(ones, *args))


# ------------------------------------------------------------------------------ channels


def channels_figure(x3d, out3d, *, titles: Sequence[str] | None = None,
                    digits: int = 3, max_cell_px: float | None = None) -> go.Figure:
    """Input channels, then their pooled outputs, side by side (one colour scale).

    Parameters
    ----------
    x3d : array_like, (C, H, W)
    out3d : array_like, (C, out_h, out_w)
        ``settings.pool(x3d)``: each channel pooled on its own.
    titles : sequence of str, optional
        One name per channel (``"X"``, ``"X + 1"``).
    max_cell_px : float, optional
        Largest cell side (``ui.figures``' default when None).
    """
    x3d, out3d = np.asarray(x3d, dtype=np.float64), np.asarray(out3d, dtype=np.float64)
    if x3d.ndim != 3 or out3d.ndim != 3 or x3d.shape[0] != out3d.shape[0]:
        raise ValueError(f"need (C, H, W) inputs and (C, h, w) outputs with the same C, got "
                         f"{x3d.shape} and {out3d.shape}")
    names = list(titles) if titles is not None else [_("channel {c}").format(c=c) for c in
                                                     range(x3d.shape[0])]
    scale = shared_scale(x3d, out3d)
    panels = [Panel(x, _("<b>in</b> {name}").format(name=names[c]), scale=scale, name=f"in{c}")
              for c, x in enumerate(x3d)]
    panels += [Panel(o, _("<b>out</b> from {name}").format(name=names[c]), scale=scale,
                     name=f"out{c}")
               for c, o in enumerate(out3d)]
    sizes = {} if max_cell_px is None else {"max_cell_px": max_cell_px}
    return grid_figure(panels, digits=digits, **sizes)


# ------------------------------------------------------------------------------ translation


def shift_image(x, dy: int, dx: int) -> np.ndarray:
    """Move the content of a 2-D array ``dy`` rows down and ``dx`` columns right; the
    cells it leaves repeat the nearest edge row/column (no new dark border appears).

    ``shift_image(x, 0, 1)[:, 1:] == x[:, :-1]``.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"shift_image takes a 2-D array, got shape {arr.shape}")
    h, w = arr.shape
    rows = np.clip(np.arange(h) - dy, 0, h - 1)
    cols = np.clip(np.arange(w) - dx, 0, w - 1)
    return arr[rows[:, None], cols[None, :]]


def _changed(before: np.ndarray, after: np.ndarray, atol: float) -> np.ndarray:
    return ~np.isclose(before, after, rtol=0.0, atol=atol)


@dataclass(frozen=True)
class ShiftComparison:
    """A convolution output and the same output pooled, before and after shifting the input.

    Attributes
    ----------
    shift : (int, int)
        ``(dy, dx)``.
    x, x_shifted : np.ndarray, (H, W)
    conv, conv_shifted : np.ndarray
        ``conv2d(x, kernel)`` and ``conv2d(x_shifted, kernel)``.
    pooled, pooled_shifted : np.ndarray
        ``settings.pool`` of the two convolution outputs.
    conv_changed, pool_changed : float
        Fraction of output cells whose value changed (0 to 1).
    conv_mean_abs, pool_mean_abs : float
        Mean absolute change per output cell.
    """

    shift: tuple[int, int]
    x: np.ndarray
    x_shifted: np.ndarray
    conv: np.ndarray
    conv_shifted: np.ndarray
    pooled: np.ndarray
    pooled_shifted: np.ndarray
    conv_changed: float
    pool_changed: float
    conv_mean_abs: float
    pool_mean_abs: float


def translation_comparison(x, kernel, settings: PoolSettings, shift=(0, 1), *,
                           atol: float = 1e-9) -> ShiftComparison:
    """How much shifting the input changes a convolution's output, without and with pooling.

    Parameters
    ----------
    x : array_like, (H, W)
    kernel : array_like, (kh, kw)
    settings : PoolSettings
        Applied to the convolution output (conv → pool, as in a CNN).
    shift : (int, int)
        ``(dy, dx)`` given to :func:`shift_image`.
    atol : float
        Changes up to this size count as none (rounding).

    Returns
    -------
    ShiftComparison
    """
    arr = np.asarray(x, dtype=np.float64)
    dy, dx = (int(v) for v in shift)
    moved = shift_image(arr, dy, dx)
    conv, conv_s = conv2d(arr, kernel), conv2d(moved, kernel)
    pooled, pooled_s = settings.pool(conv), settings.pool(conv_s)
    return ShiftComparison(
        (dy, dx), arr, moved, conv, conv_s, pooled, pooled_s,
        float(_changed(conv, conv_s, atol).mean()), float(_changed(pooled, pooled_s, atol).mean()),
        float(np.abs(conv_s - conv).mean()), float(np.abs(pooled_s - pooled).mean()))


def shift_sweep(x, kernel, settings: PoolSettings, shifts: Sequence[int],
                direction: tuple[int, int] = (0, 1)) -> list[ShiftComparison]:
    """:func:`translation_comparison` for shifts ``k · direction``, ``k`` in ``shifts``."""
    dy, dx = direction
    return [translation_comparison(x, kernel, settings, (k * dy, k * dx)) for k in shifts]


SHIFT_PANELS = ("before", "after", "diff")


def shift_grid_figure(cmp: ShiftComparison, stage: str, *, digits: int = 3,
                      max_cell_px: float = 40,
                      which: Sequence[str] = SHIFT_PANELS) -> go.Figure:
    """Before, after and the changed cells of one stage (``"conv"`` or ``"pool"``).

    The third panel holds ``|after − before|``, with the unchanged cells blank-white.
    ``max_cell_px`` bounds the cell side (larger in presenter mode); ``which`` picks some of
    the panels (a projector shows them one figure each, large).
    """
    if stage == "conv":
        before, after, name = cmp.conv, cmp.conv_shifted, "conv"
        label, changed = "X ⋆ K", cmp.conv_changed
    elif stage == "pool":
        before, after, name = cmp.pooled, cmp.pooled_shifted, "pool"
        label, changed = "pool(X ⋆ K)", cmp.pool_changed
    else:
        raise ValueError(f"stage must be 'conv' or 'pool', not {stage!r}")
    scale = shared_scale(before, after)
    diff = np.abs(after - before)
    if not which or any(w not in SHIFT_PANELS for w in which):
        raise ValueError(f"which must name some of {SHIFT_PANELS}, not {tuple(which)!r}")
    panels = [
        Panel(before, f"<b>{label}</b>", scale=scale, name=f"{name}:before"),
        Panel(after, _("<b>{label}</b> <i>shifted input</i>").format(label=label), scale=scale,
              name=f"{name}:after"),
        Panel(diff, _("<b>|change|</b> <i>{share} of cells</i>").format(share=f"{changed:.0%}"),
              name=f"{name}:diff",
              scale=color_scale_for(np.append(diff, 1e-12))),
    ]
    panels = [panel for panel, key in zip(panels, SHIFT_PANELS, strict=True) if key in which]
    return grid_figure(panels, digits=digits, max_cell_px=max_cell_px)


def shift_bars_figure(sweep: Sequence[ShiftComparison], *, title: str = "",
                      font_px: float = 12) -> go.Figure:
    """Share of output cells changed by a shift of k pixels: convolution vs pooled.

    ``font_px``: the base font; titles, legend and bar labels are sized from it (a projector
    asks for 24).
    """
    k = font_px / 12
    labels = [f"{max(abs(c.shift[0]), abs(c.shift[1]))} px" for c in sweep]
    conv = [100 * c.conv_changed for c in sweep]
    pool = [100 * c.pool_changed for c in sweep]
    fig = go.Figure([
        go.Bar(x=labels, y=conv, name=_("convolution output"), marker_color=CONV_COLOR,
               text=[f"{v:.0f}%" for v in conv], textposition="outside"),
        go.Bar(x=labels, y=pool, name=_("after pooling"), marker_color=POOL_COLOR,
               text=[f"{v:.0f}%" for v in pool], textposition="outside"),
    ])
    fig.update_layout(
        barmode="group", height=round(340 * k), width=round(520 * k), autosize=False,
        margin=dict(l=round(60 * k), r=10, t=round((80 if title else 40) * k),
                    b=round(50 * k)),
        title=dict(text=title, x=0, xanchor="left", y=0.98, yanchor="top",
                   font=dict(size=round(16 * k))) if title else None,
        font=dict(family=SANS, color=TEXT_COLOR, size=round(font_px)),
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0),
        xaxis=dict(title=dict(text=_("shift of the input"), standoff=round(8 * k))),
        yaxis=dict(title=dict(text=_("output cells changed (%)"), standoff=round(8 * k)),
                   range=[0, 115], gridcolor="#e5e7eb", automargin=True))
    return fig


# ------------------------------------------------------------------------------ photos


def pixelated(img, factor: int) -> np.ndarray:
    """Enlarge ``(H, W)`` or ``(C, H, W)`` by repeating each pixel ``factor × factor`` times,
    so a pooled image is shown at its input's size with its blocks visible."""
    arr = np.asarray(img)
    if arr.ndim not in (2, 3):
        raise ValueError(f"pixelated takes (H, W) or (C, H, W), got shape {arr.shape}")
    f = as_tuple(factor, 1, "factor")[0]
    return np.repeat(np.repeat(arr, f, axis=-2), f, axis=-1)


def photo_pooled(img, window: int, kinds: Sequence[str] = ("max", "avg")) -> dict[str, np.ndarray]:
    """The photo pooled with a ``window × window`` window and stride (no padding, floor mode),
    once per kind, plus plain subsampling (``"subsample"``: max pooling with a 1×1 window and
    stride ``window`` over the whole blocks, which keeps the top-left pixel of each block).

    Parameters
    ----------
    img : array_like, (H, W) or (C, H, W), values in [0, 1]
    window : int
    kinds : sequence of {"max", "avg", "lp"}

    Returns
    -------
    dict of str to np.ndarray
        Each ``(..., H // window, W // window)``.
    """
    results = {kind: PoolSettings(kind, (window, window)).pool(img) for kind in kinds}
    h, w = np.shape(img)[-2:]
    whole_blocks = np.asarray(img)[..., : h - h % window, : w - w % window]
    results["subsample"] = PoolSettings("max", (1, 1), stride=(window, window)).pool(
        whole_blocks)
    return results


def image_size_text(img) -> str:
    """``640×480 px`` (width × height, the way photos are described)."""
    h, w = np.shape(img)[-2:]
    return f"{w}×{h} px"


def pooled_row_text(out2d, digits: int = 4) -> str:
    """A small output as nested lists: ``[[4, 5], [7, 8]]``."""
    arr = np.asarray(out2d, dtype=np.float64)
    if arr.ndim == 2:
        return "[" + ", ".join("[" + ", ".join(format_number(v, digits=digits) for v in row)
                               + "]" for row in arr) + "]"
    return "[" + ", ".join(pooled_row_text(a, digits) for a in arr) + "]"
