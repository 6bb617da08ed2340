"""convcore.learn: the seeds' kernel-learning experiment, PyTorch as the oracle, divergence.

The loss is Σ (X ⋆ K + b − Y)², a quadratic in (K, b) whose Hessian is 2 AᵀA (A = im2col of
X). For the seeds' 6×8 image and a 1×2 kernel, AᵀA = [[18, 12], [12, 18]], so the Hessian's
eigenvalues are 12 and 60 and gradient descent is stable for lr < 2/60 ≈ 0.0333.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore import learn
from convcore.conv import conv2d

SEED_TARGET = np.array([[1.0, -1.0]])


def textured_image(shape=(20, 24), seed=0) -> np.ndarray:
    """Gaussian noise: windows are nearly uncorrelated, so any kernel size is identifiable
    and gradient descent converges fast (the loss's curvature is nearly round)."""
    return np.random.default_rng(seed).standard_normal(shape)


def torch_loss_and_grads(x, y, kernel, bias, use_bias):
    """The book's route to the gradient: nn.functional.conv2d + autograd, float64."""
    x_t = torch.from_numpy(x)[None, None]
    w_t = torch.from_numpy(kernel.copy())[None, None].requires_grad_(True)
    b_t = torch.tensor([bias], dtype=torch.float64, requires_grad=True) if use_bias else None
    loss = ((torch.nn.functional.conv2d(x_t, w_t, b_t) - torch.from_numpy(y)) ** 2).sum()
    loss.backward()
    grad_b = float(b_t.grad[0]) if use_bias else 0.0
    return float(loss.detach()), w_t.grad[0, 0].numpy(), grad_b


# ---------------------------------------------------------------------------------------------
# The seeds' experiment
# ---------------------------------------------------------------------------------------------


def test_seed_experiment_is_the_books_image_and_edges():
    x, y = learn.seed_experiment()
    expected_x = np.ones((6, 8))
    expected_x[:, 2:6] = 0
    expected_y = np.zeros((6, 7))
    expected_y[:, 1] = 1
    expected_y[:, 5] = -1
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 42], ids=lambda s: f"seed{s}")
def test_ten_steps_at_3e_2_learn_the_edge_kernel(seed):
    x, y = learn.seed_experiment()
    config = learn.TrainConfig(lr=3e-2, kernel_shape=(1, 2), seed=seed, max_steps=10)
    state = learn.train(x, y, config)
    assert state.status == "done"
    assert state.step == 10
    assert len(state.losses) == len(state.kernels) == 11
    assert state.losses[-1] <= state.losses[0] / 10
    assert np.max(np.abs(state.kernel - SEED_TARGET)) < 0.15


def test_ten_steps_from_zeros_are_the_closed_form_iteration():
    # From K0 = 0: e_t = K_t − [1, −1] evolves as e_{t+1} = (I − lr·H) e_t along H's
    # eigenvectors [1, 1] (λ = 60, e has no component there) and [1, −1] (λ = 12).
    x, y = learn.seed_experiment()
    state = learn.train(x, y, learn.TrainConfig(init="zeros", max_steps=10))
    shrink = (1 - 3e-2 * 12) ** 10
    np.testing.assert_allclose(state.kernel, SEED_TARGET * (1 - shrink), rtol=1e-12)
    assert state.losses[0] == pytest.approx(12.0)  # 12 edge cells, each off by 1


def test_seed_problem_curvature():
    x, _ = learn.seed_experiment()
    analysis = learn.analyse_problem(x, (1, 2))
    np.testing.assert_allclose(analysis.eigenvalues, [12.0, 60.0], rtol=1e-12)
    assert analysis.lr_limit == pytest.approx(2 / 60)
    assert analysis.lr_suggested == pytest.approx(1 / 60)
    assert analysis.identifiable
    assert analysis.condition == pytest.approx(5.0)


# ---------------------------------------------------------------------------------------------
# Gradients and trajectories against PyTorch
# ---------------------------------------------------------------------------------------------

GRADIENT_CASES = [
    pytest.param((1, 2), False, id="1x2-no-bias"),
    pytest.param((1, 2), True, id="1x2-bias"),
    pytest.param((3, 3), False, id="3x3-no-bias"),
    pytest.param((2, 5), True, id="2x5-bias"),
]


