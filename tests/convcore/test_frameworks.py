"""Other frameworks' rules against the frameworks themselves: Keras 3 (on JAX), jax.lax, and
MXNet's documented shape rule; layouts; PyTorch's refusals where they differ."""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # before keras is imported: no TensorFlow needed

import jax

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import convcore  # noqa: E402
from convcore import avg_pool2d, conv2d, max_pool2d  # noqa: E402
from convcore.frameworks import (  # noqa: E402
    FRAMEWORK_NOTES,
    FRAMEWORKS,
    conv2d_in_frameworks,
    hwio_to_oihw,
    keras_conv_output_shape,
    keras_pool_output_shape,
    mxnet_pool_output_shape,
    nchw_to_nhwc,
    nhwc_to_nchw,
    oihw_to_hwio,
    pool2d_in_frameworks,
    tf_pool2d,
    tf_same_padding,
)

keras.config.set_floatx("float64")


def _keras_conv2d(x, weight, bias, **layer_kwargs):
    """Keras ``Conv2D`` on an NCHW input with an OIHW kernel; the output back in NCHW."""
    layer = keras.layers.Conv2D(weight.shape[0], weight.shape[2:], **layer_kwargs)
    layer.build((None, *x.shape[2:], x.shape[1]))
    layer.set_weights([oihw_to_hwio(weight), bias])
    return nhwc_to_nchw(np.asarray(layer(nchw_to_nhwc(x))))


def _keras_pool2d(kind, x, **layer_kwargs):
    layer_class = {"avg": keras.layers.AveragePooling2D, "max": keras.layers.MaxPooling2D}[kind]
    return nhwc_to_nchw(np.asarray(layer_class(**layer_kwargs)(nchw_to_nhwc(x))))


# --------------------------------------------------------------------------- the seeds


SEED_SHAPES = [
    pytest.param(dict(kernel_size=3, strides=2, padding="same"), (4, 4), id="same-stride2"),
    pytest.param(dict(kernel_size=3, padding="same"), (8, 8), id="same-stride1"),
    pytest.param(dict(kernel_size=(3, 5), strides=(3, 4), padding="valid"), (2, 1),
                 id="valid-stride3x4-kernel3x5"),
]


@pytest.mark.parametrize(("layer_kwargs", "expected"), SEED_SHAPES)
def test_seed_keras_examples_on_8x8(layer_kwargs, expected):
    """d2l-tf 6.3 (seed 004): Keras Conv2D(1, ...) on an 8×8 input."""
    assert keras_conv_output_shape((8, 8), layer_kwargs["kernel_size"],
                                   layer_kwargs.get("strides", 1),
                                   layer_kwargs["padding"]) == expected
    layer = keras.layers.Conv2D(1, **layer_kwargs)
    assert tuple(layer(np.zeros((1, 8, 8, 1))).shape[1:3]) == expected


