"""Shifts (equivariance, exact away from the border), rotations (not equivariant), and
finding a hidden pattern with its zero-mean template."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convcore
from convcore import (
    conv2d,
    equivariance_check,
    find_pattern,
    place_pattern,
    rotation_check,
    scale_check,
    shift2d,
)
from convcore.reference import corr2d as textbook_corr2d

SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])

# ----------------------------------------------------------------------------- shift2d


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(-7, 7), st.integers(-7, 7),
       st.floats(-2, 2))
def test_shift2d_moves_cells_and_fills_the_rest(h, w, dy, dx, fill):
    x = np.arange(1.0, h * w + 1).reshape(h, w)
    out = shift2d(x, dy, dx, fill)
    for i, j in np.ndindex(h, w):
        source = (i - dy, j - dx)
        if 0 <= source[0] < h and 0 <= source[1] < w:
            assert out[i, j] == x[source]
        else:
            assert out[i, j] == fill


def test_shift2d_shifts_the_last_two_axes_of_a_stack():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(shift2d(x, 1, -1)[1], shift2d(x[1], 1, -1))


# ----------------------------------------------------------------------------- equivariance


@st.composite
def shift_problems(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from([0, 1, (2, 0), ((1, 0), (0, 2)), "full"]))
    h, w = draw(st.integers(6, 12)), draw(st.integers(6, 12))
    channels = draw(st.sampled_from([None, (2, 3)]))
    dy = stride[0] * draw(st.integers(-3, 3))
    dx = stride[1] * draw(st.integers(-3, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if channels is None:
        x, weight = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    else:
        c_out, c_in = channels
        x = rng.standard_normal((c_in, h, w))
        weight = rng.standard_normal((c_out, c_in, kh, kw))
    return x, weight, dy, dx, {"stride": stride, "padding": padding, "dilation": dilation}


@settings(max_examples=150, deadline=None)
@given(shift_problems())
def test_shift_then_convolve_is_convolve_then_shift_away_from_the_border(problem):
    x, weight, dy, dx, kwargs = problem
    try:
        check = equivariance_check(x, weight, dy, dx, **kwargs)
    except ValueError:
        assume(False)  # kernel larger than the padded input
    assert check.output_shift == (dy // kwargs["stride"][0], dx // kwargs["stride"][1])
    np.testing.assert_allclose(check.conv_of_shifted,
                               conv2d(shift2d(x, dy, dx), weight, **kwargs), rtol=1e-12,
                               atol=1e-12)
    out_shift = check.output_shift
    np.testing.assert_allclose(check.shifted_conv,
                               shift2d(conv2d(x, weight, **kwargs), *out_shift), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_array_equal(check.difference[..., ~check.border], 0.0)
    assert check.max_interior_difference == 0.0
    assert check.exact_zero[..., ~check.border].all()


@settings(max_examples=100, deadline=None)
@given(shift_problems())
def test_the_border_mask_is_where_the_shift_lost_real_input(problem):
    # With positive inputs and weights every lost product shows: each border cell whose
    # source cell exists differs by minus the products that fell off the image.
    x, weight, dy, dx, kwargs = problem
    x, weight = np.abs(x) + 0.5, np.abs(weight) + 0.5
    try:
        check = equivariance_check(x, weight, dy, dx, **kwargs)
    except ValueError:
        assume(False)
    out_h, out_w = check.border.shape
    sy, sx = check.output_shift
    rows = np.arange(out_h) - sy
    cols = np.arange(out_w) - sx
    source_inside = ((rows >= 0) & (rows < out_h))[:, None] & ((cols >= 0) & (cols < out_w))
    lost = check.border & source_inside
    assert np.all(check.difference[..., lost] < 0)
    # Where the source lies outside the output, the shifted output is the fill (0).
    np.testing.assert_array_equal(check.shifted_conv[..., ~source_inside], 0.0)


def test_no_shift_changes_nothing_and_padding_makes_the_border():
    x = np.random.default_rng(0).standard_normal((8, 8))
    still = equivariance_check(x, SOBEL_X, 0, 0, padding=1)
    assert not still.border.any()
    assert still.max_border_difference == 0.0
    moved = equivariance_check(x, SOBEL_X, 2, 0, padding=1)
    # Rows 0–1 come from outside; rows 7 lost input row 7 (moved to 9, off the image) ...
    assert moved.border[:2].all() and moved.border[7].all()
    # ... and rows 2–6 are exact.
    assert not moved.border[2:7].any()
    assert moved.max_border_difference > 0


def test_a_stride_needs_a_shift_by_whole_strides():
    with pytest.raises(ValueError, match="dx=1 is not a multiple of the stride 2"):
        equivariance_check(np.ones((6, 6)), np.ones((2, 2)), 0, 1, stride=2)
    with pytest.raises(TypeError, match="dy must be an integer"):
        equivariance_check(np.ones((6, 6)), np.ones((2, 2)), 0.5, 0)
    with pytest.raises(ValueError, match=r"x must be \(H, W\) with a \(kh, kw\) weight"):
        equivariance_check(np.ones((6, 6)), np.ones((1, 1, 2, 2)), 0, 0)


# ----------------------------------------------------------------------------- rotation


def test_an_oriented_kernel_is_not_rotation_equivariant():
    x = np.random.default_rng(1).standard_normal((9, 11))
    for turns in (1, 2, 3):
        check = rotation_check(x, SOBEL_X, turns)
        # Sobel x turned a quarter is Sobel y: a different response altogether; a half
        # turn flips its sign.
        assert check.relative_difference > 0.5
        np.testing.assert_allclose(check.rotated_kernel_conv, check.rotated_conv,
                                   rtol=1e-12, atol=1e-12)
    assert rotation_check(x, SOBEL_X, 2).relative_difference == pytest.approx(2.0)


def test_a_rotation_symmetric_kernel_is_rotation_equivariant():
    x = np.random.default_rng(2).standard_normal((9, 11))
    box = np.ones((3, 3))
    assert rotation_check(x, box, 1).relative_difference < 1e-14


def test_enlarging_the_input_is_not_undone_by_an_oriented_kernel():
    x = np.random.default_rng(4).standard_normal((8, 9))
    check = scale_check(x, SOBEL_X, 2)
    assert check.conv_of_scaled.shape == check.scaled_conv.shape == (16, 18)
    assert check.relative_difference > 0.3
    np.testing.assert_allclose(check.scaled_conv,
                               np.repeat(np.repeat(conv2d(x, SOBEL_X, padding=1), 2, 0), 2, 1),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("kernel", "factor"),
    [pytest.param(np.array([[2.5]]), 3, id="one-by-one-kernel"),
     pytest.param(SOBEL_X, 1, id="factor-one")],
)
def test_a_pointwise_kernel_or_no_enlargement_is_scale_equivariant(kernel, factor):
    x = np.random.default_rng(5).standard_normal((5, 6))
    check = scale_check(x, kernel, factor)
    np.testing.assert_array_equal(check.difference, 0.0)
    assert check.relative_difference == 0.0


# ----------------------------------------------------------------------------- Waldo

# A 6×5 red-and-white striped jumper, as stripes of 1 and 0.
STRIPES = np.tile([[1.0], [0.0]], (3, 5))


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 24 - 6), st.integers(0, 30 - 5), st.integers(0, 2**32 - 1))
def test_the_zero_mean_pattern_peaks_where_the_pattern_is(top, left, seed):
    background = np.random.default_rng(seed).uniform(0.0, 0.2, (24, 30))
    image = place_pattern(background, STRIPES, top, left)
    match = find_pattern(image, STRIPES)
    assert match.peak == (top, left)
    np.testing.assert_allclose(match.template.sum(), 0.0, atol=1e-12)
    normalized = find_pattern(image, STRIPES, normalized=True)
    assert normalized.peak == (top, left)
    assert normalized.peak_value == pytest.approx(1.0, abs=1e-12)


def test_the_response_is_the_textbook_correlation_with_the_template():
    rng = np.random.default_rng(3)
    image, pattern = rng.standard_normal((7, 8)), rng.standard_normal((3, 2))
    match = find_pattern(image, pattern)
    np.testing.assert_allclose(match.response,
                               textbook_corr2d(image, pattern - pattern.mean()), rtol=1e-12,
                               atol=1e-12)
    normalized = find_pattern(image, pattern, normalized=True)
    for i, j in np.ndindex(*normalized.response.shape):
        window = image[i:i + 3, j:j + 2]
        expected = np.corrcoef(window.ravel(), pattern.ravel())[0, 1]
        assert normalized.response[i, j] == pytest.approx(expected, abs=1e-12)


def test_place_pattern_pastes_a_copy():
    bg = np.zeros((4, 5))
    out = place_pattern(bg, np.ones((2, 2)), 2, 3)
    assert out[2:, 3:].sum() == 4 and out.sum() == 4
    assert bg.sum() == 0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: place_pattern(np.zeros((4, 4)), np.ones((2, 2)), 3, 0),
                     ValueError, "top must be between 0 and 2", id="top-out"),
        pytest.param(lambda: place_pattern(np.zeros((4, 4)), np.ones((2, 2)), 0, -1),
                     ValueError, "left must be between 0 and 2", id="left-out"),
        pytest.param(lambda: place_pattern(np.zeros((4, 4)), np.ones((5, 2)), 0, 0),
                     ValueError, "larger than the 4×4 background", id="too-big"),
        pytest.param(lambda: find_pattern(np.zeros((4, 4)), np.ones((2, 2))), ValueError,
                     "the pattern is constant", id="flat-pattern"),
        pytest.param(lambda: find_pattern(np.zeros((4, 4)), np.eye(2), normalized=1),
                     TypeError, "normalized must be True or False", id="flag"),
        pytest.param(lambda: shift2d(np.zeros(4), 1, 1), ValueError, "at least two axes",
                     id="shift-1d"),
        pytest.param(lambda: scale_check(np.zeros((4, 5)), np.ones((3, 3)), 0), ValueError,
                     "factor must be positive", id="scale-factor-zero"),
        pytest.param(lambda: scale_check(np.zeros((4, 5)), np.ones((3, 3)), 2, padding=0),
                     ValueError, "is not the enlarged output", id="scale-shape"),
        pytest.param(lambda: rotation_check(np.zeros((4, 5)), np.ones((3, 3)),
                                                   padding=((1, 0), (0, 0))),
                     ValueError, "is not the rotated output", id="rotation-shape"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_public_names_are_exported():
    from convcore import equivariance

    for name in equivariance.__all__:
        assert getattr(convcore, name) is getattr(equivariance, name)
        assert name in convcore.__all__
