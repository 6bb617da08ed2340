"""The session's current image: the picture a user chose, shared by every page.

The "Your image" page sets it (a bundled sample, an upload, a camera photo) together with a
*patch* — a small square of it, at most 32×32 cells — and the sliding-window, channels and
pooling pages read it. Everything lives in ``st.session_state``, so the image follows the
user across pages for the whole session. Decoded pixels are shared between sessions through
a bounded ``st.cache_resource`` (keyed on the SHA-256 of the file's bytes) and are read-only:
copy before changing them. Every function also takes ``session=`` (any dict) for tests.

Reading it from another page::

    from ui import image_source

    current = image_source.current_image()         # CurrentImage, or None before any pick
    if current is not None:
        current.gray        # (H, W) float64 in [0, 1], full resolution, read-only
        current.rgb         # (3, H, W) float64 in [0, 1], read-only (decoded on first use)
        current.name        # "landscape.png", "IMG_2041.jpg", "camera photo"
        current.key         # stable id for st.cache_* keys: "sample:…", "upload:<sha256>"
    patch = image_source.current_patch(max_cells=16)            # (s, s) float64, or None
    patch_rgb = image_source.current_patch(max_cells=8, mode="rgb")   # (3, s, s)
    spec = image_source.current_patch_spec()    # PatchSpec(top, left, size, scale)
    st.caption(image_source.describe_patch())   # "16×16 cells from rows 120–183, ..."

    # Came here from a "Open in …" button of "Your image"? Then show the patch.
    if image_source.take_patch_request("app_pages/pooling.py"):
        st.session_state["pool_source"] = "patch"      # whatever the page's own switch is
        kernel = image_source.patch_kernel()   # the kernel Your image showed on the patch
        if kernel is not None:                 # PatchKernel(name, label, weights (kh, kw))
            ...                                # e.g. put kernel.weights in the kernel editor

The hand-over of an "Open in …" button is thus: the image and its patch (what
``current_patch`` returns, the very cells Your image drew, number by number), the page
asked for (once, :func:`take_patch_request`) and the kernel the user was looking at on the
patch (:func:`patch_kernel`: its convcore preset name, or ``"custom"`` with the typed
weights; it stays until the next "Open in …"). A page that slides a kernel over the patch
should start with that kernel, so the student sees the same numbers as on Your image.

A link that was made with an uploaded picture (``isrc=session``, ``src=upload``) opened in
a session that has none (a new session, a server restart) must not fall back silently:
call :func:`missing_upload_notice`, which says so in one sentence and offers the upload
box (and makes an upload the current image).

A patch ``PatchSpec(top, left, size, scale)`` covers the ``size·scale`` × ``size·scale``
pixels whose top-left pixel is ``(top, left)``; each of its ``size × size`` cells is the mean
of ``scale × scale`` pixels (``scale = 1``: the pixels themselves). Until a patch is set, the
image's busiest patch (most edges) is used. Changing the current image resets the patch.

Setting it (the "Your image" page does this; other pages rarely need to)::

    image_source.set_current_image_from_bytes("photo.jpg", data, source="upload")
    image_source.set_current_sample("house.png")
    image_source.set_current_image("my drawing", array)    # (H, W) or (3, H, W) in [0, 1]
    image_source.set_patch(top, left, size, scale=1)

The ``set_*`` functions validate first and change nothing when they raise, so a bad upload
leaves the previous image in place. ``ImageLoadError`` (a ``ValueError``) carries one sentence
for the user.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from convcore.conv import conv2d
from convcore.image import ImageInfo, ImageLoadError, crop_patch, downsample, image_info, load_image
from convcore.pool import avg_pool2d
from ui import state
from ui.i18n import N_, _

__all__ = [
    "ASSETS",
    "DEFAULT_SAMPLE",
    "MAX_PATCH_CELLS",
    "MAX_PIXELS",
    "UPLOAD_GONE",
    "CurrentImage",
    "ImageLoadError",
    "PatchKernel",
    "PatchSpec",
    "busiest_patch",
    "clear_current_image",
    "current_image",
    "current_patch",
    "current_patch_spec",
    "default_patch",
    "describe_patch",
    "missing_upload_notice",
    "patch_from",
    "patch_kernel",
    "request_patch_on",
    "sample_descriptions",
    "sample_names",
    "set_current_image",
    "set_current_image_from_bytes",
    "set_current_sample",
    "set_patch",
    "take_patch_request",
]

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
#: The picture "Your image" opens with: a real photograph (a cat, the seeds' cats-and-dogs
#: example; see assets/README.md for its source and licence).
DEFAULT_SAMPLE = "cat.jpg"
#: Said once when a link (or a reconnect after a server restart) expects a photo this server
#: does not have: uploads live in the memory of one server process, for one session. English,
#: marked: :func:`missing_upload_notice` shows it translated.
UPLOAD_GONE = N_("The photo this link was made with is no longer on this server (an upload is "
                 "kept for one session on one server), so a sample or preset is shown instead: "
                 "upload the photo again to go on.")

#: Largest picture accepted from a user. A 12 MP phone photo and a 24 MP camera fit; the
#: decoded copies take 32 bytes per pixel (gray + RGB, float64), about 1 GB at this size.
MAX_PIXELS = 30_000_000
#: Largest side of a patch, in cells.
MAX_PATCH_CELLS = 32

#: Session-state keys (leading underscore: internal values, not widget values, never URL).
CURRENT_KEY = "_image_source_current"
PATCH_KEY = "_image_source_patch"
REQUEST_KEY = "_image_source_patch_request"
KERNEL_KEY = "_image_source_patch_kernel"

_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
#: The samples in the order they are offered, each with one line (English, marked: show
#: ``sample_descriptions()``, which translates). The photographs come first (from
#: ``assets/make_photos.py``), then the drawings of ``assets/make_samples.py``.
_SAMPLE_DESCRIPTIONS = {
    "cat.jpg": N_("Photo of a cat (Chelsea): fur texture, whiskers and strong edges."),
    "astronaut.jpg": N_("Photo of the astronaut Eileen Collins: a face, a flag and a helmet."),
    "camera.jpg": N_("Photo of a cameraman on a lawn: a scene with strong straight edges."),
    "brick.jpg": N_("Photo of a brick wall: a regular texture of horizontal and vertical "
                    "joints."),
    "landscape.png": N_("Drawn landscape: sky, sun, mountains, lake and trees."),
    "house.png": N_("Flat-colour house with strong vertical and horizontal edges."),
    "checkerboard.png": N_("8×8 checkerboard of 32-pixel squares."),
    "digit.png": N_("A 28×28 handwritten-style digit 2, white on black, like MNIST."),
}
#: What each source is called on screen (marked; translated in :meth:`CurrentImage.describe`).
SOURCE_NAMES = {"sample": N_("sample"), "upload": N_("upload"), "camera": N_("camera"),
                "array": N_("array")}
_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
_SAMPLE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


# ------------------------------------------------------------------------------ values


@dataclass(frozen=True, eq=False)
class CurrentImage:
    """The picture the user chose, decoded at full resolution.

    Attributes
    ----------
    name : str
        What to call it on screen: the file name, ``"camera photo"``, a sample's file name.
    source : {"sample", "upload", "camera", "array"}
    key : str
        Stable identifier for caches: ``"<source>:<sha256 of the bytes or the array>"``
        (``"sample:<file name>"`` for samples).
    gray : np.ndarray
        float64 ``(H, W)`` in [0, 1]: ITU-R 601 luma, exactly ``load_image(data, mode="gray")``.
        Read-only.
    info : ImageInfo or None
        What the file's header said (size, Pillow mode, format, frames); None for arrays.
    rgb : np.ndarray (property)
        float64 ``(3, H, W)`` in [0, 1], read-only. Decoded from the file on first use and
        cached (so a page that needs only gray never pays for colour); for a grayscale file
        it is a broadcast view of ``gray``.
    """

    name: str
    source: str
    key: str
    gray: np.ndarray
    info: ImageInfo | None = None
    data: bytes | None = field(default=None, repr=False)
    array_rgb: np.ndarray | None = field(default=None, repr=False)
    max_pixels: int = MAX_PIXELS

    @property
    def rgb(self) -> np.ndarray:
        """``(3, H, W)`` float64 in [0, 1], read-only (see the class docstring)."""
        if self.array_rgb is not None:
            return self.array_rgb
        if self.data is None or not self.is_color:
            return np.broadcast_to(self.gray, (3, *self.gray.shape))
        return _decode_rgb(self.key, self.max_pixels, self.data)

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)``."""
        return tuple(self.gray.shape)

    @property
    def height(self) -> int:
        return int(self.gray.shape[0])

    @property
    def width(self) -> int:
        return int(self.gray.shape[1])

    @property
    def megapixels(self) -> float:
        return self.height * self.width / 1e6

    @property
    def is_color(self) -> bool:
        """False when the file is grayscale (its R, G and B channels are all the gray)."""
        if self.info is not None:
            return self.info.mode not in _GRAY_MODES
        if self.array_rgb is None:
            return False
        rgb = self.array_rgb
        return not (np.array_equal(rgb[0], rgb[1]) and np.array_equal(rgb[1], rgb[2]))

    def describe(self) -> str:
        """``"cat.jpg · sample · 300×451 pixels · JPEG RGB"`` (rows × columns, as every
        size in the app), in the session's language."""
        size = _("{h}×{w} pixels").format(h=self.height, w=self.width)
        if self.megapixels >= 0.95:
            size = _("{h}×{w} pixels ({mp} MP)").format(h=self.height, w=self.width,
                                                         mp=f"{self.megapixels:.1f}")
        source = SOURCE_NAMES.get(self.source)
        parts = [self.name, _(source) if source else self.source, size]
        if self.info is not None:
            if self.info.n_frames > 1:
                parts.append(_("{format} {mode}, frame 1 of {n}").format(
                    format=self.info.format, mode=self.info.mode, n=self.info.n_frames))
            else:
                parts.append(f"{self.info.format} {self.info.mode}")
        return " · ".join(parts)


