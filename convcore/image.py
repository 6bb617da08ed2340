"""Load what people actually upload, safely, as float arrays in [0, 1].

This is the only convcore module that imports Pillow. Everything it returns follows the rest
of convcore: float64, grayscale as ``(H, W)`` and colour channels first as ``(3, H, W)``.

Safety rules, in the order they are applied:

1. Only PNG, JPEG (and its multi-picture variant MPO), GIF, BMP, TIFF and WebP are opened;
   everything else is refused before any decoder runs.
2. The pixel count is read from the header and checked against ``max_pixels`` *before* the
   pixels are decoded (decompression bombs). Pillow's own ``DecompressionBombWarning`` is
   turned into an error for the duration of the call; the global
   ``PIL.Image.MAX_IMAGE_PIXELS`` is never changed, so it caps ``max_pixels`` from above.
3. Decoding (``.load()``) happens inside the same ``try`` as opening, so a truncated or
   damaged file is refused with one sentence instead of failing later.

Every refusal is an :class:`ImageLoadError` (a ``ValueError``) whose message is one sentence a
user can act on.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np
from PIL import Image, ImageOps

from convcore.shapes import as_tuple

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "SUPPORTED_FORMATS",
    "ImageInfo",
    "ImageLoadError",
    "crop_patch",
    "downsample",
    "fit_within",
    "image_info",
    "load_image",
    "to_uint8",
]

#: Largest image accepted by default: 40 megapixels (a 36 MP camera fits; at float64 an RGB
#: image this size already takes about 1 GB).
DEFAULT_MAX_PIXELS = 40_000_000

#: Pillow format identifiers that may be opened. The JPEG opener also yields "MPO", Pillow's
#: name for the JPEGs many phones write (a main picture plus previews).
SUPPORTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")

#: ITU-R 601-2 luma weights, as in Pillow's ``convert("L")``.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
LUMA_PER_MILLE = (299, 587, 114)

NOT_AN_IMAGE = "This file is not an image Pillow can read (PNG, JPEG, GIF, BMP, TIFF, WebP)."
TRUNCATED = "The image file is truncated or damaged."
EMPTY = "The file is empty."

# Signatures of formats people try to upload that are refused: a precise sentence beats
# "not an image" when the user holds, say, an iPhone photo.
_UNSUPPORTED_BRANDS = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
}
_UNSUPPORTED_MAGIC = {
    b"%PDF": "PDF",
    b"8BPS": "Photoshop (PSD)",
    b"\x00\x00\x01\x00": "ICO",
}

# First bytes of the supported formats: a file that starts like one of them but cannot be
# opened was cut short or damaged, rather than being "not an image".
_SUPPORTED_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG / MPO
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
)

_EXIF_ORIENTATION = 0x0112

_PILLOW_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")

ImageSource = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]


class ImageLoadError(ValueError):
    """An uploaded file cannot be used as an image; the message is one sentence for the user.

    Attributes
    ----------
    reason : str
        One of ``"empty"``, ``"not_an_image"``, ``"unsupported"``, ``"truncated"``,
        ``"too_large"``, ``"unreadable"``: lets callers react without parsing the message.
    """

    def __init__(self, message: str, *, reason: str = "not_an_image") -> None:
        super().__init__(message)
        self.reason = reason


class ImageInfo(NamedTuple):
    """What the header says about an image (nothing is decoded).

    ``width`` and ``height`` are as displayed, i.e. after the EXIF orientation is applied,
    so they match the shape :func:`load_image` returns.
    """

    width: int
    height: int
    mode: str
    format: str
    n_frames: int


# --------------------------------------------------------------------------------------------
# Reading the source
# --------------------------------------------------------------------------------------------


def _read_source(source: ImageSource) -> bytes:
    """Return the file's bytes from bytes, a path or a binary file object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ImageLoadError(f"There is no file at {path}.", reason="unreadable") from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ImageLoadError(
                f"The file {path} cannot be read ({reason}).", reason="unreadable"
            ) from None
    if hasattr(source, "getvalue"):  # BytesIO and Streamlit's UploadedFile: the whole file
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read()
    else:
        raise TypeError(
            "an image source must be bytes, a path or a binary file object, "
            f"not {type(source).__name__}"
        )
    if isinstance(data, str):
        raise TypeError("the file object is in text mode; open the image with mode 'rb'")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"reading the file object gave {type(data).__name__}, not bytes")
    return bytes(data)


