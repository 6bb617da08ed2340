"""Max, average and Lp pooling, forward and backward, with PyTorch's semantics.

Every function equals its ``torch.nn.functional`` namesake, edge rules included:

* ``stride`` defaults to ``kernel_size``;
* ``padding`` is at most half the window (PyTorch refuses more);
* max pooling never picks a padding cell (PyTorch pads with −∞); a NaN in the window wins,
  and with several NaNs the last one in row-major order is the one whose index is returned;
* with ``ceil_mode`` the last window may hang over the padded input; a window that would
  *start* in the right/bottom padding is dropped, and the overhang is never counted in an
  average, even with ``count_include_pad=True``;
* ``lp_pool2d`` is computed exactly as PyTorch does:
  ``(sign(a)·relu(|a|)·kh·kw)^(1/p)`` with ``a = avg_pool2d(x^p)``.

Inputs may be ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``; the result keeps that rank.
float64 by default (integers and bools are converted), float32 stays float32.

Max pooling loops over the ``kh·kw`` taps of the window: each tap is one strided view of
the (padded) input, combined into the output with ``np.maximum(..., out=)``. Average (and
Lp) pooling is a box sum in two 1-D passes — ``kh`` strided adds down the rows, then ``kw``
across — read straight from the input, so padding costs no copy; in float32 its result
differs from PyTorch's row-major sum only by rounding. Both beat PyTorch's own CPU kernels
(``benchmarks/README.md``, W5).

:func:`pool_window_details` describes one output cell for display:
``max(0, 1, 3, 4) = 4`` or ``(0+1+3+4)/4 = 2``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from convcore.shapes import as_tuple, kernel_span, pool_output_shape
from convcore.trace import Tap, format_number, pool_window_trace

POOL_KINDS = ("max", "avg", "lp")


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class PoolGeometry:
    """Validated pooling settings for one input size.

    Attributes
    ----------
    in_hw, out_hw : (int, int)
        Input and output spatial sizes.
    kernel_size, stride, padding, dilation : (int, int)
        Per axis (height, width); ``padding`` is the same on both sides of an axis.
    ceil_mode : bool
    """

    in_hw: tuple[int, int]
    out_hw: tuple[int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool

    @property
    def span(self) -> tuple[int, int]:
        """Rows and columns one window covers, dilation gaps included."""
        return tuple(kernel_span(k, d) for k, d in zip(self.kernel_size, self.dilation,
                                                        strict=True))

    @property
    def extent(self) -> tuple[int, int]:
        """Size of the padded canvas the windows need (can exceed the padded input in ceil mode)."""
        return tuple(
            max((o - 1) * s + sp, n + p)
            for o, s, sp, n, p in zip(self.out_hw, self.stride, self.span, self.in_hw,
                                      self.padding, strict=True))

    def taps(self) -> Iterator[tuple[int, int]]:
        """Kernel positions ``(a, b)`` in row-major order."""
        kh, kw = self.kernel_size
        for a in range(kh):
            for b in range(kw):
                yield a, b

    def tap_slices(self, a: int, b: int) -> tuple[slice, slice]:
        """Slices of the padded canvas holding tap ``(a, b)`` of every window."""
        (oh, ow), (sh, sw), (dh, dw) = self.out_hw, self.stride, self.dilation
        rows = slice(a * dh, a * dh + (oh - 1) * sh + 1, sh)
        cols = slice(b * dw, b * dw + (ow - 1) * sw + 1, sw)
        return rows, cols

    def window_counts(self, count_include_pad: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per output row and per output column, how many cells PyTorch's average counts.

        The divisor of output cell ``(i, j)`` is ``rows[i] * cols[j]``: padding cells count
        when ``count_include_pad`` is true, the ceil-mode overhang beyond the padded input never.
        """
        counts = []
        for n, o, k, s, p in zip(self.in_hw, self.out_hw, self.kernel_size, self.stride,
                                 self.padding, strict=True):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, n + p)
            if not count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, n)
            counts.append(end - start)
        return counts[0], counts[1]

    def first_input_taps(self) -> tuple[np.ndarray, np.ndarray]:
        """Per output row/column, the first input row/column the window touches.

        PyTorch starts its max search there, so this is the index reported when no cell
        beats −∞ (e.g. a window of −∞ values).
        """
        firsts = []
        for o, s, p, d in zip(self.out_hw, self.stride, self.padding, self.dilation,
                              strict=True):
            start = np.arange(o) * s - p
            skip = np.where(start < 0, -(start // d), 0)  # ceil(-start / d) taps in padding
            firsts.append(start + skip * d)
        return firsts[0], firsts[1]


def pool_geometry(in_hw, kernel_size, stride=None, padding=0, dilation=1,
                  ceil_mode=False) -> PoolGeometry:
    """Validate pooling arguments for an input of spatial size ``in_hw`` (PyTorch's rules).

    Raises
    ------
    TypeError, ValueError
        For non-integer or non-positive sizes, padding more than half the window, or a
        window that does not fit.
    """
    if stride is not None and not isinstance(stride, numbers.Number) and np.ndim(stride) == 1 \
            and len(stride) == 0:
        stride = None  # PyTorch's "stride=[]" means "same as kernel_size"
    if not isinstance(ceil_mode, bool | np.bool_):
        raise TypeError(f"ceil_mode must be True or False, not {ceil_mode!r}")
    out_hw = pool_output_shape(in_hw, kernel_size, stride, padding, dilation, bool(ceil_mode))
    ks = as_tuple(kernel_size, 2, "kernel_size")
    ps = as_tuple(padding, 2, "padding", minimum=0)
    return PoolGeometry(
        in_hw=as_tuple(in_hw, 2, "input size"),
        out_hw=tuple(out_hw),
        kernel_size=ks,
        stride=ks if stride is None else as_tuple(stride, 2, "stride"),
        padding=ps,
        dilation=as_tuple(dilation, 2, "dilation"),
        ceil_mode=bool(ceil_mode),
    )


# --------------------------------------------------------------------------- arrays


def _as_float_array(x, name: str = "x") -> np.ndarray:
    """``x`` as a float array: float32 and float64 kept (float16 becomes float32, as in
    ``conv2d``), integers and bools become float64."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype in (np.float32, np.float64):
            return arr
        return arr.astype(np.float32 if arr.dtype.itemsize < 4 else np.float64)
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values")
    raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")


def _as_planes(x, name: str = "x") -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Reshape an ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` array to ``(P, H, W)`` planes.

    Returns the planes and a function that puts a ``(P, h, w)`` result back in the caller's
    rank.
    """
    arr = _as_float_array(x, name)
    if arr.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must be 2-D (H, W), 3-D (C, H, W) or 4-D (N, C, H, W); got a "
            f"{arr.ndim}-D array of shape {arr.shape}")
    lead = arr.shape[:-2]
    non_batch = arr.shape[1:] if arr.ndim == 4 else arr.shape
    if 0 in non_batch:
        raise ValueError(f"{name} has an empty channel or spatial axis: shape {arr.shape}")
    planes = arr.reshape((-1, *arr.shape[-2:]))

    def restore(result: np.ndarray) -> np.ndarray:
        return result.reshape((*lead, *result.shape[-2:]))

    return planes, restore


def _canvas(planes: np.ndarray, geom: PoolGeometry, fill: float) -> np.ndarray:
    """The planes padded (and extended for the ceil-mode overhang) with ``fill``.

    Returns ``planes`` itself when no window reaches beyond the input.
    """
    (ph, pw), (h, w) = geom.padding, geom.in_hw
    ext_h, ext_w = geom.extent
    if ph == 0 and pw == 0 and ext_h <= h and ext_w <= w:
        return planes
    canvas = np.empty((planes.shape[0], ext_h, ext_w), dtype=planes.dtype)
    canvas[:, :ph] = fill  # write every cell once: the border strips, then the input
    canvas[:, ph + h:] = fill
    canvas[:, ph:ph + h, :pw] = fill
    canvas[:, ph:ph + h, pw + w:] = fill
    canvas[:, ph:ph + h, pw:pw + w] = planes
    return canvas


def _tap_views(canvas: np.ndarray, geom: PoolGeometry) -> Iterator[np.ndarray]:
    for a, b in geom.taps():
        rows, cols = geom.tap_slices(a, b)
        yield canvas[:, rows, cols]


# --------------------------------------------------------------------------- forward


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling, equal to ``torch.nn.functional.max_pool2d``.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit −∞ padding on both sides, at most half the window.
    dilation : int or (int, int)
        Step between the window's cells (1: no gap).
    ceil_mode : bool
        Round the output size up: a last, partial window is added unless it would start in
        the padding.
    return_indices : bool
        Also return where each maximum came from, as flat indices into ``H·W`` (as PyTorch
        does, for ``max_unpool2d``).

    Returns
    -------
    out : ndarray, shape (..., out_h, out_w)
        Same rank and float dtype as ``x``.
    indices : ndarray of int64, same shape as ``out``
        Only when ``return_indices`` is true.

    Examples
    --------
    >>> max_pool2d(np.arange(9.0).reshape(3, 3), 2, stride=1)
    array([[4., 5.],
           [7., 8.]])
    """
    planes, restore = _as_planes(x)
    geom = pool_geometry(planes.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode)
    if return_indices:
        out, indices = _max_with_indices(planes, geom)
        return restore(out), restore(indices)
    return restore(_max_values(planes, geom))


def _max_values(planes: np.ndarray, geom: PoolGeometry, canvas=None) -> np.ndarray:
    canvas = _canvas(planes, geom, -np.inf) if canvas is None else canvas
    views = _tap_views(canvas, geom)
    out = np.array(next(views))
    for view in views:
        np.maximum(out, view, out=out)
    return out


def _max_with_indices(planes: np.ndarray, geom: PoolGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Max values and PyTorch's argmax: the first maximum in row-major order, the last NaN.

    A window whose maximum is −∞ reports its first input cell, as PyTorch does.
    """
    canvas = _canvas(planes, geom, -np.inf)
    best = _max_values(planes, geom, canvas)
    if np.isnan(best).any():
        return _max_with_indices_scan(planes, geom)
    n_taps = math.prod(geom.kernel_size)
    winner = np.zeros(best.shape, dtype=np.uint8 if n_taps <= 256 else np.int32)
    pending = np.ones(best.shape, dtype=bool)
    hit = np.empty(best.shape, dtype=bool)
    for tap, view in enumerate(_tap_views(canvas, geom)):  # the first tap equal to the max wins
        np.equal(view, best, out=hit)
        hit &= pending
        if tap:
            winner += hit.view(np.uint8) * winner.dtype.type(tap)
        pending ^= hit
    kw = geom.kernel_size[1]
    (ph, pw), (dh, dw), w = geom.padding, geom.dilation, geom.in_hw[1]
    taps = np.arange(n_taps)
    tap_offsets = (taps // kw) * dh * w + (taps % kw) * dw
    out_rows = np.arange(geom.out_hw[0]) * geom.stride[0] - ph
    out_cols = np.arange(geom.out_hw[1]) * geom.stride[1] - pw
    indices = (out_rows[:, None] * w + out_cols[None, :]) + tap_offsets[winner]
    minus_inf = best == -np.inf
    if minus_inf.any():
        first_rows, first_cols = geom.first_input_taps()
        first = np.broadcast_to(first_rows[:, None] * w + first_cols[None, :], best.shape)
        indices[minus_inf] = first[minus_inf]
    return best, indices


def _max_with_indices_scan(planes: np.ndarray,
                           geom: PoolGeometry) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's max search tap by tap: strictly greater wins, and so does any NaN."""
    canvas = _canvas(planes, geom, -np.inf)
    (ph, pw), (dh, dw), w = geom.padding, geom.dilation, geom.in_hw[1]
    out_rows = np.arange(geom.out_hw[0]) * geom.stride[0] - ph
    out_cols = np.arange(geom.out_hw[1]) * geom.stride[1] - pw
    first_rows, first_cols = geom.first_input_taps()

    shape = (planes.shape[0], *geom.out_hw)
    best = np.full(shape, -np.inf, dtype=planes.dtype)
    indices = np.empty(shape, dtype=np.int64)
    indices[...] = first_rows[:, None] * w + first_cols[None, :]
    take = np.empty(shape, dtype=bool)
    for (a, b), view in zip(geom.taps(), _tap_views(canvas, geom), strict=True):
        np.greater(view, best, out=take)
        take |= np.isnan(view)
        np.copyto(best, view, where=take)
        tap_index = (out_rows + a * dh)[:, None] * w + (out_cols + b * dw)[None, :]
        np.copyto(indices, tap_index, where=take)
    return best, indices


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling, equal to ``torch.nn.functional.avg_pool2d``.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        Implicit zero padding on both sides, at most half the window.
    ceil_mode : bool
        Round the output size up (see :func:`max_pool2d`). The part of a last window that
        hangs over the padded input is never counted.
    count_include_pad : bool
        Count the padding cells in the divisor (PyTorch's default) or only real input cells.
    divisor_override : int, optional
        Divide every window sum by this number instead.

    Returns
    -------
    ndarray, shape (..., out_h, out_w)
        Same rank and float dtype as ``x``.

    Examples
    --------
    >>> avg_pool2d(np.arange(9.0).reshape(3, 3), 2, stride=1)
    array([[2., 3.],
           [5., 6.]])
    """
    planes, restore = _as_planes(x)
    geom = pool_geometry(planes.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(geom, count_include_pad, divisor_override, planes.dtype)
    sums = _window_sums(planes, geom)
    return restore(np.divide(sums, divisor, out=sums))


def _window_sums(planes: np.ndarray, geom: PoolGeometry) -> np.ndarray:
    """Sum of every window, as a box filter in two 1-D passes: down the rows, then across.

    A kh×kw window sum is the sum over kw columns of kh-row sums, so the two passes cost
    kh + kw strided adds instead of kh·kw, and they read the input directly: padding and the
    ceil-mode overhang add nothing, so no padded copy is made (``_axis_window_sums``).
    The order of the additions differs from PyTorch's row-major one only by rounding;
    :func:`_box_sum_in_order` repeats it for one window.
    """
    (kh, kw), (oh, ow) = geom.kernel_size, geom.out_hw
    (sh, sw), (ph, pw) = geom.stride, geom.padding
    row_sums = _axis_window_sums(planes, 1, oh, kh, sh, ph)
    return _axis_window_sums(row_sums, 2, ow, kw, sw, pw)


def _axis_window_sums(src: np.ndarray, axis: int, n_out: int, k: int, s: int,
                      p: int) -> np.ndarray:
    """Along ``axis`` of ``src``: ``out[i] = sum(src[i·s − p + a] for a in range(k))``,
    counting only indices inside ``src`` (zero padding, ceil-mode overhang).

    One strided slice-add per tap, in tap order, each limited to the outputs whose tap
    lands inside; the first tap is copied rather than added to zeros.
    """
    n_in = src.shape[axis]
    before = (slice(None),) * axis
    shape = list(src.shape)
    shape[axis] = n_out
    out = np.empty(shape, dtype=src.dtype)
    started = False
    for a in range(k):
        lo = max(0, -((a - p) // s))  # first output whose tap a is at an index >= 0
        hi = min(n_out, (n_in - 1 + p - a) // s + 1)  # ... and past the last one < n_in
        if hi <= lo:
            continue
        first = lo * s - p + a
        placed = (*before, slice(lo, hi))
        taken = src[(*before, slice(first, first + (hi - lo - 1) * s + 1, s))]
        if started:
            out[placed] += taken
        else:  # the first tap: copied (0 + v is v), the outputs it misses start at 0
            out[placed] = taken
            out[(*before, slice(0, lo))] = 0
            out[(*before, slice(hi, n_out))] = 0
            started = True
    if not started:
        out[...] = 0
    return out


def _avg_divisor(geom: PoolGeometry, count_include_pad, divisor_override, dtype):
    """The number each window sum is divided by: a scalar, or an ``(out_h, out_w)`` array."""
    if not isinstance(count_include_pad, bool | np.bool_):
        raise TypeError(f"count_include_pad must be True or False, not {count_include_pad!r}")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override,
                                                                numbers.Integral):
            raise TypeError(f"divisor_override must be an integer, not {divisor_override!r}")
        if divisor_override == 0:
            raise ValueError("divisor_override must not be zero")
        return dtype.type(divisor_override)
    rows, cols = geom.window_counts(bool(count_include_pad))
    return (rows[:, None] * cols[None, :]).astype(dtype)


def lp_pool2d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling, equal to ``torch.nn.functional.lp_pool2d``.

    Computed exactly as PyTorch does: ``a = avg_pool2d(x ** p)``, then
    ``(sign(a) · relu(|a|) · kh·kw) ** (1/p)``. For full windows this is
    ``(Σ x^p)^(1/p)`` (p = 2: the L2 norm of the window); a ceil-mode partial window is
    scaled up to ``kh·kw`` cells. Like PyTorch, no absolute value is taken: negative inputs
    with a fractional ``p`` give NaN.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    norm_type : float
        The power ``p``; finite and non-zero.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    ceil_mode : bool

    Returns
    -------
    ndarray, shape (..., out_h, out_w)
    """
    p = _norm_type(norm_type)
    arr = np.ascontiguousarray(_as_float_array(x))
    kh, kw = as_tuple(kernel_size, 2, "kernel_size")
    with np.errstate(all="ignore"):
        averaged = avg_pool2d(np.power(arr, p), kernel_size, stride, 0, ceil_mode)
        return _lp_finish(averaged, p, kh * kw)


def _lp_finish(averaged: np.ndarray, p: float, window_cells: int) -> np.ndarray:
    return np.power(np.sign(averaged) * np.maximum(np.abs(averaged), 0) * window_cells, 1.0 / p)


def _norm_type(norm_type) -> float:
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"norm_type must be a number (the power p), not {norm_type!r}")
    p = float(norm_type)
    if not math.isfinite(p) or p == 0:
        raise ValueError(
            f"norm_type must be a finite, non-zero power, got {norm_type!r} "
            "(for p = ∞ use max pooling)")
    return p


# --------------------------------------------------------------------------- backward


def max_pool2d_backward(x, grad_output, kernel_size, stride=None, padding=0, dilation=1,
                        ceil_mode=False):
    """Gradient of ``max_pool2d`` with respect to its input (PyTorch autograd's result).

    Each output's gradient flows to the cell that won its window (the index
    ``return_indices`` reports); a cell that wins several windows collects them all.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
        The forward input.
    grad_output : array_like, shape of ``max_pool2d(x, ...)``
    kernel_size, stride, padding, dilation, ceil_mode
        As given to :func:`max_pool2d`.

    Returns
    -------
    ndarray, shape of ``x``
    """
    planes, restore = _as_planes(x)
    geom = pool_geometry(planes.shape[-2:], kernel_size, stride, padding, dilation, ceil_mode)
    grad = _grad_planes(grad_output, x, planes, geom, "max_pool2d")
    _, indices = _max_with_indices(planes, geom)
    n_planes, (h, w) = planes.shape[0], geom.in_hw
    valid = (indices >= 0) & (indices < h * w)  # a window of padding only points nowhere
    flat = indices + (np.arange(n_planes) * (h * w))[:, None, None]
    summed = np.bincount(flat[valid], weights=grad[valid], minlength=n_planes * h * w)
    return restore(summed.astype(planes.dtype).reshape(planes.shape))


def avg_pool2d_backward(x, grad_output, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    """Gradient of ``avg_pool2d`` with respect to its input (PyTorch autograd's result).

    Every input cell of a window receives the window's gradient divided by its divisor.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
        The forward input (only its shape and dtype matter).
    grad_output : array_like, shape of ``avg_pool2d(x, ...)``
    kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
        As given to :func:`avg_pool2d`.

    Returns
    -------
    ndarray, shape of ``x``
    """
    planes, restore = _as_planes(x)
    geom = pool_geometry(planes.shape[-2:], kernel_size, stride, padding, 1, ceil_mode)
    grad = _grad_planes(grad_output, x, planes, geom, "avg_pool2d")
    share = grad / _avg_divisor(geom, count_include_pad, divisor_override, planes.dtype)
    (ph, pw), (h, w) = geom.padding, geom.in_hw
    canvas = np.zeros((planes.shape[0], *geom.extent), dtype=planes.dtype)
    for view in _tap_views(canvas, geom):
        view += share  # one tap's cells are distinct, so a strided += is safe
    return restore(np.ascontiguousarray(canvas[:, ph:ph + h, pw:pw + w]))


def _grad_planes(grad_output, x, planes: np.ndarray, geom: PoolGeometry, op: str) -> np.ndarray:
    """``grad_output`` as ``(P, out_h, out_w)`` planes, after checking it has the output's shape."""
    grad = _as_float_array(grad_output, "grad_output").astype(planes.dtype, copy=False)
    expected = (*np.shape(x)[:-2], *geom.out_hw)
    if grad.shape != expected:
        raise ValueError(
            f"grad_output has shape {grad.shape}, but {op} of an input of shape "
            f"{np.shape(x)} gives {expected}: grad_output must have the forward output's shape")
    return grad.reshape((planes.shape[0], *geom.out_hw))


# --------------------------------------------------------------------------- one window


@dataclass(frozen=True)
class PoolCell:
    """One tap of a pooling window, for display.

    Attributes
    ----------
    tap : Tap
        Kernel position, padded and input coordinates, region ("input", "padding",
        "overhang"); see :class:`convcore.trace.Tap`.
    value : float or None
        The input value; for padding the value pooling sees (−∞ for max, 0 for average and
        Lp); ``None`` for the ceil-mode overhang, which pooling never sees.
    counted : bool
        Whether the cell appears in the formula (max: input cells; average: input cells, plus
        padding cells when they count in the divisor; Lp: input cells).
    """

    tap: Tap
    value: float | None
    counted: bool


@dataclass(frozen=True)
class PoolWindowDetails:
    """What one pooling output cell is made of.

    Attributes
    ----------
    kind : {"max", "avg", "lp"}
    i, j : int
        The output cell.
    cells : tuple of PoolCell
        Every tap of the window, row-major.
    values : tuple of float
        The values of the counted cells, in order: what the formula shows.
    winner : (int, int) or None
        Max pooling: the input cell whose value is the result (PyTorch's index); None when
        the window holds no input cell, and for other kinds.
    winner_index : int or None
        The same as a flat index into ``H·W`` (what ``return_indices`` gives).
    divisor : float or None
        Average pooling: the number the sum is divided by. Lp pooling: the number of input
        cells averaged before the rescaling by ``kh·kw``. None for max.
    norm_type : float or None
        Lp pooling's power ``p``.
    window_cells : int
        ``kh·kw``.
    result : float
        The output value, equal to the pooling function's output cell.
    """

    kind: str
    i: int
    j: int
    cells: tuple[PoolCell, ...]
    values: tuple[float, ...]
    winner: tuple[int, int] | None
    winner_index: int | None
    divisor: float | None
    norm_type: float | None
    window_cells: int
    result: float

    def text(self) -> str:
        """The computation on one line: ``max(0, 1, 3, 4) = 4``, ``(0+1+3+4)/4 = 2``,
        ``(0^2+1^2+3^2+4^2)^(1/2) = 5.099``."""
        shown = [format_number(v, parenthesize=True) for v in self.values]
        result = format_number(self.result)
        if self.kind == "max":
            return f"max({', '.join(shown)}) = {result}"
        if self.kind == "avg":
            return f"({'+'.join(shown)})/{format_number(self.divisor)} = {result}"
        p = format_number(self.norm_type)
        total = f"{'+'.join(f'{v}^{p}' for v in shown)}"
        if self.divisor != self.window_cells:
            total = f"({total})×{self.window_cells}/{format_number(self.divisor)}"
        return f"({total})^(1/{p}) = {result}"


def pool_window_details(x2d, i, j, kind="max", kernel_size=2, stride=None, padding=0,
                        dilation=1, ceil_mode=False, count_include_pad=True,
                        divisor_override=None, norm_type=2.0) -> PoolWindowDetails:
    """Describe output cell ``(i, j)`` of pooling the 2-D array ``x2d``.

    Parameters
    ----------
    x2d : array_like, shape (H, W)
    i, j : int
        Output row and column.
    kind : {"max", "avg", "lp"}
    kernel_size, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override
        As for :func:`max_pool2d` / :func:`avg_pool2d` (``dilation`` only for max; Lp pooling
        takes no padding).
    norm_type : float
        Lp pooling's power.

    Returns
    -------
    PoolWindowDetails
        Its ``result`` equals the matching pooling function's output cell exactly.
    """
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {POOL_KINDS}, not {kind!r}")
    arr = _as_float_array(x2d, "x2d")
    if arr.ndim != 2:
        raise ValueError(f"x2d must be a 2-D array (H, W), got shape {arr.shape}")
    if kind != "max" and as_tuple(dilation, 2, "dilation") != (1, 1):
        raise ValueError(f"{kind} pooling has no dilation (only max pooling does)")
    if kind == "lp" and as_tuple(padding, 2, "padding", minimum=0) != (0, 0):
        raise ValueError("Lp pooling takes no padding (PyTorch's lp_pool2d has none)")
    geom = pool_geometry(arr.shape, kernel_size, stride, padding, dilation, ceil_mode)
    trace = pool_window_trace(arr.shape, kernel_size, stride, padding, dilation, ceil_mode)
    taps = tuple(trace.window(i, j))
    if kind == "max":
        return _max_details(arr, trace, i, j, taps)
    divisor = _avg_divisor(geom, count_include_pad if kind == "avg" else True,
                           divisor_override if kind == "avg" else None, arr.dtype)
    divisor = divisor if np.ndim(divisor) == 0 else divisor[i, j]
    if kind == "avg":
        return _avg_details(arr, trace, i, j, taps, divisor,
                            bool(count_include_pad) and divisor_override is None)
    return _lp_details(arr, trace, i, j, taps, divisor, _norm_type(norm_type))


def _value_at(arr: np.ndarray, tap: Tap, padding_value: float):
    if tap.region == "input":
        return arr[tap.input]
    if tap.region == "padding":
        return arr.dtype.type(padding_value)
    return None


def _max_details(arr, trace, i, j, taps) -> PoolWindowDetails:
    w = trace.in_hw[1]
    input_taps = [t for t in taps if t.region == "input"]
    best = arr.dtype.type(-np.inf)
    winner = input_taps[0].input if input_taps else None
    for tap in input_taps:  # PyTorch's scan: strictly greater wins, any NaN wins
        value = arr[tap.input]
        if value > best or np.isnan(value):
            best, winner = value, tap.input
    cells = tuple(PoolCell(t, _as_float(_value_at(arr, t, -np.inf)), t.region == "input")
                  for t in taps)
    return PoolWindowDetails(
        kind="max", i=i, j=j, cells=cells,
        values=tuple(float(arr[t.input]) for t in input_taps),
        winner=winner, winner_index=None if winner is None else winner[0] * w + winner[1],
        divisor=None, norm_type=None, window_cells=len(taps), result=float(best))


def _avg_details(arr, trace, i, j, taps, divisor, pads_counted) -> PoolWindowDetails:
    input_taps = [t for t in taps if t.region == "input"]
    total = _box_sum_in_order(input_taps, np.array([arr[t.input] for t in input_taps],
                                                    dtype=arr.dtype))
    counted = [t for t in taps if t.region == "input" or (pads_counted and
                                                           t.region == "padding")]
    cells = tuple(PoolCell(t, _as_float(_value_at(arr, t, 0.0)), t in counted) for t in taps)
    return PoolWindowDetails(
        kind="avg", i=i, j=j, cells=cells,
        values=tuple(float(_value_at(arr, t, 0.0)) for t in counted),
        winner=None, winner_index=None, divisor=float(divisor), norm_type=None,
        window_cells=len(taps), result=float(total / divisor))


def _box_sum_in_order(taps, values: np.ndarray) -> np.floating:
    """The window's input cells summed as :func:`_window_sums` does, to the last bit:
    down each window column (rows in order), then the column sums left to right.

    ``taps`` are the window's input taps in row-major order, ``values`` their values.
    """
    column_sums: dict[int, np.floating] = {}
    zero = values.dtype.type(0)
    for tap, value in zip(taps, values, strict=True):
        column = tap.input[1]
        column_sums[column] = column_sums.get(column, zero) + value
    total = zero
    for column in sorted(column_sums):
        total = total + column_sums[column]
    return total


def _lp_details(arr, trace, i, j, taps, divisor, p) -> PoolWindowDetails:
    input_taps = [t for t in taps if t.region == "input"]
    values = np.array([arr[t.input] for t in input_taps], dtype=arr.dtype)
    with np.errstate(all="ignore"):
        total = _box_sum_in_order(input_taps, np.power(values, p))
        averaged = np.array([total / divisor], dtype=arr.dtype)
        result = _lp_finish(averaged, p, len(taps))[0]
    cells = tuple(PoolCell(t, _as_float(_value_at(arr, t, 0.0)), t.region == "input")
                  for t in taps)
    return PoolWindowDetails(
        kind="lp", i=i, j=j, cells=cells, values=tuple(float(v) for v in values),
        winner=None, winner_index=None, divisor=float(divisor), norm_type=p,
        window_cells=len(taps), result=float(result))


def _as_float(value) -> float | None:
    return None if value is None else float(value)
