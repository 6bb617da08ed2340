"""How a convolution is computed fast: im2col, the Fourier transform, separable kernels.

Goodfellow 9.8 names two ways to beat the sliding loop — pointwise multiplication in the
Fourier domain, and separable kernels (an outer product of vectors, applied as 1-D passes)
— and every framework adds a third, im2col (unfold the windows into a matrix, then one
matrix product). :func:`convcore.conv2d` runs all three (``method=...``); this module lays
out the pieces each one is made of, for a learner to look at:

* :func:`im2col` — the patch matrix, one row per output cell, one column per kernel tap,
  and :func:`im2col_cost` — what it costs in memory (about kh·kw times the input);
* :func:`fft_steps` — the spectra of the image and of the zero-padded kernel, their
  pointwise product, its inverse transform and the linear result; and the circular result
  without padding, with the cells where it wraps around;
* :func:`separable_analysis` — the kernel's singular values, its rank, the two 1-D factors
  of a rank-1 kernel, and the best rank-1 and rank-2 approximations with their errors;
* :func:`multiply_adds` — the arithmetic each method does for given sizes;
* :func:`time_methods` — each method (and PyTorch's ``conv2d``, if installed) timed on one
  image for a range of kernel sizes, within a time budget, and the kernel size from which
  the FFT beats the direct sum.

Everything here is convcore's own arithmetic (NumPy; PyTorch is imported only inside
:func:`time_methods`, and only if asked to time it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass

import numpy as np

from convcore.conv import CONV2D_METHODS, _real_array, choose_method, conv2d
from convcore.padding import PADDING_MODES, pad, resolve_padding
from convcore.shapes import as_tuple, conv_output_shape

__all__ = [
    "DEFAULT_SWEEP_KERNELS",
    "FFT_STEPS_MAX_CELLS",
    "IM2COL_MAX_BYTES",
    "SWEEP_MAX_BUDGET_S",
    "SWEEP_MAX_PIXELS",
    "SWEEP_METHODS",
    "FFTSteps",
    "Im2colCost",
    "LowRankApproximation",
    "MethodTiming",
    "MultiplyAdds",
    "SeparableAnalysis",
    "fft_steps",
    "im2col",
    "im2col_cost",
    "multiply_adds",
    "separable_analysis",
    "time_methods",
]

#: The largest patch matrix :func:`im2col` builds. A whole class shares one server, and the
#: matrix is about kh·kw times the input: a 12 MP photo with a 3×3 kernel would need 864 MiB.
IM2COL_MAX_BYTES = 32 * 2**20
#: The largest FFT grid (cells) :func:`fft_steps` computes and returns spectra for.
FFT_STEPS_MAX_CELLS = 1024 * 1024
#: The largest image :func:`time_methods` measures on (a 12 MP photo, 3000×4000, fits).
SWEEP_MAX_PIXELS = 4096 * 3072
#: The longest time budget :func:`time_methods` accepts, in seconds.
SWEEP_MAX_BUDGET_S = 60.0
#: Kernel sizes timed by default: 3, 5, ..., 31.
DEFAULT_SWEEP_KERNELS = tuple(range(3, 32, 2))
#: What :func:`time_methods` can time: convcore's methods, the textbook loop of
#: :mod:`convcore.reference` (timed on a strip of rows, scaled up), and PyTorch's conv2d.
SWEEP_METHODS = ("direct", "im2col", "fft", "separable", "loop", "torch")


# --------------------------------------------------------------------------- im2col


@dataclass(frozen=True)
class Im2colCost:
    """Size of the patch matrix of :func:`im2col`.

    Attributes
    ----------
    rows : int
        Output cells (one row each).
    columns : int
        Kernel taps times input channels (one column each).
    bytes : int
        ``rows · columns · itemsize``.
    input_bytes : int
        The input's own size, for comparison.
    expansion : float
        ``bytes / input_bytes``: about ``kh·kw`` at stride 1 ("k² × the input").
    """

    rows: int
    columns: int
    bytes: int
    input_bytes: int
    expansion: float


def im2col_cost(input_shape, kernel_size, stride=1, padding=0, dilation=1,
                itemsize: int = 8) -> Im2colCost:
    """The size of the patch matrix for an input of ``input_shape``, without building it.

    Parameters
    ----------
    input_shape : (H, W) or (C, H, W)
    kernel_size : int or (kh, kw)
    stride, padding, dilation
        As for :func:`convcore.conv2d`.
    itemsize : int
        Bytes per number (8 for float64, 4 for float32).

    Returns
    -------
    Im2colCost
    """
    channels, in_hw = _channels_and_size(input_shape)
    kernel = as_tuple(kernel_size, 2, "kernel_size")
    strides = as_tuple(stride, 2, "stride")
    dilations = as_tuple(dilation, 2, "dilation")
    pads = resolve_padding(padding, kernel, stride=strides, dilation=dilations)
    out_h, out_w = conv_output_shape(in_hw, kernel, strides, pads, dilations)
    rows, columns = out_h * out_w, channels * kernel[0] * kernel[1]
    size = rows * columns * itemsize
    input_bytes = channels * in_hw[0] * in_hw[1] * itemsize
    return Im2colCost(rows, columns, size, input_bytes, size / input_bytes)


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, padding_mode="zeros",
           max_bytes: int = IM2COL_MAX_BYTES) -> np.ndarray:
    """The patch matrix: one row per output cell, one column per kernel tap.

    Row ``i·W_out + j`` holds the window of output cell ``(i, j)``, read row-major (for a
    ``(C, H, W)`` input: channel by channel), so that ``im2col(x, k.shape) @ k.ravel()`` is
    ``conv2d(x, k).ravel()``, and with a weight of ``O`` kernels, ``im2col(x, ...) @
    weight.reshape(O, -1).T`` is the whole layer as one matrix product. It is
    ``torch.nn.functional.unfold`` transposed.

    Parameters
    ----------
    x : array_like, (H, W) or (C, H, W)
    kernel_size : int or (kh, kw)
    stride, padding, dilation, padding_mode
        As for :func:`convcore.conv2d`.
    max_bytes : int
        Refuse to build a matrix larger than this (:data:`IM2COL_MAX_BYTES` by default).

    Returns
    -------
    ndarray, (H_out · W_out, C · kh · kw)
        float64 (float32 for a float32 input).

    Raises
    ------
    ValueError
        When the matrix would exceed ``max_bytes`` (the message gives its size and the
        input's), or for invalid shapes and arguments.

    Examples
    --------
    >>> im2col([[0, 1, 2], [3, 4, 5], [6, 7, 8]], 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    arr = _real_array(x, "the input")
    if arr.dtype.itemsize < 4:
        arr = arr.astype(np.float32)
    if arr.ndim not in (2, 3):
        raise ValueError(f"im2col takes an input of shape (H, W) or (C, H, W); got a "
                         f"{arr.ndim}-D array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"the input is empty (shape {arr.shape}): every size must be positive")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}; "
                         f"got {padding_mode!r}")
    planes = arr if arr.ndim == 3 else arr[np.newaxis]
    cost = im2col_cost(planes.shape, kernel_size, stride, padding, dilation, arr.itemsize)
    if cost.bytes > max_bytes:
        raise ValueError(
            f"the patch matrix for a {_size_text(planes.shape)} input would have "
            f"{cost.rows:,} rows × {cost.columns:,} columns = {_mib(cost.bytes)} "
            f"({cost.expansion:.1f}× the input's {_mib(cost.input_bytes)}), more than the "
            f"{_mib(max_bytes)} allowed; take a smaller image or kernel (conv2d itself "
            f"unfolds a few rows at a time)")
    kernel = as_tuple(kernel_size, 2, "kernel_size")
    strides = as_tuple(stride, 2, "stride")
    dilations = as_tuple(dilation, 2, "dilation")
    pads = resolve_padding(padding, kernel, stride=strides, dilation=dilations)
    out_h, out_w = conv_output_shape(planes.shape[1:], kernel, strides, pads, dilations)
    padded = pad(planes, pads, padding_mode)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilations, strict=True)]
    windows = np.lib.stride_tricks.sliding_window_view(padded, spans, axis=(1, 2))
    windows = windows[:, :(out_h - 1) * strides[0] + 1:strides[0],
                      :(out_w - 1) * strides[1] + 1:strides[1],
                      ::dilations[0], ::dilations[1]]
    return windows.transpose(1, 2, 0, 3, 4).reshape(out_h * out_w, -1).copy()


