"""From a dense layer to a convolution: d2l 5.1's two constraints, in numbers.

A dense layer from an ``H × W`` image to an ``H × W`` hidden layer has one weight per
(output cell, input cell) pair, ``W[i, j, k, l]``; d2l writes it with offsets,
``V[i, j, a, b] = W[i, j, i + a, j + b]``, so that

    h[i, j] = Σ_{a,b} V[i, j, a, b] · x[i + a, j + b].

*Translation invariance* asks that ``V`` not depend on ``(i, j)``: ``V[i, j, a, b] = V[a, b]``
— every row of the ``H·W × H·W`` matrix is the same pattern, shifted. *Locality* asks that
``V[a, b] = 0`` for ``|a| > Δ`` or ``|b| > Δ`` — the matrix becomes a band. With both, ``h`` is
the cross-correlation of ``x`` with the ``(2Δ + 1) × (2Δ + 1)`` kernel ``K[a + Δ, b + Δ] =
V[a, b]`` over ``x`` padded with ``Δ`` zeros: ``conv2d(x, K, padding="same")``, whose matrix
:func:`convcore.conv_matrix` is the dense matrix we end with.

:func:`constrain_dense_layer` imposes either constraint on any dense weight, as the nearest
(least-squares) weight that satisfies it: tying averages each offset's weights over the
output cells, locality zeroes the weights outside the band. The two commute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from convcore.shapes import as_tuple

__all__ = [
    "DenseLayerStep",
    "constrain_dense_layer",
    "dense_layer_params",
    "dense_to_conv_steps",
    "random_dense_weight",
]


@dataclass(frozen=True)
class DenseLayerStep:
    """A dense ``H·W → H·W`` layer under zero, one or both of d2l's constraints.

    Attributes
    ----------
    name : str
        "dense", "translation invariance", "locality" or "translation invariance + locality".
    weight : ndarray, (H, W, H, W)
        ``W[i, j, k, l]``: from input cell ``(k, l)`` to hidden cell ``(i, j)``.
    matrix : ndarray, (H·W, H·W)
        ``weight`` as the layer's matrix: ``h.ravel() = matrix @ x.ravel()``.
    kernel : ndarray or None
        With translation invariance, ``V[a, b]`` as a ``(2·r_h + 1, 2·r_w + 1)`` array, entry
        ``[a + r_h, b + r_w]`` for offset ``(a, b)``, with ``r = min(Δ, size − 1)`` (no offset
        reaches further than the image); ``conv2d(x, kernel, padding="same")`` is the layer.
        None without it.
    radius : int or None
        Δ, or None without locality.
    params : int
        Free parameters: ``H²W²`` dense; ``(2H − 1)(2W − 1)`` tied; the band's size local;
        ``(2·r_h + 1)(2·r_w + 1)`` with both.
    """

    name: str
    weight: np.ndarray
    matrix: np.ndarray
    kernel: np.ndarray | None
    radius: int | None
    params: int


def _dense_weight(dense_weight) -> np.ndarray:
    try:
        w = np.asarray(dense_weight)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"dense_weight must be a rectangular array ({exc})") from None
    if w.dtype.kind not in "biuf":
        raise TypeError(f"dense_weight must hold real numbers, got dtype {w.dtype}")
    if w.ndim != 4 or w.shape[:2] != w.shape[2:] or w.size == 0:
        raise ValueError(f"dense_weight must be (H, W, H, W): hidden cell (i, j) by input "
                         f"cell (k, l), the hidden layer as large as the image; got shape "
                         f"{w.shape}")
    return w.astype(np.float64)


def random_dense_weight(in_hw, seed: int = 0) -> np.ndarray:
    """A dense ``H·W → H·W`` layer's weight, standard normal: ``(H, W, H, W)``.

    Parameters
    ----------
    in_hw : int or (int, int)
    seed : int
        The same seed gives the same weights.
    """
    h, w = as_tuple(in_hw, 2, "in_hw")
    (seed,) = as_tuple(seed, 1, "seed", minimum=0)
    return np.random.default_rng(seed).standard_normal((h, w, h, w))


def _offsets(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` offsets ``k − i`` and ``l − j`` of every entry of an (H, W, H, W) weight."""
    rows = np.arange(h)
    cols = np.arange(w)
    a = rows[None, None, :, None] - rows[:, None, None, None]
    b = cols[None, None, None, :] - cols[None, :, None, None]
    return np.broadcast_to(a, (h, w, h, w)), np.broadcast_to(b, (h, w, h, w))


