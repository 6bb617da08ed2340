"""Your image: a photo through a bank of kernels, at full resolution; pick a patch to study.

Thin page: widgets → ``ui.image_source`` (the session's current image) → ``ui.image_features``
(convcore at full resolution, shrunk for display) → ``st.image``. Heavy work is cached:
decoded pixels per file (``ui.image_source``), previews and feature maps per setting.

Widget keys (all ``img_*``, kept for the session; candidates for the URL):
``img_sample``, ``img_upload``, ``img_camera_on``, ``img_camera``, ``img_kernels``,
``img_custom_on`` (+ ``ui.controls.kernel_editor("img_custom")``: ``img_custom_preset``,
``img_custom_text``), ``img_padding``, ``img_relu``, ``img_pool``, ``img_pool_size``,
``img_patch_size``, ``img_patch_scale``, ``img_patch_top``, ``img_patch_left``,
``img_patch_kernel``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import streamlit as st

from convcore import ImageLoadError, conv2d, get_kernel, kernel_names, window_trace
from convcore.shapes import size_text
from ui import a11y, controls, i18n, image_source, presenter
from ui import figures as F
from ui import url_state as us
from ui.downloads import (
    download_array_buttons,
    download_gif_button,
    plotly_png_config,
)
from ui.export import MAX_GIF_FRAMES, animation_gif, gif_plan
from ui.i18n import N_, _, n_
from ui.image_features import (
    DISPLAY_HW,
    FeatureBank,
    KernelSpec,
    Previews,
    feature_bank,
    feature_map,
    image_previews,
    outline_box,
)
from ui.navigation import existing_pages

LOG = logging.getLogger(__name__)

P = "img"
SAMPLE, UPLOAD, CAMERA_ON, CAMERA = f"{P}_sample", f"{P}_upload", f"{P}_camera_on", f"{P}_camera"
KERNELS, CUSTOM_ON, CUSTOM = f"{P}_kernels", f"{P}_custom_on", f"{P}_custom"
PADDING, RELU, POOL, POOL_SIZE = f"{P}_padding", f"{P}_relu", f"{P}_pool", f"{P}_pool_size"
PATCH_SIZE, PATCH_SCALE = f"{P}_patch_size", f"{P}_patch_scale"
PATCH_TOP, PATCH_LEFT, PATCH_KERNEL = f"{P}_patch_top", f"{P}_patch_left", f"{P}_patch_kernel"
#: Internal (not widget) state: the last refusal, and which image the patch sliders are for.
NOTICE, PATCH_FOR = "_img_notice", "_img_patch_for"

DEFAULT_KERNELS = ["sobel_x", "sobel_y", "laplacian_4", "gaussian_blur_5x5"]
MAX_KERNELS = 8
POOL_LABELS = {"none": N_("No pooling"), "max": N_("Max"), "avg": N_("Average")}
POOL_SIZES = [2, 3, 4, 8]
SCALES = [1, 2, 4, 8, 16, 32, 64]
MAX_UPLOAD_MB = 64
PREVIEW_HW = (300, 400)
PICTURE_HW = (540, 720)
#: Width the patch figure is laid out for (the main column of the wide layout).
PATCH_FIGURE_PX = 880
PATCH_TARGETS = (("app_pages/sliding_window.py", N_("Open in sliding window")),
                 ("app_pages/channels.py", N_("Open in channels")),
                 ("app_pages/pooling.py", N_("Open in pooling")))
CHART_CONFIG = {"modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
                                           "zoomOut2d", "autoScale2d", "resetScale2d"]}
KEEP = {"persist_state": "session"}  # widget values survive a visit to another page
#: Mirrors of the sample name and the kernel list for the URL (plain session values).
URL_SAMPLE, URL_KERNELS = "_img_url_sample", "_img_url_kernels"
URL_SOURCE = "_img_url_source"  # "sample", or "upload"/"camera": a picture a link cannot carry
UPLOAD_LOST = "_img_upload_lost"  # this visit's link was made with a photo this server lacks
URL_SOURCE = "_img_url_source"  # "sample", or "upload"/"camera": a picture a link cannot carry
UPLOAD_LOST = "_img_upload_lost"  # this visit's link was made with a photo this server lacks


def _kernels_state(text: str) -> dict:
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in kernel_names()]
    if unknown or len(names) > MAX_KERNELS:
        raise ValueError(f"unknown kernels {', '.join(unknown)}" if unknown else
                         f"at most {MAX_KERNELS} kernels")
    return {KERNELS: names, URL_KERNELS: text}


#: The page's settings in the URL: sample image, kernels, padding, ReLU, pooling.
URL = us.UrlSchema(P, [
    us.UrlParam(URL_SAMPLE, "choice", None, choices=image_source.sample_names() or ["none"],
                name="sample", label="sample image"),
    us.UrlParam(URL_KERNELS, "str", ",".join(DEFAULT_KERNELS), max_len=200, name="k",
                label="kernels", to_state=_kernels_state),
    us.UrlParam(PADDING, "choice", "valid", choices=["valid", "same"], name="pad",
                label="padding"),
    us.UrlParam(RELU, "bool", True, name="relu", label="ReLU"),
    us.UrlParam(POOL, "choice", "none", choices=list(POOL_LABELS), name="pool",
                label="pooling"),
    us.UrlParam(POOL_SIZE, "choice", 2, choices=POOL_SIZES, name="ps", label="pooling window"),
    us.UrlParam(URL_SOURCE, "choice", "sample", choices=["sample", "upload", "camera"],
                name="src", label="image source"),
])


def sync_from_link() -> None:
    """Open the page as its link says; a sample named by the link becomes the image."""
    st.session_state.pop(URL_SAMPLE, None)
    st.session_state.pop(URL_SOURCE, None)
    us.sync_from_url(URL)
    wanted = st.session_state.get(URL_SAMPLE)
    current = image_source.current_image()
    st.session_state[UPLOAD_LOST] = (st.session_state.get(URL_SOURCE) in ("upload", "camera")
                                     and (current is None or current.source == "sample"))
    if wanted and (current is None or current.source != "sample" or current.name != wanted):
        _apply(lambda: image_source.set_current_sample(wanted), wanted)


def sync_to_link(current: image_source.CurrentImage | None) -> None:
    is_sample = current is not None and current.source == "sample"
    st.session_state[URL_SAMPLE] = current.name if is_sample else None
    lost_in_link = current is not None and current.source in ("upload", "camera")
    st.session_state[URL_SOURCE] = current.source if lost_in_link else "sample"
    st.session_state[URL_KERNELS] = ",".join(st.session_state.get(KERNELS) or [])
    us.sync_to_url(URL)
    with st.expander(_("Share this view")):
        us.share_link_box()
        if current is not None and not is_sample:
            st.caption(_("An uploaded photo cannot travel in a link: in another session the "
                         "link says so and shows the default sample with these settings."))


# ------------------------------------------------------------------------------ picking


def _apply(action, name: str) -> bool:
    """Run a ``set_current_*`` call; on refusal remember one sentence and keep the image."""
    try:
        action()
    except ImageLoadError as err:
        notice = _("**{name}**: {reason}").format(name=name, reason=err)
    except MemoryError:
        notice = _("**{name}**: the image is too large to decode in the memory "
                   "available.").format(name=name)
    except Exception:  # nothing a user uploads may crash the page
        LOG.exception("decoding %r failed", name)
        notice = _("**{name}**: this file could not be read as an image.").format(name=name)
    else:
        st.session_state[NOTICE] = None
        return True
    st.session_state[NOTICE] = notice
    return False


def _pick_sample() -> None:
    name = st.session_state.get(SAMPLE)
    if name and _apply(lambda: image_source.set_current_sample(name), name):
        st.session_state[UPLOAD_LOST] = False  # the user chose another picture


def _pick_upload() -> None:
    upload = st.session_state.get(UPLOAD)
    if upload is not None:
        name = getattr(upload, "name", "upload") or "upload"
        if _apply(lambda: image_source.set_current_image_from_bytes(
                name, upload.getvalue(), source="upload"), name):
            st.session_state[UPLOAD_LOST] = False


def _pick_camera() -> None:
    photo = st.session_state.get(CAMERA)
    if photo is not None:
        name = _("camera photo")
        if _apply(lambda: image_source.set_current_image_from_bytes(
                name, photo.getvalue(), source="camera"), name):
            st.session_state[UPLOAD_LOST] = False


def _ensure_current_image() -> image_source.CurrentImage | None:
    current = image_source.current_image()
    samples = image_source.sample_names()
    if current is None and samples:
        wanted = st.session_state.get(SAMPLE)
        name = wanted if wanted in samples else (
            image_source.DEFAULT_SAMPLE if image_source.DEFAULT_SAMPLE in samples else samples[0])
        if _apply(lambda: image_source.set_current_sample(name), name):
            current = image_source.current_image()
    # The sample box shows the current sample, and is empty for an upload or a photo, so
    # that choosing any sample is a change.
    is_sample = current is not None and current.source == "sample" and current.name in samples
    st.session_state[SAMPLE] = current.name if is_sample else None
    return current


def sample_picker(where, *, describe: bool = True) -> None:
    """The sample box (file names, short enough for any width) and what the sample shows;
    ``describe=False`` (presenter mode): a one-word label and no description."""
    samples = image_source.sample_names()
    descriptions = image_source.sample_descriptions()
    name = where.selectbox(
        _("A bundled sample") if describe else _("Sample"), samples, key=SAMPLE,
        on_change=_pick_sample,
        placeholder=_("Choose a sample…"),
        help=_("Four photographs (a cat, a face, a street scene, a brick texture) and four "
               "drawings. Their sources and licences are in assets/README.md.") + "\n\n"
        + "\n".join(f"- **{n}**: {descriptions.get(n, '')}" for n in samples), **KEEP)
    if describe and name in descriptions:
        where.caption(descriptions[name])


def upload_and_camera(middle, right) -> None:
    with middle:
        st.file_uploader(_("Your photo (PNG, JPEG, GIF, BMP, TIFF, WebP)"), key=UPLOAD,
                         on_change=_pick_upload, max_upload_size=MAX_UPLOAD_MB,
                         help=_("Up to {n} megapixels. It stays on this server for your "
                                "session only.").format(n=f"{image_source.MAX_PIXELS / 1e6:.0f}"))
    with right:
        if st.toggle(_("Take a photo"), key=CAMERA_ON,
                     help=_("Turns the camera on (your browser asks first).")):
            st.camera_input(_("Camera"), key=CAMERA, on_change=_pick_camera,
                            label_visibility="collapsed")


def source_section(current: image_source.CurrentImage | None, presenting: bool,
                   fold=None) -> image_source.CurrentImage | None:
    if presenting:
        # Projector layout: the sample sits in the one row of main controls (main()); the
        # upload box and the camera wait in the folded settings.
        with presenter.advanced_controls(N_("Your own photo"), where=fold):
            middle, right = st.columns([1.5, 1], gap="medium")
            upload_and_camera(middle, right)
    else:
        st.subheader(_("1 · Choose a picture"))
        left, middle, right = st.columns([1.2, 1.5, 1], gap="medium")
        sample_picker(left)
        upload_and_camera(middle, right)
    if st.session_state.get(UPLOAD_LOST):
        image_source.missing_upload_notice(f"{P}_upload_again", offer_upload=presenting)
    notice = st.session_state.get(NOTICE)
    if notice:
        if current is not None:
            notice += " " + _("Still showing **{name}**.").format(name=current.name)
        st.error(notice)
    if current is None:
        st.info(_("Pick a sample or upload a photo to begin."))
        return None
    if not presenting:
        st.caption(_("Showing {what}.").format(what=current.describe()))
    return current


# ------------------------------------------------------------------------------ previews


@st.cache_data(max_entries=8, show_spinner=False)
def previews(key: str, _image: image_source.CurrentImage, is_color: bool) -> Previews:
    """Gray and R, G, B previews, and the larger picture the patch is drawn on. The colour
    channels are decoded (``_image.rgb``) only on a cache miss."""
    rgb = _image.rgb if is_color else _image.gray[np.newaxis]
    return image_previews(_image.gray, rgb, is_color=is_color, preview_hw=PREVIEW_HW,
                          picture_hw=PICTURE_HW)


#: The four previews: title (markdown) and the name the alt text uses.
CHANNEL_TITLES = ((N_("Gray"), N_("gray image")), (N_("R (red)"), N_("red channel")),
                  (N_("G (green)"), N_("green channel")), (N_("B (blue)"), N_("blue channel")))


def channels_section(current: image_source.CurrentImage):
    try:
        shrunk = previews(current.key, current, current.is_color)
    except (ImageLoadError, MemoryError) as err:  # colour decoding failed: show the gray
        st.warning(_("The colour channels cannot be shown: {reason}").format(reason=err))
        shrunk = previews(current.key, current, False)
    gray_u8, channels_u8 = shrunk.gray, shrunk.channels
    shown = size_text(gray_u8.shape)
    full = size_text(current.shape)
    if current.is_color:
        st.caption(_("The kernels below work on the **gray** image (`0.299·R + 0.587·G + "
                     "0.114·B`). Each channel is a grid of numbers in [0, 1] of its own, drawn "
                     "black (0) to white (1); {full} pixels, shown at {shown}.").format(
                         full=full, shown=shown))
    else:
        st.caption(_("This picture is grayscale: its R, G and B channels all equal the gray "
                     "image. {full} pixels, shown at {shown}.").format(full=full, shown=shown))
    columns = st.columns(4)
    images = (gray_u8, *channels_u8)
    for column, (title, what), image in zip(columns, CHANNEL_TITLES, images, strict=True):
        with column:
            st.markdown(f"**{_(title)}**")
            st.image(image, width="stretch",
                     alt=_("The {what} of {name}, drawn black (0) to white (1).").format(
                         what=_(what), name=current.name))
    return shrunk.picture


# ------------------------------------------------------------------------------ feature maps


@st.cache_data(max_entries=12, show_spinner=False)
def cached_bank(key: str, kernels: tuple[KernelSpec, ...], padding: str, relu: bool, pool: str,
                pool_size: int, _gray: np.ndarray) -> FeatureBank:
    return feature_bank(_gray, kernels, padding=padding, relu=relu, pool=pool,
                        pool_size=pool_size)


#: Short names for the kernel picker, so that every chosen kernel fits on one line (marked).
SHORT_LABELS = {
    "identity": N_("Identity"), "edge": N_("Edge [1, −1]"),
    "edge_transposed": N_("Edge [1, −1]ᵀ"), "sobel_x": N_("Sobel x"),
    "sobel_y": N_("Sobel y"), "prewitt_x": N_("Prewitt x"), "prewitt_y": N_("Prewitt y"),
    "laplacian_4": N_("Laplacian 4"), "laplacian_8": N_("Laplacian 8"),
    "box_blur_3x3": N_("Box blur 3×3"), "box_blur_5x5": N_("Box blur 5×5"),
    "gaussian_blur_3x3": N_("Gauss 3×3"), "gaussian_blur_5x5": N_("Gauss 5×5"),
    "sharpen": N_("Sharpen"), "emboss": N_("Emboss"), "outline": N_("Outline"),
    "d2l": N_("d2l 2×2"),
}
#: The kernels' full names, for the maps' captions (convcore's labels, marked here).
FULL_LABELS = {
    "identity": N_("Identity"), "edge": N_("Vertical edges [1, −1]"),
    "edge_transposed": N_("Horizontal edges [1, −1]ᵀ"),
    "sobel_x": N_("Sobel x (vertical edges)"), "sobel_y": N_("Sobel y (horizontal edges)"),
    "prewitt_x": N_("Prewitt x (vertical edges)"),
    "prewitt_y": N_("Prewitt y (horizontal edges)"),
    "laplacian_4": N_("Laplacian (4-neighbour)"), "laplacian_8": N_("Laplacian (8-neighbour)"),
    "box_blur_3x3": N_("Box blur 3×3"), "box_blur_5x5": N_("Box blur 5×5"),
    "gaussian_blur_3x3": N_("Gaussian blur 3×3"), "gaussian_blur_5x5": N_("Gaussian blur 5×5"),
    "sharpen": N_("Sharpen"), "emboss": N_("Emboss"), "outline": N_("Outline"),
    "d2l": N_("d2l example [[0, 1], [2, 3]]"),
}


def _kernel_label(name: str) -> str:
    short = SHORT_LABELS.get(name)
    return _(short) if short else get_kernel(name).label


def _kernel_full_label(name: str) -> str:
    full = FULL_LABELS.get(name)
    return _(full) if full else get_kernel(name).label


def kernel_picker(where) -> list[str]:
    return where.multiselect(_("Kernels (each gives one feature map)"), kernel_names(),
                             key=KERNELS, format_func=_kernel_label,
                             help=_("Each map's caption gives the kernel's full name."),
                             max_selections=MAX_KERNELS, **KEEP)


def kernel_bank(presenting: bool, fold=None) -> tuple[list[KernelSpec], str, bool, str, int]:
    st.session_state.setdefault(KERNELS, list(DEFAULT_KERNELS))
    st.session_state.setdefault(PADDING, "valid")
    st.session_state.setdefault(RELU, True)
    st.session_state.setdefault(POOL, "none")
    st.session_state.setdefault(POOL_SIZE, 2)
    st.session_state.setdefault(CUSTOM_ON, False)
    names = list(st.session_state.get(KERNELS) or [])
    with presenter.advanced_controls(N_("More settings"), where=fold):
        left, right = st.columns([3, 2], gap="medium")
        with left:
            if not presenting:  # presenting: the picker is in the main row (main())
                names = kernel_picker(st)
            custom_on = st.toggle(_("Add a kernel of my own"), key=CUSTOM_ON, **KEEP)
        with right:
            padding = st.radio(_("Padding"), ["valid", "same"], key=PADDING, horizontal=True,
                               help=_("valid: no padding, the map shrinks by the kernel size "
                                      "− 1. same: zeros around the image keep the size."),
                               **KEEP)
            relu = st.toggle(_("ReLU after the convolution (negative → 0)"), key=RELU, **KEEP)
            pool = st.radio(_("Pooling after"), list(POOL_LABELS), key=POOL,
                            format_func=i18n.option_labels(POOL_LABELS), horizontal=True, **KEEP)
            pool_size = st.select_slider(_("Pooling window (and stride)"), POOL_SIZES,
                                         key=POOL_SIZE, disabled=pool == "none",
                                         format_func=lambda n: f"{n}×{n}", **KEEP)
        specs = [KernelSpec.from_array(n, _kernel_full_label(n), get_kernel(n).array)
                 for n in names]
        if custom_on:
            with left:
                choice = controls.kernel_editor(CUSTOM, default="emboss", label=_("My kernel"))
            label = (_("My kernel") if choice.name == controls.CUSTOM else
                     _("My kernel ({name})").format(name=_kernel_full_label(choice.name)))
            specs.append(KernelSpec.from_array("custom", label, choice.values))
    return specs, padding, relu, pool, int(pool_size)


def _settings_text(padding: str, relu: bool, pool: str, pool_size: int) -> str:
    """``"padding valid, ReLU, max pool 2×2"`` in the session's language."""
    parts = [_("padding {mode}").format(mode=padding)]
    if relu:
        parts.append("ReLU")
    if pool != "none":
        text = _("max pool {n}×{n}") if pool == "max" else _("average pool {n}×{n}")
        parts.append(text.format(n=pool_size))
    return _(", ").join(parts)


