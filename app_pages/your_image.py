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
from ui import controls, image_source
from ui import figures as F
from ui import url_state as us
from ui.downloads import (
    download_array_buttons,
    download_gif_button,
    plotly_png_config,
)
from ui.export import animation_gif, gif_plan_note
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
POOL_LABELS = {"none": "No pooling", "max": "Max", "avg": "Average"}
POOL_SIZES = [2, 3, 4, 8]
SCALES = [1, 2, 4, 8, 16, 32, 64]
MAX_UPLOAD_MB = 64
PREVIEW_HW = (300, 400)
PICTURE_HW = (540, 720)
#: Width the patch figure is laid out for (the main column of the wide layout).
PATCH_FIGURE_PX = 880
PATCH_TARGETS = (("app_pages/sliding_window.py", "🪟 Open in sliding window"),
                 ("app_pages/channels.py", "🌈 Open in channels"),
                 ("app_pages/pooling.py", "🧺 Open in pooling"))
CHART_CONFIG = {"modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
                                           "zoomOut2d", "autoScale2d", "resetScale2d"]}
KEEP = {"persist_state": "session"}  # widget values survive a visit to another page
#: Mirrors of the sample name and the kernel list for the URL (plain session values).
URL_SAMPLE, URL_KERNELS = "_img_url_sample", "_img_url_kernels"
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
    with st.expander("🔗 Share this view"):
        us.share_link_box()
        if current is not None and not is_sample:
            st.caption("An uploaded photo cannot travel in a link: the link opens the "
                       "default sample with these settings.")


# ------------------------------------------------------------------------------ picking


def _apply(action, name: str) -> bool:
    """Run a ``set_current_*`` call; on refusal remember one sentence and keep the image."""
    try:
        action()
    except ImageLoadError as err:
        notice = f"**{name}**: {err}"
    except MemoryError:
        notice = f"**{name}**: the image is too large to decode in the memory available."
    except Exception:  # nothing a user uploads may crash the page
        LOG.exception("decoding %r failed", name)
        notice = f"**{name}**: this file could not be read as an image."
    else:
        st.session_state[NOTICE] = None
        return True
    st.session_state[NOTICE] = notice
    return False


def _pick_sample() -> None:
    name = st.session_state.get(SAMPLE)
    if name:
        _apply(lambda: image_source.set_current_sample(name), name)


def _pick_upload() -> None:
    upload = st.session_state.get(UPLOAD)
    if upload is not None:
        name = getattr(upload, "name", "upload") or "upload"
        _apply(lambda: image_source.set_current_image_from_bytes(
            name, upload.getvalue(), source="upload"), name)


def _pick_camera() -> None:
    photo = st.session_state.get(CAMERA)
    if photo is not None:
        _apply(lambda: image_source.set_current_image_from_bytes(
            "camera photo", photo.getvalue(), source="camera"), "camera photo")


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


def source_section() -> image_source.CurrentImage | None:
    st.subheader("1 · Choose a picture")
    samples = image_source.sample_names()
    descriptions = image_source.sample_descriptions()
    current = _ensure_current_image()
    left, middle, right = st.columns([1, 1.5, 1], gap="medium")
    with left:
        st.selectbox("A bundled sample", samples, key=SAMPLE, on_change=_pick_sample,
                     placeholder="Choose a sample…",
                     help=" ".join(f"**{n}**: {descriptions.get(n, '')}" for n in samples),
                     **KEEP)
    with middle:
        st.file_uploader("Your photo (PNG, JPEG, GIF, BMP, TIFF, WebP)", key=UPLOAD,
                         on_change=_pick_upload, max_upload_size=MAX_UPLOAD_MB,
                         help=f"Up to {image_source.MAX_PIXELS / 1e6:.0f} megapixels. It stays "
                              "on this server for your session only.")
    with right:
        if st.toggle("📷 Take a photo", key=CAMERA_ON,
                     help="Turns the camera on (your browser asks first)."):
            st.camera_input("Camera", key=CAMERA, on_change=_pick_camera,
                            label_visibility="collapsed")
    notice = st.session_state.get(NOTICE)
    if notice:
        still = f" Still showing **{current.name}**." if current is not None else ""
        st.error(f"{notice}{still}", icon="🚫")
    if current is None:
        st.info("Pick a sample or upload a photo to begin.")
        return None
    if st.session_state.get(UPLOAD_LOST):
        st.info(image_source.UPLOAD_GONE, icon="🖼️")
    st.caption(f"Showing {current.describe()}.")
    return current