def _channels_and_size(shape) -> tuple[int, tuple[int, int]]:
    shape = tuple(shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"the input shape must be (H, W) or (C, H, W), got {shape}")
    sizes = as_tuple(shape, len(shape), "the input shape")
    return (1 if len(sizes) == 2 else sizes[0]), sizes[-2:]


def _size_text(shape) -> str:
    channels = f"{shape[0]}×" if len(shape) == 3 and shape[0] != 1 else ""
    return f"{channels}{shape[-2]}×{shape[-1]}"


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MiB"


# --------------------------------------------------------------------------- Fourier


@dataclass(frozen=True)
class FFTSteps:
    """Cross-correlation through the Fourier transform, step by step (:func:`fft_steps`).

    Spectra are full 2-D DFTs on ``fft_shape``; the ``*_log_magnitude`` arrays are
    ``log(1 + |spectrum|)`` with the zero frequency moved to the centre (``np.fft.fftshift``),
    ready to draw.

    Attributes
    ----------
    padded_input : ndarray, (Hp, Wp)
        The input with the convolution's own padding.
    fft_shape : (int, int)
        ``(Hp + kh − 1, Wp + kw − 1)``: large enough that no window wraps around.
    image_spectrum, kernel_spectrum, product : complex ndarray, fft_shape
        DFT of the zero-extended padded input; DFT of the *flipped* kernel zero-extended
        (multiplying by it correlates rather than convolves); their pointwise product.
    image_log_magnitude, kernel_log_magnitude, product_log_magnitude : ndarray, fft_shape
    inverse : ndarray, fft_shape
        Real part of the inverse DFT of ``product``: the full linear correlation.
    max_imaginary : float
        The largest imaginary part the inverse had (rounding only: the inputs are real).
    result : ndarray, (H_out, W_out)
        The cells of ``inverse`` where the kernel lies wholly on the padded input:
        ``conv2d(x, kernel, padding=padding)``.
    circular : ndarray, (H, W)
        Without padding, at the input's own size: circular correlation, window
        ``(i, j)`` reading ``x[(i + a) mod H, (j + b) mod W]``.
    linear : ndarray, (H, W)
        The same grid computed without wrapping (zeros beyond the bottom and right edges).
    wraps : bool ndarray, (H, W)
        The windows that wrap around: rows ``i > H − kh`` or columns ``j > W − kw``.
    circular_error : ndarray, (H, W)
        ``circular − linear``: zero (to rounding) outside ``wraps``.
    """

    padded_input: np.ndarray
    fft_shape: tuple[int, int]
    image_spectrum: np.ndarray
    kernel_spectrum: np.ndarray
    product: np.ndarray
    image_log_magnitude: np.ndarray
    kernel_log_magnitude: np.ndarray
    product_log_magnitude: np.ndarray
    inverse: np.ndarray
    max_imaginary: float
    result: np.ndarray
    circular: np.ndarray
    linear: np.ndarray
    wraps: np.ndarray
    circular_error: np.ndarray


