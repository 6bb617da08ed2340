"""Convolution forward, true convolution, transposed convolution and backward, in NumPy.

Semantics are PyTorch's (``torch.nn.functional``): layout ``(N, C, *spatial)``, weight
``(out_channels, in_channels / groups, *kernel)``, "convolution" means cross-correlation,
dilation 1 means no gap. One N-dimensional core serves :func:`conv1d`, :func:`conv2d` and
:func:`conv3d`.

How it is computed
------------------
*im2col*: for a block of output rows, all the windows are one strided view of the padded
input (no copy: the window offsets are just strides); copying that view gives the block's
column matrix ``(C/groups · kh·kw, rows · W_out)``, capped at ``COLUMN_BLOCK_BYTES`` so it
stays in cache, and one BLAS matmul with the weight matrix ``(out/groups, C/groups · kh·kw)``
writes the block of output rows in place. The backward pass reuses the same columns:
``grad_weight`` is one matmul with them; ``grad_input`` is either one matmul followed by
``kh·kw`` strided slice-adds (col2im) or, at stride 1 with few output channels, a
correlation of the zero-extended gradient with the flipped kernel. A transposed
convolution is the same computation as ``grad_input``.

*Separable*: a 2-D kernel of 4×4 or more that is an outer product (box and Gaussian blurs:
"sometimes the kernel is separable", Goodfellow 9.8), on a large gray or depthwise input,
is applied as two 1-D passes: kh + kw taps per cell instead of kh·kw.

*FFT*: for other large kernels (about 11×11 and up) on large inputs, stride 1, few
channels, the output is computed block by block with ``numpy.fft.rfftn`` (overlap-save),
which costs the same whatever the kernel size.

``conv2d(..., method=...)`` forces one of these ("im2col", "separable", "fft") or the
plain per-tap sum ("direct": for every kernel tap, one strided view of the padded input
times the tap's weight, added to the output); the default "auto" picks as above, and
:func:`choose_method` says what it picks and why.

Validated geometry is cached per argument set, so small calls (a 28×28 image, the seeds'
examples) cost little more than the arithmetic itself.

The textbook loops these must equal live in :mod:`convcore.reference`.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from convcore.padding import PADDING_MODES, pad, resolve_padding
from convcore.shapes import as_tuple, conv_output_shape, conv_transpose_output_shape

__all__ = [
    "CONV2D_METHODS",
    "METHOD_REASONS",
    "MethodChoice",
    "choose_method",
    "conv1d",
    "conv2d",
    "conv2d_backward",
    "conv3d",
    "conv_transpose2d",
    "convolve2d",
    "corr2d",
]

#: What ``conv2d(..., method=...)`` accepts: "auto" lets convcore choose (see
#: :func:`choose_method`); the others force one way of computing the same result.
CONV2D_METHODS = ("auto", "direct", "im2col", "fft", "separable")

#: Upper bound, in bytes, of one block of the im2col column matrix.
COLUMN_BLOCK_BYTES = 1024 * 1024
#: The separable and FFT paths are only for outputs with at least this many cells per plane.
LARGE_OUTPUT_CELLS = 256 * 256
#: A separable 2-D kernel (rank 1: an outer product, like a box or Gaussian blur) of at
#: least this many taps is applied as two 1-D passes, kh + kw taps instead of kh·kw ...
SEPARABLE_MIN_TAPS = 16
#: ... unless kh + kw exceeds this: then the FFT is cheaper still.
SEPARABLE_MAX_TAPS = 64
#: Upper bound, in bytes, of one block of output rows of the "direct" method.
DIRECT_BLOCK_BYTES = 256 * 1024
#: The FFT path is considered from this many kernel taps (11×11 = 121).
FFT_MIN_TAPS = 100
#: ... when a group has at most this many (output channel, input channel) pairs.
FFT_MAX_CHANNEL_PAIRS = 16
#: Threads for the FFT path's blocks; None: as many as OMP_NUM_THREADS /
#: OPENBLAS_NUM_THREADS / MKL_NUM_THREADS give the BLAS, or 1 when none is set.
FFT_THREADS = None
#: Longest block the FFT path cuts the first spatial axis into (fastest on a 12 MP photo);
#: blocks are also kept under 1/8 of the input plane, to bound the FFT's temporaries.
FFT_BLOCK_LENGTH = 240

AXIS_LETTERS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_ONES = {n: (1,) * n for n in (1, 2, 3)}
_REVERSED = {n: (slice(None, None, -1),) * n for n in (1, 2, 3)}


# --------------------------------------------------------------------------- public API


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           padding_mode="zeros"):
    """1-D cross-correlation, as ``torch.nn.functional.conv1d``.

    Parameters
    ----------
    x : array_like
        ``(N, C, L)``, ``(C, L)``, or ``(L,)`` together with a ``(k,)`` kernel.
    weight : array_like
        ``(out_channels, C / groups, k)``, or ``(k,)`` with a 1-D input.
    bias : array_like, optional
        ``(out_channels,)``.
    stride, dilation : int or tuple of int
    padding : int, tuple, tuple of pairs, or "valid" / "same" / "full"
    groups : int
    padding_mode : {"zeros", "reflect", "replicate", "circular"}

    Returns
    -------
    ndarray
        ``(N, out_channels, L_out)``, ``(out_channels, L_out)`` or ``(L_out,)``: the rank of
        ``x``. float32 when ``x`` and ``weight`` are float32, float64 otherwise.
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, 1,
                 "conv1d")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           padding_mode="zeros", method="auto"):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d`` (+ ``nn.Conv2d``'s padding_mode).

    Parameters
    ----------
    x : array_like
        ``(N, C, H, W)`` or ``(C, H, W)``; or ``(H, W)`` together with a ``(kh, kw)`` kernel.
    weight : array_like
        ``(out_channels, C / groups, kh, kw)``, or ``(kh, kw)`` with a 2-D input.
    bias : array_like, optional
        ``(out_channels,)`` (a scalar or ``(1,)`` with a 2-D kernel).
    stride, dilation : int or (int, int)
    padding : int, (ph, pw), ((top, bottom), (left, right)), or "valid" / "same" / "full"
        "same" follows PyTorch for even kernels: the extra row/column goes bottom/right.
        "full" pads ``kernel_span − 1`` on every side.
    groups : int
        Input and output channels are split into this many independent groups.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        What the padding is filled with, as ``torch.nn.Conv2d``'s ``padding_mode``.
    method : {"auto", "direct", "im2col", "fft", "separable"}
        How the sums are computed; every method gives the same result up to rounding.

        * "auto" (default): the fastest of the three below for these shapes, as
          :func:`choose_method` says (and explains).
        * "direct": the textbook sum, vectorised over the output: for each of the kh·kw
          kernel taps, one strided view of the padded input times the tap's weight is added
          to the output. kh·kw·C multiply-adds per output cell.
        * "im2col": every window copied into a column matrix (one block of output rows at a
          time) and one BLAS matrix product per block; the same multiply-adds as "direct".
        * "fft": cross-correlation as pointwise multiplication of Fourier spectra
          (overlap-save ``numpy.fft.rfftn``, block by block), whose cost does not grow with
          the kernel size. Stride > 1 computes the stride-1 result and keeps every s-th
          cell. A NaN or infinity in the input spreads over its whole FFT block.
        * "separable": every kernel plane ``weight[o, c]`` must be an outer product
          ``column ⊗ row`` (rank 1, like box, Gaussian and Sobel kernels); two 1-D passes,
          kh + kw multiply-adds per cell and channel pair instead of kh·kw.

    Returns
    -------
    ndarray
        ``(N, out_channels, H_out, W_out)``, ``(out_channels, H_out, W_out)`` or
        ``(H_out, W_out)``: the rank of ``x``. float32 when ``x`` and ``weight`` are float32,
        float64 otherwise (integers included).

    Raises
    ------
    ValueError, TypeError
        With a message in the caller's terms for wrong ranks, channel counts, groups, sizes,
        padding, padding modes, bias shapes and non-numeric arrays; a ValueError for an
        unknown ``method`` and for ``method="separable"`` with a kernel that is not an
        outer product (the message gives its rank and singular values).

    Examples
    --------
    >>> conv2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    array([[19., 25.],
           [37., 43.]])
    >>> conv2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]], method="fft").round(9)
    array([[19., 25.],
           [37., 43.]])
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, 2,
                 "conv2d", _method(method))


