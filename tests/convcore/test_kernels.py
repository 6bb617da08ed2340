"""Preset kernels do what their descriptions say, and the generators validate their input.

Kernels are applied here with a plain NumPy "valid" cross-correlation over a sliding-window
view, so these tests do not depend on convcore's convolution code.
"""

import dataclasses
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from convcore.kernels import (
    MAX_GENERATED_SIZE,
    PRESETS,
    Kernel,
    box_kernel,
    gaussian_kernel,
    get_kernel,
    kernel_names,
)


def corr2d(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """'Valid' 2-D cross-correlation, the seeds' corr2d without the loops."""
    windows = sliding_window_view(x, k.shape)
    return np.einsum("ijkl,kl->ij", windows, k)


# The seeds' 6×8 image: white (1) left and right, a black (0) band in columns 2..5.
SEED_EDGE_IMAGE = np.ones((6, 8))
SEED_EDGE_IMAGE[:, 2:6] = 0

# A vertical step (dark left half, bright right half) and its transpose.
VERTICAL_STEP = np.zeros((8, 8))
VERTICAL_STEP[:, 4:] = 1.0
HORIZONTAL_STEP = VERTICAL_STEP.T.copy()

REQUIRED = [
    "identity", "edge", "edge_transposed", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y",
    "laplacian_4", "laplacian_8", "box_blur_3x3", "box_blur_5x5", "gaussian_blur_3x3",
    "gaussian_blur_5x5", "sharpen", "emboss", "outline", "d2l",
]  # fmt: skip

BLURS = ["box_blur_3x3", "box_blur_5x5", "gaussian_blur_3x3", "gaussian_blur_5x5"]
DIFFERENCES = [
    "edge", "edge_transposed", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y",
    "laplacian_4", "laplacian_8", "outline",
]  # fmt: skip
X_DETECTORS = ["edge", "sobel_x", "prewitt_x"]
Y_DETECTORS = ["edge_transposed", "sobel_y", "prewitt_y"]


def test_registry_holds_every_required_preset_in_display_order():
    assert kernel_names() == tuple(PRESETS)
    assert set(REQUIRED) <= set(kernel_names())
    assert kernel_names()[0] == "identity"


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_is_a_finite_readonly_float64_matrix(name):
    kernel = get_kernel(name)
    assert isinstance(kernel, Kernel)
    assert kernel.name == name
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name)  # safe in URLs and session-state keys
    assert kernel.array.dtype == np.float64
    assert kernel.array.ndim == 2
    assert kernel.shape == kernel.array.shape
    assert np.isfinite(kernel.array).all()
    with pytest.raises(ValueError, match="read-only"):
        kernel.array[0, 0] = 42.0


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_has_a_label_and_a_one_sentence_description(name):
    kernel = get_kernel(name)
    assert kernel.label.strip()
    assert kernel.description[0].isupper()
    assert kernel.description.endswith(".")
    assert kernel.description.count(". ") == 0  # one sentence


def test_kernel_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_kernel("sobel_x").name = "other"


@pytest.mark.parametrize("name", BLURS)
def test_blur_sums_to_one_and_keeps_a_flat_image_flat(name):
    kernel = get_kernel(name).array
    assert math.isclose(kernel.sum(), 1.0, rel_tol=0, abs_tol=1e-15)
    assert (kernel > 0).all()
    np.testing.assert_allclose(corr2d(np.full((9, 9), 0.7), kernel), 0.7, atol=1e-15)


@pytest.mark.parametrize("name", DIFFERENCES)
def test_difference_kernel_sums_to_zero_so_flat_areas_give_zero(name):
    kernel = get_kernel(name).array
    assert kernel.sum() == 0
    np.testing.assert_array_equal(corr2d(np.full((9, 9), 0.7), kernel), 0.0)


def test_gaussian_presets_are_the_binomial_weights():
    np.testing.assert_array_equal(
        get_kernel("gaussian_blur_3x3").array, np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    )
    row = np.array([1, 4, 6, 4, 1])
    np.testing.assert_array_equal(get_kernel("gaussian_blur_5x5").array, np.outer(row, row) / 256)


def test_seed_d2l_kernel_gives_19_25_37_43():
    x = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(corr2d(x, get_kernel("d2l").array), [[19, 25], [37, 43]])


def test_seed_edge_kernel_marks_the_two_edges_of_the_black_band():
    y = corr2d(SEED_EDGE_IMAGE, get_kernel("edge").array)
    expected = np.zeros((6, 7))
    expected[:, 1] = 1  # white -> black
    expected[:, 5] = -1  # black -> white
    np.testing.assert_array_equal(y, expected)


def test_seed_edge_kernel_vanishes_on_the_transposed_image():
    np.testing.assert_array_equal(corr2d(SEED_EDGE_IMAGE.T, get_kernel("edge").array), 0.0)


