"""The layer a page configures, as runnable code in PyTorch, Keras 3, JAX and MXNet Gluon.

Pure Python (no streamlit): :mod:`ui.code_panel` draws what this module writes. A layer is
described by a :class:`ConvSpec` or a :class:`PoolSpec` (the page's own arrays and
settings); :func:`conv_snippets` / :func:`pool_snippets` give one :class:`Snippet` per
framework, each of which builds the layer, sets the page's kernel and bias, runs it on the
page's input and prints the page's output (channels first, as the app shows it). Where a
framework's layer cannot say the setting, the snippet takes the nearest exact route (pad
explicitly first, stride by slicing, an average as a sum over a count) and carries a note:
a reason code of :data:`convcore.frameworks.FRAMEWORK_NOTES` (or :data:`EXTRA_NOTES`), which
the panel shows as one translated sentence. Only when no short exact route exists is the
code ``None`` (the note then names the framework that can do it).

Arrays are embedded as literals up to :data:`MAX_EMBEDDED_VALUES` values each; a larger
input is made with a seeded generator (``np.random.default_rng(0)``) and the note
``"input-generated"`` says the printed numbers then differ from the page's. An input that is
``0, 1, 2, …`` is written ``np.arange(...)``.

:func:`network_snippets` writes a whole :class:`convcore.network.Network` (its layer list) as
``nn.Sequential`` / ``keras.Sequential`` / a JAX function / Gluon ``HybridSequential``; its
weights are read from ``weights.npz`` (the state dict's arrays, as the page downloads them).

The tests (``tests/ui/test_framework_code.py``) execute the PyTorch, Keras (JAX backend) and
JAX snippets and compare their printed numbers with convcore's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convcore.frameworks import (
    FRAMEWORK_NOTES,
    FRAMEWORKS,
    conv2d_in_frameworks,
    mxnet_pool_output_shape,
    pool2d_in_frameworks,
    tf_same_padding,
)
from convcore.padding import resolve_padding
from convcore.shapes import pool_output_shape

__all__ = [
    "EXTRA_NOTES",
    "MAX_EMBEDDED_VALUES",
    "ConvSpec",
    "PoolSpec",
    "Snippet",
    "conv_snippets",
    "network_snippets",
    "note_text",
    "pool_snippets",
]

#: Largest array (number of values) written out as a literal.
MAX_EMBEDDED_VALUES = 256

#: Reasons this module adds to convcore's (English; the panel translates by code).
EXTRA_NOTES = {
    "mxnet-retired": "MXNet is retired (moved to the Apache Attic in 2023); this Gluon code is "
                     "for readers of the older edition of the book, and was not run here.",
    "input-generated": "The input is too large to write out, so the code makes a random input "
                       "of the same shape: its printed numbers differ from the page's.",
    "weights-generated": "The kernel is too large to write out, so the code makes random "
                         "weights of the same shape: its printed numbers differ from the page's.",
    "true-convolution": "Every framework's layer cross-correlates; the code flips the kernel "
                        "first to compute the true convolution.",
    "torch-padding-mode-uneven": "nn.Conv2d pads both sides alike; the uneven padding is done "
                                 "by F.pad first, in the same mode.",
    "keras-padding-mode": "Keras pads only with zeros; the code pads the input with NumPy first "
                          "(mode {mode}), then uses padding='valid'.",
    "jax-padding-mode": "lax.conv_general_dilated pads only with zeros; the code pads with "
                        "jnp.pad first.",
    "mxnet-padding-mode": "Gluon's Conv2D pads only with zeros; the code pads with NumPy first.",
    "keras-stride-by-slicing": "Keras refuses strides > 1 together with dilation_rate > 1; the "
                               "code convolves with stride 1 and keeps every s-th cell, which "
                               "is the same.",
    "keras-average-as-ratio": "Keras pooling cannot pad like this; the code pads explicitly and "
                              "divides the window sums by the number of counted cells.",
    "keras-max-padding": "Keras pooling cannot pad like this; the code pads with −∞ first (a "
                         "padded cell never wins), then pools with padding='valid'.",
    "keras-no-pool-dilation": "Keras pooling has no dilation; see the JAX code "
                              "(reduce_window's window_dilation).",
    "keras-no-lp-pool": "Keras has no power-average layer; the code averages x ** p and "
                        "takes the p-th root of (average × window size), as PyTorch does.",
    "jax-no-lp-pool": "JAX has no power-average pooling; the code sums x ** p with "
                      "reduce_window and takes the p-th root, as PyTorch does.",
    "mxnet-no-pool-dilation": "MXNet pooling has no dilation; see the JAX code.",
    "mxnet-window-larger": "MXNet refuses a pooling window larger than the padded input.",
    "mxnet-lp-pool": "Gluon has no power-average layer; nd.Pooling with pool_type='lp' is "
                     "the operator.",
    "torch-pool-explicit": "PyTorch refuses pooling padding of more than half the window; the "
                           "code pads by hand first (as MXNet computes it), then pools with "
                           "padding 0.",
    "network-keras-flatten": "Keras tensors are channels-last: a Permute layer puts the "
                             "channels first before Flatten, so the Dense weights keep "
                             "PyTorch's order.",
    "network-unsupported": "This framework's code is not written for a {layer} layer.",
}


def note_text(code: str) -> str:
    """The English sentence of a reason code (convcore's or :data:`EXTRA_NOTES`)."""
    return FRAMEWORK_NOTES.get(code) or EXTRA_NOTES.get(code, code)


@dataclass(frozen=True)
class Snippet:
    """One framework's code for the layer.

    Attributes
    ----------
    framework : {"PyTorch", "Keras", "JAX", "MXNet"}
    code : str or None
        Runnable code that prints the layer's output, or None when the framework cannot
        express the setting in a few exact lines (the notes say why and what to use).
    notes : tuple of (str, dict)
        Reason codes with their ``str.format`` arguments, in display order.
    """

    framework: str
    code: str | None
    notes: tuple[tuple[str, dict], ...] = ()


# --------------------------------------------------------------------------- arrays as code


def _number(v: float) -> str:
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _literal(a: np.ndarray, indent: int) -> str:
    """A nested-list literal, one innermost row per line."""
    if a.ndim == 1:
        return "[" + ", ".join(_number(v) for v in a) + "]"
    pad = " " * (indent + 1)
    rows = [_literal(sub, indent + 1) for sub in a]
    return "[" + (",\n" + pad).join(rows) + "]"


def _is_arange(a: np.ndarray) -> bool:
    return a.size > 1 and np.array_equal(a.ravel(), np.arange(a.size))


def array_code(name: str, a: np.ndarray, module: str = "np", comment: str = "") -> tuple[str, bool]:
    """``name = <module>.array(...)`` for ``a``; (code, embedded) — False when too large and
    made with a seeded generator instead."""
    a = np.asarray(a, dtype=np.float64)
    tail = f"  # {comment}" if comment else ""
    shape = tuple(int(n) for n in a.shape)
    if _is_arange(a):
        return f"{name} = np.arange({a.size}.0).reshape({shape}){tail}", True
    if a.size and np.all(a == a.flat[0]) and a.size > 4:
        return f"{name} = np.full({shape}, {float(a.flat[0])!r}){tail}", True
    if a.size > MAX_EMBEDDED_VALUES:
        return f"{name} = np.random.default_rng(0).random({shape}){tail}", False
    prefix = f"{name} = {module}.array("
    body = _literal(a, len(prefix))
    return f"{prefix}{body}, dtype=float){tail}", True


def _pair(v) -> str:
    return f"({v[0]}, {v[1]})"


def _pads(p) -> str:
    return f"(({p[0][0]}, {p[0][1]}), ({p[1][0]}, {p[1][1]}))"


NP_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


# --------------------------------------------------------------------------- convolution


@dataclass(frozen=True)
class ConvSpec:
    """One 2-D convolution layer as a page configures it.

    Attributes
    ----------
    x : ndarray, shape (C, H, W)
    weight : ndarray, shape (O, C / groups, kh, kw)
        The kernel as the page shows it (not flipped for a true convolution).
    bias : ndarray of shape (O,), or None
    stride, dilation : (int, int)
    pads : ((top, bottom), (left, right))
    same : bool
        The page asked for padding "same" (``pads`` are then TensorFlow's, equal to
        PyTorch's at stride 1).
    groups : int
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
    flipped : bool
        A true convolution: flip the kernel, then cross-correlate.
    squeeze : bool
        The page's input and output are 2-D (one channel): print ``y[0]``.
    """

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    padding_mode: str = "zeros"
    same: bool = False
    flipped: bool = False
    squeeze: bool = False

    @classmethod
    def build(cls, x, weight, bias=None, *, stride=1, padding=0, dilation=1, groups=1,
              padding_mode="zeros", flipped=False) -> ConvSpec:
        """Normalise a page's arrays: ``x`` (H, W) or (C, H, W); ``weight`` (kh, kw),
        (C, kh, kw) (one output) or (O, C/groups, kh, kw); ``bias`` a number or (O,)."""
        x = np.asarray(x, dtype=np.float64)
        w = np.asarray(weight, dtype=np.float64)
        squeeze = x.ndim == 2
        if squeeze:
            x = x[None]
        if w.ndim == 2:
            w = w[None, None]
        elif w.ndim == 3:
            w = w[None]
        if bias is not None:
            bias = np.atleast_1d(np.asarray(bias, dtype=np.float64))
            if bias.size == 1 and w.shape[0] > 1:
                bias = np.full(w.shape[0], float(bias[0]))
            if not np.any(bias):
                bias = None
        ks = w.shape[2:]
        s = _as_pair(stride)
        d = _as_pair(dilation)
        same = isinstance(padding, str) and padding.strip().lower() == "same"
        if same:
            pads = tf_same_padding(x.shape[1:], ks, s, d)
        else:
            pads = resolve_padding(padding, ks, stride=s, dilation=d)
        return cls(x, w, bias, s, tuple(tuple(int(v) for v in p) for p in pads), d,
                   int(groups), padding_mode, same, bool(flipped), squeeze)

    @property
    def kernel_size(self) -> tuple[int, int]:
        return tuple(int(n) for n in self.weight.shape[2:])

    @property
    def padded(self) -> bool:
        return any(p for pair in self.pads for p in pair)

    @property
    def effective_weight(self) -> np.ndarray:
        """The weight that is cross-correlated."""
        return np.flip(self.weight, (2, 3)) if self.flipped else self.weight

    def expected(self) -> np.ndarray:
        """convcore's output for this layer (what every snippet prints)."""
        from convcore import conv2d
        y = conv2d(self.x, self.effective_weight, bias=self.bias, stride=self.stride,
                   padding=self.pads, dilation=self.dilation, groups=self.groups,
                   padding_mode=self.padding_mode)
        return y[0] if self.squeeze else y


def _as_pair(v) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    return int(v[0]), int(v[1])


def _data_lines(spec: ConvSpec, module: str = "np") -> tuple[list[str], list[tuple[str, dict]]]:
    notes = []
    x_line, x_ok = array_code("x", spec.x, comment="input (C, H, W), channels first")
    w_line, w_ok = array_code("w", spec.weight, comment="kernel (out, in/groups, kh, kw)")
    lines = [x_line, w_line]
    if not x_ok:
        notes.append(("input-generated", {}))
    if not w_ok:
        notes.append(("weights-generated", {}))
    if spec.bias is not None:
        lines.append(array_code("b", spec.bias, comment="one bias per output channel")[0])
    if spec.flipped:
        lines.append("w = np.flip(w, (2, 3)).copy()  # true convolution: flip the kernel")
        notes.append(("true-convolution", {}))
    lines = [line.replace("np.array(", "np.array(", 1) for line in lines]
    return lines, notes


def _show(spec: ConvSpec | PoolSpec) -> str:
    return "print(y[0])  # one channel, as on the page" if spec.squeeze else "print(y)"


def _torch_conv(spec: ConvSpec, row) -> Snippet:
    data, notes = _data_lines(spec)
    o, c_per_group = spec.weight.shape[:2]
    c = c_per_group * spec.groups
    args = [f"{c}", f"{o}", f"kernel_size={_pair(spec.kernel_size)}"]
    if spec.stride != (1, 1):
        args.append(f"stride={_pair(spec.stride)}")
    explicit = not row.direct
    (top, bottom), (left, right) = spec.pads
    if not explicit:
        if spec.same:
            args.append("padding='same'")
        elif spec.padded:
            args.append(f"padding={_pair((top, left))}")
    if spec.dilation != (1, 1):
        args.append(f"dilation={_pair(spec.dilation)}")
    if spec.groups != 1:
        args.append(f"groups={spec.groups}")
    if spec.bias is None:
        args.append("bias=False")
    if spec.padding_mode != "zeros" and spec.padded and not explicit:
        args.append(f"padding_mode='{spec.padding_mode}'")
    lines = ["import numpy as np", "import torch", "from torch import nn"]
    if explicit:
        lines.append("import torch.nn.functional as F")
    lines += ["", *data, "", f"conv = nn.Conv2d({', '.join(args)})", "with torch.no_grad():",
              "    conv.weight.copy_(torch.tensor(w))"]
    if spec.bias is not None:
        lines.append("    conv.bias.copy_(torch.tensor(b))")
    lines.append("    xt = torch.tensor(x, dtype=torch.float32)[None]  # add the batch axis: NCHW")
    if explicit:
        mode = {"zeros": "constant"}.get(spec.padding_mode, spec.padding_mode)
        mode_arg = "" if mode == "constant" else f", mode='{mode}'"
        lines.append(f"    xt = F.pad(xt, ({left}, {right}, {top}, {bottom}){mode_arg})"
                     "  # (left, right, top, bottom)")
        notes.append((row.reason, {}) if spec.padding_mode == "zeros" or row.reason ==
                     "torch-same-stride" else ("torch-padding-mode-uneven", {}))
    lines += ["    y = conv(xt)[0].numpy()", _show(spec)]
    return Snippet("PyTorch", "\n".join(lines), tuple(notes))


def _keras_conv(spec: ConvSpec, row) -> Snippet:
    data, notes = _data_lines(spec)
    o = spec.weight.shape[0]
    strided = spec.stride != (1, 1)
    dilated = spec.dilation != (1, 1)
    slice_stride = strided and dilated
    args = [f"{o}", f"kernel_size={_pair(spec.kernel_size)}"]
    if strided and not slice_stride:
        args.append(f"strides={_pair(spec.stride)}")
    named_same = spec.same and spec.padding_mode == "zeros" and not slice_stride
    if named_same:
        args.append("padding='same'")
    if dilated:
        args.append(f"dilation_rate={_pair(spec.dilation)}")
    if spec.groups != 1:
        args.append(f"groups={spec.groups}")
    if spec.bias is None:
        args.append("use_bias=False")
    lines = ["import numpy as np", "import keras  # Keras 3, any backend", "", *data, "",
             "xk = x.transpose(1, 2, 0)[None]  # NHWC: batch, height, width, channels"]
    if spec.padded and not named_same:
        (top, bottom), (left, right) = spec.pads
        if spec.padding_mode == "zeros":
            lines.append(f"xk = keras.layers.ZeroPadding2D({_pads(spec.pads)})(xk)")
            notes.append(("keras-explicit-padding", {}))
        else:
            lines.append(f"xk = np.pad(xk, ((0, 0), ({top}, {bottom}), ({left}, {right}), "
                         f"(0, 0)), mode='{NP_MODES[spec.padding_mode]}')")
            notes.append(("keras-padding-mode", {"mode": spec.padding_mode}))
    lines += [f"conv = keras.layers.Conv2D({', '.join(args)})",
              "conv.build(xk.shape)",
              "conv.set_weights([w.transpose(2, 3, 1, 0)" +
              (", b])  # kernel as HWIO" if spec.bias is not None else "])  # kernel as HWIO")]
    lines.append("y = keras.ops.convert_to_numpy(conv(xk))")
    if slice_stride:
        lines.append(f"y = y[:, ::{spec.stride[0]}, ::{spec.stride[1]}, :]  # the stride")
        notes.append(("keras-stride-by-slicing", {}))
    lines += ["y = y[0].transpose(2, 0, 1)  # back to (C, H, W)", _show(spec)]
    return Snippet("Keras", "\n".join(lines), tuple(notes))


def _jax_conv(spec: ConvSpec, row) -> Snippet:
    data, notes = _data_lines(spec)
    lines = ["import numpy as np", "import jax.numpy as jnp", "from jax import lax", "", *data,
             ""]
    xj = "jnp.asarray(x[None], dtype=jnp.float32)"
    padding = "'SAME'" if spec.same else _pads(spec.pads)
    if spec.padding_mode != "zeros" and spec.padded:
        (top, bottom), (left, right) = spec.pads
        lines.append(f"xp = jnp.pad(x[None], ((0, 0), (0, 0), ({top}, {bottom}), "
                     f"({left}, {right})), mode='{NP_MODES[spec.padding_mode]}')")
        xj = "xp.astype(jnp.float32)"
        padding = "'VALID'"
        notes.append(("jax-padding-mode", {}))
    args = [xj, "jnp.asarray(w, dtype=jnp.float32)",
            f"window_strides={_pair(spec.stride)}", f"padding={padding}"]
    if spec.dilation != (1, 1):
        args.append(f"rhs_dilation={_pair(spec.dilation)}")
    if spec.groups != 1:
        args.append(f"feature_group_count={spec.groups}")
    args.append("dimension_numbers=('NCHW', 'OIHW', 'NCHW')")
    lines.append("y = lax.conv_general_dilated(\n    " + ",\n    ".join(args) + ")")
    lines.append("y = np.asarray(y[0]" + (" + b[:, None, None])" if spec.bias is not None
                                          else ")"))
    lines.append(_show(spec))
    return Snippet("JAX", "\n".join(lines), tuple(notes))


def _mxnet_conv(spec: ConvSpec, row) -> Snippet:
    data, notes = _data_lines(spec)
    notes.insert(0, ("mxnet-retired", {}))
    o, c_per_group = spec.weight.shape[:2]
    args = [f"{o}", f"kernel_size={_pair(spec.kernel_size)}"]
    if spec.stride != (1, 1):
        args.append(f"strides={_pair(spec.stride)}")
    explicit = not row.direct or (spec.padding_mode != "zeros" and spec.padded)
    (top, bottom), (left, right) = spec.pads
    if spec.padded and not explicit:
        args.append(f"padding={_pair((top, left))}")
    if spec.dilation != (1, 1):
        args.append(f"dilation={_pair(spec.dilation)}")
    if spec.groups != 1:
        args.append(f"groups={spec.groups}")
    args.append(f"in_channels={c_per_group * spec.groups}")
    if spec.bias is None:
        args.append("use_bias=False")
    lines = ["# MXNet Gluon (retired; for readers of the older book)", "import numpy as np",
             "from mxnet import nd", "from mxnet.gluon import nn", "", *data, ""]
    x_expr = "nd.array(x[None])  # NCHW"
    if explicit:
        mode = NP_MODES[spec.padding_mode]
        x_expr = (f"nd.array(np.pad(x[None], ((0, 0), (0, 0), ({top}, {bottom}), "
                  f"({left}, {right})), mode='{mode}'))  # padded by hand")
        notes.append((row.reason or "mxnet-padding-mode", {}) if spec.padding_mode == "zeros"
                     else ("mxnet-padding-mode", {}))
    lines += [f"conv = nn.Conv2D({', '.join(args)})", "conv.initialize()",
              "conv.weight.set_data(nd.array(w))"]
    if spec.bias is not None:
        lines.append("conv.bias.set_data(nd.array(b))")
    lines += [f"xm = {x_expr}", "y = conv(xm)[0].asnumpy()", _show(spec)]
    return Snippet("MXNet", "\n".join(lines), tuple(notes))


def conv_snippets(spec: ConvSpec) -> list[Snippet]:
    """The layer in each of :data:`convcore.frameworks.FRAMEWORKS`, in that order."""
    rows = {row.framework: row for row in conv2d_in_frameworks(
        spec.x.shape[1:], spec.kernel_size, stride=spec.stride,
        padding="same" if spec.same else spec.pads, dilation=spec.dilation,
        in_channels=spec.x.shape[0], out_channels=spec.weight.shape[0])}
    builders = {"PyTorch": _torch_conv, "Keras": _keras_conv, "JAX": _jax_conv,
                "MXNet": _mxnet_conv}
    return [builders[name](spec, rows[name]) for name in FRAMEWORKS]


# --------------------------------------------------------------------------- pooling


@dataclass(frozen=True)
class PoolSpec:
    """One 2-D pooling layer as the pooling page configures it (PyTorch's arguments).

    Attributes
    ----------
    x : ndarray, shape (C, H, W)
    kind : {"max", "avg", "lp"}
    kernel_size, stride, padding, dilation : (int, int)
        ``padding`` per axis, both sides; it may exceed half the window (PyTorch refuses it,
        the other frameworks do not).
    ceil_mode, count_include_pad : bool
    norm_type : float
        Lp pooling's p.
    squeeze : bool
        The page's input is 2-D.
    """

    x: np.ndarray
    kind: str
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    ceil_mode: bool = False
    count_include_pad: bool = True
    norm_type: float = 2.0
    squeeze: bool = False

    @classmethod
    def build(cls, x, kind, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
              count_include_pad=True, norm_type=2.0) -> PoolSpec:
        x = np.asarray(x, dtype=np.float64)
        squeeze = x.ndim == 2
        if squeeze:
            x = x[None]
        ks = _as_pair(kernel_size)
        return cls(x, kind, ks, ks if stride is None else _as_pair(stride), _as_pair(padding),
                   _as_pair(dilation), bool(ceil_mode), bool(count_include_pad),
                   float(norm_type), squeeze)

    @property
    def torch_refuses(self) -> bool:
        return any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True))

    @property
    def out_hw(self) -> tuple[int, int]:
        """PyTorch's output size rule (also for a padding PyTorch refuses: padded by hand)."""
        if self.torch_refuses:
            ph, pw = self.padding
            hw = (self.x.shape[1] + 2 * ph, self.x.shape[2] + 2 * pw)
            return pool_output_shape(hw, self.kernel_size, self.stride, 0, self.dilation,
                                     self.ceil_mode)
        return pool_output_shape(self.x.shape[1:], self.kernel_size, self.stride,
                                 self.padding, self.dilation, self.ceil_mode)

    @property
    def reach(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((top, bottom), (left, right))`` the windows run over: the padding, widened at
        the bottom/right by a ceil-mode window that hangs past it."""
        pads = []
        for n, k, s, d, p, o in zip(self.x.shape[1:], self.kernel_size, self.stride,
                                    self.dilation, self.padding, self.out_hw, strict=True):
            end = (o - 1) * s + d * (k - 1) + 1
            pads.append((p, max(p, end - n - p)))
        return tuple(pads)

    def expected(self) -> np.ndarray:
        """convcore's output (a padding PyTorch refuses: padded by hand, as MXNet does)."""
        from convcore import avg_pool2d, lp_pool2d, max_pool2d
        x, p = self.x, self.padding
        if self.kind == "lp":
            y = lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
        elif self.torch_refuses:
            width = ((0, 0), (p[0], p[0]), (p[1], p[1]))
            if self.kind == "max":
                y = max_pool2d(np.pad(x, width, constant_values=-np.inf), self.kernel_size,
                               self.stride, 0, self.dilation, self.ceil_mode)
            else:
                counted = np.pad(np.ones(x.shape[1:]), width[1:]) if not \
                    self.count_include_pad else np.ones((x.shape[1] + 2 * p[0],
                                                         x.shape[2] + 2 * p[1]))
                total = avg_pool2d(np.pad(x, width), self.kernel_size, self.stride, 0,
                                   self.ceil_mode, True, divisor_override=1)
                count = avg_pool2d(np.pad(counted, 0)[None], self.kernel_size, self.stride, 0,
                                   self.ceil_mode, True, divisor_override=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    y = total / count
        elif self.kind == "max":
            y = max_pool2d(x, self.kernel_size, self.stride, p, self.dilation, self.ceil_mode)
        else:
            y = avg_pool2d(x, self.kernel_size, self.stride, p, self.ceil_mode,
                           self.count_include_pad)
        return y[0] if self.squeeze else y

    def counted_mask(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """For an average: the padding of a ones-mask that counts like PyTorch; None if no
        mask is needed (no padding, no overhang)."""
        reach = self.reach
        if reach == ((0, 0), (0, 0)):
            return None
        return reach


def _pool_data(spec: PoolSpec) -> tuple[list[str], list[tuple[str, dict]]]:
    line, ok = array_code("x", spec.x, comment="input (C, H, W), channels first")
    return [line], ([] if ok else [("input-generated", {})])


def _torch_pool(spec: PoolSpec) -> Snippet:
    lines, notes = _pool_data(spec)
    ks, s, p = spec.kernel_size, spec.stride, spec.padding
    explicit = spec.torch_refuses and spec.kind != "lp"
    args = [f"kernel_size={_pair(ks)}", f"stride={_pair(s)}"]
    if spec.kind != "lp" and p != (0, 0) and not explicit:
        args.append(f"padding={_pair(p)}")
    if spec.kind == "max" and spec.dilation != (1, 1):
        args.append(f"dilation={_pair(spec.dilation)}")
    if spec.ceil_mode:
        args.append("ceil_mode=True")
    head = ["import numpy as np", "import torch", "from torch import nn"]
    body = ["xt = torch.tensor(x, dtype=torch.float32)[None]  # NCHW"]
    if spec.kind == "max":
        layer = f"nn.MaxPool2d({', '.join(args)})"
    elif spec.kind == "lp":
        layer = f"nn.LPPool2d({_number(spec.norm_type)}, {', '.join(args)})"
    else:
        if not spec.count_include_pad and p != (0, 0) and not explicit:
            args.append("count_include_pad=False")
        layer = f"nn.AvgPool2d({', '.join(args)})"
    if explicit:
        head.append("import torch.nn.functional as F")
        notes.append(("torch-pool-explicit", {}))
        fill = ", value=float('-inf')" if spec.kind == "max" else ""
        pad = f"({p[1]}, {p[1]}, {p[0]}, {p[0]})"
        if spec.kind == "max" or spec.count_include_pad:
            body.append(f"xt = F.pad(xt, {pad}{fill})  # (left, right, top, bottom)")
            body += [f"pool = {layer}", "y = pool(xt)[0].numpy()"]
        else:
            sum_args = ", ".join(args)
            body += [f"ones = F.pad(torch.ones_like(xt[:, :1]), {pad})  # counted cells",
                     f"xt = F.pad(xt, {pad})",
                     f"pool = nn.AvgPool2d({sum_args}, divisor_override=1)  # window sums",
                     "y = (pool(xt) / pool(ones))[0].numpy()"]
    else:
        body += [f"pool = {layer}", "y = pool(xt)[0].numpy()"]
    return Snippet("PyTorch", "\n".join([*head, "", *lines, "", *body, _show(spec)]),
                   tuple(notes))


def _count_line(spec: PoolSpec, channels_last: bool) -> str:
    """``counted = ...``: ones where a cell counts in PyTorch's divisor, padded to the reach."""
    (top, bottom), (left, right) = spec.reach
    h, w = spec.x.shape[1:]
    ph, pw = spec.padding
    if spec.count_include_pad:
        inner = f"np.ones(({h + 2 * ph}, {w + 2 * pw}))"
        widths = ((0, bottom - ph), (0, right - pw))
    else:
        inner = f"np.ones(({h}, {w}))"
        widths = ((top, bottom), (left, right))
    shape = "[None, :, :, None]" if channels_last else "[None]"
    return (f"counted = np.pad({inner}, {_pads(widths)}){shape}  # cells in the divisor")


def _keras_pool(spec: PoolSpec) -> Snippet:
    lines, notes = _pool_data(spec)
    ks, s = spec.kernel_size, spec.stride
    if spec.dilation != (1, 1):
        return Snippet("Keras", None, (("keras-no-pool-dilation", {}),))
    reach = spec.reach
    padded = reach != ((0, 0), (0, 0))
    (top, bottom), (left, right) = reach
    head = ["import numpy as np", "import keras  # Keras 3, any backend", "", *lines, "",
            "xk = x.transpose(1, 2, 0)[None]  # NHWC"]
    widths = f"((0, 0), ({top}, {bottom}), ({left}, {right}), (0, 0))"
    args = f"pool_size={_pair(ks)}, strides={_pair(s)}"
    body = []
    if spec.kind == "max":
        if padded:
            body.append(f"xk = np.pad(xk, {widths}, constant_values=-np.inf)")
            notes.append(("keras-max-padding", {}))
        body += [f"pool = keras.layers.MaxPooling2D({args})",
                 "y = keras.ops.convert_to_numpy(pool(xk))"]
    elif spec.kind == "avg":
        body.append(f"pool = keras.layers.AveragePooling2D({args})")
        if padded:
            notes.append(("keras-average-as-ratio", {}))
            body += [f"xk = np.pad(xk, {widths})", _count_line(spec, True),
                     "y = keras.ops.convert_to_numpy(pool(xk) / pool(counted))"]
        else:
            body.append("y = keras.ops.convert_to_numpy(pool(xk))")
    else:
        notes.append(("keras-no-lp-pool", {}))
        p = _number(spec.norm_type)
        body.append(f"pool = keras.layers.AveragePooling2D({args})")
        if padded:  # PyTorch divides by the cells inside, then multiplies by kh·kw
            body += [f"xk = np.pad(xk, {widths})", _count_line(spec, True),
                     f"y = keras.ops.convert_to_numpy(pool(xk ** {p}) / pool(counted) * "
                     f"{ks[0] * ks[1]}) ** (1 / {p})"]
        else:
            body.append(f"y = keras.ops.convert_to_numpy(pool(xk ** {p}) * {ks[0] * ks[1]}) "
                        f"** (1 / {p})")
    body.append(f"y = y[0, :{spec.out_hw[0]}, :{spec.out_hw[1]}].transpose(2, 0, 1)"
                "  # back to (C, H, W)")
    return Snippet("Keras", "\n".join([*head, *body, _show(spec)]), tuple(notes))


def _jax_pool(spec: PoolSpec) -> Snippet:
    lines, notes = _pool_data(spec)
    ks, s, d = spec.kernel_size, spec.stride, spec.dilation
    (top, bottom), (left, right) = spec.reach
    pads = f"((0, 0), ({top}, {bottom}), ({left}, {right}))"
    window = f"(1, {ks[0]}, {ks[1]})"
    strides = f"(1, {s[0]}, {s[1]})"
    head = ["import numpy as np", "import jax.numpy as jnp", "from jax import lax", "", *lines,
            "", "xj = jnp.asarray(x, dtype=jnp.float32)"]
    if spec.ceil_mode and spec.reach != ((spec.padding[0],) * 2, (spec.padding[1],) * 2):
        notes.append(("jax-ceil-mode", {}))
    if spec.kind == "max":
        dil = f", window_dilation=(1, {d[0]}, {d[1]})" if d != (1, 1) else ""
        body = [f"y = lax.reduce_window(xj, -jnp.inf, lax.max, {window}, {strides}, "
                f"padding={pads}{dil})"]
    elif spec.kind == "avg":
        body = [f"total = lax.reduce_window(xj, 0.0, lax.add, {window}, {strides}, "
                f"padding={pads})"]
        if spec.reach == ((0, 0), (0, 0)):
            body.append(f"y = total / {ks[0] * ks[1]}")
        else:
            body += [_count_line(spec, False),
                     f"count = lax.reduce_window(jnp.asarray(counted, dtype=jnp.float32), 0.0, "
                     f"lax.add, {window}, {strides}, padding='VALID')",
                     "y = total / count"]
    else:
        notes.append(("jax-no-lp-pool", {}))
        p = _number(spec.norm_type)
        body = [f"total = lax.reduce_window(xj ** {p}, 0.0, lax.add, {window}, {strides}, "
                f"padding={pads})"]
        if spec.reach == ((0, 0), (0, 0)):
            body.append(f"y = total ** (1 / {p})")
        else:  # PyTorch divides by the cells inside, then multiplies by kh·kw
            body += [_count_line(spec, False),
                     f"count = lax.reduce_window(jnp.asarray(counted, dtype=jnp.float32), 0.0, "
                     f"lax.add, {window}, {strides}, padding='VALID')",
                     f"y = (total / count * {ks[0] * ks[1]}) ** (1 / {p})"]
    body.append(f"y = np.asarray(y)[:, :{spec.out_hw[0]}, :{spec.out_hw[1]}]")
    return Snippet("JAX", "\n".join([*head, *body, _show(spec)]), tuple(notes))


def _mxnet_pool(spec: PoolSpec, row) -> Snippet:
    lines, notes = _pool_data(spec)
    notes.insert(0, ("mxnet-retired", {}))
    if spec.dilation != (1, 1):
        return Snippet("MXNet", None, (("mxnet-retired", {}), ("mxnet-no-pool-dilation", {})))
    ks, s, p = spec.kernel_size, spec.stride, spec.padding
    try:
        mxnet_pool_output_shape(spec.x.shape[1:], ks, s, p)
    except ValueError:
        return Snippet("MXNet", None, (("mxnet-retired", {}), ("mxnet-window-larger", {})))
    head = ["# MXNet Gluon (retired; for readers of the older book)", "from mxnet import nd",
            "from mxnet.gluon import nn", "import numpy as np", "", *lines, "",
            "xm = nd.array(x[None])  # NCHW"]
    if spec.kind == "lp":
        notes.append(("mxnet-lp-pool", {}))
        conv = ", pooling_convention='full'" if spec.ceil_mode else ""
        body = [f"y = nd.Pooling(xm, kernel={_pair(ks)}, stride={_pair(s)}, pool_type='lp', "
                f"p_value={_number(spec.norm_type)}{conv})[0].asnumpy()"]
    else:
        args = [f"pool_size={_pair(ks)}", f"strides={_pair(s)}"]
        if p != (0, 0):
            args.append(f"padding={_pair(p)}")
        if spec.ceil_mode:
            args.append("ceil_mode=True")
        if spec.kind == "avg" and not spec.count_include_pad:
            args.append("count_include_pad=False")
        layer = "MaxPool2D" if spec.kind == "max" else "AvgPool2D"
        body = [f"pool = nn.{layer}({', '.join(args)})", "y = pool(xm)[0].asnumpy()"]
        if spec.ceil_mode:
            body.insert(0, "# ceil_mode=True is pooling_convention='full'")
        if row is not None and row.reason:
            notes.append((row.reason, {}))
    return Snippet("MXNet", "\n".join([*head, *body, _show(spec)]), tuple(notes))


def pool_snippets(spec: PoolSpec) -> list[Snippet]:
    """The pooling layer in each of :data:`convcore.frameworks.FRAMEWORKS`, in that order."""
    row = None
    if spec.kind != "lp" and spec.dilation == (1, 1):
        try:
            rows = pool2d_in_frameworks(spec.x.shape[1:], spec.kernel_size, stride=spec.stride,
                                        padding=spec.padding, kind=spec.kind,
                                        ceil_mode=spec.ceil_mode,
                                        count_include_pad=spec.count_include_pad)
            row = next(r for r in rows if r.framework == "MXNet")
        except ValueError:
            row = None
    return [_torch_pool(spec), _keras_pool(spec), _jax_pool(spec), _mxnet_pool(spec, row)]


# --------------------------------------------------------------------------- whole network


@dataclass
class _NetCode:
    lines: list[str] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)
    ok: bool = True


def _torch_layer(layer) -> str:
    return f"nn.{layer.text}"


def network_snippets(network, input_shape) -> list[Snippet]:
    """A whole :class:`convcore.network.Network` in each framework.

    Parameters
    ----------
    network : convcore.network.Network
    input_shape : (C, H, W)
        One image's shape; the snippets run a batch of one ``np.random.default_rng(0)``
        input of that shape.

    Returns
    -------
    list of Snippet
        Each builds the network, loads its weights from ``weights.npz`` (the state dict's
        arrays under their PyTorch names) and prints the output's shape and values. A
        framework whose code is not written for one of the layers gets ``code=None`` and a
        note naming the layer.
    """
    shape = tuple(int(n) for n in input_shape)
    x_line = f"x = np.random.default_rng(0).random((1, *{shape}), dtype=np.float32)  # NCHW"
    return [_torch_network(network, x_line), _keras_network(network, x_line, shape),
            _jax_network(network, x_line), _mxnet_network(network, x_line)]


def _torch_network(network, x_line: str) -> Snippet:
    layers = ",\n    ".join(_torch_layer(layer) for layer in network.layer_list)
    names = [layer.name for layer in network.layer_list]
    ordered = names == [str(k) for k in range(len(names))]
    if ordered:
        build = f"model = nn.Sequential(\n    {layers})" if layers else "model = nn.Sequential()"
    else:
        pairs = ",\n    ".join(f"({layer.name!r}, {_torch_layer(layer)})"
                               for layer in network.layer_list)
        build = f"model = nn.Sequential(OrderedDict([\n    {pairs}]))"
    lines = ["from collections import OrderedDict" if not ordered else "",
             "import numpy as np", "import torch", "from torch import nn", "",
             build, "state = np.load('weights.npz')",
             "model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})",
             "model.eval()", "", x_line, "with torch.no_grad():",
             "    y = model(torch.tensor(x)).numpy()", "print(y.shape)", "print(y)"]
    return Snippet("PyTorch", "\n".join(line for k, line in enumerate(lines)
                                        if line or k > 0))


def _keras_network(network, x_line: str, shape) -> Snippet:
    code = _NetCode()
    layers, weights = [], []
    channels_last = True
    for layer in network.layer_list:
        kind, o = layer.kind, layer.options
        name = layer.name
        if kind == "Conv2d":
            pads = o["padding"]
            args = [f"{layer.args[1]}", f"kernel_size={o['kernel_size']}",
                    f"strides={o['stride']}", f"dilation_rate={o['dilation']}",
                    f"groups={o['groups']}", f"use_bias={o['bias']}"]
            if o["padding_mode"] != "zeros":
                code.ok = False
                code.notes.append(("network-unsupported", {"layer": layer.text}))
                break
            if pads == "same":
                args.append("padding='same'")
            elif pads not in ("valid", (0, 0)):
                layers.append(f"keras.layers.ZeroPadding2D({_pair(pads)})")
            layers.append(f"keras.layers.Conv2D({', '.join(args)})")
            w = [f"state['{name}.weight'].transpose(2, 3, 1, 0)"]
            if o["bias"]:
                w.append(f"state['{name}.bias']")
            weights.append((len(layers) - 1, w))
        elif kind in ("ReLU", "Sigmoid", "Tanh"):
            layers.append(f"keras.layers.Activation('{kind.lower()}')")
        elif kind == "LeakyReLU":
            layers.append(f"keras.layers.LeakyReLU(negative_slope={o['negative_slope']})")
        elif kind == "GELU":
            approx = o["approximate"] == "tanh"
            layers.append(f"keras.layers.Activation(lambda t: keras.activations.gelu(t, "
                          f"approximate={approx}))")
        elif kind in ("MaxPool2d", "AvgPool2d"):
            ks = o["kernel_size"]
            s = o["stride"] or ks
            if o["padding"] != (0, 0) or o.get("ceil_mode") or o.get("dilation", (1, 1)) != \
                    (1, 1):
                code.ok = False
                code.notes.append(("network-unsupported", {"layer": layer.text}))
                break
            cls = "MaxPooling2D" if kind == "MaxPool2d" else "AveragePooling2D"
            layers.append(f"keras.layers.{cls}(pool_size={ks}, strides={s})")
        elif kind == "Flatten" and channels_last:
            layers += ["keras.layers.Permute((3, 1, 2))", "keras.layers.Flatten()"]
            code.notes.append(("network-keras-flatten", {}))
            channels_last = False
        elif kind == "Linear":
            args = [f"{o['out_features']}", f"use_bias={o['bias']}"]
            layers.append(f"keras.layers.Dense({', '.join(args)})")
            w = [f"state['{name}.weight'].T"]
            if o["bias"]:
                w.append(f"state['{name}.bias']")
            weights.append((len(layers) - 1, w))
        elif kind == "Dropout":
            layers.append(f"keras.layers.Dropout({o['p']})")
        elif kind == "Softmax" and o["dim"] in (1, -1) and not channels_last:
            layers.append("keras.layers.Softmax()")
        else:
            code.ok = False
            code.notes.append(("network-unsupported", {"layer": layer.text}))
            break
    if not code.ok:
        return Snippet("Keras", None, tuple(code.notes))
    c, h, w = shape
    lines = ["import numpy as np", "import keras  # Keras 3, any backend", "",
             "model = keras.Sequential([\n    " + ",\n    ".join(layers) + "])",
             f"model.build((None, {h}, {w}, {c}))  # NHWC",
             "state = np.load('weights.npz')  # PyTorch's state dict (OIHW kernels)"]
    for index, w_exprs in weights:
        lines.append(f"model.layers[{index}].set_weights([{', '.join(w_exprs)}])")
    lines += ["", x_line, "y = keras.ops.convert_to_numpy(model(x.transpose(0, 2, 3, 1)))"]
    if channels_last:
        lines.append("y = y.transpose(0, 3, 1, 2)  # back to NCHW")
    lines += ["print(y.shape)", "print(y)"]
    return Snippet("Keras", "\n".join(lines), tuple(code.notes))


def _jax_network(network, x_line: str) -> Snippet:
    steps = []
    for layer in network.layer_list:
        kind, o, name = layer.kind, layer.options, layer.name
        if kind == "Conv2d":
            pads = o["padding"]
            if o["padding_mode"] != "zeros":
                return Snippet("JAX", None, (("network-unsupported", {"layer": layer.text}),))
            padding = ("'SAME'" if pads == "same" else "'VALID'" if pads == "valid"
                       else f"(({pads[0]}, {pads[0]}), ({pads[1]}, {pads[1]}))")
            steps.append(f"h = lax.conv_general_dilated(h, p['{name}.weight'], "
                         f"{o['stride']}, {padding}, rhs_dilation={o['dilation']}, "
                         f"feature_group_count={o['groups']}, "
                         "dimension_numbers=('NCHW', 'OIHW', 'NCHW'))")
            if o["bias"]:
                steps.append(f"h = h + p['{name}.bias'][:, None, None]")
        elif kind == "ReLU":
            steps.append("h = jax.nn.relu(h)")
        elif kind == "LeakyReLU":
            steps.append(f"h = jax.nn.leaky_relu(h, {o['negative_slope']})")
        elif kind == "Sigmoid":
            steps.append("h = jax.nn.sigmoid(h)")
        elif kind == "Tanh":
            steps.append("h = jnp.tanh(h)")
        elif kind == "GELU":
            steps.append(f"h = jax.nn.gelu(h, approximate={o['approximate'] == 'tanh'})")
        elif kind in ("MaxPool2d", "AvgPool2d"):
            ks = o["kernel_size"]
            s = o["stride"] or ks
            if o["padding"] != (0, 0) or o.get("ceil_mode") or o.get("dilation", (1, 1)) != \
                    (1, 1):
                return Snippet("JAX", None, (("network-unsupported", {"layer": layer.text}),))
            window, strides = f"(1, 1, {ks[0]}, {ks[1]})", f"(1, 1, {s[0]}, {s[1]})"
            if kind == "MaxPool2d":
                steps.append(f"h = lax.reduce_window(h, -jnp.inf, lax.max, {window}, "
                             f"{strides}, 'VALID')")
            else:
                steps.append(f"h = lax.reduce_window(h, 0.0, lax.add, {window}, {strides}, "
                             f"'VALID') / {ks[0] * ks[1]}")
        elif kind == "Flatten" and (o["start_dim"], o["end_dim"]) == (1, -1):
            steps.append("h = h.reshape(h.shape[0], -1)")
        elif kind == "Linear":
            steps.append(f"h = h @ p['{name}.weight'].T" +
                         (f" + p['{name}.bias']" if o["bias"] else ""))
        elif kind == "Dropout":
            steps.append("# Dropout: nothing at inference")
        elif kind == "Softmax" and o["dim"] is not None:
            steps.append(f"h = jax.nn.softmax(h, axis={o['dim']})")
        else:
            return Snippet("JAX", None, (("network-unsupported", {"layer": layer.text}),))
    lines = ["import numpy as np", "import jax", "import jax.numpy as jnp", "from jax import lax",
             "", "state = np.load('weights.npz')",
             "p = {k: jnp.asarray(v, dtype=jnp.float32) for k, v in state.items()}", "",
             "def model(h):", *[f"    {step}" for step in steps], "    return h", "", x_line,
             "y = np.asarray(model(jnp.asarray(x, dtype=jnp.float32)))", "print(y.shape)",
             "print(y)"]
    return Snippet("JAX", "\n".join(lines))


def _mxnet_network(network, x_line: str) -> Snippet:
    notes = [("mxnet-retired", {})]
    layers, params = [], []
    for layer in network.layer_list:
        kind, o, name = layer.kind, layer.options, layer.name
        if kind == "Conv2d" and o["padding"] not in ("same",) and o["padding_mode"] == "zeros":
            pads = (0, 0) if o["padding"] == "valid" else o["padding"]
            layers.append(f"nn.Conv2D({layer.args[1]}, kernel_size={o['kernel_size']}, "
                          f"strides={o['stride']}, padding={pads}, dilation={o['dilation']}, "
                          f"groups={o['groups']}, in_channels={layer.args[0]}, "
                          f"use_bias={o['bias']})")
            params.append((len(layers) - 1, name, o["bias"]))
        elif kind in ("ReLU", "Sigmoid", "Tanh"):
            layers.append(f"nn.Activation('{kind.lower()}')")
        elif kind == "LeakyReLU":
            layers.append(f"nn.LeakyReLU({o['negative_slope']})")
        elif kind in ("MaxPool2d", "AvgPool2d") and not o.get("ceil_mode") and \
                o.get("dilation", (1, 1)) == (1, 1):
            cls = "MaxPool2D" if kind == "MaxPool2d" else "AvgPool2D"
            layers.append(f"nn.{cls}(pool_size={o['kernel_size']}, "
                          f"strides={o['stride'] or o['kernel_size']}, padding={o['padding']})")
        elif kind == "Flatten" and (o["start_dim"], o["end_dim"]) == (1, -1):
            layers.append("nn.Flatten()")
        elif kind == "Linear":
            layers.append(f"nn.Dense({o['out_features']}, in_units={o['in_features']}, "
                          f"use_bias={o['bias']})")
            params.append((len(layers) - 1, name, o["bias"]))
        elif kind == "Dropout":
            layers.append(f"nn.Dropout({o['p']})")
        elif kind == "Softmax" and o["dim"] is not None:
            layers.append(f"nn.Lambda(lambda t: nd.softmax(t, axis={o['dim']}))")
        else:
            notes.append(("network-unsupported", {"layer": layer.text}))
            return Snippet("MXNet", None, tuple(notes))
    lines = ["# MXNet Gluon (retired; for readers of the older book)", "import numpy as np",
             "from mxnet import nd", "from mxnet.gluon import nn", "",
             "model = nn.HybridSequential()",
             "model.add(\n    " + ",\n    ".join(layers) + ")" if layers else "",
             "model.initialize()", "state = np.load('weights.npz')"]
    for index, name, bias in params:
        lines.append(f"model[{index}].weight.set_data(nd.array(state['{name}.weight']))")
        if bias:
            lines.append(f"model[{index}].bias.set_data(nd.array(state['{name}.bias']))")
    lines += ["", x_line, "y = model(nd.array(x)).asnumpy()", "print(y.shape)", "print(y)"]
    return Snippet("MXNet", "\n".join(lines), tuple(notes))
