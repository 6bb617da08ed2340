"""Shape arithmetic and padding resolution, checked against the seeds and against PyTorch."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore.padding import pad, resolve_padding, same_padding_d2l
from convcore.shapes import (
    as_tuple,
    conv_output_shape,
    conv_transpose_output_shape,
    explain_conv_output_shape,
    explain_pool_output_shape,
    pool_output_shape,
)

# The seeds' four examples on an 8×8 input (d2l 5.3), plus the 240×240 / ten 5×5 layers.
SEED_CONV_SHAPES = [
    pytest.param(dict(kernel_size=3, padding=1), (8, 8), id="k3-p1"),
    pytest.param(dict(kernel_size=(5, 3), padding=(2, 1)), (8, 8), id="k5x3-p2x1"),
    pytest.param(dict(kernel_size=3, padding=1, stride=2), (4, 4), id="k3-p1-s2"),
    pytest.param(dict(kernel_size=(3, 5), padding=(0, 1), stride=(3, 4)), (2, 2),
                 id="k3x5-p0x1-s3x4"),
]


@pytest.mark.parametrize(("kwargs", "expected"), SEED_CONV_SHAPES)
def test_seed_shapes_on_8x8(kwargs, expected):
    assert conv_output_shape((8, 8), **kwargs) == expected
    weight = torch.zeros((1, 1, *as_tuple(kwargs["kernel_size"], 2, "k")), dtype=torch.float64)
    torch_kwargs = {k: v for k, v in kwargs.items() if k != "kernel_size"}
    out = F.conv2d(torch.zeros((1, 1, 8, 8), dtype=torch.float64), weight, **torch_kwargs)
    assert tuple(out.shape[2:]) == expected


def test_ten_5x5_layers_shrink_240_to_200():
    hw = (240, 240)
    for _ in range(10):
        hw = conv_output_shape(hw, 5)
    assert hw == (200, 200)


def test_formula_is_substituted_step_by_step():
    height, width = explain_conv_output_shape((8, 8), 3, stride=2, padding=1)
    assert height.line() == "⌊(8 + 1 + 1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊7 / 2⌋ + 1 = 3 + 1 = 4"
    assert height.result == width.result == 4
    assert "never reached" in height.note  # 7 is odd: one padded row is left over


def test_formula_without_stride_has_no_floor_step():
    (only,) = explain_conv_output_shape(6, 2)
    assert only.line() == "⌊(6 + 0 + 0 − 1·(2 − 1) − 1) / 1⌋ + 1 = 4 + 1 = 5"
    assert only.note == ""


@pytest.mark.parametrize(
    ("padding", "kernel", "expected"),
    [
        pytest.param("valid", 3, ((0, 0), (0, 0)), id="valid"),
        pytest.param("same", 3, ((1, 1), (1, 1)), id="same-odd"),
        pytest.param("same", (2, 4), ((0, 1), (1, 2)), id="same-even-extra-after"),
        pytest.param("full", (2, 3), ((1, 1), (2, 2)), id="full"),
        pytest.param(2, 3, ((2, 2), (2, 2)), id="int"),
        pytest.param((1, 2), 3, ((1, 1), (2, 2)), id="per-axis"),
        pytest.param(((1, 0), (0, 2)), 3, ((1, 0), (0, 2)), id="per-side"),
        pytest.param((np.int64(1), 0), 3, ((1, 1), (0, 0)), id="numpy-ints"),
    ],
)
def test_resolve_padding_forms(padding, kernel, expected):
    assert resolve_padding(padding, kernel) == expected


def test_same_with_dilation_uses_the_span():
    assert resolve_padding("same", 3, dilation=2) == ((2, 2), (2, 2))


def test_d2l_puts_the_extra_padding_on_top():
    assert same_padding_d2l((2, 4)) == ((1, 0), (2, 1))
    assert resolve_padding("same", (2, 4)) == ((0, 1), (1, 2))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_pad_modes_match_torch(mode):
    x = np.arange(20, dtype=np.float64).reshape(1, 1, 4, 5)
    pads = ((1, 2), (3, 1))
    ours = pad(x, pads, mode)
    torch_mode = "constant" if mode == "zeros" else mode
    theirs = F.pad(torch.from_numpy(x), (3, 1, 1, 2), mode=torch_mode).numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: conv_output_shape((4, 4), 5), ValueError,
                     r"5×5 kernel is larger than the 4×4 input", id="kernel-too-large"),
        pytest.param(lambda: conv_output_shape((3, 3), 5, padding=((0, 0), (1, 0))),
                     ValueError, r"padded 3×4 input", id="kernel-too-large-padded"),
        pytest.param(lambda: conv_output_shape((8, 8), 3, dilation=4), ValueError,
                     r"spanning 9×9", id="dilated-too-large"),
        pytest.param(lambda: conv_output_shape((8, 8), 3, stride=2, padding="same"),
                     ValueError, r"same.*stride 1", id="same-strided"),
        pytest.param(lambda: conv_output_shape((8, 8), 0), ValueError,
                     r"kernel_size must be positive", id="zero-kernel"),
        pytest.param(lambda: conv_output_shape((8, -1), 3), ValueError,
                     r"input size must be positive", id="negative-size"),
        pytest.param(lambda: conv_output_shape((8, 8), 3, stride=float("nan")), ValueError,
                     r"stride.*NaN", id="nan-stride"),
        pytest.param(lambda: conv_output_shape((8, 8), 2.5), TypeError,
                     r"kernel_size must be made of integers", id="fractional-kernel"),
        pytest.param(lambda: conv_output_shape((8, 8), True), TypeError,
                     r"kernel_size", id="bool-kernel"),
        pytest.param(lambda: conv_output_shape((8, 8), (3, 3, 3)), ValueError,
                     r"kernel_size needs 2 values", id="wrong-length"),
        pytest.param(lambda: conv_output_shape((8, 8), 3, padding=-1), ValueError,
                     r"padding must be at least 0", id="negative-padding"),
        pytest.param(lambda: conv_output_shape((8, 8), 3, padding="half"), ValueError,
                     r"one of \('valid', 'same', 'full'\)", id="unknown-padding-name"),
        pytest.param(lambda: pool_output_shape((4, 4), 3, padding=2), ValueError,
                     r"more than half the 3×3 pooling window", id="pool-pad-over-half"),
        pytest.param(lambda: pool_output_shape((4, 4), 3, padding="same"), ValueError,
                     r"pooling takes a number", id="pool-pad-string"),
        pytest.param(lambda: conv_transpose_output_shape((4, 4), 3, stride=2,
                                                         output_padding=2),
                     ValueError, r"output_padding \(2\) must be smaller", id="output-padding"),
        pytest.param(lambda: pad(np.zeros((3, 3)), ((3, 0), (0, 0)), "reflect"), ValueError,
                     r"reflect padding of 3.*smaller than the input size \(3\)",
                     id="reflect-too-wide"),
        pytest.param(lambda: pad(np.zeros((3, 3)), ((1, 0), (0, 0)), "mirror"), ValueError,
                     r"padding_mode must be one of", id="unknown-mode"),
    ],
)
def test_errors_explain(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ pooling shapes vs torch

POOL_CASES = [
    pytest.param((3, 3), dict(kernel_size=2, stride=1), id="seed-3x3-k2"),
    pytest.param((4, 4), dict(kernel_size=3), id="seed-4x4-k3"),
    pytest.param((4, 4), dict(kernel_size=3, padding=1, stride=2), id="seed-k3-p1-s2"),
    pytest.param((4, 4), dict(kernel_size=(2, 3), padding=(1, 1), stride=(2, 3)),
                 id="seed-k2x3-s2x3"),
    pytest.param((5, 5), dict(kernel_size=2, stride=2, ceil_mode=True), id="ceil-extra"),
    pytest.param((4, 4), dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
                 id="ceil-drop-window-in-padding"),
]


@pytest.mark.parametrize(("hw", "kwargs"), POOL_CASES)
def test_pool_shapes_match_torch(hw, kwargs):
    theirs = F.max_pool2d(torch.zeros((1, 1, *hw)), **kwargs).shape[2:]
    assert pool_output_shape(hw, **kwargs) == tuple(theirs)


def test_ceil_mode_drop_is_explained():
    height, _ = explain_pool_output_shape((4, 4), 2, stride=3, padding=1, ceil_mode=True)
    assert height.result == 2
    assert "drops it" in height.note


sizes = st.integers(1, 12)


@settings(max_examples=150, deadline=None)
@given(
    h=sizes, w=sizes, kh=st.integers(1, 5), kw=st.integers(1, 5),
    sh=st.integers(1, 4), sw=st.integers(1, 4), dh=st.integers(1, 3), dw=st.integers(1, 3),
    pt=st.integers(0, 3), pb=st.integers(0, 3), pl=st.integers(0, 3), pr=st.integers(0, 3),
)
def test_conv_shape_matches_torch(h, w, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr):
    x = torch.zeros((1, 1, h + pt + pb, w + pl + pr))  # torch pads asymmetrically via F.pad
    weight = torch.zeros((1, 1, kh, kw))
    padding = ((pt, pb), (pl, pr))
    try:
        theirs = tuple(F.conv2d(x, weight, stride=(sh, sw), dilation=(dh, dw)).shape[2:])
    except RuntimeError:
        with pytest.raises(ValueError, match="larger than"):
            conv_output_shape((h, w), (kh, kw), (sh, sw), padding, (dh, dw))
        return
    assert conv_output_shape((h, w), (kh, kw), (sh, sw), padding, (dh, dw)) == theirs


@settings(max_examples=150, deadline=None)
@given(h=sizes, w=sizes, k=st.integers(1, 5), s=st.integers(1, 4), d=st.integers(1, 2),
       p=st.integers(0, 2), ceil=st.booleans())
def test_pool_shape_matches_torch(h, w, k, s, d, p, ceil):
    kwargs = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    try:
        theirs = tuple(F.max_pool2d(torch.zeros((1, 1, h, w)), **kwargs).shape[2:])
    except RuntimeError:
        with pytest.raises(ValueError):
            pool_output_shape((h, w), **kwargs)
        return
    assert pool_output_shape((h, w), **kwargs) == theirs


@settings(max_examples=100, deadline=None)
@given(h=sizes, w=sizes, k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2),
       p=st.integers(0, 2), op=st.integers(0, 2))
def test_transpose_shape_matches_torch(h, w, k, s, d, p, op):
    kwargs = dict(stride=s, padding=p, output_padding=op, dilation=d)
    try:
        theirs = tuple(F.conv_transpose2d(torch.zeros((1, 1, h, w)), torch.zeros((1, 1, k, k)),
                                          **kwargs).shape[2:])
    except RuntimeError:
        theirs = None
    if theirs is None or 0 in theirs:
        # PyTorch refuses, or returns an empty tensor (padding eats the whole output):
        # convcore refuses both, with a sentence saying which size vanished.
        with pytest.raises(ValueError):
            conv_transpose_output_shape((h, w), k, **kwargs)
        return
    assert conv_transpose_output_shape((h, w), k, **kwargs) == theirs


def test_one_and_three_spatial_axes():
    assert conv_output_shape(10, 3, stride=2) == (4,)
    assert conv_output_shape((4, 8, 8), 3, padding="same") == (4, 8, 8)
    assert [f.axis for f in explain_conv_output_shape((4, 8, 8), 3)] == ["depth", "height",
                                                                         "width"]
    assert math.prod(conv_output_shape((5, 6, 7), (1, 2, 3))) == 5 * 5 * 5