def test_seed_same_stride2_is_asymmetric_where_pytorch_refuses():
    assert tf_same_padding((8, 8), 3, stride=2) == ((0, 1), (0, 1))
    x = torch.zeros(1, 1, 8, 8, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        F.conv2d(x, torch.zeros(1, 1, 3, 3, dtype=torch.float64), stride=2, padding="same")
    with pytest.raises(ValueError, match="needs stride 1"):
        conv2d(np.zeros((8, 8)), np.zeros((3, 3)), stride=2, padding="same")
    assert conv2d(np.zeros((8, 8)), np.zeros((3, 3)), stride=2,
                  padding=tf_same_padding((8, 8), 3, 2)).shape == (4, 4)


def test_tf_same_padding_is_exported_at_top_level():
    assert convcore.tf_same_padding is tf_same_padding


TF_SAME_CASES = [
    pytest.param((8, 8), 3, 1, 1, ((1, 1), (1, 1)), id="odd-kernel-stride1"),
    pytest.param((8, 8), 2, 1, 1, ((0, 1), (0, 1)), id="even-kernel-extra-after"),
    pytest.param((8, 8), 3, 2, 1, ((0, 1), (0, 1)), id="stride2-8x8"),
    pytest.param((7, 7), 3, 2, 1, ((1, 1), (1, 1)), id="stride2-7x7"),
    pytest.param((5, 6), (3, 1), (3, 4), 1, ((0, 1), (0, 0)), id="big-stride-needs-less"),
    pytest.param((9, 9), 3, 1, 3, ((3, 3), (3, 3)), id="dilated"),
    pytest.param((4, 4), 1, 3, 1, ((0, 0), (0, 0)), id="never-negative"),
    pytest.param(7, 4, 1, 1, ((1, 2),), id="1-D"),
]


@pytest.mark.parametrize(("in_hw", "k", "s", "d", "expected"), TF_SAME_CASES)
def test_tf_same_padding_cases(in_hw, k, s, d, expected):
    assert tf_same_padding(in_hw, k, s, d) == expected


# --------------------------------------------------------------------------- against Keras


@st.composite
def keras_conv_settings(draw):
    """A Keras-legal Conv2D: stride and dilation never both above 1 on the layer."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if draw(st.booleans()):
        stride, dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))), (1, 1)
    else:
        stride, dilation = (1, 1), (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((1, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in, kh, kw))
    bias = rng.standard_normal(c_out)
    return x, weight, bias, stride, dilation


@settings(max_examples=25, deadline=None)
@given(keras_conv_settings())
def test_conv2d_with_tf_same_padding_equals_keras_same(problem):
    x, weight, bias, stride, dilation = problem
    pads = tf_same_padding(x.shape[2:], weight.shape[2:], stride, dilation)
    ours = conv2d(x, weight, bias, stride=stride, padding=pads, dilation=dilation)
    theirs = _keras_conv2d(x, weight, bias, strides=stride, dilation_rate=dilation,
                           padding="same")
    assert ours.shape == theirs.shape
    assert ours.shape[2:] == keras_conv_output_shape(x.shape[2:], weight.shape[2:], stride,
                                                     "same", dilation)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(keras_conv_settings())
def test_conv2d_valid_equals_keras_valid_or_both_refuse(problem):
    x, weight, bias, stride, dilation = problem
    try:
        shape = keras_conv_output_shape(x.shape[2:], weight.shape[2:], stride, "valid",
                                        dilation)
    except ValueError:
        with pytest.raises(ValueError, match="larger than"):
            conv2d(x, weight, bias, stride=stride, dilation=dilation)
        return
    theirs = _keras_conv2d(x, weight, bias, strides=stride, dilation_rate=dilation,
                           padding="valid")
    ours = conv2d(x, weight, bias, stride=stride, dilation=dilation)
    assert ours.shape[2:] == shape == theirs.shape[2:]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_tf_same_padding_equals_jax_lax_with_stride_and_dilation(h, w, kh, kw, sh, sw, dh,
                                                                 dw):
    """XLA's SAME with a strided *and* dilated kernel (Keras refuses that combination)."""
    rng = np.random.default_rng(h * 1000 + w)
    x = rng.standard_normal((1, 1, h, w))
    k = rng.standard_normal((1, 1, kh, kw))
    theirs = jax.lax.conv_general_dilated(x, k, (sh, sw), "SAME", rhs_dilation=(dh, dw))
    pads = tf_same_padding((h, w), (kh, kw), (sh, sw), (dh, dw))
    np.testing.assert_allclose(conv2d(x, k, stride=(sh, sw), padding=pads, dilation=(dh, dw)),
                               np.asarray(theirs), rtol=1e-12, atol=1e-12)


def test_keras_refuses_strided_dilated_conv_and_so_do_we():
    with pytest.raises(ValueError, match="strides > 1"):
        keras.layers.Conv2D(1, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        keras_conv_output_shape((8, 8), 3, 2, "same", 2)


def test_causal_conv1d_shape_equals_keras():
    layer = keras.layers.Conv1D(1, 3, dilation_rate=2, padding="causal")
    out = layer(np.zeros((1, 10, 1)))
    assert keras_conv_output_shape(10, 3, 1, "causal", 2) == (out.shape[1],) == (10,)
    with pytest.raises(ValueError, match="only for 1-D"):
        keras_conv_output_shape((8, 8), 3, padding="causal")


# --------------------------------------------------------------------------- pooling


@st.composite
def pool_settings(draw):
    ph, pw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h, w = draw(st.integers(max(ph, 1), 9)), draw(st.integers(max(pw, 1), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((1, 2, h, w)), (ph, pw), strides


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("padding", ["same", "valid"])
@settings(max_examples=12, deadline=None)
@given(problem=pool_settings())
def test_tf_pool2d_equals_keras(kind, padding, problem):
    x, pool_size, strides = problem
    ours = tf_pool2d(x, pool_size, strides, padding, kind)
    theirs = _keras_pool2d(kind, x, pool_size=pool_size, strides=strides, padding=padding)
    assert ours.shape[2:] == keras_pool_output_shape(x.shape[2:], pool_size, strides, padding)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_tf_same_average_leaves_padding_out_where_pytorch_default_counts_it():
    """3×3 windows, stride 1, 'SAME' on a 4×4 of ones: the pads are symmetric, so PyTorch can
    express them; only count_include_pad=False gives TensorFlow's answer."""
    x = np.ones((1, 1, 4, 4))
    theirs = _keras_pool2d("avg", x, pool_size=3, strides=1, padding="same")
    np.testing.assert_allclose(tf_pool2d(x, 3, 1, "same"), theirs)
    np.testing.assert_allclose(avg_pool2d(x, 3, 1, padding=1, count_include_pad=False), theirs)
    corner = avg_pool2d(x, 3, 1, padding=1)[0, 0, 0, 0]
    assert corner == pytest.approx(4 / 9) and theirs[0, 0, 0, 0] == pytest.approx(1.0)
    np.testing.assert_allclose(max_pool2d(x, 3, 1, padding=1),
                               _keras_pool2d("max", x, pool_size=3, strides=1, padding="same"))


def test_tf_pool2d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        tf_pool2d(np.zeros((4, 4)), 2, kind="median")
    with pytest.raises(ValueError, match="padding"):
        tf_pool2d(np.zeros((4, 4)), 2, padding="full")
    with pytest.raises(TypeError, match="real numbers"):
        tf_pool2d(np.array([["a"]]), 1)


# --------------------------------------------------------------------------- MXNet


def _mxnet_documented(n, k, s, p, convention):
    """MXNet ``pooling-inl.h``: ``1 + (n + 2p − k) / s`` with integer division ("valid") or
    ``1 + ceil(float(n + 2p − k) / s)`` ("full")."""
    import math

    room = n + 2 * p - k
    return 1 + (room // s if convention == "valid" else math.ceil(room / s))


MXNET_CASES = [
    pytest.param((4, 4), 3, None, 0, "valid", (1, 1), id="seed-MaxPool2D(3)"),
    pytest.param((4, 4), 3, 2, 1, "valid", (2, 2), id="seed-MaxPool2D(3,padding=1,strides=2)"),
    pytest.param((4, 4), (2, 3), (2, 3), (1, 2), "valid", (3, 2), id="seed-odd-pads"),
    pytest.param((5, 5), 2, 2, 0, "full", (3, 3), id="full-rounds-up"),
    pytest.param((5, 5), 2, 2, 0, "valid", (2, 2), id="valid-rounds-down"),
    pytest.param((5, 5), 2, 2, 1, "full", (4, 4), id="full-keeps-window-in-padding"),
]


@pytest.mark.parametrize(("in_hw", "k", "s", "p", "conv", "expected"), MXNET_CASES)
def test_mxnet_pool_output_shape_cases(in_hw, k, s, p, conv, expected):
    assert mxnet_pool_output_shape(in_hw, k, s, p, conv) == expected


@given(st.integers(1, 20), st.integers(1, 6), st.integers(1, 4), st.integers(0, 5),
       st.sampled_from(["valid", "full"]))
def test_mxnet_pool_output_shape_is_the_documented_rule(n, k, s, p, convention):
    if k > n + 2 * p:
        with pytest.raises(ValueError, match="MXNet refuses"):
            mxnet_pool_output_shape(n, k, s, p, convention)
        return
    assert mxnet_pool_output_shape(n, k, s, p, convention) == (
        _mxnet_documented(n, k, s, p, convention),)


def test_seed_mxnet_pooling_is_refused_by_pytorch():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, (2, 3), stride=(2, 3), padding=(1, 2))
    with pytest.raises(ValueError, match="more than half"):
        max_pool2d(x.numpy(), (2, 3), stride=(2, 3), padding=(1, 2))


def test_mxnet_full_differs_from_pytorch_ceil_mode_where_pytorch_drops_a_window():
    """5 + 2·1 with 2×2 windows, stride 2: MXNet 'full' keeps the window starting in the
    right padding, PyTorch's ceil mode drops it (on 4 + 2·1 they agree)."""
    assert mxnet_pool_output_shape((4, 4), 2, 2, 1, "full") == (3, 3)
    out = F.max_pool2d(torch.zeros(1, 1, 4, 4), 2, 2, padding=1, ceil_mode=True)
    assert tuple(out.shape[2:]) == (3, 3)
    assert mxnet_pool_output_shape((5, 5), 2, 2, 1, "full") == (4, 4)
    out = F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 2, padding=1, ceil_mode=True)
    assert tuple(out.shape[2:]) == (3, 3)


def test_mxnet_rejects_unknown_convention():
    with pytest.raises(ValueError, match="pooling_convention"):
        mxnet_pool_output_shape((4, 4), 2, pooling_convention="same-ish")


# --------------------------------------------------------------------------- layouts


def test_layouts_round_trip_and_match_keras_kernel_shape():
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    assert nchw_to_nhwc(x).shape == (2, 4, 5, 3)
    np.testing.assert_array_equal(nhwc_to_nchw(nchw_to_nhwc(x)), x)
    w = np.zeros((6, 3, 2, 5))
    layer = keras.layers.Conv2D(6, (2, 5))
    layer.build((None, 8, 8, 3))
    assert oihw_to_hwio(w).shape == tuple(layer.kernel.shape) == (2, 5, 3, 6)
    np.testing.assert_array_equal(hwio_to_oihw(oihw_to_hwio(x)), x)
    with pytest.raises(ValueError, match="NCHW tensor must be a 4-D array"):
        nchw_to_nhwc(np.zeros((3, 4, 5)))


# --------------------------------------------------------------------------- side by side


def test_seed_same_stride2_side_by_side():
    rows = {r.framework: r for r in conv2d_in_frameworks((8, 8), 3, stride=2, padding="same")}
    assert tuple(rows) == FRAMEWORKS
    assert {r.out_hw for r in rows.values()} == {(4, 4)}
    assert {r.pads for r in rows.values()} == {((0, 1), (0, 1))}
    assert not rows["PyTorch"].direct and "refuses padding='same'" in rows["PyTorch"].note
    assert rows["PyTorch"].padding_arg == "F.pad(x, (0, 1, 0, 1)) + padding=0"
    assert rows["Keras"].direct and rows["Keras"].padding_arg == "padding='same'"
    assert rows["Keras"].kernel_shape == (3, 3, 1, 1) and rows["Keras"].input_layout == "NHWC"
    assert rows["PyTorch"].kernel_shape == (1, 1, 3, 3)


def test_seed_valid_stride_3x4_side_by_side():
    rows = conv2d_in_frameworks((8, 8), (3, 5), stride=(3, 4), padding="valid")
    assert [(r.out_hw, r.direct) for r in rows] == [((2, 1), True)] * 4


@st.composite
def framework_settings(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["same", "valid", 1, (0, 2), ((0, 1), (2, 1))]))
    h = draw(st.integers(dilation[0] * (kh - 1) + 1, 10))
    w = draw(st.integers(dilation[1] * (kw - 1) + 1, 10))
    return (h, w), (kh, kw), stride, padding, dilation


@settings(max_examples=15, deadline=None)
@given(framework_settings())
def test_every_row_is_what_its_framework_computes(problem):
    in_hw, ks, stride, padding, dilation = problem
    rng = np.random.default_rng(sum(in_hw) + sum(ks))
    x = rng.standard_normal((1, 2, *in_hw))
    weight = rng.standard_normal((3, 2, *ks))
    bias = np.zeros(3)
    rows = {r.framework: r for r in conv2d_in_frameworks(in_hw, ks, stride=stride,
                                                          padding=padding, dilation=dilation,
                                                          in_channels=2, out_channels=3)}
    ours = conv2d(x, weight, stride=stride, padding=rows["JAX"].pads, dilation=dilation)
    assert {r.out_hw for r in rows.values()} == {ours.shape[2:]}
    pad_arg = "SAME" if padding == "same" else list(rows["JAX"].pads)
    jax_out = jax.lax.conv_general_dilated(x, weight, stride, pad_arg, rhs_dilation=dilation)
    np.testing.assert_allclose(np.asarray(jax_out), ours, rtol=1e-12, atol=1e-12)
    (top, bottom), (left, right) = rows["PyTorch"].pads
    torch_out = F.conv2d(F.pad(torch.tensor(x), (left, right, top, bottom)),
                         torch.tensor(weight), stride=stride, dilation=dilation)
    np.testing.assert_allclose(torch_out.numpy(), ours, rtol=1e-12, atol=1e-12)
    keras_row = rows["Keras"]
    if "refuses" in keras_row.note:
        assert any(s > 1 for s in stride) and any(d > 1 for d in dilation)
        return
    keras_padding = "same" if padding == "same" else "valid"
    keras_x = x if keras_padding == "same" else np.pad(x, ((0, 0), (0, 0), *rows["Keras"].pads))
    theirs = _keras_conv2d(keras_x, weight, bias, strides=stride, dilation_rate=dilation,
                           padding=keras_padding)
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-12)
    assert keras_row.direct == (padding in ("same", "valid"))


def test_every_reason_has_a_sentence():
    rows = [*conv2d_in_frameworks((8, 8), (3, 2), stride=2, dilation=2, padding=((0, 1), (1, 0))),
            *conv2d_in_frameworks((8, 8), 3, stride=2, padding="same"),
            *pool2d_in_frameworks((4, 4), (2, 3), stride=(2, 3), padding=(1, 2)),
            *pool2d_in_frameworks((5, 5), 2, padding=1, ceil_mode=True),
            *pool2d_in_frameworks((4, 4), 3, stride=2, ceil_mode=True),
            *pool2d_in_frameworks((7, 7), 2, padding="same", kind="avg")]
    reasons = {r.reason for r in rows} - {""}
    assert reasons == set(FRAMEWORK_NOTES)
    assert all(r.note == FRAMEWORK_NOTES[r.reason] for r in rows if r.reason)


def test_seed_mxnet_pooling_side_by_side():
    rows = {r.framework: r for r in pool2d_in_frameworks((4, 4), (2, 3), stride=(2, 3),
                                                          padding=(1, 2))}
    assert rows["PyTorch"].out_hw is None and rows["PyTorch"].reason == (
        "torch-pool-padding-over-half")
    assert rows["MXNet"].out_hw == (3, 2) and rows["MXNet"].direct
    assert rows["JAX"].pads == ((1, 1), (2, 2))


def test_tf_same_average_side_by_side():
    rows = {r.framework: r for r in pool2d_in_frameworks((4, 4), 3, stride=1, padding="same",
                                                          kind="avg")}
    assert rows["Keras"].padding_in_average is False and rows["Keras"].direct
    assert rows["PyTorch"].padding_in_average is True and not rows["PyTorch"].direct
    assert rows["MXNet"].padding_arg == "padding=(1, 1), count_include_pad=False"


def _jax_pool(x, kind, ks, ss, pads, counted_region=None):
    """Pooling as the JAX snippet does it: ``reduce_window`` over the row's pads; an average
    divides by a ``reduce_window`` of a mask of the cells that count (``counted_region``:
    slices of the padded canvas)."""
    window, strides = (1, 1, *ks), (1, 1, *ss)
    padding = [(0, 0), (0, 0), *pads]
    if kind == "max":
        return np.asarray(jax.lax.reduce_window(x, -np.inf, jax.lax.max, window, strides,
                                                padding))
    sums = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, strides, padding)
    canvas = [n + before + after for n, (before, after) in zip(x.shape[2:], pads, strict=True)]
    mask = np.zeros(canvas)
    mask[counted_region] = 1.0
    counts = jax.lax.reduce_window(mask, 0.0, jax.lax.add, ks, ss, "VALID")
    return np.asarray(sums) / np.asarray(counts)


