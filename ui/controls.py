"""Reusable widgets: each draws its Streamlit widgets and returns plain values.

- :func:`kernel_editor` — a preset kernel or an editable grid (1×1 to 7×7), numbers only;
  an invalid entry gets a message and the last valid kernel stays.
- :func:`input_picker` — the seeds' inputs, a typed grid, or a patch of a photo.
- :func:`image_source` — a bundled sample or an uploaded photo, as grayscale in [0, 1].
- :func:`conv_settings` — padding (valid / same / full / each side), stride, dilation and
  padding mode.

Widget keys are ``f"{prefix}_..."`` so that a page can use a widget family once per prefix
and tests can find every widget by key. The parsing and array-building helpers at the top
need no Streamlit session and are unit-tested on their own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from convcore.image import ImageLoadError, crop_patch, downsample, load_image, to_uint8
from convcore.kernels import get_kernel, kernel_names
from convcore.padding import PADDING_MODES
from convcore.trace import format_number
from ui import figures, i18n, presenter, state
from ui import image_source as session_image
from ui.downloads import plotly_png_config
from ui.i18n import N_, _

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
IMAGE_TYPES = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")
#: Bundled samples in the order they are offered (other images in assets/ follow).
SAMPLE_ORDER = ("landscape.png", "house.png", "checkerboard.png", "digit.png")
UPLOAD = "Upload your own…"
#: The image option that stands for the session's current image (set on "Your image").
SESSION_IMAGE = "Your image"
#: How the two options above read (the option values stay English: tests and links use them).
OPTION_NAMES = {UPLOAD: N_("Upload your own…"), SESSION_IMAGE: N_("Your image")}
CUSTOM = "custom"
#: Mode-bar buttons a teaching chart does not need (zooming breaks the cell grid).
MODEBAR_REMOVE = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
                  "autoScale2d", "resetScale2d"]

KERNEL_MAX_SIDE = 7
GRID_MAX_SIDE = 32
#: Most cells a side of an image patch is shrunk to for the animation.
PATCH_MAX_CELLS = 32
MAX_UPLOAD_MB = 50

#: What a typed grid is, in the messages of :func:`parse_grid` (marked; translated there).
GRID_WHAT = (N_("kernel"), N_("input"), N_("digit"))

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# ------------------------------------------------------------------------------ parsing


def parse_grid(text: str, *, max_side: int = KERNEL_MAX_SIDE, what: str = "kernel") -> np.ndarray:
    """Read a grid of numbers typed by a user.

    Rows go on separate lines (or are separated by ``;``), numbers by spaces or commas.
    A pasted nested list (``[[0, 1], [2, 3]]``) works too, as do fractions (``1/9``) and the
    typographic minus (``−1``).

    Parameters
    ----------
    text : str
    max_side : int
        Most rows and most columns allowed.
    what : str
        What the grid is ("kernel", "input"), for the messages.

    Returns
    -------
    np.ndarray
        float64 ``(rows, cols)``.

    Raises
    ------
    ValueError
        With one sentence saying what to fix: an entry that is not a number, rows of
        different lengths, an empty grid, or a grid larger than ``max_side``.
    """
    if not isinstance(text, str):
        raise ValueError(_("The {what} must be typed as text.").format(what=_(what)))
    cleaned = text.replace("−", "-").replace("\u2212", "-").strip()
    if "[" in cleaned or "]" in cleaned:
        rows_text = re.findall(r"\[([^\[\]]*)\]", cleaned)
    else:
        rows_text = re.split(r"[\n;]+", cleaned)
    rows = [[tok for tok in re.split(r"[,\s]+", row.strip()) if tok] for row in rows_text]
    rows = [row for row in rows if row]
    if not rows:
        raise ValueError(_("The {what} is empty: type at least one number.").format(
            what=_(what)))
    values = []
    for r, row in enumerate(rows, start=1):
        values.append([_parse_number(tok, r, c, what) for c, tok in enumerate(row, start=1)])
    widths = {len(row) for row in values}
    if len(widths) > 1:
        first = len(values[0])
        bad = next(r for r, row in enumerate(values, start=1) if len(row) != first)
        raise ValueError(
            _("Row {bad} of the {what} has {n} numbers but row 1 has {first}: every row "
              "needs the same count.").format(bad=bad, what=_(what), n=len(values[bad - 1]),
                                               first=first))
    arr = np.array(values, dtype=np.float64)
    if max(arr.shape) > max_side:
        raise ValueError(_("The {what} is {h}×{w}; it can be at most {side}×{side}.").format(
            what=_(what), h=arr.shape[0], w=arr.shape[1], side=max_side))
    return arr


def _parse_number(token: str, row: int, col: int, what: str) -> float:
    where = _("Row {row}, entry {col} of the {what}").format(row=row, col=col, what=_(what))
    parts = token.split("/")
    if len(parts) <= 2 and all(_NUMBER.match(p) for p in parts):
        num = float(parts[0])
        if len(parts) == 2:
            den = float(parts[1])
            if den == 0:
                raise ValueError(_("{where} divides by zero ({token}).").format(
                    where=where, token=token))
            num /= den
        if not np.isfinite(num):
            raise ValueError(_("{where} ({token}) is too large.").format(where=where,
                                                                         token=token))
        return num
    raise ValueError(_('{where} is "{token}", which is not a number. Use digits, a decimal '
                       "point, a minus sign or a fraction such as 1/9.").format(
        where=where, token=token))


def format_grid(values) -> str:
    """A grid as the editor shows it: one row per line, numbers separated by two spaces."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"format_grid takes a 2-D array, got shape {arr.shape}")
    rows = ["  ".join(format_number(v, digits=6).replace("−", "-") for v in row) for row in arr]
    return "\n".join(rows)


