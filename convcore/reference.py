"""The textbook loops: slow, obviously right, kept as test oracles.

``corr2d``, ``corr2d_multi_in``, ``corr2d_multi_in_out`` and ``pool2d`` are the d2l book's
functions (chapter "Convolutional Neural Networks", see ``shared/seeds/``) in NumPy, line for
line. ``conv2d_loop`` spells out ``torch.nn.functional.conv2d`` — batch, groups, stride,
zero padding, dilation — as plain loops over every output cell, so that the fast code in
:mod:`convcore.conv` can be checked against something a reader verifies by eye.

Nothing here is vectorised beyond one window's multiply-and-sum, and nothing here is used
by the app to compute what it shows.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["conv2d_loop", "corr2d", "corr2d_multi_in", "corr2d_multi_in_out", "pool2d"]


def corr2d(X, K):
    """2-D cross-correlation of one channel: ``Y[i, j] = sum(X[i:i+h, j:j+w] * K)``.

    Parameters
    ----------
    X : array_like, (H, W)
    K : array_like, (h, w)

    Returns
    -------
    ndarray, (H − h + 1, W − w + 1), float64

    Examples
    --------
    >>> corr2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    array([[19., 25.],
           [37., 43.]])
    """
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    h, w = K.shape
    if h > X.shape[0] or w > X.shape[1]:
        raise ValueError(f"the {h}×{w} kernel is larger than the {X.shape[0]}×{X.shape[1]} "
                         "input")
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    """Several input channels: cross-correlate each channel with its kernel, add them up.

    Parameters
    ----------
    X : array_like, (C, H, W)
    K : array_like, (C, h, w)

    Returns
    -------
    ndarray, (H − h + 1, W − w + 1)
    """
    X = np.asarray(X, dtype=float)
    K = np.asarray(K, dtype=float)
    if len(X) != len(K):
        raise ValueError(f"the input has {len(X)} channels but the kernel has {len(K)}")
    return sum(corr2d(x, k) for x, k in zip(X, K, strict=True))


def corr2d_multi_in_out(X, K):
    """Several output channels: one multi-input cross-correlation per kernel, stacked.

    Parameters
    ----------
    X : array_like, (C, H, W)
    K : array_like, (O, C, h, w)

    Returns
    -------
    ndarray, (O, H − h + 1, W − w + 1)
    """
    return np.stack([corr2d_multi_in(X, k) for k in np.asarray(K, dtype=float)])


def pool2d(X, pool_size, mode="max"):
    """Max or average pooling of one channel, stride 1, no padding (d2l's ``pool2d``).

    Parameters
    ----------
    X : array_like, (H, W)
    pool_size : (int, int)
    mode : {"max", "avg"}

    Returns
    -------
    ndarray, (H − p_h + 1, W − p_w + 1)

    Examples
    --------
    >>> pool2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], (2, 2))
    array([[4., 5.],
           [7., 8.]])
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    X = np.asarray(X, dtype=float)
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


def conv2d_loop(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``torch.nn.functional.conv2d`` as loops over every output cell.

    Parameters
    ----------
    x : array_like, (N, C, H, W)
    w : array_like, (O, C / groups, kh, kw)
    bias : array_like, (O,), optional
    stride, dilation : int or (int, int)
    padding : int, (ph, pw) or ((top, bottom), (left, right))
        Zeros only.
    groups : int

    Returns
    -------
    ndarray, (N, O, H_out, W_out), float64
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    n_samples, channels, height, width = x.shape
    out_channels, per_group, kh, kw = w.shape
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    (top, bottom), (left, right) = _padding_pairs(padding)
    if channels != per_group * groups or out_channels % groups:
        raise ValueError(f"channels do not match: input {x.shape}, weight {w.shape}, "
                         f"groups={groups}")
    xp = np.zeros((n_samples, channels, height + top + bottom, width + left + right))
    xp[:, :, top:top + height, left:left + width] = x
    out_h = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    out_w = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError("the kernel is larger than the padded input")
    outs_per_group = out_channels // groups
    y = np.zeros((n_samples, out_channels, out_h, out_w))
    for n in range(n_samples):
        for o in range(out_channels):
            g = o // outs_per_group
            x_group = xp[n, g * per_group:(g + 1) * per_group]
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    y[n, o, i, j] = (x_group[:, rows, cols] * w[o]).sum()
            if bias is not None:
                y[n, o] += bias[o]
    return y


def _pair(value) -> tuple[int, int]:
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    first, second = value
    return first, second


def _padding_pairs(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    ph, pw = _pair(padding)
    return _pair(ph), _pair(pw)