@dataclass(frozen=True)
class PatchSpec:
    """A square of the current image, in full-resolution pixels.

    Attributes
    ----------
    top, left : int
        The top-left pixel.
    size : int
        Cells per side (1 to :data:`MAX_PATCH_CELLS`).
    scale : int
        Pixels per cell side: the patch covers ``size·scale`` pixels per side, each cell is
        the mean of ``scale × scale`` pixels.
    """

    top: int
    left: int
    size: int
    scale: int = 1

    @property
    def span(self) -> int:
        """Pixels per side: ``size · scale``."""
        return self.size * self.scale

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)``, inclusive pixel indices."""
        return self.top, self.left, self.top + self.span - 1, self.left + self.span - 1


# ------------------------------------------------------------------------------ decoding


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@st.cache_resource(max_entries=4, show_spinner=False)
def _decode_gray(digest: str, max_pixels: int, _data: bytes) -> tuple[np.ndarray, ImageInfo]:
    """Decode once per distinct file (keyed on its SHA-256); the array is read-only, shared."""
    info = image_info(_data)
    gray = _frozen(load_image(_data, mode="gray", max_pixels=max_pixels))
    return gray, info


@st.cache_resource(max_entries=3, show_spinner=False)
def _decode_rgb_cached(key: str, max_pixels: int, _data: bytes) -> np.ndarray:
    return _frozen(load_image(_data, mode="rgb", max_pixels=max_pixels))


def _decode_rgb(key: str, max_pixels: int, data: bytes) -> np.ndarray:
    """``(3, H, W)`` of a file, cached per key; a translated spinner while it decodes."""
    with st.spinner(_("Decoding the colour channels…")):
        return _decode_rgb_cached(key, max_pixels, data)


def decode_bytes(data: bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray, ImageInfo]:
    """``(gray, info)`` of an image file, cached (the array is read-only).

    Raises
    ------
    ImageLoadError
        Empty, not an image, unsupported, truncated or too large: one sentence.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"image data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageLoadError("The file is empty.", reason="empty")
    return _decode_gray(_digest(data), int(max_pixels), data)


