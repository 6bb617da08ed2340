"""The built-in network: LeNet for the generated shapes, its shipped weights, live training.

The network is d2l's LeNet (section "Convolutional Neural Networks (LeNet)") with two
modern changes d2l itself suggests as exercises: ReLU instead of the sigmoid and max
pooling instead of average pooling (both train much faster from random weights, and ReLU's
zeros make the feature maps easier to read), and five outputs for the five classes of
:mod:`convcore.datasets`. :data:`GAP_TEXT` is the same convolutional part with the dense
layers replaced by a 1×1 convolution and global average pooling (Goodfellow 9.7): it takes
inputs of any size.

:class:`LiveTrainer` trains either from random weights with PyTorch, a few steps per call,
so a page can draw the loss, the accuracy and the first layer's kernels as they change and
pause whenever it likes. ``assets/train_network.py`` runs the same trainer to make the
shipped weights, which :func:`builtin_network` loads.

PyTorch is imported only by :class:`LiveTrainer`.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convcore.datasets import CLASS_NAMES, shapes_dataset
from convcore.network import Network, from_pytorch

__all__ = [
    "ASSETS_DIR",
    "GAP_TEXT",
    "LENET_TEXT",
    "VARIANTS",
    "LiveTrainer",
    "TrainingConfig",
    "TrainingSlots",
    "TrainingSnapshot",
    "as_network_input",
    "build_torch_model",
    "builtin_network",
    "weights_path",
]

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"

_CONV_PART = """\
  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (1): ReLU()
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (3): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (4): ReLU()
  (5): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
