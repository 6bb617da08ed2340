"""Feature maps of a whole image (ui.image_features): the numbers are convcore's, the
pictures are shrunk and coloured by the app's rules."""

from __future__ import annotations

import numpy as np
import pytest

from convcore import avg_pool2d, conv2d, get_kernel, max_pool2d
from ui.figures import RED_BLUE
from ui.image_features import (
    SATURATION_PERCENTILE,
    KernelSpec,
    display_colors,
    feature_bank,
    feature_map,
    image_previews,
    is_picture_kernel,
    outline_box,
)

RNG = np.random.default_rng(3)
GRAY = RNG.random((90, 120))


def spec(name: str) -> KernelSpec:
    kernel = get_kernel(name)
    return KernelSpec.from_array(name, kernel.label, kernel.array)


@pytest.mark.parametrize("relu", [False, True], ids=["no ReLU", "ReLU"])
@pytest.mark.parametrize("pool", ["none", "max", "avg"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_feature_map_is_conv_relu_pool(padding, pool, relu):
    k = get_kernel("sobel_x").array
    expected = conv2d(GRAY, k, padding=padding)
    if relu:
        expected = np.maximum(expected, 0)
    if pool == "max":
        expected = max_pool2d(expected, 3)
    elif pool == "avg":
        expected = avg_pool2d(expected, 3)
    out, conv_hw = feature_map(GRAY, k, padding=padding, relu=relu, pool=pool, pool_size=3)
    assert out.dtype == np.float32
    assert conv_hw == ((88, 118) if padding == "valid" else (90, 120))
    np.testing.assert_allclose(out, expected, atol=2e-6)
    exact, _ = feature_map(GRAY, k, padding=padding, relu=relu, pool=pool, pool_size=3,
                           dtype=np.float64)
    np.testing.assert_allclose(exact, expected, rtol=1e-12, atol=1e-12)


def test_bank_has_one_map_per_kernel_with_sizes_and_ranges():
    kernels = [spec("sobel_x"), spec("gaussian_blur_5x5"), spec("edge")]
    bank = feature_bank(GRAY, kernels, relu=False, pool="max", pool_size=2,
                        display_hw=(40, 50))
    assert bank.in_hw == (90, 120) and bank.errors == ()
    assert [m.kernel.name for m in bank.maps] == ["sobel_x", "gaussian_blur_5x5", "edge"]
    assert [m.conv_hw for m in bank.maps] == [(88, 118), (86, 116), (90, 119)]
    assert [m.out_hw for m in bank.maps] == [(44, 59), (43, 58), (45, 59)]
    full = max_pool2d(conv2d(GRAY, get_kernel("sobel_x").array), 2)
    assert bank.maps[0].lo == pytest.approx(full.min(), abs=1e-5)
    assert bank.maps[0].hi == pytest.approx(full.max(), abs=1e-5)
    for m in bank.maps:
        assert m.display.dtype == np.uint8 and m.display.shape[2] == 3
        assert m.display.shape[0] <= 40 and m.display.shape[1] <= 50
    assert bank.settings == "padding valid, max pool 2×2"
    assert bank.seconds > 0
    assert bank.maps[0].caption().startswith("Sobel x (vertical edges) · conv 88×118 → pool 44×59")


def test_kernels_that_do_not_fit_are_reported_not_raised():
    tiny = np.full((2, 2), 0.5)
    bank = feature_bank(tiny, [spec("edge"), spec("sobel_x")])
    assert [m.kernel.name for m in bank.maps] == ["edge"]
    (failed, message), = bank.errors
    assert failed.name == "sobel_x" and "larger than" in message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"padding": "full"}, 'padding must be "valid" or "same"'),
     ({"pool": "median"}, "pool must be one of"),
     ({"pool": "max", "pool_size": 0}, "whole number ≥ 1")],
    ids=["padding", "pool", "pool size"])
def test_bad_choices_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        feature_bank(GRAY, [spec("sobel_x")], **kwargs)


def hex_rgb(color: str) -> list[int]:
    return [int(color[k:k + 2], 16) for k in (1, 3, 5)]


@pytest.mark.parametrize(
    ("name", "picture"),
    [("identity", True), ("gaussian_blur_5x5", True), ("box_blur_3x3", True),
     ("sharpen", True), ("sobel_x", False), ("laplacian_4", False), ("edge", False),
     ("emboss", True), ("d2l", False)])