# ------------------------------------------------------------------------------ input presets


DIGIT_TWO = """
0 0 0 0 0 0 0 0
0 0 1 1 1 1 0 0
0 1 1 0 0 1 1 0
0 0 0 0 0 1 1 0
0 0 0 0 1 1 0 0
0 0 0 1 1 0 0 0
0 0 1 1 0 0 0 0
0 1 1 0 0 0 0 0
0 1 1 1 1 1 1 0
0 0 0 0 0 0 0 0
"""


def arange_grid(rows: int = 3, cols: int = 3) -> np.ndarray:
    """``0, 1, 2, …`` row by row: the seeds' 3×3 input ``[[0, 1, 2], [3, 4, 5], [6, 7, 8]]``."""
    return np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)


def edge_image(rows: int = 6, cols: int = 8) -> np.ndarray:
    """The seeds' edge image: white (1) with a black (0) band in columns 2–5."""
    x = np.ones((rows, cols))
    x[:, 2:6] = 0.0
    return x


def random_grid(rows: int, cols: int, low: int, high: int, seed: int) -> np.ndarray:
    """Integers drawn uniformly from ``low..high`` (both included), reproducibly."""
    if high < low:
        low, high = high, low
    rng = np.random.default_rng(seed)
    return rng.integers(low, high + 1, size=(rows, cols)).astype(np.float64)


def checkerboard(size: int = 8, square: int = 2) -> np.ndarray:
    """``size × size`` squares of ``square`` cells, 1 in the top-left corner."""
    idx = np.arange(size) // square
    return ((idx[:, None] + idx[None, :]) % 2 == 0).astype(np.float64)


def digit_pattern() -> np.ndarray:
    """A 10×8 pixel-font digit 2 (1 = ink)."""
    return parse_grid(DIGIT_TWO, max_side=GRID_MAX_SIDE, what="digit")


#: Preset inputs (labels marked with ``N_``; translated where shown). No label gives an
#: output away: the quiz asks for them while the label is on screen.
INPUT_PRESETS: dict[str, str] = {
    "arange": N_("3×3 input 0…8 (d2l)"),
    "edge": N_("6×8 edge image (d2l)"),
    "random": N_("Random integers"),
    "checkerboard": N_("Checkerboard"),
    "digit": N_("Digit 2, 10×8 pixel font"),
    "mnist": N_("Digit 2, 28×28 sample image"),
}

#: Presets whose values are intensities of a picture (shown black to white).
IMAGE_PRESETS = frozenset({"edge", "checkerboard", "digit", "mnist"})


# ------------------------------------------------------------------------------ images


@dataclass(frozen=True, eq=False)
class ImageChoice:
    """A grayscale image the user chose.

    Attributes
    ----------
    label : str
    key : str
        Identifies the image for caching (``"sample:house.png"``, ``"upload:<md5>"``).
    gray : np.ndarray
        float64 ``(H, W)`` in [0, 1], read-only.
    """

    label: str
    key: str
    gray: np.ndarray


def sample_files() -> list[Path]:
    """The bundled sample images, in display order."""
    if not ASSETS.is_dir():
        return []
    found = {p.name: p for p in ASSETS.iterdir() if p.suffix.lower().lstrip(".") in IMAGE_TYPES}
    ordered = [found.pop(name) for name in SAMPLE_ORDER if name in found]
    return ordered + [found[name] for name in sorted(found)]


@st.cache_resource(max_entries=8, show_spinner=False)
def _load_gray_file(path: str, mtime: float) -> np.ndarray:
    img = load_image(path, mode="gray")
    img.flags.writeable = False
    return img


@st.cache_resource(max_entries=4, show_spinner="Reading the image…")
def _load_gray_bytes(digest: str, _data: bytes) -> np.ndarray:
    img = load_image(_data, mode="gray")
    img.flags.writeable = False
    return img


def load_sample(name: str) -> np.ndarray:
    """A bundled sample as grayscale float64 in [0, 1] (cached, read-only)."""
    path = ASSETS / name
    return _load_gray_file(str(path), path.stat().st_mtime)