@pytest.mark.parametrize(("kernel_shape", "use_bias"), GRADIENT_CASES)
def test_loss_and_gradients_match_autograd(kernel_shape, use_bias):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(9, 11))
    y = rng.normal(size=(9 - kernel_shape[0] + 1, 11 - kernel_shape[1] + 1))
    kernel = rng.normal(size=kernel_shape)
    bias = 0.3 if use_bias else 0.0
    loss, grad_k, grad_b = learn.loss_and_gradients(x, y, kernel, bias, use_bias=use_bias)
    t_loss, t_grad_k, t_grad_b = torch_loss_and_grads(x, y, kernel, bias, use_bias)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    np.testing.assert_allclose(grad_k, t_grad_k, rtol=1e-10, atol=1e-12)
    assert grad_b == pytest.approx(t_grad_b, rel=1e-10, abs=1e-12)


def test_gradient_is_x_correlated_with_output_gradient():
    # ∂L/∂K = X ⋆ ∂L/∂Y, written out with im2col: 2 Aᵀ (A k − y).
    rng = np.random.default_rng(3)
    x, y, kernel = rng.normal(size=(7, 8)), rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    _, grad_k, _ = learn.loss_and_gradients(x, y, kernel)
    a = learn.im2col(x, (3, 3))
    residual = a @ kernel.ravel() - y.ravel()
    np.testing.assert_allclose(grad_k.ravel(), 2 * a.T @ residual, rtol=1e-12)
    output_gradient = (2 * residual).reshape(y.shape)
    np.testing.assert_allclose(grad_k, conv2d(x, output_gradient), rtol=1e-12)


TRAJECTORY_CASES = [
    pytest.param("seed", (1, 2), False, "random", 0.0, 3e-2, 10, id="seeds-setup"),
    pytest.param("seed", (1, 2), True, "random", 0.0, 1e-2, 100, id="seeds-with-bias"),
    pytest.param("seed", (1, 2), False, "zeros", 0.2, 3e-2, 50, id="seeds-zeros-noisy"),
    pytest.param("texture", (3, 3), False, "random", 0.0, None, 200, id="texture-3x3"),
    pytest.param("texture", (3, 3), True, "random", 0.05, None, 200, id="texture-3x3-bias-noise"),
]


@pytest.mark.parametrize(
    ("source", "kernel_shape", "use_bias", "init", "noise", "lr", "steps"), TRAJECTORY_CASES
)
def test_convcore_and_pytorch_trajectories_agree(
    source, kernel_shape, use_bias, init, noise, lr, steps
):
    image = learn.seed_image() if source == "seed" else textured_image()
    truth = SEED_TARGET if source == "seed" else np.arange(9.0).reshape(3, 3) / 9 - 0.4
    problem = learn.make_problem(image, truth, kernel_shape, noise_std=noise, seed=5)
    if lr is None:
        lr = learn.analyse_problem(problem.x, kernel_shape, use_bias=use_bias).lr_suggested
    config = learn.TrainConfig(
        lr=lr, kernel_shape=kernel_shape, use_bias=use_bias, init=init, seed=11, max_steps=steps
    )
    mine = learn.trajectory_of(learn.train(problem.x, problem.y, config))
    theirs = learn.torch_trajectory(problem.x, problem.y, config)
    assert theirs.engine == "pytorch"
    assert mine.kernels.shape == theirs.kernels.shape == (steps + 1, *kernel_shape)
    np.testing.assert_allclose(mine.kernels, theirs.kernels, rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine.biases, theirs.biases, rtol=0, atol=1e-10)
    np.testing.assert_allclose(mine.losses, theirs.losses, rtol=1e-10, atol=1e-10)
    assert mine.max_difference(theirs) < 1e-10
    assert mine.losses[-1] < mine.losses[0]


def test_trajectory_difference_sees_a_different_start():
    x, y = learn.seed_experiment()
    config = learn.TrainConfig()
    mine = learn.trajectory_of(learn.train(x, y, config))
    shifted = learn.torch_trajectory(x, y, config, kernel=mine.kernels[0] + 1e-3)
    assert mine.max_difference(shifted) > 1e-4


