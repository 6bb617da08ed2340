"""Output-size arithmetic for convolution, transposed convolution and pooling.

Every function takes the same argument forms as the operation it describes, works for
1, 2 or 3 spatial dimensions, and raises a ``ValueError`` that says what is wrong in the
caller's terms when the settings give no output at all.

The ``explain_*`` functions return the same numbers as a list of :class:`AxisFormula`, the
formula with the numbers substituted step by step, for display::

    >>> [f.line() for f in explain_conv_output_shape((8, 8), 3, stride=2, padding=1)]
    ['⌊(8 + 1 + 1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊7 / 2⌋ + 1 = 4', ...]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def as_tuple(value, n: int, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """Normalise an int or a length-``n`` sequence of ints to an ``n``-tuple of ints.

    Parameters
    ----------
    value : int or sequence of int
        One value for every axis, or one per axis.
    n : int
        Number of spatial axes.
    name : str
        The argument's name, used in error messages ("stride", "kernel_size", ...).
    minimum : int
        Smallest allowed value (1 for sizes and strides, 0 for paddings).

    Raises
    ------
    TypeError
        If a value is not an integer (bools, strings and non-integral floats included).
    ValueError
        If the sequence has the wrong length, or a value is NaN or below ``minimum``.
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an integer or a tuple of {n} integers, not {value!r}")
    if isinstance(value, numbers.Number) or _is_numpy_scalar(value):
        items = (value,) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(
                f"{name} must be an integer or a tuple of {n} integers, not {value!r}"
            ) from None
        if len(items) != n:
            raise ValueError(
                f"{name} needs {n} value{'s' if n > 1 else ''} (one per spatial axis), "
                f"got {len(items)}: {value!r}"
            )
    return tuple(_as_int(v, name, minimum) for v in items)


def _is_numpy_scalar(value) -> bool:
    return hasattr(value, "dtype") and getattr(value, "ndim", None) == 0


def _as_int(v, name: str, minimum: int) -> int:
    if isinstance(v, bool) or not (isinstance(v, numbers.Number) or _is_numpy_scalar(v)):
        raise TypeError(f"{name} must be made of integers, got {v!r}")
    if isinstance(v, numbers.Integral) or (_is_numpy_scalar(v) and v.dtype.kind in "iu"):
        iv = int(v)
    else:
        fv = float(v)
        if math.isnan(fv):
            raise ValueError(f"{name} must be a whole number, got NaN")
        if math.isinf(fv) or not fv.is_integer():
            raise TypeError(f"{name} must be made of integers, got {v!r}")
        iv = int(fv)
    if iv < minimum:
        bound = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {bound}, got {iv}")
    return iv


def spatial_ndim(in_hw) -> int:
    """Number of spatial axes described by ``in_hw`` (an int means one axis)."""
    if isinstance(in_hw, numbers.Number) or _is_numpy_scalar(in_hw):
        return 1
    n = len(tuple(in_hw))
    if n not in (1, 2, 3):
        raise ValueError(f"input size must have 1, 2 or 3 spatial sizes, got {n}: {in_hw!r}")
    return n


def kernel_span(kernel_size: int, dilation: int = 1) -> int:
    """How many input cells one window covers along an axis, gaps included: d·(k − 1) + 1."""
    return dilation * (kernel_size - 1) + 1


def size_text(sizes) -> str:
    """``(4, 5)`` -> ``'4×5'``, for messages."""
    return "×".join(str(s) for s in sizes)


# --------------------------------------------------------------------------- convolution


def conv_output_shape(in_hw, kernel_size, stride=1, padding=0, dilation=1) -> tuple[int, ...]:
    """Spatial output shape of a convolution (PyTorch's rule).

    ``out = ⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1`` on every axis.

    Parameters
    ----------
    in_hw : int or tuple of int
        Input spatial size(s): ``L``, ``(H, W)`` or ``(D, H, W)``.
    kernel_size, stride, dilation : int or tuple of int
    padding : int, tuple, tuple of pairs, or "valid" / "same" / "full"
        As accepted by :func:`convcore.padding.resolve_padding`.

    Returns
    -------
    tuple of int
        One output size per spatial axis.

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded input on some axis.
    """
    return tuple(f.result for f in explain_conv_output_shape(in_hw, kernel_size, stride,
                                                             padding, dilation))