def conv3d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           padding_mode="zeros"):
    """3-D cross-correlation, as ``torch.nn.functional.conv3d``.

    Parameters
    ----------
    x : array_like
        ``(N, C, D, H, W)`` or ``(C, D, H, W)``; or ``(D, H, W)`` with a ``(kd, kh, kw)``
        kernel.
    weight : array_like
        ``(out_channels, C / groups, kd, kh, kw)``, or ``(kd, kh, kw)`` with a 3-D input.
    bias, stride, padding, dilation, groups, padding_mode
        As :func:`conv2d`, with three spatial axes.

    Returns
    -------
    ndarray
        The rank of ``x``: ``(N, out, D_out, H_out, W_out)``, ``(out, D_out, H_out, W_out)``
        or ``(D_out, H_out, W_out)``.
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, 3,
                 "conv3d")


def corr2d(X, K):
    """The textbook 2-D cross-correlation: ``Y[i, j] = sum(X[i:i+kh, j:j+kw] * K)``.

    The fast equivalent of d2l's ``corr2d`` (see :func:`convcore.reference.corr2d`).

    Parameters
    ----------
    X : array_like, (H, W)
    K : array_like, (kh, kw)

    Returns
    -------
    ndarray, (H − kh + 1, W − kw + 1)

    Examples
    --------
    >>> corr2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    array([[19., 25.],
           [37., 43.]])
    """
    X = _real_array(X, "X")
    K = _real_array(K, "K")
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d takes a 2-D array X and a 2-D kernel K, got shapes "
                         f"{X.shape} and {K.shape}; use conv2d for channels and batches")
    return conv2d(X, K)


def convolve2d(x, k, mode="full"):
    """True 2-D convolution (the kernel flipped), as ``scipy.signal.convolve2d``.

    Parameters
    ----------
    x : array_like, (H, W)
    k : array_like, (kh, kw)
    mode : {"full", "same", "valid"}
        "full": every partial overlap, ``(H + kh − 1, W + kw − 1)``. "same": the size of
        ``x``, centred on the full result (for even kernels the extra cell of padding goes
        top/left, as in MATLAB's ``conv2`` — the opposite of PyTorch's ``padding="same"``).
        "valid": complete overlaps only, ``(H − kh + 1, W − kw + 1)``; as in SciPy, when
        ``k`` is the larger array in both axes the two are swapped (convolution commutes).

    Returns
    -------
    ndarray
        float32 when both inputs are float32, float64 otherwise.
    """
    x = _real_array(x, "x")
    k = _real_array(k, "k")
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"convolve2d takes two 2-D arrays, got shapes {x.shape} and "
                         f"{k.shape}")
    _check_not_empty(x, "x")
    _check_not_empty(k, "k")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}")
    if mode == "valid":
        x_fits_k = all(a >= b for a, b in zip(x.shape, k.shape, strict=True))
        k_fits_x = all(b >= a for a, b in zip(x.shape, k.shape, strict=True))
        if not x_fits_k:
            if not k_fits_x:
                raise ValueError(
                    f"'valid' convolution needs one array at least as large as the other in "
                    f"every axis; got {x.shape} and {k.shape}")
            x, k = k, x
        pads = ((0, 0), (0, 0))
    elif mode == "full":
        pads = tuple((n - 1, n - 1) for n in k.shape)
    else:
        pads = tuple((n - 1 - (n - 1) // 2, (n - 1) // 2) for n in k.shape)
    return conv2d(x, k[::-1, ::-1], padding=pads)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``.

    Every input cell scatters a copy of the kernel, scaled by its value, into the output,
    ``stride`` cells apart; ``padding`` then trims that many cells from every side. It is
    the adjoint (the input gradient) of :func:`conv2d` with the same arguments.

    Parameters
    ----------
    x : array_like
        ``(N, C_in, H, W)`` or ``(C_in, H, W)``; or ``(H, W)`` with a ``(kh, kw)`` kernel.
    weight : array_like
        ``(C_in, out_channels / groups, kh, kw)`` — note the order, as in PyTorch — or
        ``(kh, kw)`` with a 2-D input.
    bias : array_like, optional
        ``(out_channels,)``.
    stride, padding, output_padding, dilation : int or (int, int)
        ``output_padding`` adds cells at the bottom/right (it must be smaller than the
        stride or the dilation): it picks among the input sizes that a strided
        :func:`conv2d` maps to the same output size.
    groups : int

    Returns
    -------
    ndarray
        ``(N, out, H_out, W_out)`` with
        ``H_out = (H − 1)·s − 2·p + d·(kh − 1) + output_padding + 1``; the rank of ``x``.

    Examples
    --------
    >>> conv_transpose2d([[0, 1], [2, 3]], [[0, 1], [2, 3]])
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    return _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation,
                           2, "conv_transpose2d")


def conv2d_backward(x, weight, grad_output, stride=1, padding=0, dilation=1, groups=1,
                    padding_mode="zeros"):
    """Gradients of ``conv2d(x, weight, bias, ...)`` given the gradient of its output.

    Equals PyTorch autograd for ``conv2d`` with the same arguments, non-zero padding modes
    included (the gradient that reaches a padding cell is folded back onto the input cell
    it was copied from).

    Parameters
    ----------
    x, weight, stride, padding, dilation, groups, padding_mode
        As for :func:`conv2d`.
    grad_output : array_like
        dL/d(output), exactly the shape ``conv2d`` returns for these arguments.

    Returns
    -------
    grad_input : ndarray
        dL/dx, the shape of ``x``.
    grad_weight : ndarray
        dL/dweight, the shape of ``weight``.
    grad_bias : ndarray
        dL/dbias, ``(out_channels,)`` (``(1,)`` for a 2-D kernel).

    Examples
    --------
    >>> gx, gw, gb = conv2d_backward([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]],
    ...                              [[1, 1], [1, 1]])
    >>> gw
    array([[ 8., 12.],
           [20., 24.]])
    """
    return _conv_backward(x, weight, grad_output, stride, padding, dilation, groups,
                          padding_mode, 2, "conv2d_backward")


@dataclass(frozen=True)
class MethodChoice:
    """Which method ``conv2d(..., method="auto")`` uses for a case, and why.

    Attributes
    ----------
    method : {"im2col", "fft", "separable"}
    reason : str
        A stable code, one of :data:`METHOD_REASONS` (for an app to word in its language).
    explanation : str
        The reason in one English sentence, with this case's numbers.
    """

    method: str
    reason: str
    explanation: str


#: The reason codes of :class:`MethodChoice`, with the English sentence (a format string
#: over ``cells``, ``taps``, ``kh``, ``kw``, ``pairs``, ``stride`` and the thresholds).
METHOD_REASONS = {
    "small-output": "The output has {cells:,} cells per plane, fewer than {min_cells:,}: one "
                    "im2col matrix product is fastest.",
    "small-kernel": "The kernel has {taps} taps, fewer than {min_separable}: im2col (one "
                    "matrix product per block of output rows) is fastest.",
    "separable-kernel": "The kernel is an outer product of a column and a row (rank 1): two "
                        "1-D passes cost {kh} + {kw} multiply-adds per cell instead of {taps}.",
    "medium-kernel": "The kernel has {taps} taps, fewer than {min_fft}, and is not an outer "
                     "product: im2col beats the FFT's fixed cost.",
    "strided": "Stride {stride}: the FFT would compute every cell and drop most of them; "
               "im2col computes only the cells kept.",
    "many-channels": "{pairs} (output, input) channel pairs per group, more than "
                     "{max_pairs}: im2col's one matrix product handles many channels best.",
    "not-finite": "The input or the kernel holds NaN or infinity, which an FFT would spread "
                  "over a whole block; im2col's sums keep it local.",
    "large-kernel": "{taps} taps (from {min_fft} on) on a large output: the FFT's cost does "
                    "not grow with the kernel, the direct sums' does.",
}


def choose_method(x, weight, stride=1, padding=0, dilation=1, groups=1,
                  padding_mode="zeros") -> MethodChoice:
    """The method ``conv2d(x, weight, ..., method="auto")`` uses, and why.

    Parameters
    ----------
    x : array_like or sequence of int
        The input, or just its shape: ``(N, C, H, W)``, ``(C, H, W)`` or ``(H, W)``. With a
        shape, the input is taken to be finite.
    weight : array_like
        The kernel itself (not only its shape: whether it is an outer product matters).
    stride, padding, dilation, groups, padding_mode
        As for :func:`conv2d`.

    Returns
    -------
    MethodChoice
        ``method`` is what "auto" runs: "separable", "fft" or "im2col" ("direct" is never
        fastest, it is there to compare with).

    Examples
    --------
    >>> choose_method((3000, 4000), np.ones((15, 15))).method
    'separable'
    >>> choose_method((28, 28), np.ones((3, 3))).reason
    'small-output'
    """
    if np.ndim(x) == 1:  # a shape: no 1-D array is a valid conv2d input
        shape = tuple(as_tuple(n, 1, "the input shape")[0] for n in x)
        x = np.broadcast_to(np.zeros((), dtype=_FLOAT64), shape)
        values_known = False
    else:
        values_known = True
    xb, wb, _ = _as_batched(x, weight, 2, "choose_method")
    plan = _conv_plan(xb.shape, wb.shape, stride, padding, dilation, groups, padding_mode, 2)
    method, reason, _ = _auto_method(wb, plan.strides, plan.groups, plan.out_sp,
                                     xb if values_known else None)
    out_channels, channels_per_group = wb.shape[:2]
    numbers = dict(cells=math.prod(plan.out_sp), taps=math.prod(wb.shape[2:]),
                   kh=wb.shape[2], kw=wb.shape[3],
                   pairs=(out_channels // plan.groups) * channels_per_group,
                   stride="×".join(map(str, plan.strides)), min_cells=LARGE_OUTPUT_CELLS,
                   min_separable=SEPARABLE_MIN_TAPS, min_fft=FFT_MIN_TAPS,
                   max_pairs=FFT_MAX_CHANNEL_PAIRS)
    return MethodChoice(method, reason, METHOD_REASONS[reason].format(**numbers))


def _method(method) -> str:
    if not isinstance(method, str) or method not in CONV2D_METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, CONV2D_METHODS))}; "
                         f"got {method!r}")
    return method


def _auto_method(w, strides, groups, out_sp, xp=None):
    """``(method, reason code, separable factors or None)`` for ``method="auto"``.

    ``xp`` is the padded input, or None when only its shape is known (taken as finite).
    """
    out_channels, channels_per_group = w.shape[:2]
    kernel = w.shape[2:]
    taps = math.prod(kernel)
    if math.prod(out_sp) < LARGE_OUTPUT_CELLS:
        return "im2col", "small-output", None
    if taps < SEPARABLE_MIN_TAPS:
        return "im2col", "small-kernel", None
    # A NaN or an infinity would spread over a whole FFT block, and could meet a zero factor
    # in one separable pass and not in the other; the direct sums keep it local.
    finite = bool(np.isfinite(w).all()) and (xp is None or bool(np.isfinite(xp).all()))
    if (finite and len(kernel) == 2 and channels_per_group == 1 and out_channels == groups
            and sum(kernel) <= SEPARABLE_MAX_TAPS):
        factors = _plane_factors(w.reshape(out_channels, *kernel), 16)
        if factors is not None:
            columns, rows = factors
            return "separable", "separable-kernel", (columns[:, None], rows[:, None])
    if taps < FFT_MIN_TAPS:
        return "im2col", "medium-kernel", None
    if any(s != 1 for s in strides):
        return "im2col", "strided", None
    if (out_channels // groups) * channels_per_group > FFT_MAX_CHANNEL_PAIRS:
        return "im2col", "many-channels", None
    if not finite:
        return "im2col", "not-finite", None
    return "fft", "large-kernel", None


# --------------------------------------------------------------------------- arguments

PLAIN, UNBATCHED, BATCHED = 0, 1, 2  # how the caller's arrays map onto (N, C, *spatial)
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


def _real_array(a, name: str) -> np.ndarray:
    """``a`` as an array of real numbers: floats kept, ints and bools made float64."""
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype} "
                    f"(shape {arr.shape})")


def _result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every array is float32 (or narrower), float64 otherwise."""
    for a in arrays:
        if a.dtype.itemsize > 4:
            return _FLOAT64
    return _FLOAT32


