"""A sequential CNN read from PyTorch's printout, run layer by layer with convcore.

:func:`from_pytorch` takes the text ``print(model)`` shows for a one-level ``nn.Sequential``
and the model's ``state_dict()`` as NumPy arrays, and returns a :class:`Network` whose
:meth:`Network.forward` gives the activation after every layer::

    >>> text = '''Sequential(
    ...   (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))
    ...   (1): ReLU()
    ...   (2): Flatten(start_dim=1, end_dim=-1)
    ... )'''
    >>> state = {"0.weight": np.ones((2, 1, 3, 3)), "0.bias": np.zeros(2)}
    >>> net = from_pytorch(text, state)
    >>> net.layers[0]
    '0: Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))'
    >>> [a.shape for a in net.forward(np.ones((1, 4, 4)))]
    [(2, 2, 2), (2, 2, 2), (8,)]

The text is *parsed*, never evaluated: each line must match the grammar of one supported
layer's repr exactly as PyTorch 2.13 prints it (a small tokenizer for numbers, tuples, bare
and quoted words, then per-layer rules for which arguments exist and what they may hold).
Anything else is a ``ValueError`` that names the line. Limits on the text's length, the
number of layers, every number, the parameter count and the activations' size keep hostile
input cheap to refuse.

What the printout cannot say. ``AvgPool2d``'s repr omits ``ceil_mode``,
``count_include_pad`` and ``divisor_override``, and ``MaxPool2d``'s omits
``return_indices``: they are taken at PyTorch's defaults (False, True, None, False). A model
built with other values computes something the text does not describe.

Batches. An input ``(C, H, W)`` is run as a batch of one and every activation is returned
without the batch axis; ``(N, C, H, W)`` keeps it. ``Flatten``, ``Softmax`` and the other
layers count dimensions in the batched tensor, as they do in a model that is fed batches.

PyTorch is imported only by :func:`load_state_dict` and :func:`to_pytorch`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from convcore.channels import check_groups
from convcore.conv import conv2d
from convcore.padding import PADDING_MODES
from convcore.pool import avg_pool2d, max_pool2d
from convcore.shapes import conv_output_shape, pool_output_shape, size_text

__all__ = [
    "LAYER_KINDS",
    "MAX_ACTIVATION_VALUES",
    "MAX_LAYERS",
    "MAX_PARAMETERS",
    "MAX_STATE_DICT_BYTES",
    "MAX_TEXT_CHARS",
    "Layer",
    "LayerSummary",
    "Network",
    "compare_with_pytorch",
    "from_pytorch",
    "layer_text",
    "load_state_dict",
    "network_from_layers",
    "to_pytorch",
]

#: Longest accepted printout, in characters.
MAX_TEXT_CHARS = 20_000
#: Most layers in one network.
MAX_LAYERS = 64
#: Largest integer any argument may hold (channels, features, kernel sizes, ...).
MAX_INT = 1_000_000
#: Most learnable values (weights, biases, BatchNorm statistics) in one network.
MAX_PARAMETERS = 20_000_000
#: Most values in all the activations of one forward pass together.
MAX_ACTIVATION_VALUES = 50_000_000
#: Largest state-dict file :func:`load_state_dict` reads (bytes).
MAX_STATE_DICT_BYTES = 100 * 1024 * 1024

#: The layer types a network may hold, as PyTorch names them.
LAYER_KINDS = ("Conv2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "MaxPool2d",
               "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Linear", "BatchNorm2d",
               "Dropout", "Softmax")
#: Layers that act on every value on its own (the "activation" of a unit).
ELEMENTWISE_KINDS = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Dropout")


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer of a :class:`Network`.

    Attributes
    ----------
    name : str
        Its name in the ``nn.Sequential`` ("0", "1", ... or the ``OrderedDict`` key); the
        state-dict keys are ``name + ".weight"`` and so on.
    kind : str
        One of :data:`LAYER_KINDS`.
    text : str
        Its repr, as PyTorch prints it: ``"Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"``.
    args : tuple
        The positional arguments of its constructor (channels, features).
    options : Mapping[str, object]
        Every keyword argument, defaults filled in: tuples for sizes, ``"same"``/``"valid"``
        or a pair for a convolution's padding.
    given : Mapping[str, object]
        The keyword arguments exactly as the text gives them (``kernel_size=2`` stays 2), to
        rebuild the PyTorch module.
    tensors : Mapping[str, np.ndarray]
        Its state ("weight", "bias", "running_mean", "running_var"), read-only.
    """

    name: str
    kind: str
    text: str
    args: tuple
    options: Mapping[str, object]
    tensors: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    given: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def label(self) -> str:
        """``"0: Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"``."""
        return f"{self.name}: {self.text}"

    @property
    def parameter_count(self) -> int:
        """Number of values in its state."""
        return sum(int(t.size) for t in self.tensors.values())


@dataclass(frozen=True)
class LayerSummary:
    """One row of :meth:`Network.summary`.

    Attributes
    ----------
    label : str
        ``"0: Conv2d(1, 6, kernel_size=(5, 5), ...)"``.
    kind : str
    shape : tuple of int
        The layer's output shape (without the batch axis for one image).
    parameters : int
    """

    label: str
    kind: str
    shape: tuple[int, ...]
    parameters: int