def fft_steps(x, kernel, padding=0) -> FFTSteps:
    """Every step of computing ``conv2d(x, kernel, padding=padding)`` with the FFT.

    The DFT turns a circular convolution into a pointwise product. Zero-extending both
    arrays to ``fft_shape`` makes the circle long enough that no window wraps round, so the
    product's inverse is the linear result; without it (``circular``), windows at the bottom
    and right edges read the top and left rows instead (``wraps``).

    Parameters
    ----------
    x : array_like, (H, W)
    kernel : array_like, (kh, kw)
        No larger than ``x``.
    padding : int, (ph, pw), pairs, or "valid" / "same" / "full"
        Zero padding, as for :func:`convcore.conv2d`.

    Returns
    -------
    FFTSteps

    Raises
    ------
    ValueError
        For a kernel larger than the input, non-2-D arrays, or an FFT grid over
        :data:`FFT_STEPS_MAX_CELLS` cells.
    """
    image = _real_array(x, "the image").astype(np.float64)
    k = _real_array(kernel, "the kernel").astype(np.float64)
    if image.ndim != 2 or k.ndim != 2:
        raise ValueError(f"fft_steps takes a 2-D image (H, W) and a 2-D kernel (kh, kw); got "
                         f"shapes {image.shape} and {k.shape}")
    if image.size == 0 or k.size == 0:
        raise ValueError("the image and the kernel must not be empty")
    (h, w), (kh, kw) = image.shape, k.shape
    if kh > h or kw > w:
        raise ValueError(f"the {kh}×{kw} kernel is larger than the {h}×{w} image")
    pads = resolve_padding(padding, k.shape)
    padded = pad(image, pads)
    fft_shape = (padded.shape[0] + kh - 1, padded.shape[1] + kw - 1)
    if math.prod(fft_shape) > FFT_STEPS_MAX_CELLS:
        raise ValueError(f"the FFT grid would be {fft_shape[0]}×{fft_shape[1]} = "
                         f"{math.prod(fft_shape):,} cells, more than {FFT_STEPS_MAX_CELLS:,}; "
                         f"take a smaller image")
    out_h, out_w = conv_output_shape(image.shape, k.shape, 1, pads)
    flipped = k[::-1, ::-1]
    image_spectrum = np.fft.fft2(padded, s=fft_shape)
    kernel_spectrum = np.fft.fft2(flipped, s=fft_shape)
    product = image_spectrum * kernel_spectrum
    complex_inverse = np.fft.ifft2(product)
    inverse = complex_inverse.real.copy()
    result = inverse[kh - 1:kh - 1 + out_h, kw - 1:kw - 1 + out_w].copy()

    # Circular: the same product at the image's own size. Convolving with the flipped kernel
    # puts window (i, j) at (i + kh − 1, j + kw − 1); rolling back aligns it with (i, j).
    circular_full = np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(flipped, s=image.shape))
    circular = np.roll(circular_full.real, (-(kh - 1), -(kw - 1)), axis=(0, 1))
    linear = conv2d(image, k, padding=((0, kh - 1), (0, kw - 1)))
    rows, cols = np.arange(h)[:, None], np.arange(w)[None, :]
    wraps = (rows > h - kh) | (cols > w - kw)
    return FFTSteps(
        padded_input=padded, fft_shape=fft_shape, image_spectrum=image_spectrum,
        kernel_spectrum=kernel_spectrum, product=product,
        image_log_magnitude=_log_magnitude(image_spectrum),
        kernel_log_magnitude=_log_magnitude(kernel_spectrum),
        product_log_magnitude=_log_magnitude(product), inverse=inverse,
        max_imaginary=float(np.abs(complex_inverse.imag).max()), result=result,
        circular=circular, linear=linear, wraps=wraps, circular_error=circular - linear)