# ---------------------------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lr", "max_steps"),
    [
        pytest.param(0.04, 100, id="just-above-limit-rises"),
        pytest.param(0.1, 100, id="grows-past-1e6x"),
        pytest.param(1e3, 100, id="overflows"),
    ],
)
def test_divergence_is_caught_with_a_stable_suggestion(lr, max_steps):
    x, y = learn.seed_experiment()
    config = learn.TrainConfig(lr=lr, max_steps=max_steps)
    state = learn.train(x, y, config)  # no exception
    assert state.status == "diverged"
    assert not state.can_step
    assert state.step < max_steps
    assert "diverged" in state.message and "0.0333" in state.message
    assert state.suggested_lr == pytest.approx(1 / 60)
    # Everything kept in the state is finite, so it can be drawn.
    assert all(np.isfinite(state.losses)) and np.all(np.isfinite(state.kernel))
    assert np.all(np.isfinite(state.grad_kernel))
    # The suggested rate trains fine from the same start.
    retry = learn.train(x, y, dataclasses.replace(config, lr=state.suggested_lr, max_steps=60))
    assert retry.status == "done"
    assert np.max(np.abs(retry.kernel - SEED_TARGET)) < 1e-3


def test_stable_rate_just_below_the_limit_never_raises_the_loss():
    x, y = learn.seed_experiment()
    state = learn.train(x, y, learn.TrainConfig(lr=0.033, max_steps=2000))
    assert state.status == "done"
    assert np.all(np.diff(state.losses) <= 1e-12)


def test_overflowing_step_is_not_recorded():
    x, y = learn.seed_experiment()
    config = learn.TrainConfig(lr=1e200, max_steps=5)
    state = learn.train(x, y, config)
    assert state.status == "diverged"
    assert "overflowed" in state.message
    assert state.step == 0 and len(state.losses) == 1


def test_a_stopped_run_does_not_step():
    x, y = learn.seed_experiment()
    config = learn.TrainConfig(lr=0.1, max_steps=50)
    diverged = learn.train(x, y, config)
    assert learn.step(diverged, x, y, config) is diverged
    done = learn.train(x, y, learn.TrainConfig())
    assert learn.step(done, x, y, learn.TrainConfig()) is done


# ---------------------------------------------------------------------------------------------
# State: one step at a time, pause and resume
# ---------------------------------------------------------------------------------------------


def test_pause_pickle_resume_equals_one_run():
    x, y = learn.seed_experiment()
    config = learn.TrainConfig(max_steps=10, use_bias=True, lr=0.01)
    straight = learn.train(x, y, config)
    state = learn.init_state(x, y, config)
    for _ in range(4):
        state = learn.step(state, x, y, config)
    state = pickle.loads(pickle.dumps(state))
    resumed = learn.train(x, y, config, state)
    np.testing.assert_array_equal(np.stack(resumed.kernels), np.stack(straight.kernels))
    assert resumed.losses == straight.losses
    assert resumed.biases == straight.biases


def test_step_does_not_change_the_old_state():
    x, y = learn.seed_experiment()
    config = learn.TrainConfig()
    first = learn.init_state(x, y, config)
    kernel_before = first.kernel.copy()
    second = learn.step(first, x, y, config)
    np.testing.assert_array_equal(first.kernel, kernel_before)
    assert first.step == 0 and second.step == 1
    assert len(first.losses) == 1 and len(second.losses) == 2
    # The gradient held is the one at the current kernel.
    loss, grad, _ = learn.loss_and_gradients(x, y, second.kernel)
    assert second.loss == loss
    np.testing.assert_array_equal(second.grad_kernel, grad)
    np.testing.assert_allclose(second.kernel, first.kernel - 3e-2 * first.grad_kernel)


def test_raising_max_steps_continues_a_finished_run():
    x, y = learn.seed_experiment()
    done = learn.train(x, y, learn.TrainConfig(max_steps=10))
    assert done.status == "done"
    longer = learn.TrainConfig(max_steps=20)
    resumed = learn.refresh_status(done, longer)
    assert resumed.status == "running"
    finished = learn.train(x, y, longer, resumed)
    assert finished.step == 20 and finished.losses[-1] < done.losses[-1]