def _map_caption(fmap) -> str:
    """``"Sobel x · conv 298×449 → pool 149×224 · −2.1 … 3.4"`` (translated)."""
    lo, hi = (f"{v:.3g}".replace("-", "−") for v in (fmap.lo, fmap.hi))
    if fmap.out_hw != fmap.conv_hw:
        return _("{label} · conv {conv} → pool {pool} · {lo} … {hi}").format(
            label=fmap.kernel.label, conv=size_text(fmap.conv_hw),
            pool=size_text(fmap.out_hw), lo=lo, hi=hi)
    return _("{label} · conv {conv} · {lo} … {hi}").format(
        label=fmap.kernel.label, conv=size_text(fmap.conv_hw), lo=lo, hi=hi)


#: How each colour scale of :func:`ui.image_features.display_colors` is read (for alt text).
SCALE_WORDS = {
    "gray": N_("black (0 or less) to white (strongest)"),
    "sequential": N_("black (0) to white (strongest)"),
    "diverging": N_("red for negative, white for 0, blue for positive"),
    "negative": N_("dark red (most negative) to white (0)"),
}


def _map_alt(fmap, name: str) -> str:
    words = SCALE_WORDS.get(fmap.scale.kind)
    colours = _(words) if words else fmap.scale.kind
    return _("Feature map of the kernel {kernel} on {name}, {size} values from {lo} to {hi}, "
             "drawn {colours}.").format(kernel=fmap.kernel.label, name=name,
                                        size=size_text(fmap.out_hw), lo=f"{fmap.lo:.3g}",
                                        hi=f"{fmap.hi:.3g}", colours=colours)


