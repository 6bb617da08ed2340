"""Padding: resolve the many ways of saying it, and pad arrays the way PyTorch does.

``resolve_padding`` turns every accepted form into one ``(before, after)`` pair per spatial
axis; ``pad`` pads the last axes of an array with zeros, a reflection, a replica of the edge
or a circular wrap (``torch.nn.Conv2d``'s ``padding_mode``).
"""

from __future__ import annotations

import numpy as np

from convcore.shapes import as_tuple, kernel_span

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_NAMES = ("valid", "same", "full")

Pads = tuple[tuple[int, int], ...]


def resolve_padding(padding, kernel_size, *, stride=1, dilation=1, ndim: int = 2) -> Pads:
    """One ``(before, after)`` pair per spatial axis.

    Parameters
    ----------
    padding : int, tuple of int, tuple of pairs, or str
        ``p`` for every side; ``(ph, pw)`` per axis, both sides alike;
        ``((top, bottom), (left, right))`` each side on its own; or
        ``"valid"`` (none), ``"same"`` (output as large as the input; for even spans the
        extra cell goes after — bottom/right — as in PyTorch; stride must be 1) or
        ``"full"`` (span − 1 on every side, every partial overlap counted).
    kernel_size, stride, dilation : int or tuple of int
    ndim : int
        Number of spatial axes.

    Returns
    -------
    tuple of (int, int)
        ``((before, after), ...)``, one pair per spatial axis.

    Examples
    --------
    >>> resolve_padding("same", (2, 3))
    ((0, 1), (1, 1))
    >>> resolve_padding(((1, 0), (2, 2)), 3)
    ((1, 0), (2, 2))
    """
    ks = as_tuple(kernel_size, ndim, "kernel_size")
    ds = as_tuple(dilation, ndim, "dilation")
    if isinstance(padding, str):
        return _named_padding(padding, ks, as_tuple(stride, ndim, "stride"), ds)
    if not _is_seq(padding):
        p = as_tuple(padding, ndim, "padding", minimum=0)
        return tuple((v, v) for v in p)
    items = tuple(padding)
    if len(items) != ndim:
        raise ValueError(
            f"padding needs {ndim} entries (one per spatial axis), got {len(items)}: {padding!r}")
    pairs = []
    for axis, item in enumerate(items):
        if _is_seq(item):
            pair = as_tuple(item, 2, f"padding of axis {axis}", minimum=0)
        else:
            (v,) = as_tuple(item, 1, "padding", minimum=0)
            pair = (v, v)
        pairs.append(pair)
    return tuple(pairs)


def _is_seq(value) -> bool:
    return isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _named_padding(name: str, ks, ss, ds) -> Pads:
    key = name.strip().lower()
    if key == "valid":
        return tuple((0, 0) for _ in ks)
    spans = [kernel_span(k, d) for k, d in zip(ks, ds, strict=True)]
    if key == "same":
        if any(s != 1 for s in ss):
            raise ValueError(
                "padding='same' needs stride 1 (PyTorch refuses it for strided convolutions: "
                "the padding that keeps the output as large as the input would depend on the "
                "input size, about (s − 1)·n cells)")
        return tuple(((span - 1) // 2, span - 1 - (span - 1) // 2) for span in spans)
    if key == "full":
        return tuple((span - 1, span - 1) for span in spans)
    raise ValueError(f"padding must be a number, a tuple, or one of {PADDING_NAMES}, "
                     f"not {name!r}")


def same_padding_d2l(kernel_size, dilation=1, ndim: int = 2) -> Pads:
    """The d2l book's convention for "same" with even kernels: ⌈p/2⌉ before, ⌊p/2⌋ after.

    PyTorch does the opposite (the extra cell goes after); the app shows both.
    """
    ks = as_tuple(kernel_size, ndim, "kernel_size")
    ds = as_tuple(dilation, ndim, "dilation")
    totals = [kernel_span(k, d) - 1 for k, d in zip(ks, ds, strict=True)]
    return tuple(((t + 1) // 2, t // 2) for t in totals)


def is_symmetric(pads: Pads) -> bool:
    """True when every axis pads its two sides alike (expressible as ``padding=(ph, pw)``)."""
    return all(before == after for before, after in pads)


def pad(x: np.ndarray, pads: Pads, mode: str = "zeros") -> np.ndarray:
    """Pad the last ``len(pads)`` axes of ``x``.

    Parameters
    ----------
    x : ndarray
        Any shape ``(..., *spatial)``.
    pads : tuple of (int, int)
        ``(before, after)`` per trailing axis, as returned by :func:`resolve_padding`.
    mode : {"zeros", "reflect", "replicate", "circular"}
        As ``torch.nn.Conv2d``'s ``padding_mode``. "reflect" mirrors without repeating the
        edge (needs pad < size); "circular" wraps around (needs pad ≤ size).

    Returns
    -------
    ndarray
        ``x`` itself when there is nothing to pad, else a new array of the padded shape.
    """
    if mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, not {mode!r}")
    x = np.asarray(x)
    n = len(pads)
    if x.ndim < n:
        raise ValueError(f"cannot pad {n} spatial axes of a {x.ndim}-D array")
    if all(b == 0 and a == 0 for b, a in pads):
        return x
    spatial = x.shape[x.ndim - n:]
    if mode in ("reflect", "circular"):
        for size, (before, after) in zip(spatial, pads, strict=True):
            limit = size - 1 if mode == "reflect" else size
            if max(before, after) > limit:
                rule = "smaller than" if mode == "reflect" else "at most"
                raise ValueError(
                    f"{mode} padding of {max(before, after)} needs the input to be larger: "
                    f"the padding must be {rule} the input size ({size}) on that axis")
    width = [(0, 0)] * (x.ndim - n) + [tuple(p) for p in pads]
    numpy_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
                  "circular": "wrap"}[mode]
    return np.pad(x, width, mode=numpy_mode)
