"""conv2d_backward: gradients equal PyTorch autograd; adjointness; the seeds' kernel learning."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from convcore.conv import conv2d, conv2d_backward, conv_transpose2d
from tests.convcore.cases import (
    EDGE_K,
    EDGE_X,
    EDGE_Y,
    conv_problems,
    tiny_column_blocks,
    torch_conv_grads,
)

TIGHT = {"rtol": 1e-10, "atol": 1e-10}


def _grad_output_for(problem, seed=0):
    out = conv2d(**problem)
    return np.random.default_rng(seed).standard_normal(out.shape)


def _backward_args(problem):
    return {k: v for k, v in problem.items() if k != "bias"}


@settings(max_examples=150, deadline=None)
@given(conv_problems(ndim=2))
def test_gradients_equal_pytorch_autograd(problem):
    g = _grad_output_for(problem)
    grad_input, grad_weight, grad_bias = conv2d_backward(grad_output=g,
                                                         **_backward_args(problem))
    bias = problem["bias"]
    if bias is None:  # ask torch for the bias gradient all the same
        bias = np.zeros(problem["weight"].shape[0] if problem["weight"].ndim == 4 else 1)
    expected = torch_conv_grads(**{**problem, "bias": bias}, grad_output=g)
    assert grad_input.shape == problem["x"].shape
    assert grad_weight.shape == problem["weight"].shape
    assert grad_bias.shape == bias.shape
    for ours, theirs in zip((grad_input, grad_weight, grad_bias), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, **TIGHT)


@settings(max_examples=80, deadline=None)
@given(conv_problems(ndim=2))
def test_adjointness(problem):
    # <conv2d(x, w), g> == <x, grad_input(g)> == <w, grad_weight(g)>: the convolution is
    # linear in x (whatever the padding mode) and in w, and the gradients are its adjoints.
    args = {**problem, "bias": None}
    g = _grad_output_for(args, seed=1)
    grad_input, grad_weight, _ = conv2d_backward(grad_output=g, **_backward_args(args))
    inner = np.vdot(conv2d(**args), g)
    assert np.isclose(inner, np.vdot(problem["x"], grad_input), rtol=1e-10, atol=1e-10)
    assert np.isclose(inner, np.vdot(problem["weight"], grad_weight), rtol=1e-10, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(conv_problems(ndim=2, modes=("zeros",), forms=("int", "per-axis"),
                     ranks=("unbatched", "batched")))
def test_conv_transpose2d_is_the_input_gradient(problem):
    # With output_padding chosen to give back the input size, conv_transpose2d(g, w)
    # is exactly grad_input: the transposed convolution is the adjoint of conv2d.
    g = _grad_output_for(problem, seed=2)
    grad_input, _, _ = conv2d_backward(grad_output=g, **_backward_args(problem))
    x, w = problem["x"], problem["weight"]
    stride = np.broadcast_to(problem["stride"], 2)
    padding = np.broadcast_to(problem["padding"], 2)
    dilation = np.asarray(problem["dilation"])
    spans = dilation * (np.asarray(w.shape[2:]) - 1) + 1
    output_padding = (np.asarray(x.shape[-2:]) + 2 * padding - spans) % stride
    out = conv_transpose2d(g, w, stride=tuple(stride), padding=tuple(padding),
                           output_padding=tuple(output_padding), groups=problem["groups"],
                           dilation=tuple(dilation))
    np.testing.assert_allclose(out, grad_input, **TIGHT)


@settings(max_examples=50, deadline=None)
@given(conv_problems(ndim=2))
def test_many_small_column_blocks_give_the_same_gradients(problem):
    g = _grad_output_for(problem, seed=3)
    args = _backward_args(problem)
    expected = conv2d_backward(grad_output=g, **args)
    with tiny_column_blocks():
        blocked = conv2d_backward(grad_output=g, **args)
    for ours, theirs in zip(blocked, expected, strict=True):
        np.testing.assert_allclose(ours, theirs, **TIGHT)


# --------------------------------------------------------------------------- worked examples


def test_the_seed_gradient_of_the_d2l_example():
    # dL/dK for L = sum(corr2d(X, K)): each tap's gradient is the sum of the cells it meets.
    X = np.arange(9.0).reshape(3, 3)
    grad_input, grad_weight, grad_bias = conv2d_backward(X, [[0, 1], [2, 3]], np.ones((2, 2)))
    np.testing.assert_array_equal(grad_weight, [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                                                [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    np.testing.assert_array_equal(grad_input, [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    np.testing.assert_array_equal(grad_bias, [4.0])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # [a b c] padded by one cell each side, all-ones 1×3 kernel, all-ones gradient:
        # the padded cells get gradient [1 2 3 2 1]; each folds onto the cell it copies.
        pytest.param("zeros", [2.0, 3.0, 2.0], id="zeros-drops-the-padding"),
        pytest.param("reflect", [2.0, 5.0, 2.0], id="reflect-b-is-copied-twice"),
        pytest.param("replicate", [3.0, 3.0, 3.0], id="replicate-edges-copied"),
        pytest.param("circular", [3.0, 3.0, 3.0], id="circular-wraps"),
    ],
)
def test_padding_gradients_fold_back_onto_the_copied_cells(mode, expected):
    grad_input, _, _ = conv2d_backward(np.array([[1.0, 2.0, 3.0]]), np.ones((1, 3)),
                                       np.ones((1, 3)), padding=(0, 1), padding_mode=mode)
    np.testing.assert_array_equal(grad_input, [expected])


def test_learning_the_edge_kernel_follows_pytorch_step_by_step():
    # d2l 5.2.4: learn K = [1, -1] back from (X, Y) with ten steps at learning rate 3e-2.
    X, Y = EDGE_X[np.newaxis, np.newaxis], EDGE_Y[np.newaxis, np.newaxis]
    weight = np.array([[[[0.3, 0.1]]]])
    weight_t = torch.tensor(weight, requires_grad=True)
    losses = []
    for _ in range(10):
        residual = conv2d(X, weight) - Y
        losses.append(float((residual ** 2).sum()))
        _, grad_weight, _ = conv2d_backward(X, weight, 2 * residual)
        weight = weight - 3e-2 * grad_weight

        loss_t = ((F.conv2d(torch.tensor(X), weight_t) - torch.tensor(Y)) ** 2).sum()
        (grad_t,) = torch.autograd.grad(loss_t, weight_t)
        weight_t = (weight_t - 3e-2 * grad_t).detach().requires_grad_()
        assert np.isclose(losses[-1], loss_t.item(), rtol=1e-12)
        np.testing.assert_allclose(weight, weight_t.detach().numpy(), rtol=1e-12)
    assert losses[-1] < losses[0] / 10
    np.testing.assert_allclose(weight.ravel(), EDGE_K.ravel(), atol=0.1)


def test_float32_gradients_stay_float32():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    g = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    grads = conv2d_backward(x, w, g, padding=1)
    assert [a.dtype for a in grads] == [np.float32] * 3
    exact = conv2d_backward(x.astype(float), w.astype(float), g.astype(float), padding=1)
    for ours, theirs in zip(grads, exact, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"x": np.ones((1, 1, 5, 5)), "weight": np.ones((2, 1, 3, 3)),
                      "grad_output": np.ones((1, 2, 4, 4))},
                     ValueError,
                     r"grad_output must have the shape of the convolution's output, "
                     r"\(1, 2, 3, 3\); got \(1, 2, 4, 4\)",
                     id="grad-output-wrong-shape"),
        pytest.param({"x": np.ones((5, 5)), "weight": np.ones((3, 3)),
                      "grad_output": np.ones((1, 1, 3, 3))},
                     ValueError, r"output, \(3, 3\); got \(1, 1, 3, 3\)",
                     id="grad-output-wrong-rank"),
        pytest.param({"x": np.ones((5, 5)), "weight": np.ones((3, 3)),
                      "grad_output": np.array([["a"] * 3] * 3)},
                     TypeError, r"grad_output must hold real numbers",
                     id="grad-output-strings"),
        pytest.param({"x": np.ones((1, 3, 5, 5)), "weight": np.ones((8, 2, 3, 3)),
                      "grad_output": np.ones((1, 8, 3, 3))},
                     ValueError, r"the input has 3 channels but the weight expects 2",
                     id="channel-mismatch"),
        pytest.param({"x": np.ones((5, 5)), "weight": np.ones((3, 3)),
                      "grad_output": np.ones((3, 3)), "padding_mode": "wrap"},
                     ValueError, r"padding_mode must be one of", id="padding-mode"),
    ],
)
def test_conv2d_backward_rejects_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        conv2d_backward(**kwargs)