def _shown_size_text(bank: FeatureBank) -> str:
    """"shown at full size" unless some map had to be shrunk for display."""
    shrunk = any(tuple(m.display.shape[:2]) != m.out_hw for m in bank.maps)
    return (_("shown shrunk to fit {size}").format(size=size_text(DISPLAY_HW)) if shrunk
            else _("shown at full size"))


def feature_section(current: image_source.CurrentImage, presenting: bool,
                    fold=None) -> list[KernelSpec]:
    if not presenting:
        st.subheader(_("3 · Feature maps"))
    specs, padding, relu, pool, pool_size = kernel_bank(presenting, fold)
    if not specs:
        st.info(_("Pick at least one kernel to see its feature map."))
        return specs
    try:
        with st.spinner(_("Computing the feature maps at full resolution…")):
            bank = cached_bank(current.key, tuple(specs), padding, relu, pool, pool_size,
                               current.gray)
    except (ValueError, TypeError) as err:
        st.error(_("These settings do not work on this image: {reason}").format(reason=err))
        return specs
    n = len(bank.maps)
    timing = n_(
        "Computed **{n} feature map** on **{size}** pixels in **{seconds} s** ({settings}; "
        "`convcore.conv2d` at full resolution), {shown}.",
        "Computed **{n} feature maps** on **{size}** pixels in **{seconds} s** ({settings}; "
        "`convcore.conv2d` at full resolution), {shown}.", n).format(
            n=n, size=size_text(bank.in_hw), seconds=f"{bank.seconds:.2f}",
            settings=_settings_text(padding, relu, pool, pool_size),
            shown=_shown_size_text(bank))
    if not presenting:
        st.markdown(timing)
    for spec, message in bank.errors:
        st.warning(_("**{name}**: {reason}").format(name=spec.label, reason=message))
    per_row = 4 if presenting else 2
    figure = a11y.main_figure()  # the maps: the page's main figure
    for start in range(0, n, per_row):
        columns = figure.columns(per_row)
        for column, fmap in zip(columns, bank.maps[start:start + per_row], strict=False):
            with column:
                caption = (_kernel_label(fmap.kernel.name) if presenting and
                           fmap.kernel.name in SHORT_LABELS else _map_caption(fmap))
                st.image(fmap.display, caption=caption, width="stretch",
                         alt=_map_alt(fmap, current.name))
    if presenting:
        st.caption(timing)
    st.caption(_("Blurs and other brightness-keeping kernels are drawn as pictures, black (0) "
                 "to white (1); maps after ReLU black (0) to white (strongest); signed maps "
                 "red for negative, white for 0, blue for positive. Colours saturate at the "
                 "99th percentile of the magnitudes, so a few extreme pixels do not wash a map "
                 "out and faint edges still show."))
    with st.expander(_("Download the feature maps at full resolution")):
        for k, fmap in enumerate(bank.maps):
            st.markdown(f"**{fmap.kernel.label}** · {size_text(fmap.out_hw)}")
            download_array_buttons(
                fmap.kernel.label,
                _full_map(current.gray, fmap.kernel, padding, relu, pool, pool_size),
                key=f"{P}_dl_map{k}", file_stem=f"{current.name}_{fmap.kernel.name}",
                shape=fmap.out_hw)
    return specs