# ------------------------------------------------------------------------------ previews


@st.cache_data(max_entries=8, show_spinner=False)
def previews(key: str, _image: image_source.CurrentImage, is_color: bool) -> Previews:
    """Gray and R, G, B previews, and the larger picture the patch is drawn on. The colour
    channels are decoded (``_image.rgb``) only on a cache miss."""
    rgb = _image.rgb if is_color else _image.gray[np.newaxis]
    return image_previews(_image.gray, rgb, is_color=is_color, preview_hw=PREVIEW_HW,
                          picture_hw=PICTURE_HW)


def channels_section(current: image_source.CurrentImage):
    st.subheader("2 · Gray, and the red, green and blue channels")
    try:
        shrunk = previews(current.key, current, current.is_color)
    except (ImageLoadError, MemoryError) as err:  # colour decoding failed: show the gray
        st.warning(f"The colour channels cannot be shown: {err}")
        shrunk = previews(current.key, current, False)
    gray_u8, channels_u8 = shrunk.gray, shrunk.channels
    shown = size_text(gray_u8.shape)
    full = size_text(current.shape)
    if current.is_color:
        st.caption(f"The kernels below work on the **gray** image (0.299·R + 0.587·G + "
                   f"0.114·B). Each channel is a grid of numbers in [0, 1] of its own, drawn "
                   f"black (0) to white (1); {full} pixels, shown at {shown}.")
    else:
        st.caption(f"This picture is grayscale: its R, G and B channels all equal the gray "
                   f"image. {full} pixels, shown at {shown}.")
    columns = st.columns(4)
    titles = ("Gray", ":red[R] (red)", ":green[G] (green)", ":blue[B] (blue)")
    images = (gray_u8, *channels_u8)
    for column, title, image in zip(columns, titles, images, strict=True):
        with column:
            st.markdown(f"**{title}**")
            st.image(image, width="stretch")
    return shrunk.picture


# ------------------------------------------------------------------------------ feature maps


@st.cache_data(max_entries=12, show_spinner="Computing the feature maps at full resolution…")
def cached_bank(key: str, kernels: tuple[KernelSpec, ...], padding: str, relu: bool, pool: str,
                pool_size: int, _gray: np.ndarray) -> FeatureBank:
    return feature_bank(_gray, kernels, padding=padding, relu=relu, pool=pool,
                        pool_size=pool_size)


#: Short names for the kernel picker, so that every chosen kernel fits on one line.
SHORT_LABELS = {
    "edge": "Edge [1, −1]", "edge_transposed": "Edge [1, −1]ᵀ", "sobel_x": "Sobel x",
    "sobel_y": "Sobel y", "prewitt_x": "Prewitt x", "prewitt_y": "Prewitt y",
    "laplacian_4": "Laplacian 4", "laplacian_8": "Laplacian 8",
    "gaussian_blur_3x3": "Gauss 3×3", "gaussian_blur_5x5": "Gauss 5×5", "d2l": "d2l 2×2",
}


def _kernel_label(name: str) -> str:
    return SHORT_LABELS.get(name) or get_kernel(name).label


def kernel_bank() -> tuple[list[KernelSpec], str, bool, str, int]:
    st.session_state.setdefault(KERNELS, list(DEFAULT_KERNELS))
    st.session_state.setdefault(PADDING, "valid")
    st.session_state.setdefault(RELU, True)
    st.session_state.setdefault(POOL, "none")
    st.session_state.setdefault(POOL_SIZE, 2)
    st.session_state.setdefault(CUSTOM_ON, False)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        names = st.multiselect("Kernels (each gives one feature map)", kernel_names(),
                               key=KERNELS, format_func=_kernel_label,
                               help="Each map's caption gives the kernel's full name.",
                               max_selections=MAX_KERNELS, **KEEP)
        custom_on = st.toggle("Add a kernel of my own", key=CUSTOM_ON, **KEEP)
    with right:
        padding = st.radio("Padding", ["valid", "same"], key=PADDING, horizontal=True,
                           help="valid: no padding, the map shrinks by the kernel size − 1. "
                                "same: zeros around the image keep the size.", **KEEP)
        relu = st.toggle("ReLU after the convolution (negative → 0)", key=RELU, **KEEP)
        pool = st.radio("Pooling after", list(POOL_LABELS), key=POOL,
                        format_func=POOL_LABELS.get, horizontal=True, **KEEP)
        pool_size = st.select_slider("Pooling window (and stride)", POOL_SIZES, key=POOL_SIZE,
                                     disabled=pool == "none",
                                     format_func=lambda n: f"{n}×{n}", **KEEP)
    specs = [KernelSpec.from_array(n, get_kernel(n).label, get_kernel(n).array) for n in names]
    if custom_on:
        with left:
            choice = controls.kernel_editor(CUSTOM, default="emboss", label="My kernel")
        label = "My kernel" if choice.name == controls.CUSTOM else f"My kernel ({choice.label})"
        specs.append(KernelSpec.from_array("custom", label, choice.values))
    return specs, padding, relu, pool, int(pool_size)


