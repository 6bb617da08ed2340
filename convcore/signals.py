"""Convolution of 1-D signals: the flip, the presets, causal smoothing, dilated causal stacks,
and generated data (a noisy sensor, daily temperatures, a chirp, text as one-hot channels).

Everything is computed with :func:`convcore.conv1d` (PyTorch's cross-correlation):

* true convolution ``(x ∗ k)[n] = Σ_m x[m]·k[n − m]`` is the cross-correlation with the
  kernel reversed (:func:`convolve1d` / :func:`correlate1d`); it is commutative, the
  cross-correlation is not; for a symmetric kernel they agree.
* Goodfellow's sensor: a noisy position smoothed by ``s(t) = Σ_{a ≥ 0} x(t − a)·w(a)``, a
  weighting of the *recent* readings only — a causal kernel, zero for ``a < 0``
  (:func:`noisy_sensor`, :func:`causal_weights`, :func:`causal_smooth`).
* A stack of causal convolutions whose dilation doubles per layer (as in WaveNet-style audio
  models) doubles its receptive field per layer (:func:`dilated_causal_stack`).

    >>> convolve1d([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> correlate1d([1, 2, 3], [0, 1, 0.5], mode="valid")
    array([3.5])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from convcore.conv import conv1d
from convcore.shapes import as_tuple

__all__ = [
    "KERNEL_1D_NAMES",
    "CausalLayer",
    "causal_smooth",
    "causal_stack_forward",
    "causal_weights",
    "chirp",
    "convolve1d",
    "correlate1d",
    "daily_temperatures",
    "dilated_causal_stack",
    "kernel_1d",
    "ngram_detector",
    "noisy_sensor",
    "one_hot_text",
]

CONVOLUTION_MODES = ("full", "same", "valid")


def _signal(x, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    return a.astype(np.float64)


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {value!r}")
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be positive and finite, got {v}")
    return v


def _count(value, name: str, minimum: int = 1) -> int:
    (n,) = as_tuple(value, 1, name, minimum=minimum)
    return n


# --------------------------------------------------------------------------- the flip


def correlate1d(x, k, mode: str = "full") -> np.ndarray:
    """Cross-correlation ``c[n] = Σ_m x[n + m]·k[m]`` — what deep-learning libraries call
    convolution (``conv1d``).

    Parameters
    ----------
    x, k : array_like, shape (L,) and (K,)
    mode : {"full", "same", "valid"}
        Zero padding of ``K − 1`` on both sides (every overlap), PyTorch's ``"same"`` (the
        extra cell after, for even ``K``) or none.

    Returns
    -------
    ndarray
        Length ``L + K − 1``, ``L`` or ``L − K + 1``. ``"full"`` equals
        ``np.correlate(x, k, "full")``.
    """
    xs, ks = _signal(x, "x"), _signal(k, "k")
    if mode not in CONVOLUTION_MODES:
        raise ValueError(f"mode must be one of {CONVOLUTION_MODES}, not {mode!r}")
    return conv1d(xs, ks, padding=mode)


def convolve1d(x, k, mode: str = "full") -> np.ndarray:
    """True convolution ``(x ∗ k)[n] = Σ_m x[m]·k[n − m]``: the cross-correlation with the
    kernel reversed.

    Commutative in ``"full"`` mode (``convolve1d(x, k) == convolve1d(k, x)``), equal to
    ``np.convolve(x, k, "full")``; for a symmetric kernel equal to :func:`correlate1d`.
    """
    return correlate1d(x, _signal(k, "k")[::-1], mode)


# --------------------------------------------------------------------------- presets

#: The 1-D kernel presets of the page.
KERNEL_1D_NAMES = ("moving average", "difference", "second difference", "gaussian")


def kernel_1d(name: str, size: int = 3, sigma: float = 1.0) -> np.ndarray:
    """A 1-D kernel preset.

    Parameters
    ----------
    name : {"moving average", "difference", "second difference", "gaussian"}
        ``size`` times ``1/size``; ``[1, −1]``; ``[1, −2, 1]``; a sampled, normalised
        Gaussian of ``size`` taps (odd) — the row whose outer product is
        :func:`convcore.gaussian_kernel`.
    size : int
        Taps of the moving average and the Gaussian (ignored by the differences).
    sigma : float
        The Gaussian's standard deviation, in samples.

    Returns
    -------
    ndarray, shape (K,)
    """
    if name == "difference":
        return np.array([1.0, -1.0])
    if name == "second difference":
        return np.array([1.0, -2.0, 1.0])
    n = _count(size, "size")
    if name == "moving average":
        return np.full(n, 1.0 / n)
    if name == "gaussian":
        if n % 2 == 0:
            raise ValueError(f"a Gaussian kernel needs an odd size (a centre tap), got {n}")
        s = _positive(sigma, "sigma")
        offsets = np.arange(n) - n // 2
        row = np.exp(-(offsets**2) / (2.0 * s**2))
        return row / row.sum()
    raise ValueError(f"there is no 1-D kernel preset called {name!r}; "
                     f"available: {', '.join(KERNEL_1D_NAMES)}")


# --------------------------------------------------------------------------- the sensor


def noisy_sensor(n: int = 100, *, seed: int = 0, noise: float = 0.5,
                 dt: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Goodfellow's spaceship tracked by a noisy laser sensor.

    The true position drifts smoothly (a steady speed plus a slow swing); each reading adds
    independent Gaussian noise.

    Parameters
    ----------
    n : int
        Number of readings.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same readings.
    noise : float
        Standard deviation of the sensor noise.
    dt : float
        Time between readings.

    Returns
    -------
    (true, measured) : ndarray, ndarray, each shape (n,)
    """
    count = _count(n, "n")
    sigma = _positive(noise, "noise")
    step = _positive(dt, "dt")
    rng = np.random.default_rng(seed)
    t = np.arange(count) * step
    true = 2.0 * t + 3.0 * np.sin(0.5 * t)
    return true, true + rng.normal(0.0, sigma, count)


