"""Feature maps of a whole photo: a bank of kernels at full resolution, shrunk for display.

Pure NumPy + convcore (+ the app's colour rules from :mod:`ui.figures`); no Streamlit, so the
"Your image" page, its tests and ``benchmarks/bench_image_pipeline.py`` run the same code.

The pipeline, per kernel: ``conv2d`` on the full-resolution gray image (float32: half the
memory and about three times the speed of float64, and far more precision than a display
needs) → optional ReLU → optional max/average pooling → ``downsample`` (area average) to the
display size → colours (:func:`display_colors`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from convcore import avg_pool2d, conv2d, downsample, max_pool2d, to_uint8
from convcore.shapes import size_text
from ui.figures import ColorScale, color_scale_for, colorize

__all__ = [
    "DISPLAY_HW",
    "POOLS",
    "FeatureBank",
    "FeatureMap",
    "KernelSpec",
    "Previews",
    "display_colors",
    "feature_bank",
    "feature_map",
    "image_previews",
    "is_picture_kernel",
    "outline_box",
]

#: Largest (height, width) a feature map is shown at.
DISPLAY_HW = (480, 640)
#: Pooling choices: no pooling, max, average.
POOLS = ("none", "max", "avg")
#: Colours saturate at this percentile of |value| (one extreme pixel must not wash a map out).
SATURATION_PERCENTILE = 99.0


@dataclass(frozen=True)
class KernelSpec:
    """A named kernel, hashable (so it can key a cache).

    Attributes
    ----------
    name : str
        Preset name or ``"custom"``.
    label : str
        What the page calls it.
    weights : tuple of tuple of float
        The ``(kh, kw)`` weights, row by row.
    """

    name: str
    label: str
    weights: tuple[tuple[float, ...], ...]

    @classmethod
    def from_array(cls, name: str, label: str, array) -> KernelSpec:
        arr = np.asarray(array, dtype=np.float64)
        if arr.ndim != 2 or 0 in arr.shape:
            raise ValueError(f"a kernel must be a non-empty 2-D grid, got shape {arr.shape}")
        return cls(name, label, tuple(tuple(float(v) for v in row) for row in arr))

    @property
    def array(self) -> np.ndarray:
        """float64 ``(kh, kw)``."""
        return np.array(self.weights, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class FeatureMap:
    """One kernel's feature map, ready to show.

    Attributes
    ----------
    kernel : KernelSpec
    conv_hw : (int, int)
        Size after the convolution.
    out_hw : (int, int)
        Size after ReLU and pooling (the map's full resolution).
    lo, hi : float
        Smallest and largest value of the full-resolution map.
    display : np.ndarray
        uint8 ``(h, w, 3)`` RGB, the map shrunk to fit the display size and coloured.
    scale : ColorScale
        The colours used (kind "gray", "sequential", "diverging" or "negative").
    """

    kernel: KernelSpec
    conv_hw: tuple[int, int]
    out_hw: tuple[int, int]
    lo: float
    hi: float
    display: np.ndarray
    scale: ColorScale

    def caption(self) -> str:
        """``"Sobel x · conv 478×638 → pool 239×319 · −2.1 … 3.4"``."""
        sizes = f"conv {size_text(self.conv_hw)}"
        if self.out_hw != self.conv_hw:
            sizes += f" → pool {size_text(self.out_hw)}"
        return f"{self.kernel.label} · {sizes} · {_short(self.lo)} … {_short(self.hi)}"


@dataclass(frozen=True, eq=False)
class FeatureBank:
    """All feature maps of one image and the time they took.

    Attributes
    ----------
    in_hw : (int, int)
    maps : tuple of FeatureMap
    seconds : float
        From the gray image to display-ready colours, every kernel included.
    settings : str
        ``"padding valid, ReLU, max pool 2×2"``.
    errors : tuple of (KernelSpec, str)
        Kernels that could not be applied (e.g. larger than the image), with convcore's
        explanation.
    """

    in_hw: tuple[int, int]
    maps: tuple[FeatureMap, ...]
    seconds: float
    settings: str
    errors: tuple[tuple[KernelSpec, str], ...] = ()


def _short(value: float) -> str:
    return f"{value:.3g}".replace("-", "−")


def _check_choices(padding: str, pool: str, pool_size: int) -> None:
    if padding not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", got {padding!r}')
    if pool not in POOLS:
        raise ValueError(f"pool must be one of {', '.join(POOLS)}, got {pool!r}")
    if isinstance(pool_size, bool) or not isinstance(pool_size, (int, np.integer)) or pool_size < 1:
        raise ValueError(f"the pooling window must be a whole number ≥ 1, got {pool_size!r}")


def feature_map(gray: np.ndarray, kernel, *, padding: str = "valid", relu: bool = True,
                pool: str = "none", pool_size: int = 2, dtype=np.float32
                ) -> tuple[np.ndarray, tuple[int, int]]:
    """One kernel at full resolution: conv2d → ReLU → pooling.

    Parameters
    ----------
    gray : np.ndarray
        ``(H, W)``.
    kernel : array_like
        ``(kh, kw)``.
    padding : {"valid", "same"}
    relu : bool
        Replace negative values by 0 after the convolution.
    pool : {"none", "max", "avg"}
    pool_size : int
        Pooling window and stride.
    dtype : float32 or float64
        Precision of the computation.

    Returns
    -------
    out : np.ndarray
        ``(out_h, out_w)`` in ``dtype``.
    conv_hw : (int, int)
        The size right after the convolution.

    Raises
    ------
    ValueError
        From convcore, in words (e.g. the kernel or the pooling window is larger than the
        image).
    """
    _check_choices(padding, pool, pool_size)
    x = np.asarray(gray, dtype=dtype)
    weights = np.asarray(kernel, dtype=dtype)
    out = conv2d(x, weights, padding=padding)
    conv_hw = tuple(int(n) for n in out.shape)
    if relu:
        np.maximum(out, 0, out=out)
    if pool == "max":
        out = max_pool2d(out, pool_size)
    elif pool == "avg":
        out = avg_pool2d(out, pool_size)
    return out, conv_hw


GRAY_SCALE = ColorScale(((0.0, "#000000"), (1.0, "#ffffff")), 0.0, 1.0, "gray")


def is_picture_kernel(kernel) -> bool:
    """True when a kernel keeps brightness (its weights add up to 1: identity, blurs,
    sharpen): its output is still a picture and is drawn like one."""
    return bool(abs(float(np.sum(kernel)) - 1.0) < 1e-9)


def display_colors(values: np.ndarray, *, picture: bool = False) -> tuple[np.ndarray, ColorScale]:
    """Colour a (display-sized) map as the rest of the app does, robust to outliers.

    Parameters
    ----------
    values : np.ndarray
        ``(h, w)``.
    picture : bool
        The map is still a picture (see :func:`is_picture_kernel`): black (0) to white (1),
        values outside clipped.

    Returns
    -------
    rgb : np.ndarray
        uint8 ``(h, w, 3)``.
    scale : ColorScale
        Otherwise contrast-stretched to the :data:`SATURATION_PERCENTILE` of the magnitudes
        (so a few extreme pixels do not wash the map out and faint edges still show on a
        projector): maps without negative values (after ReLU) black (0) to white (kind
        "gray"); signed maps on the app's symmetric scale around 0, red for negative, white
        for 0, blue for positive (kind "diverging"); all-negative maps dark red to white.
    """
    arr = np.asarray(values, dtype=np.float64)
    if picture:
        return colorize(arr, GRAY_SCALE), GRAY_SCALE
    scale = color_scale_for(arr)
    finite = np.abs(arr[np.isfinite(arr)])
    if finite.size:
        limit = float(np.percentile(finite, SATURATION_PERCENTILE))
        if limit > 0:
            if scale.kind == "diverging":
                scale = dataclasses.replace(scale, zmin=-limit, zmax=limit)
            elif scale.kind == "sequential":
                scale = dataclasses.replace(GRAY_SCALE, zmax=limit)
            else:
                scale = dataclasses.replace(scale, zmin=-limit)
    return colorize(arr, scale), scale


def _settings_text(padding: str, relu: bool, pool: str, pool_size: int) -> str:
    parts = [f"padding {padding}"]
    if relu:
        parts.append("ReLU")
    if pool != "none":
        parts.append(f"{'max' if pool == 'max' else 'average'} pool {pool_size}×{pool_size}")
    return ", ".join(parts)


def feature_bank(gray: np.ndarray, kernels: Sequence[KernelSpec], *, padding: str = "valid",
                 relu: bool = True, pool: str = "none", pool_size: int = 2,
                 display_hw: tuple[int, int] = DISPLAY_HW, dtype=np.float32) -> FeatureBank:
    """Every kernel of a bank on a full-resolution image, ready for display.

    Parameters
    ----------
    gray : np.ndarray
        ``(H, W)`` in [0, 1].
    kernels : sequence of KernelSpec
    padding, relu, pool, pool_size, dtype
        As :func:`feature_map`.
    display_hw : (int, int)
        Largest display size of a map.

    Returns
    -------
    FeatureBank
        ``seconds`` covers everything from the gray image to the coloured display arrays.
    """
    _check_choices(padding, pool, pool_size)
    start = time.perf_counter()
    x = np.asarray(gray, dtype=dtype)  # converted once for the whole bank
    maps, errors = [], []
    for spec in kernels:
        try:
            out, conv_hw = feature_map(x, spec.array, padding=padding, relu=relu, pool=pool,
                                       pool_size=pool_size, dtype=dtype)
        except (ValueError, TypeError) as err:
            errors.append((spec, str(err)))
            continue
        lo, hi = float(np.min(out)), float(np.max(out))
        shown = downsample(out, display_hw)
        rgb, scale = display_colors(shown, picture=is_picture_kernel(spec.array))
        maps.append(FeatureMap(spec, conv_hw, tuple(int(n) for n in out.shape), lo, hi, rgb,
                               scale))
        del out
    seconds = time.perf_counter() - start
    return FeatureBank(tuple(int(n) for n in np.shape(gray)), tuple(maps), seconds,
                       _settings_text(padding, relu, pool, pool_size), tuple(errors))


@dataclass(frozen=True, eq=False)
class Previews:
    """A picture shrunk for display, as uint8.

    Attributes
    ----------
    gray : np.ndarray
        ``(h, w)``: the gray image (what the kernels see).
    channels : np.ndarray
        ``(3, h, w)``: R, G, B, each drawn as a gray picture of that channel's values.
    picture : np.ndarray
        ``(H', W', 3)`` (colour) or ``(H', W')`` (grayscale): a larger view to draw on.
    """

    gray: np.ndarray
    channels: np.ndarray
    picture: np.ndarray


def image_previews(gray: np.ndarray, rgb: np.ndarray, *, is_color: bool = True,
                   preview_hw: tuple[int, int] = (300, 400),
                   picture_hw: tuple[int, int] = (540, 720)) -> Previews:
    """Shrink a full-resolution image for display (area averaging, then 8 bits).

    Parameters
    ----------
    gray : np.ndarray
        ``(H, W)`` in [0, 1].
    rgb : np.ndarray
        ``(3, H, W)`` in [0, 1]; not read when ``is_color`` is False.
    is_color : bool
        False for a grayscale picture: the channels are copies of the gray preview.
    preview_hw, picture_hw : (int, int)
        Largest sizes of the small previews and of the larger picture.
    """
    gray_u8 = to_uint8(downsample(gray, preview_hw))
    if not is_color:
        return Previews(gray_u8, np.repeat(gray_u8[np.newaxis], 3, axis=0),
                        to_uint8(downsample(gray, picture_hw)))
    big = downsample(rgb, picture_hw)  # the full-size RGB is read once
    return Previews(gray_u8, to_uint8(downsample(big, gray_u8.shape)),
                    to_uint8(big, channels_last=True))


def outline_box(picture: np.ndarray, box: tuple[int, int, int, int], full_hw: tuple[int, int],
                *, color=(213, 94, 0), width: int = 3) -> np.ndarray:
    """Draw a rectangle given in full-resolution pixels on a shrunk picture.

    Parameters
    ----------
    picture : np.ndarray
        uint8 ``(h, w)`` or ``(h, w, 3)``: the image at display size.
    box : (top, left, bottom, right)
        Inclusive, in the full-resolution image's pixels.
    full_hw : (int, int)
        Size of the full-resolution image.
    color : (int, int, int)
        Okabe–Ito vermillion by default (the app's "picked" colour).
    width : int
        Line width in display pixels; a white line runs outside it so it shows on any
        background. The box is never drawn smaller than 3×3 display pixels.

    Returns
    -------
    np.ndarray
        uint8 ``(h, w, 3)``, a copy.
    """
    pic = np.asarray(picture, dtype=np.uint8)
    rgb = np.repeat(pic[:, :, None], 3, axis=2) if pic.ndim == 2 else pic.copy()
    h, w = rgb.shape[:2]
    sy, sx = h / full_hw[0], w / full_hw[1]
    top, left, bottom, right = box
    t = int(np.clip(np.floor(top * sy), 0, h - 1))
    b = int(np.clip(np.ceil((bottom + 1) * sy) - 1, t, h - 1))
    le = int(np.clip(np.floor(left * sx), 0, w - 1))
    r = int(np.clip(np.ceil((right + 1) * sx) - 1, le, w - 1))
    if b - t < 2:
        t, b = max(0, t - 1), min(h - 1, b + 1)
    if r - le < 2:
        le, r = max(0, le - 1), min(w - 1, r + 1)
    white = np.array([255, 255, 255], dtype=np.uint8)
    ink = np.array(color, dtype=np.uint8)
    for pad, paint in ((width + 1, white), (width, ink)):
        for y0, y1, x0, x1 in ((t - pad, t, le - pad, r + pad), (b, b + pad, le - pad, r + pad),
                               (t - pad, b + pad, le - pad, le), (t - pad, b + pad, r, r + pad)):
            rgb[max(0, y0):max(0, y1 + 1), max(0, x0):max(0, x1 + 1)] = paint
    return rgb
