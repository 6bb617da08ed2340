"""The generated code runs and prints the app's numbers (issue 17).

PyTorch, Keras 3 (JAX backend: no TensorFlow) and JAX snippets are executed in-process (exec
with stdout captured) for a hypothesis sample of settings; the printed numbers must equal
convcore's. MXNet does not install on this Python: its snippets run against a stand-in
``mxnet`` module that implements MXNet's documented shape rules (symmetric padding only,
``convcore.frameworks.mxnet_pool_output_shape`` for pooling) and refuses anything else, so a
snippet that relies on something MXNet does not have fails here too.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import types

os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported: no TensorFlow

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcore import conv2d, max_pool2d
from convcore.frameworks import FRAMEWORKS, mxnet_pool_output_shape
from convcore.network import from_pytorch
from ui import code_panel
from ui import framework_code as FC

NUMBER = re.compile(r"-?(?:inf|nan|\d+\.?\d*(?:e[-+]?\d+)?)")
EXECUTED = ("PyTorch", "Keras", "JAX")


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "snippet"})
    return out.getvalue()


def printed_numbers(text: str) -> np.ndarray:
    return np.array([float(t) for t in NUMBER.findall(text)])


def assert_prints(snippet: FC.Snippet, expected: np.ndarray) -> None:
    assert snippet.code is not None, snippet
    got = printed_numbers(run(snippet.code))
    want = np.asarray(expected, dtype=np.float64).ravel()
    assert got.shape == want.shape, (snippet.framework, snippet.code, got, want)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-4, err_msg=snippet.code)


# --------------------------------------------------------------------------- MXNet stand-in


class _Param:
    def __init__(self):
        self.value = None

    def set_data(self, value):
        self.value = np.asarray(value, dtype=np.float64)


class _Conv2D:
    """Gluon ``Conv2D`` under MXNet's documented rules (symmetric zero padding)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, in_channels=0, use_bias=True):
        assert isinstance(padding, tuple) and len(padding) == 2, padding  # per axis, both sides
        self.args = (channels, kernel_size, strides, padding, dilation, groups)
        self.weight, self.bias = _Param(), _Param() if use_bias else None

    def initialize(self):
        pass

    def __call__(self, x):
        channels, ks, s, p, d, g = self.args
        x = np.asarray(x)
        assert self.weight.value.shape == (channels, x.shape[1] // g, *ks)
        y = conv2d(x, self.weight.value, None if self.bias is None else self.bias.value,
                   stride=s, padding=p, dilation=d, groups=g)
        rule = tuple((n + 2 * pp - dd * (k - 1) - 1) // ss + 1
                     for n, k, ss, pp, dd in zip(x.shape[2:], ks, s, p, d, strict=True))
        assert y.shape[2:] == rule
        return _ND(y)


class _Pool:
    """Gluon ``MaxPool2D`` / ``AvgPool2D``: padding is ignored by a maximum and counted by
    an average unless ``count_include_pad=False``; ``ceil_mode`` is "full"."""

    def __init__(self, kind, pool_size, strides=None, padding=(0, 0), ceil_mode=False,
                 count_include_pad=True):
        self.kind, self.ks, self.ss = kind, pool_size, strides or pool_size
        self.p, self.ceil, self.count_pad = padding, ceil_mode, count_include_pad

    def __call__(self, x):
        x = np.asarray(x)
        out = mxnet_pool_output_shape(x.shape[2:], self.ks, self.ss, self.p,
                                      "full" if self.ceil else "valid")
        (ph, pw), (kh, kw), (sh, sw) = self.p, self.ks, self.ss
        ends = [(o - 1) * s + k for o, s, k in zip(out, self.ss, self.ks, strict=True)]
        extra = [max(0, e - (n + 2 * p)) for e, n, p in zip(ends, x.shape[2:], self.p,
                                                             strict=True)]
        width = ((0, 0), (0, 0), (ph, ph + extra[0]), (pw, pw + extra[1]))
        if self.kind == "max":
            y = max_pool2d(np.pad(x, width, constant_values=-np.inf), self.ks, self.ss)
        else:
            inner = np.ones((x.shape[2] + 2 * ph, x.shape[3] + 2 * pw)) if self.count_pad \
                else np.pad(np.ones(x.shape[2:]), ((ph, ph), (pw, pw)))
            counted = np.pad(inner, ((0, extra[0]), (0, extra[1])))
            win = np.lib.stride_tricks.sliding_window_view
            total = win(np.pad(x, width), (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
            count = win(counted, (kh, kw))[::sh, ::sw].sum(axis=(-2, -1))
            with np.errstate(invalid="ignore", divide="ignore"):
                y = total.sum(axis=(-2, -1)) / count
        assert y.shape[2:] == out
        return _ND(y)


class _ND(np.ndarray):
    def __new__(cls, a):
        return np.asarray(a, dtype=np.float64).view(cls)

    def asnumpy(self):
        return np.asarray(self)


def _nd_pooling(x, kernel, stride, pool_type, p_value, pooling_convention="valid"):
    assert pool_type == "lp"
    x = np.asarray(x)
    out = mxnet_pool_output_shape(x.shape[2:], kernel, stride, 0, pooling_convention)
    win = np.lib.stride_tricks.sliding_window_view(x ** p_value, kernel, axis=(2, 3))
    sums = win[:, :, ::stride[0], ::stride[1]].sum(axis=(-2, -1))[:, :, :out[0], :out[1]]
    return _ND(sums ** (1 / p_value))


def fake_mxnet(monkeypatch) -> None:
    """Install the stand-in ``mxnet`` and ``mxnet.gluon`` modules (undone by ``monkeypatch``)."""
    mxnet, gluon = types.ModuleType("mxnet"), types.ModuleType("mxnet.gluon")
    nd = types.SimpleNamespace(array=lambda a: _ND(a), Pooling=_nd_pooling)
    nn = types.SimpleNamespace(
        Conv2D=_Conv2D,
        MaxPool2D=lambda **kw: _Pool("max", **kw), AvgPool2D=lambda **kw: _Pool("avg", **kw))
    mxnet.nd, mxnet.gluon, gluon.nn = nd, gluon, nn
    monkeypatch.setitem(sys.modules, "mxnet", mxnet)
    monkeypatch.setitem(sys.modules, "mxnet.gluon", gluon)


# --------------------------------------------------------------------------- convolution


@st.composite
def conv_specs(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    h, w = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    ks = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(
        st.sampled_from(["same", "valid"]),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                  st.tuples(st.integers(0, 2), st.integers(0, 2)))))
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    ints = st.integers(-3, 3).map(float)
    x = np.array(draw(st.lists(ints, min_size=c_in * h * w, max_size=c_in * h * w)))
    weight = np.array(draw(st.lists(ints, min_size=c_out * c_in // groups * ks[0] * ks[1],
                                    max_size=c_out * c_in // groups * ks[0] * ks[1])))
    bias = draw(st.none() | st.lists(ints, min_size=c_out, max_size=c_out).map(np.array))
    two_d = c_in == 1 and c_out == 1 and draw(st.booleans())
    x = x.reshape(h, w) if two_d else x.reshape(c_in, h, w)
    weight = weight.reshape(ks) if two_d else weight.reshape(c_out, c_in // groups, *ks)
    try:
        spec = FC.ConvSpec.build(x, weight, bias, stride=stride, padding=padding,
                                 dilation=dilation, groups=groups, padding_mode=mode,
                                 flipped=draw(st.booleans()))
        expected = spec.expected()
    except ValueError:
        assume(False)
    return spec, expected


@settings(max_examples=12, deadline=None)
@given(conv_specs())
def test_conv_snippets_print_convcores_output(case):
    spec, expected = case
    snippets = FC.conv_snippets(spec)
    assert [s.framework for s in snippets] == list(FRAMEWORKS)
    for snippet in snippets:
        if snippet.framework in EXECUTED:
            assert_prints(snippet, expected)


@settings(max_examples=15, deadline=None)
@given(conv_specs())
def test_mxnet_conv_snippets_follow_mxnets_rules(case):
    spec, expected = case
    with pytest.MonkeyPatch.context() as mp:
        fake_mxnet(mp)
        assert_prints(FC.conv_snippets(spec)[3], expected)


# --------------------------------------------------------------------------- pooling


@st.composite
def pool_specs(draw):
    kind = draw(st.sampled_from(["max", "avg", "lp"]))
    ks = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (0, 0) if kind == "lp" else (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if kind == "max" else (1, 1)
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(2, 6)), draw(st.integers(2, 6))
    low = 0 if kind == "lp" else -4
    x = np.array(draw(st.lists(st.integers(low, 4).map(float), min_size=c * h * w,
                               max_size=c * h * w))).reshape(c, h, w)
    try:
        spec = FC.PoolSpec.build(x[0] if c == 1 else x, kind, ks, stride, padding, dilation,
                                 draw(st.booleans()), draw(st.booleans()),
                                 draw(st.sampled_from([1.0, 2.0, 3.0])))
        expected = spec.expected()
    except ValueError:
        assume(False)
    assume(np.all(np.isfinite(expected)))
    return spec, expected


@settings(max_examples=25, deadline=None)
@given(pool_specs())
def test_pool_snippets_print_convcores_output(case):
    spec, expected = case
    for snippet in FC.pool_snippets(spec):
        if snippet.framework not in EXECUTED:
            continue
        if snippet.code is None:  # a framework without the operation: a sentence instead
            assert snippet.notes and all(code in code_panel.NOTE_TEXT
                                         for code, _ in snippet.notes)
            continue
        assert_prints(snippet, expected)


@settings(max_examples=15, deadline=None)
@given(pool_specs())
def test_mxnet_pool_snippets_follow_mxnets_rules(case):
    spec, expected = case
    snippet = FC.pool_snippets(spec)[3]
    if snippet.code is None:
        assert {"mxnet-no-pool-dilation", "mxnet-window-larger"} & {c for c, _ in snippet.notes}
        return
    with pytest.MonkeyPatch.context() as mp:
        fake_mxnet(mp)
        text = run(snippet.code)
    if not spec.ceil_mode:
        # MXNet's "valid" rounding is PyTorch's, and so are the numbers ("full" keeps windows
        # PyTorch's ceil mode drops: the stand-in checks its shape rule only)
        np.testing.assert_allclose(printed_numbers(text), np.ravel(expected), rtol=2e-5)


# --------------------------------------------------------------------------- the cases


CANNOT = [
    pytest.param(dict(padding="same", stride=2), "PyTorch", "torch-same-stride",
                 id="torch-same-stride2"),
    pytest.param(dict(padding=((0, 1), (1, 0))), "PyTorch", "torch-uneven-padding",
                 id="torch-uneven"),
    pytest.param(dict(padding=1, padding_mode="reflect"), "Keras", "keras-padding-mode",
                 id="keras-reflect"),
    pytest.param(dict(padding=1, padding_mode="circular"), "JAX", "jax-padding-mode",
                 id="jax-circular"),
    pytest.param(dict(padding=1, stride=2, dilation=2), "Keras", "keras-stride-by-slicing",
                 id="keras-stride-and-dilation"),
    pytest.param(dict(padding=1), "Keras", "keras-explicit-padding", id="keras-padding-1"),
    pytest.param(dict(padding=((0, 1), (0, 1))), "MXNet", "mxnet-uneven-padding",
                 id="mxnet-uneven"),
]


@pytest.mark.parametrize(("settings_", "framework", "reason"), CANNOT)
def test_a_setting_a_layer_cannot_say_gives_a_sentence_and_code_that_runs(settings_, framework,
                                                                          reason):
    spec = FC.ConvSpec.build(np.arange(49.0).reshape(7, 7), np.arange(9.0).reshape(3, 3) - 4,
                             **settings_)
    snippet = next(s for s in FC.conv_snippets(spec) if s.framework == framework)
    assert reason in [code for code, _ in snippet.notes]
    assert code_panel.note(reason, {"mode": spec.padding_mode})  # one sentence, no KeyError
    if framework in EXECUTED:
        assert_prints(snippet, spec.expected())


POOL_CANNOT = [
    pytest.param(dict(kind="max", kernel_size=(2, 3), stride=(2, 3), padding=(1, 2)),
                 "PyTorch", "torch-pool-explicit", id="mxnet-seed-in-pytorch"),
    pytest.param(dict(kind="avg", kernel_size=(2, 3), stride=(2, 3), padding=(1, 2),
                      count_include_pad=False),
                 "PyTorch", "torch-pool-explicit", id="mxnet-seed-avg-in-pytorch"),
    pytest.param(dict(kind="max", kernel_size=2, padding=1, dilation=2), "Keras",
                 "keras-no-pool-dilation", id="keras-dilated-max"),
    pytest.param(dict(kind="lp", kernel_size=2, norm_type=2.0), "Keras", "keras-no-lp-pool",
                 id="keras-lp"),
    pytest.param(dict(kind="avg", kernel_size=2, padding=1), "Keras", "keras-average-as-ratio",
                 id="keras-avg-padding"),
    pytest.param(dict(kind="max", kernel_size=2, padding=1, dilation=2), "MXNet",
                 "mxnet-no-pool-dilation", id="mxnet-dilated-max"),
]


@pytest.mark.parametrize(("settings_", "framework", "reason"), POOL_CANNOT)
def test_a_pooling_a_layer_cannot_say_gives_a_sentence_and_no_failing_code(settings_,
                                                                         framework, reason):
    spec = FC.PoolSpec.build(np.arange(16.0).reshape(4, 4) - 5, **settings_)
    snippet = next(s for s in FC.pool_snippets(spec) if s.framework == framework)
    assert reason in [code for code, _ in snippet.notes]
    if snippet.code is not None and framework in EXECUTED:
        assert_prints(snippet, spec.expected())


def test_the_mxnet_seed_pooling_runs_in_every_framework_with_mxnets_numbers():
    """``nn.MaxPool2D((2, 3), padding=(1, 2), strides=(2, 3))`` on 0…15 (the seed)."""
    spec = FC.PoolSpec.build(np.arange(16.0).reshape(4, 4), "max", (2, 3), (2, 3), (1, 2))
    expected = spec.expected()
    assert expected.shape == mxnet_pool_output_shape((4, 4), (2, 3), (2, 3), (1, 2))
    for snippet in FC.pool_snippets(spec)[:3]:
        assert_prints(snippet, expected)
    assert "mxnet-retired" in [code for code, _ in FC.pool_snippets(spec)[3].notes]


def test_every_reason_has_the_same_sentence_in_the_panel():
    codes = {**FC.EXTRA_NOTES, **{k: FC.note_text(k) for k in code_panel.NOTE_TEXT}}
    assert set(code_panel.NOTE_TEXT) == set(codes)
    for code, sentence in code_panel.NOTE_TEXT.items():
        assert sentence == FC.note_text(code), code


def test_a_large_input_is_generated_and_said_so():
    spec = FC.ConvSpec.build(np.random.default_rng(1).random((40, 40)), np.ones((3, 3)))
    for snippet in FC.conv_snippets(spec):
        assert ("input-generated", {}) in snippet.notes
        assert len(snippet.code.splitlines()) < 30
    x_line = next(line for line in FC.conv_snippets(spec)[0].code.splitlines()
                  if line.startswith("x ="))
    assert "default_rng(0)" in x_line


def test_an_arange_input_is_written_as_arange():
    spec = FC.ConvSpec.build(np.arange(64.0).reshape(8, 8), np.ones((3, 3)))
    assert "x = np.arange(64.0).reshape((1, 8, 8))" in FC.conv_snippets(spec)[0].code


# --------------------------------------------------------------------------- networks


def _small_network():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), torch.nn.Conv2d(2, 3, 2),
                                torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(27, 4),
                                torch.nn.Softmax(dim=1)).double()
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    return from_pytorch(str(model), state), state


def test_network_snippets_print_the_networks_output(tmp_path, monkeypatch):
    net, state = _small_network()
    np.savez(tmp_path / "weights.npz", **state)
    monkeypatch.chdir(tmp_path)
    x = np.random.default_rng(0).random((1, 1, 8, 8), dtype=np.float32)
    expected = net.forward(x.astype(np.float64))[-1]
    snippets = FC.network_snippets(net, (1, 8, 8))
    assert [s.framework for s in snippets] == list(FRAMEWORKS)
    for snippet in snippets[:3]:
        numbers = printed_numbers(run(snippet.code))
        np.testing.assert_array_equal(numbers[:2], expected.shape)  # print(y.shape)
        np.testing.assert_allclose(numbers[2:], expected.ravel(), rtol=1e-4, atol=1e-5,
                                   err_msg=snippet.code)
    assert "nn.HybridSequential()" in snippets[3].code


def test_a_network_layer_a_framework_lacks_gives_a_sentence():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.AdaptiveAvgPool2d(1))
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    snippets = FC.network_snippets(from_pytorch(str(model), state), (1, 6, 6))
    assert snippets[0].code is not None
    for snippet in snippets[1:]:
        assert snippet.code is None
        assert "network-unsupported" in [code for code, _ in snippet.notes]
