"""convcore.units: every unit's parts add up to the forward pass's value, and the windows are
the input cells PyTorch's layer reads (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convcore.network import from_pytorch
from convcore.units import (
    AdaptivePoolUnit,
    ConvUnit,
    DenseUnit,
    ElementwiseUnit,
    PoolUnit,
    conv_unit,
    dense_unit,
    pool_unit,
    run_network,
    unit_details,
)


def make_run(model: nn.Module, in_shape, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    model = model.double().eval()
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.copy_(torch.randn(value.shape, generator=g, dtype=value.dtype))
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    x = np.random.default_rng(seed).normal(size=in_shape)
    return run_network(from_pytorch(str(model), state), x), model, x


def lenet():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2,
                                   padding_mode="reflect"),
                         nn.Sigmoid(), nn.AvgPool2d(2, padding=1), nn.AdaptiveAvgPool2d((2, 3)),
                         nn.Flatten(), nn.Linear(36, 5), nn.Tanh(), nn.Linear(5, 3))


@pytest.fixture(scope="module")
def case():
    return make_run(lenet(), (2, 10, 12))


CONV_CELLS = [
    pytest.param(0, (0, 0, 0), id="corner-on-padding"),
    pytest.param(0, (3, 4, 7), id="interior"),
    pytest.param(0, (2, 9, 11), id="far-corner"),
    pytest.param(3, (0, 0, 0), id="grouped-reflect-corner"),
    pytest.param(3, (5, 1, 2), id="second-group"),
]


@pytest.mark.parametrize(("layer", "cell"), CONV_CELLS)
def test_conv_unit_adds_up_to_the_forward_pass(case, layer, cell):
    run, model, _x = case
    unit = conv_unit(run, layer, *cell)
    assert isinstance(unit, ConvUnit)
    np.testing.assert_allclose(unit.partial_sums.sum() + unit.bias, unit.total, rtol=1e-12)
    np.testing.assert_allclose(unit.total, run.activations[layer][cell], rtol=1e-12, atol=1e-12)
    assert unit.output == run.activations[layer][cell]
    # each channel's partial sum is the window times the kernel slice
    np.testing.assert_allclose((unit.windows * unit.kernels).sum(axis=(1, 2)),
                               unit.partial_sums, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(unit.kernels, model[layer].weight.detach().numpy()[cell[0]])
    # the value after the next layer is that layer applied to the total
    activation = run.activations[layer + 1][cell]
    assert unit.activation_layer == layer + 1 and unit.activation == activation


def test_conv_unit_windows_are_the_padded_input_pytorch_reads(case):
    run, model, _x = case
    layer = model[3]  # reflect padding 1, stride 2, groups 2
    padded = F.pad(torch.from_numpy(run.input_of(3))[None], (1, 1, 1, 1),
                   mode="reflect")[0].numpy()
    unit = conv_unit(run, 3, 5, 1, 2)
    assert unit.input_channels == (2, 3)  # output 5 is in the second group of 2 input channels
    top, left, bottom, right = unit.trace.window_box(1, 2)
    np.testing.assert_array_equal(unit.windows, padded[2:4, top:bottom + 1, left:right + 1])
    assert layer.stride == unit.trace.stride


def test_conv_unit_marks_padding(case):
    run, _, _ = case
    unit = conv_unit(run, 0, 0, 0, 0)
    np.testing.assert_array_equal(unit.is_padding, [[True, True, True], [True, False, False],
                                                    [True, False, False]])
    assert np.all(unit.windows[:, unit.is_padding] == 0)


def test_dense_unit_contributions_and_sources(case):
    run, _model, _ = case
    unit = dense_unit(run, 8, 3, top=36)
    assert isinstance(unit, DenseUnit)
    np.testing.assert_allclose(unit.total, run.activations[8][3], rtol=1e-12)
    np.testing.assert_allclose(unit.contributions.sum() + unit.bias, unit.output, rtol=1e-12)
    order = np.abs(unit.contributions[list(unit.top)])
    assert np.all(order[:-1] >= order[1:]) and sorted(unit.top) == list(range(36))
    maps = run.activations[6]  # (6, 2, 3), flattened by layer 7
    for k, source in zip(unit.top, unit.sources, strict=True):
        assert unit.inputs[k] == maps[source]
    assert unit.activation_layer == 9 and unit.activation == run.activations[9][3]


def test_dense_unit_after_a_dense_layer_has_no_map_sources(case):
    run, _, _ = case
    unit = dense_unit(run, 10, 0, top=2)
    assert unit.sources == (None, None) and unit.activation is None


def test_max_pool_unit_winner(case):
    run, _, _ = case
    unit = pool_unit(run, 2, 1, 2, 3)
    assert isinstance(unit, PoolUnit)
    plane = run.input_of(2)[1]
    window = plane[4:6, 6:8]
    assert unit.details.result == window.max() == run.activations[2][1, 2, 3]
    assert plane[unit.details.winner] == window.max()


def test_avg_pool_unit_counts_padding_like_pytorch(case):
    run, _, _ = case
    unit = pool_unit(run, 5, 0, 0, 0)
    assert unit.details.divisor == 4  # count_include_pad=True: the padded corner counts
    np.testing.assert_allclose(unit.details.result, run.activations[5][0, 0, 0], rtol=1e-12)


def test_adaptive_pool_unit_block(case):
    run, _, _ = case
    unit = pool_unit(run, 6, 4, 1, 2)
    assert isinstance(unit, AdaptivePoolUnit)
    np.testing.assert_allclose(unit.values.mean(), unit.result, rtol=1e-12)
    assert unit.result == run.activations[6][4, 1, 2]


def test_unit_details_dispatches_every_kind(case):
    run, _, _ = case
    kinds = {k: type(unit_details(run, k, (0,) if run.activations[k].ndim == 1 else (0, 0, 0)))
             for k in range(len(run.activations))}
    assert kinds == {0: ConvUnit, 1: ElementwiseUnit, 2: PoolUnit, 3: ConvUnit,
                     4: ElementwiseUnit, 5: PoolUnit, 6: AdaptivePoolUnit, 7: ElementwiseUnit,
                     8: DenseUnit, 9: ElementwiseUnit, 10: DenseUnit}
    flat = unit_details(run, 7, (13,))
    assert flat.input == flat.output == run.activations[7][13]


def test_probabilities_sum_to_one(case):
    run, model, x = case
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)[None]), 1)[0].numpy()
    np.testing.assert_allclose(run.probabilities, expected, rtol=1e-12)


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda r: conv_unit(r, 1, 0, 0, 0), r"layer 1: ReLU\(\) is a ReLU, not a Conv2d",
                 id="not-conv"),
    pytest.param(lambda r: conv_unit(r, 0, 4, 0, 0), r"\(4, 0, 0\) is outside the output of "
                 r"shape \(4, 10, 12\)", id="outside"),
    pytest.param(lambda r: unit_details(r, 11, (0,)), r"layer must be an index from 0 to 10",
                 id="no-such-layer"),
    pytest.param(lambda r: unit_details(r, 8, (0, 0, 0)), r"a Linear unit is given as \(unit,\)",
                 id="wrong-index-form"),
    pytest.param(lambda r: dense_unit(r, 8, 0, top=0), "top must be a positive integer",
                 id="top"),
])
def test_unit_errors(case, call, message):
    run, _, _ = case
    with pytest.raises(ValueError, match=message):
        call(run)


def test_run_network_takes_one_image(case):
    run, _, x = case
    with pytest.raises(ValueError, match="one image"):
        run_network(run.network, x[None])