def _unsupported_format_name(data: bytes) -> str | None:
    """Name a known but refused format from its first bytes, or None."""
    if data[4:8] == b"ftyp" and data[8:12] in _UNSUPPORTED_BRANDS:
        return _UNSUPPORTED_BRANDS[data[8:12]]
    for magic, name in _UNSUPPORTED_MAGIC.items():
        if data.startswith(magic):
            return name
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "SVG"
    return None


def _check_max_pixels(max_pixels: int) -> None:
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise TypeError(f"max_pixels must be an integer, not {type(max_pixels).__name__}")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be at least 1, got {max_pixels}")


def _too_large(pixels: int, limit: int, size: tuple[int, int] | None = None) -> ImageLoadError:
    dims = f"{size[0]}×{size[1]} pixels, " if size else ""
    return ImageLoadError(
        f"The image is too large ({dims}{pixels / 1e6:.1f} megapixels); "
        f"the limit is {limit / 1e6:.1f} megapixels.",
        reason="too_large",
    )


def _pillow_limit() -> int | None:
    limit = Image.MAX_IMAGE_PIXELS
    return None if limit is None else int(limit)


def _bomb_error(exc: Exception, max_pixels: int) -> ImageLoadError:
    """Translate Pillow's decompression-bomb warning/error into our message."""
    match = _PILLOW_BOMB_PIXELS.search(str(exc))
    pixels = int(match.group(1)) if match else max_pixels + 1
    limit = _pillow_limit() or max_pixels
    return _too_large(pixels, min(max_pixels, limit))


