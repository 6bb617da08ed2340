"""The same layer in other frameworks: TensorFlow/Keras, JAX and MXNet shape and padding rules.

convcore's semantics are PyTorch's. The functions here say what the other frameworks the
seed notes use would do with the same settings, so a page can put the answers side by side:

* TensorFlow, Keras and JAX (XLA) ``"SAME"`` padding: the output has ``⌈n / s⌉`` cells and
  the padding that needs is split with the extra cell *after* (bottom/right), for any
  stride — PyTorch refuses ``padding="same"`` with a stride. :func:`tf_same_padding` gives
  the pads, so ``conv2d(x, w, stride=s, padding=tf_same_padding(...))`` is Keras' output.
* TensorFlow's ``"SAME"`` pooling pads too, but leaves the padding out of an average (and
  out of a maximum): :func:`tf_pool2d`.
* MXNet's ``Pooling`` accepts any padding smaller than the window and rounds down
  (``pooling_convention="valid"``) or up (``"full"``): :func:`mxnet_pool_output_shape`.
* Layouts: PyTorch and MXNet use ``NCHW`` tensors and ``OIHW`` kernels, TensorFlow/Keras
  ``NHWC`` and ``HWIO``: :func:`nchw_to_nhwc`, :func:`oihw_to_hwio` and their inverses.

    >>> tf_same_padding((8, 8), 3, stride=2)
    ((0, 1), (0, 1))
    >>> keras_conv_output_shape((8, 8), (3, 5), strides=(3, 4), padding="valid")
    (2, 1)
    >>> mxnet_pool_output_shape((4, 4), (2, 3), strides=(2, 3), padding=(1, 2))
    (3, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convcore.shapes import AXIS_NAMES, as_tuple, kernel_span, size_text, spatial_ndim

__all__ = [
    "FRAMEWORKS",
    "FRAMEWORK_NOTES",
    "KERAS_PADDINGS",
    "MXNET_POOLING_CONVENTIONS",
    "FrameworkConv2d",
    "FrameworkPool2d",
    "conv2d_in_frameworks",
    "hwio_to_oihw",
    "keras_conv_output_shape",
    "keras_pool_output_shape",
    "mxnet_pool_output_shape",
    "nchw_to_nhwc",
    "nhwc_to_nchw",
    "oihw_to_hwio",
    "pool2d_in_frameworks",
    "tf_pool2d",
    "tf_same_padding",
]

#: Keras' padding names ("causal" only for Conv1D: all the padding on the left).
KERAS_PADDINGS = ("valid", "same", "causal")
#: MXNet ``Pooling``'s ``pooling_convention`` values this module models.
MXNET_POOLING_CONVENTIONS = ("valid", "full")


def _sizes(in_hw, kernel_size, stride, dilation):
    """``(n, sizes, ks, ss, ds)`` with every argument checked and one entry per axis."""
    n = spatial_ndim(in_hw)
    return (n, as_tuple(in_hw, n, "input size"), as_tuple(kernel_size, n, "kernel_size"),
            as_tuple(stride, n, "stride"), as_tuple(dilation, n, "dilation"))


def _padding_name(padding, allowed: tuple[str, ...]) -> str:
    if not isinstance(padding, str):
        raise TypeError(f"padding must be one of {allowed}, not {padding!r}")
    name = padding.strip().lower()
    if name not in allowed:
        raise ValueError(f"padding must be one of {allowed}, not {padding!r}")
    return name


# --------------------------------------------------------------------------- TensorFlow


def tf_same_padding(in_hw, kernel_size, stride=1, dilation=1) -> tuple[tuple[int, int], ...]:
    """The padding TensorFlow/XLA (and so Keras and JAX) add for ``padding="SAME"``.

    Per axis: ``out = ⌈n / s⌉``, ``total = max((out − 1)·s + (k − 1)·d + 1 − n, 0)``,
    ``before = ⌊total / 2⌋`` and ``after = total − before`` (the odd cell goes after:
    bottom/right).

    Parameters
    ----------
    in_hw : int or tuple of int
        Input spatial size(s): ``L``, ``(H, W)`` or ``(D, H, W)``.
    kernel_size, stride, dilation : int or tuple of int

    Returns
    -------
    tuple of (int, int)
        ``((top, bottom), (left, right))`` for a 2-D input; one ``(before, after)`` pair per
        axis in general. Accepted as ``padding=`` by :func:`convcore.conv2d` and friends.

    Examples
    --------
    >>> tf_same_padding((8, 8), 3, stride=2)   # Keras Conv2D(1, 3, padding='same', strides=2)
    ((0, 1), (0, 1))
    >>> tf_same_padding(7, 4)
    ((1, 2),)
    """
    _, sizes, ks, ss, ds = _sizes(in_hw, kernel_size, stride, dilation)
    pads = []
    for size, k, s, d in zip(sizes, ks, ss, ds, strict=True):
        out = -(-size // s)
        total = max((out - 1) * s + kernel_span(k, d) - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def keras_conv_output_shape(in_hw, kernel_size, strides=1, padding="valid",
                            dilation_rate=1) -> tuple[int, ...]:
    """Spatial output shape of a Keras ``ConvND`` layer (and of ``tf.nn.conv`` / JAX).

    ``"valid"``: ``⌊(n − span) / s⌋ + 1``; ``"same"``: ``⌈n / s⌉``; ``"causal"`` (1-D only):
    ``span − 1`` cells on the left, then as ``"valid"``. ``span = d·(k − 1) + 1``.

    Raises
    ------
    ValueError
        For an unknown padding, "causal" on more than one axis, a stride above 1 together
        with a dilation above 1, or a "valid" window larger than the input (Keras refuses
        these too; ``tf_same_padding`` and ``jax.lax`` accept strided dilated windows).
    """
    n, sizes, ks, ss, ds = _sizes(in_hw, kernel_size, strides, dilation_rate)
    name = _padding_name(padding, KERAS_PADDINGS)
    if any(s > 1 for s in ss) and any(d > 1 for d in ds):
        raise ValueError(f"Keras refuses strides > 1 together with dilation_rate > 1 "
                         f"(strides={size_text(ss)}, dilation_rate={size_text(ds)})")
    if name == "causal" and n != 1:
        raise ValueError("padding='causal' is only for 1-D convolutions (Keras Conv1D)")
    out = []
    for axis, size, k, s, d in zip(AXIS_NAMES[n], sizes, ks, ss, ds, strict=True):
        span = kernel_span(k, d)
        if name == "same":
            out.append(-(-size // s))
            continue
        padded = size + (span - 1 if name == "causal" else 0)
        if span > padded:
            raise ValueError(f"the {size_text(ks)} kernel (spanning {span} along the {axis}) "
                             f"is larger than the {size_text(sizes)} input with "
                             f"padding='valid': the output would be empty")
        out.append((padded - span) // s + 1)
    return tuple(out)


def keras_pool_output_shape(in_hw, pool_size, strides=None, padding="valid") -> tuple[int, ...]:
    """Spatial output shape of Keras ``MaxPoolingND`` / ``AveragePoolingND``.

    ``strides`` defaults to ``pool_size`` (as in Keras); the rules are
    :func:`keras_conv_output_shape`'s.
    """
    n = spatial_ndim(in_hw)
    ks = as_tuple(pool_size, n, "pool_size")
    ss = ks if strides is None else as_tuple(strides, n, "strides")
    if _padding_name(padding, KERAS_PADDINGS) == "causal":
        raise ValueError("padding='causal' is for Conv1D, not for pooling")
    return keras_conv_output_shape(in_hw, ks, ss, padding)


def tf_pool2d(x, pool_size, strides=None, padding="valid", kind="avg"):
    """2-D max or average pooling as TensorFlow/Keras compute it.

    With ``padding="same"`` the input is padded as :func:`tf_same_padding` says, but the
    padding never takes part: an average divides by the number of *input* cells in the
    window (PyTorch's ``count_include_pad=True`` default counts the zeros), a maximum ignores
    the padding. Equal to ``avg_pool2d(..., count_include_pad=False)`` wherever PyTorch can
    express the padding (symmetric, at most half the window).

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
        Channels first, as everywhere in convcore.
    pool_size : int or (int, int)
    strides : int or (int, int), optional
        Defaults to ``pool_size``.
    padding : {"valid", "same"}
    kind : {"avg", "max"}

    Returns
    -------
    ndarray, shape (..., out_h, out_w)
        float64 (float32 for a float32 input); ``out_hw`` is
        :func:`keras_pool_output_shape`'s.
    """
    if kind not in ("avg", "max"):
        raise ValueError(f"kind must be 'avg' or 'max', not {kind!r}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"x must be an array of real numbers, got dtype {arr.dtype}")
    if arr.ndim not in (2, 3, 4) or 0 in arr.shape:
        raise ValueError(f"x must be a non-empty (H, W), (C, H, W) or (N, C, H, W) array, "
                         f"got shape {arr.shape}")
    arr = arr.astype(np.float32 if arr.dtype == np.float32 else np.float64)
    ks = as_tuple(pool_size, 2, "pool_size")
    ss = ks if strides is None else as_tuple(strides, 2, "strides")
    name = _padding_name(padding, ("valid", "same"))
    in_hw = arr.shape[-2:]
    out_hw = keras_pool_output_shape(in_hw, ks, ss, name)
    pads = tf_same_padding(in_hw, ks, ss) if name == "same" else ((0, 0), (0, 0))
    width = [(0, 0)] * (arr.ndim - 2) + list(pads)
    fill = 0.0 if kind == "avg" else -np.inf
    canvas = np.pad(arr, width, constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(canvas, ks, axis=(-2, -1))
    windows = windows[..., ::ss[0], ::ss[1], :, :][..., :out_hw[0], :out_hw[1], :, :]
    if kind == "max":
        return windows.max(axis=(-2, -1))
    inside = np.pad(np.ones(in_hw), pads)
    counts = np.lib.stride_tricks.sliding_window_view(inside, ks)[::ss[0], ::ss[1]]
    counts = counts[:out_hw[0], :out_hw[1]].sum(axis=(-2, -1))
    return (windows.sum(axis=(-2, -1)) / counts).astype(arr.dtype)


# --------------------------------------------------------------------------- MXNet


def mxnet_pool_output_shape(in_hw, pool_size, strides=None, padding=0,
                            pooling_convention="valid") -> tuple[int, ...]:
    """Spatial output shape of MXNet's ``Pooling`` (Gluon ``MaxPool2D``/``AvgPool2D``).

    ``"valid"``: ``⌊(n + 2p − k) / s⌋ + 1``; ``"full"``: ``⌈(n + 2p − k) / s⌉ + 1`` (no
    window is dropped, unlike PyTorch's ceil mode). MXNet only checks that the window fits
    the padded input (``k ≤ n + 2p``): a padding of more than half the window — refused by
    PyTorch — is legal.

    Parameters
    ----------
    in_hw : int or tuple of int
    pool_size : int or tuple of int
    strides : int or tuple of int, optional
        Defaults to ``pool_size`` (Gluon's default).
    padding : int or tuple of int
        The same on both sides of an axis.
    pooling_convention : {"valid", "full"}

    Examples
    --------
    >>> mxnet_pool_output_shape((4, 4), (2, 3), strides=(2, 3), padding=(1, 2))  # the seed
    (3, 2)
    """
    n = spatial_ndim(in_hw)
    sizes = as_tuple(in_hw, n, "input size")
    ks = as_tuple(pool_size, n, "pool_size")
    ss = ks if strides is None else as_tuple(strides, n, "strides")
    ps = as_tuple(padding, n, "padding", minimum=0)
    if pooling_convention not in MXNET_POOLING_CONVENTIONS:
        raise ValueError(f"pooling_convention must be one of {MXNET_POOLING_CONVENTIONS}, "
                         f"not {pooling_convention!r}")
    out = []
    for axis, size, k, s, p in zip(AXIS_NAMES[n], sizes, ks, ss, ps, strict=True):
        if k > size + 2 * p:
            raise ValueError(f"the pooling window ({k}) exceeds the input along the {axis} "
                             f"({size}, padded to {size + 2 * p}): MXNet refuses it")
        room = size + 2 * p - k
        out.append((room // s if pooling_convention == "valid" else -(-room // s)) + 1)
    return tuple(out)


# --------------------------------------------------------------------------- layouts


def _layout(arr, ndim: int, name: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {a.shape}")
    return a


def nchw_to_nhwc(x) -> np.ndarray:
    """``(N, C, H, W)`` (PyTorch, MXNet) → ``(N, H, W, C)`` (TensorFlow/Keras), a view."""
    return _layout(x, 4, "an NCHW tensor").transpose(0, 2, 3, 1)


def nhwc_to_nchw(x) -> np.ndarray:
    """``(N, H, W, C)`` → ``(N, C, H, W)``, a view."""
    return _layout(x, 4, "an NHWC tensor").transpose(0, 3, 1, 2)


def oihw_to_hwio(weight) -> np.ndarray:
    """A PyTorch kernel ``(out, in, kh, kw)`` → Keras' ``(kh, kw, in, out)``, a view."""
    return _layout(weight, 4, "an OIHW kernel").transpose(2, 3, 1, 0)


def hwio_to_oihw(weight) -> np.ndarray:
    """A Keras kernel ``(kh, kw, in, out)`` → PyTorch's ``(out, in, kh, kw)``, a view."""
    return _layout(weight, 4, "an HWIO kernel").transpose(3, 2, 0, 1)


# --------------------------------------------------------------------------- side by side

#: The frameworks the side-by-side functions compare, in the order of their rows.
FRAMEWORKS = ("PyTorch", "Keras", "JAX", "MXNet")
_LAYOUTS = {"PyTorch": ("NCHW", "OIHW"), "Keras": ("NHWC", "HWIO"), "JAX": ("NCHW", "OIHW"),
            "MXNet": ("NCHW", "OIHW")}

#: Why a framework needs an extra step, another API, or refuses — one code per situation,
#: with the English sentence the app shows by default (a translation layer keys on the code).
FRAMEWORK_NOTES = {
    "torch-same-stride": "PyTorch refuses padding='same' with a stride; pad explicitly first "
                         "(TensorFlow's pads, the extra row/column at the bottom/right).",
    "torch-uneven-padding": "PyTorch's layers pad both sides alike; uneven padding needs "
                            "F.pad first.",
    "torch-pool-padding-over-half": "PyTorch refuses pooling padding of more than half the "
                                    "window.",
    "torch-no-same-pool": "PyTorch pooling has no 'same'; pad explicitly first (for an "
                          "average, leaving the padding out of the divisor needs a mask).",
    "keras-stride-and-dilation": "Keras refuses strides > 1 together with dilation_rate > 1; "
                                 "jax.lax accepts them.",
    "keras-explicit-padding": "Keras knows only 'valid' and 'same'; explicit padding is a "
                              "ZeroPadding2D layer in front (zeros: they count in an average "
                              "and can win a maximum over negative inputs).",
    "keras-no-ceil-mode": "Keras pooling has no ceil mode; pad the bottom/right explicitly.",
    "jax-ceil-mode": "reduce_window has no ceil mode: the extra bottom/right padding gives "
                     "the last window.",
    "mxnet-uneven-padding": "MXNet pads both sides alike; uneven padding needs nd.pad first.",
    "mxnet-full-keeps-window": "MXNet's pooling_convention='full' keeps the last window that "
                               "PyTorch's ceil mode drops (it would start in the padding).",
}


@dataclass(frozen=True)
class FrameworkConv2d:
    """How one framework builds a given 2-D convolution, and what it gives.

    Attributes
    ----------
    framework : {"PyTorch", "Keras", "JAX", "MXNet"}
    padding_arg : str
        The padding as code for that framework (``"padding='same'"``,
        ``"padding=((0, 1), (0, 1))"``, ``"ZeroPadding2D(((0, 1), (0, 1))) + padding='valid'"``),
        or its nearest equivalent when the layer cannot say it.
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` actually added.
    out_hw : (int, int)
    input_layout, kernel_layout : str
        ``"NCHW"``/``"OIHW"`` (PyTorch, MXNet; JAX as the snippets call it) or
        ``"NHWC"``/``"HWIO"`` (Keras).
    kernel_shape : tuple of int
        The weight's shape in ``kernel_layout``.
    direct : bool
        True when the layer's own arguments express the setting; False when it takes an
        extra step (explicit padding first) or is refused.
    reason : str
        A key of :data:`FRAMEWORK_NOTES` where the framework differs or refuses, else "".
    """

    framework: str
    padding_arg: str
    pads: tuple[tuple[int, int], tuple[int, int]]
    out_hw: tuple[int, int]
    input_layout: str
    kernel_layout: str
    kernel_shape: tuple[int, ...]
    direct: bool
    reason: str = ""

    @property
    def note(self) -> str:
        """The English sentence for :attr:`reason` ("" when there is none)."""
        return FRAMEWORK_NOTES.get(self.reason, "")


def _pads_text(pads) -> str:
    return f"(({pads[0][0]}, {pads[0][1]}), ({pads[1][0]}, {pads[1][1]}))"


def _torch_pad_order(pads) -> str:
    """``F.pad``'s order: last axis first — ``(left, right, top, bottom)``."""
    (top, bottom), (left, right) = pads
    return f"({left}, {right}, {top}, {bottom})"


def _mxnet_pad(pads) -> str:
    return (f"nd.pad(x, mode='constant', pad_width=(0, 0, 0, 0, {pads[0][0]}, {pads[0][1]}, "
            f"{pads[1][0]}, {pads[1][1]}))")


def _named(padding) -> str | None:
    """"same" / "valid" for those strings, None for numbers; ValueError for other names."""
    if not isinstance(padding, str):
        return None
    name = padding.strip().lower()
    if name not in ("same", "valid"):
        raise ValueError(f"padding must be a number, pairs, 'valid' or 'same', not {padding!r}")
    return name


def conv2d_in_frameworks(in_hw, kernel_size, *, stride=1, padding=0, dilation=1,
                         in_channels: int = 1, out_channels: int = 1) -> list[FrameworkConv2d]:
    """The same 2-D convolution in PyTorch, Keras 3, JAX and MXNet Gluon, side by side.

    Parameters
    ----------
    in_hw, kernel_size, stride, dilation
        As for :func:`convcore.conv2d`.
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        ``"same"`` means what TensorFlow/Keras/JAX mean: ``⌈n / s⌉`` outputs, pads from
        :func:`tf_same_padding` (PyTorch's own ``"same"`` for stride 1 pads the same way).
    in_channels, out_channels : int

    Returns
    -------
    list of FrameworkConv2d
        One per :data:`FRAMEWORKS`. Every row's ``out_hw`` is what
        ``conv2d(x, w, stride=stride, padding=row.pads, dilation=dilation)`` gives.

    Raises
    ------
    ValueError
        When the kernel does not fit (no framework gives an output).

    Examples
    --------
    >>> [(r.framework, r.out_hw, r.direct) for r in conv2d_in_frameworks((8, 8), 3, stride=2,
    ...                                                                  padding="same")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('PyTorch', (4, 4), False), ('Keras', (4, 4), True), ('JAX', (4, 4), True),
     ('MXNet', (4, 4), False)]
    """
    from convcore.padding import is_symmetric, resolve_padding
    from convcore.shapes import conv_output_shape

    ks = as_tuple(kernel_size, 2, "kernel_size")
    ss = as_tuple(stride, 2, "stride")
    ds = as_tuple(dilation, 2, "dilation")
    hw = as_tuple(in_hw, 2, "input size")
    (c_in,) = as_tuple(in_channels, 1, "in_channels")
    (c_out,) = as_tuple(out_channels, 1, "out_channels")
    name = _named(padding)
    same = name == "same"
    pads = tf_same_padding(hw, ks, ss, ds) if same else resolve_padding(padding, ks, ndim=2)
    out_hw = conv_output_shape(hw, ks, ss, pads, ds)
    sym_text = f"({pads[0][0]}, {pads[1][0]})"
    strided, dilated = any(s > 1 for s in ss), any(d > 1 for d in ds)
    rows = []

    def row(framework, arg, direct, reason=""):
        layouts = _LAYOUTS[framework]
        shape = (*ks, c_in, c_out) if layouts[1] == "HWIO" else (c_out, c_in, *ks)
        rows.append(FrameworkConv2d(framework, arg, pads, out_hw, *layouts, shape, direct,
                                    reason))

    explicit_torch = f"F.pad(x, {_torch_pad_order(pads)}) + padding=0"
    if same and strided:
        row("PyTorch", explicit_torch, False, "torch-same-stride")
    elif same:
        row("PyTorch", "padding='same'", True)
    elif is_symmetric(pads):
        row("PyTorch", f"padding={sym_text}", True)
    else:
        row("PyTorch", explicit_torch, False, "torch-uneven-padding")
    keras_refuses = "keras-stride-and-dilation" if strided and dilated else ""
    if same or pads == ((0, 0), (0, 0)):
        row("Keras", f"padding='{'same' if same else 'valid'}'", not keras_refuses,
            keras_refuses)
    else:
        row("Keras", f"ZeroPadding2D({_pads_text(pads)}) + padding='valid'", False,
            keras_refuses or "keras-explicit-padding")
    row("JAX", "padding='SAME'" if same else f"padding={_pads_text(pads)}", True)
    if is_symmetric(pads):
        row("MXNet", f"padding={sym_text}", True)
    else:
        row("MXNet", f"{_mxnet_pad(pads)} + padding=0", False, "mxnet-uneven-padding")
    return rows


@dataclass(frozen=True)
class FrameworkPool2d:
    """How one framework builds a given 2-D pooling layer, and what it gives.

    Attributes
    ----------
    framework : {"PyTorch", "Keras", "JAX", "MXNet"}
    padding_arg : str
        The padding (and rounding) as code for that framework, or its nearest equivalent.
    pads : ((int, int), (int, int)) or None
        ``((top, bottom), (left, right))`` the windows run over (for ceil mode, including the
        bottom/right cells a last window hangs over); None when refused.
    out_hw : (int, int) or None
        None when the framework refuses the setting.
    padding_in_average : bool or None
        For average pooling: whether padding cells count in the divisor (None for max
        pooling, or when refused).
    direct : bool
    reason : str
        A key of :data:`FRAMEWORK_NOTES`, or "".
    """

    framework: str
    padding_arg: str
    pads: tuple[tuple[int, int], tuple[int, int]] | None
    out_hw: tuple[int, int] | None
    padding_in_average: bool | None
    direct: bool
    reason: str = ""

    @property
    def note(self) -> str:
        """The English sentence for :attr:`reason` ("" when there is none)."""
        return FRAMEWORK_NOTES.get(self.reason, "")


def pool2d_in_frameworks(in_hw, pool_size, *, stride=None, padding=0, kind: str = "max",
                         ceil_mode: bool = False, count_include_pad: bool = True
                         ) -> list[FrameworkPool2d]:
    """The same 2-D pooling layer in PyTorch, Keras 3, JAX and MXNet Gluon, side by side.

    Parameters
    ----------
    in_hw : (int, int)
    pool_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``pool_size`` (as in every one of them).
    padding : int, (int, int), "valid" or "same"
        A number pads both sides alike (PyTorch, MXNet); ``"same"`` is TensorFlow's
        (:func:`tf_same_padding`, padding left out of averages and maxima).
    kind : {"max", "avg"}
    ceil_mode : bool
        Round the output size up (PyTorch's ``ceil_mode``, MXNet's
        ``pooling_convention="full"``); only with a numeric padding.
    count_include_pad : bool
        For an average with numeric padding: count the padding in the divisor (PyTorch's
        default).

    Returns
    -------
    list of FrameworkPool2d
        One per :data:`FRAMEWORKS`; the frameworks may disagree on ``out_hw`` (MXNet's
        "full" against PyTorch's ceil mode) or refuse (PyTorch: padding over half the
        window).

    Examples
    --------
    >>> rows = pool2d_in_frameworks((4, 4), (2, 3), stride=(2, 3), padding=(1, 2))
    >>> [(r.framework, r.out_hw) for r in rows]   # the MXNet seed
    [('PyTorch', None), ('Keras', (3, 2)), ('JAX', (3, 2)), ('MXNet', (3, 2))]
    """
    from convcore.shapes import pool_output_shape

    if kind not in ("avg", "max"):
        raise ValueError(f"kind must be 'avg' or 'max', not {kind!r}")
    if not isinstance(ceil_mode, bool) or not isinstance(count_include_pad, bool):
        raise TypeError("ceil_mode and count_include_pad must be True or False")
    hw = as_tuple(in_hw, 2, "input size")
    ks = as_tuple(pool_size, 2, "pool_size")
    ss = ks if stride is None else as_tuple(stride, 2, "stride")
    name = _named(padding)
    avg = kind == "avg"
    if name is not None:
        if ceil_mode:
            raise ValueError("ceil_mode goes with a numeric padding, not with "
                             f"padding={name!r}")
        return _named_pool_rows(hw, ks, ss, name, avg)
    ps = as_tuple(padding, 2, "padding", minimum=0)
    sym = ((ps[0], ps[0]), (ps[1], ps[1]))
    counted = count_include_pad if avg else None
    rows = []
    mx_convention = "full" if ceil_mode else "valid"
    mx_out = mxnet_pool_output_shape(hw, ks, ss, ps, mx_convention)
    if any(2 * p > k for p, k in zip(ps, ks, strict=True)):
        rows.append(FrameworkPool2d("PyTorch", f"padding={ps}", None, None, None, False,
                                    "torch-pool-padding-over-half"))
        torch_out = None
    else:
        torch_out = pool_output_shape(hw, ks, ss, ps, 1, ceil_mode)
        arg = f"padding={ps}" + (", ceil_mode=True" if ceil_mode else "")
        if avg and not count_include_pad:
            arg += ", count_include_pad=False"
        rows.append(FrameworkPool2d("PyTorch", arg, _reach(hw, ks, ss, sym, torch_out),
                                    torch_out, counted, True))
    out = torch_out or mx_out
    reach = _reach(hw, ks, ss, sym, out)
    if ceil_mode and reach != sym:
        keras_arg = f"ZeroPadding2D({_pads_text(reach)}) + padding='valid'"
        rows.append(FrameworkPool2d("Keras", keras_arg, reach, out, True if avg else None,
                                    False, "keras-no-ceil-mode"))
    elif ps == (0, 0):
        rows.append(FrameworkPool2d("Keras", "padding='valid'", sym, out, counted, True))
    else:
        keras_arg = f"ZeroPadding2D({_pads_text(sym)}) + padding='valid'"
        rows.append(FrameworkPool2d("Keras", keras_arg, sym, out, True if avg else None, False,
                                    "keras-explicit-padding"))
    jax_reason = "jax-ceil-mode" if ceil_mode and reach != sym else ""
    rows.append(FrameworkPool2d("JAX", f"padding={_pads_text(reach)}", reach, out, counted,
                                True, jax_reason))
    mx_arg = f"padding={ps}" + (", pooling_convention='full'" if ceil_mode else "")
    if avg and not count_include_pad:
        mx_arg += ", count_include_pad=False"
    mx_reason = "mxnet-full-keeps-window" if torch_out and mx_out != torch_out else ""
    rows.append(FrameworkPool2d("MXNet", mx_arg, _reach(hw, ks, ss, sym, mx_out), mx_out,
                                counted, True, mx_reason))
    return rows


def _reach(hw, ks, ss, pads, out_hw):
    """The pads the windows of ``out_hw`` run over: ``pads``, widened at the bottom/right
    when a ceil-mode window hangs past them."""
    reach = []
    for n, k, s, (before, after), o in zip(hw, ks, ss, pads, out_hw, strict=True):
        end = (o - 1) * s + k
        reach.append((before, max(after, end - n - before)))
    return tuple(reach)


def _named_pool_rows(hw, ks, ss, name, avg):
    pads = tf_same_padding(hw, ks, ss) if name == "same" else ((0, 0), (0, 0))
    out = keras_pool_output_shape(hw, ks, ss, name)
    excluded = False if avg else None
    if name == "valid":
        return [FrameworkPool2d(framework, "padding=0" if framework != "Keras"
                                else "padding='valid'", pads, out, excluded, True)
                for framework in FRAMEWORKS]
    fill = "0" if avg else "float('-inf')"
    rows = [FrameworkPool2d("PyTorch", f"F.pad(x, {_torch_pad_order(pads)}, value={fill}) + "
                            "padding=0", pads, out, True if avg else None, False,
                            "torch-no-same-pool"),
            FrameworkPool2d("Keras", "padding='same'", pads, out, excluded, True),
            FrameworkPool2d("JAX", "padding='SAME'", pads, out, excluded, True)]
    (top, bottom), (left, right) = pads
    if top == bottom and left == right:
        arg = f"padding=({top}, {left})" + (", count_include_pad=False" if avg else "")
        rows.append(FrameworkPool2d("MXNet", arg, pads, out, excluded, True))
    else:
        rows.append(FrameworkPool2d("MXNet", f"{_mxnet_pad(pads)} + padding=0", pads, out,
                                    True if avg else None, False, "mxnet-uneven-padding"))
    return rows