def _check_not_empty(arr: np.ndarray, name: str) -> None:
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): every size must be positive")


@dataclass(frozen=True)
class _ShapeNames:
    """Shapes spelled out for messages: "(H, W)", "(C, H, W)", "(kH, kW)", ..."""

    plain: str
    unbatched: str
    batched: str
    kernel: str
    weight: str


def _shape_names(ndim: int, transposed: bool = False) -> _ShapeNames:
    letters = AXIS_LETTERS[ndim]
    sp = ", ".join(letters)
    ks = ", ".join("k" + a for a in letters)
    plain = f"({sp},)" if ndim == 1 else f"({sp})"
    kernel = f"({ks},)" if ndim == 1 else f"({ks})"
    channels = ("in_channels, out_channels/groups" if transposed
                else "out_channels, in_channels/groups")
    return _ShapeNames(plain, f"(C, {sp})", f"(N, C, {sp})", kernel, f"({channels}, {ks})")


def _as_batched(x, weight, ndim: int, name: str, *, transposed: bool = False):
    """Check ranks; return ``x`` as ``(N, C, *sp)``, the weight as ``(O, C/g, *k)``, the rank kind.

    The rank kind (``PLAIN``, ``UNBATCHED`` or ``BATCHED``) tells :func:`_restore` how to
    give a result back in the caller's rank.
    """
    x = _real_array(x, "the input")
    weight = _real_array(weight, "the weight")
    if x.ndim == ndim + 2 and weight.ndim == ndim + 2:
        kind = BATCHED
    elif x.ndim == ndim + 1 and weight.ndim == ndim + 2:
        kind = UNBATCHED
        x = x[np.newaxis]
    elif x.ndim == ndim and weight.ndim == ndim:
        kind = PLAIN
        x = x[np.newaxis, np.newaxis]
        weight = weight[np.newaxis, np.newaxis]
    else:
        _raise_rank_error(x, weight, ndim, name, transposed)
    if x.size == 0:
        raise ValueError(f"the input is empty (shape {_restore_shape(x.shape, kind)}): "
                         "every size must be positive")
    if weight.size == 0:
        raise ValueError(f"the weight is empty (shape {_restore_shape(weight.shape, kind)}): "
                         "every size must be positive")
    return x, weight, kind