def _open(data: bytes) -> Image.Image:
    """Open (header only) from bytes, restricted to the supported formats."""
    if not data:
        raise ImageLoadError(EMPTY, reason="empty")
    try:
        return Image.open(io.BytesIO(data), formats=list(SUPPORTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise
    except Exception:
        if data.startswith(_SUPPORTED_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
            raise ImageLoadError(TRUNCATED, reason="truncated") from None
        refused = _unsupported_format_name(data)
        if refused is not None:
            raise ImageLoadError(
                f"{refused} images are not supported; please use PNG, JPEG, GIF, BMP, "
                "TIFF or WebP.",
                reason="unsupported",
            ) from None
        raise ImageLoadError(NOT_AN_IMAGE, reason="not_an_image") from None


def _exif_orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1 = as stored; 5-8 swap width and height)."""
    try:
        orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block does not make the picture unusable
        return 1
    return orientation if orientation in range(1, 9) else 1


def _displayed_size(img: Image.Image) -> tuple[int, int]:
    """(width, height) after the EXIF orientation is applied."""
    width, height = img.size
    if _exif_orientation(img) in (5, 6, 7, 8):
        return height, width
    return width, height


# --------------------------------------------------------------------------------------------
# Public: header information
# --------------------------------------------------------------------------------------------


def image_info(source: ImageSource) -> ImageInfo:
    """Read an image's size, mode, format and frame count from its header only.

    Parameters
    ----------
    source : bytes, bytearray, str, path-like or binary file object
        The image file.

    Returns
    -------
    ImageInfo
        ``(width, height, mode, format, n_frames)``; width and height as displayed (EXIF
        orientation applied). ``n_frames`` is 1 for still images.

    Raises
    ------
    ImageLoadError
        If the file is empty, not a supported image, or so large that Pillow refuses even to
        open it. Larger-than-``max_pixels`` images are *reported*, not refused, here.
    """
    data = _read_source(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with _open(data) as img:
                width, height = _displayed_size(img)
                try:
                    n_frames = int(getattr(img, "n_frames", 1))
                except Exception:
                    n_frames = 1
                return ImageInfo(width, height, img.mode, str(img.format), n_frames)
        except Image.DecompressionBombError as exc:
            raise _bomb_error(exc, DEFAULT_MAX_PIXELS) from None


# --------------------------------------------------------------------------------------------
# Public: loading
# --------------------------------------------------------------------------------------------


def load_image(
    source: ImageSource, *, mode: str = "gray", max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode an uploaded image into a float64 array in [0, 1].

    Parameters
    ----------
    source : bytes, bytearray, str, path-like or binary file object
        The image file (e.g. Streamlit's ``UploadedFile``; its whole content is used whatever
        its read position).
    mode : {"gray", "rgb"}
        ``"gray"`` gives ITU-R 601 luma (Pillow's "L" weights, but not rounded to 8 bits, and
        16-bit grayscale keeps its 16 bits); ``"rgb"`` gives three channels.
    max_pixels : int
        Refuse images with more pixels than this, judged from the header before decoding.
        Pillow's own limit (``PIL.Image.MAX_IMAGE_PIXELS``) still applies above it.

    Returns
    -------
    np.ndarray
        float64, C-contiguous, shape ``(H, W)`` for gray or ``(3, H, W)`` for rgb, with the
        EXIF orientation applied, transparency composited onto white and, for animations and
        multipage files, the first frame.

    Raises
    ------
    ImageLoadError
        Empty, not an image, unsupported format, truncated/damaged, or too large.
    ValueError, TypeError
        Bad ``mode``, ``max_pixels`` or source type.
    """
    if mode not in ("gray", "rgb"):
        raise ValueError(f'mode must be "gray" or "rgb", got {mode!r}')
    _check_max_pixels(max_pixels)
    data = _read_source(source)
    # catch_warnings is not thread-safe before Python 3.14: with concurrent sessions the
    # filter may be missing for a moment. The explicit max_pixels check below is the guard
    # that always holds; Pillow's warning-as-error is the second line.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise _too_large(width * height, max_pixels, (width, height))
                img.seek(0)
                img.load()
                frame = _apply_exif_orientation(img)
                color, full_scale, alpha = _to_planes(frame)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb_error(exc, max_pixels) from None
        except ImageLoadError:
            raise
        except MemoryError:
            raise ImageLoadError(
                "The image is too large to decode in the memory available.", reason="too_large"
            ) from None
        except Exception:
            raise ImageLoadError(TRUNCATED, reason="truncated") from None
    return _finish(color, full_scale, alpha, mode)


def _apply_exif_orientation(img: Image.Image) -> Image.Image:
    if _exif_orientation(img) == 1:
        return img  # exif_transpose would copy the whole picture for nothing
    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # a damaged EXIF block: show the pixels as stored
        return img


def _to_planes(img: Image.Image) -> tuple[np.ndarray, float, np.ndarray | None]:
    """Split a decoded frame into raw colour values and alpha, without copying where possible.

    Returns
    -------
    color : np.ndarray
        ``(H, W)`` gray or ``(H, W, 3)`` RGB, in Pillow's own dtype (bool, uint8, uint16, ...).
    full_scale : float
        The value of white in ``color`` (255 for 8-bit, 65535 for 16-bit, 1 for float).
    alpha : np.ndarray or None
        uint8 ``(H, W)`` (255 = opaque), or None when the image has no transparency.
    """
    mode = img.mode
    if "transparency" in img.info and mode in ("1", "L", "P", "RGB"):
        img = img.convert("LA" if mode in ("1", "L") else "RGBA")  # keyed transparency
        mode = img.mode
    elif mode in ("La", "PA", "RGBa"):
        img = img.convert("LA" if mode == "La" else "RGBA")
        mode = img.mode

    if mode in ("1", "L"):
        return np.asarray(img), (1.0 if mode == "1" else 255.0), None
    if mode.startswith("I;16"):
        return np.asarray(img), 65535.0, None
    if mode == "I":
        return _scale_int32(np.asarray(img)), 1.0, None
    if mode == "F":
        return _scale_float(np.asarray(img, dtype=np.float64)), 1.0, None
    if mode in ("LA", "RGBA"):
        planes = np.asarray(img)
        color = planes[..., 0] if mode == "LA" else planes[..., :3]
        return color, 255.0, planes[..., -1]
    if mode != "RGB":  # P, CMYK, YCbCr, LAB, HSV, RGBX, ...
        img = img.convert("RGB")
    return np.asarray(img), 255.0, None


def _scale_int32(values: np.ndarray) -> np.ndarray:
    """Mode "I": 16-bit data stored as int32 is scaled by 65535, anything else min-max."""
    lo, hi = int(values.min()), int(values.max())
    if lo >= 0 and hi <= 65535:
        return values * (1.0 / 65535)
    return _min_max(values.astype(np.float64))


def _scale_float(values: np.ndarray) -> np.ndarray:
    """Mode "F": keep values already in [0, 1], min-max anything else; non-finite -> 0 or 1."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape)
    lo, hi = values[finite].min(), values[finite].max()
    if not (lo >= 0.0 and hi <= 1.0):
        values = _min_max(np.where(finite, values, lo), lo, hi)
    return np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0)


def _min_max(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    lo = values.min() if lo is None else lo
    hi = values.max() if hi is None else hi
    if hi == lo:
        return np.zeros(values.shape)
    return (values - lo) / (hi - lo)


def _finish(
    color: np.ndarray, full_scale: float, alpha: np.ndarray | None, mode: str
) -> np.ndarray:
    """Scale to [0, 1], convert to the requested layout and composite onto white.

    Compositing and luma are both linear and the luma weights sum to 1, so compositing the
    gray image equals taking the luma of the composited colours (and is 3× cheaper).
    """
    if color.ndim == 3 and mode == "gray":
        out = _luma(color, full_scale)
    elif color.ndim == 3:
        out = np.empty((3, *color.shape[:2]))
        np.multiply(color.transpose(2, 0, 1), 1.0 / full_scale, out=out)
    else:
        out = np.empty(color.shape)
        np.multiply(color, 1.0 / full_scale, out=out)
    if alpha is not None:  # out·a + 1·(1 − a)
        out -= 1.0
        out *= alpha * (1.0 / 255)
        out += 1.0
    if mode == "rgb" and out.ndim == 2:
        out = np.repeat(out[np.newaxis], 3, axis=0)
    return out


def _luma(rgb_hwc: np.ndarray, full_scale: float) -> np.ndarray:
    """(H, W, 3) unsigned-integer RGB -> (H, W) ITU-R 601-2 luma in [0, 1], float64.

    The weighted sum ``299·R + 587·G + 114·B`` is exact in uint32 (even for 16-bit values),
    so the only rounding is the final division, and white maps to exactly 1.
    """
    acc = np.multiply(rgb_hwc[..., 0], LUMA_PER_MILLE[0], dtype=np.uint32)
    acc += np.multiply(rgb_hwc[..., 1], LUMA_PER_MILLE[1], dtype=np.uint32)
    acc += np.multiply(rgb_hwc[..., 2], LUMA_PER_MILLE[2], dtype=np.uint32)
    return np.multiply(acc, 1.0 / (1000 * full_scale))


# --------------------------------------------------------------------------------------------
# Public: resizing, cropping, export
# --------------------------------------------------------------------------------------------


def _check_image_array(img: np.ndarray, name: str = "img") -> np.ndarray:
    img = np.asarray(img)
    if img.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be a 2-D (H, W) or 3-D (C, H, W) array, got shape {img.shape}"
        )
    if not (np.issubdtype(img.dtype, np.number) or img.dtype == np.bool_):
        raise TypeError(f"{name} must hold numbers, not {img.dtype}")
    if img.shape[-1] == 0 or img.shape[-2] == 0:
        raise ValueError(f"{name} is empty (shape {img.shape})")
    return img


def fit_within(in_hw: tuple[int, int], max_hw: tuple[int, int]) -> tuple[int, int]:
    """The largest size with the aspect ratio of ``in_hw`` that fits ``max_hw`` (never larger).

    Parameters
    ----------
    in_hw, max_hw : (int, int)
        ``(height, width)`` of the image and of the box to fit it in.

    Returns
    -------
    (int, int)
        ``(out_h, out_w)``, each at least 1 and at most the input size.
    """
    in_h, in_w = as_tuple(in_hw, 2, "in_hw")
    max_h, max_w = as_tuple(max_hw, 2, "max_hw")
    scale = min(max_h / in_h, max_w / in_w, 1.0)
    out_h = min(max_h, in_h, max(1, round(in_h * scale)))
    out_w = min(max_w, in_w, max(1, round(in_w * scale)))
    return out_h, out_w


def _bin_means(img: np.ndarray, out_size: int, axis: int) -> np.ndarray:
    """Average consecutive runs of pixels along ``axis`` into ``out_size`` bins.

    Bin ``i`` covers input indices ``[floor(i·n/out), floor((i+1)·n/out))``, so every pixel
    counts exactly once and, for an integer factor, this is the exact block mean. Bins hold
    ``f`` or ``f + 1`` pixels (``f = n // out``): the sums are ``f`` gathers of whole rows (or
    columns) plus one for the longer bins, which reads the input once; ``np.add.reduceat``
    is several times slower along the leading axis.
    """
    in_size = img.shape[axis]
    if out_size == in_size:
        return img
    starts = (np.arange(out_size) * in_size) // out_size
    counts = np.diff(np.append(starts, in_size))
    short = int(counts.min())
    sums = np.take(img, starts, axis=axis)
    for offset in range(1, short):
        sums += np.take(img, starts + offset, axis=axis)
    longer = np.flatnonzero(counts > short)
    if longer.size:
        where = (slice(None),) * axis + (longer,)
        sums[where] += np.take(img, starts[longer] + short, axis=axis)
    shape = [1] * img.ndim
    shape[axis] = out_size
    sums /= counts.reshape(shape)
    return sums


def downsample(img: np.ndarray, max_hw: tuple[int, int] | int) -> np.ndarray:
    """Shrink an image by area averaging (a box filter) to fit within ``max_hw``.

    The aspect ratio is kept (rounded to whole pixels); an image that already fits is
    returned as a float copy. Every input pixel contributes to exactly one output pixel,
    and for an integer factor the result is the exact block mean.

    Parameters
    ----------
    img : np.ndarray
        ``(H, W)`` or ``(C, H, W)``.
    max_hw : (int, int) or int
        Largest allowed ``(height, width)``.

    Returns
    -------
    np.ndarray
        ``(h, w)`` or ``(C, h, w)`` with ``h <= max_h`` and ``w <= max_w``; float64 unless
        the input is float32.

    Examples
    --------
    >>> downsample(np.arange(16.0).reshape(4, 4), (2, 2))
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    img = _check_image_array(img)
    dtype = img.dtype if img.dtype in (np.float32, np.float64) else np.float64
    out_h, out_w = fit_within(img.shape[-2:], max_hw)
    if (out_h, out_w) == img.shape[-2:]:
        return img.astype(dtype, copy=True)
    # Reduce rows first (contiguous blocks of memory), then columns on the smaller result.
    reduced = _bin_means(img.astype(dtype, copy=False), out_h, axis=img.ndim - 2)
    return np.ascontiguousarray(_bin_means(reduced, out_w, axis=img.ndim - 1))


def crop_patch(img: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """Copy the ``height × width`` patch whose top-left pixel is at ``(top, left)``.

    Parameters
    ----------
    img : np.ndarray
        ``(H, W)`` or ``(C, H, W)``.
    top, left : int
        Row and column of the patch's top-left pixel (0-based).
    height, width : int
        Patch size, at least 1.

    Returns
    -------
    np.ndarray
        ``(height, width)`` or ``(C, height, width)``, a copy.

    Raises
    ------
    ValueError
        If the patch does not lie entirely inside the image.
    """
    img = _check_image_array(img)
    for name, value in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {value!r}")
    if height < 1 or width < 1:
        raise ValueError(f"the patch must be at least 1×1, got {height}×{width}")
    if top < 0 or left < 0:
        raise ValueError(
            f"the patch's top-left corner must be inside the image, got row {top}, column {left}"
        )
    img_h, img_w = img.shape[-2:]
    if top + height > img_h or left + width > img_w:
        raise ValueError(
            f"the {height}×{width} patch at row {top}, column {left} does not fit in the "
            f"{img_h}×{img_w} image (it would end at row {top + height - 1}, "
            f"column {left + width - 1})"
        )
    return img[..., top : top + height, left : left + width].copy()


def to_uint8(img: np.ndarray, *, rescale: bool = False, channels_last: bool = False) -> np.ndarray:
    """Convert a float image to uint8 for display or export.

    Parameters
    ----------
    img : np.ndarray
        Any shape; values in [0, 1] map to 0..255 (rounded), values outside are clipped and
        NaN becomes 0.
    rescale : bool
        First map the finite min..max of ``img`` onto [0, 1] (for feature maps, whose values
        are not intensities). A constant image becomes 0.
    channels_last : bool
        Turn a 3-D ``(C, H, W)`` array into ``(H, W, C)``, as Pillow and ``st.image`` expect.

    Returns
    -------
    np.ndarray
        uint8, C-contiguous.
    """
    values = np.asarray(img, dtype=np.float64)
    if rescale:
        finite = np.isfinite(values)
        if finite.any():
            lo, hi = values[finite].min(), values[finite].max()
            values = _min_max(np.where(finite, values, lo), lo, hi)
    scaled = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0) * 255.0
    np.clip(scaled, 0.0, 255.0, out=scaled)
    out = np.rint(scaled).astype(np.uint8)
    if channels_last:
        if out.ndim != 3:
            raise ValueError(f"channels_last needs a (C, H, W) array, got shape {out.shape}")
        out = out.transpose(1, 2, 0)
    return np.ascontiguousarray(out)