def test_brightness_keeping_kernels_give_pictures(name, picture):
    assert is_picture_kernel(get_kernel(name).array) is picture


def test_colours_follow_the_app():
    picture = np.linspace(-0.2, 1.2, 12).reshape(3, 4)  # a sharpened picture overshoots
    rgb, scale = display_colors(picture, picture=True)
    assert scale.kind == "gray" and (scale.zmin, scale.zmax) == (0.0, 1.0)
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[-1, -1].tolist() == [255, 255, 255]
    assert 0 < rgb[1, 2, 0] < 255

    positive = np.linspace(0, 4, 12).reshape(3, 4)  # a map after ReLU: black → white
    rgb, scale = display_colors(positive)
    assert scale.kind == "gray" and scale.zmin == 0.0
    assert scale.zmax == pytest.approx(np.percentile(positive, SATURATION_PERCENTILE))
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[-1, -1].tolist() == [255, 255, 255]
    assert 0 < rgb[1, 2, 0] < 255

    signed = np.array([[-2.0, 0.0, 2.0]])
    rgb, scale = display_colors(signed)
    assert scale.kind == "diverging"
    assert rgb[0, 0].tolist() == hex_rgb(RED_BLUE[0])
    assert rgb[0, 1].tolist() == hex_rgb(RED_BLUE[5])
    assert rgb[0, 2].tolist() == hex_rgb(RED_BLUE[-1])


def test_one_extreme_pixel_does_not_wash_the_map_out():
    values = np.tile(np.linspace(0, 1, 100), (10, 1)) * 3
    values[0, 0] = 1000.0
    _, scale = display_colors(values)
    assert scale.zmax == pytest.approx(np.percentile(values, SATURATION_PERCENTILE))
    assert scale.zmax < 4


def test_faint_signed_edges_are_stretched_symmetrically():
    # a photo's edge map: mostly near 0, a few strong edges of both signs
    values = np.zeros((100, 100))
    values[:, 10], values[:, 60] = 0.02, -0.02
    values[0, :3] = (5.0, -5.0, 5.0)
    rgb, scale = display_colors(values)
    assert scale.kind == "diverging" and scale.zmin == -scale.zmax
    assert scale.zmax == pytest.approx(0.02)
    assert rgb[50, 10].tolist() == hex_rgb(RED_BLUE[-1])  # faint edge at full blue
    assert rgb[50, 60].tolist() == hex_rgb(RED_BLUE[0])
    assert rgb[50, 30].tolist() == hex_rgb(RED_BLUE[5])  # 0 stays white


def test_previews_shrink_gray_and_channels():
    rgb = RNG.random((3, 300, 400))
    gray = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    shown = image_previews(gray, rgb, preview_hw=(30, 40), picture_hw=(60, 80))
    assert shown.gray.shape == (30, 40) and shown.channels.shape == (3, 30, 40)
    assert shown.picture.shape == (60, 80, 3)
    block = rgb[0, :10, :10].mean()
    assert abs(int(shown.channels[0, 0, 0]) - block * 255) <= 1
    gray_only = image_previews(gray, rgb, is_color=False, preview_hw=(30, 40))
    for channel in gray_only.channels:
        np.testing.assert_array_equal(channel, gray_only.gray)


def test_outline_box_frames_the_patch_at_display_scale():
    picture = np.zeros((100, 200), dtype=np.uint8)
    framed = outline_box(picture, (100, 200, 299, 399), (500, 1000), width=2)
    assert framed.shape == (100, 200, 3)
    ink = np.all(framed == (213, 94, 0), axis=-1)
    rows, cols = np.nonzero(ink)
    # Full-resolution rows 100–299 are display rows 20–59; columns 200–399 → 40–79.
    assert rows.min() == 18 and rows.max() == 61
    assert cols.min() == 38 and cols.max() == 81
    assert not ink[25:55, 45:75].any()  # the inside is untouched
    assert picture.max() == 0  # the input is not drawn on


def test_outline_box_of_a_tiny_patch_stays_visible():
    framed = outline_box(np.zeros((60, 80, 3), np.uint8), (500, 500, 501, 501), (3000, 4000))
    assert np.all(framed == (213, 94, 0), axis=-1).sum() > 8
