"""Home: what the app teaches, how to use it in class, and why convolutions at all."""

from __future__ import annotations

import streamlit as st

from ui.navigation import existing_pages
from ui.param_count import dense_vs_conv, human_bytes, power_of_ten

PHOTOS = {
    "1mp": ("1-megapixel grayscale photo (1000 × 1000 × 1)", (1000, 1000, 1)),
    "12mp": ("12-megapixel colour photo (3000 × 4000 × 3)", (3000, 4000, 3)),
    "mnist": ("28 × 28 handwritten digit (MNIST)", (28, 28, 1)),
}


def intro() -> None:
    st.title("🔍 Convolution Explorer")
    st.markdown(
        "A convolutional layer is a small grid of weights — the **kernel** — slid over an "
        "image: at every position it multiplies the weights with the pixels under them and "
        "adds the products. That is all, and this app lets you *see* it: the window moving, "
        "every product and sum, how padding and stride set the output's size, how channels "
        "add up, how pooling summarises, and how gradient descent finds a kernel by itself. "
        "Every number is computed by **convcore**, a small NumPy engine whose results are "
        "checked against PyTorch.")


def page_links() -> None:
    pages = [p for p in existing_pages() if p.path != "app_pages/home.py"]
    if not pages:
        return
    st.subheader("Explore")
    cols = st.columns(min(3, len(pages)))
    for k, page in enumerate(pages):
        with cols[k % len(cols)], st.container(border=True):
            st.page_link(page.path, label=f"**{page.title}**", icon=page.icon)
            st.caption(page.blurb)


def in_class() -> None:
    st.subheader("Using it in class")
    st.markdown(
        "1. **Start with the sliding window** on the 3×3 example from the book: press "
        "▶ Play and read each sum aloud — `0×0 + 1×1 + 3×2 + 4×3 = 19`.\n"
        "2. **Predict, then reveal**: pause, ask what the next output cell will be, then step "
        "the slider forward.\n"
        "3. **Click** an output cell to pin its window (its *receptive field*); click an input "
        "cell to show every output it influences.\n"
        "4. **Edge detection**: switch to the 6×8 image and `[1, −1]`, then transpose the image "
        "— the output vanishes, because this kernel only sees vertical edges.\n"
        "5. On a projector, hide the sidebar (the `«` button) and zoom the browser "
        "(Ctrl + / Ctrl −): grids and numbers scale with it.")
    st.caption("The app needs no internet connection once it is running.")


def calculator() -> None:
    st.subheader("Why convolutions? Count the weights")
    st.markdown(
        "Feed a photo to an ordinary **dense** layer and every hidden unit gets its own weight "
        "for every pixel. A **convolutional** layer reuses one small kernel everywhere.")
    left, right = st.columns([1, 1.35], gap="large")
    with left:
        photo = st.radio("Photo", list(PHOTOS), format_func=lambda k: PHOTOS[k][0],
                         key="home_photo")
        hidden = st.number_input("Hidden units of the dense layer", 1, 100_000, 1000,
                                 step=100, key="home_hidden")
        c1, c2 = st.columns(2)
        k = c1.selectbox("Kernel size", (1, 3, 5, 7, 11), index=1, key="home_kernel",
                         format_func=lambda n: f"{n}×{n}")
        out_channels = c2.number_input("Output channels", 1, 1024, 1, key="home_out")
    height, width, channels = PHOTOS[photo][1]
    counts = dense_vs_conv(height, width, channels, int(hidden), k, k, int(out_channels))
    with right:
        m1, m2 = st.columns(2)
        m1.metric("Dense layer", f"{counts.dense_total:,}",
                  help=f"{counts.inputs:,} inputs × {int(hidden):,} units + {int(hidden):,} "
                       "biases")
        m2.metric("Convolutional layer", f"{counts.conv_total:,}",
                  help=f"{channels} × {int(out_channels)} channel pairs × {k}×{k} weights + "
                       f"{int(out_channels)} biases")
        st.markdown(
            f"- Dense: {height:,} × {width:,} pixels × {channels} channel"
            f"{'s' if channels > 1 else ''} = **{counts.inputs:,} inputs**, each connected to "
            f"{int(hidden):,} units: **{counts.dense_weights:,} weights** "
            f"(≈ {power_of_ten(counts.dense_weights)}, {human_bytes(counts.dense_bytes)} as "
            "float32).\n"
            f"- Convolution: {k}×{k} weights per pair of input and output channels "
            f"({channels} in, {int(out_channels)} out): **{counts.conv_weights:,} weights**, "
            "whatever the photo's size.\n"
            f"- The dense layer has **{power_of_ten(counts.ratio)} times** as many parameters.")
    st.info(
        "Two assumptions make the difference. **Translation invariance** (d2l's name for "
        "it): the detector works the same everywhere — a cat is a cat wherever it is in the "
        "picture — so the same weights are used at every position. This makes the layer "
        "*equivariant*: shift the image and its feature map shifts with it; invariance to "
        "small shifts is what pooling adds later. "
        "**Locality**: what a pixel means depends mostly on its neighbours, so each output only "
        "needs a small window. Together they turn the dense layer into a convolution.",
        icon="💡")


intro()
page_links()
in_class()
calculator()