@pytest.mark.parametrize("kernel_shape", [(1, 2), (3, 3), (2, 4)], ids=str)
def test_random_init_is_seeded_and_bounded_like_nn_conv2d(kernel_shape):
    config = learn.TrainConfig(kernel_shape=kernel_shape, use_bias=True, seed=9)
    kernel, bias = learn.initial_parameters(config)
    again, bias_again = learn.initial_parameters(config)
    other, _ = learn.initial_parameters(dataclasses.replace(config, seed=10))
    bound = 1 / np.sqrt(np.prod(kernel_shape))
    np.testing.assert_array_equal(kernel, again)
    assert bias == bias_again
    assert not np.array_equal(kernel, other)
    assert np.all(np.abs(kernel) <= bound) and abs(bias) <= bound
    zeros, zero_bias = learn.initial_parameters(dataclasses.replace(config, init="zeros"))
    assert not zeros.any() and zero_bias == 0.0


# ---------------------------------------------------------------------------------------------
# Harder targets: recovering 3×3 kernels, and the cases where it cannot work
# ---------------------------------------------------------------------------------------------

THREE_BY_THREE = {
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "blur": [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "custom": [[0.5, -2, 0], [1, 0.25, 3], [0, 0, -1]],
}


@pytest.mark.parametrize("name", list(THREE_BY_THREE))
def test_3x3_kernel_is_recovered_from_image_and_filtered_image(name):
    truth = np.array(THREE_BY_THREE[name], dtype=float)
    if name == "blur":
        truth /= 16
    problem = learn.make_problem(textured_image((24, 24), seed=1), truth, (3, 3))
    analysis = learn.analyse_problem(problem.x, (3, 3))
    assert analysis.identifiable
    config = learn.TrainConfig(lr=analysis.lr_suggested, kernel_shape=(3, 3), max_steps=300)
    state = learn.train(problem.x, problem.y, config)
    errors = [learn.kernel_error(k, problem.true_kernel) for k in state.kernels]
    assert errors[-1] < 1e-6 * max(errors[0], 1)
    assert errors[100] < errors[0]
    assert state.losses[-1] < 1e-10 * state.losses[0]


def test_constant_image_fixes_only_the_kernels_sum():
    truth = np.array(THREE_BY_THREE["sharpen"], dtype=float)
    problem = learn.make_problem(np.full((12, 12), 0.5), truth, (3, 3))
    analysis = learn.analyse_problem(problem.x, (3, 3))
    assert analysis.rank == 1 and not analysis.identifiable
    config = learn.TrainConfig(
        lr=analysis.lr_suggested, kernel_shape=(3, 3), init="zeros", max_steps=200
    )
    state = learn.train(problem.x, problem.y, config)
    assert state.losses[-1] < 1e-20  # a perfect fit ...
    np.testing.assert_allclose(state.kernel, np.full((3, 3), 1 / 9), atol=1e-10)  # ... a blur
    assert learn.kernel_error(state.kernel, problem.true_kernel) > 4  # not the sharpen kernel
    # From a random start it keeps the start's pattern and only corrects the sum.
    random_start = learn.train(problem.x, problem.y, dataclasses.replace(config, init="random"))
    k0 = random_start.kernels[0]
    np.testing.assert_allclose(random_start.kernel, k0 + (1 - k0.sum()) / 9, atol=1e-10)


def test_target_from_a_larger_kernel_plateaus_at_the_best_fit():
    truth = np.random.default_rng(2).normal(size=(5, 5))
    problem = learn.make_problem(textured_image((24, 24)), truth, (3, 3))
    assert problem.true_kernel is None
    assert problem.y.shape == (20, 20) and problem.x.shape == (22, 22)
    _, _, best_loss = learn.best_fit(problem.x, problem.y, (3, 3))
    analysis = learn.analyse_problem(problem.x, (3, 3))
    config = learn.TrainConfig(lr=analysis.lr_suggested, kernel_shape=(3, 3), max_steps=400)
    state = learn.train(problem.x, problem.y, config)
    assert best_loss > 0.05 * state.losses[0]  # far from a perfect fit
    assert min(state.losses) >= best_loss * (1 - 1e-12)
    assert state.losses[-1] == pytest.approx(best_loss, rel=1e-6)
    assert learn.kernel_error(state.kernel, problem.true_kernel) is None


# ---------------------------------------------------------------------------------------------
# make_problem: aligning the learned kernel with the one that made Y
# ---------------------------------------------------------------------------------------------


def test_smaller_generating_kernel_is_centred_in_the_learned_shape():
    problem = learn.make_problem(learn.seed_image(), SEED_TARGET, (3, 3))
    expected = np.zeros((3, 3))
    expected[1, 0:2] = [1, -1]
    np.testing.assert_array_equal(problem.true_kernel, expected)
    np.testing.assert_array_equal(problem.y, conv2d(problem.x, expected))


def test_larger_generating_kernel_crops_x_so_windows_share_centres():
    image = textured_image((10, 12))
    centre_tap = np.zeros((5, 5))
    centre_tap[2, 2] = 1.0  # Y is the image itself, cropped by 2
    problem = learn.make_problem(image, centre_tap, (3, 3))
    identity3 = np.zeros((3, 3))
    identity3[1, 1] = 1.0
    # The 3×3 identity reproduces Y exactly: the cropped X lines up with Y.
    np.testing.assert_allclose(conv2d(problem.x, identity3), problem.y)


def test_noise_is_seeded():
    image = textured_image()
    a = learn.make_problem(image, SEED_TARGET, noise_std=0.1, seed=1)
    b = learn.make_problem(image, SEED_TARGET, noise_std=0.1, seed=1)
    c = learn.make_problem(image, SEED_TARGET, noise_std=0.1, seed=2)
    clean = learn.make_problem(image, SEED_TARGET)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, c.y)
    assert 0.08 < np.std(a.y - clean.y) < 0.12