def _full_map(gray: np.ndarray, spec: KernelSpec, padding: str, relu: bool, pool: str,
              pool_size: int):
    """A callable for a download button: the map is computed only when clicked."""

    def compute() -> np.ndarray:
        return feature_map(gray, spec.array, padding=padding, relu=relu, pool=pool,
                           pool_size=pool_size)[0]

    return compute


# ------------------------------------------------------------------------------ patch


def _bounded_slider(label: str, key: str, low: int, high: int, **kwargs) -> int:
    """An integer slider whose remembered value is pulled into ``low..high`` first."""
    value = int(min(max(int(st.session_state.get(key, low)), low), high))
    st.session_state[key] = value
    if high <= low:
        st.caption(_("{label}: {value}").format(label=label, value=low))
        return low
    return int(st.slider(label, low, high, key=key, **kwargs, **KEEP))


def patch_controls(current: image_source.CurrentImage) -> image_source.PatchSpec:
    if st.session_state.get(PATCH_FOR) != current.key or PATCH_SIZE not in st.session_state:
        spec = image_source.current_patch_spec()
        st.session_state.update({PATCH_SIZE: spec.size, PATCH_SCALE: spec.scale,
                                 PATCH_TOP: spec.top, PATCH_LEFT: spec.left})
        st.session_state[PATCH_FOR] = current.key
    height, width = current.shape
    short = min(height, width)
    size = _bounded_slider(_("Cells per side"), PATCH_SIZE, 1,
                           min(image_source.MAX_PATCH_CELLS, short),
                           help=_("The sliding-window page shows every cell and every sum. "
                                  "Up to {n} cells per side show their numbers here.").format(
                                      n=NUMBERED_CELLS))
    scales = [s for s in SCALES if size * s <= short]
    if st.session_state.get(PATCH_SCALE) not in scales:
        st.session_state[PATCH_SCALE] = max(s for s in scales if s <= max(
            1, int(st.session_state.get(PATCH_SCALE, 1) or 1))) if scales else 1
    if len(scales) > 1:
        scale = st.select_slider(
            _("Pixels per cell side"), scales, key=PATCH_SCALE,
            format_func=lambda n: (_("1 (the pixels themselves)") if n == 1 else
                                   _("{n}×{n} averaged").format(n=n)),
            help=_("Each cell of the patch is the mean of this many pixels: larger values "
                   "cover more of a big photo."), **KEEP)
    else:
        scale = scales[0]
    span = size * scale
    top = _bounded_slider(_("Top row"), PATCH_TOP, 0, height - span)
    left = _bounded_slider(_("Left column"), PATCH_LEFT, 0, width - span)
    return image_source.set_patch(top, left, size, scale=scale)