def test_transposed_edge_kernel_finds_the_transposed_edges():
    y = corr2d(SEED_EDGE_IMAGE.T, get_kernel("edge_transposed").array)
    expected = corr2d(SEED_EDGE_IMAGE, get_kernel("edge").array).T
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("name", X_DETECTORS)
def test_x_kernels_detect_vertical_edges_only(name):
    kernel = get_kernel(name).array
    response = np.abs(corr2d(VERTICAL_STEP, kernel))
    columns_with_response = np.flatnonzero(response.max(axis=0) > 0)
    # Only the windows that straddle the step (columns 3|4) respond, in every row alike.
    assert columns_with_response.size >= 1
    assert all(4 - kernel.shape[1] < c <= 3 for c in columns_with_response)
    assert (response[:, columns_with_response] > 0).all()
    np.testing.assert_array_equal(corr2d(HORIZONTAL_STEP, kernel), 0.0)


@pytest.mark.parametrize("name", Y_DETECTORS)
def test_y_kernels_detect_horizontal_edges_only(name):
    kernel = get_kernel(name).array
    assert np.abs(corr2d(HORIZONTAL_STEP, kernel)).max() > 0
    np.testing.assert_array_equal(corr2d(VERTICAL_STEP, kernel), 0.0)


def test_sobel_x_is_positive_where_it_gets_brighter_to_the_right():
    response = corr2d(VERTICAL_STEP, get_kernel("sobel_x").array)
    assert response.max() == 4.0  # 1 + 2 + 1 across the step
    assert response.min() == 0.0


@pytest.mark.parametrize("name", ["laplacian_4", "laplacian_8"])
def test_laplacian_is_zero_on_a_linear_ramp_but_not_on_a_corner(name):
    rows, cols = np.mgrid[0:7, 0:7]
    np.testing.assert_allclose(corr2d(0.3 * rows + 0.1 * cols, get_kernel(name).array), 0.0,
                               atol=1e-12)
    corner = np.zeros((7, 7))
    corner[3:, 3:] = 1.0
    assert np.abs(corr2d(corner, get_kernel(name).array)).max() > 0


def test_identity_copies_the_input():
    x = np.random.default_rng(0).random((6, 7))
    np.testing.assert_array_equal(corr2d(x, get_kernel("identity").array), x[1:-1, 1:-1])


def test_sharpen_is_identity_plus_negative_laplacian():
    expected = get_kernel("identity").array - get_kernel("laplacian_4").array
    np.testing.assert_array_equal(get_kernel("sharpen").array, expected)


def test_emboss_is_antisymmetric_about_the_centre_apart_from_it():
    kernel = get_kernel("emboss").array.copy()
    kernel[1, 1] = 0
    np.testing.assert_array_equal(kernel, -kernel[::-1, ::-1])


# Ramps of slope 1 per cell: (description word, brightness as a function of (row, col)).
EMBOSS_RAMPS = [
    pytest.param(lambda r, c: r + c, 1, id="rises-toward-bottom-right-brighter"),
    pytest.param(lambda r, c: -(r + c), -1, id="rises-toward-top-left-darker"),
    pytest.param(lambda r, c: r - c, 0, id="rises-toward-bottom-left-unchanged"),
    pytest.param(lambda r, c: c - r, 0, id="rises-toward-top-right-unchanged"),
]


@pytest.mark.parametrize(("ramp", "sign"), EMBOSS_RAMPS)
def test_emboss_brightens_where_brightness_rises_toward_the_bottom_right(ramp, sign):
    """The description: brighter where brightness increases toward the bottom-right, darker
    where it increases toward the top-left (each pixel plus that change)."""
    kernel = get_kernel("emboss")
    assert "increases toward the bottom-right" in kernel.description
    assert "increases toward the top-left" in kernel.description
    rows, cols = np.mgrid[0:7, 0:7].astype(np.float64)
    x = ramp(rows, cols)
    change = corr2d(x, kernel.array) - x[1:-1, 1:-1]  # output minus the centre pixel
    np.testing.assert_array_equal(np.sign(change), np.full(change.shape, sign))


def test_outline_is_eight_times_the_pixel_minus_its_eight_neighbours():
    kernel = get_kernel("outline")
    assert kernel.description.startswith(
        "Eight times each pixel minus the sum of its eight neighbours")
    x = np.random.default_rng(3).random((7, 9))
    neighbour_sums = corr2d(x, np.ones((3, 3))) - x[1:-1, 1:-1]
    np.testing.assert_allclose(corr2d(x, kernel.array), 8 * x[1:-1, 1:-1] - neighbour_sums,
                               atol=1e-12)


@pytest.mark.parametrize("image", [
    pytest.param(np.full((6, 6), 0.7), id="flat"),
    pytest.param(0.2 * np.mgrid[0:6, 0:6][0] - 0.1 * np.mgrid[0:6, 0:6][1], id="even-slope"),
])
def test_outline_is_zero_on_flat_areas_and_even_slopes(image):
    np.testing.assert_allclose(corr2d(image, get_kernel("outline").array), 0.0, atol=1e-12)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"no preset kernel called 'sobel'\. Did you mean sobel_"):
        get_kernel("sobel")
    with pytest.raises(ValueError, match="Available: identity, edge"):
        get_kernel("zzzz")


