"""Gabor filters, and how much a learned kernel looks like one (Goodfellow 9.10).

Goodfellow et al. note that the first-layer kernels of trained convolutional networks, like
the receptive fields of simple cells in V1, are well described by Gabor functions: a
Gaussian envelope times a cosine wave,

    w(x, y) = exp(−(x'² + γ²·y'²) / (2σ²)) · cos(2π·x'/λ + φ),
    x' = x·cos θ + y·sin θ,   y' = −x·sin θ + y·cos θ,

with orientation θ, wavelength λ, phase φ, envelope width σ and aspect ratio γ.

:func:`gabor_bank` makes a bank of them at a kernel's size; :func:`gabor_similarity`
finds, for each learned kernel, the bank filter it correlates with best (normalised
correlation: both made zero-mean and unit-length, so only the pattern counts — not its
brightness or contrast); :func:`random_baseline` says what score random kernels of the same
size get, so that "similar" means "more similar than chance".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "GaborBank",
    "GaborMatch",
    "gabor_bank",
    "gabor_kernel",
    "gabor_similarity",
    "normalised",
    "random_baseline",
]


def gabor_kernel(size: int, theta: float, wavelength: float, phase: float = 0.0,
                 sigma: float | None = None, gamma: float = 1.0) -> np.ndarray:
    """One Gabor filter.

    Parameters
    ----------
    size : int
        Height and width (odd sizes centre the filter on a pixel).
    theta : float
        Orientation of the wave's direction, radians.
    wavelength : float
        λ, in pixels.
    phase : float
        φ, radians (0: an even, line-like filter; π/2: an odd, edge-like one).
    sigma : float, optional
        Envelope width; default ``0.5 · wavelength``.
    gamma : float
        Aspect ratio of the envelope.

    Returns
    -------
    np.ndarray, (size, size)
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 64:
        raise ValueError(f"size must be an integer from 1 to 64, not {size!r}")
    if not wavelength > 0:
        raise ValueError(f"wavelength must be positive, not {wavelength!r}")
    sigma = 0.5 * wavelength if sigma is None else sigma
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, not {sigma!r}")
    half = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(float) - half
    xr = x * math.cos(theta) + y * math.sin(theta)
    yr = -x * math.sin(theta) + y * math.cos(theta)
    envelope = np.exp(-(xr ** 2 + gamma ** 2 * yr ** 2) / (2 * sigma ** 2))
    return envelope * np.cos(2 * math.pi * xr / wavelength + phase)


@dataclass(frozen=True)
class GaborBank:
    """A set of Gabor filters.

    Attributes
    ----------
    kernels : np.ndarray
        ``(K, size, size)``.
    params : tuple of (theta, wavelength, phase)
        One per kernel.
    """

    kernels: np.ndarray
    params: tuple[tuple[float, float, float], ...]


def gabor_bank(size: int = 5, orientations: int = 8, wavelengths=(3.0, 5.0, 8.0),
               phases: int = 4) -> GaborBank:
    """Gabor filters at ``orientations`` angles in [0, π), each wavelength and ``phases``
    phases in [0, 2π) (phase π is the negative of phase 0, so signs are covered).

    Returns
    -------
    GaborBank
        ``orientations · len(wavelengths) · phases`` kernels of ``size × size``.
    """
    for name, value in (("orientations", orientations), ("phases", phases)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
            raise ValueError(f"{name} must be an integer from 1 to 64, not {value!r}")
    kernels, params = [], []
    for k in range(orientations):
        theta = math.pi * k / orientations
        for wavelength in wavelengths:
            for p in range(phases):
                phase = 2 * math.pi * p / phases
                kernels.append(gabor_kernel(size, theta, float(wavelength), phase))
                params.append((theta, float(wavelength), phase))
    return GaborBank(np.stack(kernels), tuple(params))


def normalised(kernels) -> np.ndarray:
    """Each kernel minus its mean, divided by its length (a constant kernel becomes zeros).

    Parameters
    ----------
    kernels : array_like, (K, kh, kw)
    """
    k = np.asarray(kernels, dtype=np.float64)
    if k.ndim != 3 or 0 in k.shape:
        raise ValueError(f"kernels must be a (K, kh, kw) array, got shape {k.shape}")
    flat = k.reshape(len(k), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    flat = np.divide(flat, norms, out=np.zeros_like(flat), where=norms > 1e-12)
    return flat.reshape(k.shape)


@dataclass(frozen=True)
class GaborMatch:
    """The best Gabor filter for each learned kernel.

    Attributes
    ----------
    best : np.ndarray
        ``(K,)`` index into the bank.
    scores : np.ndarray
        ``(K,)`` the normalised correlation with it, in [−1, 1] (1: the same pattern).
    """

    best: np.ndarray
    scores: np.ndarray

    @property
    def mean_score(self) -> float:
        """The average best score over the kernels."""
        return float(self.scores.mean())


def gabor_similarity(kernels, bank: GaborBank) -> GaborMatch:
    """For every kernel, the bank filter with the highest normalised correlation.

    Parameters
    ----------
    kernels : array_like, (K, kh, kw)
        E.g. a first layer's weights ``weight[:, 0]``.
    bank : GaborBank
        Of the same kernel size.
    """
    k = normalised(kernels)
    b = normalised(bank.kernels)
    if k.shape[1:] != b.shape[1:]:
        raise ValueError(f"the kernels are {k.shape[1]}×{k.shape[2]} but the bank's filters "
                         f"are {b.shape[1]}×{b.shape[2]}")
    correlation = k.reshape(len(k), -1) @ b.reshape(len(b), -1).T
    best = correlation.argmax(axis=1)
    return GaborMatch(best, correlation[np.arange(len(k)), best])


def random_baseline(bank: GaborBank, n: int = 2000, seed: int = 0) -> float:
    """The mean best score of ``n`` random Gaussian kernels against ``bank``: the score a
    kernel gets by chance."""
    rng = np.random.default_rng(seed)
    size = bank.kernels.shape[1:]
    return gabor_similarity(rng.normal(size=(n, *size)), bank).mean_score