def _log_magnitude(spectrum: np.ndarray) -> np.ndarray:
    return np.fft.fftshift(np.log1p(np.abs(spectrum)))


# --------------------------------------------------------------------------- separable


@dataclass(frozen=True)
class LowRankApproximation:
    """The best approximation of a kernel by a sum of ``rank`` outer products (Eckart–Young).

    Attributes
    ----------
    rank : int
    kernel : ndarray, (kh, kw)
        ``sum(s[i] · outer(u[i], v[i]) for i < rank)`` from the SVD.
    spectral_error : float
        ``‖K − kernel‖₂``: the next singular value, ``s[rank]`` (0 if there is none).
    frobenius_error : float
        ``‖K − kernel‖_F``: ``sqrt(sum(s[rank:]²))``.
    passes : int
        1-D passes it takes: two per outer product.
    """

    rank: int
    kernel: np.ndarray
    spectral_error: float
    frobenius_error: float
    passes: int


@dataclass(frozen=True)
class SeparableAnalysis:
    """What the singular values say about a 2-D kernel (:func:`separable_analysis`).

    Attributes
    ----------
    kernel : ndarray, (kh, kw)
    singular_values : ndarray, (min(kh, kw),)
        Largest first.
    tolerance : float
        Singular values at or below it count as zero.
    rank : int
        How many singular values exceed ``tolerance``.
    separable : bool
        Rank ≤ 1: the kernel is an outer product ``column ⊗ row`` (a zero kernel too).
    column, row : ndarray or None
        For a separable kernel, ``outer(column, row) == kernel``: read off the kernel itself
        when that is exact (so Sobel gives ``[1, 2, 1]`` and ``[−1, 0, 1]``), otherwise from
        the SVD. None when the kernel is not separable.
    approximations : tuple of LowRankApproximation
        The best rank-1 and rank-2 approximations (as far as the kernel's size allows).
    taps : int
        ``kh·kw``: multiply-adds per cell done directly.
    separable_taps : int
        ``kh + kw``: multiply-adds per cell in two 1-D passes.
    """

    kernel: np.ndarray
    singular_values: np.ndarray
    tolerance: float
    rank: int
    separable: bool
    column: np.ndarray | None
    row: np.ndarray | None
    approximations: tuple[LowRankApproximation, ...]
    taps: int
    separable_taps: int


def separable_analysis(kernel, rtol: float | None = None) -> SeparableAnalysis:
    """Is the kernel an outer product of a column and a row, and if not, how nearly?

    Parameters
    ----------
    kernel : array_like, (kh, kw)
    rtol : float, optional
        Singular values up to ``rtol · s[0]`` count as zero. Default ``max(kh, kw) · eps``
        (NumPy's ``matrix_rank`` rule), which treats rounding errors as zero and nothing
        else.

    Returns
    -------
    SeparableAnalysis

    Examples
    --------
    >>> a = separable_analysis([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    >>> a.rank, a.column.tolist(), a.row.tolist()
    (1, [1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
    """
    k = _real_array(kernel, "the kernel").astype(np.float64)
    if k.ndim != 2 or k.size == 0:
        raise ValueError(f"the kernel must be a non-empty 2-D array (kh, kw); got shape "
                         f"{k.shape}")
    if not np.isfinite(k).all():
        raise ValueError("the kernel holds NaN or infinity; its singular values are undefined")
    if rtol is not None and not (isinstance(rtol, int | float) and 0 <= rtol < 1):
        raise ValueError(f"rtol must be a number in [0, 1), got {rtol!r}")
    u, s, vt = np.linalg.svd(k)
    relative = max(k.shape) * np.finfo(np.float64).eps if rtol is None else float(rtol)
    tolerance = float(relative * s[0])
    rank = int(np.sum(s > tolerance))
    column = row = None
    if rank <= 1:
        column, row = _nice_factors(k, u[:, 0] * s[0], vt[0])
    approximations = tuple(_approximation(u, s, vt, r) for r in (1, 2) if r <= len(s))
    kh, kw = k.shape
    return SeparableAnalysis(k, s, tolerance, rank, rank <= 1, column, row, approximations,
                             kh * kw, kh + kw)