#: Patches up to this many cells per side print every number in the figure (two decimals
#: at the cell size the page's column allows); larger ones are in the table below it.
NUMBERED_CELLS = 16
#: Decimals the patch figures print (the table below them has the exact values).
PATCH_DECIMALS = 2
#: Significant digits of a printed value: enough for every 2-decimal number below 10.
PATCH_DIGITS = 3


def shown_values(values: np.ndarray) -> np.ndarray:
    """What the patch figures print: rounded to :data:`PATCH_DECIMALS` decimals, so that
    every number fits its cell ("−0.00035" would spill over its neighbours); the table
    below the figures and the downloads keep the exact values."""
    return np.round(np.asarray(values, dtype=np.float64), PATCH_DECIMALS) + 0.0  # no −0


def _fit_cell_px(panels: list, width_px: float) -> float:
    columns = sum(p.shape[1] for p in panels) + F.GAP_CELLS * (len(panels) - 1)
    return min(F.MAX_CELL_PX, (width_px - 2 * F.MARGIN_X_PX) / columns)


@st.cache_resource(max_entries=16, show_spinner=False)
def patch_figure(key: str, spec: image_source.PatchSpec, patch: np.ndarray, lang: str):
    """The patch alone, one number per cell (read-only, cached per language)."""
    panels = [F.Panel(shown_values(patch),
                      _("<b>Patch</b> {size}").format(size=size_text(patch.shape)),
                      image=True, name="patch",
                      show_values=True if patch.shape[1] <= NUMBERED_CELLS else None)]
    return F.grid_figure(panels, digits=PATCH_DIGITS,
                         max_cell_px=_fit_cell_px(panels, PATCH_FIGURE_PX))