"""
#: ``print(model)`` of the built-in LeNet (d2l's, with ReLU and max pooling, 5 classes).
LENET_TEXT = f"""Sequential(
{_CONV_PART}  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=400, out_features=120, bias=True)
  (8): ReLU()
  (9): Linear(in_features=120, out_features=84, bias=True)
  (10): ReLU()
  (11): Linear(in_features=84, out_features={len(CLASS_NAMES)}, bias=True)
)"""
#: The same convolutional part, then two 1×1 convolutions (a small dense network applied at
#: every position) to one map per class, and the average of each map (global average pooling).
GAP_TEXT = f"""Sequential(
{_CONV_PART}  (6): Conv2d(16, 64, kernel_size=(1, 1), stride=(1, 1))
  (7): ReLU()
  (8): Conv2d(64, {len(CLASS_NAMES)}, kernel_size=(1, 1), stride=(1, 1))
  (9): AdaptiveAvgPool2d(output_size=1)
  (10): Flatten(start_dim=1, end_dim=-1)
)"""
VARIANTS = {"lenet": LENET_TEXT, "gap": GAP_TEXT}


def weights_path(variant: str = "lenet") -> Path:
    """Where the shipped weights of ``variant`` ("lenet" or "gap") live."""
    _check_variant(variant)
    return ASSETS_DIR / ("lenet_shapes.npz" if variant == "lenet" else "lenet_shapes_gap.npz")


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}")


def builtin_network(variant: str = "lenet", path: Path | str | None = None) -> Network:
    """The shipped, trained network (float32).

    Parameters
    ----------
    variant : {"lenet", "gap"}
    path : path, optional
        An ``.npz`` of the state dict (default: the file in ``assets/``).

    Returns
    -------
    Network
        ``from_pytorch(VARIANTS[variant], weights)``.
    """
    _check_variant(variant)
    with np.load(weights_path(variant) if path is None else path, allow_pickle=False) as data:
        state = {key: data[key] for key in data.files}
    return from_pytorch(VARIANTS[variant], state)


def as_network_input(image, size: int = 28) -> np.ndarray:
    """Any grayscale picture — a painted grid, an uploaded photo — as an input like the data.

    The data are bright strokes on a dark background, so a picture that is mostly bright
    (dark ink on paper) is inverted; it is then padded to a square with its background,
    resized to ``size × size`` (area averaging when shrinking, nearest cell when enlarging,
    so a 14×14 painted grid becomes exact 2×2 blocks) and scaled to [0, 1].

    Parameters
    ----------
    image : array_like, (H, W)
        Any real values (e.g. 0–255, or 0/1 cells).
    size : int

    Returns
    -------
    np.ndarray
        ``(1, size, size)`` float32.
    """
    from convcore.image import downsample

    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or 0 in img.shape:
        raise ValueError(f"the picture must be a 2-D grayscale array, got shape {img.shape}")
    if not np.all(np.isfinite(img)):
        raise ValueError("the picture contains NaN or infinite values")
    lo, hi = float(img.min()), float(img.max())
    img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    if img.mean() > 0.5:  # dark strokes on a light background: make it like the data
        img = 1.0 - img
    h, w = img.shape
    side = max(h, w)
    square = np.zeros((side, side))
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = img
    if side >= size:
        out = downsample(square, (size, size))
    else:
        index = (np.arange(size) * side) // size
        out = square[np.ix_(index, index)]
    return out[None].astype(np.float32)


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of a training run.

    Attributes
    ----------
    variant : {"lenet", "gap"}
    lr : float
        Adam's learning rate at the start.
    decay_steps : int or None
        The learning rate falls linearly to ``final_lr_fraction · lr`` over this many steps
        and stays there (None: constant).
    final_lr_fraction : float
    batch_size : int
    seed : int
        Seeds the initial weights (PyTorch's default initialisation) and the order of the
        examples; the global random state of PyTorch is left alone.
    eval_every : int
        Steps between two measurements of the test accuracy.
    threads : int or None
        ``torch.set_num_threads`` during the steps (restored afterwards); None: leave it.
    """

    variant: str = "lenet"
    lr: float = 4e-3
    decay_steps: int | None = 1000
    final_lr_fraction: float = 0.05
    batch_size: int = 64
    seed: int = 0
    eval_every: int = 100
    threads: int | None = None

    def __post_init__(self) -> None:
        _check_variant(self.variant)
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and
                0 < self.lr <= 1):
            raise ValueError(f"the learning rate must be a number in (0, 1], not {self.lr!r}")
        if self.decay_steps is not None and (isinstance(self.decay_steps, bool) or not
                                             isinstance(self.decay_steps, int) or
                                             self.decay_steps < 1):
            raise ValueError(f"decay_steps must be a positive integer or None, not "
                             f"{self.decay_steps!r}")
        if not (isinstance(self.final_lr_fraction, int | float) and
                0 <= self.final_lr_fraction <= 1):
            raise ValueError(f"final_lr_fraction must be a number from 0 to 1, not "
                             f"{self.final_lr_fraction!r}")
        for name in ("batch_size", "eval_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
                raise ValueError(f"{name} must be an integer from 1 to 10000, not {value!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise ValueError(f"threads must be a positive integer or None, not {self.threads!r}")


@dataclass(frozen=True)
class TrainingSnapshot:
    """What a run has done so far (arrays are copies).

    Attributes
    ----------
    step : int
        Updates applied.
    epoch : float
        ``step · batch_size / training-set size``.
    seconds : float
        Time spent in steps and evaluations.
    losses : np.ndarray
        ``(step,)`` cross-entropy of each step's batch, before its update.
    batch_accuracies : np.ndarray
        ``(step,)`` fraction of each batch classified right, before its update.
    eval_steps : np.ndarray
        ``(k,)`` the steps at which the test accuracy was measured (0 included).
    test_accuracies : np.ndarray
        ``(k,)`` accuracy on the whole test set at those steps.
    kernels : np.ndarray
        ``(6, 5, 5)`` the first layer's kernels now.
    """

    step: int
    epoch: float
    seconds: float
    losses: np.ndarray
    batch_accuracies: np.ndarray
    eval_steps: np.ndarray
    test_accuracies: np.ndarray
    kernels: np.ndarray

    @property
    def test_accuracy(self) -> float:
        """The latest measured test accuracy."""
        return float(self.test_accuracies[-1])


class LiveTrainer:
    """Trains the built-in network with PyTorch, ``n`` steps per call.

    Parameters
    ----------
    config : TrainingConfig
    data : (x_train, y_train, x_test, y_test), optional
        Default: :func:`convcore.datasets.shapes_dataset`'s train and test sets (generated in
        about a second: a page that trains repeatedly should cache them and pass them in).

    Examples
    --------
    >>> trainer = LiveTrainer(TrainingConfig(seed=1))       # doctest: +SKIP
    >>> snap = trainer.run(100)                             # doctest: +SKIP
    >>> snap.step, snap.kernels.shape                       # doctest: +SKIP
    (100, (6, 5, 5))
    """

    def __init__(self, config: TrainingConfig | None = None, data=None):
        import torch  # here, not at the top: seconds to import, only training needs it

        self.config = config = TrainingConfig() if config is None else config
        if data is None:
            data = (*shapes_dataset("train"), *shapes_dataset("test"))
        x_train, y_train, x_test, y_test = (np.asarray(a) for a in data)
        with warnings.catch_warnings():  # read-only shared arrays: the trainer never writes
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            self._x_train = torch.from_numpy(np.ascontiguousarray(x_train, dtype=np.float32))
            self._y_train = torch.from_numpy(np.ascontiguousarray(y_train, dtype=np.int64))
            self._x_test = torch.from_numpy(np.ascontiguousarray(x_test, dtype=np.float32))
            self._y_test = torch.from_numpy(np.ascontiguousarray(y_test, dtype=np.int64))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.model = build_torch_model(config.variant)
        self._optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self._rng = np.random.default_rng(config.seed)
        self._order = np.empty(0, dtype=np.int64)
        self._step = 0
        self._seconds = 0.0
        self._losses: list[float] = []
        self._batch_accuracies: list[float] = []
        self._eval_steps: list[int] = []
        self._test_accuracies: list[float] = []
        self._evaluate()

    @property
    def step(self) -> int:
        """Updates applied so far."""
        return self._step

    def run(self, steps: int) -> TrainingSnapshot:
        """Apply ``steps`` more updates (measuring the test accuracy every ``eval_every``
        steps and after the last one) and return the new snapshot."""
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 100_000:
            raise ValueError(f"steps must be an integer from 0 to 100000, not {steps!r}")
        import torch

        old_threads = torch.get_num_threads()
        if self.config.threads is not None:
            torch.set_num_threads(self.config.threads)
        try:
            for _ in range(steps):
                self._one_step(torch)
                if self._step % self.config.eval_every == 0:
                    self._evaluate()
            if self._eval_steps[-1] != self._step:
                self._evaluate()
        finally:
            torch.set_num_threads(old_threads)
        return self.snapshot()

    def run_until(self, accuracy: float, max_seconds: float = 60.0) -> TrainingSnapshot:
        """Train until the test accuracy reaches ``accuracy`` or ``max_seconds`` have passed."""
        start = time.perf_counter()
        while (self._test_accuracies[-1] < accuracy
               and time.perf_counter() - start < max_seconds):
            self.run(self.config.eval_every - self._step % self.config.eval_every)
        return self.snapshot()

    def _next_batch(self) -> np.ndarray:
        size = self.config.batch_size
        if self._order.size < size:  # a new epoch: a fresh permutation
            n = len(self._y_train)
            self._order = np.concatenate([self._order, self._rng.permutation(n)])
        batch, self._order = self._order[:size], self._order[size:]
        return batch

    def learning_rate(self, step: int | None = None) -> float:
        """The learning rate of step ``step`` (default: the next one)."""
        c = self.config
        t = self._step if step is None else step
        if c.decay_steps is None:
            return c.lr
        progress = min(t / c.decay_steps, 1.0)
        return c.lr * (1 - progress * (1 - c.final_lr_fraction))

    def _one_step(self, torch) -> None:
        start = time.perf_counter()
        for group in self._optimizer.param_groups:
            group["lr"] = self.learning_rate()
        batch = torch.from_numpy(self._next_batch())
        x, y = self._x_train[batch], self._y_train[batch]
        self.model.train()
        logits = self.model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        self._optimizer.zero_grad()
        loss.backward()
        self._optimizer.step()
        self._step += 1
        self._losses.append(float(loss.detach()))
        self._batch_accuracies.append(int((logits.argmax(1) == y).sum()) / len(y))
        self._seconds += time.perf_counter() - start

    def _evaluate(self) -> None:
        import torch

        start = time.perf_counter()
        self.model.eval()
        with torch.no_grad():
            predicted = self.model(self._x_test).argmax(1)
        self._eval_steps.append(self._step)
        # counted exactly: a float32 mean makes 1920/2000 = 0.95999998 < 0.96
        self._test_accuracies.append(int((predicted == self._y_test).sum()) / len(self._y_test))
        self._seconds += time.perf_counter() - start

    def snapshot(self) -> TrainingSnapshot:
        """The run so far."""
        first = self.model[0].weight.detach().numpy()[:, 0].copy()
        return TrainingSnapshot(
            step=self._step,
            epoch=self._step * self.config.batch_size / len(self._y_train),
            seconds=self._seconds,
            losses=np.array(self._losses),
            batch_accuracies=np.array(self._batch_accuracies),
            eval_steps=np.array(self._eval_steps, dtype=np.int64),
            test_accuracies=np.array(self._test_accuracies),
            kernels=first,
        )

    def state_dict(self) -> dict[str, np.ndarray]:
        """The current weights as NumPy arrays (float32 copies)."""
        return {key: value.detach().numpy().copy()
                for key, value in self.model.state_dict().items()}

    def network(self) -> Network:
        """The current weights as a convcore :class:`Network`."""
        return from_pytorch(VARIANTS[self.config.variant], self.state_dict())


class TrainingSlots:
    """At most ``limit`` holders (sessions of a server) train at once.

    A holder takes a slot with :meth:`acquire` before each batch of steps and gives it back
    with :meth:`release`; a holder that has not called :meth:`acquire` for ``timeout_s``
    seconds (a closed browser tab) loses its slot. Thread-safe.

    Parameters
    ----------
    limit : int
        Most simultaneous holders.
    timeout_s : float
        Seconds after which a silent holder's slot is free again.
    """

    def __init__(self, limit: int, timeout_s: float):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"the limit of simultaneous trainings must be a positive "
                             f"integer, not {limit!r}")
        if not (isinstance(timeout_s, int | float) and timeout_s > 0):
            raise ValueError(f"the slot timeout must be a positive number of seconds, not "
                             f"{timeout_s!r}")
        self.limit, self.timeout_s = limit, timeout_s
        self._lock = threading.Lock()
        self._holders: dict[str, float] = {}

    def acquire(self, who: str) -> bool:
        """Take (or keep) a slot for ``who``; False when all are taken."""
        now = time.monotonic()
        with self._lock:
            self._holders = {k: t for k, t in self._holders.items()
                             if now - t < self.timeout_s}
            if who in self._holders or len(self._holders) < self.limit:
                self._holders[who] = now
                return True
            return False

    def holders(self) -> int:
        """How many slots are taken now (stale ones not counted)."""
        now = time.monotonic()
        with self._lock:
            return sum(1 for t in self._holders.values() if now - t < self.timeout_s)

    def release(self, who: str) -> None:
        """Give ``who``'s slot back (nothing if it has none)."""
        with self._lock:
            self._holders.pop(who, None)


def build_torch_model(variant: str = "lenet"):
    """The PyTorch ``nn.Sequential`` whose ``print`` is ``VARIANTS[variant]`` (random weights
    from PyTorch's global generator)."""
    _check_variant(variant)
    from torch import nn

    n_classes = len(CLASS_NAMES)
    conv_part = [nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                 nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2)]
    if variant == "lenet":
        head = [nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                nn.ReLU(), nn.Linear(84, n_classes)]
    else:
        head = [nn.Conv2d(16, 64, kernel_size=1), nn.ReLU(),
                nn.Conv2d(64, n_classes, kernel_size=1), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*conv_part, *head)
