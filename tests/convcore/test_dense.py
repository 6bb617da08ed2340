"""From a dense layer to a convolution (d2l 5.1): the constrained matrices equal conv_matrix
and conv2d, the parameter counts at each step, and the seeds' own figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from convcore import (
    constrain_dense_layer,
    conv2d,
    conv_matrix,
    dense_layer_params,
    dense_to_conv_steps,
    locally_connected2d,
    random_dense_weight,
)

TIGHT = {"rtol": 1e-12, "atol": 1e-12}

sizes = st.tuples(st.integers(1, 7), st.integers(1, 7))


@settings(max_examples=80, deadline=None)
@given(sizes, st.integers(0, 5), st.integers(0, 2**16))
def test_invariance_then_locality_is_a_same_convolution(in_hw, delta, seed):
    dense, tied, conv = dense_to_conv_steps(random_dense_weight(in_hw, seed), delta)
    assert (dense.name, tied.name, conv.name) == (
        "dense", "translation invariance", "translation invariance + locality")
    np.testing.assert_array_equal(conv.matrix, conv_matrix(in_hw, conv.kernel, padding="same"))
    np.testing.assert_array_equal(tied.matrix, conv_matrix(in_hw, tied.kernel, padding="same"))
    x = np.random.default_rng(seed + 1).standard_normal(in_hw)
    np.testing.assert_allclose(conv.matrix @ x.ravel(),
                               conv2d(x, conv.kernel, padding="same").ravel(), **TIGHT)
    h, w = in_hw
    assert conv.kernel.shape == (2 * min(delta, h - 1) + 1, 2 * min(delta, w - 1) + 1)


@settings(max_examples=60, deadline=None)
@given(sizes, st.integers(0, 2**16))
def test_every_row_of_the_tied_matrix_is_the_same_pattern_shifted(in_hw, seed):
    step = constrain_dense_layer(random_dense_weight(in_hw, seed), translation_invariance=True)
    h, w = in_hw
    v = step.kernel  # V[a, b] at [a + H − 1, b + W − 1]
    i, j, r, c = np.indices((h, w, h, w))  # hidden cell (i, j), input cell (r, c)
    np.testing.assert_array_equal(step.weight, v[r - i + h - 1, c - j + w - 1])
    # The tied V[a, b] is the mean of the dense weights with that offset.
    dense = random_dense_weight(in_hw, seed)
    a, b = 1 if h > 1 else 0, -1 if w > 1 else 0
    along = [dense[r, c, r + a, c + b] for r in range(h) for c in range(w)
             if 0 <= r + a < h and 0 <= c + b < w]
    assert np.isclose(v[a + h - 1, b + w - 1], np.mean(along), rtol=1e-13, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(sizes, st.integers(0, 4), st.integers(0, 2**16))
def test_locality_alone_is_a_locally_connected_layer(in_hw, delta, seed):
    # Without tying, the band is a locally connected layer with "same" padding.
    dense = random_dense_weight(in_hw, seed)
    step = constrain_dense_layer(dense, translation_invariance=False, locality=delta)
    h, w = in_hw
    span = 2 * delta + 1
    cells = np.zeros((h, w, span, span))
    for i, j, a, b in np.ndindex(h, w, span, span):
        r, c = i + a - delta, j + b - delta
        if 0 <= r < h and 0 <= c < w:
            cells[i, j, a, b] = dense[i, j, r, c]
    x = np.random.default_rng(seed + 2).standard_normal(in_hw)
    np.testing.assert_allclose(step.matrix @ x.ravel(),
                               locally_connected2d(x, cells, padding=delta).ravel(), **TIGHT)
    assert step.params == np.count_nonzero(cells)


def test_a_convolution_already_satisfies_both_constraints():
    kernel = np.random.default_rng(5).standard_normal((3, 3))
    m = conv_matrix((5, 6), kernel, padding="same")
    dense = m.reshape(5, 6, 5, 6)
    step = constrain_dense_layer(dense, translation_invariance=True, locality=1)
    np.testing.assert_allclose(step.kernel, kernel, **TIGHT)
    np.testing.assert_allclose(step.matrix, m, **TIGHT)


@pytest.mark.parametrize(
    ("invariance", "locality", "params"),
    [
        pytest.param(False, None, 36 * 36, id="dense"),
        pytest.param(True, None, 11 * 11, id="tied"),
        pytest.param(True, 1, 9, id="tied-local-1"),
        pytest.param(True, 2, 25, id="tied-local-2"),
        pytest.param(True, 9, 121, id="radius-beyond-the-image"),
        pytest.param(False, 1, 16 * 16, id="local-only"),  # (6·3 − 2)² in-image pairs
    ],
)
def test_parameter_counts_on_a_6x6_image(invariance, locality, params):
    step = constrain_dense_layer(random_dense_weight(6), translation_invariance=invariance,
                                 locality=locality)
    assert step.params == params
    assert step.radius == locality


def test_the_seeds_dense_layer_figures():
    assert dense_layer_params((1000, 1000), 1000) == 10**9  # d2l: 1 MP, 1000 hidden units
    assert dense_layer_params((3, 3000, 4000), 100) == 3_600_000_000  # 12 MP RGB, 100 units
    assert dense_layer_params(784, 10) == 7840


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda: constrain_dense_layer(np.ones((3, 3, 2, 2)),
                                                   translation_invariance=True),
                     ValueError, r"dense_weight must be \(H, W, H, W\)", id="not-square"),
        pytest.param(lambda: constrain_dense_layer(np.ones((3, 3)), translation_invariance=True),
                     ValueError, "dense_weight must be", id="2d"),
        pytest.param(lambda: constrain_dense_layer(np.ones((2, 2, 2, 2)),
                                                   translation_invariance="yes"),
                     TypeError, "translation_invariance must be True or False", id="flag"),
        pytest.param(lambda: constrain_dense_layer(np.ones((2, 2, 2, 2)),
                                                   translation_invariance=True, locality=-1),
                     ValueError, "locality must be at least 0", id="negative-delta"),
        pytest.param(lambda: random_dense_weight((0, 3)), ValueError, "in_hw must be positive",
                     id="empty-image"),
        pytest.param(lambda: dense_layer_params((), 3), ValueError, "in_shape", id="no-shape"),
        pytest.param(lambda: dense_layer_params((4, 4), 0), ValueError,
                     "hidden_units must be positive", id="no-units"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_public_names_are_exported():
    from convcore import dense

    for name in dense.__all__:
        assert getattr(convcore, name) is getattr(dense, name)
        assert name in convcore.__all__