def _shown_size_text(bank: FeatureBank) -> str:
    """"shown at full size" unless some map had to be shrunk for display."""
    shrunk = any(tuple(m.display.shape[:2]) != m.out_hw for m in bank.maps)
    return (f"shown shrunk to fit {size_text(DISPLAY_HW)}" if shrunk
            else "shown at full size")


def feature_section(current: image_source.CurrentImage) -> list[KernelSpec]:
    st.subheader("3 · Feature maps")
    specs, padding, relu, pool, pool_size = kernel_bank()
    if not specs:
        st.info("Pick at least one kernel to see its feature map.")
        return specs
    try:
        bank = cached_bank(current.key, tuple(specs), padding, relu, pool, pool_size,
                           current.gray)
    except (ValueError, TypeError) as err:
        st.error(f"These settings do not work on this image: {err}")
        return specs
    n = len(bank.maps)
    st.markdown(
        f"⏱️ Computed **{n} feature map{'s' if n != 1 else ''}** on **{size_text(bank.in_hw)}** "
        f"pixels in **{bank.seconds:.2f} s** ({bank.settings}; convcore.conv2d at full "
        f"resolution), {_shown_size_text(bank)}.")
    for spec, message in bank.errors:
        st.warning(f"**{spec.label}**: {message}")
    for start in range(0, n, 2):
        columns = st.columns(2)
        for column, fmap in zip(columns, bank.maps[start:start + 2], strict=False):
            with column:
                st.image(fmap.display, caption=fmap.caption(), width="stretch")
    st.caption("Blurs and other brightness-keeping kernels are drawn as pictures, black (0) "
               "to white (1); maps after ReLU black (0) to white (strongest); signed maps red "
               "for negative, white for 0, blue for positive. Colours saturate at the 99th "
               "percentile of the magnitudes, so a few extreme pixels do not wash a map out "
               "and faint edges still show.")
    with st.expander("⬇️ Download the feature maps at full resolution"):
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
        st.caption(f"{label}: {low}")
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
    size = _bounded_slider("Cells per side", PATCH_SIZE, 1,
                           min(image_source.MAX_PATCH_CELLS, short),
                           help="The sliding-window page shows every cell and every sum.")
    scales = [s for s in SCALES if size * s <= short]
    if st.session_state.get(PATCH_SCALE) not in scales:
        st.session_state[PATCH_SCALE] = max(s for s in scales if s <= max(
            1, int(st.session_state.get(PATCH_SCALE, 1) or 1))) if scales else 1
    if len(scales) > 1:
        scale = st.select_slider(
            "Pixels per cell side", scales, key=PATCH_SCALE,
            format_func=lambda s: "1 (the pixels themselves)" if s == 1 else f"{s}×{s} averaged",
            help="Each cell of the patch is the mean of this many pixels: larger values cover "
                 "more of a big photo.", **KEEP)
    else:
        scale = scales[0]
    span = size * scale
    top = _bounded_slider("Top row", PATCH_TOP, 0, height - span)
    left = _bounded_slider("Left column", PATCH_LEFT, 0, width - span)
    return image_source.set_patch(top, left, size, scale=scale)


@st.cache_resource(max_entries=16, show_spinner=False)
def patch_figure(key: str, spec: image_source.PatchSpec, kernel: KernelSpec, patch: np.ndarray,
                 output: np.ndarray):
    """Patch, kernel and their valid cross-correlation as grids (read-only, cached)."""
    panels = [
        F.Panel(patch, f"<b>Patch</b> {size_text(patch.shape)}", image=True, name="patch"),
        F.Panel(kernel.array, f"<b>Kernel</b> {size_text(kernel.array.shape)}",
                name="kernel"),
        F.Panel(output, f"<b>Output</b> {size_text(output.shape)}", name="output"),
    ]
    columns = sum(p.shape[1] for p in panels) + F.GAP_CELLS * (len(panels) - 1)
    cell_px = min(F.MAX_CELL_PX, (PATCH_FIGURE_PX - 2 * F.MARGIN_X_PX) / columns)
    return F.grid_figure(panels, max_cell_px=cell_px)