@st.cache_resource(max_entries=16, show_spinner=False)
def output_figure(key: str, spec: image_source.PatchSpec, kernel: KernelSpec,
                  output: np.ndarray, lang: str):
    """The kernel and its valid cross-correlation with the patch (read-only, cached)."""
    panels = [
        F.Panel(kernel.array, _("<b>Kernel</b> {size}").format(
            size=size_text(kernel.array.shape)), name="kernel"),
        F.Panel(shown_values(output),
                _("<b>Output</b> {size}").format(size=size_text(output.shape)),
                name="output", show_values=True if output.shape[1] <= NUMBERED_CELLS else None),
    ]
    return F.grid_figure(panels, digits=PATCH_DIGITS,
                         max_cell_px=_fit_cell_px(panels, PATCH_FIGURE_PX))


def _numbers_table(values: np.ndarray):
    """A grid as a table whose rows and columns are numbered as in the figures."""
    import pandas as pd

    frame = pd.DataFrame(np.round(values, 4))
    frame.index.name = "↓ / →"
    return frame


def _gif_note(out_hw: tuple[int, int]) -> str:
    """How many frames the GIF gets (``ui.export.gif_plan``), in the session's language."""
    plan = gif_plan(out_hw, max_frames=MAX_GIF_FRAMES)
    cells = plan.out_hw[0] * plan.out_hw[1]
    if plan.mode == "cell":
        return _("One frame per output cell: {n} frames.").format(n=plan.n_frames)
    if plan.n_frames == plan.out_hw[0]:
        return _("One frame per output row ({n} frames): {cells} output cells are more than "
                 "the {max} frames a GIF gets.").format(n=plan.n_frames, cells=f"{cells:,}",
                                                        max=MAX_GIF_FRAMES)
    return _("{n} of the {rows} output rows, evenly spread, one frame each: {cells} output "
             "cells are more than the {max} frames a GIF gets.").format(
                 n=plan.n_frames, rows=plan.out_hw[0], cells=f"{cells:,}", max=MAX_GIF_FRAMES)