def sample_names() -> list[str]:
    """The bundled sample images in ``assets/``, in the order they are offered."""
    if not ASSETS.is_dir():
        return []
    found = sorted(p.name for p in ASSETS.iterdir() if p.suffix.lower() in _SAMPLE_TYPES)
    known = [name for name in _SAMPLE_DESCRIPTIONS if name in found]
    return known + [name for name in found if name not in known]


def sample_descriptions() -> dict[str, str]:
    """One line per sample, in the session's language.

    The known samples have a translated line; another file dropped into ``assets/`` gets
    the English line of ``assets/make_samples.py``'s ``SAMPLES`` when it has one.
    """
    descriptions = {name: _(text) for name, text in _SAMPLE_DESCRIPTIONS.items()}
    try:
        from assets.make_samples import SAMPLES
    except Exception:  # the script is optional at run time; the table above is enough
        return descriptions
    for name, (_build, text) in SAMPLES.items():
        descriptions.setdefault(name, text)
    return descriptions


# ------------------------------------------------------------------------------ session state


def _state(session: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
    return st.session_state if session is None else session


def current_image(session: MutableMapping[str, Any] | None = None) -> CurrentImage | None:
    """The session's current image, or None when the user has not chosen one yet."""
    value = _state(session).get(CURRENT_KEY)
    return value if isinstance(value, CurrentImage) else None


def _install(image: CurrentImage, session: MutableMapping[str, Any] | None) -> CurrentImage:
    s = _state(session)
    previous = current_image(s)
    s[CURRENT_KEY] = image
    if previous is None or previous.key != image.key:
        s.pop(PATCH_KEY, None)
    return image


def set_current_image_from_bytes(name: str, data: bytes, *, source: str = "upload",
                                 max_pixels: int = MAX_PIXELS,
                                 session: MutableMapping[str, Any] | None = None
                                 ) -> CurrentImage:
    """Decode an image file and make it the current image.

    Parameters
    ----------
    name : str
        Shown on screen (the file name).
    data : bytes
        The file's content.
    source : {"upload", "camera", "sample"}
    max_pixels : int
        Larger pictures are refused before decoding.

    Returns
    -------
    CurrentImage

    Raises
    ------
    ImageLoadError
        The file cannot be used; the current image is left as it was.
    """
    data = bytes(data) if isinstance(data, (bytearray, memoryview)) else data
    gray, info = decode_bytes(data, max_pixels=max_pixels)
    key = f"{source}:{_digest(data)}"
    image = _install(CurrentImage(str(name), source, key, gray, info, data, None, max_pixels),
                     session)
    if source in ("upload", "camera"):
        # The shared "last upload" of ui.state, so ui.controls.image_source offers it too.
        _state(session)[state.UPLOADED_IMAGE] = {
            "name": str(name), "data": bytes(data),
            "digest": hashlib.md5(bytes(data), usedforsecurity=False).hexdigest()}
    return image


def set_current_sample(name: str, *, session: MutableMapping[str, Any] | None = None
                       ) -> CurrentImage:
    """Make the bundled sample ``name`` (a file in ``assets/``) the current image."""
    if name not in sample_names():
        raise ValueError(f"There is no sample image called {name!r}; the samples are "
                         f"{', '.join(sample_names()) or 'missing'}.")
    data = (ASSETS / name).read_bytes()
    gray, info = decode_bytes(data)
    return _install(CurrentImage(name, "sample", f"sample:{name}", gray, info, data), session)


def set_current_image(name: str, array, *, source: str = "array",
                      session: MutableMapping[str, Any] | None = None) -> CurrentImage:
    """Make an array the current image.

    Parameters
    ----------
    name : str
    array : array_like
        ``(H, W)`` gray or ``(3, H, W)`` RGB, real values in [0, 1] (channels first, as
        everywhere in convcore).

    Raises
    ------
    ValueError, TypeError
        Wrong rank, channel count, dtype or range; the current image is left as it was.
    """
    arr = np.asarray(array)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
        raise TypeError(f"an image must hold real numbers, not {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 2:
        gray, rgb = arr.copy(), None
    elif arr.ndim == 3 and arr.shape[0] == 3:
        rgb = arr.copy()
        gray = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    else:
        raise ValueError(f"an image must be (H, W) gray or (3, H, W) RGB, got shape {arr.shape}")
    if 0 in gray.shape:
        raise ValueError(f"the image is empty (shape {arr.shape})")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise ValueError("image values must be finite and between 0 and 1")
    key = f"{source}:{hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()}"
    rgb = None if rgb is None else _frozen(rgb)
    return _install(CurrentImage(str(name), source, key, _frozen(gray), None, None, rgb),
                    session)


def clear_current_image(session: MutableMapping[str, Any] | None = None) -> None:
    """Forget the current image and its patch."""
    s = _state(session)
    for key in (CURRENT_KEY, PATCH_KEY, REQUEST_KEY, KERNEL_KEY):
        s.pop(key, None)


# ------------------------------------------------------------------------------ patches


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def validate_patch(spec: PatchSpec, shape_hw: tuple[int, int]) -> PatchSpec:
    """Check that ``spec`` lies inside an ``(H, W)`` image; returns it.

    Raises
    ------
    ValueError, TypeError
        With the numbers: "the 16×16-cell patch (64×64 pixels) at row 600 … does not fit".
    """
    top = _check_int(spec.top, "top", 0)
    left = _check_int(spec.left, "left", 0)
    size = _check_int(spec.size, "size", 1)
    scale = _check_int(spec.scale, "scale", 1)
    if size > MAX_PATCH_CELLS:
        raise ValueError(f"a patch has at most {MAX_PATCH_CELLS}×{MAX_PATCH_CELLS} cells, "
                         f"got {size}×{size}")
    height, width = shape_hw
    span = size * scale
    if top + span > height or left + span > width:
        raise ValueError(
            f"the {size}×{size}-cell patch ({span}×{span} pixels) at row {top}, column {left} "
            f"does not fit in the {height}×{width} image")
    return PatchSpec(top, left, size, scale)


def default_patch(shape_hw: tuple[int, int], size: int = 16) -> PatchSpec:
    """A centred patch of ``size`` cells (fewer on a tiny image) at a scale that makes it
    cover about a tenth of the image's shorter side: a visible region, not a speck."""
    height, width = (int(n) for n in shape_hw)
    size = max(1, min(size, MAX_PATCH_CELLS, height, width))
    scale = 1
    while size * scale * 2 * 10 <= min(height, width) and scale < 64:
        scale *= 2
    span = size * scale
    return PatchSpec((height - span) // 2, (width - span) // 2, size, scale)


def busiest_patch(gray: np.ndarray, size: int = 16) -> PatchSpec:
    """The patch (sized as :func:`default_patch`) with the most edges: something to see.

    Edge energy ``|Sobel x| + |Sobel y|`` is measured on a thumbnail where the patch is
    about 8 pixels across, summed over every patch-sized window (``avg_pool2d``, stride 1),
    and the busiest window wins; ties go to the one nearest the centre. Cheap even for a
    12 MP photo (the thumbnail has about 10⁴ pixels).
    """
    gray = np.asarray(gray, dtype=np.float64)
    height, width = gray.shape
    base = default_patch((height, width), size)
    span = base.span
    if span >= min(height, width):
        return base
    factor = max(1, span // 8)
    thumb = downsample(gray, (max(1, height // factor), max(1, width // factor)))
    step_y, step_x = height / thumb.shape[0], width / thumb.shape[1]
    window = max(1, min(round(span / max(step_y, step_x)), *thumb.shape))
    energy = (np.abs(conv2d(thumb, _SOBEL_X, padding="same"))
              + np.abs(conv2d(thumb, _SOBEL_X.T, padding="same")))
    sums = avg_pool2d(energy, window, stride=1)
    rows, cols = np.indices(sums.shape)
    centre = ((rows - (sums.shape[0] - 1) / 2) ** 2 + (cols - (sums.shape[1] - 1) / 2) ** 2)
    score = sums - 1e-9 * centre / (1.0 + centre.max())
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    top = int(np.clip(round(i * step_y), 0, height - span))
    left = int(np.clip(round(j * step_x), 0, width - span))
    return PatchSpec(top, left, base.size, base.scale)


def set_patch(top: int, left: int, size: int, *, scale: int = 1,
              session: MutableMapping[str, Any] | None = None) -> PatchSpec:
    """Choose the patch of the current image (see :class:`PatchSpec`).

    Raises
    ------
    ValueError
        No current image, or the patch does not fit in it (nothing is changed).
    """
    s = _state(session)
    image = current_image(s)
    if image is None:
        raise ValueError("there is no current image to cut a patch from; choose one first")
    spec = validate_patch(PatchSpec(top, left, size, scale), image.shape)
    s[PATCH_KEY] = (image.key, spec)
    return spec


def current_patch_spec(session: MutableMapping[str, Any] | None = None) -> PatchSpec | None:
    """The chosen patch, or None without an image.

    Until one is set, the image's :func:`busiest_patch` (computed once, then remembered).
    """
    s = _state(session)
    image = current_image(s)
    if image is None:
        return None
    stored = s.get(PATCH_KEY)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == image.key:
        return stored[1]
    spec = busiest_patch(image.gray)
    s[PATCH_KEY] = (image.key, spec)
    return spec


def patch_from(image: np.ndarray, spec: PatchSpec, *, max_cells: int = MAX_PATCH_CELLS
               ) -> np.ndarray:
    """Cut ``spec`` out of an ``(H, W)`` or ``(C, H, W)`` image: ``(s, s)`` / ``(C, s, s)``.

    Each cell is the mean of ``scale × scale`` pixels. When ``spec.size > max_cells``, the
    central ``max_cells × max_cells`` cells are returned (exact values, not re-averaged).
    """
    max_cells = _check_int(max_cells, "max_cells", 1)
    spec = validate_patch(spec, image.shape[-2:])
    pixels = crop_patch(image, spec.top, spec.left, spec.span, spec.span)
    cells = pixels if spec.scale == 1 else downsample(pixels, (spec.size, spec.size))
    if spec.size > max_cells:
        start = (spec.size - max_cells) // 2
        cells = cells[..., start:start + max_cells, start:start + max_cells]
    return np.ascontiguousarray(cells, dtype=np.float64)


def current_patch(max_cells: int = MAX_PATCH_CELLS, *, mode: str = "gray",
                  session: MutableMapping[str, Any] | None = None) -> np.ndarray | None:
    """The chosen patch of the current image, ready to slide a kernel over.

    Parameters
    ----------
    max_cells : int
        The caller shows at most this many cells per side: a larger patch gives its central
        ``max_cells × max_cells`` cells.
    mode : {"gray", "rgb"}

    Returns
    -------
    np.ndarray or None
        float64 ``(s, s)`` (gray) or ``(3, s, s)`` (rgb) in [0, 1], a fresh copy; None when
        there is no current image.
    """
    if mode not in ("gray", "rgb"):
        raise ValueError(f'mode must be "gray" or "rgb", got {mode!r}')
    s = _state(session)
    image = current_image(s)
    if image is None:
        return None
    spec = current_patch_spec(s)
    return patch_from(image.gray if mode == "gray" else image.rgb, spec, max_cells=max_cells)


def describe_patch(session: MutableMapping[str, Any] | None = None) -> str:
    """``"16×16 cells from rows 120–183, columns 200–263 of cat.jpg (each cell is the
    mean of 4×4 pixels)"``, or "" without an image; in the session's language."""
    s = _state(session)
    image = current_image(s)
    spec = current_patch_spec(s)
    if image is None or spec is None:
        return ""
    top, left, bottom, right = spec.box
    values = {"n": spec.size, "top": top, "bottom": bottom, "left": left, "right": right,
              "name": image.name, "s": spec.scale}
    if spec.scale > 1:
        return _("{n}×{n} cells from rows {top}–{bottom}, columns {left}–{right} of {name} "
                 "(each cell is the mean of {s}×{s} pixels)").format(**values)
    return _("{n}×{n} cells from rows {top}–{bottom}, columns {left}–{right} of "
             "{name}").format(**values)


# ------------------------------------------------------------------------------ hand-over


@dataclass(frozen=True)
class PatchKernel:
    """The kernel Your image showed on the patch, handed to the page the patch opens on.

    Attributes
    ----------
    name : str
        convcore preset name (``convcore.get_kernel(name)``), or ``"custom"``.
    label : str
        What Your image called it (in the language of the moment it was handed over).
    weights : tuple of tuple of float
        The ``(kh, kw)`` weights, row by row (exact, also for a preset).
    """

    name: str
    label: str
    weights: tuple[tuple[float, ...], ...]

    @property
    def array(self) -> np.ndarray:
        """float64 ``(kh, kw)``."""
        return np.array(self.weights, dtype=np.float64)


def request_patch_on(page: str, session: MutableMapping[str, Any] | None = None, *,
                     kernel: PatchKernel | None = None) -> None:
    """Note that the user asked to open the patch on ``page`` (e.g. ``"app_pages/pooling.py"``).

    The "Open in …" buttons call this, then ``st.switch_page(page)``; the target page calls
    :func:`take_patch_request` to switch its input to the patch, and :func:`patch_kernel`
    for the kernel the user had on the patch (``kernel``; None forgets an older one).
    """
    s = _state(session)
    s[REQUEST_KEY] = str(page)
    if kernel is None:
        s.pop(KERNEL_KEY, None)
    else:
        s[KERNEL_KEY] = kernel


def patch_kernel(session: MutableMapping[str, Any] | None = None) -> PatchKernel | None:
    """The kernel handed over with the last "Open in …" (see :func:`request_patch_on`)."""
    value = _state(session).get(KERNEL_KEY)
    return value if isinstance(value, PatchKernel) else None


def take_patch_request(page: str, session: MutableMapping[str, Any] | None = None) -> bool:
    """True (once) when the user just asked to open the current patch on ``page``."""
    s = _state(session)
    if s.get(REQUEST_KEY) == str(page):
        s.pop(REQUEST_KEY, None)
        return current_image(s) is not None
    return False


# ------------------------------------------------------------------------------ lost uploads


def missing_upload_notice(key: str, *, offer_upload: bool = True) -> CurrentImage | None:
    """Say in one sentence (:data:`UPLOAD_GONE`) that the link's uploaded picture is gone, and
    offer the upload box: the one notice every page that reads the session image uses
    (Your image, the input picker of the sliding window and pooling, the channels' photo).

    For a page opened from a link that was made with the session's uploaded picture (``src=``
    ``upload``/``camera``, ``isrc=session``) when this session has none: the server keeps
    uploads only for the session that sent them (a new browser session, another server or
    a restart loses them).

    Parameters
    ----------
    key : str
        Widget key of the upload box (unique on the page).
    offer_upload : bool
        Draw the upload box (False where the page already shows one right beside it).

    Returns
    -------
    CurrentImage or None
        The uploaded picture, made the current image, once the user uploads one.
    """
    st.info(_(UPLOAD_GONE))
    if not offer_upload:
        return None
    # A callback, not the widget's return value: the notice is said once, so on the rerun
    # that the upload causes this box is no longer drawn, yet the photo must be taken.
    st.file_uploader(_("Upload the photo again"), key=key, on_change=_take_reupload,
                     args=(key,), type=[t.lstrip(".") for t in _SAMPLE_TYPES])
    return current_image()


def _take_reupload(key: str) -> None:
    """``on_change`` of :func:`missing_upload_notice`'s box: the file becomes the image."""
    upload = st.session_state.get(key)
    if upload is None:
        return
    try:
        set_current_image_from_bytes(upload.name or "upload", upload.getvalue())
    except ImageLoadError as err:  # the sample stays; say why in one sentence
        st.toast(_("This file cannot be used: {reason}").format(reason=err))