def image_source(prefix: str, *, label: str = N_("Image"), default: str = "house.png"
                 ) -> ImageChoice | None:
    """Pick a bundled sample or upload a photo.

    A bad upload gets one sentence (``st.error``) and the previous good upload, if any,
    stays in use. Returns None when no image is available.
    """
    samples = sample_files()
    current = session_image.current_image()
    options = ([SESSION_IMAGE] if current is not None else []) + [p.name for p in samples]
    options.append(UPLOAD)
    key = f"{prefix}_image"
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]
    choice = st.selectbox(_(label), options, key=key, format_func=_image_label)
    if choice == SESSION_IMAGE:
        return ImageChoice(current.name, current.key, current.gray)
    if choice != UPLOAD:
        gray = load_sample(choice)
        return ImageChoice(_("sample {name}").format(name=choice), f"sample:{choice}", gray)
    upload = st.file_uploader(_("Photo (PNG, JPEG, GIF, BMP, TIFF, WebP)"),
                              type=list(IMAGE_TYPES),
                              key=f"{prefix}_upload", max_upload_size=MAX_UPLOAD_MB)
    if upload is not None:
        data = upload.getvalue()
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        try:
            _load_gray_bytes(digest, data)
        except ImageLoadError as err:
            st.error(f"{upload.name}: {err}")  # convcore's sentence names the problem
        else:
            st.session_state[state.UPLOADED_IMAGE] = {"name": upload.name, "data": data,
                                                      "digest": digest}
    previous = st.session_state.get(state.UPLOADED_IMAGE)
    if not previous:
        st.info(_("Upload a photo, or pick one of the samples above."))
        return None
    gray = _load_gray_bytes(previous["digest"], previous["data"])
    return ImageChoice(previous["name"], f"upload:{previous['digest']}", gray)


def _image_label(option: str) -> str:
    if option == SESSION_IMAGE:
        current = session_image.current_image()
        if current is not None:
            return _("Your image: {name}").format(name=current.name)
    if option in OPTION_NAMES:
        return _(OPTION_NAMES[option])
    return option


def patch_preview(gray: np.ndarray, top: int, left: int, size: int, *,
                  max_side: int = 240) -> np.ndarray:
    """A small RGB thumbnail of ``gray`` with the ``size × size`` patch outlined in orange."""
    thumb = downsample(gray, (max_side, max_side))
    scale_h = thumb.shape[0] / gray.shape[0]
    scale_w = thumb.shape[1] / gray.shape[1]
    rgb = np.repeat(to_uint8(thumb)[:, :, None], 3, axis=2)
    t = int(np.clip(round(top * scale_h), 0, thumb.shape[0] - 1))
    b = int(np.clip(round((top + size) * scale_h) - 1, t, thumb.shape[0] - 1))
    le = int(np.clip(round(left * scale_w), 0, thumb.shape[1] - 1))
    r = int(np.clip(round((left + size) * scale_w) - 1, le, thumb.shape[1] - 1))
    color = np.array([230, 159, 0], dtype=np.uint8)
    for line in (slice(t, t + 2), slice(max(b - 1, t), b + 1)):
        rgb[line, le:r + 1] = color
    for line in (slice(le, le + 2), slice(max(r - 1, le), r + 1)):
        rgb[t:b + 1, line] = color
    return rgb


# ------------------------------------------------------------------------------ input picker


@dataclass(frozen=True, eq=False)
class InputChoice:
    """The input grid of a page.

    Attributes
    ----------
    values : np.ndarray
        float64 ``(H, W)``.
    label : str
        What it is, for captions.
    image : bool
        The values are a picture's intensities in [0, 1] (drawn black to white).
    source : {"preset", "typed", "patch"}
    photo : ImageChoice or None
        The photo a patch was cut from.
    note : str
        How the grid was made (e.g. the patch's position and shrink factor), or "".
    preset : str
        The preset's name ("arange", …) when ``source`` is "preset", else "".
    handed_kernel : object or None
        The kernel "Your image" handed over with its patch (``ui.image_source.PatchKernel``)
        on the run right after its "Open in …" button, else None.
    """

    values: np.ndarray
    label: str
    image: bool
    source: str
    photo: ImageChoice | None = None
    note: str = ""
    preset: str = ""
    handed_kernel: object | None = None


SOURCES = {"preset": N_("Preset"), "typed": N_("Type numbers"), "patch": N_("Image patch"),
           "session": N_("Your image's patch")}


def input_state_values(prefix: str, preset: str) -> dict:
    """Session-state values that select input preset ``preset`` (for button callbacks)."""
    return {f"{prefix}_source": "preset", f"{prefix}_preset": preset}