def _approximation(u, s, vt, rank: int) -> LowRankApproximation:
    kept = (u[:, :rank] * s[:rank]) @ vt[:rank]
    rest = s[rank:]
    return LowRankApproximation(rank, kept, float(rest[0]) if len(rest) else 0.0,
                                float(np.sqrt(np.sum(rest ** 2))), 2 * rank)


def _nice_factors(k: np.ndarray, svd_column: np.ndarray, svd_row: np.ndarray):
    """A column and a row whose outer product is ``k``, in the kernel's own numbers if they
    give it back exactly (the column's smallest non-zero entry scaled to 1 when that leaves
    it whole numbers, its largest positive), otherwise the SVD's."""
    if not k.any():
        return np.zeros(k.shape[0]), np.zeros(k.shape[1])
    i, j = np.unravel_index(np.argmax(np.abs(k)), k.shape)
    column, row = k[:, j] / k[i, j], k[i, :].copy()
    if np.abs(np.outer(column, row) - k).max() > 4 * np.finfo(np.float64).eps * abs(k[i, j]):
        column, row = svd_column, svd_row
    smallest = np.min(np.abs(column[column != 0]))
    scaled = column / smallest
    if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-12):
        column, row = scaled, row * smallest
    if column[np.argmax(np.abs(column))] < 0:
        column, row = -column, -row
    return column + 0.0, row + 0.0  # no negative zeros


# --------------------------------------------------------------------------- arithmetic


@dataclass(frozen=True)
class MultiplyAdds:
    """Multiply-adds of each method for one convolution (:func:`multiply_adds`).

    Attributes
    ----------
    out_cells : int
        Output cells per output channel.
    loop, im2col, separable, fft : int
        The textbook loop and im2col both do ``out_cells · kh·kw · C_in · C_out`` (im2col
        just in one matrix product); two 1-D passes do ``kw`` per cell along every padded
        row, then ``kh`` per output cell; the FFT's is an estimate, ``M·log₂M`` per real
        2-D transform of the ``M``-cell padded input (one per input channel, one per kernel
        plane, one inverse per output channel) plus ``2M`` per pointwise product — it does
        not depend on the kernel size.
    fft_cells : int
        ``M``, the cells of the padded input the FFT transforms.
    im2col_bytes : int
        Size of the whole patch matrix in float64 (:func:`im2col_cost`).
    """

    out_cells: int
    loop: int
    im2col: int
    separable: int
    fft: int
    fft_cells: int
    im2col_bytes: int

    def as_dict(self) -> dict[str, int]:
        """``{"loop": ..., "im2col": ..., "separable": ..., "fft": ...}``."""
        return dict(loop=self.loop, im2col=self.im2col, separable=self.separable,
                    fft=self.fft)