def patch_section(current: image_source.CurrentImage, picture: np.ndarray,
                  specs: list[KernelSpec]) -> None:
    st.subheader("4 · A patch to study, number by number")
    st.caption("Choose a small square of the picture: the sliding-window, channels and "
               "pooling pages can take it as their input, and it stays chosen while you "
               "move between pages.")
    left, right = st.columns([3, 2], gap="medium")
    with right:
        spec = patch_controls(current)
    with left:
        st.image(outline_box(picture, spec.box, current.shape), width="stretch",
                 caption=image_source.describe_patch())
    patch = image_source.current_patch()
    kernels = specs or [KernelSpec.from_array("sobel_x", get_kernel("sobel_x").label,
                                              get_kernel("sobel_x").array)]
    labels = [k.label for k in kernels]
    if st.session_state.get(PATCH_KERNEL) not in labels:
        st.session_state[PATCH_KERNEL] = labels[0]
    with right:
        label = st.selectbox("Kernel on the patch", labels, key=PATCH_KERNEL, **KEEP)
    kernel = kernels[labels.index(label)]
    try:
        trace = window_trace(patch.shape, kernel.array.shape)
        output = conv2d(patch, kernel.array)
    except (ValueError, TypeError) as err:
        st.warning(f"The kernel does not fit on this patch: {err}")
        output = trace = None
    if output is not None:
        fig = patch_figure(current.key, spec, kernel, patch, output)
        st.plotly_chart(fig, width="content", theme=None, key=f"{P}_patch_chart",
                        config=plotly_png_config(f"patch_{kernel.name}", base=CHART_CONFIG))
        st.caption(f"The patch's numbers, the kernel ({kernel.label}) and their valid "
                   f"cross-correlation, {size_text(output.shape)}: hover a cell for its "
                   "value.")
    open_buttons()
    with st.expander("⬇️ Download the patch, its output, or the sliding window as a GIF"):
        download_array_buttons("Patch", patch, key=f"{P}_dl_patch",
                               file_stem=f"{current.name}_patch")
        if output is not None:
            download_array_buttons("Output", output, key=f"{P}_dl_patch_out",
                                   file_stem=f"{current.name}_patch_{kernel.name}")
            download_gif_button("Sliding window over the patch (GIF)",
                                _gif_maker(patch, kernel.array, output, trace),
                                key=f"{P}_dl_gif", file_name=f"sliding_window_{kernel.name}.gif",
                                help="An animated GIF for slides, built when you click.")
            st.caption(gif_plan_note(output.shape) + " The camera icon above a chart saves "
                       "it as a PNG.")


def _gif_maker(patch: np.ndarray, kernel: np.ndarray, output: np.ndarray, trace):
    def make() -> bytes:
        return animation_gif(patch, kernel, output, trace, image=True)

    return make


def _open_on(page: str) -> None:
    image_source.request_patch_on(page)


def open_buttons() -> None:
    routed = {page.path for page in existing_pages()}
    columns = st.columns(len(PATCH_TARGETS))
    for column, (page, label) in zip(columns, PATCH_TARGETS, strict=True):
        with column:
            available = page in routed
            if st.button(label, key=f"{P}_open_{Path(page).stem}", disabled=not available,
                         width="stretch",
                         help=None if available else "That page is not available yet."):
                _open_on(page)
                st.switch_page(page)


# ------------------------------------------------------------------------------ page


def main() -> None:
    sync_from_link()
    st.title("🖼️ Your image")
    st.markdown(
        "Bring your own photo. Every kernel below runs over **every pixel** at full "
        "resolution with the same `convcore.conv2d` as the other pages; only the pictures on "
        "screen are shrunk. Then pick a small patch and follow it, number by number, through "
        "the sliding window, the channels and pooling.")
    current = source_section()
    if current is None:
        sync_to_link(current)
        return
    # The channels come first on screen but are filled in after the feature maps: colour
    # decoding is the slowest step, and the maps should not wait for it.
    channels_box = st.container()
    specs = feature_section(current)
    with channels_box:
        picture = channels_section(current)
    patch_section(current, picture, specs)
    sync_to_link(current)


main()