class Network:
    """A sequential network: layers applied one after the other.

    Built by :func:`from_pytorch` (or :func:`network_from_layers`); read-only.

    Attributes
    ----------
    layer_list : tuple of Layer
    dtype : numpy dtype
        float32 when every tensor of the state was float32 (or narrower), else float64; the
        forward pass computes in it.
    """

    def __init__(self, layers, dtype=np.float64):
        self.layer_list: tuple[Layer, ...] = tuple(layers)
        self.dtype = np.dtype(dtype)

    def __len__(self) -> int:
        return len(self.layer_list)

    def __repr__(self) -> str:
        return f"<Network of {len(self)} layers, {self.parameter_count} parameters>"

    @property
    def layers(self) -> list[str]:
        """Every layer as PyTorch names it: ``"0: Conv2d(1, 6, kernel_size=(5, 5), ...)"``."""
        return [layer.label for layer in self.layer_list]

    @property
    def text(self) -> str:
        """The ``print(model)`` text of this network."""
        lines = [f"  ({layer.name}): {layer.text}" for layer in self.layer_list]
        return "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"

    @property
    def parameter_count(self) -> int:
        """Number of values in the state (weights, biases, BatchNorm statistics)."""
        return sum(layer.parameter_count for layer in self.layer_list)

    @property
    def in_channels(self) -> int | None:
        """The input channels the first channel-fixing layer expects (None if no layer does)."""
        for layer in self.layer_list:
            if layer.kind == "Conv2d":
                return layer.args[0]
            if layer.kind == "BatchNorm2d":
                return layer.args[0]
            if layer.kind in ("Linear", "Flatten", "AdaptiveAvgPool2d"):
                return None
        return None

    def state_dict(self) -> dict[str, np.ndarray]:
        """The state as ``{"0.weight": array, ...}`` (copies)."""
        return {f"{layer.name}.{key}": np.array(value)
                for layer in self.layer_list for key, value in layer.tensors.items()}

    def astype(self, dtype) -> Network:
        """The same network computing in ``dtype`` (float32 or float64)."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, not {dtype}")
        layers = [Layer(layer.name, layer.kind, layer.text, layer.args, layer.options,
                        _frozen_tensors({k: v.astype(dtype) for k, v in layer.tensors.items()}),
                        layer.given)
                  for layer in self.layer_list]
        return Network(layers, dtype)

    def slice(self, start: int = 0, stop: int | None = None) -> Network:
        """The network of layers ``start:stop`` (e.g. the convolutional part)."""
        return Network(self.layer_list[start:stop], self.dtype)

    # ---------------------------------------------------------------- shapes

    def output_shapes(self, input_shape) -> list[tuple[int, ...]]:
        """The shape after every layer, without computing anything.

        Parameters
        ----------
        input_shape : tuple of int
            ``(C, H, W)`` or ``(N, C, H, W)``.

        Returns
        -------
        list of tuple of int
            One shape per layer, in the rank of ``input_shape`` (no batch axis for a 3-D one).

        Raises
        ------
        ValueError
            A layer cannot take what reaches it (wrong channel count, too small, a flat vector
            where feature maps are needed, ...): the message names the layer and says why; or
            the activations would exceed :data:`MAX_ACTIVATION_VALUES`.
        """
        shape, batched = _batched_shape(input_shape)
        shapes = []
        total = 0
        has_batch_axis = True
        for index, layer in enumerate(self.layer_list):
            try:
                has_batch_axis = has_batch_axis and not _merges_batch(layer, len(shape))
                shape = _OUT_SHAPE[layer.kind](layer, shape)
            except ValueError as exc:
                raise ValueError(f"layer {layer.label} cannot take an input of shape "
                                 f"{_shape_text(shape, batched)}: {exc}") from None
            total += math.prod(shape)
            if total > MAX_ACTIVATION_VALUES:
                raise ValueError(
                    f"the activations up to layer {index} ({layer.name}) already hold {total:,} "
                    f"values, more than the limit of {MAX_ACTIVATION_VALUES:,}: use a smaller "
                    f"input or fewer images")
            shapes.append(shape if batched or not has_batch_axis else shape[1:])
        return shapes

    def summary(self, input_shape) -> list[LayerSummary]:
        """One row per layer: its label, kind, output shape and parameter count.

        Raises the same ``ValueError`` as :meth:`output_shapes` for an input that does not fit.
        """
        shapes = self.output_shapes(input_shape)
        return [LayerSummary(layer.label, layer.kind, shape, layer.parameter_count)
                for layer, shape in zip(self.layer_list, shapes, strict=True)]

    def too_large_to_draw(self, input_shape, *, max_layers: int = 40, max_maps: int = 64,
                          max_map_cells: int = 128 * 128, max_vector: int = 4096) -> str | None:
        """Why an overview of every activation would be unreadable, in one sentence, or None.

        Parameters
        ----------
        input_shape : (C, H, W)
        max_layers : int
            Most layers to draw as columns.
        max_maps : int
            Most channels (small heatmaps) in one column.
        max_map_cells : int
            Most cells in one heatmap.
        max_vector : int
            Longest flat activation (after a Flatten or a Linear) to draw.
        """
        shapes = self.output_shapes(input_shape)
        if len(shapes) > max_layers:
            return (f"The network has {len(shapes)} layers; the overview draws at most "
                    f"{max_layers}.")
        for layer, shape in zip(self.layer_list, shapes, strict=True):
            if len(shape) == 3 and shape[0] > max_maps:
                return (f"Layer {layer.name} has {shape[0]} channels; the overview draws at "
                        f"most {max_maps} feature maps per layer.")
            if len(shape) == 3 and shape[1] * shape[2] > max_map_cells:
                return (f"Layer {layer.name}'s feature maps are {shape[1]}×{shape[2]}; the "
                        f"overview draws maps of at most {max_map_cells:,} cells.")
            if len(shape) != 3 and math.prod(shape) > max_vector:
                return (f"Layer {layer.name} outputs {math.prod(shape):,} values; the overview "
                        f"draws vectors of at most {max_vector:,}.")
        return None

    # ---------------------------------------------------------------- forward

    def forward(self, x) -> list[np.ndarray]:
        """The activation after every layer, in order.

        Parameters
        ----------
        x : array_like
            ``(C, H, W)`` — one image, run as a batch of one — or ``(N, C, H, W)``.

        Returns
        -------
        list of np.ndarray
            ``len(self)`` arrays in :attr:`dtype`; without the batch axis for a 3-D ``x``.

        Raises
        ------
        ValueError, TypeError
            ``x`` is not a 3-D/4-D array of finite real numbers, or a layer cannot take what
            reaches it (see :meth:`output_shapes`).
        """
        a, batched = self._prepare(x)
        self.output_shapes(a.shape if batched else a.shape[1:])
        outputs = []
        with np.errstate(over="ignore", under="ignore"):
            has_batch_axis = True
            for layer in self.layer_list:
                has_batch_axis = has_batch_axis and not _merges_batch(layer, a.ndim)
                a = _FORWARD[layer.kind](layer, a)
                outputs.append(a if batched or not has_batch_axis else a[0])
        return outputs

    def __call__(self, x) -> np.ndarray:
        """The network's output for ``x`` (the last activation; ``x`` itself if no layers)."""
        outputs = self.forward(x)
        return outputs[-1] if outputs else self._prepare(x)[0]

    def _prepare(self, x) -> tuple[np.ndarray, bool]:
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"the input must be an array of real numbers, got dtype {arr.dtype}")
        if arr.ndim not in (3, 4) or 0 in arr.shape:
            raise ValueError(f"the input must be one image (C, H, W) or a batch (N, C, H, W), "
                             f"got shape {arr.shape}")
        arr = arr.astype(self.dtype, copy=False)
        if not np.all(np.isfinite(arr)):
            raise ValueError("the input contains NaN or infinite values")
        return (arr, True) if arr.ndim == 4 else (arr[None], False)