def causal_weights(length: int, decay: float = 0.5) -> np.ndarray:
    """``w(a)`` for ages ``a = 0, 1, …, length − 1``: ``decay^a``, normalised to sum 1.

    "A weighting function ``w(a)``, where ``a`` is the age of a measurement": recent readings
    count more. Defined for ``a ≥ 0`` only: the kernel of a causal smoother.
    """
    n = _count(length, "length")
    d = _positive(decay, "decay")
    if d > 1:
        raise ValueError(f"decay must be at most 1 (older readings count less), got {d}")
    w = d ** np.arange(n, dtype=np.float64)
    return w / w.sum()


def causal_smooth(x, w) -> np.ndarray:
    """``s(t) = Σ_{a=0}^{K−1} x(t − a)·w(a)``: only past and present readings (zero before
    the first).

    Computed as ``conv1d`` of ``x`` with ``w`` reversed and ``K − 1`` zeros on the left —
    so ``s[t]`` never depends on ``x[t + 1:]``. Equal to ``np.convolve(x, w)[:len(x)]``.

    Parameters
    ----------
    x : array_like, shape (L,)
    w : array_like, shape (K,)
        ``w[a]``: the weight of a reading ``a`` steps old.

    Returns
    -------
    ndarray, shape (L,)
    """
    xs, ws = _signal(x, "x"), _signal(w, "w")
    return conv1d(xs, ws[::-1], padding=((len(ws) - 1, 0),))


# --------------------------------------------------------------------------- dilated stack


@dataclass(frozen=True)
class CausalLayer:
    """One layer of a dilated causal stack.

    Attributes
    ----------
    layer : int
        1-based position.
    dilation : int
    pads : (int, int)
        ``(left, right)`` = ``((K − 1)·dilation, 0)``: causal, the length is kept.
    in_length, out_length : int
    receptive_field : int
        Input samples one output sample of this layer depends on:
        ``1 + (K − 1)·Σ dilations so far``.
    """

    layer: int
    dilation: int
    pads: tuple[int, int]
    in_length: int
    out_length: int
    receptive_field: int


def dilated_causal_stack(length: int, layers: int = 4, kernel_size: int = 2,
                         dilations=None) -> list[CausalLayer]:
    """Shapes and receptive fields of a stack of causal 1-D convolutions.

    Parameters
    ----------
    length : int
        Input length.
    layers : int
        Number of layers (ignored when ``dilations`` is given).
    kernel_size : int
    dilations : sequence of int, optional
        Per layer; default ``1, 2, 4, …`` — with ``kernel_size=2`` the receptive field
        doubles per layer: 2, 4, 8, 16, …

    Returns
    -------
    list of CausalLayer
    """
    n = _count(length, "length")
    k = _count(kernel_size, "kernel_size")
    if dilations is None:
        dilations = [2**i for i in range(_count(layers, "layers", minimum=0))]
    rows, field = [], 1
    for position, d in enumerate(dilations, start=1):
        dilation = _count(d, f"dilation of layer {position}")
        field += (k - 1) * dilation
        pads = ((k - 1) * dilation, 0)
        rows.append(CausalLayer(position, dilation, pads, n, n, field))
    return rows