def patch_section(current: image_source.CurrentImage, picture: np.ndarray,
                  specs: list[KernelSpec]) -> None:
    st.caption(_("Choose a small square of the picture: the sliding-window, channels and "
                 "pooling pages can take it as their input, with the kernel chosen here, and "
                 "it stays chosen while you move between pages."))
    left, right = st.columns([3, 2], gap="medium")
    with right:
        spec = patch_controls(current)
    with left:
        st.image(outline_box(picture, spec.box, current.shape), width="stretch",
                 caption=image_source.describe_patch(),
                 alt=_("{name} with the chosen patch outlined in orange: {where}.").format(
                     name=current.name, where=image_source.describe_patch()))
    patch = image_source.current_patch()
    default = "sobel_x"
    kernels = specs or [KernelSpec.from_array(default, _kernel_full_label(default),
                                              get_kernel(default).array)]
    names = [k.name for k in kernels]
    if st.session_state.get(PATCH_KERNEL) not in names:
        st.session_state[PATCH_KERNEL] = names[0]
    with right:
        chosen = st.selectbox(_("Kernel on the patch"), names, key=PATCH_KERNEL,
                              format_func=lambda n: kernels[names.index(n)].label, **KEEP)
    kernel = kernels[names.index(chosen)]
    try:
        trace = window_trace(patch.shape, kernel.array.shape)
        output = conv2d(patch, kernel.array)
    except (ValueError, TypeError) as err:
        st.warning(_("The kernel does not fit on this patch: {reason}").format(reason=err))
        output = trace = None
    lang = i18n.current_language()
    st.plotly_chart(presenter.scale_figure(patch_figure(current.key, spec, patch, lang)),
                    width="content", theme=None, key=f"{P}_patch_chart",
                    config=plotly_png_config("patch", base=CHART_CONFIG))
    if output is not None:
        st.plotly_chart(
            presenter.scale_figure(output_figure(current.key, spec, kernel, output, lang)),
            width="content", theme=None, key=f"{P}_patch_out_chart",
            config=plotly_png_config(f"patch_{kernel.name}", base=CHART_CONFIG))
        st.caption(_("The patch's numbers, the kernel ({kernel}) and their valid "
                     "cross-correlation, {size}, rounded to two decimals (the exact values are "
                     "in the table below): output cell (i, j) is the sum of the kernel's weights "
                     "times the patch cells under it when its top-left corner sits on patch cell "
                     "(i, j).").format(kernel=kernel.label,
                                                  size=size_text(output.shape)))
    if patch.shape[1] > NUMBERED_CELLS:
        st.caption(_("A patch wider than {n} cells is too small on screen for its numbers: "
                     "they are in the table below.").format(n=NUMBERED_CELLS))
    with st.expander(_("Show the patch and its output as numbers")):
        st.markdown(_("**Patch** ({size}), rows ↓ and columns →").format(
            size=size_text(patch.shape)))
        st.dataframe(_numbers_table(patch))
        if output is not None:
            st.markdown(_("**Output** ({size}) of {label}").format(
                size=size_text(output.shape), label=kernel.label))
            st.dataframe(_numbers_table(output))
    open_buttons(kernel)
    with st.expander(_("Download the patch, its output, or the sliding window as a GIF")):
        download_array_buttons(_("Patch"), patch, key=f"{P}_dl_patch",
                               file_stem=f"{Path(current.name).stem}_patch")
        if output is not None:
            download_array_buttons(_("Output"), output, key=f"{P}_dl_patch_out",
                                   file_stem=f"{Path(current.name).stem}_patch_{kernel.name}")
            download_gif_button(_("Sliding window over the patch (GIF)"),
                                _gif_maker(patch, kernel.array, output, trace),
                                key=f"{P}_dl_gif", file_name=f"sliding_window_{kernel.name}.gif",
                                help=_("An animated GIF for slides, built when you click."))
            st.caption(_gif_note(output.shape) + " " + _("The camera icon above a chart saves "
                                                         "it as a PNG."))


