"""The 1-D sliding-window trace and arithmetic: equal to the 2-D machinery on a 1×N input, to
conv1d and to PyTorch's conv1d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore import cell_arithmetic, conv1d, window_trace
from convcore.trace import cell_arithmetic_1d, resolve_padding_1d, window_trace_1d

TORCH_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
               "circular": "circular"}


def _torch_conv1d(x, k, stride, pads, dilation, padding_mode, bias):
    xt = torch.tensor(np.atleast_2d(x), dtype=torch.float64)[None]
    xt = F.pad(xt, pads, mode=TORCH_MODES[padding_mode])
    kt = torch.tensor(np.atleast_2d(k), dtype=torch.float64)[None]
    bt = torch.tensor([bias], dtype=torch.float64)
    return F.conv1d(xt, kt, bt, stride=stride, dilation=dilation)[0, 0].numpy()


@st.composite
def conv1d_settings(draw):
    k, d, s = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    form = draw(st.sampled_from(["int", "pair", "causal", "valid", "same", "full"]))
    if form == "same":
        s = 1
    span = d * (k - 1) + 1
    padding = {"int": draw(st.integers(0, 2)),
               "pair": (draw(st.integers(0, 3)), draw(st.integers(0, 3))),
               "causal": (span - 1, 0), "valid": "valid", "same": "same", "full": "full"}[form]
    channels = draw(st.integers(1, 2))
    length = draw(st.integers(max(span, 4), span + 8))
    mode = draw(st.sampled_from(sorted(TORCH_MODES)))
    pads = resolve_padding_1d(padding, k, stride=s, dilation=d)
    if (mode == "reflect" and max(pads) >= length) or (mode == "circular" and max(pads) > length):
        mode = "zeros"
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-4, 5, (channels, length)).astype(float)
    w = rng.integers(-3, 4, (channels, k)).astype(float)
    bias = float(draw(st.integers(-2, 2)))
    return x, w, dict(stride=s, padding=padding, dilation=d), mode, bias


@settings(max_examples=60, deadline=None)
@given(conv1d_settings())
def test_1d_arithmetic_equals_conv1d_torch_and_the_2d_machinery(problem):
    x, w, geometry, mode, bias = problem
    trace = window_trace_1d(x.shape[1], w.shape[1], **geometry)
    ours = conv1d(x, w[None], [bias], stride=trace.stride, padding=(trace.pads,),
                  dilation=trace.dilation, padding_mode=mode)[0]
    theirs = _torch_conv1d(x, w, trace.stride, trace.pads, trace.dilation, mode, bias)
    np.testing.assert_array_equal(ours, theirs)
    assert trace.out_length == len(ours)
    for i in trace.steps():
        cell = cell_arithmetic_1d(x, w, i, **geometry, bias=bias, padding_mode=mode)
        assert cell.total == theirs[i]
        flat = cell_arithmetic(x[:, None, :], w[:, None, :], 0, i, stride=(1, trace.stride),
                               padding=((0, 0), trace.pads), dilation=(1, trace.dilation),
                               bias=bias, padding_mode=mode)
        assert cell.text() == flat.text()
        assert [(t.kernel, t.input, t.source, t.value) for t in cell.terms] == [
            (t.kernel[1], t.input and t.input[1], t.source and t.source[1], t.value)
            for t in flat.terms]


@settings(max_examples=60, deadline=None)
@given(conv1d_settings())
def test_1d_trace_is_the_2d_trace_of_one_row(problem):
    x, w, geometry, _, _ = problem
    trace = window_trace_1d(x.shape[1], w.shape[1], **geometry)
    flat = window_trace((1, x.shape[1]), (1, w.shape[1]), (1, trace.stride),
                        ((0, 0), trace.pads), (1, trace.dilation))
    assert flat.out_hw == (1, trace.out_length)
    np.testing.assert_array_equal(trace.input_positions, flat.input_cols[0, :, 0, :])
    np.testing.assert_array_equal(trace.is_padding, trace.input_positions < 0)
    for i in trace.steps():
        taps = trace.window(i)
        assert [(t.kernel, t.padded, t.input) for t in taps] == [
            (t.kernel[1], t.padded[1], t.input and t.input[1]) for t in flat.window(0, i)]
        left, right = trace.window_box(i)
        assert (left, right) == (taps[0].padded, taps[-1].padded)
        assert right - left + 1 == trace.kernel_span
    for n in range(trace.length):
        fed = trace.outputs_fed_by(n)
        assert fed == sorted((i, t.kernel) for i in trace.steps() for t in trace.window(i)
                             if t.input == n)
    reached = {t.input for i in trace.steps() for t in trace.window(i)} - {None}
    assert trace.unreached_input_cells().tolist() == [
        n not in reached for n in range(trace.length)]


ARITHMETIC_CASES = [
    pytest.param([0, 1, 2, 3], [1, -1], 0, {}, "0×1 + 1×(−1) = −1", id="difference"),
    pytest.param([1, 4, 9, 16], [1, -2, 1], 1, {}, "4×1 + 9×(−2) + 16×1 = 2",
                 id="second-difference"),
    pytest.param([3, 6, 9], [1, 1, 1], 0, dict(padding=(2, 0)), "0×1 + 0×1 + 3×1 = 3",
                 id="causal-zero-padding"),
    pytest.param([3, 6, 9], [1, 1, 1], 0, dict(padding=1, padding_mode="replicate"),
                 "3×1 + 3×1 + 6×1 = 12", id="replicate"),
    pytest.param([1, 2, 3, 4, 5, 6], [1, 10], 1, dict(dilation=3, stride=2),
                 "3×1 + 6×10 = 63", id="stride-and-dilation"),
    pytest.param([[1, 2], [3, 4]], [[1, 0], [0, 1]], 0, dict(bias=0.5),
                 "(1×1 + 2×0) + (3×0 + 4×1) + 0.5 = 5.5", id="two-channels-bias"),
]


@pytest.mark.parametrize(("x", "k", "i", "kwargs", "text"), ARITHMETIC_CASES)
def test_arithmetic_text(x, k, i, kwargs, text):
    assert cell_arithmetic_1d(x, k, i, **kwargs).text() == text


def test_causal_trace_sees_only_the_past():
    trace = window_trace_1d(6, 3, padding=(2, 0))
    assert trace.out_length == 6
    assert all(t.input is None or t.input <= i for i in trace.steps() for t in trace.window(i))
    assert [t.input for t in trace.window(0)] == [None, None, 0]


@pytest.mark.parametrize(("call", "error", "match"), [
    pytest.param(lambda: window_trace_1d(3, 5), ValueError, "larger than", id="too-long"),
    pytest.param(lambda: window_trace_1d((1, 3), 1), TypeError, "length must be an integer",
                 id="length-tuple"),
    pytest.param(lambda: window_trace_1d(4, 2).window(3), ValueError, "outside the output",
                 id="output-cell"),
    pytest.param(lambda: window_trace_1d(4, 2).outputs_fed_by(4), ValueError,
                 "outside the signal", id="signal-cell"),
    pytest.param(lambda: cell_arithmetic_1d(np.zeros((2, 2, 2)), [1], 0), ValueError,
                 r"\(C, L\)", id="rank"),
    pytest.param(lambda: cell_arithmetic_1d([[1, 2]], [[1], [1]], 0), ValueError,
                 "channel", id="channels"),
    pytest.param(lambda: window_trace_1d(4, 2, stride=2, padding="same"), ValueError,
                 "stride 1", id="same-strided"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