def conv_transpose_output_shape(in_hw, kernel_size, stride=1, padding=0, output_padding=0,
                                dilation=1) -> tuple[int, ...]:
    """Spatial output shape of a transposed convolution (PyTorch's rule).

    ``out = (n − 1)·s − 2·p + d·(k − 1) + output_padding + 1`` on every axis.
    """
    return tuple(f.result for f in explain_conv_transpose_output_shape(
        in_hw, kernel_size, stride, padding, output_padding, dilation))


def pool_output_shape(in_hw, kernel_size, stride=None, padding=0, dilation=1,
                      ceil_mode=False) -> tuple[int, ...]:
    """Spatial output shape of max/average pooling (PyTorch's rule, ceil-mode drop included).

    ``stride`` defaults to ``kernel_size``. ``padding`` is an int or one int per axis, at most
    half the effective window (as PyTorch demands).
    """
    return tuple(f.result for f in explain_pool_output_shape(
        in_hw, kernel_size, stride, padding, dilation, ceil_mode))


# --------------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class AxisFormula:
    """One axis of an output-shape computation, ready to print.

    Attributes
    ----------
    axis : str
        "height", "width", ...
    symbolic : str
        The formula with letters, e.g. ``⌊(n + p₁ + p₂ − d·(k − 1) − 1) / s⌋ + 1``.
    substituted : str
        The same with this axis's numbers.
    steps : tuple of str
        Intermediate forms, simplest last (may be empty).
    result : int
        The output size on this axis.
    note : str
        A remark on this axis ("1 input row is never reached by a window", ...), or "".
    """

    axis: str
    symbolic: str
    substituted: str
    steps: tuple[str, ...]
    result: int
    note: str = ""

    def line(self) -> str:
        """``substituted = step = ... = result`` on one line."""
        parts = [self.substituted, *self.steps]
        if parts[-1] != str(self.result):
            parts.append(str(self.result))
        return " = ".join(parts)


def explain_conv_output_shape(in_hw, kernel_size, stride=1, padding=0,
                              dilation=1) -> list[AxisFormula]:
    """Output shape of a convolution, axis by axis, as printable formulas.

    Raises the same errors as :func:`conv_output_shape`.
    """
    from convcore.padding import resolve_padding

    n = spatial_ndim(in_hw)
    sizes = as_tuple(in_hw, n, "input size")
    ks = as_tuple(kernel_size, n, "kernel_size")
    ss = as_tuple(stride, n, "stride")
    ds = as_tuple(dilation, n, "dilation")
    pads = resolve_padding(padding, ks, stride=ss, dilation=ds, ndim=n)
    names = AXIS_NAMES[n]
    _check_kernel_fits(sizes, ks, ds, pads)

    formulas = []
    for name, size, k, s, d, (p0, p1) in zip(names, sizes, ks, ss, ds, pads, strict=True):
        numerator = size + p0 + p1 - d * (k - 1) - 1
        out = numerator // s + 1
        symbolic = "⌊(n + p_before + p_after − d·(k − 1) − 1) / s⌋ + 1"
        substituted = f"⌊({size} + {p0} + {p1} − {d}·({k} − 1) − 1) / {s}⌋ + 1"
        if s == 1:
            steps = (f"{numerator} + 1",)
        else:
            steps = (f"⌊{numerator} / {s}⌋ + 1", f"{numerator // s} + 1")
        note = _unreached_note(name, numerator % s)
        formulas.append(AxisFormula(name, symbolic, substituted, steps, out, note))
    return formulas


def _check_kernel_fits(sizes, ks, ds, pads) -> None:
    spans = tuple(kernel_span(k, d) for k, d in zip(ks, ds, strict=True))
    padded = tuple(n + p0 + p1 for n, (p0, p1) in zip(sizes, pads, strict=True))
    if any(span > size for span, size in zip(spans, padded, strict=True)):
        kernel = f"the {size_text(ks)} kernel"
        if any(d > 1 for d in ds):
            kernel += f" (spanning {size_text(spans)} with dilation {size_text(ds)})"
        if any(p0 or p1 for p0, p1 in pads):
            where = f"the padded {size_text(padded)} input ({size_text(sizes)} before padding)"
        else:
            where = f"the {size_text(sizes)} input"
        raise ValueError(f"{kernel} is larger than {where}: the output would be empty")


def _unreached_note(axis: str, leftover: int) -> str:
    if leftover == 0:
        return ""
    unit = {"height": "row", "width": "column", "depth": "slice", "length": "cell"}[axis]
    plural = "s" if leftover > 1 else ""
    return (f"the stride does not divide evenly: the last {leftover} padded {unit}{plural} "
            f"along the {axis} {'are' if plural else 'is'} never reached by a window")


