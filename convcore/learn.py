"""Learning a kernel by gradient descent, one step at a time.

The setting is the one in d2l's "Learning a Kernel": an input image ``X`` of shape ``(H, W)``,
a target ``Y = X ⋆ K_true`` of shape ``(H − kh + 1, W − kw + 1)`` (``⋆`` is cross-correlation,
no padding, stride 1), and a kernel ``K`` of shape ``(kh, kw)`` (plus an optional scalar bias
``b``) fitted by plain gradient descent on the summed squared error::

    Ŷ = X ⋆ K + b,   L = Σ (Ŷ − Y)²,   ∂L/∂Y = 2 (Ŷ − Y),
    ∂L/∂K = X ⋆ ∂L/∂Y,   ∂L/∂b = Σ ∂L/∂Y,   K ← K − lr · ∂L/∂K.

The forward pass is :func:`convcore.conv.conv2d` and the gradient is
:func:`convcore.conv.conv2d_backward`, the hand-derived backward pass. Everything the trainer
knows lives in a :class:`TrainState`, a plain picklable object, so a caller (the app's live
loop) can advance one step, stop, store the state and resume later without losing anything.

Because ``Ŷ`` is linear in ``(K, b)``, the loss is a quadratic whose Hessian is ``2 AᵀA`` with
``A`` the im2col matrix of ``X`` (one row per window). That makes the behaviour predictable,
and :func:`analyse_problem` says it in numbers: gradient descent is stable exactly when
``lr < 2 / λmax``; the kernel is determined by the data only if ``AᵀA`` has full rank.

:func:`torch_trajectory` runs the same descent with PyTorch's ``nn.Conv2d`` and autograd
(as the book does). PyTorch is imported inside that function only, so importing convcore
never imports torch.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from convcore.conv import conv2d, conv2d_backward

__all__ = [
    "SEED_KERNEL",
    "LearningProblem",
    "ProblemAnalysis",
    "TrainConfig",
    "TrainState",
    "Trajectory",
    "analyse_problem",
    "best_fit",
    "im2col",
    "init_state",
    "initial_parameters",
    "kernel_error",
    "loss_and_gradients",
    "make_problem",
    "refresh_status",
    "seed_experiment",
    "seed_image",
    "step",
    "torch_trajectory",
    "train",
    "trajectory_of",
]

#: The kernel of the seeds' experiment: a vertical-edge detector, shape (1, 2).
SEED_KERNEL = np.array([[1.0, -1.0]])

Status = Literal["running", "done", "diverged"]
InitMode = Literal["random", "zeros"]


# ---------------------------------------------------------------------------------------------
# Problems: (X, Y) pairs
# ---------------------------------------------------------------------------------------------


def seed_image() -> np.ndarray:
    """The seeds' 6×8 image: white (1) columns 0–1 and 6–7, black (0) columns 2–5.

    Returns
    -------
    ndarray, shape (6, 8), float64
    """
    image = np.ones((6, 8))
    image[:, 2:6] = 0.0
    return image


def seed_experiment() -> tuple[np.ndarray, np.ndarray]:
    """The seeds' (X, Y) pair: X the 6×8 image, Y = X ⋆ [1, −1].

    Returns
    -------
    x : ndarray, shape (6, 8)
    y : ndarray, shape (6, 7)
        1 where white turns black (column 1), −1 where black turns white (column 5), else 0.
    """
    x = seed_image()
    return x, conv2d(x, SEED_KERNEL)


@dataclass(frozen=True)
class LearningProblem:
    """An (X, Y) pair to learn a kernel of ``kernel_shape`` from, and the truth if known.

    Attributes
    ----------
    x : ndarray, shape (H, W)
        Input the learned kernel slides over.
    y : ndarray, shape (H − kh + 1, W − kw + 1)
        Target output.
    kernel_shape : tuple of int
        ``(kh, kw)`` of the kernel to learn.
    true_kernel : ndarray, shape (kh, kw), or None
        The kernel that made ``y``, written at the learned size (a smaller generating kernel
        is centred in zeros). None when the generating kernel is larger than the learned one:
        then no kernel of the learned size reproduces ``y`` and there is nothing to compare to.
    generating_kernel : ndarray
        The kernel that made ``y``, at its own size.
    noise_std : float
        Standard deviation of the Gaussian noise added to ``y``.
    """

    x: np.ndarray
    y: np.ndarray
    kernel_shape: tuple[int, int]
    true_kernel: np.ndarray | None
    generating_kernel: np.ndarray
    noise_std: float = 0.0


def make_problem(
    image: np.ndarray,
    generating_kernel: np.ndarray,
    kernel_shape: tuple[int, int] | None = None,
    *,
    noise_std: float = 0.0,
    seed: int = 0,
) -> LearningProblem:
    """Build the (X, Y) pair for learning a ``kernel_shape`` kernel back from a filtered image.

    The learned kernel and the generating kernel must see windows centred on the same pixels:

    - generating kernel smaller than (or equal to) the learned one: it is centred in a
      zero kernel of the learned size (extra row/column at the bottom/right when the
      difference is odd) and ``Y = image ⋆ that``: the truth is exactly learnable;
    - generating kernel larger: ``Y = image ⋆ generating_kernel`` and ``X`` is ``image``
      cropped by the difference, so each output pixel of the learned kernel lines up with
      the target's; no kernel of the learned size can reproduce ``Y`` in general.

    Parameters
    ----------
    image : array_like, shape (H, W)
    generating_kernel : array_like, shape (gh, gw)
    kernel_shape : tuple of int, optional
        ``(kh, kw)`` of the kernel to learn; defaults to the generating kernel's shape.
    noise_std : float
        Standard deviation of Gaussian noise added to ``Y`` (0 for none).
    seed : int
        Seed of the noise generator.

    Returns
    -------
    LearningProblem

    Raises
    ------
    ValueError
        If the image or a kernel is not 2-D, or the image is too small for the kernels.
    """
    image = _as_2d_float(image, "the image")
    generating_kernel = _as_2d_float(generating_kernel, "the generating kernel")
    if kernel_shape is None:
        kernel_shape = generating_kernel.shape
    kernel_shape = _check_kernel_shape(kernel_shape)
    if not (math.isfinite(noise_std) and noise_std >= 0):
        raise ValueError(f"the noise level must be a number ≥ 0, got {noise_std!r}")

    gen_shape = generating_kernel.shape
    span = tuple(max(g, k) for g, k in zip(gen_shape, kernel_shape, strict=True))
    if image.shape[0] < span[0] or image.shape[1] < span[1]:
        raise ValueError(
            f"the {_fmt(image.shape)} image is smaller than the {_fmt(span)} kernel; "
            "use a larger image"
        )
    if gen_shape[0] <= kernel_shape[0] and gen_shape[1] <= kernel_shape[1]:
        true_kernel = _embed_centred(generating_kernel, kernel_shape)
        x, y = image, conv2d(image, true_kernel)
    elif gen_shape[0] >= kernel_shape[0] and gen_shape[1] >= kernel_shape[1]:
        true_kernel = None
        top, left = ((g - k) // 2 for g, k in zip(gen_shape, kernel_shape, strict=True))
        out_h = image.shape[0] - gen_shape[0] + 1
        out_w = image.shape[1] - gen_shape[1] + 1
        rows = slice(top, top + out_h + kernel_shape[0] - 1)
        cols = slice(left, left + out_w + kernel_shape[1] - 1)
        x = image[rows, cols]
        y = conv2d(image, generating_kernel)
    else:
        raise ValueError(
            f"a {_fmt(gen_shape)} generating kernel and a {_fmt(kernel_shape)} learned kernel: "
            "one must fit inside the other"
        )
    if noise_std > 0:
        y = y + np.random.default_rng(seed).normal(0.0, noise_std, size=y.shape)
    return LearningProblem(
        x=x,
        y=y,
        kernel_shape=kernel_shape,
        true_kernel=true_kernel,
        generating_kernel=generating_kernel,
        noise_std=float(noise_std),
    )


def _embed_centred(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Place ``kernel`` in the middle of a zero array of ``shape`` (extra zeros bottom/right)."""
    out = np.zeros(shape)
    top = (shape[0] - kernel.shape[0]) // 2
    left = (shape[1] - kernel.shape[1]) // 2
    out[top : top + kernel.shape[0], left : left + kernel.shape[1]] = kernel
    return out


