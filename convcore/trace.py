"""The sliding-window trace: which input cells and kernel taps meet in each output cell.

One :class:`WindowTrace` describes the whole mapping of a convolution (or pooling) of a
given geometry; every view of the app — the animation, click-to-inspect, the arithmetic
text — indexes into it instead of recomputing window positions::

    >>> t = window_trace((3, 3), 2)
    >>> t.out_hw
    (2, 2)
    >>> [tap.input for tap in t.window(0, 1)]
    [(0, 1), (0, 2), (1, 1), (1, 2)]
    >>> cell_arithmetic(np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2), 0, 0).text()
    '0×0 + 1×1 + 3×2 + 4×3 = 19'

Coordinates: ``(i, j)`` is an output cell, ``(a, b)`` a kernel tap, ``(r, c)`` an input cell.
"Padded" coordinates count from the top-left corner of the padded input, so the input cell
``(r, c)`` is the padded cell ``(r + pad_top, c + pad_left)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from convcore.padding import PADDING_MODES, pad, resolve_padding
from convcore.shapes import as_tuple, conv_output_shape, kernel_span, pool_output_shape

Pads = tuple[tuple[int, int], tuple[int, int]]


class Tap(NamedTuple):
    """One kernel tap of one window.

    Attributes
    ----------
    kernel : (int, int)
        Kernel position ``(a, b)``.
    padded : (int, int)
        The cell it lands on, in padded coordinates.
    input : (int, int) or None
        The same cell in the original input; None on padding (or the overhang).
    region : {"input", "padding", "overhang"}
        "overhang": beyond the padded input (only a ceil-mode pooling window can get there).
    """

    kernel: tuple[int, int]
    padded: tuple[int, int]
    input: tuple[int, int] | None
    region: str

    @property
    def is_padding(self) -> bool:
        """True when the tap is not on an input cell."""
        return self.input is None


@dataclass(frozen=True, eq=False)
class WindowTrace:
    """Where every window of a 2-D convolution or pooling lies.

    Attributes
    ----------
    in_hw : (int, int)
        Input height and width.
    kernel_size, stride, dilation : (int, int)
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))``.
    padded_hw : (int, int)
        ``(H + top + bottom, W + left + right)``.
    out_hw : (int, int)
        Output height and width.
    ceil_mode : bool
        True only for a ceil-mode pooling trace, whose last window may hang over the padded
        input.

    The per-tap arrays below have shape ``(out_h, out_w, kh, kw)`` and are computed on first
    use (read-only): ``padded_rows``, ``padded_cols``, ``input_rows``, ``input_cols``,
    ``is_padding``, ``is_overhang``.
    """

    in_hw: tuple[int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: Pads
    padded_hw: tuple[int, int]
    out_hw: tuple[int, int]
    ceil_mode: bool = False

    @classmethod
    def for_pool(cls, in_hw, kernel_size, stride=None, padding=0, dilation=1,
                 ceil_mode=False) -> WindowTrace:
        """The trace of a pooling layer; see :func:`pool_window_trace`."""
        return pool_window_trace(in_hw, kernel_size, stride, padding, dilation, ceil_mode)

    # ------------------------------------------------------------------ per-axis helpers

    @property
    def kernel_span(self) -> tuple[int, int]:
        """Rows and columns one window covers, dilation gaps included."""
        return tuple(kernel_span(k, d) for k, d in zip(self.kernel_size, self.dilation,
                                                        strict=True))

    def _axis_taps(self, axis: int) -> np.ndarray:
        """``(out, k)`` padded positions of every window's taps along one axis."""
        starts = np.arange(self.out_hw[axis]) * self.stride[axis]
        offsets = np.arange(self.kernel_size[axis]) * self.dilation[axis]
        return starts[:, None] + offsets[None, :]

    # ------------------------------------------------------------------ per-tap arrays

    @cached_property
    def padded_rows(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` padded row of every tap (a read-only broadcast view)."""
        rows = self._axis_taps(0)
        return np.broadcast_to(rows[:, None, :, None], self._tap_shape)

    @cached_property
    def padded_cols(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` padded column of every tap (a read-only broadcast view)."""
        cols = self._axis_taps(1)
        return np.broadcast_to(cols[None, :, None, :], self._tap_shape)

    @cached_property
    def input_rows(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` input row of every tap, −1 off the input."""
        return self._input_coords(self.padded_rows - self.pads[0][0])

    @cached_property
    def input_cols(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` input column of every tap, −1 off the input."""
        return self._input_coords(self.padded_cols - self.pads[1][0])

    @cached_property
    def is_padding(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` True where the tap lies on padding (not the overhang)."""
        return self._frozen(~self._on_input & ~self.is_overhang)

    @cached_property
    def is_overhang(self) -> np.ndarray:
        """``(out_h, out_w, kh, kw)`` True where a ceil-mode window hangs past the padding."""
        beyond = (self.padded_rows >= self.padded_hw[0]) | (self.padded_cols >= self.padded_hw[1])
        return self._frozen(beyond)

    @property
    def _tap_shape(self) -> tuple[int, int, int, int]:
        return (*self.out_hw, *self.kernel_size)

    @cached_property
    def _on_input(self) -> np.ndarray:
        rows = self.padded_rows - self.pads[0][0]
        cols = self.padded_cols - self.pads[1][0]
        h, w = self.in_hw
        return (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)

    def _input_coords(self, coords: np.ndarray) -> np.ndarray:
        return self._frozen(np.where(self._on_input, coords, -1))

    @staticmethod
    def _frozen(arr: np.ndarray) -> np.ndarray:
        arr.flags.writeable = False
        return arr

    # ------------------------------------------------------------------ queries

    def window(self, i: int, j: int) -> list[Tap]:
        """The taps of output cell ``(i, j)``, row-major over the kernel."""
        self._check_output_cell(i, j)
        return [self._tap(i, j, a, b)
                for a in range(self.kernel_size[0]) for b in range(self.kernel_size[1])]

    def _tap(self, i: int, j: int, a: int, b: int) -> Tap:
        r = i * self.stride[0] + a * self.dilation[0]
        c = j * self.stride[1] + b * self.dilation[1]
        r_in, c_in = r - self.pads[0][0], c - self.pads[1][0]
        if 0 <= r_in < self.in_hw[0] and 0 <= c_in < self.in_hw[1]:
            return Tap((a, b), (r, c), (r_in, c_in), "input")
        region = "overhang" if r >= self.padded_hw[0] or c >= self.padded_hw[1] else "padding"
        return Tap((a, b), (r, c), None, region)

    def window_box(self, i: int, j: int) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` of output cell ``(i, j)``'s window, inclusive, in
        padded coordinates: the rectangle to draw (dilation gaps included)."""
        self._check_output_cell(i, j)
        top, left = i * self.stride[0], j * self.stride[1]
        span_h, span_w = self.kernel_span
        return top, left, top + span_h - 1, left + span_w - 1

    def outputs_fed_by(self, r: int, c: int) -> list[tuple[int, int, int, int]]:
        """Every ``(i, j, a, b)`` where input cell ``(r, c)`` meets kernel tap ``(a, b)`` in
        output cell ``(i, j)``, sorted. The inverse of :meth:`window`."""
        h, w = self.in_hw
        if not (_is_index(r) and _is_index(c) and 0 <= r < h and 0 <= c < w):
            raise ValueError(f"input cell ({r}, {c}) is outside the {h}×{w} input")
        rows = self._meetings(r + self.pads[0][0], axis=0)
        cols = self._meetings(c + self.pads[1][0], axis=1)
        return sorted((i, j, a, b) for i, a in rows for j, b in cols)

    def _meetings(self, padded: int, axis: int) -> list[tuple[int, int]]:
        """``(output index, kernel index)`` pairs whose tap lands on ``padded`` along an axis."""
        s, d = self.stride[axis], self.dilation[axis]
        pairs = []
        for k in range(self.kernel_size[axis]):
            start = padded - k * d
            if start >= 0 and start % s == 0 and start // s < self.out_hw[axis]:
                pairs.append((start // s, k))
        return pairs

    def steps(self) -> list[tuple[int, int]]:
        """Output cells in the order the window visits them (row-major)."""
        return [(i, j) for i in range(self.out_hw[0]) for j in range(self.out_hw[1])]

    def unreached_input_cells(self) -> np.ndarray:
        """``(H, W)`` bool mask of the input cells no window tap lands on.

        Cells dropped because the stride does not divide the padded size evenly, and cells
        skipped by dilation gaps.
        """
        reached = []
        for axis in (0, 1):
            hit = np.zeros(self.in_hw[axis], dtype=bool)
            coords = self._axis_taps(axis).ravel() - self.pads[axis][0]
            hit[coords[(coords >= 0) & (coords < self.in_hw[axis])]] = True
            reached.append(hit)
        return ~(reached[0][:, None] & reached[1][None, :])

    def _check_output_cell(self, i: int, j: int) -> None:
        oh, ow = self.out_hw
        if not (_is_index(i) and _is_index(j) and 0 <= i < oh and 0 <= j < ow):
            raise ValueError(f"output cell ({i}, {j}) is outside the {oh}×{ow} output")


def _is_index(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _in_hw(in_hw) -> tuple[int, int]:
    if not isinstance(in_hw, int | np.integer) and len(tuple(in_hw)) != 2:
        raise ValueError(f"the trace is 2-D: in_hw must be (H, W), got {in_hw!r}")
    return as_tuple(in_hw, 2, "input size")


def window_trace(in_hw, kernel_size, stride=1, padding=0, dilation=1) -> WindowTrace:
    """The sliding-window trace of a 2-D convolution.

    Parameters
    ----------
    in_hw : (int, int)
        Input height and width.
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), ((top, bottom), (left, right)), "valid", "same" or "full"
        Every form ``conv2d`` accepts.

    Returns
    -------
    WindowTrace

    Raises
    ------
    ValueError, TypeError
        As ``conv2d`` would for these settings (e.g. a kernel larger than the padded input).
    """
    hw = _in_hw(in_hw)
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    pads = resolve_padding(padding, ks, stride=ss, dilation=ds, ndim=2)
    out_hw = conv_output_shape(hw, ks, ss, pads, ds)
    return WindowTrace(hw, ks, ss, ds, pads, _padded_hw(hw, pads), tuple(out_hw))


def pool_window_trace(in_hw, kernel_size, stride=None, padding=0, dilation=1,
                      ceil_mode=False) -> WindowTrace:
    """The sliding-window trace of a 2-D pooling layer (PyTorch's rules).

    ``stride`` defaults to ``kernel_size``; ``padding`` is an int or ``(ph, pw)``, at most half
    the window. With ``ceil_mode`` the last window may hang over the padded input; those taps
    are marked ``is_overhang`` (region "overhang").
    """
    hw = _in_hw(in_hw)
    out_hw = pool_output_shape(hw, kernel_size, stride, padding, dilation, bool(ceil_mode))
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ss = ks if stride is None else as_tuple(stride, 2, "stride")
    ps = as_tuple(padding, 2, "padding", minimum=0)
    pads = ((ps[0], ps[0]), (ps[1], ps[1]))
    return WindowTrace(hw, ks, ss, as_tuple(dilation, 2, "dilation"), pads,
                       _padded_hw(hw, pads), tuple(out_hw), bool(ceil_mode))


def _padded_hw(hw, pads) -> tuple[int, int]:
    return tuple(n + before + after for n, (before, after) in zip(hw, pads, strict=True))


# --------------------------------------------------------------------------- arithmetic


def format_number(value, *, parenthesize: bool = False, digits: int = 4) -> str:
    """A number as the app prints it: integers as integers, others to ``digits`` significant
    digits; ``−`` for minus; negative numbers in parentheses when ``parenthesize``.

    >>> format_number(19.0), format_number(1 / 3), format_number(-2, parenthesize=True)
    ('19', '0.3333', '(−2)')
    """
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        text = "∞"
    elif v.is_integer() and abs(v) < 1e15:
        text = str(abs(int(v)))
    else:
        text = f"{abs(v):.{digits}g}"
    if v < 0:
        text = f"−{text}"
        return f"({text})" if parenthesize else text
    return text


class Term(NamedTuple):
    """One product of a convolution window.

    Attributes
    ----------
    value : float
        The input value the tap sees (0 on zero padding; the mirrored/repeated/wrapped value
        under the other padding modes).
    weight : float
        The kernel value.
    product : float
        ``value * weight``.
    kernel : (int, int)
        Kernel position ``(a, b)``.
    input : (int, int) or None
        Input cell under the tap; None on padding.
    is_padding : bool
    source : (int, int) or None
        The input cell ``value`` was copied from: ``input`` itself, the cell a non-zero
        padding mode copies, or None on zero padding.
    channel : int
        Input channel (0 for a 2-D input).
    """

    value: float
    weight: float
    product: float
    kernel: tuple[int, int]
    input: tuple[int, int] | None
    is_padding: bool
    source: tuple[int, int] | None
    channel: int = 0


@dataclass(frozen=True)
class CellArithmetic:
    """The sum behind one convolution output cell.

    Attributes
    ----------
    i, j : int
        The output cell.
    terms : tuple of Term
        Channel by channel, then row-major over the kernel.
    bias : float
    total : float
        ``bias + Σ products`` (the products added in order).
    channels : int
        Number of input channels (1 for a 2-D input).
    """

    i: int
    j: int
    terms: tuple[Term, ...]
    bias: float
    total: float
    channels: int = 1

    def text(self) -> str:
        """``0×0 + 1×1 + 3×2 + 4×3 = 19`` (each channel in parentheses when there are several;
        `` + bias`` when it is not zero)."""
        return _arithmetic_text(self.terms, self.channels, self.bias, self.total)


def _arithmetic_text(terms, channels: int, bias: float, total: float) -> str:
    groups = []
    for channel in range(channels):
        products = [f"{format_number(t.value, parenthesize=True)}×"
                    f"{format_number(t.weight, parenthesize=True)}"
                    for t in terms if t.channel == channel]
        group = " + ".join(products)
        groups.append(f"({group})" if channels > 1 else group)
    text = " + ".join(groups)
    if bias != 0:
        text += f" + {format_number(bias, parenthesize=True)}"
    return f"{text} = {format_number(total)}"


def cell_arithmetic(x, kernel, i, j, *, stride=1, padding=0, dilation=1, bias=0.0,
                    padding_mode="zeros") -> CellArithmetic:
    """The terms of output cell ``(i, j)`` of ``conv2d(x, kernel)``.

    Parameters
    ----------
    x : array_like, shape (H, W) or (C, H, W)
    kernel : array_like, shape (kh, kw) or (C, kh, kw)
        One output channel's weights (same number of channels as ``x``).
    i, j : int
        Output row and column.
    stride, padding, dilation, padding_mode
        As for ``conv2d``.
    bias : float

    Returns
    -------
    CellArithmetic
        Its ``total`` equals ``conv2d``'s output cell (up to rounding of the summation
        order for non-integer data; exactly for integer-valued data).
    """
    xs, ks = _channels(x, "x"), _channels(kernel, "kernel")
    if xs.shape[0] != ks.shape[0]:
        raise ValueError(f"x has {xs.shape[0]} channel(s) but the kernel has {ks.shape[0]}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, not {padding_mode!r}")
    bias_value = _real(bias, "bias")
    trace = window_trace(xs.shape[1:], ks.shape[1:], stride, padding, dilation)
    sources = _padding_sources(trace, padding_mode)
    terms = []
    for channel in range(xs.shape[0]):
        for tap in trace.window(i, j):
            source = tap.input if tap.input is not None else sources(tap.padded)
            value = 0.0 if source is None else float(xs[channel][source])
            weight = float(ks[channel][tap.kernel])
            terms.append(Term(value, weight, value * weight, tap.kernel, tap.input,
                              tap.input is None, source, channel))
    total = 0.0
    for term in terms:
        total += term.product
    return CellArithmetic(i, j, tuple(terms), bias_value, total + bias_value, xs.shape[0])


def _channels(arr, name: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty 2-D (H, W) or 3-D (C, H, W) array, "
                         f"got shape {a.shape}")
    return a.astype(np.float64)


def _real(value, name: str) -> float:
    if isinstance(value, bool | str | bytes) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, not {value!r}") from None


def _padding_sources(trace: WindowTrace, mode: str):
    """A function from a padded cell to the input cell its value comes from (None: zero)."""
    if mode == "zeros":
        return lambda padded: None
    # Padding modes act on each axis independently, so padding the coordinates tells where
    # every padded row and column copies its values from.
    row_of = pad(np.arange(trace.in_hw[0]), (trace.pads[0],), mode)
    col_of = pad(np.arange(trace.in_hw[1]), (trace.pads[1],), mode)
    return lambda padded: (int(row_of[padded[0]]), int(col_of[padded[1]]))


# --------------------------------------------------------------------------- 1-D


class Tap1d(NamedTuple):
    """One kernel tap of one 1-D window (:class:`Tap` with one coordinate).

    Attributes
    ----------
    kernel : int
        Kernel position ``a``.
    padded : int
        The cell it lands on, counted from the left end of the padded signal.
    input : int or None
        The same cell in the original signal; None on padding.
    region : {"input", "padding"}
    """

    kernel: int
    padded: int
    input: int | None
    region: str

    @property
    def is_padding(self) -> bool:
        """True when the tap is not on a signal cell."""
        return self.input is None


def resolve_padding_1d(padding, kernel_size, *, stride=1, dilation=1) -> tuple[int, int]:
    """``(left, right)`` padding of a 1-D convolution.

    Parameters
    ----------
    padding : int, (left, right), ((left, right),), "valid", "same" or "full"
        Every form :func:`convcore.conv1d` accepts, plus a bare ``(left, right)`` pair —
        ``(span − 1, 0)`` is a causal convolution. Pass ``padding=(pads,)`` to ``conv1d``.
    kernel_size, stride, dilation : int
    """
    if isinstance(padding, list | tuple) and len(padding) == 2:
        padding = (tuple(padding),)
    ((left, right),) = resolve_padding(padding, kernel_size, stride=stride, dilation=dilation,
                                       ndim=1)
    return left, right


@dataclass(frozen=True, eq=False)
class WindowTrace1d:
    """Where every window of a 1-D convolution lies: the 2-D trace of a ``1×L`` input, read
    along its one row.

    Attributes
    ----------
    length, kernel_size, stride, dilation : int
    pads : (int, int)
        ``(left, right)``.
    padded_length, out_length : int
    as_2d : WindowTrace
        The same geometry as a 2-D trace on a ``(1, length)`` input.

    The per-tap arrays have shape ``(out_length, kernel_size)`` (read-only):
    ``padded_positions``, ``input_positions`` (−1 off the signal) and ``is_padding``.
    """

    length: int
    kernel_size: int
    stride: int
    dilation: int
    pads: tuple[int, int]
    padded_length: int
    out_length: int
    as_2d: WindowTrace

    @property
    def kernel_span(self) -> int:
        """Cells one window covers, dilation gaps included."""
        return kernel_span(self.kernel_size, self.dilation)

    @cached_property
    def padded_positions(self) -> np.ndarray:
        """``(out_length, kernel_size)`` padded position of every tap."""
        return self.as_2d.padded_cols[0, :, 0, :]

    @cached_property
    def input_positions(self) -> np.ndarray:
        """``(out_length, kernel_size)`` signal position of every tap, −1 on padding."""
        return self.as_2d.input_cols[0, :, 0, :]

    @cached_property
    def is_padding(self) -> np.ndarray:
        """``(out_length, kernel_size)`` True where the tap lies on padding."""
        return self.as_2d.is_padding[0, :, 0, :]

    def window(self, i: int) -> list[Tap1d]:
        """The taps of output cell ``i``, left to right."""
        self._check_output_cell(i)
        return [Tap1d(tap.kernel[1], tap.padded[1],
                      None if tap.input is None else tap.input[1], tap.region)
                for tap in self.as_2d.window(0, i)]

    def window_box(self, i: int) -> tuple[int, int]:
        """``(left, right)`` of output cell ``i``'s window, inclusive, in padded positions."""
        self._check_output_cell(i)
        _, left, _, right = self.as_2d.window_box(0, i)
        return left, right

    def outputs_fed_by(self, n: int) -> list[tuple[int, int]]:
        """Every ``(i, a)`` where signal cell ``n`` meets kernel tap ``a`` in output cell
        ``i``, sorted. The inverse of :meth:`window`."""
        if not (_is_index(n) and 0 <= n < self.length):
            raise ValueError(f"signal cell {n} is outside the signal of length {self.length}")
        return [(i, b) for _, i, _, b in self.as_2d.outputs_fed_by(0, n)]

    def steps(self) -> list[int]:
        """Output cells in the order the window visits them."""
        return list(range(self.out_length))

    def unreached_input_cells(self) -> np.ndarray:
        """``(length,)`` bool mask of the signal cells no tap lands on."""
        return self.as_2d.unreached_input_cells()[0]

    def _check_output_cell(self, i: int) -> None:
        if not (_is_index(i) and 0 <= i < self.out_length):
            raise ValueError(f"output cell {i} is outside the output of length "
                             f"{self.out_length}")


def _length(length) -> int:
    if not isinstance(length, int | np.integer) or isinstance(length, bool):
        raise TypeError(f"the signal length must be an integer, not {length!r}")
    (n,) = as_tuple(length, 1, "signal length")
    return n


def window_trace_1d(length, kernel_size, stride=1, padding=0, dilation=1) -> WindowTrace1d:
    """The sliding-window trace of a 1-D convolution.

    Parameters
    ----------
    length : int
        Signal length ``L``.
    kernel_size, stride, dilation : int
    padding : int, (left, right), "valid", "same" or "full"
        See :func:`resolve_padding_1d`.

    Returns
    -------
    WindowTrace1d

    Raises
    ------
    ValueError, TypeError
        As ``conv1d`` would for these settings.

    Examples
    --------
    >>> t = window_trace_1d(5, 2, padding=(1, 0))   # causal: one cell of padding on the left
    >>> t.out_length, [tap.input for tap in t.window(0)]
    (5, [None, 0])
    """
    n = _length(length)
    (k,) = as_tuple(kernel_size, 1, "kernel_size")
    (s,) = as_tuple(stride, 1, "stride")
    (d,) = as_tuple(dilation, 1, "dilation")
    pads = resolve_padding_1d(padding, k, stride=s, dilation=d)
    trace = window_trace((1, n), (1, k), (1, s), ((0, 0), pads), (1, d))
    return WindowTrace1d(n, k, s, d, pads, n + sum(pads), trace.out_hw[1], trace)


class Term1d(NamedTuple):
    """One product of a 1-D convolution window (:class:`Term` with one coordinate).

    Attributes
    ----------
    value, weight, product : float
    kernel : int
    input : int or None
        Signal cell under the tap; None on padding.
    is_padding : bool
    source : int or None
        The signal cell ``value`` was copied from (None on zero padding).
    channel : int
    """

    value: float
    weight: float
    product: float
    kernel: int
    input: int | None
    is_padding: bool
    source: int | None
    channel: int = 0


@dataclass(frozen=True)
class CellArithmetic1d:
    """The sum behind one 1-D convolution output cell.

    Attributes
    ----------
    i : int
        The output cell.
    terms : tuple of Term1d
        Channel by channel, then left to right over the kernel.
    bias, total : float
    channels : int
    """

    i: int
    terms: tuple[Term1d, ...]
    bias: float
    total: float
    channels: int = 1

    def text(self) -> str:
        """``0×1 + 1×(−1) = −1``, as :meth:`CellArithmetic.text`."""
        return _arithmetic_text(self.terms, self.channels, self.bias, self.total)


def cell_arithmetic_1d(x, kernel, i, *, stride=1, padding=0, dilation=1, bias=0.0,
                       padding_mode="zeros") -> CellArithmetic1d:
    """The terms of output cell ``i`` of ``conv1d(x, kernel)``.

    Parameters
    ----------
    x : array_like, shape (L,) or (C, L)
    kernel : array_like, shape (k,) or (C, k)
        One output channel's weights.
    i : int
    stride, dilation, padding_mode, bias
        As for ``conv1d``.
    padding
        See :func:`resolve_padding_1d`.

    Returns
    -------
    CellArithmetic1d
        Computed by :func:`cell_arithmetic` on the ``1×L`` picture of the signal; ``total``
        equals ``conv1d``'s output cell ``i``.

    Examples
    --------
    >>> cell_arithmetic_1d([0, 1, 2, 3], [1, -1], 0).text()
    '0×1 + 1×(−1) = −1'
    """
    xs, ks = _signal_channels(x, "x"), _signal_channels(kernel, "kernel")
    trace = window_trace_1d(xs.shape[-1], ks.shape[-1], stride, padding, dilation)
    cell = cell_arithmetic(xs[:, None, :], ks[:, None, :], 0, i, stride=(1, trace.stride),
                           padding=((0, 0), trace.pads), dilation=(1, trace.dilation),
                           bias=bias, padding_mode=padding_mode)
    terms = tuple(
        Term1d(t.value, t.weight, t.product, t.kernel[1],
               None if t.input is None else t.input[1], t.is_padding,
               None if t.source is None else t.source[1], t.channel)
        for t in cell.terms)
    return CellArithmetic1d(i, terms, cell.bias, cell.total, cell.channels)


def _signal_channels(arr, name: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty 1-D (L,) or 2-D (C, L) array, "
                         f"got shape {a.shape}")
    return a