def test_kernel_name_must_be_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        get_kernel(3)


# ------------------------------------------------------------------------------------------
# Generators
# ------------------------------------------------------------------------------------------


def test_gaussian_kernel_values_for_sigma_1():
    g = np.exp(-np.array([1.0, 0.0, 1.0]) / 2)
    expected = np.outer(g, g) / np.outer(g, g).sum()
    np.testing.assert_allclose(gaussian_kernel(3, 1.0), expected, rtol=1e-15)
    np.testing.assert_allclose(gaussian_kernel(3, 1.0)[1, 1], 0.2042, atol=1e-4)


def test_gaussian_kernel_of_size_one_is_identity():
    np.testing.assert_array_equal(gaussian_kernel(1, 2.0), [[1.0]])


@given(
    size=st.integers(0, 10).map(lambda n: 2 * n + 1),
    sigma=st.floats(0.1, 20, allow_nan=False, allow_infinity=False),
)
def test_gaussian_kernel_is_normalised_symmetric_and_peaks_in_the_centre(size, sigma):
    kernel = gaussian_kernel(size, sigma)
    assert kernel.shape == (size, size)
    assert math.isclose(kernel.sum(), 1.0, abs_tol=1e-12)
    np.testing.assert_allclose(kernel, kernel.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], rtol=0, atol=1e-15)
    centre = size // 2
    assert kernel[centre, centre] == kernel.max()
    middle_row = kernel[centre]
    assert (np.diff(middle_row[centre:]) <= 0).all()  # falls off away from the centre
    assert np.linalg.matrix_rank(kernel, tol=1e-12) == 1  # separable


def test_wider_sigma_spreads_the_weight():
    assert gaussian_kernel(7, 3.0)[3, 3] < gaussian_kernel(7, 1.0)[3, 3]


@pytest.mark.parametrize(
    ("size", "sigma", "error", "match"),
    [
        pytest.param(4, 1.0, ValueError, "odd size", id="even-size"),
        pytest.param(0, 1.0, ValueError, "size must be positive", id="zero-size"),
        pytest.param(-3, 1.0, ValueError, "size must be positive", id="negative-size"),
        pytest.param(2.5, 1.0, TypeError, "size must be made of integers", id="fractional-size"),
        pytest.param(True, 1.0, TypeError, "size must be made of integers", id="bool-size"),
        pytest.param("3", 1.0, TypeError, "size must be an integer", id="string-size"),
        pytest.param(float("nan"), 1.0, ValueError, "NaN", id="nan-size"),
        pytest.param((3, 5), 1.0, ValueError, "square", id="rectangular"),
        pytest.param(MAX_GENERATED_SIZE + 2, 1.0, ValueError, "at most", id="huge-size"),
        pytest.param(3, 0.0, ValueError, "sigma must be a positive", id="zero-sigma"),
        pytest.param(3, -1.0, ValueError, "sigma must be a positive", id="negative-sigma"),
        pytest.param(3, float("nan"), ValueError, "sigma must be a positive", id="nan-sigma"),
        pytest.param(3, float("inf"), ValueError, "sigma must be a positive", id="inf-sigma"),
        pytest.param(3, "1", TypeError, "sigma must be a number", id="string-sigma"),
        pytest.param(3, True, TypeError, "sigma must be a number", id="bool-sigma"),
    ],
)
def test_gaussian_kernel_errors(size, sigma, error, match):
    with pytest.raises(error, match=match):
        gaussian_kernel(size, sigma)


@pytest.mark.parametrize(
    ("size", "shape"),
    [
        pytest.param(1, (1, 1), id="1"),
        pytest.param(3, (3, 3), id="3"),
        pytest.param(4, (4, 4), id="even-is-fine"),
        pytest.param((2, 5), (2, 5), id="rectangular"),
        pytest.param(np.int64(3), (3, 3), id="numpy-int"),
    ],
)
def test_box_kernel(size, shape):
    kernel = box_kernel(size)
    assert kernel.shape == shape and kernel.dtype == np.float64
    np.testing.assert_allclose(kernel, 1.0 / (shape[0] * shape[1]))
    assert math.isclose(kernel.sum(), 1.0, abs_tol=1e-12)


def test_box_kernel_3_equals_the_preset():
    np.testing.assert_array_equal(box_kernel(3), get_kernel("box_blur_3x3").array)


@pytest.mark.parametrize(
    ("size", "error", "match"),
    [
        pytest.param(0, ValueError, "size must be positive", id="zero"),
        pytest.param(-1, ValueError, "size must be positive", id="negative"),
        pytest.param(1.5, TypeError, "integers", id="fractional"),
        pytest.param(None, TypeError, "integer", id="none"),
        pytest.param((3, 3, 3), ValueError, "needs 2 values", id="three-sizes"),
        pytest.param(1000, ValueError, "at most 255", id="huge"),
    ],
)
def test_box_kernel_errors(size, error, match):
    with pytest.raises(error, match=match):
        box_kernel(size)