def _input_region(hw, pads):
    return tuple(slice(before, before + n) for n, (before, _) in zip(hw, pads, strict=True))


@st.composite
def pool_requests(draw):
    ks = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    ss = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    hw = (draw(st.integers(ks[0], 8)), draw(st.integers(ks[1], 8)))
    kind = draw(st.sampled_from(["max", "avg"]))
    padding = draw(st.sampled_from(["same", "valid", 0, 1, (1, 0), (0, 2)]))
    ceil_mode = not isinstance(padding, str) and draw(st.booleans())
    count_include_pad = draw(st.booleans())
    return hw, ks, ss, padding, kind, ceil_mode, count_include_pad


@settings(max_examples=25, deadline=None)
@given(pool_requests())
def test_every_pool_row_is_what_its_framework_computes(request):
    hw, ks, ss, padding, kind, ceil_mode, count_include_pad = request
    ps = (padding, padding) if isinstance(padding, int) else padding
    rows = {r.framework: r for r in pool2d_in_frameworks(
        hw, ks, stride=ss, padding=padding, kind=kind, ceil_mode=ceil_mode,
        count_include_pad=count_include_pad)}
    x = np.random.default_rng(sum(hw)).standard_normal((1, 1, *hw))
    torch_row, jax_row, keras_row, mx_row = (rows[f] for f in FRAMEWORKS)
    if torch_row.out_hw is not None and not isinstance(padding, str):
        torch_fn = F.max_pool2d if kind == "max" else F.avg_pool2d
        extra = {} if kind == "max" else dict(count_include_pad=count_include_pad)
        theirs = torch_fn(torch.tensor(x), ks, ss, ps, ceil_mode=ceil_mode, **extra).numpy()
        assert theirs.shape[2:] == torch_row.out_hw
        # JAX's row, computed as its snippet would, gives PyTorch's numbers
        region = _input_region(hw, jax_row.pads)
        if kind == "avg" and count_include_pad:  # the padding counts, the overhang does not
            region = tuple(slice(0, n + 2 * p) for n, p in zip(hw, ps, strict=True))
        jax_out = _jax_pool(x, kind, ks, ss, jax_row.pads, region)
        np.testing.assert_allclose(jax_out, theirs, rtol=1e-12, atol=1e-12)
    if isinstance(padding, str):
        theirs = _keras_pool2d(kind, x, pool_size=ks, strides=ss, padding=padding)
        np.testing.assert_allclose(tf_pool2d(x, ks, ss, padding, kind), theirs, rtol=1e-12,
                                   atol=1e-12)
        assert keras_row.direct and theirs.shape[2:] == keras_row.out_hw == jax_row.out_hw
        jax_out = _jax_pool(x, kind, ks, ss, jax_row.pads, _input_region(hw, jax_row.pads))
        np.testing.assert_allclose(jax_out, theirs, rtol=1e-12, atol=1e-12)
    else:
        padded = np.pad(x, ((0, 0), (0, 0), *keras_row.pads))
        theirs = _keras_pool2d(kind, padded, pool_size=ks, strides=ss, padding="valid")
        assert theirs.shape[2:] == keras_row.out_hw
        convention = "full" if ceil_mode else "valid"
        assert mx_row.out_hw == mxnet_pool_output_shape(hw, ks, ss, ps, convention)