def causal_stack_forward(x, weights, dilations) -> list[np.ndarray]:
    """Run a dilated causal stack (no nonlinearity): each layer ``conv1d`` with its dilation
    and ``(K − 1)·dilation`` zeros on the left.

    Parameters
    ----------
    x : array_like, shape (L,) or (C, L)
    weights : sequence of array_like
        Layer ``l``'s weight: ``(K,)`` for a 1-D signal or ``(C_out, C_in, K)``.
    dilations : sequence of int

    Returns
    -------
    list of ndarray
        Every layer's output, each the length of ``x``.
    """
    if len(weights) != len(dilations):
        raise ValueError(f"one weight per dilation: got {len(weights)} weights and "
                         f"{len(dilations)} dilations")
    out, outputs = np.asarray(x, dtype=np.float64), []
    for position, (w, d) in enumerate(zip(weights, dilations, strict=True), start=1):
        w = np.asarray(w, dtype=np.float64)
        dilation = _count(d, f"dilation of layer {position}")
        out = conv1d(out, w, padding=(((w.shape[-1] - 1) * dilation, 0),), dilation=dilation)
        outputs.append(out)
    return outputs


# --------------------------------------------------------------------------- data


def daily_temperatures(days: int = 365, *, seed: int = 0, mean: float = 11.0,
                       amplitude: float = 9.0, noise: float = 2.5,
                       coldest_day: int = 15) -> np.ndarray:
    """A year of daily mean temperatures (°C): a seasonal cosine plus day-to-day weather.

    The weather is an AR(1) process (today's anomaly keeps 60 % of yesterday's) with
    standard deviation ``noise``; the same ``seed`` gives the same year.

    Returns
    -------
    ndarray, shape (days,)
    """
    n = _count(days, "days")
    sigma = _positive(noise, "noise")
    rng = np.random.default_rng(seed)
    day = np.arange(n)
    season = mean - amplitude * np.cos(2 * np.pi * (day - coldest_day) / 365.0)
    shocks = rng.normal(0.0, sigma * math.sqrt(1 - 0.6**2), n)
    weather = np.empty(n)
    weather[0] = rng.normal(0.0, sigma)
    for i in range(1, n):
        weather[i] = 0.6 * weather[i - 1] + shocks[i]
    return season + weather


def chirp(n: int = 400, *, f0: float = 1.0, f1: float = 20.0, duration: float = 2.0,
          seed: int | None = None, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """An audio-like chirp: ``sin(2π·(f0·t + (f1 − f0)·t² / (2·duration)))``, the frequency
    rising linearly from ``f0`` to ``f1`` Hz, optionally with seeded Gaussian noise.

    Returns
    -------
    (t, signal) : ndarray, ndarray, each shape (n,)
    """
    count = _count(n, "n")
    length = _positive(duration, "duration")
    t = np.arange(count) * (length / count)
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * length))
    signal = np.sin(phase)
    if noise:
        signal = signal + np.random.default_rng(seed).normal(0.0, _positive(noise, "noise"),
                                                             count)
    return t, signal


def one_hot_text(text: str, alphabet: str | None = None) -> tuple[np.ndarray, str]:
    """A sentence as one-hot character vectors: one channel per letter of the alphabet.

    Parameters
    ----------
    text : str
    alphabet : str, optional
        The channels, in order; default: the sorted distinct characters of ``text``.

    Returns
    -------
    (x, alphabet) : ndarray of shape (len(alphabet), len(text)), str
        ``x[c, n] = 1`` when character ``n`` is ``alphabet[c]``: ready for ``conv1d`` with
        ``C_in = len(alphabet)``.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, not {text!r}")
    letters = "".join(sorted(set(text))) if alphabet is None else alphabet
    if not isinstance(letters, str) or len(set(letters)) != len(letters):
        raise ValueError(f"alphabet must be a string of distinct characters, got {letters!r}")
    missing = sorted(set(text) - set(letters))
    if missing:
        raise ValueError(f"the text uses characters outside the alphabet: {''.join(missing)!r}")
    index = {ch: i for i, ch in enumerate(letters)}
    x = np.zeros((len(letters), len(text)))
    x[[index[ch] for ch in text], np.arange(len(text))] = 1.0
    return x, letters


def ngram_detector(ngram: str, alphabet: str) -> tuple[np.ndarray, np.ndarray]:
    """A kernel that fires on a character n-gram: weight ``(1, C, n)`` and bias ``(1,)``.

    Tap ``j`` has weight 1 on the channel of ``ngram[j]`` and 0 elsewhere; the bias is
    ``−(n − 1)``. On one-hot text, ``conv1d`` gives 1 exactly where the n-gram starts and at
    most 0 everywhere else (ReLU keeps the hits only).
    """
    if not isinstance(ngram, str) or not ngram:
        raise ValueError(f"the n-gram must be a non-empty string, not {ngram!r}")
    missing = sorted(set(ngram) - set(alphabet))
    if missing:
        raise ValueError(f"the n-gram uses characters outside the alphabet: "
                         f"{''.join(missing)!r}")
    weight = np.zeros((1, len(alphabet), len(ngram)))
    for j, ch in enumerate(ngram):
        weight[0, alphabet.index(ch), j] = 1.0
    return weight, np.array([-(len(ngram) - 1.0)])