def _merges_batch(layer: Layer, ndim: int) -> bool:
    """True for a Flatten that folds the batch axis into the next ones (``start_dim=0``):
    from there on, the activations of one image keep the leading axis."""
    return layer.kind == "Flatten" and layer.options["start_dim"] % ndim == 0


def _frozen_tensors(tensors: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    frozen = {}
    for key, value in tensors.items():
        arr = np.array(value)
        arr.flags.writeable = False
        frozen[key] = arr
    return MappingProxyType(frozen)


def _batched_shape(input_shape) -> tuple[tuple[int, ...], bool]:
    shape = tuple(int(s) for s in input_shape)
    if len(shape) not in (3, 4) or min(shape) < 1:
        raise ValueError(f"the input must be one image (C, H, W) or a batch (N, C, H, W), "
                         f"got shape {shape}")
    return (shape, True) if len(shape) == 4 else ((1, *shape), False)


def _shape_text(shape, batched: bool = True) -> str:
    return size_text(shape if batched else shape[1:])


# --------------------------------------------------------------------------- tokenizer

_HEADER = re.compile(r"^Sequential\($")
_EMPTY = re.compile(r"^Sequential\(\)$")
_LINE = re.compile(r"^\((?P<name>[0-9]+|[A-Za-z_][A-Za-z0-9_]*)\): "
                   r"(?P<kind>[A-Za-z_][A-Za-z0-9_]*)\((?P<args>.*)\)$")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<num>-?(?:[0-9]+\.[0-9]*(?:e[+-]?[0-9]+)?|[0-9]+e[+-]?[0-9]+|[0-9]+))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<quoted>'[A-Za-z_]*')
  | (?P<punct>[(),=])