def multiply_adds(input_hw, kernel_hw, padding=0, stride=1, in_channels: int = 1,
                  out_channels: int = 1) -> MultiplyAdds:
    """How much arithmetic each method does for a convolution of these sizes.

    Parameters
    ----------
    input_hw : (H, W)
    kernel_hw : int or (kh, kw)
    padding, stride
        As for :func:`convcore.conv2d`.
    in_channels, out_channels : int

    Returns
    -------
    MultiplyAdds

    Examples
    --------
    >>> m = multiply_adds((100, 100), 3, padding=1)
    >>> m.loop, m.separable
    (90000, 60600)
    """
    in_hw = as_tuple(input_hw, 2, "input_hw")
    kernel = as_tuple(kernel_hw, 2, "kernel_hw")
    strides = as_tuple(stride, 2, "stride")
    channels_in = as_tuple(in_channels, 1, "in_channels")[0]
    channels_out = as_tuple(out_channels, 1, "out_channels")[0]
    pads = resolve_padding(padding, kernel, stride=strides)
    out_h, out_w = conv_output_shape(in_hw, kernel, strides, pads)
    padded_h = in_hw[0] + pads[0][0] + pads[0][1]
    padded_w = in_hw[1] + pads[1][0] + pads[1][1]
    pairs = channels_in * channels_out
    out_cells = out_h * out_w
    direct = out_cells * kernel[0] * kernel[1] * pairs
    separable = pairs * (padded_h * out_w * kernel[1] + out_cells * kernel[0])
    cells = padded_h * padded_w
    transform = round(cells * math.log2(max(cells, 2)))
    fft = (channels_in + pairs + channels_out) * transform + 2 * cells * pairs
    cost = im2col_cost((channels_in, *in_hw), kernel, strides, pads)
    return MultiplyAdds(out_cells, direct, direct, separable, fft, cells, cost.bytes)


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class MethodTiming:
    """Times of each method for one image and several kernel sizes (:func:`time_methods`).

    Attributes
    ----------
    image_hw : (int, int)
    kernel_sizes : tuple of int
    methods : tuple of str
    seconds : dict
        ``seconds[method][i]``: median seconds of one call at ``kernel_sizes[i]``, or None
        where it was not measured.
    rounds : dict
        ``rounds[method][i]``: how many calls that median is over (0: not measured).
    not_measured : tuple of (method, kernel size, reason)
        ``reason`` is "budget" (it would not have fitted in the time left),
        "not-separable" (the kernel is not an outer product), or "torch-missing".
    auto_methods : tuple of str
        What ``conv2d(method="auto")`` runs at each kernel size.
    auto_reasons : tuple of str
        Why, at each kernel size: :class:`convcore.MethodChoice` reason codes (keys of
        :data:`convcore.METHOD_REASONS`), for an app to word in its own language.
    budget_s, elapsed_s : float
        The time allowed and the time the measurements took.
    setup_s : float
        Time spent before measuring: making the kernels, and importing and warming up
        PyTorch (its first import in a process takes seconds; it is not charged to the
        budget).
    complete : bool
        Every cell measured with every round.
    loop_rows : int or None
        The textbook loop is timed on this many output rows and scaled to the whole image.
    torch_threads : int or None
        Threads PyTorch used (None when it was not timed).
    kernel : str
        "gaussian" (rank 1: every method applies) or "random".
    abandoned : (method, kernel size) or None
        A call that was still running when the budget ran out: the sweep stopped there and
        returned; the call finishes in the background (its cell is "budget").
    """

    image_hw: tuple[int, int]
    kernel_sizes: tuple[int, ...]
    methods: tuple[str, ...]
    seconds: dict[str, tuple[float | None, ...]]
    rounds: dict[str, tuple[int, ...]]
    not_measured: tuple[tuple[str, int, str], ...]
    auto_methods: tuple[str, ...]
    budget_s: float
    elapsed_s: float
    setup_s: float
    complete: bool
    loop_rows: int | None = None
    torch_threads: int | None = None
    kernel: str = "gaussian"
    abandoned: tuple[str, int] | None = None
    auto_reasons: tuple[str, ...] = ()

    def crossover(self, faster: str = "fft", slower: str = "direct") -> int | None:
        """The smallest kernel size from which ``faster`` beats ``slower`` at every measured
        size, or None (never, or not both measured)."""
        found = None
        for i in reversed(range(len(self.kernel_sizes))):
            a, b = self.seconds[faster][i], self.seconds[slower][i]
            if a is None or b is None:
                continue
            if a < b:
                found = self.kernel_sizes[i]
            else:
                break
        return found