def explain_conv_transpose_output_shape(in_hw, kernel_size, stride=1, padding=0,
                                        output_padding=0, dilation=1) -> list[AxisFormula]:
    """Output shape of a transposed convolution, axis by axis, as printable formulas."""
    n = spatial_ndim(in_hw)
    sizes = as_tuple(in_hw, n, "input size")
    ks = as_tuple(kernel_size, n, "kernel_size")
    ss = as_tuple(stride, n, "stride")
    ps = as_tuple(padding, n, "padding", minimum=0)
    ops = as_tuple(output_padding, n, "output_padding", minimum=0)
    ds = as_tuple(dilation, n, "dilation")
    formulas = []
    for name, size, k, s, p, op, d in zip(AXIS_NAMES[n], sizes, ks, ss, ps, ops, ds,
                                          strict=True):
        if op >= max(s, d):
            raise ValueError(
                f"output_padding ({op}) must be smaller than the stride ({s}) or the dilation "
                f"({d}) along the {name}: it only picks among output sizes a stride could give")
        out = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
        if out < 1:
            raise ValueError(
                f"the padding {p} removes the whole output along the {name}: "
                f"(n − 1)·s − 2·p + d·(k − 1) + output_padding + 1 = {out}")
        symbolic = "(n − 1)·s − 2·p + d·(k − 1) + output_padding + 1"
        substituted = f"({size} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1"
        steps = (f"{(size - 1) * s} − {2 * p} + {d * (k - 1)} + {op} + 1",)
        formulas.append(AxisFormula(name, symbolic, substituted, steps, out))
    return formulas


def resolve_pool_padding(padding, ks, ds, n: int, *, check_half: bool = True):
    """Validate pooling padding: an int or one int per axis, at most half the window.

    Returns the per-axis padding as a tuple of ints.
    """
    if isinstance(padding, str):
        raise ValueError(
            f"pooling takes a number for padding, not {padding!r} (PyTorch has no "
            "'same'/'valid' for pooling)")
    ps = as_tuple(padding, n, "padding", minimum=0)
    if check_half:
        for p, k in zip(ps, ks, strict=True):
            # PyTorch compares with the kernel size itself, even when dilated.
            if 2 * p > k:
                raise ValueError(
                    f"padding {p} is more than half the {size_text(ks)} pooling window: "
                    f"PyTorch allows at most {k // 2}. This is PyTorch's rule, not a "
                    "guarantee: with dilation a window's taps can still land on padding only")
    return ps


def explain_pool_output_shape(in_hw, kernel_size, stride=None, padding=0, dilation=1,
                              ceil_mode=False) -> list[AxisFormula]:
    """Output shape of pooling, axis by axis, as printable formulas (ceil-mode drop noted)."""
    n = spatial_ndim(in_hw)
    sizes = as_tuple(in_hw, n, "input size")
    ks = as_tuple(kernel_size, n, "kernel_size")
    ss = ks if stride is None else as_tuple(stride, n, "stride")
    ds = as_tuple(dilation, n, "dilation")
    ps = resolve_pool_padding(padding, ks, ds, n)
    if not ceil_mode:
        _check_kernel_fits(sizes, ks, ds, tuple((p, p) for p in ps))
    bracket = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    formulas = []
    for name, size, k, s, p, d in zip(AXIS_NAMES[n], sizes, ks, ss, ps, ds, strict=True):
        numerator = size + 2 * p - d * (k - 1) - 1
        out = (-(-numerator // s) if ceil_mode else numerator // s) + 1
        note = "" if ceil_mode else _unreached_note(name, numerator % s)
        if ceil_mode and (out - 1) * s >= size + p:
            out -= 1
            note = ("ceil mode would add a window that starts in the right/bottom padding; "
                    "PyTorch drops it")
        symbolic = f"{bracket[0]}(n + 2·p − d·(k − 1) − 1) / s{bracket[1]} + 1"
        substituted = f"{bracket[0]}({size} + 2·{p} − {d}·({k} − 1) − 1) / {s}{bracket[1]} + 1"
        rounded = -(-numerator // s) if ceil_mode else numerator // s
        steps = (f"{bracket[0]}{numerator} / {s}{bracket[1]} + 1", f"{rounded} + 1")
        if rounded + 1 != out:
            steps = (*steps, f"{rounded + 1} − 1 (dropped)")
        if out < 1:
            raise ValueError(f"the {size_text(ks)} pooling window is larger than the padded "
                             f"input along the {name}: the output would be empty")
        formulas.append(AxisFormula(name, symbolic, substituted, steps, out, note))
    return formulas