""", re.VERBOSE)
#: Longest number literal (characters): 1e+20 or 0.12345678901 fit, a 1000-digit integer not.
MAX_NUMBER_CHARS = 24
#: Longest argument list of one layer (characters).
MAX_ARGS_CHARS = 400


class _Word(str):
    """A bare word of the printout (``same``, ``reflect``), kept apart from a quoted one."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"unexpected character {text[pos]!r} at position {pos + 1} of the "
                             f"arguments")
        kind = m.lastgroup
        if kind != "space":
            tokens.append((kind, m.group()))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent over one argument list: ``value, ..., key=value, ...``."""

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self, offset: int = 0):
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None) -> str:
        tok_kind, tok_value = self.peek()
        if tok_kind is None or (kind and tok_kind != kind) or (value and tok_value != value):
            wanted = value or kind or "more"
            found = "the end" if tok_kind is None else repr(tok_value)
            raise ValueError(f"expected {wanted!r} but found {found}")
        self.pos += 1
        return tok_value

    def arguments(self) -> tuple[list, dict]:
        positional, keywords = [], {}
        if self.peek()[0] is None:
            return positional, keywords
        while True:
            if self.peek()[0] == "word" and self.peek(1) == ("punct", "="):
                key = self.take("word")
                self.take("punct", "=")
                if key in keywords:
                    raise ValueError(f"the argument {key} is given twice")
                keywords[key] = self.value(depth=0)
            elif keywords:
                raise ValueError("a positional value follows a keyword argument")
            else:
                positional.append(self.value(depth=0))
            if self.peek()[0] is None:
                return positional, keywords
            self.take("punct", ",")

    def value(self, depth: int):
        kind, text = self.peek()
        if kind == "num":
            self.pos += 1
            return _number(text)
        if kind == "word":
            self.pos += 1
            return {"True": True, "False": False, "None": None}.get(text, _Word(text))
        if kind == "quoted":
            self.pos += 1
            return text[1:-1]
        if (kind, text) == ("punct", "(") and depth == 0:
            self.pos += 1
            items = [self.value(depth=1)]
            while self.peek() == ("punct", ","):
                self.pos += 1
                items.append(self.value(depth=1))
            self.take("punct", ")")
            return tuple(items)
        if (kind, text) == ("punct", "("):
            raise ValueError("tuples inside tuples are not part of any supported layer")
        raise ValueError("expected a value but found " + ("the end" if kind is None
                                                          else repr(text)))


def _number(text: str):
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"the number {text[:12]}… is too long ({len(text)} characters)")
    if re.fullmatch(r"-?[0-9]+", text):
        value = int(text)
        if abs(value) > MAX_INT:
            raise ValueError(f"the number {value} is larger than the limit of {MAX_INT:,}")
        return value
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is not finite")
    return value


# --------------------------------------------------------------------------- argument rules


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int(v, what: str, minimum: int = 1) -> int:
    if not _is_int(v) or v < minimum:
        bound = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
        raise ValueError(f"{what} must be {bound}, not {v!r}")
    return v


def _any_int(v, what: str) -> int:
    if not _is_int(v):
        raise ValueError(f"{what} must be an integer, not {v!r}")
    return v


def _pair(v, what: str, minimum: int = 1) -> tuple[int, int]:
    if isinstance(v, tuple):
        if len(v) != 2:
            raise ValueError(f"{what} must be one integer or a pair, not a tuple of {len(v)}")
        return (_int(v[0], what, minimum), _int(v[1], what, minimum))
    value = _int(v, what, minimum)
    return (value, value)


def _bool(v, what: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{what} must be True or False, not {v!r}")
    return v


def _real_number(v, what: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{what} must be a number, not {v!r}")
    value = float(v)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{what} must be between {lo:g} and {hi:g}, not {value:g}")
    return value


@dataclass(frozen=True)
class _Rule:
    """What one layer type's repr may hold.

    ``positional``: names of the positional arguments (all required). ``keywords``: name ->
    (check, default); a default of ``_REQUIRED`` means the printout always has it.
    """

    positional: tuple[str, ...]
    keywords: Mapping[str, tuple]


_REQUIRED = object()


def _conv_padding(v) -> object:
    if isinstance(v, _Word) and v in ("same", "valid"):
        return str(v)
    return _pair(v, "padding", minimum=0)


def _padding_mode(v) -> str:
    if not isinstance(v, _Word) or v not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {', '.join(PADDING_MODES)}, not {v!r}")
    return str(v)


def _approximate(v) -> str:
    if v not in ("none", "tanh") or isinstance(v, _Word):
        raise ValueError(f"approximate must be 'none' or 'tanh' (quoted), not {v!r}")
    return v


def _output_size(v):
    def one(item):
        return None if item is None else _int(item, "output_size")
    if isinstance(v, tuple):
        if len(v) != 2:
            raise ValueError(f"output_size must be one integer or a pair, not {len(v)} values")
        return (one(v[0]), one(v[1]))
    value = _int(v, "output_size")
    return (value, value)


def _optional_int(v, what):
    return None if v is None else _any_int(v, what)


def _momentum(v):
    return None if v is None else _real_number(v, "momentum", 0.0, 1.0)


_RULES: dict[str, _Rule] = {
    "Conv2d": _Rule(("in_channels", "out_channels"), {
        "kernel_size": (lambda v: _pair(v, "kernel_size"), _REQUIRED),
        "stride": (lambda v: _pair(v, "stride"), (1, 1)),
        "padding": (_conv_padding, (0, 0)),
        "dilation": (lambda v: _pair(v, "dilation"), (1, 1)),
        "groups": (lambda v: _int(v, "groups"), 1),
        "bias": (lambda v: _bool(v, "bias"), True),
        "padding_mode": (_padding_mode, "zeros"),
    }),
    "ReLU": _Rule((), {"inplace": (lambda v: _bool(v, "inplace"), False)}),
    "LeakyReLU": _Rule((), {
        "negative_slope": (lambda v: _real_number(v, "negative_slope", -1e6, 1e6), 0.01),
        "inplace": (lambda v: _bool(v, "inplace"), False),
    }),
    "Sigmoid": _Rule((), {}),
    "Tanh": _Rule((), {}),
    "GELU": _Rule((), {"approximate": (_approximate, "none")}),
    "MaxPool2d": _Rule((), {
        "kernel_size": (lambda v: _pair(v, "kernel_size"), _REQUIRED),
        "stride": (lambda v: _pair(v, "stride"), None),
        "padding": (lambda v: _pair(v, "padding", minimum=0), (0, 0)),
        "dilation": (lambda v: _pair(v, "dilation"), (1, 1)),
        "ceil_mode": (lambda v: _bool(v, "ceil_mode"), False),
    }),
    "AvgPool2d": _Rule((), {
        "kernel_size": (lambda v: _pair(v, "kernel_size"), _REQUIRED),
        "stride": (lambda v: _pair(v, "stride"), None),
        "padding": (lambda v: _pair(v, "padding", minimum=0), (0, 0)),
    }),
    "AdaptiveAvgPool2d": _Rule((), {"output_size": (_output_size, _REQUIRED)}),
    "Flatten": _Rule((), {
        "start_dim": (lambda v: _any_int(v, "start_dim"), 1),
        "end_dim": (lambda v: _any_int(v, "end_dim"), -1),
    }),
    "Linear": _Rule((), {
        "in_features": (lambda v: _int(v, "in_features"), _REQUIRED),
        "out_features": (lambda v: _int(v, "out_features"), _REQUIRED),
        "bias": (lambda v: _bool(v, "bias"), True),
    }),
    "BatchNorm2d": _Rule(("num_features",), {
        "eps": (lambda v: _real_number(v, "eps", 0.0, 1e6), 1e-5),
        "momentum": (_momentum, 0.1),
        "affine": (lambda v: _bool(v, "affine"), True),
        "bias": (lambda v: _bool(v, "bias"), True),
        "track_running_stats": (lambda v: _bool(v, "track_running_stats"), True),
    }),
    "Dropout": _Rule((), {
        "p": (lambda v: _real_number(v, "p", 0.0, 1.0), 0.5),
        "inplace": (lambda v: _bool(v, "inplace"), False),
    }),
    "Softmax": _Rule((), {"dim": (lambda v: _optional_int(v, "dim"), None)}),
}


def _apply_rule(kind: str, positional: list, keywords: dict) -> tuple[tuple, dict]:
    rule = _RULES[kind]
    if len(positional) != len(rule.positional):
        wanted = ", ".join(rule.positional) or "no"
        raise ValueError(f"{kind} takes {len(rule.positional)} positional value(s) ({wanted}), "
                         f"got {len(positional)}")
    args = tuple(_int(v, name) for v, name in zip(positional, rule.positional, strict=True))
    unknown = sorted(set(keywords) - set(rule.keywords))
    if unknown:
        raise ValueError(f"{kind} has no argument {unknown[0]!r}")
    options = {}
    for key, (check, default) in rule.keywords.items():
        if key in keywords:
            options[key] = check(keywords[key])
        elif default is _REQUIRED:
            raise ValueError(f"{kind} needs its {key} argument")
        else:
            options[key] = default
    _check_layer(kind, args, options)
    return args, options


def _check_layer(kind: str, args: tuple, options: dict) -> None:
    if kind == "Conv2d":
        check_groups(args[0], args[1], options["groups"])
        if options["padding"] == "same" and options["stride"] != (1, 1):
            raise ValueError("padding='same' needs stride 1 (PyTorch refuses it otherwise)")
    if kind in ("MaxPool2d", "AvgPool2d"):
        if options["stride"] is None:
            options["stride"] = options["kernel_size"]
        for p, k in zip(options["padding"], options["kernel_size"], strict=True):
            if 2 * p > k:
                raise ValueError(f"padding {p} is more than half the kernel size {k} "
                                 f"(PyTorch allows at most {k // 2})")


def _expected_tensors(kind: str, args: tuple, options: Mapping) -> dict[str, tuple[int, ...]]:
    """The state a layer needs: key -> shape."""
    if kind == "Conv2d":
        c_in, c_out = args
        shapes = {"weight": (c_out, c_in // options["groups"], *options["kernel_size"])}
        if options["bias"]:
            shapes["bias"] = (c_out,)
        return shapes
    if kind == "Linear":
        shapes = {"weight": (options["out_features"], options["in_features"])}
        if options["bias"]:
            shapes["bias"] = (options["out_features"],)
        return shapes
    if kind == "BatchNorm2d":
        (c,) = args
        shapes = {}
        if options["affine"]:
            shapes["weight"] = (c,)
            if options["bias"]:
                shapes["bias"] = (c,)
        if options["track_running_stats"]:
            shapes["running_mean"] = (c,)
            shapes["running_var"] = (c,)
        return shapes
    return {}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _ParsedLine:
    number: int
    name: str
    kind: str
    text: str
    args: tuple
    options: dict
    given: dict


def _parse_text(text: str) -> list[_ParsedLine]:
    if not isinstance(text, str):
        raise TypeError(f"the model text must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the model text has {len(text):,} characters, more than the limit of "
                         f"{MAX_TEXT_CHARS:,}")
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbered = [(n, line.strip()) for n, line in enumerate(raw, start=1) if line.strip()]
    if not numbered:
        raise ValueError("the model text is empty: paste what print(model) shows")
    first_no, first = numbered[0]
    if _EMPTY.match(first) and len(numbered) == 1:
        return []
    if not _HEADER.match(first):
        raise ValueError(f"line {first_no}: expected 'Sequential(' (what print(model) shows "
                         f"for an nn.Sequential), found {_clip(first)!r}")
    last_no, last = numbered[-1]
    if last != ")" or len(numbered) < 2:
        raise ValueError(f"line {last_no}: the text must end with the ')' that closes "
                         f"'Sequential(', found {_clip(last)!r}")
    body = numbered[1:-1]
    parsed, names = [], set()
    for count, (number, line) in enumerate(body, start=1):
        layer = _parse_line(number, line)
        if count > MAX_LAYERS:
            raise ValueError(f"the network has {len(body)} lines of layers, more than the limit "
                             f"of {MAX_LAYERS}")
        if layer.name in names:
            raise ValueError(f"line {number}: the layer name ({layer.name}) is used twice")
        names.add(layer.name)
        parsed.append(layer)
    return parsed


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _parse_line(number: int, line: str) -> _ParsedLine:
    where = f"line {number} ({_clip(line)!r})"
    m = _LINE.match(line)
    if m is None:
        if line.endswith("(") or "Sequential" in line:
            raise ValueError(f"{where}: nested containers are not supported — the network must "
                             f"be one flat nn.Sequential")
        raise ValueError(f"{where} is not a layer as print(model) shows it, "
                         f"'(index): LayerType(arguments)'")
    kind, arg_text = m["kind"], m["args"]
    if kind == "Sequential" or kind.endswith("List") or kind.endswith("Dict"):
        raise ValueError(f"{where}: nested containers are not supported — the network must be "
                         f"one flat nn.Sequential")
    if kind not in _RULES:
        raise ValueError(f"{where}: {kind} is not a supported layer (supported: "
                         f"{', '.join(LAYER_KINDS)})")
    if len(arg_text) > MAX_ARGS_CHARS:
        raise ValueError(f"{where}: the arguments are longer than {MAX_ARGS_CHARS} characters")
    try:
        positional, keywords = _Parser(arg_text).arguments()
        args, options = _apply_rule(kind, positional, keywords)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    given = {key: str(value) if isinstance(value, _Word) else value
             for key, value in keywords.items()}
    return _ParsedLine(number, m["name"], kind, f"{kind}({arg_text})", args, options, given)


def from_pytorch(text: str, state: Mapping[str, np.ndarray]) -> Network:
    """A :class:`Network` from ``print(model)``'s text and the model's state dict.

    Parameters
    ----------
    text : str
        What ``print(model)`` prints for a one-level ``nn.Sequential`` of the layers in
        :data:`LAYER_KINDS`: ``Sequential(``, one ``(name): Layer(arguments)`` line per layer,
        ``)``.
    state : Mapping[str, array_like]
        ``model.state_dict()`` with the tensors as NumPy arrays (``"0.weight"`` -> array).
        ``num_batches_tracked`` entries may be present or not (they are not used).

    Returns
    -------
    Network
        Computing in float32 when every floating tensor is float32 (or narrower), else float64.

    Raises
    ------
    ValueError
        The text breaks the grammar (the message names the line), the network is larger than
        the limits, or a tensor is missing, extra, wrongly shaped or not finite (the message
        names the key, the expected and the found shape).
    TypeError
        ``text`` is not a string or ``state`` not a mapping.
    """
    parsed = _parse_text(text)
    if not isinstance(state, Mapping):
        raise TypeError(f"the state must be a mapping from names to arrays, not "
                        f"{type(state).__name__}")
    expected = {}
    total = 0
    for line in parsed:
        shapes = _expected_tensors(line.kind, line.args, line.options)
        for key, shape in shapes.items():
            expected[f"{line.name}.{key}"] = shape
            total += math.prod(shape)
    if total > MAX_PARAMETERS:
        raise ValueError(f"the network has {total:,} parameters, more than the limit of "
                         f"{MAX_PARAMETERS:,}")
    arrays = _checked_state(state, expected, parsed)
    dtype = np.float32 if arrays and all(a.dtype.itemsize <= 4 for a in arrays.values()) \
        else np.float64
    layers = []
    for line in parsed:
        tensors = {key: arrays[f"{line.name}.{key}"].astype(dtype)
                   for key in _expected_tensors(line.kind, line.args, line.options)}
        layers.append(Layer(line.name, line.kind, line.text, line.args,
                            MappingProxyType(dict(line.options)), _frozen_tensors(tensors),
                            MappingProxyType(dict(line.given))))
    return Network(layers, dtype)


def _checked_state(state: Mapping, expected: dict[str, tuple[int, ...]],
                   parsed: list[_ParsedLine]) -> dict[str, np.ndarray]:
    optional = {f"{line.name}.num_batches_tracked" for line in parsed
                if line.kind == "BatchNorm2d" and line.options["track_running_stats"]}
    for key in state:
        if not isinstance(key, str):
            raise ValueError(f"the weights have a key {key!r} that is not a string")
        if key not in expected and key not in optional:
            found = _safe_shape(state[key])
            raise ValueError(f"the weights have a tensor {key!r} (shape {found}) that no layer "
                             f"of the text expects")
    arrays = {}
    for key, shape in expected.items():
        if key not in state:
            raise ValueError(f"the weights have no tensor {key!r}: the text expects one of "
                             f"shape {shape}")
        try:
            arr = np.asarray(state[key])
        except Exception:  # e.g. a tensor that requires grad refuses to become an array
            raise ValueError(f"the weights' {key!r} is not a NumPy array (convert tensors "
                             f"with .detach().cpu().numpy())") from None
        if arr.shape != shape:
            raise ValueError(f"the weights' {key!r} has shape {arr.shape}, but the text expects "
                             f"{shape}")
        if arr.dtype.kind != "f":
            raise ValueError(f"the weights' {key!r} holds {arr.dtype} values, not floating-point "
                             f"numbers")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"the weights' {key!r} contains NaN or infinite values")
        arrays[key] = arr
    for key in optional & set(state):
        if np.shape(state[key]) != ():
            raise ValueError(f"the weights' {key!r} has shape {np.shape(state[key])}, but the "
                             f"text expects ()")
    return arrays


def _safe_shape(value):
    try:
        return tuple(np.shape(value))
    except (TypeError, ValueError):
        return "?"


# --------------------------------------------------------------------------- shape rules


def _need_maps(layer: Layer, shape) -> None:
    if len(shape) != 4:
        raise ValueError(f"{layer.kind} needs feature maps (C, H, W), but gets "
                         f"{len(shape) - 1}-D values (shape {size_text(shape[1:])}) — put it "
                         f"before the Flatten")


def _need_channels(layer: Layer, shape, channels: int) -> None:
    _need_maps(layer, shape)
    if shape[1] != channels:
        raise ValueError(f"it expects {channels} input channel{'s' if channels != 1 else ''}, "
                         f"but its input has {shape[1]}")


def _conv_shape(layer: Layer, shape):
    _need_channels(layer, shape, layer.args[0])
    o = layer.options
    hw = conv_output_shape(shape[2:], o["kernel_size"], o["stride"], o["padding"],
                           o["dilation"])
    if o["padding_mode"] in ("reflect", "circular") and not isinstance(o["padding"], str):
        limit = {"reflect": 1, "circular": 0}[o["padding_mode"]]
        for n, p in zip(shape[2:], o["padding"], strict=True):
            if p > n - limit:
                raise ValueError(f"{o['padding_mode']} padding of {p} needs an input larger "
                                 f"than {p + limit - 1} along each axis")
    return (shape[0], layer.args[1], *hw)


def _same_shape(layer: Layer, shape):
    return shape


def _pool_shape(layer: Layer, shape):
    _need_maps(layer, shape)
    o = layer.options
    hw = pool_output_shape(shape[2:], o["kernel_size"], o["stride"], o["padding"],
                           o.get("dilation", 1), o.get("ceil_mode", False))
    return (*shape[:2], *hw)


def _adaptive_shape(layer: Layer, shape):
    _need_maps(layer, shape)
    out = tuple(n if o is None else o for o, n in zip(layer.options["output_size"], shape[2:],
                                                       strict=True))
    return (*shape[:2], *out)


def _flatten_dims(layer: Layer, ndim: int) -> tuple[int, int]:
    start, end = layer.options["start_dim"], layer.options["end_dim"]
    for name, d in (("start_dim", start), ("end_dim", end)):
        if not -ndim <= d < ndim:
            raise ValueError(f"{name}={d} is out of range for its {ndim}-D input (batch axis "
                             f"included)")
    start, end = start % ndim, end % ndim
    if start > end:
        raise ValueError(f"start_dim ({start}) comes after end_dim ({end})")
    return start, end


def _flatten_shape(layer: Layer, shape):
    start, end = _flatten_dims(layer, len(shape))
    return (*shape[:start], math.prod(shape[start:end + 1]), *shape[end + 1:])


def _linear_shape(layer: Layer, shape):
    n_in = layer.options["in_features"]
    if shape[-1] != n_in:
        hint = ""
        if len(shape) == 2 and shape[-1] > n_in:
            hint = (" — a dense layer has one weight per input value, so it only takes the "
                    "input size it was trained for")
        elif len(shape) == 4:
            hint = " — a Flatten is missing before it"
        raise ValueError(f"it expects {n_in} input features, but its input has "
                         f"{shape[-1]} along the last axis{hint}")
    return (*shape[:-1], layer.options["out_features"])


def _batchnorm_shape(layer: Layer, shape):
    _need_channels(layer, shape, layer.args[0])
    return shape


def _softmax_shape(layer: Layer, shape):
    _softmax_dim(layer, len(shape))
    return shape


def _softmax_dim(layer: Layer, ndim: int) -> int:
    dim = layer.options["dim"]
    if dim is None:  # PyTorch's implicit choice (it warns about it)
        return 0 if ndim in (0, 1, 3) else 1
    if not -ndim <= dim < ndim:
        raise ValueError(f"dim={dim} is out of range for its {ndim}-D input (batch axis "
                         f"included)")
    return dim % ndim


_OUT_SHAPE = {
    "Conv2d": _conv_shape, "ReLU": _same_shape, "LeakyReLU": _same_shape,
    "Sigmoid": _same_shape, "Tanh": _same_shape, "GELU": _same_shape, "Dropout": _same_shape,
    "MaxPool2d": _pool_shape, "AvgPool2d": _pool_shape, "AdaptiveAvgPool2d": _adaptive_shape,
    "Flatten": _flatten_shape, "Linear": _linear_shape, "BatchNorm2d": _batchnorm_shape,
    "Softmax": _softmax_shape,
}


# --------------------------------------------------------------------------- forward rules


def _conv(layer: Layer, a: np.ndarray) -> np.ndarray:
    o = layer.options
    return conv2d(a, layer.tensors["weight"], layer.tensors.get("bias"), stride=o["stride"],
                  padding=o["padding"], dilation=o["dilation"], groups=o["groups"],
                  padding_mode=o["padding_mode"])


def _relu(layer: Layer, a: np.ndarray) -> np.ndarray:
    return np.maximum(a, a.dtype.type(0))


def _leaky_relu(layer: Layer, a: np.ndarray) -> np.ndarray:
    slope = a.dtype.type(layer.options["negative_slope"])
    return np.where(a > 0, a, a * slope)


def sigmoid(a: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(−a))`` without overflow for large negative ``a``."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _sigmoid(layer: Layer, a: np.ndarray) -> np.ndarray:
    return sigmoid(a)


def _tanh(layer: Layer, a: np.ndarray) -> np.ndarray:
    return np.tanh(a)


_ERF = np.frompyfunc(math.erf, 1, 1)


def _gelu(layer: Layer, a: np.ndarray) -> np.ndarray:
    if layer.options["approximate"] == "tanh":
        inner = math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)
        return (0.5 * a * (1 + np.tanh(inner))).astype(a.dtype, copy=False)
    # math.erf is the C library's erf, correct to the last bit; NumPy has none of its own
    erf = _ERF(a.astype(np.float64) / math.sqrt(2)).astype(np.float64)
    return (0.5 * a * (1 + erf)).astype(a.dtype, copy=False)


def _identity(layer: Layer, a: np.ndarray) -> np.ndarray:
    return a


def _max_pool(layer: Layer, a: np.ndarray) -> np.ndarray:
    o = layer.options
    return max_pool2d(a, o["kernel_size"], o["stride"], o["padding"], o["dilation"],
                      o["ceil_mode"])


def _avg_pool(layer: Layer, a: np.ndarray) -> np.ndarray:
    o = layer.options
    return avg_pool2d(a, o["kernel_size"], o["stride"], o["padding"])


def adaptive_windows(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling windows along one axis: ``[start, end)`` per output cell.

    ``start = ⌊i·n/o⌋``, ``end = ⌈(i+1)·n/o⌉``.

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    """
    return [((i * in_size) // out_size, -(-((i + 1) * in_size) // out_size))
            for i in range(out_size)]


def _averaging_matrix(in_size: int, out_size: int, dtype) -> np.ndarray:
    m = np.zeros((out_size, in_size), dtype=dtype)
    for i, (start, end) in enumerate(adaptive_windows(in_size, out_size)):
        m[i, start:end] = 1
    return m


def _adaptive_avg_pool(layer: Layer, a: np.ndarray) -> np.ndarray:
    oh, ow = _adaptive_shape(layer, a.shape)[2:]
    rows = _averaging_matrix(a.shape[2], oh, a.dtype)
    cols = _averaging_matrix(a.shape[3], ow, a.dtype)
    sums = np.einsum("ih,nchw,jw->ncij", rows, a, cols, optimize=True)
    counts = rows.sum(axis=1)[:, None] * cols.sum(axis=1)[None, :]
    return sums / counts


def _flatten(layer: Layer, a: np.ndarray) -> np.ndarray:
    return a.reshape(_flatten_shape(layer, a.shape))


def _linear(layer: Layer, a: np.ndarray) -> np.ndarray:
    out = a @ layer.tensors["weight"].T
    if "bias" in layer.tensors:
        out = out + layer.tensors["bias"]
    return out


def _batchnorm(layer: Layer, a: np.ndarray) -> np.ndarray:
    t, eps = layer.tensors, a.dtype.type(layer.options["eps"])
    if layer.options["track_running_stats"]:
        mean, var = t["running_mean"], t["running_var"]
    else:  # no running statistics: PyTorch uses the batch's, even in eval mode
        mean, var = a.mean(axis=(0, 2, 3)), a.var(axis=(0, 2, 3))
    scale = 1 / np.sqrt(var + eps)
    if "weight" in t:
        scale = scale * t["weight"]
    out = (a - mean[:, None, None]) * scale[:, None, None]
    if "bias" in t:
        out = out + t["bias"][:, None, None]
    return out.astype(a.dtype, copy=False)


def softmax(a: np.ndarray, axis: int) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that nothing overflows."""
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax(layer: Layer, a: np.ndarray) -> np.ndarray:
    return softmax(a, _softmax_dim(layer, a.ndim))


_FORWARD = {
    "Conv2d": _conv, "ReLU": _relu, "LeakyReLU": _leaky_relu, "Sigmoid": _sigmoid,
    "Tanh": _tanh, "GELU": _gelu, "Dropout": _identity, "MaxPool2d": _max_pool,
    "AvgPool2d": _avg_pool, "AdaptiveAvgPool2d": _adaptive_avg_pool, "Flatten": _flatten,
    "Linear": _linear, "BatchNorm2d": _batchnorm, "Softmax": _softmax,
}


# --------------------------------------------------------------------------- building


def _tuple_text(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _int_or_pair_text(value) -> str:
    """Pooling sizes print as PyTorch stores them: a pair of equal ints collapses to one."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return str(value[0])
    return _tuple_text(value)


def layer_text(kind: str, args: tuple = (), **options) -> str:
    """The repr PyTorch prints for a layer built as ``nn.<kind>(*args, **options)``.

    Only for the sizes as :class:`Layer` stores them (pairs for Conv2d; pooling sizes given
    as an int print as an int). Used to name the layers convcore builds itself.

    >>> layer_text("Conv2d", (16, 120), kernel_size=(5, 5))
    'Conv2d(16, 120, kernel_size=(5, 5), stride=(1, 1))'
    """
    if kind not in _RULES:
        raise ValueError(f"{kind} is not a supported layer")
    rule = _RULES[kind]
    full = {key: default for key, (_, default) in rule.keywords.items()}
    full.update(options)
    if kind == "Conv2d":
        for key in ("kernel_size", "stride", "padding", "dilation"):
            if _is_int(full[key]):  # PyTorch stores (and prints) every size as a pair
                full[key] = (full[key], full[key])
        parts = [str(args[0]), str(args[1]),
                 f"kernel_size={_tuple_text(full['kernel_size'])}",
                 f"stride={_tuple_text(full['stride'])}"]
        padding = full["padding"]
        if isinstance(padding, str) or padding != (0, 0):
            parts.append(f"padding={_tuple_text(padding)}")
        if full["dilation"] != (1, 1):
            parts.append(f"dilation={_tuple_text(full['dilation'])}")
        if full["groups"] != 1:
            parts.append(f"groups={full['groups']}")
        if not full["bias"]:
            parts.append("bias=False")
        if full["padding_mode"] != "zeros":
            parts.append(f"padding_mode={full['padding_mode']}")
        return f"Conv2d({', '.join(parts)})"
    if kind in ("MaxPool2d", "AvgPool2d"):
        if full["stride"] is None:
            full["stride"] = full["kernel_size"]
    parts = [str(a) for a in args]
    for key in rule.keywords:
        value = full[key]
        if kind in ("ReLU", "LeakyReLU") and key == "inplace" and not value:
            continue  # PyTorch prints their inplace only when it is True
        if kind == "GELU":
            value = repr(value)
        elif kind in ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"):
            value = _int_or_pair_text(value)
        else:
            value = _tuple_text(value)
        parts.append(f"{key}={value}")
    return f"{kind}({', '.join(parts)})"


def network_from_layers(specs, dtype=np.float64) -> Network:
    """A :class:`Network` from ``(kind, args, options, tensors)`` tuples, named 0, 1, 2, ...

    The layers are checked as :func:`from_pytorch` checks them (options and tensor shapes).

    Parameters
    ----------
    specs : iterable of (str, tuple, dict, dict)
        Layer type, positional arguments, keyword arguments, tensors (``{"weight": ...}``).
    dtype : float32 or float64
    """
    lines, state = [], {}
    for index, (kind, args, options, tensors) in enumerate(specs):
        lines.append(f"  ({index}): {layer_text(kind, tuple(args), **options)}")
        state.update({f"{index}.{key}": np.asarray(value, dtype=dtype)
                      for key, value in tensors.items()})
    text = "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"
    return from_pytorch(text, state).astype(dtype)


# --------------------------------------------------------------------------- PyTorch


def to_pytorch(network: Network):
    """The same network as a PyTorch ``nn.Sequential`` in eval mode (imports torch).

    Built from the parsed arguments (never from the text), with the network's tensors loaded,
    in :attr:`Network.dtype`; the way to compare convcore's forward pass with PyTorch's.
    """
    import torch  # here, not at the top: seconds to import, only this function needs it
    from torch import nn

    modules = {}
    state = {}
    for layer in network.layer_list:
        modules[layer.name] = getattr(nn, layer.kind)(*layer.args, **layer.given)
        for key, value in layer.tensors.items():
            state[f"{layer.name}.{key}"] = torch.from_numpy(np.array(value))
    from collections import OrderedDict

    model = nn.Sequential(OrderedDict(modules))
    model = model.to(torch.float32 if network.dtype == np.float32 else torch.float64)
    model.load_state_dict(state, strict=False)
    return model.eval()


def compare_with_pytorch(network: Network, x) -> list[float]:
    """The largest absolute difference between convcore's and PyTorch's activation after every
    layer, for the same input (imports torch).

    Parameters
    ----------
    network : Network
    x : array_like, (C, H, W) or (N, C, H, W)

    Returns
    -------
    list of float
        One per layer; PyTorch runs :func:`to_pytorch`'s model on ``x`` as a batch.
    """
    import torch  # here, not at the top: seconds to import, only this function needs it

    ours = network.forward(x)
    arr = np.asarray(x, dtype=network.dtype)
    batch = torch.from_numpy(np.ascontiguousarray(arr if arr.ndim == 4 else arr[None]))
    diffs = []
    with torch.no_grad():
        for module, mine in zip(to_pytorch(network), ours, strict=True):
            batch = module(batch)
            theirs = batch.numpy() if arr.ndim == 4 else batch.numpy()[0]
            diffs.append(float(np.max(np.abs(mine - theirs), initial=0.0)))
    return diffs


def load_state_dict(data: bytes, *, max_bytes: int = MAX_STATE_DICT_BYTES
                    ) -> dict[str, np.ndarray]:
    """Read the bytes of ``torch.save(model.state_dict(), path)`` safely into NumPy arrays.

    Uses ``torch.load(..., weights_only=True, map_location="cpu")``: tensors and plain
    containers only, never code. The size is checked before anything is read.

    Parameters
    ----------
    data : bytes
    max_bytes : int
        Largest accepted file.

    Returns
    -------
    dict of str -> np.ndarray
        Every tensor as an array (bfloat16 and float16 become float32).

    Raises
    ------
    ValueError
        One sentence each for: too large, empty, truncated or not a PyTorch file, a pickle
        that holds more than tensors (a whole model), something that is not a dict of
        tensors.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"the state dict must be given as bytes, not {type(data).__name__}")
    size = len(data)
    if size > max_bytes:
        raise ValueError(f"The file is {size / 2**20:.1f} MB, more than the limit of "
                         f"{max_bytes / 2**20:.0f} MB for a state dict.")
    if size == 0:
        raise ValueError("The file is empty.")
    import pickle

    import torch  # here, not at the top: seconds to import, only this function needs it

    try:
        loaded = torch.load(io.BytesIO(bytes(data)), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        if "Weights only load failed" in str(exc):
            raise ValueError(
                "The file holds Python objects beyond tensors (probably a whole pickled model), "
                "which are never loaded for safety: save model.state_dict() instead.") from None
        raise ValueError("The file is truncated or was not written by torch.save.") from None
    except Exception:  # torch raises RuntimeError, EOFError, KeyError, ValueError, ...
        raise ValueError("The file is truncated or was not written by torch.save.") from None
    if not isinstance(loaded, Mapping):
        raise ValueError(f"The file holds an object of type {type(loaded).__name__}, not a state "
                         f"dict (save model.state_dict()).")
    arrays = {}
    for key, value in loaded.items():
        if not isinstance(key, str):
            raise ValueError(f"The file's dict has a key {key!r} that is not a string, so it is "
                             f"not a state dict.")
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"The file's entry {key!r} is not a tensor (type "
                             f"{type(value).__name__}), so the file is a checkpoint or another "
                             f"dict, not a state dict.")
        tensor = value.detach().cpu()
        if tensor.dtype in (torch.bfloat16, torch.float16):
            tensor = tensor.float()
        if tensor.is_complex() or tensor.is_quantized or tensor.is_sparse:
            raise ValueError(f"The file's tensor {key!r} is {tensor.dtype}, which convcore "
                             f"cannot compute with.")
        arrays[key] = tensor.numpy().copy()
    return arrays