def _raise_rank_error(x, weight, ndim, name, transposed):
    names = _shape_names(ndim, transposed)
    if x.ndim not in (ndim, ndim + 1, ndim + 2):
        raise ValueError(f"{name} takes an input of shape {names.batched} or {names.unbatched} "
                         f"(or {names.plain} with a {names.kernel} kernel); got a {x.ndim}-D "
                         f"array of shape {x.shape}")
    if weight.ndim not in (ndim, ndim + 2):
        raise ValueError(f"{name} takes a weight of shape {names.weight} (or {names.kernel} "
                         f"with a {names.plain} input); got a {weight.ndim}-D array of shape "
                         f"{weight.shape}")
    if weight.ndim == ndim:
        raise ValueError(
            f"a {ndim}-D {names.kernel} kernel goes with a {ndim}-D {names.plain} input; for an "
            f"input of shape {x.shape} give the weight as {names.weight} (weight shape "
            f"{weight.shape})")
    raise ValueError(
        f"a {ndim}-D {names.plain} input takes a {names.kernel} kernel; with a weight of shape "
        f"{weight.shape} give the input as {names.unbatched} or {names.batched} (input shape "
        f"{x.shape})")


def _restore(out: np.ndarray, kind: int) -> np.ndarray:
    """A batched ``(N, C, *spatial)`` result back in the caller's rank."""
    if kind == PLAIN:
        return out[0, 0]
    if kind == UNBATCHED:
        return out[0]
    return out


def _restore_shape(shape: tuple[int, ...], kind: int) -> tuple[int, ...]:
    return shape[2:] if kind == PLAIN else shape[1:] if kind == UNBATCHED else shape


def _groups(groups) -> int:
    return as_tuple(groups, 1, "groups")[0]


def _check_channels(x_channels: int, weight_shape: tuple[int, ...], groups: int) -> None:
    out_channels, per_group = weight_shape[0], weight_shape[1]
    if out_channels % groups:
        raise ValueError(f"groups={groups} does not divide the {out_channels} output channels "
                         f"(weight shape {weight_shape})")
    if x_channels % groups:
        raise ValueError(f"groups={groups} does not divide the {x_channels} input channels")
    if x_channels != per_group * groups:
        expected = (f"{per_group}" if groups == 1
                    else f"{per_group} per group × {groups} groups = {per_group * groups}")
        raise ValueError(f"the input has {x_channels} channels but the weight expects "
                         f"{expected} (weight shape {weight_shape})")


def _padding_mode(mode) -> str:
    if not isinstance(mode, str) or mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}; "
                         f"got {mode!r}")
    return mode


def _bias(bias, out_channels: int, dtype, kind: int) -> np.ndarray | None:
    if bias is None:
        return None
    b = _real_array(bias, "the bias")
    if kind == PLAIN and b.shape in ((), (1,)):
        return b.reshape(1).astype(dtype, copy=False)
    if b.shape != (out_channels,):
        raise ValueError(f"the bias must have one value per output channel, shape "
                         f"({out_channels},); got shape {b.shape}")
    return b.astype(dtype, copy=False)


def _add_bias(out: np.ndarray, bias: np.ndarray | None) -> None:
    if bias is not None:
        out += bias.reshape((1, -1) + (1,) * (out.ndim - 2))


@dataclass(frozen=True, slots=True)
class _ConvPlan:
    """A convolution's validated geometry (everything but the numbers)."""

    groups: int
    mode: str
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    out_sp: tuple[int, ...]
    padded: bool  # any padding at all


def _is_plain(value) -> bool:
    """True for ints (not bools), strings and nested tuples of them: safe cache keys."""
    kind = type(value)
    if kind is int or kind is str:
        return True
    if kind is not tuple:
        return False
    for item in value:  # a loop: cheaper than all() over a generator, on every call
        if not _is_plain(item):
            return False
    return True


def _conv_plan(in_shape, weight_shape, stride, padding, dilation, groups, padding_mode, ndim):
    """Validate a convolution's arguments against the shapes: a :class:`_ConvPlan`.

    Plain arguments (ints, strings, tuples of them) are answered from a cache: the shape
    arithmetic costs more than a small convolution does.
    """
    if _is_plain((stride, padding, dilation, groups, padding_mode)):
        return _conv_plan_cached(in_shape, weight_shape, stride, padding, dilation, groups,
                                 padding_mode, ndim)
    return _conv_plan_uncached(in_shape, weight_shape, stride, padding, dilation, groups,
                               padding_mode, ndim)


def _conv_plan_uncached(in_shape, weight_shape, stride, padding, dilation, groups,
                        padding_mode, ndim):
    groups = _groups(groups)
    _check_channels(in_shape[1], weight_shape, groups)
    mode = _padding_mode(padding_mode)
    kernel = weight_shape[2:]
    strides = as_tuple(stride, ndim, "stride")
    dilations = as_tuple(dilation, ndim, "dilation")
    pads = resolve_padding(padding, kernel, stride=strides, dilation=dilations, ndim=ndim)
    out_sp = conv_output_shape(in_shape[2:], kernel, strides, pads, dilations)
    padded = any(before or after for before, after in pads)
    return _ConvPlan(groups, mode, strides, dilations, pads, out_sp, padded)


_conv_plan_cached = functools.lru_cache(maxsize=256)(_conv_plan_uncached)


# --------------------------------------------------------------------------- forward


def _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, ndim, name,
          method="auto"):
    xb, wb, kind = _as_batched(x, weight, ndim, name)
    dtype = _result_dtype(xb, wb)
    xb = xb.astype(dtype, copy=False)
    wb = wb.astype(dtype, copy=False)
    plan = _conv_plan(xb.shape, wb.shape, stride, padding, dilation, groups, padding_mode,
                      ndim)
    bias_arr = _bias(bias, wb.shape[0], dtype, kind)
    if method == "separable":
        factors = _rank_one_factors(wb)  # checked before any work is done
    xp = pad(xb, plan.pads, plan.mode) if plan.padded else xb
    if method == "auto":
        out = _correlate(xp, wb, plan.strides, plan.dilations, plan.groups, plan.out_sp)
    elif method == "direct":
        out = _correlate_direct(xp, wb, plan.strides, plan.dilations, plan.groups,
                                plan.out_sp)
    elif method == "im2col":
        out = _correlate_im2col(xp, wb, plan.strides, plan.dilations, plan.groups,
                                plan.out_sp)
    elif method == "fft":
        out = _correlate_fft_strided(xp, wb, plan.strides, plan.dilations, plan.groups,
                                     plan.out_sp)
    else:
        out = _correlate_separable(xp, *factors, plan.strides, plan.dilations, plan.groups,
                                   plan.out_sp)
    _add_bias(out, bias_arr)
    return _restore(out, kind)