def _gif_maker(patch: np.ndarray, kernel: np.ndarray, output: np.ndarray, trace):
    def make() -> bytes:
        return animation_gif(patch, kernel, output, trace, image=True)

    return make


def _open_on(page: str, kernel: KernelSpec) -> None:
    image_source.request_patch_on(page, kernel=image_source.PatchKernel(
        kernel.name, kernel.label, kernel.weights))


def open_buttons(kernel: KernelSpec) -> None:
    routed = {page.path: page for page in existing_pages()}
    columns = st.columns(len(PATCH_TARGETS))
    for column, (path, label) in zip(columns, PATCH_TARGETS, strict=True):
        with column:
            page = routed.get(path)
            if st.button(_(label), key=f"{P}_open_{Path(path).stem}", disabled=page is None,
                         width="stretch",
                         help=_("Opens the patch there, with the kernel {kernel}.").format(
                             kernel=kernel.label) if page else
                         _("That page is not available yet.")):
                _open_on(path, kernel)
                st.switch_page(path)


# ------------------------------------------------------------------------------ page


CHANNELS_TITLE = N_("2 · Gray, and the red, green and blue channels")
PATCH_TITLE = N_("4 · A patch to study, number by number")


def _section(title: str, presenting: bool):
    """A titled section normally; folded into an expander in presenter mode."""
    if presenting:
        return st.expander(_(title))
    box = st.container()
    box.subheader(_(title))
    return box


def main() -> None:
    sync_from_link()
    presenting = presenter.presenter_mode()
    current = _ensure_current_image()  # before the sample box, which shows it
    st.title(_("Your image"))
    if presenting:
        # Projector layout: title, one row of main controls, then the feature maps.
        with presenter.main_controls():
            left, right = st.columns([1, 3.4], gap="medium")
            sample_picker(left, describe=False)
            kernel_picker(right)
        folds = st.columns(2, gap="medium")  # the two folded boxes share one row
    else:
        folds = (None, None)
        st.markdown(_(
            "Bring your own photo. Every kernel below runs over **every pixel** at full "
            "resolution with the same `convcore.conv2d` as the other pages; only the pictures "
            "on screen are shrunk. Then pick a small patch and follow it, number by number, "
            "through the sliding window, the channels and pooling."))
    current = source_section(current, presenting, folds[0])
    if current is None:
        sync_to_link(current)
        return
    # The channels come first on screen (after the maps when presenting) but are filled in
    # after the feature maps: colour decoding is the slowest step, and the maps should not
    # wait for it.
    channels_box = st.container()
    specs = feature_section(current, presenting, folds[1])
    with channels_box if not presenting else st.container():
        with _section(CHANNELS_TITLE, presenting):
            picture = channels_section(current)
    with _section(PATCH_TITLE, presenting):
        patch_section(current, picture, specs)
    sync_to_link(current)


main()
