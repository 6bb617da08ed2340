"""The textbook loops of convcore.reference: the seeds' values, and PyTorch agrees with them."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from convcore.reference import (
    conv2d_loop,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    pool2d,
)
from tests.convcore.cases import (
    EDGE_K,
    EDGE_X,
    EDGE_Y,
    MULTI_K,
    MULTI_OUT_K,
    MULTI_X,
    SEED_K,
    SEED_X,
    conv_problems,
    oracle_pads,
    torch_conv,
)


@pytest.mark.parametrize(
    ("X", "K", "expected"),
    [
        pytest.param(SEED_X, SEED_K, [[19, 25], [37, 43]], id="d2l-19-25-37-43"),
        pytest.param(EDGE_X, EDGE_K, EDGE_Y, id="edge-6x8"),
        pytest.param(EDGE_X.T, EDGE_K, np.zeros((8, 5)), id="edge-transposed-vanishes"),
    ],
)
def test_corr2d_gives_the_seed_values(X, K, expected):
    np.testing.assert_array_equal(corr2d(X, K), expected)


def test_corr2d_multi_in_gives_56():
    np.testing.assert_array_equal(corr2d_multi_in(MULTI_X, MULTI_K), [[56, 72], [104, 120]])


def test_corr2d_multi_in_out_stacks_K_K1_K2():
    out = corr2d_multi_in_out(MULTI_X, MULTI_OUT_K)
    assert out.shape == (3, 2, 2)
    np.testing.assert_array_equal(out[0], [[56, 72], [104, 120]])
    np.testing.assert_array_equal(out[1], [[76, 100], [148, 172]])
    np.testing.assert_array_equal(out[2], [[96, 128], [192, 224]])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [pytest.param("max", [[4, 5], [7, 8]], id="max-4-5-7-8"),
     pytest.param("avg", [[2, 3], [5, 6]], id="avg-2-3-5-6")],
)
def test_pool2d_gives_the_seed_values(mode, expected):
    np.testing.assert_array_equal(pool2d(SEED_X, (2, 2), mode), expected)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_equals_pytorch_at_stride_1(mode):
    X = np.random.default_rng(0).standard_normal((5, 7))
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    expected = pool(torch.tensor(X)[None, None], (2, 3), stride=1)[0, 0].numpy()
    np.testing.assert_allclose(pool2d(X, (2, 3), mode), expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(conv_problems(ndim=2, modes=("zeros",), forms=("int", "per-axis", "pairs"),
                     ranks=("batched",), max_kernel=3))
def test_conv2d_loop_equals_pytorch(problem):
    pads = tuple(oracle_pads(problem["padding"], problem["weight"].shape[2:],
                             problem["dilation"]))
    out = conv2d_loop(problem["x"], problem["weight"], problem["bias"], problem["stride"], pads,
                      problem["dilation"], problem["groups"])
    np.testing.assert_allclose(out, torch_conv(**problem), rtol=1e-10, atol=1e-10)


def test_corr2d_multi_in_out_equals_conv2d_loop():
    rng = np.random.default_rng(1)
    X, K = rng.standard_normal((3, 5, 6)), rng.standard_normal((4, 3, 2, 3))
    np.testing.assert_allclose(corr2d_multi_in_out(X, K), conv2d_loop(X[None], K)[0],
                               rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: corr2d(np.ones((2, 2)), np.ones((3, 1))),
                     r"the 3×1 kernel is larger than the 2×2 input", id="corr2d-too-large"),
        pytest.param(lambda: corr2d_multi_in(np.ones((2, 3, 3)), np.ones((3, 2, 2))),
                     r"the input has 2 channels but the kernel has 3", id="multi-in-channels"),
        pytest.param(lambda: pool2d(np.ones((3, 3)), (2, 2), "min"),
                     r"mode must be 'max' or 'avg'", id="pool-mode"),
        pytest.param(lambda: conv2d_loop(np.ones((1, 3, 4, 4)), np.ones((1, 2, 2, 2))),
                     r"channels do not match", id="loop-channels"),
        pytest.param(lambda: conv2d_loop(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))),
                     r"the kernel is larger than the padded input", id="loop-too-large"),
    ],
)
def test_the_loops_refuse_what_they_cannot_compute(call, match):
    with pytest.raises(ValueError, match=match):
        call()
