"""Home: what the app teaches, how to use it in class, and why convolutions at all."""

from __future__ import annotations

import streamlit as st

from ui import a11y, i18n, presenter
from ui.i18n import N_, _, n_
from ui.navigation import existing_pages
from ui.param_count import dense_vs_conv, human_bytes, power_of_ten

PHOTOS = {
    "1mp": (N_("1-megapixel grayscale photo (1000 × 1000 × 1)"), (1000, 1000, 1)),
    "12mp": (N_("12-megapixel colour photo (3000 × 4000 × 3)"), (3000, 4000, 3)),
    "mnist": (N_("28 × 28 handwritten digit (MNIST)"), (28, 28, 1)),
}


def intro() -> None:
    st.title(_("Convolution Explorer"))
    st.markdown(_(
        "A convolutional layer is a small grid of weights — the **kernel** — slid over an "
        "image: at every position it multiplies the weights with the pixels under them and "
        "adds the products. That is all, and this app lets you *see* it: the window moving, "
        "every product and sum, how padding and stride set the output's size, how channels "
        "add up, how pooling summarises, and how gradient descent finds a kernel by itself. "
        "Every number is computed by **convcore**, a small NumPy engine whose results are "
        "checked against PyTorch."))


def page_links() -> None:
    pages = [p for p in existing_pages() if p.path != "app_pages/home.py"]
    if not pages:
        return
    st.subheader(_("Explore"))
    # Three cards a row; two in presenter mode, whose larger letters would cut the titles
    # at 1280 px ("Sliding windo…", issue 9 item 11).
    cols = a11y.main_figure().columns(min(2 if presenter.presenter_mode() else 3, len(pages)))
    for k, page in enumerate(pages):
        with cols[k % len(cols)], st.container(border=True):
            st.page_link(page.path, label=f"**{_(page.title)}**", icon=page.icon)
            st.caption(_(page.blurb))


def in_class(*, heading: bool = True) -> None:
    if heading:
        st.subheader(_("Using it in class"))
    st.markdown(_(
        "1. **Start with the sliding window** on the 3×3 example from the book: press "
        "▶ Play and read each sum aloud — `0×0 + 1×1 + 3×2 + 4×3 = 19`.\n"
        "2. **Predict, then reveal**: pause, ask what the next output cell will be, then step "
        "the slider forward.\n"
        "3. **Click** an output cell to pin its window (its *receptive field*); click an input "
        "cell to show every output it influences.\n"
        "4. **Edge detection**: switch to the 6×8 image and `[1, −1]`, then transpose the image "
        "— the output vanishes, because this kernel only sees vertical edges.\n"
        "5. On a projector, hide the sidebar (the `«` button) and zoom the browser "
        "(Ctrl + / Ctrl −): grids and numbers scale with it. Presenter mode (in the "
        "sidebar) enlarges the numbers and folds the advanced settings away."))
    st.caption(_("The app needs no internet connection once it is running."))


def calculator() -> None:
    st.subheader(_("Why convolutions? Count the weights"))
    st.markdown(_(
        "Feed a photo to an ordinary **dense** layer and every hidden unit gets its own weight "
        "for every pixel. A **convolutional** layer reuses one small kernel everywhere."))
    left, right = st.columns([1, 1.35], gap="large")
    with left:
        photo = st.radio(_("Photo"), list(PHOTOS),
                         format_func=i18n.option_labels({k: v[0] for k, v in PHOTOS.items()}),
                         key="home_photo")
        hidden = st.number_input(_("Hidden units of the dense layer"), 1, 100_000, 1000,
                                 step=100, key="home_hidden")
        c1, c2 = st.columns(2)
        k = c1.selectbox(_("Kernel size"), (1, 3, 5, 7, 11), index=1, key="home_kernel",
                         format_func=lambda n: f"{n}×{n}")
        out_channels = c2.number_input(_("Output channels"), 1, 1024, 1, key="home_out")
    height, width, channels = PHOTOS[photo][1]
    counts = dense_vs_conv(height, width, channels, int(hidden), k, k, int(out_channels))
    with right:
        # Side by side; one above the other when presenting, whose ≥ 24 px labels would
        # not fit ("Convolutional layer" was cut at 1280 px).
        m1, m2 = (st.container(), st.container()) if presenter.presenter_mode() else st.columns(2)
        hid, out = int(hidden), int(out_channels)
        m1.metric(_("Dense layer"), f"{counts.dense_total:,}",
                  help=_("{inputs} inputs × {units} units + {units} biases").format(
                      inputs=f"{counts.inputs:,}", units=f"{hid:,}"))
        m2.metric(_("Convolutional layer"), f"{counts.conv_total:,}",
                  help=_("{cin} × {cout} channel pairs × {k}×{k} weights + {cout} "
                         "biases").format(cin=channels, cout=out, k=k))
        values = {"h": f"{height:,}", "w": f"{width:,}", "c": channels,
                  "inputs": f"{counts.inputs:,}", "units": f"{hid:,}",
                  "dense": f"{counts.dense_weights:,}",
                  "power": power_of_ten(counts.dense_weights),
                  "bytes": human_bytes(counts.dense_bytes), "k": k, "cout": out,
                  "conv": f"{counts.conv_weights:,}", "ratio": power_of_ten(counts.ratio)}
        dense_line = n_(
            "Dense: {h} × {w} pixels × {c} channel = **{inputs} inputs**, each connected to "
            "{units} units: **{dense} weights** (≈ {power}, {bytes} as float32).",
            "Dense: {h} × {w} pixels × {c} channels = **{inputs} inputs**, each connected to "
            "{units} units: **{dense} weights** (≈ {power}, {bytes} as float32).", channels)
        st.markdown("\n".join("- " + line.format(**values) for line in (
            dense_line,
            _("Convolution: {k}×{k} weights per pair of input and output channels ({c} in, "
              "{cout} out): **{conv} weights**, whatever the photo's size."),
            _("The dense layer has **{ratio} times** as many parameters."))))
    st.info(_(
        "Two assumptions make the difference. **Translation invariance** (d2l's name for "
        "it): the detector works the same everywhere — a cat is a cat wherever it is in the "
        "picture — so the same weights are used at every position. This makes the layer "
        "*equivariant*: shift the image and its feature map shifts with it; invariance to "
        "small shifts is what pooling adds later. "
        "**Locality**: what a pixel means depends mostly on its neighbours, so each output only "
        "needs a small window. Together they turn the dense layer into a convolution."))


intro()
page_links()
if presenter.show_if_not_presenting():
    in_class()
else:
    with st.expander(_("Using it in class")):
        in_class(heading=False)
calculator()