def constrain_dense_layer(dense_weight, *, translation_invariance: bool,
                          locality: int | None = None) -> DenseLayerStep:
    """Impose translation invariance and/or locality on a dense layer's weight.

    Parameters
    ----------
    dense_weight : array_like, (H, W, H, W)
        ``W[i, j, k, l]``, from input cell ``(k, l)`` to hidden cell ``(i, j)``.
    translation_invariance : bool
        Tie the weights: ``V[a, b]`` is the mean of ``W[i, j, i + a, j + b]`` over the
        hidden cells whose offset ``(a, b)`` lands on the image (the nearest tied weight).
    locality : int, optional
        Δ ≥ 0: zero every weight with ``|k − i| > Δ`` or ``|l − j| > Δ``.

    Returns
    -------
    DenseLayerStep
    """
    w = _dense_weight(dense_weight)
    if not isinstance(translation_invariance, bool | np.bool_):
        raise TypeError(f"translation_invariance must be True or False, not "
                        f"{translation_invariance!r}")
    radius = None if locality is None else as_tuple(locality, 1, "locality", minimum=0)[0]
    h, wd = w.shape[:2]
    a, b = _offsets(h, wd)
    weight = w
    kernel = None
    if translation_invariance:
        # One bin per offset (a, b), a in −(H−1)..H−1: the tied V[a, b] is the bin's mean.
        bins = ((a + h - 1) * (2 * wd - 1) + (b + wd - 1)).ravel()
        n_bins = (2 * h - 1) * (2 * wd - 1)
        sums = np.bincount(bins, weights=w.ravel(), minlength=n_bins)
        counts = np.bincount(bins, minlength=n_bins)
        full_kernel = (sums / counts).reshape(2 * h - 1, 2 * wd - 1)
        weight = full_kernel[a + h - 1, b + wd - 1]
        kernel = full_kernel
    if radius is not None:
        band = (np.abs(a) <= radius) & (np.abs(b) <= radius)
        weight = np.where(band, weight, 0.0)
        if kernel is not None:
            r_h, r_w = min(radius, h - 1), min(radius, wd - 1)
            kernel = kernel[h - 1 - r_h:h + r_h, wd - 1 - r_w:wd + r_w]
    if translation_invariance:
        params = kernel.size
    elif radius is not None:
        params = int(band.sum())
    else:
        params = w.size
    name = {(False, False): "dense", (True, False): "translation invariance",
            (False, True): "locality",
            (True, True): "translation invariance + locality"}[
        (translation_invariance, radius is not None)]
    weight = np.ascontiguousarray(weight)
    return DenseLayerStep(name, weight, weight.reshape(h * wd, h * wd), kernel, radius, params)


def dense_to_conv_steps(dense_weight, delta: int) -> tuple[DenseLayerStep, ...]:
    """The book's order: dense, then translation invariance, then locality (Δ = ``delta``).

    The last step's ``matrix`` equals ``conv_matrix((H, W), kernel, padding="same")``.

    Returns
    -------
    (DenseLayerStep, DenseLayerStep, DenseLayerStep)
    """
    return (constrain_dense_layer(dense_weight, translation_invariance=False),
            constrain_dense_layer(dense_weight, translation_invariance=True),
            constrain_dense_layer(dense_weight, translation_invariance=True, locality=delta))


def dense_layer_params(in_shape, hidden_units: int) -> int:
    """Weights of a dense layer from an input of ``in_shape`` to ``hidden_units`` units.

    The seeds' figures: a 1-megapixel photo into 1,000 hidden units needs 10⁹ weights
    (d2l 5.1); a 12 MP RGB photo, 3 × 3000 × 4000 = 36 M inputs, into 100 units needs
    3.6 × 10⁹ (the Chinese notes).

    >>> dense_layer_params((1000, 1000), 1000)
    1000000000
    >>> dense_layer_params((3, 3000, 4000), 100)
    3600000000
    """
    try:
        dims = tuple(in_shape)
    except TypeError:
        dims = (in_shape,)
    if not dims:
        raise ValueError("in_shape must have at least one size")
    sizes = as_tuple(dims, len(dims), "in_shape")
    (units,) = as_tuple(hidden_units, 1, "hidden_units")
    return math.prod(sizes) * units