def _correlate(xp, w, strides, dilations, groups, out_sp):
    """Cross-correlate a padded ``(N, C, *sp)`` input with ``(O, C/g, *k)``: ``(N, O, *out)``.

    The method is the one :func:`choose_method` explains (``_auto_method`` decides for both).
    """
    method, _, factors = _auto_method(w, strides, groups, out_sp, xp)
    if method == "separable":
        return _correlate_separable(xp, *factors, strides, dilations, groups, out_sp)
    if method == "fft":
        return _correlate_fft(xp, w, dilations, groups, out_sp)
    return _correlate_im2col(xp, w, strides, dilations, groups, out_sp)


def _block_rows(column_rows: int, row_cells: int, itemsize: int, total_rows: int,
                block_bytes: int) -> int:
    """Output rows per block so that a block of columns stays under ``block_bytes``."""
    per_row = column_rows * row_cells * itemsize
    return max(1, min(total_rows, block_bytes // per_row))


@dataclass(frozen=True, slots=True)
class _ColumnLayout:
    """Where the windows of a C-contiguous padded input sit in memory, and how to block them.

    For sample ``n``, channels ``c0 .. c0 + channels − 1`` and output rows
    ``r0 .. r0 + rows − 1``, :meth:`view` is the array ``V`` of shape
    ``(channels, *kernel, rows, *out_sp[1:])`` with
    ``V[c, *tap, r, *j] = xp[n, c0 + c, tap·d + (r0 + r)·s, *(tap'·d' + j·s')]``: every window
    of the block, without a copy. Copied into a buffer it is the block's im2col matrix,
    ``(channels · taps, rows · row_cells)``.
    """

    kernel: tuple[int, ...]
    rest: tuple[int, ...]  # output sizes after the first spatial axis
    row_cells: int  # output cells per output row: prod(rest)
    column_rows: int  # channels per group × taps
    rows_per_block: int
    sample_step: int  # byte strides
    channel_step: int
    row_step: int
    tail_strides: tuple[int, ...]

    def view(self, xp: np.ndarray, n: int, c0: int, channels: int, r0: int,
             rows: int) -> np.ndarray:
        offset = n * self.sample_step + c0 * self.channel_step + r0 * self.row_step
        return np.ndarray((channels, *self.kernel, rows, *self.rest), xp.dtype, xp, offset,
                          (self.channel_step, *self.tail_strides))

    def block(self, xp, n, c0, channels, r0, rows, buffer) -> np.ndarray:
        """The block's im2col matrix, copied into ``buffer`` (or a new array if None)."""
        view = self.view(xp, n, c0, channels, r0, rows)
        if buffer is None:
            return view.reshape(-1, rows * self.row_cells)
        dest = buffer[:view.size].reshape(view.shape)
        np.copyto(dest, view)
        return dest.reshape(-1, rows * self.row_cells)


@functools.lru_cache(maxsize=256)
def _column_layout(padded_shape, itemsize, kernel, strides, dilations, out_sp, channels,
                   block_bytes):
    # Byte strides of a C-contiguous array, from its shape (NumPy may report any stride
    # for an axis of length 1).
    steps = [itemsize]
    for n in reversed(padded_shape[1:]):
        steps.append(steps[-1] * n)
    sample_step, channel_step, *spatial_steps = reversed(steps)
    row_step = strides[0] * spatial_steps[0]
    tail_strides = (
        *(d * step for d, step in zip(dilations, spatial_steps, strict=True)),
        row_step,
        *(s * step for s, step in zip(strides[1:], spatial_steps[1:], strict=True)),
    )
    rest = tuple(out_sp[1:])
    row_cells = math.prod(rest)
    column_rows = channels * math.prod(kernel)
    rows_per_block = _block_rows(column_rows, row_cells, itemsize, out_sp[0], block_bytes)
    return _ColumnLayout(tuple(kernel), rest, row_cells, column_rows, rows_per_block,
                         sample_step, channel_step, row_step, tail_strides)


def _matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    # np.dot has less call overhead than np.matmul but wants a C-contiguous ``out``.
    if out.flags.c_contiguous:
        np.dot(a, b, out=out)
    else:
        np.matmul(a, b, out=out)


def _correlate_im2col(xp, w, strides, dilations, groups, out_sp):
    """im2col + one matmul per block of output rows (see the module docstring)."""
    xp = np.ascontiguousarray(xp)
    n_samples = xp.shape[0]
    out_channels, channels_per_group = w.shape[:2]
    out_per_group = out_channels // groups
    out = np.empty((n_samples, out_channels, *out_sp), dtype=xp.dtype)
    out_flat = out.reshape(n_samples, out_channels, -1)
    w_mat = w.reshape(groups, out_per_group, -1)
    layout = _column_layout(xp.shape, xp.itemsize, w.shape[2:], strides, dilations, out_sp,
                            channels_per_group, COLUMN_BLOCK_BYTES)
    if layout.column_rows == channels_per_group and xp.shape[2:] == out_sp:
        # A 1×1 kernel at stride 1 needs no columns: the input already is the matrix.
        x_mat = xp.reshape(n_samples, groups, channels_per_group, -1)
        for n in range(n_samples):
            for g in range(groups):
                _matmul_into(w_mat[g], x_mat[n, g],
                             out_flat[n, g * out_per_group:(g + 1) * out_per_group])
        return out
    rows_per_block = layout.rows_per_block
    row_cells = layout.row_cells
    one_block = rows_per_block >= out_sp[0]
    if one_block and n_samples == 1 and groups == 1:
        # The common small case, without the loops: one copy, one matmul.
        cols = layout.block(xp, 0, 0, channels_per_group, 0, out_sp[0], None)
        np.dot(w_mat[0], cols, out=out_flat[0])
        return out
    # One block: let reshape make the (only) copy; several: reuse one buffer.
    buffer = None if one_block else np.empty(
        layout.column_rows * rows_per_block * row_cells, dtype=xp.dtype)
    for n in range(n_samples):
        for g in range(groups):
            out_g = out_flat[n, g * out_per_group:(g + 1) * out_per_group]
            for r0 in range(0, out_sp[0], rows_per_block):
                rows = min(rows_per_block, out_sp[0] - r0)
                cols = layout.block(xp, n, g * channels_per_group, channels_per_group, r0,
                                    rows, buffer)
                _matmul_into(w_mat[g], cols, out_g[:, r0 * row_cells:(r0 + rows) * row_cells])
    return out


# --------------------------------------------------------------------------- separable path


def _plane_factors(planes: np.ndarray, eps_factor: float):
    """``(columns, rows)`` with ``planes[p] == outer(columns[p], rows[p])``, or None.

    The factors are read off each plane itself — the column through its largest entry
    (scaled by that entry) and the row through it — and accepted only if their outer product
    gives the plane back to within ``eps_factor`` rounding errors of that entry, so integer
    kernels stay exact. NaN planes are refused.
    """
    count, kh, kw = planes.shape
    columns = np.empty((count, kh), dtype=planes.dtype)
    rows = np.empty((count, kw), dtype=planes.dtype)
    tolerance = eps_factor * np.finfo(planes.dtype).eps
    for p, plane in enumerate(planes):
        i, j = np.unravel_index(np.argmax(np.abs(plane)), (kh, kw))
        pivot = plane[i, j]
        if pivot == 0:
            columns[p], rows[p] = 0, 0
            continue
        columns[p] = plane[:, j] / pivot
        rows[p] = plane[i, :]
        error = np.abs(np.outer(columns[p], rows[p]) - plane).max()
        if not error <= tolerance * abs(pivot):  # NaN kernels fail here too
            return None
    return columns, rows


def _rank_one_factors(w: np.ndarray):
    """``(columns, rows)``, ``(O, C/g, kh)`` and ``(O, C/g, kw)``, for ``method="separable"``.

    Raises a ValueError naming the first kernel plane that is not an outer product, with
    its rank and singular values.
    """
    out_channels, channels_per_group, kh, kw = w.shape
    planes = w.reshape(-1, kh, kw)
    factors = _plane_factors(planes, 64)
    if factors is not None:
        columns, rows = factors
        return (columns.reshape(out_channels, channels_per_group, kh),
                rows.reshape(out_channels, channels_per_group, kw))
    p = next(i for i, plane in enumerate(planes) if _plane_factors(plane[None], 64) is None)
    plane = planes[p]
    where = ("" if planes.shape[0] == 1
             else f" (weight[{p // channels_per_group}, {p % channels_per_group}])")
    if not np.isfinite(plane).all():
        raise ValueError(f"method='separable' needs a kernel that is an outer product of a "
                         f"column and a row; the {kh}×{kw} kernel{where} holds NaN or "
                         f"infinity")
    singular = np.linalg.svd(plane.astype(np.float64), compute_uv=False)
    rank = int(np.sum(singular > 1e-12 * singular[0])) if singular[0] > 0 else 0
    shown = ", ".join(f"{v:.3g}" for v in singular[:4])
    raise ValueError(
        f"method='separable' needs a kernel that is an outer product of a column and a row "
        f"(rank 1); the {kh}×{kw} kernel{where} is not separable: its rank is {rank} "
        f"(singular values {shown}{', …' if len(singular) > 4 else ''}). Use method='auto', "
        f"or see convcore.separable_analysis for its best rank-1 approximation")


def _correlate_separable(xp, columns, rows, strides, dilations, groups, out_sp):
    """Rank-1 kernel planes as two 1-D passes: along the width, then along the height.

    ``columns`` is ``(O, C/g, kh)`` and ``rows`` ``(O, C/g, kw)``, with
    ``w[o, c] == outer(columns[o, c], rows[o, c])``. Every (input channel, output channel of
    its group) pair becomes a channel of its own, filtered by its row and then its column;
    with several input channels per group the pairs are then summed.
    """
    out_channels, channels_per_group = columns.shape[:2]
    out_per_group = out_channels // groups
    pairs = out_channels * channels_per_group
    # Pair (g, c, o) is channel (g·C/g + c)·O/g + o: input channel g·C/g + c feeds O/g pairs.
    order = (groups, out_per_group, channels_per_group, -1)
    row_kernels = rows.reshape(order).transpose(0, 2, 1, 3).reshape(pairs, 1, 1, -1)
    column_kernels = columns.reshape(order).transpose(0, 2, 1, 3).reshape(pairs, 1, -1, 1)
    along_width = _correlate_im2col(xp, row_kernels, (1, strides[1]), (1, dilations[1]),
                                    groups * channels_per_group, (xp.shape[2], out_sp[1]))
    both = _correlate_im2col(along_width, column_kernels, (strides[0], 1), (dilations[0], 1),
                             pairs, out_sp)
    if channels_per_group == 1:
        return both
    n_samples = xp.shape[0]
    both = both.reshape(n_samples, groups, channels_per_group, out_per_group, *out_sp)
    return np.add.reduce(both, axis=2).reshape(n_samples, out_channels, *out_sp)


# --------------------------------------------------------------------------- direct path


def _correlate_direct(xp, w, strides, dilations, groups, out_sp):
    """The textbook sum, vectorised over the output: one strided view per kernel tap.

    For every tap (row-major), the input cells that tap meets in every window form one
    strided view of the padded input; the view times the tap's weight is added to the
    output. No column matrix, no BLAS: kh·kw passes over the output, done a block of output
    rows at a time (``DIRECT_BLOCK_BYTES``) so that the passes stay in cache.
    """
    n_samples = xp.shape[0]
    out_channels, channels_per_group = w.shape[:2]
    out_per_group = out_channels // groups
    out = np.zeros((n_samples, out_channels, *out_sp), dtype=xp.dtype)
    row_bytes = n_samples * out_per_group * math.prod(out_sp[1:]) * xp.itemsize
    rows_per_block = max(1, min(out_sp[0], DIRECT_BLOCK_BYTES // row_bytes))
    taps = list(itertools.product(*(range(k) for k in w.shape[2:])))
    tails = [tuple(slice(t * d, t * d + (n - 1) * s + 1, s)
                   for t, d, s, n in zip(tap[1:], dilations[1:], strides[1:], out_sp[1:],
                                         strict=True)) for tap in taps]
    s0, d0 = strides[0], dilations[0]
    scratch = np.empty((n_samples, rows_per_block, *out_sp[1:]), dtype=xp.dtype)
    for g in range(groups):
        inputs = slice(g * channels_per_group, (g + 1) * channels_per_group)
        outputs = slice(g * out_per_group, (g + 1) * out_per_group)
        single = channels_per_group == 1 and out_per_group == 1
        for r0 in range(0, out_sp[0], rows_per_block):
            rows = min(rows_per_block, out_sp[0] - r0)
            target = out[:, g * out_per_group, r0:r0 + rows] if single else \
                out[:, outputs, r0:r0 + rows]
            for tap, tail in zip(taps, tails, strict=True):
                first = tap[0] * d0 + r0 * s0
                window = (slice(first, first + (rows - 1) * s0 + 1, s0), *tail)
                weights = w[(outputs, slice(None), *tap)]  # (O/g, C/g)
                if single:
                    part = scratch[:, :rows]
                    np.multiply(xp[(slice(None), g, *window)], weights[0, 0], out=part)
                    target += part
                else:
                    view = xp[(slice(None), inputs, *window)]
                    target += np.einsum("oc,nc...->no...", weights, view)
    return out


# --------------------------------------------------------------------------- FFT path


def _correlate_fft_strided(xp, w, strides, dilations, groups, out_sp):
    """:func:`_correlate_fft` at any stride: the stride-1 result, every s-th cell kept."""
    if all(s == 1 for s in strides):
        return _correlate_fft(xp, w, dilations, groups, out_sp)
    dense_sp = tuple((n - 1) * s + 1 for n, s in zip(out_sp, strides, strict=True))
    dense = _correlate_fft(xp, w, dilations, groups, dense_sp)
    return np.ascontiguousarray(dense[(Ellipsis, *(slice(None, None, s) for s in strides))])


def _fast_length(n: int) -> int:
    """The smallest 5-smooth number ≥ n (sizes pocketfft transforms fastest)."""
    m = n
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def _correlate_fft(xp, w, dilations, groups, out_sp):
    """Stride-1 cross-correlation by overlap-save FFT, in blocks along the first axis.

    Circular correlation of a block of length ``L`` with a kernel spanning ``span`` is exact
    for the first ``L − span + 1`` positions, so each block of the padded input yields that
    many output rows; the other axes are zero-extended to a fast length, which leaves their
    first ``out`` positions exact too.
    """
    n_samples = xp.shape[0]
    out_channels, channels_per_group = w.shape[:2]
    out_per_group = out_channels // groups
    ndim = w.ndim - 2
    spans = tuple(d * (k - 1) + 1 for k, d in zip(w.shape[2:], dilations, strict=True))
    rest_lengths = tuple(_fast_length(n) for n in xp.shape[3:])
    row_length = math.prod(rest_lengths)
    wanted = min(FFT_BLOCK_LENGTH, math.prod(xp.shape[2:]) // (8 * row_length))
    block_length = _fast_length(max(wanted, spans[0] + 64))
    block_length = min(block_length, _fast_length(xp.shape[2]))
    rows_per_block = block_length - spans[0] + 1
    fft_shape = (block_length, *rest_lengths)
    axes = tuple(range(-ndim, 0))

    dilated = np.zeros((out_channels, channels_per_group, *spans), dtype=w.dtype)
    dilated[(Ellipsis, *(slice(None, None, d) for d in dilations))] = w
    kernel_spectra = np.conj(np.fft.rfftn(dilated, s=fft_shape, axes=axes))

    out = np.empty((n_samples, out_channels, *out_sp), dtype=xp.dtype)
    keep = tuple(slice(0, n) for n in out_sp[1:])

    def one_block(r0: int) -> None:
        r1 = min(out_sp[0], r0 + rows_per_block)
        block = xp[:, :, r0:r1 + spans[0] - 1]
        spectra = np.fft.rfftn(block, s=fft_shape, axes=axes)
        for g in range(groups):
            for o in range(g * out_per_group, (g + 1) * out_per_group):
                acc = spectra[:, g * channels_per_group] * kernel_spectra[o, 0]
                for c in range(1, channels_per_group):
                    acc += spectra[:, g * channels_per_group + c] * kernel_spectra[o, c]
                result = np.fft.irfftn(acc, s=fft_shape, axes=axes)
                out[:, o, r0:r1] = result[(slice(None), slice(0, r1 - r0), *keep)]

    starts = range(0, out_sp[0], rows_per_block)
    threads = min(_fft_threads(), len(starts))
    if threads > 1:
        # Blocks write disjoint rows, and NumPy's FFT releases the GIL.
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one_block, starts))
    else:
        for r0 in starts:
            one_block(r0)
    return out


def _fft_threads() -> int:
    """``FFT_THREADS``, else the thread count the BLAS was given, else 1."""
    if FFT_THREADS is not None:
        return max(1, int(FFT_THREADS))
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return 1


# --------------------------------------------------------------------------- backward


def _conv_backward(x, weight, grad_output, stride, padding, dilation, groups, padding_mode,
                   ndim, name):
    xb, wb, kind = _as_batched(x, weight, ndim, name)
    gout = _real_array(grad_output, "grad_output")
    dtype = _result_dtype(xb, wb, gout)
    xb = xb.astype(dtype, copy=False)
    wb = wb.astype(dtype, copy=False)
    plan = _conv_plan(xb.shape, wb.shape, stride, padding, dilation, groups, padding_mode,
                      ndim)
    out_shape = (xb.shape[0], wb.shape[0], *plan.out_sp)
    expected = _restore_shape(out_shape, kind)
    if gout.shape != expected:
        raise ValueError(f"grad_output must have the shape of the convolution's output, "
                         f"{expected}; got {gout.shape}")
    gb = gout.astype(dtype, copy=False).reshape(out_shape)
    xp = pad(xb, plan.pads, plan.mode) if plan.padded else xb

    per_sample = np.add.reduce(gb.reshape(gb.shape[0], gb.shape[1], -1), axis=2)
    grad_bias = per_sample[0] if gb.shape[0] == 1 else np.add.reduce(per_sample, axis=0)
    grad_weight = _grad_weight(xp, wb, gb, plan.strides, plan.dilations, plan.groups)
    grad_padded = _scatter(gb, wb, plan.strides, plan.dilations, plan.groups, xp.shape[2:])
    grad_input = (_fold_padding(grad_padded, plan.pads, plan.mode, xb.shape[2:])
                  if plan.padded else grad_padded)
    if kind == PLAIN:
        grad_weight = grad_weight[0, 0]
    return _restore(grad_input, kind), grad_weight, grad_bias


def _grad_weight(xp, w, grad_out, strides, dilations, groups):
    """dL/dw: for every block of output rows, ``grad @ columns.T`` with the forward's columns."""
    xp = np.ascontiguousarray(xp)
    n_samples, out_channels = grad_out.shape[:2]
    out_sp = grad_out.shape[2:]
    channels_per_group = w.shape[1]
    out_per_group = out_channels // groups
    layout = _column_layout(xp.shape, xp.itemsize, w.shape[2:], strides, dilations, out_sp,
                            channels_per_group, COLUMN_BLOCK_BYTES)
    row_cells = layout.row_cells
    rows_per_block = layout.rows_per_block
    grad_flat = grad_out.reshape(n_samples, out_channels, -1)
    if rows_per_block >= out_sp[0] and n_samples == 1 and groups == 1:
        # The common small case: one copy, one matmul.
        cols = layout.block(xp, 0, 0, channels_per_group, 0, out_sp[0], None)
        return np.dot(grad_flat[0], cols.T).reshape(w.shape)
    grad_w = np.zeros((groups, out_per_group, layout.column_rows), dtype=grad_out.dtype)
    buffer = None if rows_per_block >= out_sp[0] else np.empty(
        layout.column_rows * rows_per_block * row_cells, dtype=xp.dtype)
    for n in range(n_samples):
        for g in range(groups):
            gout = grad_flat[n, g * out_per_group:(g + 1) * out_per_group]
            for r0 in range(0, out_sp[0], rows_per_block):
                rows = min(rows_per_block, out_sp[0] - r0)
                cols = layout.block(xp, n, g * channels_per_group, channels_per_group, r0,
                                    rows, buffer)
                grad_w[g] += np.dot(gout[:, r0 * row_cells:(r0 + rows) * row_cells], cols.T)
    return grad_w.reshape(w.shape)


def _scatter(grad_out, w, strides, dilations, groups, padded_sp):
    """The adjoint of :func:`_correlate`: ``(N, O, *out)`` -> ``(N, C, *padded_sp)``.

    Every output cell's gradient flows back, through the kernel, to the window it came
    from. At stride 1 with no more output than input channels this is itself a
    correlation (of the zero-extended gradient with the flipped, channel-swapped kernel);
    otherwise it is col2im: one matmul and ``taps`` strided slice-adds per block.
    """
    padded_sp = tuple(padded_sp)
    out_channels, channels_per_group = w.shape[:2]
    if strides == _ONES[len(strides)] and out_channels <= 2 * channels_per_group * groups:
        return _scatter_by_correlation(grad_out, w, dilations, groups, padded_sp)
    return _col2im(grad_out, w, strides, dilations, groups, padded_sp)


@functools.lru_cache(maxsize=256)
def _extension(out_sp, kernel, dilations):
    """Zero-extension of a gradient for the full correlation: (extended sizes, where the
    gradient goes, the sizes the correlation reaches)."""
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilations, strict=True)]
    extended = tuple(n + 2 * (s - 1) for n, s in zip(out_sp, spans, strict=True))
    interior = (Ellipsis, *(slice(s - 1, s - 1 + n) for n, s in zip(out_sp, spans,
                                                                    strict=True)))
    reached = tuple(n + s - 1 for n, s in zip(out_sp, spans, strict=True))
    return extended, interior, reached


def _scatter_by_correlation(grad_out, w, dilations, groups, padded_sp):
    n_samples, out_channels = grad_out.shape[:2]
    channels_per_group = w.shape[1]
    kernel = w.shape[2:]
    ndim = len(kernel)
    extended_sp, interior, reached = _extension(grad_out.shape[2:], kernel, dilations)
    flipped = w.reshape(groups, out_channels // groups, channels_per_group, *kernel)
    flipped = flipped.swapaxes(1, 2)[(Ellipsis, *_REVERSED[ndim])]
    flipped = flipped.reshape(groups * channels_per_group, out_channels // groups, *kernel)
    extended = np.zeros((n_samples, out_channels, *extended_sp), dtype=grad_out.dtype)
    extended[interior] = grad_out
    grad = _correlate_im2col(extended, flipped, _ONES[ndim], dilations, groups, reached)
    if reached == padded_sp:
        return grad
    # Trailing cells that no window reaches get no gradient.
    full = np.zeros((n_samples, grad.shape[1], *padded_sp), dtype=grad.dtype)
    full[(Ellipsis, *(slice(0, n) for n in reached))] = grad
    return full


def _col2im(grad_out, w, strides, dilations, groups, padded_sp):
    """col2im: one matmul ``w.T @ grad`` per block of output rows gives every window's
    gradient, and ``taps`` strided slice-adds put them in place."""
    n_samples, out_channels = grad_out.shape[:2]
    out_sp = grad_out.shape[2:]
    channels_per_group = w.shape[1]
    out_per_group = out_channels // groups
    kernel = w.shape[2:]
    taps = math.prod(kernel)
    column_rows = channels_per_group * taps
    grad_in = np.zeros((n_samples, channels_per_group * groups, *padded_sp),
                       dtype=grad_out.dtype)
    grad_flat = grad_out.reshape(n_samples, out_channels, -1)
    w_t = w.reshape(groups, out_per_group, column_rows).transpose(0, 2, 1)
    row_cells = math.prod(out_sp[1:])
    rows_per_block = _block_rows(column_rows, row_cells, grad_out.itemsize, out_sp[0],
                                 COLUMN_BLOCK_BYTES)
    buffer = np.empty(column_rows * rows_per_block * row_cells, dtype=grad_out.dtype)
    offsets = list(itertools.product(*(range(k) for k in kernel)))
    tail = [tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                  for o, s, d, n in zip(off[1:], strides[1:], dilations[1:], out_sp[1:],
                                        strict=True))
            for off in offsets]
    s0, d0 = strides[0], dilations[0]
    for n in range(n_samples):
        for g in range(groups):
            gin = grad_in[n, g * channels_per_group:(g + 1) * channels_per_group]
            gout = grad_flat[n, g * out_per_group:(g + 1) * out_per_group]
            for r0 in range(0, out_sp[0], rows_per_block):
                rows = min(rows_per_block, out_sp[0] - r0)
                cols = buffer[:column_rows * rows * row_cells].reshape(column_rows, -1)
                np.matmul(w_t[g], gout[:, r0 * row_cells:(r0 + rows) * row_cells], out=cols)
                cols = cols.reshape(channels_per_group, taps, rows, *out_sp[1:])
                for t, off in enumerate(offsets):
                    start = off[0] * d0 + r0 * s0
                    first = slice(start, start + (rows - 1) * s0 + 1, s0)
                    gin[(slice(None), first, *tail[t])] += cols[:, t]
    return grad_in


def _fold_padding(grad_padded, pads, mode, in_sp):
    """Gradient on the padded grid -> gradient on the input.

    With zeros the padding cells are constants and their gradient is dropped. With the
    other modes every padding cell is a copy of some input cell (``pad`` of an index ramp
    says which), so its gradient is added onto that cell, one axis at a time.
    """
    if not any(b or a for b, a in pads):
        return grad_padded
    first_axis = grad_padded.ndim - len(pads)
    if mode == "zeros":
        crop = tuple(slice(b, b + n) for n, (b, _) in zip(in_sp, pads, strict=True))
        return np.ascontiguousarray(grad_padded[(Ellipsis, *crop)])
    grad = grad_padded
    for i, (n, (before, after)) in enumerate(zip(in_sp, pads, strict=True)):
        if not (before or after):
            continue
        source = pad(np.arange(n), ((before, after),), mode)
        moved = np.moveaxis(grad, first_axis + i, -1)
        folded = moved[..., before:before + n].copy()
        outside = np.r_[0:before, before + n:before + n + after]
        np.add.at(folded, (Ellipsis, source[outside]), moved[..., outside])
        grad = np.moveaxis(folded, -1, first_axis + i)
    return np.ascontiguousarray(grad)


def _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, ndim,
                    name):
    xb, wb, kind = _as_batched(x, weight, ndim, name, transposed=True)
    dtype = _result_dtype(xb, wb)
    xb = xb.astype(dtype, copy=False)
    wb = wb.astype(dtype, copy=False)
    groups = _groups(groups)
    in_channels, out_per_group = wb.shape[:2]
    if in_channels % groups:
        raise ValueError(f"groups={groups} does not divide the {in_channels} input channels "
                         f"of the weight (weight shape {wb.shape})")
    if xb.shape[1] != in_channels:
        raise ValueError(f"the input has {xb.shape[1]} channels but the weight expects "
                         f"{in_channels} (weight shape {wb.shape}; {name} takes "
                         f"{_shape_names(ndim, transposed=True).weight})")
    strides = as_tuple(stride, ndim, "stride")
    dilations = as_tuple(dilation, ndim, "dilation")
    paddings = as_tuple(padding, ndim, "padding", minimum=0)
    out_sp = conv_transpose_output_shape(xb.shape[2:], wb.shape[2:], strides, paddings,
                                         output_padding, dilations)
    bias_arr = _bias(bias, out_per_group * groups, dtype, kind)
    # This is the adjoint of the conv whose weight is ``wb`` — (C_in, out/groups, *k) read
    # as (its outputs, its inputs per group, *k) — on an input of the padded output size.
    full_sp = tuple(n + 2 * p for n, p in zip(out_sp, paddings, strict=True))
    full = _scatter(xb, wb, strides, dilations, groups, full_sp)
    if any(paddings):
        crop = tuple(slice(p, p + n) for n, p in zip(out_sp, paddings, strict=True))
        full = np.ascontiguousarray(full[(Ellipsis, *crop)])
    _add_bias(full, bias_arr)
    return _restore(full, kind)