def input_picker(prefix: str, *, default: str = "arange", page: str | None = None,
                 labels: Mapping[str, str] | None = None, details=None,
                 patch_cells: int = PATCH_MAX_CELLS) -> InputChoice:
    """Choose the input grid: a preset, numbers typed in, a patch of a photo, or the patch
    chosen on "Your image" (offered only once the session has an image).

    ``page`` (``"app_pages/sliding_window.py"``) is the page's own script: when the user just
    pressed "Open in …" for it on "Your image", the source switches to that patch.
    ``labels`` renames presets for this page (``{"arange": "… max → 4, 5, 7, 8"}``, marked
    with ``N_`` or translated); the others keep their :data:`INPUT_PRESETS` label.
    ``details`` (a container, e.g. :func:`ui.presenter.advanced_controls`) receives every
    widget but the preset menu — the source switch, typed numbers, patch sliders — so that a
    projector layout keeps one row of controls; by default everything is drawn in place.

    A session whose image is gone (a link with ``src=session`` opened in a new session, or
    a server restart) falls back to the preset and says so in one sentence, with an upload
    box right there that makes the upload the session's image.
    ``patch_cells`` caps the side of "Your image's patch": a larger patch gives its central
    cells (a page that prints every cell's number needs them large enough).
    """
    source_key = f"{prefix}_source"
    st.session_state.setdefault(source_key, "preset")
    has_image = session_image.current_image() is not None
    handed = None
    if page is not None and session_image.take_patch_request(page):
        st.session_state[source_key] = "session"
        getter = getattr(session_image, "patch_kernel", None)  # added by the image branch
        handed = getter() if getter is not None else None
    lost = st.session_state[source_key] == "session" and not has_image
    waiting = f"{prefix}_lost"  # the photo was lost: take it back once it is uploaded again
    if lost:
        st.session_state[source_key] = "preset"
        st.session_state[waiting] = True
        session_image.missing_upload_notice(f"{prefix}_lost_upload")
        has_image = session_image.current_image() is not None
    if has_image and st.session_state.pop(waiting, False):
        st.session_state[source_key] = "session"
    options = [name for name in SOURCES if name != "session" or has_image]
    with st.container() if details is None else details:
        source = st.radio(_("Source"), options, key=source_key, horizontal=True,
                          format_func=i18n.option_labels(SOURCES),
                          label_visibility="collapsed")
        if source == "session":
            choice = _session_patch_input(patch_cells)
            return InputChoice(choice.values, choice.label, choice.image, choice.source,
                               choice.photo, choice.note, handed_kernel=handed)
        if source == "typed":
            return _typed_input(prefix)
        if source == "patch":
            choice = _patch_input(prefix)
            if choice is not None:
                return choice
    return _preset_input(prefix, default, {**INPUT_PRESETS, **(labels or {})}, details)


def _compact(details) -> int | str:
    return "stretch" if details is None else COMPACT_WIDTH_PX["input"]


def _preset_input(prefix: str, default: str, labels: Mapping[str, str],
                  details=None) -> InputChoice:
    key = f"{prefix}_preset"
    st.session_state.setdefault(key, default)
    name = st.selectbox(_("Input"), list(INPUT_PRESETS), key=key,
                        format_func=i18n.option_labels(labels), width=_compact(details))
    note = ""
    if name == "arange":
        values = arange_grid()
    elif name == "edge":
        values = edge_image()
    elif name == "random":
        with st.container() if details is None else details:
            c1, c2, c3 = st.columns(3)
            rows = _int_input(c1, _("Rows"), 1, 16, 6, f"{prefix}_rand_rows")
            cols = _int_input(c2, _("Columns"), 1, 16, 6, f"{prefix}_rand_cols")
            seed = _int_input(c3, _("Seed"), 0, 10_000, 0, f"{prefix}_rand_seed")
            st.session_state.setdefault(f"{prefix}_rand_range", (0, 9))  # a range slider
            low, high = st.slider(_("Values from … to"), -9, 9, key=f"{prefix}_rand_range")
        values = random_grid(int(rows), int(cols), int(low), int(high), int(seed))
        note = _("seed {seed}, integers {low}…{high}").format(seed=seed, low=low, high=high)
    elif name == "checkerboard":
        with st.container() if details is None else details:
            c1, c2 = st.columns(2)
            size = _int_input(c1, _("Size"), 2, 16, 8, f"{prefix}_board_size")
            square = _int_input(c2, _("Square"), 1, 8, 2, f"{prefix}_board_square")
        values = checkerboard(int(size), int(square))
    elif name == "digit":
        values = digit_pattern()
    else:
        values = _mnist_digit()
    return InputChoice(values, _(labels[name]), name in IMAGE_PRESETS, "preset", note=note,
                       preset=name)


def _session_patch_input(max_cells: int = PATCH_MAX_CELLS) -> InputChoice:
    """The patch chosen on "Your image" (the session's current image)."""
    current = session_image.current_image()
    values = session_image.current_patch(max_cells)
    photo = ImageChoice(current.name, current.key, current.gray)
    note = _("{patch} (change it on the Your image page)").format(
        patch=session_image.describe_patch())
    spec = session_image.current_patch_spec()
    if spec is not None and spec.size > values.shape[0]:
        note += " " + _("Shown here: its central {n}×{n} cells, large enough to print every "
                        "number.").format(n=values.shape[0])
    return InputChoice(values, _("patch of {name}").format(name=current.name), True, "session",
                       photo, note)