@settings(max_examples=40, deadline=None)
@given(
    gen=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    learned=st.tuples(st.integers(1, 5), st.integers(1, 5)),
)
def test_problem_shapes_always_fit_the_learned_kernel(gen, learned):
    fits_inside = (gen[0] <= learned[0] and gen[1] <= learned[1]) or (
        gen[0] >= learned[0] and gen[1] >= learned[1]
    )
    image = textured_image((9, 9))
    if not fits_inside:
        with pytest.raises(ValueError, match="fit inside"):
            learn.make_problem(image, np.ones(gen), learned)
        return
    problem = learn.make_problem(image, np.ones(gen), learned)
    out_shape = (problem.x.shape[0] - learned[0] + 1, problem.x.shape[1] - learned[1] + 1)
    assert problem.y.shape == out_shape
    learn.init_state(problem.x, problem.y, learn.TrainConfig(kernel_shape=learned))


# ---------------------------------------------------------------------------------------------
# Errors in the user's terms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"lr": 0}, "learning rate must be a positive", id="lr-zero"),
        pytest.param({"lr": float("nan")}, "learning rate", id="lr-nan"),
        pytest.param({"init": "ones"}, "init must be", id="bad-init"),
        pytest.param({"kernel_shape": (0, 2)}, "at least 1×1", id="empty-kernel"),
        pytest.param({"kernel_shape": 3}, "two integers", id="kernel-not-pair"),
        pytest.param({"max_steps": -1}, "number of steps", id="negative-steps"),
    ],
)
def test_bad_config_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        learn.TrainConfig(**kwargs)


@pytest.mark.parametrize(
    ("x", "y", "shape", "match"),
    [
        pytest.param(np.ones((6, 8)), np.ones((6, 8)), (1, 2), "6×7 output", id="y-wrong-shape"),
        pytest.param(np.ones((2, 2)), np.ones((1, 1)), (3, 3), "larger than", id="kernel-too-big"),
        pytest.param(np.ones(8), np.ones(7), (1, 2), "2-D array", id="x-1d"),
        pytest.param(
            np.full((3, 3), np.nan), np.ones((3, 2)), (1, 2), "NaN", id="x-nan"
        ),
    ],
)
def test_bad_data_is_refused(x, y, shape, match):
    with pytest.raises(ValueError, match=match):
        learn.init_state(x, y, learn.TrainConfig(kernel_shape=shape))


def test_importing_convcore_does_not_import_torch():
    code = "import sys, convcore, convcore.learn; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