def time_methods(image, kernel_sizes=DEFAULT_SWEEP_KERNELS,
                 methods=("direct", "im2col", "fft", "separable", "torch"),
                 budget_s: float = 5.0, rounds: int = 3, kernel: str = "gaussian",
                 progress: Callable[[int, int, str, int], None] | None = None,
                 seed: int = 0) -> MethodTiming:
    """Time convcore's methods (and PyTorch's conv2d) on one image for each kernel size.

    Each kernel size is measured in ``rounds`` interleaved rounds (every method once per
    round, so a busy machine slows all alike) and the median is kept; the first round goes
    through every size from small to large, later rounds repeat the cells that fitted.
    Before each call the time it will take is predicted from the same method at the
    last size measured (scaled by its multiply-adds); a call that would overrun the budget,
    or take more than four times its fair share of the time left, is not made, and the cell
    is listed in ``not_measured`` — so slow methods drop out at large kernels while fast ones
    go on. The calls run in a worker thread: one still running at the deadline (a
    misprediction) is left to finish in the background (``abandoned``) and the sweep returns
    on time. Calls are float32, padding ``k // 2`` (a "same" output for odd sizes).

    Parameters
    ----------
    image : array_like (H, W), or (H, W) as two ints
        The image, or the size of a random one (uniform in [0, 1), from ``seed``).
    kernel_sizes : sequence of int
        Square kernel sizes, each at most the image's smaller side.
    methods : sequence of str
        From :data:`SWEEP_METHODS`: "direct", "im2col", "fft", "separable" (convcore's
        ``conv2d(method=...)``), "loop" (:func:`convcore.reference.corr2d` on a strip of
        rows, scaled up) and "torch" (``torch.nn.functional.conv2d``; listed as
        "torch-missing" when PyTorch is not installed).
    budget_s : float
        Seconds allowed, at most :data:`SWEEP_MAX_BUDGET_S`.
    rounds : int
        Calls per cell (1 to 9).
    kernel : {"gaussian", "random"}
        Gaussian kernels (σ = k/6) are outer products, so "separable" applies; random ones
        are not (their "separable" cells are "not-separable").
    progress : callable, optional
        Called after every call as ``progress(done, total, method, kernel_size)``.
    seed : int

    Returns
    -------
    MethodTiming

    Raises
    ------
    ValueError
        Before anything is timed: an image over :data:`SWEEP_MAX_PIXELS` pixels, a kernel
        larger than the image, an unknown method or kernel kind, a budget ≤ 0 or too long.
    """
    pixels = _sweep_image(image, seed)
    h, w = pixels.shape
    sizes = tuple(as_tuple(k, 1, "kernel size")[0] for k in kernel_sizes)
    if not sizes:
        raise ValueError("give at least one kernel size")
    if max(sizes) > min(h, w):
        raise ValueError(f"a {max(sizes)}×{max(sizes)} kernel is larger than the {h}×{w} "
                         f"image")
    methods = tuple(methods)
    unknown = [m for m in methods if m not in SWEEP_METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise ValueError(f"methods must be distinct names from "
                         f"{', '.join(map(repr, SWEEP_METHODS))}; got {methods!r}")
    if kernel not in ("gaussian", "random"):
        raise ValueError(f"kernel must be 'gaussian' or 'random', not {kernel!r}")
    if not isinstance(budget_s, int | float) or not 0 < budget_s <= SWEEP_MAX_BUDGET_S:
        raise ValueError(f"budget_s must be a number of seconds in (0, "
                         f"{SWEEP_MAX_BUDGET_S:g}], got {budget_s!r}")
    rounds = as_tuple(rounds, 1, "rounds")[0]
    if rounds > 9:
        raise ValueError(f"rounds must be 1 to 9, got {rounds}")

    setup_start = time.perf_counter()
    runners, skipped, torch_threads, loop_rows = _runners(pixels, sizes, methods, kernel,
                                                          seed)
    start = time.perf_counter()  # importing PyTorch, once per process, is not charged
    deadline = start + budget_s
    samples: dict[str, list[list[float]]] = {m: [[] for _ in sizes] for m in methods}
    measured: dict[str, dict[int, float]] = {m: {} for m in methods}
    total = len(sizes) * rounds * len(methods)
    done = 0
    per_round = len(sizes) * len(methods)
    abandoned = None
    # One worker thread makes the calls, so that a call that outlives the budget can be left
    # to finish on its own while this function returns (NumPy and PyTorch release the GIL).
    worker = ThreadPoolExecutor(1, thread_name_prefix="convcore-timing")
    try:
        for r in range(rounds):  # round 1 sweeps every size, later ones repeat what fitted
            for i, k in enumerate(sizes):
                for m in methods:
                    done += 1
                    wanted = (m, k) not in skipped and (r == 0 or samples[m][i])
                    if wanted and abandoned is None:
                        calls_left = (per_round * (r + 1) if r == 0 else total) - done + 1
                        finished = _measure(worker, lambda m=m, i=i: runners[m](i),
                                            samples[m][i], deadline,
                                            _predict(m, k, samples[m][i], measured[m]),
                                            calls_left)
                        if not finished:
                            abandoned = (m, k)
                        elif samples[m][i]:
                            measured[m][k] = float(np.median(samples[m][i]))
                    if progress is not None:
                        progress(done, total, m, k)
    finally:
        worker.shutdown(wait=False)
    scale = {m: 1.0 for m in methods}
    if loop_rows is not None:
        scale["loop"] = h / loop_rows
    seconds = {m: tuple(float(np.median(s)) * scale[m] if s else None for s in samples[m])
               for m in methods}
    counts = {m: tuple(len(s) for s in samples[m]) for m in methods}
    not_measured = tuple(
        (m, k, skipped.get((m, k), "budget"))
        for m in methods for i, k in enumerate(sizes) if not samples[m][i])
    choices = [choose_method((h, w), _make_kernel(kernel, k, seed), padding=k // 2)
               for k in sizes]
    auto = tuple(c.method for c in choices)
    complete = all(c == rounds for m in methods for c in counts[m])
    return MethodTiming((h, w), sizes, methods, seconds, counts, not_measured, auto,
                        float(budget_s), time.perf_counter() - start, start - setup_start,
                        complete, loop_rows, torch_threads, kernel, abandoned,
                        tuple(c.reason for c in choices))


def _sweep_image(image, seed: int) -> np.ndarray:
    if np.ndim(image) == 1:
        h, w = as_tuple(tuple(image), 2, "the image size")
        if h * w > SWEEP_MAX_PIXELS:
            raise ValueError(_too_large(h, w))
        return np.random.default_rng(seed).random((h, w), dtype=np.float32)
    arr = _real_array(image, "the image")
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"the image must be a 2-D (H, W) array (gray), got shape {arr.shape}")
    if arr.size > SWEEP_MAX_PIXELS:
        raise ValueError(_too_large(*arr.shape))
    return np.ascontiguousarray(arr, dtype=np.float32)


def _too_large(h: int, w: int) -> str:
    return (f"a {h}×{w} image has {h * w / 1e6:.1f} million pixels; timings are limited to "
            f"{SWEEP_MAX_PIXELS / 1e6:.1f} million (a 12 MP photo) so that one learner's "
            f"measurement does not exhaust the shared server's memory")


def _make_kernel(kind: str, k: int, seed: int) -> np.ndarray:
    if kind == "random":
        return np.random.default_rng(seed + k).random((k, k), dtype=np.float32)
    line = np.exp(-0.5 * ((np.arange(k) - (k - 1) / 2) / (k / 6)) ** 2)
    line /= line.sum()
    return np.outer(line, line).astype(np.float32)


def _runners(pixels, sizes, methods, kind, seed):
    """One callable per method, taking the index of the kernel size; cells that cannot be
    measured (with the reason); torch's thread count; the loop's strip height."""
    kernels = [_make_kernel(kind, k, seed) for k in sizes]
    skipped: dict[tuple[str, int], str] = {}
    runners: dict[str, Callable[[int], object]] = {}
    for m in methods:
        if m in CONV2D_METHODS:
            runners[m] = (lambda i, m=m: conv2d(pixels, kernels[i], padding=sizes[i] // 2,
                                                method=m))
    if "separable" in methods and kind == "random":
        skipped.update({("separable", k): "not-separable" for k in sizes})
    loop_rows = None
    if "loop" in methods:
        from convcore import reference

        loop_rows = min(pixels.shape[0], max(1, 4096 // pixels.shape[1]))

        def loop(i):
            k = sizes[i]
            strip = np.pad(pixels[:loop_rows + k - 1], k // 2)[:loop_rows + k - 1]
            return reference.corr2d(strip, kernels[i])

        runners["loop"] = loop
    torch_threads = None
    if "torch" in methods:
        try:
            import torch
            import torch.nn.functional as F
        except ImportError:
            skipped.update({("torch", k): "torch-missing" for k in sizes})
        else:
            torch_threads = torch.get_num_threads()
            with torch.no_grad():  # its first call initialises the library: not timed
                F.conv2d(torch.zeros((1, 1, 32, 32)), torch.zeros((1, 1, 3, 3)))
            image_t = torch.from_numpy(pixels)[None, None]
            kernels_t = [torch.from_numpy(k)[None, None] for k in kernels]

            def torch_conv(i):
                with torch.no_grad():
                    return F.conv2d(image_t, kernels_t[i], padding=sizes[i] // 2)

            runners["torch"] = torch_conv
    return runners, skipped, torch_threads, loop_rows


def _measure(worker: ThreadPoolExecutor, run: Callable[[], object], samples: list[float],
             deadline: float, predicted: float, calls_left: int) -> bool:
    """Time one call into ``samples``, unless it is predicted to end after ``deadline`` or to
    take more than four times its fair share of the time left (so that one slow method does
    not eat the time of the others' larger kernel sizes).

    Returns False when the call was still running at the deadline (it is left running).
    """
    left = deadline - time.perf_counter()
    if predicted > left or predicted > 4 * left / calls_left:
        return True
    future = worker.submit(_timed, run)
    try:
        samples.append(future.result(timeout=max(left, 0.0)))
    except FuturesTimeout:
        return False
    return True


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _predict(method: str, k: int, this_size: list[float], measured: dict[int, float]) -> float:
    """Seconds one call is expected to take (0: unknown), with a margin of 1.5.

    From an earlier round at this size if there is one; else from the largest smaller size
    measured, scaled by the method's growth with the kernel: k² for the sums (direct,
    im2col, the loop, PyTorch), k for two 1-D passes, none for the FFT.
    """
    if this_size:
        return 1.5 * float(np.median(this_size))
    if not measured:
        return 0.0
    k0 = max(measured)
    seconds = measured[k0]
    growth = {"fft": 1.0, "separable": k / k0}.get(method, (k / k0) ** 2)
    return 1.5 * seconds * growth
