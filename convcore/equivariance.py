"""Equivariance to shifts (Goodfellow 9.2) and finding a pattern anywhere (d2l's Waldo).

*Equivariance*: shifting the input and then convolving gives the same as convolving and then
shifting the output — away from the border. :func:`equivariance_check` computes both sides
and, by index arithmetic, the output cells where the two may differ and why: zero padding.
A tap of the original convolution that read a real input cell whose copy the shift pushed
off the image (or an output cell that the shift brings in from outside) is not reproduced.

Rotating (:func:`rotation_check`) or enlarging (:func:`scale_check`) the input instead is not
undone by the convolution: it is equivariant to shifts only.

*Finding Waldo*: a detector that works the same wherever the object is (translation
invariance) and looks only at a window (locality) is one kernel slid everywhere.
:func:`find_pattern` slides the zero-mean pattern over an image; the response peaks where the
pattern sits (:func:`place_pattern` hides one).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from convcore.conv import _real_array, conv2d
from convcore.matrix import ConvGeometry, conv_geometry
from convcore.padding import pad
from convcore.shapes import as_tuple, size_text

__all__ = [
    "EquivarianceCheck",
    "PatternMatch",
    "RotationCheck",
    "ScaleCheck",
    "equivariance_check",
    "find_pattern",
    "place_pattern",
    "rotation_check",
    "scale_check",
    "shift2d",
]


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    return int(value)


def shift2d(x, dy: int, dx: int, fill: float = 0.0) -> np.ndarray:
    """Shift the last two axes of ``x`` by ``dy`` rows down and ``dx`` columns right.

    ``out[..., i, j] = x[..., i − dy, j − dx]``, and ``fill`` where ``(i − dy, j − dx)`` lies
    outside ``x`` (negative shifts go up / left). Nothing wraps around.

    Parameters
    ----------
    x : array_like, (..., H, W)
    dy, dx : int
    fill : float

    Returns
    -------
    ndarray
        The shape of ``x``; float64 unless ``x`` is float32.

    >>> shift2d([[1, 2], [3, 4]], 1, 0)
    array([[0., 0.],
           [1., 2.]])
    """
    arr = _real_array(x, "x")
    if arr.ndim < 2:
        raise ValueError(f"x must have at least two axes (H, W), got shape {arr.shape}")
    dy, dx = _int(dy, "dy"), _int(dx, "dx")
    fill = float(_real_array(fill, "fill"))
    h, w = arr.shape[-2:]
    out = np.full(arr.shape, fill, dtype=arr.dtype)
    if abs(dy) < h and abs(dx) < w:
        out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            arr[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


@dataclass(frozen=True)
class EquivarianceCheck:
    """``conv(shift(x))`` against ``shift(conv(x))``.

    Attributes
    ----------
    shift : (int, int)
        ``(dy, dx)`` applied to the input.
    output_shift : (int, int)
        ``(dy / s_h, dx / s_w)`` applied to the output.
    conv_of_shifted : ndarray
        ``conv2d(shift2d(x, dy, dx), weight, ...)``.
    shifted_conv : ndarray
        ``shift2d(conv2d(x, weight, ...), dy / s_h, dx / s_w)``.

        Both are computed tap by tap (one multiply-add of whole planes per weight), so
        that every cell adds its products in the same order: they equal ``conv2d`` up to
        rounding, and equal each other bit for bit where the windows agree.
    difference : ndarray
        ``conv_of_shifted − shifted_conv``, the output's shape.
    border : ndarray of bool, (H_out, W_out)
        True where the two may differ: the window reads a real input cell that the shift
        pushed off the image (the shifted input has a zero there), or the cell's shifted
        source lies outside the output. Everywhere else the two sides add the very same
        products in the same order and the difference is exactly 0.0.
    """

    shift: tuple[int, int]
    output_shift: tuple[int, int]
    conv_of_shifted: np.ndarray
    shifted_conv: np.ndarray
    difference: np.ndarray
    border: np.ndarray

    @property
    def exact_zero(self) -> np.ndarray:
        """bool, the output's shape: where the difference is exactly 0."""
        return self.difference == 0

    @property
    def max_interior_difference(self) -> float:
        """Largest ``|difference|`` away from the border (0 for a convolution)."""
        interior = np.abs(self.difference)[..., ~self.border]
        return float(interior.max()) if interior.size else 0.0

    @property
    def max_border_difference(self) -> float:
        """Largest ``|difference|`` on the border cells."""
        edge = np.abs(self.difference)[..., self.border]
        return float(edge.max()) if edge.size else 0.0