def _mnist_digit() -> np.ndarray:
    if (ASSETS / "digit.png").is_file():
        return np.array(load_sample("digit.png"))
    st.warning(_("The sample assets/digit.png is missing; showing the pixel-font digit "
                 "instead."))
    return digit_pattern()


def _typed_input(prefix: str) -> InputChoice:
    text_key, valid_key = f"{prefix}_text", f"{prefix}_valid"
    st.session_state.setdefault(text_key, format_grid(arange_grid(4, 4)))
    st.session_state.setdefault(valid_key, arange_grid(4, 4))
    text = st.text_area(_("Input values (rows on lines; up to {side}×{side})").format(
        side=GRID_MAX_SIDE), key=text_key, height=130)
    try:
        values = parse_grid(text, max_side=GRID_MAX_SIDE, what="input")
    except ValueError as err:
        last = st.session_state[valid_key]
        st.error(_("{error} Using the last valid input ({h}×{w}).").format(
            error=err, h=last.shape[0], w=last.shape[1]))
        values = last
    else:
        st.session_state[valid_key] = values
    return InputChoice(values, _("typed grid"), False, "typed")


def _patch_input(prefix: str) -> InputChoice | None:
    photo = image_source(f"{prefix}_patch")
    if photo is None:
        return None
    height, width = photo.gray.shape
    smallest = min(height, width)
    size_key, top_key, left_key = (f"{prefix}_patch_size", f"{prefix}_patch_top",
                                   f"{prefix}_patch_left")
    size = _bounded_slider(_("Patch size (pixels)"), size_key, 2, smallest, min(smallest, 64))
    c1, c2 = st.columns(2)
    with c1:  # by default a little up and left of the centre: more edges there
        top = _bounded_slider(_("Top row"), top_key, 0, height - size,
                              (height - size) * 3 // 10)
    with c2:
        left = _bounded_slider(_("Left column"), left_key, 0, width - size,
                               (width - size) * 3 // 10)
    # Defaults in session state, not in the widget: a link writes these keys first, and a
    # widget given both logs a warning with a stack trace (issue 9's patch16 layout test).
    st.session_state.setdefault(f"{prefix}_patch_cells", 16)
    cells = st.slider(_("Grid cells per side (the patch is shrunk to fit)"), 2,
                      PATCH_MAX_CELLS, key=f"{prefix}_patch_cells")
    patch = downsample(crop_patch(photo.gray, top, left, size, size), (cells, cells))
    st.image(patch_preview(photo.gray, top, left, size), output_format="PNG",
             caption=_("The orange square (a two-pixel frame) is the patch."),
             alt=_("{image} with an orange square around the {size}×{size}-pixel patch at "
                   "row {top}, column {left}").format(image=photo.label, size=size, top=top,
                                                      left=left))
    note = _("{size}×{size} pixels at row {top}, column {left} of {image}, averaged down to "
             "{h}×{w} cells").format(size=size, top=top, left=left, image=photo.label,
                                     h=patch.shape[0], w=patch.shape[1])
    return InputChoice(patch, _("patch of {name}").format(name=photo.label), True, "patch",
                       photo, note)


def _bounded_slider(label: str, key: str, low: int, high: int, default: int) -> int:
    """An integer slider whose remembered value is pulled back into ``low..high`` first
    (the range changes with the image and the patch size); no slider when it is one value."""
    if high <= low:
        st.session_state[key] = low
        return low
    current = st.session_state.get(key, default)
    st.session_state[key] = int(min(max(current, low), high))
    return int(st.slider(label, low, high, key=key))


# ------------------------------------------------------------------------------ kernel editor

#: convcore's preset kernels as the app names and explains them (marked; translated where
#: shown). The English is convcore's own label and description.
KERNEL_TEXTS: dict[str, tuple[str, str]] = {
    "identity": (N_("Identity"),
                 N_("Copies every pixel unchanged, a baseline to compare the others with.")),
    "edge": (N_("Vertical edges [1, −1]"),
             N_("The seeds' 1×2 horizontal difference: 1 where white turns black going right, "
                "−1 where black turns white, 0 elsewhere, so it finds vertical edges.")),
    "edge_transposed": (N_("Horizontal edges [1, −1]ᵀ"),
                        N_("The transposed edge kernel, a vertical difference that finds "
                           "horizontal edges.")),
    "sobel_x": (N_("Sobel x (vertical edges)"),
                N_("Smoothed left-to-right difference that responds to vertical edges.")),
    "sobel_y": (N_("Sobel y (horizontal edges)"),
                N_("Smoothed top-to-bottom difference that responds to horizontal edges.")),
    "prewitt_x": (N_("Prewitt x (vertical edges)"),
                  N_("Left-to-right difference averaged over three rows, responding to "
                     "vertical edges.")),
    "prewitt_y": (N_("Prewitt y (horizontal edges)"),
                  N_("Top-to-bottom difference averaged over three columns, responding to "
                     "horizontal edges.")),
    "laplacian_4": (N_("Laplacian (4-neighbour)"),
                    N_("Second derivative from the four direct neighbours, responding to edges "
                       "in every direction and zero on flat areas and linear ramps.")),
    "laplacian_8": (N_("Laplacian (8-neighbour)"),
                    N_("Second derivative from all eight neighbours, responding to edges in "
                       "every direction, diagonals included.")),
    "box_blur_3x3": (N_("Box blur 3×3"),
                     N_("Replaces each pixel by the plain average of its 3×3 neighbourhood.")),
    "box_blur_5x5": (N_("Box blur 5×5"),
                     N_("Replaces each pixel by the plain average of its 5×5 neighbourhood.")),
    "gaussian_blur_3x3": (N_("Gaussian blur 3×3"),
                          N_("Weighted average favouring the centre (binomial 1-2-1 weights), a "
                             "gentle blur without the box blur's blocky look.")),
    "gaussian_blur_5x5": (N_("Gaussian blur 5×5"),
                          N_("Wider weighted average favouring the centre (binomial 1-4-6-4-1 "
                             "weights).")),
    "sharpen": (N_("Sharpen"),
                N_("Adds the difference from the neighbours back to each pixel, boosting fine "
                   "detail.")),
    "emboss": (N_("Emboss"),
               N_("Brighter where the brightness increases toward the bottom-right, darker "
                  "where it increases toward the top-left (each pixel plus that change), so "
                  "shapes look raised.")),
    "outline": (N_("Outline"),
                N_("Eight times each pixel minus the sum of its eight neighbours: zero on flat "
                   "areas and even slopes, so outlines stand out on a dark ground.")),
    "d2l": (N_("d2l example [[0, 1], [2, 3]]"),
            N_("The seeds' 2×2 worked example: on the 3×3 input 0…8 it gives 19, 25, 37 and "
               "43.")),
}
#: The d2l kernel's description where its outputs would be untrue (another input) or would
#: give a quiz answer away.
D2L_WITHOUT_OUTPUTS = N_("The seeds' 2×2 worked example: each output is 0 × its window's "
                         "top-left + 1 × top-right + 2 × bottom-left + 3 × bottom-right.")


def kernel_label(name: str) -> str:
    """A preset kernel's name in the session's language (convcore's label if unknown)."""
    if name == CUSTOM:
        return _("Custom (edit the numbers)")
    if name in KERNEL_TEXTS:
        return _(KERNEL_TEXTS[name][0])
    return get_kernel(name).label


def kernel_description(name: str, *, with_outputs: bool = True) -> str:
    """A preset kernel's one-sentence description in the session's language.

    ``with_outputs=False`` drops the outputs the d2l kernel's description quotes (they hold
    only on the 3×3 input 0…8, and they are the quiz's answers).
    """
    if name == "d2l" and not with_outputs:
        return _(D2L_WITHOUT_OUTPUTS)
    if name in KERNEL_TEXTS:
        return _(KERNEL_TEXTS[name][1])
    return get_kernel(name).description if name != CUSTOM else ""



@dataclass(frozen=True, eq=False)
class KernelChoice:
    """The kernel a user chose.

    Attributes
    ----------
    values : np.ndarray
        float64 ``(kh, kw)``.
    name : str
        Preset name or ``"custom"``.
    label, description : str
    error : str
        The message shown for an invalid entry ("" when the entry is valid).
    """

    values: np.ndarray
    name: str
    label: str
    description: str = ""
    error: str = ""


def kernel_state_values(prefix: str, name: str, weights=None) -> dict:
    """Session-state values that select preset kernel ``name`` (for button callbacks).

    ``name="custom"`` with ``weights`` (a ``(kh, kw)`` grid) selects those typed weights.
    """
    if name == CUSTOM or (weights is not None and name not in kernel_names()):
        array = np.array(weights, dtype=np.float64)
        return {f"{prefix}_preset": CUSTOM, f"{prefix}_text": format_grid(array),
                f"{prefix}_valid": array}
    kernel = get_kernel(name)
    return {f"{prefix}_preset": name, f"{prefix}_text": format_grid(kernel.array),
            f"{prefix}_valid": np.array(kernel.array)}


def _load_preset(prefix: str) -> None:
    name = st.session_state[f"{prefix}_preset"]
    if name != CUSTOM:
        for key, value in kernel_state_values(prefix, name).items():
            st.session_state[key] = value


def _mark_custom(prefix: str) -> None:
    st.session_state[f"{prefix}_preset"] = CUSTOM


def kernel_editor(prefix: str, *, default: str = "d2l", label: str = N_("Kernel"),
                  details=None) -> KernelChoice:
    """A preset kernel, editable as a grid of numbers (1×1 up to 7×7).

    Editing the numbers switches the preset to "custom". Anything that is not a grid of
    numbers gets an ``st.error`` sentence and the last valid kernel stays in use.
    ``details`` (a container) receives the weights box, so that a projector layout keeps
    only the preset menu in its row. ``label`` is translated here (mark it with ``N_``).
    The returned ``label`` and ``description`` are in the session's language.
    """
    preset_key, text_key, valid_key = (f"{prefix}_preset", f"{prefix}_text",
                                       f"{prefix}_valid")
    if preset_key not in st.session_state:
        for key, value in kernel_state_values(prefix, default).items():
            st.session_state.setdefault(key, value)
    names = [*kernel_names(), CUSTOM]
    name = st.selectbox(_(label), names, key=preset_key, on_change=_load_preset,
                        args=(prefix,), format_func=kernel_label,
                        width="stretch" if details is None else COMPACT_WIDTH_PX["kernel"])
    with st.container() if details is None else details:
        text = st.text_area(
            _("Weights (rows on lines, numbers separated by spaces; up to {side}×{side})"
              ).format(side=KERNEL_MAX_SIDE), key=text_key, height=110,
            on_change=_mark_custom, args=(prefix,))
        error = ""
        try:
            values = parse_grid(text, max_side=KERNEL_MAX_SIDE, what="kernel")
        except ValueError as err:
            values = np.asarray(st.session_state[valid_key], dtype=np.float64)
            error = _("{error} Keeping the last valid {h}×{w} kernel.").format(
                error=err, h=values.shape[0], w=values.shape[1])
            st.error(error)
        else:
            st.session_state[valid_key] = values
    if name == CUSTOM:
        return KernelChoice(values, CUSTOM, _("custom kernel"), "", error)
    return KernelChoice(values, name, kernel_label(name), kernel_description(name), error)


# ------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class ConvSettings:
    """Padding, stride, dilation and padding mode, in ``convcore.conv2d``'s terms.

    Attributes
    ----------
    padding : str or ((int, int), (int, int))
        "valid", "same", "full", or ``((top, bottom), (left, right))``.
    stride, dilation : (int, int)
    padding_mode : str
    """

    padding: str | tuple[tuple[int, int], tuple[int, int]] = "valid"
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding_mode: str = "zeros"


#: Padding choices: the values are PyTorch's words (they stay in links); "custom" reads
#: "each side" (marked; translated where shown).
PADDING_CHOICES = {"valid": "valid", "same": "same", "full": "full", "custom": N_("each side")}
#: Widths (px) of the menus in a projector row (``details=`` given): the row must fit 1280 px.
COMPACT_WIDTH_PX = {"input": 290, "kernel": 260, "padding": 130}
PAD_SIDES = {"top": N_("Top"), "bottom": N_("Bottom"), "left": N_("Left"), "right": N_("Right")}


def conv_settings(prefix: str, *, modes: bool = True, fold: bool = False,
                  details=None, advanced=None) -> ConvSettings:
    """Padding (named or per side), stride and dilation per axis, and padding mode.

    ``fold=True`` puts dilation and padding mode in :func:`ui.presenter.advanced_controls`
    (folded away in presenter mode). ``details`` (a container) receives the per-side
    paddings, dilation and padding mode instead: a projector layout then keeps only the
    padding choice and the strides in its row. ``advanced`` (a container) receives only
    dilation and padding mode (padding & stride's own folded box in presenter mode).
    """
    padding_help = _("valid: no padding. same: output as large as the input (stride 1; "
                     "PyTorch puts the extra row/column of an even kernel at the bottom/"
                     "right). full: every partial overlap.")
    if details is None:
        kind = st.radio(_("Padding"), list(PADDING_CHOICES), key=f"{prefix}_padding",
                        horizontal=True, format_func=i18n.option_labels(PADDING_CHOICES),
                        help=padding_help)
    else:  # a projector row: a narrow menu instead of four radio buttons
        kind = st.selectbox(_("Padding"), list(PADDING_CHOICES), key=f"{prefix}_padding",
                            format_func=i18n.option_labels(PADDING_CHOICES), help=padding_help,
                            width=COMPACT_WIDTH_PX["padding"])
    padding: str | tuple = kind
    if kind == "custom":
        with st.container() if details is None else details:
            cols = st.columns(4)
            sides = [_int_input(cols[k], _(word), 0, 20, 1, f"{prefix}_pad_{side}")
                     for k, (side, word) in enumerate(PAD_SIDES.items())]
        padding = ((int(sides[0]), int(sides[1])), (int(sides[2]), int(sides[3])))
    if details is None:
        c1, c2 = st.columns(2)
    else:  # the strides go with the other settings: the row keeps input, kernel, padding
        with details:
            c1, c2 = st.columns(2)
    stride = (_int_input(c1, _("Stride ↓"), 1, 8, 1, f"{prefix}_stride_h",
                         help=_("Rows the window moves down per step")),
              _int_input(c2, _("Stride →"), 1, 8, 1, f"{prefix}_stride_w",
                         help=_("Columns the window moves right per step")))
    if details is not None:
        where = details
    elif advanced is not None:
        where = advanced
    elif fold:
        where = presenter.advanced_controls(_(":material/tune: Dilation and padding values"))
    else:
        where = st.container()
    with where:
        dilation, mode = _dilation_and_mode(prefix, modes)
    return ConvSettings(padding, stride, dilation, mode)


def _int_input(container, label: str, lo: int, hi: int, default: int, key: str, *,
               help: str | None = None) -> int:
    """A whole-number input whose default lives in session state.

    Presets and shared links write these keys before the widget is drawn; giving the widget
    a default as well makes Streamlit log a warning with a stack trace on every such rerun.
    """
    st.session_state.setdefault(key, default)
    return int(container.number_input(label, lo, hi, key=key, step=1, help=help))


def _dilation_and_mode(prefix: str, modes: bool) -> tuple[tuple[int, int], str]:
    c3, c4 = st.columns(2)
    dilation = (_int_input(c3, _("Dilation ↓"), 1, 5, 1, f"{prefix}_dilation_h",
                           help=_("Spacing of kernel rows (1: no gap)")),
                _int_input(c4, _("Dilation →"), 1, 5, 1, f"{prefix}_dilation_w",
                           help=_("Spacing of kernel columns (1: no gap)")))
    mode = "zeros"
    if modes:
        mode = st.selectbox(_("Padding values"), PADDING_MODES, key=f"{prefix}_padding_mode",
                            help=_("zeros; reflect (mirror, edge not repeated); replicate "
                                   "(repeat the edge); circular (wrap around), as "
                                   "torch.nn.Conv2d."))
    return dilation, mode


# ------------------------------------------------------------------------------ charts


def chart_config(file_name: str, base: dict | None = None) -> dict:
    """A ``st.plotly_chart`` config whose mode-bar camera saves ``file_name``.png.

    The mode bar shows on hover with the camera (zoom and pan removed), even when ``base``
    hid it, so that every figure can be saved as a PNG in the browser.
    """
    config = plotly_png_config(file_name, base=base)
    config.pop("displayModeBar", None)
    removed = list(config.get("modeBarButtonsToRemove", []))
    config["modeBarButtonsToRemove"] = removed + [b for b in MODEBAR_REMOVE if b not in removed]
    return config


def show_chart(fig, file_name: str, *, base: dict | None = None, scale: bool = False,
               **kwargs):
    """``st.plotly_chart`` with the PNG camera; ``scale=True`` enlarges its text in presenter
    mode (:func:`ui.presenter.scale_figure`; only for figures whose margins leave room).

    ``kwargs`` go to ``st.plotly_chart`` (``key``, ``on_select`` ...); ``width="content"``
    and ``theme=None`` unless given.
    """
    kwargs.setdefault("width", "content")
    kwargs.setdefault("theme", None)
    shown = presenter.scale_figure(fig) if scale else fig
    shown, hidden = readable_numbers(shown)
    out = st.plotly_chart(shown, config=chart_config(file_name, base), **kwargs)
    if hidden:
        numbers_hidden_note()
    return out


def show_grid(fig, file_name: str, *, base: dict | None = None, max_width_px: float = 740,
              ticks: bool = True, **kwargs):
    """A grid figure (:func:`ui.figures.grid_figure`) through :func:`show_chart`; in
    presenter mode first enlarged and fitted to the projector's column
    (:func:`ui.figures.presenter_fit`: titles at projector size, broken or lifted where
    they would meet a neighbour, numbers too small to read left to the tables, the figure
    no wider than ``max_width_px``). ``ticks=False``: no row and column numbers on the
    projector (feature maps, spectra, kernels whose cells are narrower than a 24 px number).
    """
    if presenter.presenter_mode():
        scale = presenter.figure_scale()
        fig = figures.presenter_fit(
            presenter.scale_figure(fig, scale), min_text_px=presenter.MIN_PROJECTED_PX,
            title_px=scale["title_font_px"], tick_px=scale["tick_font_px"],
            max_width_px=max_width_px)
        if not ticks:
            fig.update_xaxes(showticklabels=False)
            fig.update_yaxes(showticklabels=False)
    return show_chart(fig, file_name, base=base, **kwargs)


def readable_numbers(fig) -> tuple[Any, bool]:
    """In presenter mode, ``fig`` without grid numbers smaller than 24 px (and whether any
    were hidden: then call :func:`numbers_hidden_note` under the chart); else ``fig``."""
    if not presenter.presenter_mode():
        return fig, False
    return presenter.hide_unreadable_numbers(fig)


def numbers_hidden_note() -> None:
    """The one sentence under a figure whose numbers presenter mode hid."""
    st.caption(":material/visibility_off: " + _(presenter.NUMBERS_HIDDEN))