# ---------------------------------------------------------------------------------------------
# The trainer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run.

    Attributes
    ----------
    lr : float
        Learning rate of plain gradient descent (the seeds use 3e-2).
    kernel_shape : tuple of int
        ``(kh, kw)`` of the learned kernel (the seeds: (1, 2)).
    use_bias : bool
        Learn a scalar bias too (the seeds: no).
    init : {"random", "zeros"}
        Initial kernel: uniform in ±1/√(kh·kw) like ``nn.Conv2d``'s default, or all zeros.
    seed : int
        Seed of the random initialisation.
    max_steps : int
        The run is "done" after this many steps.
    divergence_factor : float
        The run has diverged once the loss exceeds this multiple of the initial loss.
    rising_steps : int
        ... or once the loss has risen this many steps in a row to above the initial loss.
        The loss is a quadratic, so gradient descent with a stable rate never raises it.
    """

    lr: float = 3e-2
    kernel_shape: tuple[int, int] = (1, 2)
    use_bias: bool = False
    init: InitMode = "random"
    seed: int = 0
    max_steps: int = 10
    divergence_factor: float = 1e6
    rising_steps: int = 5

    def __post_init__(self) -> None:
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr!r}")
        object.__setattr__(self, "kernel_shape", _check_kernel_shape(self.kernel_shape))
        if self.init not in ("random", "zeros"):
            raise ValueError(f"init must be 'random' or 'zeros', got {self.init!r}")
        if not isinstance(self.max_steps, int) or self.max_steps < 0:
            raise ValueError(f"the number of steps must be an integer ≥ 0, got {self.max_steps!r}")
        if not self.divergence_factor > 1:
            raise ValueError(f"divergence_factor must be > 1, got {self.divergence_factor!r}")
        if not isinstance(self.rising_steps, int) or self.rising_steps < 1:
            raise ValueError(f"rising_steps must be an integer ≥ 1, got {self.rising_steps!r}")


@dataclass(frozen=True)
class TrainState:
    """Everything a run knows after ``step`` steps; picklable, never mutated.

    Attributes
    ----------
    kernel : ndarray, shape (kh, kw)
        Current kernel ``K_t``.
    bias : float
        Current bias (0.0 when the bias is off).
    step : int
        Number of updates applied so far.
    loss : float
        ``L(K_t, b_t)``, the summed squared error of the current parameters.
    grad_kernel : ndarray, shape (kh, kw)
        ``∂L/∂K`` at the current parameters: the direction the next step moves against.
    grad_bias : float
        ``∂L/∂b`` at the current parameters (0.0 when the bias is off).
    losses : tuple of float, length step + 1
        ``losses[t] = L(K_t, b_t)``; ``losses[0]`` is the initial loss.
    kernels : tuple of ndarray, length step + 1
        ``kernels[t] = K_t``.
    biases : tuple of float, length step + 1
    status : {"running", "done", "diverged"}
        "running" while more steps may be taken.
    message : str
        Why the run stopped ("" while running).
    suggested_lr : float or None
        A stable learning rate, set when the run diverged.
    """

    kernel: np.ndarray
    bias: float
    step: int
    loss: float
    grad_kernel: np.ndarray
    grad_bias: float
    losses: tuple[float, ...]
    kernels: tuple[np.ndarray, ...]
    biases: tuple[float, ...]
    status: Status = "running"
    message: str = ""
    suggested_lr: float | None = None

    @property
    def can_step(self) -> bool:
        """True while the run may take another step."""
        return self.status == "running"


def initial_parameters(config: TrainConfig) -> tuple[np.ndarray, float]:
    """The starting kernel and bias that ``config.init`` and ``config.seed`` describe.

    Random: uniform in ``±1/√(kh·kw)`` (the bound PyTorch's ``nn.Conv2d`` uses for one input
    channel), from ``numpy.random.default_rng(seed)``; the bias likewise when it is on.

    Returns
    -------
    kernel : ndarray, shape (kh, kw)
    bias : float
    """
    if config.init == "zeros":
        return np.zeros(config.kernel_shape), 0.0
    rng = np.random.default_rng(config.seed)
    bound = 1.0 / math.sqrt(config.kernel_shape[0] * config.kernel_shape[1])
    kernel = rng.uniform(-bound, bound, size=config.kernel_shape)
    bias = float(rng.uniform(-bound, bound)) if config.use_bias else 0.0
    return kernel, bias


def loss_and_gradients(
    x: np.ndarray, y: np.ndarray, kernel: np.ndarray, bias: float = 0.0, *, use_bias: bool = False
) -> tuple[float, np.ndarray, float]:
    """Summed squared error of ``x ⋆ kernel + bias`` against ``y``, and its gradients.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    y : ndarray, shape (H − kh + 1, W − kw + 1)
    kernel : ndarray, shape (kh, kw)
    bias : float
    use_bias : bool
        Whether the bias is a parameter (its gradient is reported as 0.0 otherwise).

    Returns
    -------
    loss : float
        ``Σ (Ŷ − Y)²``.
    grad_kernel : ndarray, shape (kh, kw)
        ``∂L/∂K = X ⋆ ∂L/∂Y`` with ``∂L/∂Y = 2 (Ŷ − Y)``, from ``conv2d_backward``.
    grad_bias : float
        ``Σ ∂L/∂Y`` (0.0 when ``use_bias`` is False).
    """
    x4 = x[None, None]
    w4 = kernel[None, None]
    b = np.array([bias]) if use_bias else None
    with np.errstate(over="ignore", invalid="ignore"):
        residual = conv2d(x4, w4, b)[0, 0] - y
        loss = float(np.sum(residual * residual))
        _, grad_w, grad_b = conv2d_backward(x4, w4, (2.0 * residual)[None, None])
    grad_bias = float(np.sum(grad_b)) if use_bias else 0.0
    return loss, np.asarray(grad_w)[0, 0], grad_bias


def init_state(x: np.ndarray, y: np.ndarray, config: TrainConfig) -> TrainState:
    """The state before any step: initial parameters, their loss and gradient.

    Parameters
    ----------
    x : array_like, shape (H, W)
    y : array_like, shape (H − kh + 1, W − kw + 1)
    config : TrainConfig

    Raises
    ------
    ValueError
        If ``x`` or ``y`` is not 2-D and finite, or their shapes do not fit ``kernel_shape``.
    """
    x, y = _check_pair(x, y, config.kernel_shape)
    kernel, bias = initial_parameters(config)
    loss, grad_kernel, grad_bias = loss_and_gradients(x, y, kernel, bias, use_bias=config.use_bias)
    state = TrainState(
        kernel=kernel,
        bias=bias,
        step=0,
        loss=loss,
        grad_kernel=grad_kernel,
        grad_bias=grad_bias,
        losses=(loss,),
        kernels=(kernel,),
        biases=(bias,),
    )
    return refresh_status(state, config)


def step(state: TrainState, x: np.ndarray, y: np.ndarray, config: TrainConfig) -> TrainState:
    """One gradient-descent step: ``K ← K − lr · ∂L/∂K`` (and the bias), as a new state.

    A state that cannot step ("done" or "diverged") is returned unchanged. When the new
    loss overflows, the step is not recorded (the state keeps the last finite parameters)
    and the run is marked "diverged"; when it grows past ``divergence_factor`` times the
    initial loss or rises ``rising_steps`` times in a row, the step is recorded and the run
    is marked "diverged". Either way ``suggested_lr`` says what rate would be stable.
    No exception is raised for a diverging run.

    Parameters
    ----------
    state : TrainState
    x : ndarray, shape (H, W)
    y : ndarray, shape (H − kh + 1, W − kw + 1)
    config : TrainConfig
        May differ from the one the run started with in ``lr`` and ``max_steps``.

    Returns
    -------
    TrainState
    """
    if not state.can_step:
        return state
    x, y = _check_pair(x, y, config.kernel_shape)
    if state.kernel.shape != config.kernel_shape:
        raise ValueError(
            f"the state holds a {_fmt(state.kernel.shape)} kernel but the settings ask for "
            f"{_fmt(config.kernel_shape)}; start a new run"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        kernel = state.kernel - config.lr * state.grad_kernel
        bias = state.bias - config.lr * state.grad_bias if config.use_bias else 0.0
    loss, grad_kernel, grad_bias = loss_and_gradients(x, y, kernel, bias, use_bias=config.use_bias)
    finite = (
        math.isfinite(loss)
        and bool(np.all(np.isfinite(kernel)))
        and bool(np.all(np.isfinite(grad_kernel)))
        and math.isfinite(bias)
        and math.isfinite(grad_bias)
    )
    if not finite:
        return _diverged(
            state,
            x,
            config,
            f"the loss overflowed at step {state.step + 1} (learning rate {config.lr:g})",
        )
    new_state = replace(
        state,
        kernel=kernel,
        bias=bias,
        step=state.step + 1,
        loss=loss,
        grad_kernel=grad_kernel,
        grad_bias=grad_bias,
        losses=(*state.losses, loss),
        kernels=(*state.kernels, kernel),
        biases=(*state.biases, bias),
    )
    reason = _divergence_reason(new_state.losses, config)
    if reason:
        return _diverged(new_state, x, config, reason)
    return refresh_status(new_state, config)


def train(
    x: np.ndarray, y: np.ndarray, config: TrainConfig, state: TrainState | None = None
) -> TrainState:
    """Step until the run is done (``config.max_steps``) or has diverged.

    Parameters
    ----------
    x, y : ndarray
        The (X, Y) pair, shapes as in :func:`step`.
    config : TrainConfig
    state : TrainState, optional
        Resume from here; default: a fresh :func:`init_state`.
    """
    if state is None:
        state = init_state(x, y, config)
    while state.can_step:
        state = step(state, x, y, config)
    return state


def refresh_status(state: TrainState, config: TrainConfig) -> TrainState:
    """Re-derive "running"/"done" from ``config.max_steps`` (a diverged run stays diverged).

    Lets a caller raise the number of steps of a finished run and continue it.
    """
    if state.status == "diverged":
        return state
    if state.step >= config.max_steps:
        if state.status == "done":
            return state
        return replace(state, status="done", message=f"finished {state.step} steps")
    if state.status == "running":
        return state
    return replace(state, status="running", message="")


def _divergence_reason(losses: tuple[float, ...], config: TrainConfig) -> str:
    """Why the loss history looks divergent, or "" if it does not."""
    initial, current = losses[0], losses[-1]
    step_count = len(losses) - 1
    if current > config.divergence_factor * max(initial, np.finfo(float).tiny):
        return (
            f"the loss grew to {current:.3g}, more than {config.divergence_factor:g}× its "
            f"initial value {initial:.3g}, by step {step_count}"
        )
    recent = losses[-config.rising_steps - 1 :]
    rising = len(recent) == config.rising_steps + 1 and all(
        later > earlier for earlier, later in itertools.pairwise(recent)
    )
    if rising and current > initial:
        return (
            f"the loss rose {config.rising_steps} steps in a row, to {current:.3g} at step "
            f"{step_count} (it started at {initial:.3g})"
        )
    return ""


def _diverged(state: TrainState, x: np.ndarray, config: TrainConfig, reason: str) -> TrainState:
    analysis = analyse_problem(x, config.kernel_shape, use_bias=config.use_bias)
    message = (
        f"Training diverged: {reason}. For this input, gradient descent is stable only for "
        f"learning rates below {analysis.lr_limit:.3g} (= 2/λmax, where λmax = "
        f"{analysis.lambda_max:.3g} is the loss's steepest curvature); try "
        f"{analysis.lr_suggested:.3g} (= 1/λmax)."
    )
    return replace(state, status="diverged", message=message, suggested_lr=analysis.lr_suggested)


# ---------------------------------------------------------------------------------------------
# What the data determine: curvature, stable rates, identifiability, best fit
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemAnalysis:
    """The loss's curvature for one input and kernel shape (the loss is a quadratic).

    Attributes
    ----------
    eigenvalues : ndarray, shape (n_params,)
        Eigenvalues of the Hessian ``2 AᵀA``, ascending (``A``: im2col matrix of X, plus a
        column of ones with the bias).
    lambda_max : float
        Largest eigenvalue: the steepest curvature.
    lr_limit : float
        ``2 / λmax``: gradient descent converges for every start only below this rate.
    lr_suggested : float
        ``1 / λmax``: comfortably stable (inf if the image is all zeros).
    rank : int
        How many independent combinations of the parameters the data determine.
    n_params : int
        Number of learned numbers (kh·kw, plus one with the bias).
    condition : float
        ``λmax / λmin`` (inf when the rank is deficient): large means slow convergence.
    """

    eigenvalues: np.ndarray
    lambda_max: float
    lr_limit: float
    lr_suggested: float
    rank: int
    n_params: int
    condition: float

    @property
    def identifiable(self) -> bool:
        """True if the data pin down every learned number (full rank)."""
        return self.rank == self.n_params


def im2col(x: np.ndarray, kernel_shape: tuple[int, int], *, use_bias: bool = False) -> np.ndarray:
    """The windows of ``x`` as rows: ``conv2d(x, K).ravel() == im2col(x, K.shape) @ K.ravel()``.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    kernel_shape : tuple of int
    use_bias : bool
        Append a column of ones (the bias's input).

    Returns
    -------
    ndarray, shape (out_h · out_w, kh · kw [+ 1])
    """
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel_shape)
    rows = windows.reshape(-1, kernel_shape[0] * kernel_shape[1])
    if use_bias:
        rows = np.hstack([rows, np.ones((rows.shape[0], 1))])
    return rows


def analyse_problem(
    x: np.ndarray, kernel_shape: tuple[int, int], *, use_bias: bool = False
) -> ProblemAnalysis:
    """Curvature of the summed-squared-error loss for input ``x`` and a ``kernel_shape`` kernel.

    Parameters
    ----------
    x : array_like, shape (H, W)
    kernel_shape : tuple of int
    use_bias : bool

    Returns
    -------
    ProblemAnalysis
    """
    x = _as_2d_float(x, "the input")
    kernel_shape = _check_kernel_shape(kernel_shape)
    a = im2col(x, kernel_shape, use_bias=use_bias)
    hessian = 2.0 * (a.T @ a)
    eigenvalues = np.linalg.eigvalsh(hessian)
    lambda_max = float(max(eigenvalues[-1], 0.0))
    tol = max(lambda_max, np.finfo(float).tiny) * hessian.shape[0] * 1e-10
    rank = int(np.sum(eigenvalues > tol))
    n_params = hessian.shape[0]
    if lambda_max == 0.0:
        return ProblemAnalysis(eigenvalues, 0.0, math.inf, math.inf, 0, n_params, math.inf)
    lambda_min = float(eigenvalues[0])
    condition = lambda_max / lambda_min if rank == n_params else math.inf
    return ProblemAnalysis(
        eigenvalues=eigenvalues,
        lambda_max=lambda_max,
        lr_limit=2.0 / lambda_max,
        lr_suggested=1.0 / lambda_max,
        rank=rank,
        n_params=n_params,
        condition=condition,
    )


def best_fit(
    x: np.ndarray, y: np.ndarray, kernel_shape: tuple[int, int], *, use_bias: bool = False
) -> tuple[np.ndarray, float, float]:
    """The least-squares kernel (minimum norm if not unique) and the lowest reachable loss.

    Returns
    -------
    kernel : ndarray, shape (kh, kw)
    bias : float
        0.0 when ``use_bias`` is False.
    loss : float
        ``Σ (X ⋆ kernel + bias − Y)²``: where gradient descent's loss levels off.
    """
    kernel_shape = _check_kernel_shape(kernel_shape)
    x, y = _check_pair(x, y, kernel_shape)
    a = im2col(x, kernel_shape, use_bias=use_bias)
    params, *_ = np.linalg.lstsq(a, y.ravel(), rcond=None)
    n_taps = kernel_shape[0] * kernel_shape[1]
    kernel = params[:n_taps].reshape(kernel_shape)
    bias = float(params[n_taps]) if use_bias else 0.0
    residual = a @ params - y.ravel()
    return kernel, bias, float(residual @ residual)


def kernel_error(kernel: np.ndarray, true_kernel: np.ndarray | None) -> float | None:
    """Frobenius distance ``‖K − K_true‖`` (None if there is no comparable truth)."""
    if true_kernel is None or np.shape(kernel) != np.shape(true_kernel):
        return None
    return float(np.linalg.norm(np.asarray(kernel) - true_kernel))


# ---------------------------------------------------------------------------------------------
# Trajectories and the PyTorch engine
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """Parameters and loss after every step of a run.

    Attributes
    ----------
    kernels : ndarray, shape (n_steps + 1, kh, kw)
    biases : ndarray, shape (n_steps + 1,)
    losses : ndarray, shape (n_steps + 1,)
        ``losses[t]`` is the loss of ``kernels[t]``.
    engine : str
        Who computed it ("convcore" or "pytorch").
    """

    kernels: np.ndarray
    biases: np.ndarray
    losses: np.ndarray
    engine: str = field(default="convcore")

    def max_difference(self, other: Trajectory) -> float:
        """Largest absolute difference in kernel, bias or loss over the common steps."""
        n = min(len(self.losses), len(other.losses))
        return float(
            max(
                np.max(np.abs(self.kernels[:n] - other.kernels[:n]), initial=0.0),
                np.max(np.abs(self.biases[:n] - other.biases[:n]), initial=0.0),
                np.max(np.abs(self.losses[:n] - other.losses[:n]), initial=0.0),
            )
        )


def trajectory_of(state: TrainState) -> Trajectory:
    """The history a :class:`TrainState` holds, as arrays."""
    return Trajectory(
        kernels=np.stack(state.kernels),
        biases=np.asarray(state.biases, dtype=float),
        losses=np.asarray(state.losses, dtype=float),
        engine="convcore",
    )


def torch_trajectory(
    x: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    n_steps: int | None = None,
    *,
    kernel: np.ndarray | None = None,
    bias: float | None = None,
) -> Trajectory:
    """The same gradient descent done the book's way: ``nn.Conv2d`` + autograd, in float64.

    Starts from ``initial_parameters(config)`` (or the given ``kernel``/``bias``), so its
    trajectory can be compared number by number with convcore's. Imports torch on first use.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    y : ndarray, shape (H − kh + 1, W − kw + 1)
    config : TrainConfig
    n_steps : int, optional
        Default ``config.max_steps``. Stops early if the loss stops being finite.
    kernel : ndarray, shape (kh, kw), optional
    bias : float, optional

    Returns
    -------
    Trajectory
        ``engine == "pytorch"``.
    """
    import torch  # here, not at the top: seconds to import, only this function needs it

    x, y = _check_pair(x, y, config.kernel_shape)
    n_steps = config.max_steps if n_steps is None else n_steps
    init_kernel, init_bias = initial_parameters(config)
    kernel = init_kernel if kernel is None else np.asarray(kernel, dtype=float)
    bias = init_bias if bias is None else float(bias)

    conv = torch.nn.Conv2d(
        1, 1, kernel_size=config.kernel_shape, bias=config.use_bias, dtype=torch.float64
    )
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(kernel.copy()).reshape(1, 1, *config.kernel_shape))
        if config.use_bias:
            conv.bias.fill_(bias)
    x_t = torch.from_numpy(x.copy()).reshape(1, 1, *x.shape)
    y_t = torch.from_numpy(y.copy()).reshape(1, 1, *y.shape)

    kernels, biases, losses = [], [], []
    for t in range(n_steps + 1):
        conv.zero_grad()
        loss = ((conv(x_t) - y_t) ** 2).sum()
        loss.backward()
        kernels.append(conv.weight.detach().reshape(config.kernel_shape).numpy().copy())
        biases.append(float(conv.bias.detach()[0]) if config.use_bias else 0.0)
        losses.append(float(loss.detach()))
        if t == n_steps or not math.isfinite(losses[-1]):
            break
        with torch.no_grad():
            conv.weight -= config.lr * conv.weight.grad
            if config.use_bias:
                conv.bias -= config.lr * conv.bias.grad
    return Trajectory(
        kernels=np.stack(kernels),
        biases=np.asarray(biases),
        losses=np.asarray(losses),
        engine="pytorch",
    )


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _fmt(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


def _as_2d_float(a, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (height × width), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return arr


def _check_kernel_shape(shape) -> tuple[int, int]:
    try:
        kh, kw = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"the kernel shape must be two integers (height, width), got {shape!r}"
        ) from None
    if kh < 1 or kw < 1:
        raise ValueError(f"the kernel must be at least 1×1, got {kh}×{kw}")
    return kh, kw


def _check_pair(x, y, kernel_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    x = _as_2d_float(x, "the input X")
    y = _as_2d_float(y, "the target Y")
    kh, kw = kernel_shape
    if kh > x.shape[0] or kw > x.shape[1]:
        raise ValueError(f"the {kh}×{kw} kernel is larger than the {_fmt(x.shape)} input X")
    expected = (x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    if y.shape != expected:
        raise ValueError(
            f"a {kh}×{kw} kernel turns the {_fmt(x.shape)} input X into a {_fmt(expected)} "
            f"output, but the target Y is {_fmt(y.shape)}"
        )
    return x, y