def _axis_border(geo: ConvGeometry, axis: int, shift: int, out_shift: int):
    """Per output cell along one axis: (source outside the output, any tap real, any tap lost)."""
    n, n_out = geo.in_hw[axis], geo.out_hw[axis]
    source = np.arange(n_out) - out_shift
    outside = (source < 0) | (source >= n_out)
    positions = geo.input_index(axis)[np.clip(source, 0, n_out - 1)]
    real = (positions >= 0) & (positions < n)
    moved = positions + shift
    lost = real & ((moved < 0) | (moved >= n))
    return outside, real.any(axis=1), lost.any(axis=1)


def _correlate_tap_by_tap(x: np.ndarray, w: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    """``conv2d`` (zero padding) as one multiply-add of whole planes per (channel, tap).

    Every output cell adds the same products in the same order with elementwise operations,
    so two cells that see the same window get bit-for-bit the same value. ``conv2d``'s
    matrix products do not promise that (the BLAS may round a cell at the edge of its
    blocks differently), and "exactly zero away from the border" must be exact.
    """
    x3 = x[np.newaxis] if x.ndim == 2 else x
    w4 = w.reshape(geo.weight_shape)
    xp = pad(x3.astype(np.float64), geo.pads)
    (out_h, out_w), (sh, sw), (dh, dw) = geo.out_hw, geo.stride, geo.dilation
    out = np.zeros((w4.shape[0], out_h, out_w))
    for c, a, b in np.ndindex(*w4.shape[1:]):
        plane = xp[c, a * dh:a * dh + (out_h - 1) * sh + 1:sh,
                   b * dw:b * dw + (out_w - 1) * sw + 1:sw]
        out += w4[:, c, a, b, np.newaxis, np.newaxis] * plane
    return out[0] if x.ndim == 2 else out


def equivariance_check(x, weight, dy: int, dx: int, stride=1, padding=0,
                       dilation=1) -> EquivarianceCheck:
    """Shift then convolve, against convolve then shift (zero padding, zero fill).

    Parameters
    ----------
    x : array_like
        ``(H, W)`` with a ``(kh, kw)`` kernel, or ``(C_in, H, W)`` with ``(C_out, C_in, kh,
        kw)``.
    weight : array_like
    dy, dx : int
        The input shift; with a stride it must be a multiple of it (a stride-2 layer moves
        its output by one cell for every two input cells).
    stride, padding, dilation
        As :func:`convcore.conv2d`.

    Returns
    -------
    EquivarianceCheck
    """
    arr = _real_array(x, "x")
    w = _real_array(weight, "weight")
    if not ((arr.ndim == 2 and w.ndim == 2) or (arr.ndim == 3 and w.ndim == 4)):
        raise ValueError(f"x must be (H, W) with a (kh, kw) weight or (C_in, H, W) with a "
                         f"(C_out, C_in, kh, kw) one; got shapes {arr.shape} and {w.shape}")
    dy, dx = _int(dy, "dy"), _int(dx, "dx")
    geo = conv_geometry(arr.shape[-2:], w.shape, stride, padding, dilation)
    for name, shift, s in (("dy", dy, geo.stride[0]), ("dx", dx, geo.stride[1])):
        if shift % s:
            raise ValueError(f"{name}={shift} is not a multiple of the stride {s}: a strided "
                             "convolution is equivariant only to shifts by whole strides")
    out_dy, out_dx = dy // geo.stride[0], dx // geo.stride[1]
    conv_of_shifted = _correlate_tap_by_tap(shift2d(arr, dy, dx), w, geo)
    shifted_conv = shift2d(_correlate_tap_by_tap(arr, w, geo), out_dy, out_dx)
    out_r, real_r, lost_r = _axis_border(geo, 0, dy, out_dy)
    out_c, real_c, lost_c = _axis_border(geo, 1, dx, out_dx)
    border = (out_r[:, None] | out_c[None, :]
              | (lost_r[:, None] & real_c[None, :]) | (real_r[:, None] & lost_c[None, :]))
    return EquivarianceCheck((dy, dx), (out_dy, out_dx), conv_of_shifted, shifted_conv,
                             conv_of_shifted - shifted_conv, border)


@dataclass(frozen=True)
class RotationCheck:
    """``conv(rot90(x))`` against ``rot90(conv(x))``: convolution is not rotation-equivariant.

    Attributes
    ----------
    quarter_turns : int
        Counter-clockwise quarter turns (``numpy.rot90``'s ``k``).
    conv_of_rotated, rotated_conv : ndarray
    difference : ndarray
    relative_difference : float
        ``‖difference‖ / ‖rotated_conv‖`` (0 when both are 0): 0 means equivariant.
    rotated_kernel_conv : ndarray
        ``conv(rot90(x), rot90(weight))``: rotating the kernel as well gives
        ``rotated_conv`` back (exactly, up to rounding, with symmetric padding).
    """

    quarter_turns: int
    conv_of_rotated: np.ndarray
    rotated_conv: np.ndarray
    difference: np.ndarray
    relative_difference: float
    rotated_kernel_conv: np.ndarray


def rotation_check(x, weight, quarter_turns: int = 1, padding="same") -> RotationCheck:
    """Rotate then convolve, against convolve then rotate, for an ``(H, W)`` image.

    Parameters
    ----------
    x : array_like, (H, W)
    weight : array_like, (kh, kw)
        An oriented kernel (Sobel x) shows the largest difference; a rotation-symmetric one
        (a Gaussian) almost none.
    quarter_turns : int
        1, 2 or 3 (any integer; taken modulo 4).
    padding : as :func:`convcore.conv2d`
        Symmetric padding (the default "same" with an odd kernel) keeps the geometry
        rotation-symmetric, so that only the kernel's orientation makes a difference.
    """
    arr = _real_array(x, "x")
    w = _real_array(weight, "weight")
    if arr.ndim != 2 or w.ndim != 2:
        raise ValueError(f"rotation_check takes an (H, W) image and a (kh, kw) kernel, got "
                         f"shapes {arr.shape} and {w.shape}")
    k = _int(quarter_turns, "quarter_turns") % 4
    rotated_conv = np.rot90(conv2d(arr, w, padding=padding), k)
    conv_of_rotated = conv2d(np.rot90(arr, k), w, padding=padding)
    if conv_of_rotated.shape != rotated_conv.shape:
        raise ValueError(f"with padding={padding!r} the output of the rotated image "
                         f"({size_text(conv_of_rotated.shape)}) is not the rotated output "
                         f"({size_text(rotated_conv.shape)}): use padding that keeps the "
                         "shape, or a square image")
    difference = conv_of_rotated - rotated_conv
    scale = float(np.linalg.norm(rotated_conv))
    relative = float(np.linalg.norm(difference)) / scale if scale else 0.0
    return RotationCheck(k, conv_of_rotated, np.ascontiguousarray(rotated_conv), difference,
                         relative, conv2d(np.rot90(arr, k), np.rot90(w, k), padding=padding))


@dataclass(frozen=True)
class ScaleCheck:
    """``conv(enlarge(x))`` against ``enlarge(conv(x))``: convolution is not scale-equivariant.

    ``enlarge`` repeats every pixel ``factor × factor`` times (nearest neighbour), so an edge
    one pixel wide becomes ``factor`` pixels wide, while the kernel keeps its size.

    Attributes
    ----------
    factor : int
    conv_of_scaled, scaled_conv : ndarray, (factor·H_out, factor·W_out)
    difference : ndarray
    relative_difference : float
        ``‖difference‖ / ‖scaled_conv‖`` (0 when both are 0): 0 means equivariant.
    """

    factor: int
    conv_of_scaled: np.ndarray
    scaled_conv: np.ndarray
    difference: np.ndarray
    relative_difference: float


def scale_check(x, weight, factor: int = 2, padding="same") -> ScaleCheck:
    """Enlarge then convolve, against convolve then enlarge, for an ``(H, W)`` image.

    Parameters
    ----------
    x : array_like, (H, W)
    weight : array_like, (kh, kw)
        A 1×1 kernel is scale-equivariant (it looks at one pixel); any larger one is not:
        enlarged, the image's details are wider than the kernel was made for.
    factor : int
        Every pixel becomes a ``factor × factor`` block.
    padding : as :func:`convcore.conv2d`
        Must keep the output as large as the input ("same", the default), so that the two
        sides have the same shape.
    """
    arr = _real_array(x, "x")
    w = _real_array(weight, "weight")
    if arr.ndim != 2 or w.ndim != 2:
        raise ValueError(f"scale_check takes an (H, W) image and a (kh, kw) kernel, got "
                         f"shapes {arr.shape} and {w.shape}")
    (f,) = as_tuple(factor, 1, "factor")
    block = np.ones((f, f))
    scaled_conv = np.kron(conv2d(arr, w, padding=padding), block)
    conv_of_scaled = conv2d(np.kron(arr, block), w, padding=padding)
    if conv_of_scaled.shape != scaled_conv.shape:
        raise ValueError(f"with padding={padding!r} the output of the enlarged image "
                         f"({size_text(conv_of_scaled.shape)}) is not the enlarged output "
                         f"({size_text(scaled_conv.shape)}): use padding='same'")
    difference = conv_of_scaled - scaled_conv
    scale = float(np.linalg.norm(scaled_conv))
    relative = float(np.linalg.norm(difference)) / scale if scale else 0.0
    return ScaleCheck(f, conv_of_scaled, scaled_conv, difference, relative)


# --------------------------------------------------------------------------- finding Waldo


def place_pattern(background, pattern, top: int, left: int) -> np.ndarray:
    """A copy of ``background`` with ``pattern`` pasted at ``(top, left)``.

    Parameters
    ----------
    background : array_like, (H, W)
    pattern : array_like, (ph, pw)
        Must fit: ``0 ≤ top ≤ H − ph`` and ``0 ≤ left ≤ W − pw``.
    top, left : int

    Returns
    -------
    ndarray, (H, W)
    """
    bg = _real_array(background, "background")
    pat = _real_array(pattern, "pattern")
    if bg.ndim != 2 or pat.ndim != 2 or bg.size == 0 or pat.size == 0:
        raise ValueError(f"background and pattern must be non-empty 2-D arrays, got shapes "
                         f"{bg.shape} and {pat.shape}")
    top, left = _int(top, "top"), _int(left, "left")
    (h, w), (ph, pw) = bg.shape, pat.shape
    if ph > h or pw > w:
        raise ValueError(f"the {size_text(pat.shape)} pattern is larger than the "
                         f"{size_text(bg.shape)} background")
    for name, value, limit in (("top", top, h - ph), ("left", left, w - pw)):
        if not 0 <= value <= limit:
            raise ValueError(f"{name} must be between 0 and {limit} for the "
                             f"{size_text(pat.shape)} pattern to fit in the "
                             f"{size_text(bg.shape)} background, got {value}")
    dtype = np.result_type(bg.dtype, pat.dtype)
    out = bg.astype(dtype, copy=True)
    out[top:top + ph, left:left + pw] = pat
    return out


@dataclass(frozen=True)
class PatternMatch:
    """A pattern slid over an image as one kernel.

    Attributes
    ----------
    template : ndarray, (ph, pw)
        The kernel: the pattern minus its mean (a flat window then scores 0).
    response : ndarray, (H − ph + 1, W − pw + 1)
        ``conv2d(image, template)``; divided by the window's and the template's spread
        when ``normalized`` (then in [−1, 1], 1 for an exact copy up to brightness and
        contrast).
    peak : (int, int)
        Where the response is largest (first such cell in row-major order): the top-left
        corner of the best window.
    peak_value : float
    normalized : bool
    """

    template: np.ndarray
    response: np.ndarray
    peak: tuple[int, int]
    peak_value: float
    normalized: bool


def find_pattern(image, pattern, *, normalized: bool = False) -> PatternMatch:
    """Slide the zero-mean pattern over the image: the response peaks where the pattern is.

    Parameters
    ----------
    image : array_like, (H, W)
    pattern : array_like, (ph, pw)
        Not constant (a flat pattern has no zero-mean template).
    normalized : bool
        Divide by ``‖template‖ · ‖window − mean(window)‖`` (normalised cross-correlation):
        a bright but different window can no longer beat a dim copy of the pattern.

    Returns
    -------
    PatternMatch
    """
    img = _real_array(image, "image").astype(np.float64)
    pat = _real_array(pattern, "pattern").astype(np.float64)
    if img.ndim != 2 or pat.ndim != 2 or img.size == 0 or pat.size == 0:
        raise ValueError(f"image and pattern must be non-empty 2-D arrays, got shapes "
                         f"{img.shape} and {pat.shape}")
    if pat.shape[0] > img.shape[0] or pat.shape[1] > img.shape[1]:
        raise ValueError(f"the {size_text(pat.shape)} pattern is larger than the "
                         f"{size_text(img.shape)} image")
    if not isinstance(normalized, bool | np.bool_):
        raise TypeError(f"normalized must be True or False, not {normalized!r}")
    template = pat - pat.mean()
    template_norm = float(np.linalg.norm(template))
    if template_norm == 0:
        raise ValueError("the pattern is constant: its zero-mean template is all zeros and "
                         "scores every window 0")
    response = conv2d(img, template)
    if normalized:
        ones = np.ones_like(pat)
        sums = conv2d(img, ones)
        squares = conv2d(img * img, ones)
        spread = np.sqrt(np.maximum(squares - sums * sums / pat.size, 0.0))
        denominator = spread * template_norm
        response = np.divide(response, denominator, out=np.zeros_like(response),
                             where=denominator > 1e-12 * template_norm)
    flat = int(np.argmax(response))
    peak = tuple(int(v) for v in np.unravel_index(flat, response.shape))
    return PatternMatch(template, response, peak, float(response.ravel()[flat]),
                        bool(normalized))
