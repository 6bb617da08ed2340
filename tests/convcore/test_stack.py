"""Layer stacks (shapes, receptive field) and the generated PyTorch code, against PyTorch."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convcore.conv import conv2d
from convcore.padding import PADDING_MODES, same_padding_d2l
from convcore.shapes import conv_output_shape
from convcore.stack import (
    ConvLayer,
    ReceptiveField,
    StackError,
    layer_stack_shapes,
    pytorch_conv2d_code,
    receptive_field,
    receptive_field_growth,
    repeat_layer,
    unit_input_region,
)

# ----------------------------------------------------------------------------- shapes


def test_seed_240_through_ten_5x5_layers_gives_200():
    rows = layer_stack_shapes((240, 240), repeat_layer(10, 5))
    assert [row.out_hw[0] for row in rows] == list(range(236, 199, -4))
    assert rows[-1].out_hw == (200, 200)
    assert [row.field.size[0] for row in rows] == list(range(5, 42, 4))
    assert rows[0].in_hw == (240, 240)
    assert all(a.out_hw == b.in_hw for a, b in itertools.pairwise(rows))


def test_padding_keeps_the_shape_and_still_grows_the_field():
    rows = layer_stack_shapes((240, 240), repeat_layer(10, 5, padding=2))
    assert {row.out_hw for row in rows} == {(240, 240)}
    assert rows[-1].field == ReceptiveField((41, 41), (1, 1), (0.0, 0.0))


STACKS = [
    pytest.param((8, 8), [ConvLayer(3, padding=1)] * 3, id="three-k3-p1"),
    pytest.param((32, 28), [ConvLayer(3, stride=2, padding=1)] * 4, id="four-k3-s2"),
    pytest.param((17, 9), [ConvLayer((5, 3), padding=(2, 1)), ConvLayer(2, stride=2),
                           ConvLayer((3, 5), stride=(3, 4), padding=(0, 1))], id="mixed"),
    pytest.param((20, 20), [ConvLayer(3, dilation=2), ConvLayer(2, padding="same"),
                            ConvLayer(3, padding="full")], id="dilated-same-full"),
    pytest.param((9, 9), [dict(kernel_size=4, padding=((2, 1), (1, 2)), stride=2)],
                 id="asymmetric-mapping"),
]


def _torch_shapes(in_hw, layers):
    """Shapes after each layer, by running the layers in PyTorch (F.pad + conv2d)."""
    x = torch.zeros((1, 1, *in_hw), dtype=torch.float64)
    shapes = []
    for row in layer_stack_shapes(in_hw, layers):
        (top, bottom), (left, right) = row.pads
        w = torch.ones((1, 1, *row.kernel_size), dtype=torch.float64)
        x = torch.nn.functional.pad(x, (left, right, top, bottom))
        x = torch.nn.functional.conv2d(x, w, stride=row.stride, dilation=row.dilation)
        shapes.append(tuple(x.shape[2:]))
    return shapes


@pytest.mark.parametrize(("in_hw", "layers"), STACKS)
def test_stack_shapes_match_pytorch(in_hw, layers):
    rows = layer_stack_shapes(in_hw, layers)
    assert [row.out_hw for row in rows] == _torch_shapes(in_hw, layers)
    assert [row.layer for row in rows] == list(range(1, len(layers) + 1))


def test_a_layer_that_gives_nothing_names_itself_and_keeps_the_rows_before():
    with pytest.raises(StackError, match=r"layer 3 of 5 gets a 4×4 input") as info:
        layer_stack_shapes((12, 12), repeat_layer(5, 5))
    assert info.value.layer == 3
    assert [row.out_hw for row in info.value.rows] == [(8, 8), (4, 4)]
    assert "larger than the 4×4 input" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_no_layers_is_an_empty_stack_with_a_one_cell_field():
    assert repeat_layer(0, 3) == []
    assert layer_stack_shapes((5, 5), []) == []
    assert receptive_field([]) == ReceptiveField((1, 1), (1, 1), (0.0, 0.0))


@pytest.mark.parametrize(
    ("layers", "error", "match"),
    [
        pytest.param([ConvLayer(3, stride=2, padding="same")], ValueError, "stride 1",
                     id="same-with-stride"),
        pytest.param([dict(kernel=3)], TypeError, "unknown setting", id="unknown-key"),
        pytest.param(["3x3"], TypeError, "ConvLayer or a mapping", id="not-a-layer"),
        pytest.param([ConvLayer(0)], ValueError, "kernel_size must be positive", id="k0"),
        pytest.param([ConvLayer(3, padding=-1)], ValueError, "at least 0", id="negative-pad"),
    ],
)
def test_bad_layers_explain(layers, error, match):
    with pytest.raises(error, match=match):
        layer_stack_shapes((8, 8), layers)


def test_repeat_layer_rejects_a_negative_count():
    with pytest.raises(ValueError, match="number of layers"):
        repeat_layer(-1, 3)


# ----------------------------------------------------------------------------- receptive field


@pytest.mark.parametrize(
    ("layers", "size", "jump"),
    [
        pytest.param(repeat_layer(3, 3), (7, 7), (1, 1), id="three-k3"),
        pytest.param([ConvLayer(3, stride=2), ConvLayer(3)], (7, 7), (2, 2), id="k3s2-k3"),
        pytest.param([ConvLayer(2, stride=2)] * 3, (8, 8), (8, 8), id="three-k2s2"),
        pytest.param([ConvLayer(3, dilation=(1, 2)), ConvLayer(3, dilation=(2, 4))],
                     (7, 13), (1, 1), id="dilated"),
        pytest.param([ConvLayer((1, 5), stride=(1, 3)), ConvLayer((3, 1))], (3, 5), (1, 3),
                     id="one-axis-each"),
    ],
)
def test_receptive_field_sizes(layers, size, jump):
    field = receptive_field(layers)
    assert (field.size, field.jump) == (size, jump)
    assert receptive_field_growth(layers)[-1] == field


def _torch_field_box(in_hw, layers, i, j):
    """Rows and columns of the input that output cell (i, j) depends on, by autograd."""
    x = torch.zeros((1, 1, *in_hw), dtype=torch.float64, requires_grad=True)
    y = x
    for row in layer_stack_shapes(in_hw, layers):
        (top, bottom), (left, right) = row.pads
        w = torch.ones((1, 1, *row.kernel_size), dtype=torch.float64)
        y = torch.nn.functional.pad(y, (left, right, top, bottom))
        y = torch.nn.functional.conv2d(y, w, stride=row.stride, dilation=row.dilation)
    y[0, 0, i, j].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    return (rows.min(), rows.max()), (cols.min(), cols.max())


layer_strategy = st.builds(
    ConvLayer,
    kernel_size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
)


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(layer_strategy, min_size=1, max_size=3), data=st.data())
def test_receptive_field_is_what_autograd_sees(layers, data):
    in_hw = (48, 40)
    try:
        rows = layer_stack_shapes(in_hw, layers)
    except StackError:
        assume(False)
    field = rows[-1].field
    out_h, out_w = rows[-1].out_hw
    # An output cell whose whole field lies on the input (not clipped by the border).
    inside = []
    for axis, (n, count) in enumerate(zip(in_hw, (out_h, out_w), strict=True)):
        half = (field.size[axis] - 1) / 2
        centres = [field.start[axis] + k * field.jump[axis] for k in range(count)]
        inside.append([k for k, c in enumerate(centres) if c - half >= 0 and c + half <= n - 1])
    assume(inside[0] and inside[1])
    i = data.draw(st.sampled_from(inside[0]))
    j = data.draw(st.sampled_from(inside[1]))
    box = _torch_field_box(in_hw, layers, i, j)
    for axis, k in enumerate((i, j)):
        centre = field.start[axis] + k * field.jump[axis]
        half = (field.size[axis] - 1) / 2
        assert box[axis] == (centre - half, centre + half)


def _torch_paths(in_hw, layers, depth, i, j):
    """d unit / d input with every weight 1, by autograd: the number of paths per input cell."""
    x = torch.zeros((1, 1, *in_hw), dtype=torch.float64, requires_grad=True)
    y = x
    for row in layer_stack_shapes(in_hw, layers)[:depth]:
        (top, bottom), (left, right) = row.pads
        w = torch.ones((1, 1, *row.kernel_size), dtype=torch.float64)
        y = torch.nn.functional.pad(y, (left, right, top, bottom))
        y = torch.nn.functional.conv2d(y, w, stride=row.stride, dilation=row.dilation)
    y[0, 0, i, j].backward()
    return x.grad[0, 0].numpy()


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(layer_strategy, min_size=1, max_size=4), data=st.data())
def test_a_units_input_region_is_what_autograd_sees(layers, data):
    in_hw = (30, 26)
    try:
        rows = layer_stack_shapes(in_hw, layers)
    except StackError:
        assume(False)
    depth = data.draw(st.integers(1, len(rows)))
    out_h, out_w = rows[depth - 1].out_hw
    i, j = data.draw(st.integers(0, out_h - 1)), data.draw(st.integers(0, out_w - 1))
    region = unit_input_region(in_hw, layers, (i, j), layer=depth)
    expected = _torch_paths(in_hw, layers, depth, i, j)
    np.testing.assert_array_equal(region.paths, expected)
    np.testing.assert_array_equal(region.mask, expected > 0)
    # The reached cells lie inside the receptive field's box, which the recurrence gives.
    (top, bottom), (left, right) = region.field_box
    assert bottom - top + 1 == rows[depth - 1].field.size[0]
    assert right - left + 1 == rows[depth - 1].field.size[1]
    reached_r, reached_c = np.nonzero(region.mask)
    if region.box is None:
        assert not region.mask.any()
    else:
        assert region.box == ((reached_r.min(), reached_r.max()),
                              (reached_c.min(), reached_c.max()))
        assert top <= reached_r.min() and reached_r.max() <= bottom
        assert left <= reached_c.min() and reached_c.max() <= right


def test_three_3x3_layers_see_a_7x7_region_weighted_towards_the_centre():
    region = unit_input_region((9, 9), repeat_layer(3, 3), (1, 1))
    assert region.layer == 3
    assert region.field_box == region.box == ((1, 7), (1, 7))
    # Paths per cell: the 1-D counts 1 3 6 7 6 3 1 (three box filters), outer product.
    counts = np.array([1, 3, 6, 7, 6, 3, 1])
    np.testing.assert_array_equal(region.paths[1:8, 1:8], np.outer(counts, counts))
    assert region.paths.sum() == 27**2
    # The unit of layer 1 sees its 3×3 window only.
    first = unit_input_region((9, 9), repeat_layer(3, 3), (4, 4), layer=1)
    assert first.box == ((4, 6), (4, 6))


def test_a_corner_unit_of_a_padded_stack_is_clipped_by_the_border():
    region = unit_input_region((8, 8), repeat_layer(2, 3, padding=1), (0, 0))
    assert region.field_box == ((-2, 2), (-2, 2))
    assert region.box == ((0, 2), (0, 2))


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        pytest.param(((8, 8), [], (0, 0)), {}, ValueError, "layers is empty", id="no-layers"),
        pytest.param(((8, 8), repeat_layer(2, 3), (0, 0)), {"layer": 3}, ValueError,
                     "layer must be between 1 and 2", id="layer-too-deep"),
        pytest.param(((8, 8), repeat_layer(2, 3), (4, 0)), {}, ValueError,
                     r"unit \(4, 0\) is outside layer 2's 4×4 output", id="unit-outside"),
        pytest.param(((8, 8), repeat_layer(2, 3), (-1, 0)), {}, ValueError,
                     "unit must be at least 0", id="unit-negative"),
    ],
)
def test_input_region_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        unit_input_region(*args, **kwargs)


# ----------------------------------------------------------------------------- PyTorch code


def _run(code_obj):
    """Exec the generated code; return its namespace (x, conv, y, ...)."""
    torch.manual_seed(0)
    namespace: dict = {}
    exec(compile(code_obj.code, "<generated>", "exec"), namespace)
    return namespace


def _assert_code_matches(in_hw, kernel_size, stride, padding, dilation, mode):
    generated = pytorch_conv2d_code(in_hw, kernel_size, stride, padding, dilation, mode)
    ns = _run(generated)
    expected = conv_output_shape(in_hw, kernel_size, stride, padding, dilation)
    assert tuple(ns["y"].shape) == (1, 1, *expected)
    assert generated.out_hw == expected
    assert f"# (1, 1, {expected[0]}, {expected[1]})" in generated.code
    # Not only the shape: the values equal convcore's with the same weights, so the
    # padding went to the right sides with the right mode.
    conv = ns["conv"]
    ours = conv2d(ns["x"].numpy().astype(np.float64),
                  conv.weight.detach().numpy().astype(np.float64),
                  conv.bias.detach().numpy().astype(np.float64), stride=stride,
                  padding=padding, dilation=dilation, padding_mode=mode)
    np.testing.assert_allclose(ns["y"].detach().numpy(), ours, rtol=1e-5, atol=1e-5)
    return generated


SEED_CODE = [
    pytest.param(3, 1, 1, "nn.Conv2d(1, 1, kernel_size=3, padding=1)", id="k3-p1"),
    pytest.param((5, 3), 1, (2, 1), "nn.Conv2d(1, 1, kernel_size=(5, 3), padding=(2, 1))",
                 id="k5x3-p2x1"),
    pytest.param(3, 2, 1, "nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)", id="k3-p1-s2"),
    pytest.param((3, 5), (3, 4), (0, 1),
                 "nn.Conv2d(1, 1, kernel_size=(3, 5), stride=(3, 4), padding=(0, 1))",
                 id="k3x5-p0x1-s3x4"),
]


@pytest.mark.parametrize(("kernel_size", "stride", "padding", "line"), SEED_CODE)
def test_seed_examples_give_the_books_conv2d_line(kernel_size, stride, padding, line):
    generated = _assert_code_matches((8, 8), kernel_size, stride, padding, 1, "zeros")
    assert f"conv = {line}" in generated.code
    assert not generated.uses_f_pad
    assert "F.pad" not in generated.code


CODE_CASES = [
    pytest.param((6, 7), (2, 4), 1, "same", 1, "zeros", False, id="same-even-kernel"),
    pytest.param((6, 7), (2, 4), 1, same_padding_d2l((2, 4)), 1, "zeros", True,
                 id="d2l-same-even-kernel"),
    pytest.param((5, 5), 3, 1, ((1, 0), (0, 2)), 1, "reflect", True, id="one-sided-reflect"),
    pytest.param((5, 5), 3, 2, ((2, 1), (1, 1)), 1, "replicate", True, id="uneven-replicate"),
    pytest.param((4, 6), 3, 1, ((0, 0), (3, 1)), 1, "circular", True, id="uneven-circular"),
    pytest.param((7, 7), 3, 1, "full", 2, "zeros", False, id="full-dilated"),
    pytest.param((7, 7), 3, 1, "valid", 1, "reflect", False, id="valid-reflect"),
    pytest.param((8, 9), (3, 2), (2, 1), (1, 2), (2, 1), "circular", False,
                 id="symmetric-circular-strided-dilated"),
    pytest.param((8, 8), 4, 1, "same", 1, "reflect", False, id="same-reflect"),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize(("in_hw", "kernel_size", "stride", "padding", "dilation", "mode",
                          "uses_f_pad"), CODE_CASES)
def test_generated_code_runs_and_matches(in_hw, kernel_size, stride, padding, dilation, mode,
                                         uses_f_pad):
    generated = _assert_code_matches(in_hw, kernel_size, stride, padding, dilation, mode)
    assert generated.uses_f_pad is uses_f_pad
    assert ("F.pad" in generated.code) is uses_f_pad


def test_code_notes_explain_the_choices():
    uneven = pytorch_conv2d_code((6, 6), 2, padding=same_padding_d2l(2))
    assert "(left, right, top, bottom)" in uneven.code
    assert "F.pad(x, (1, 0, 1, 0))" in uneven.code
    assert any("top 1, bottom 0, left 1, right 0" in note for note in uneven.notes)
    full = pytorch_conv2d_code((6, 6), 3, padding="full")
    assert "padding=2" in full.code
    assert any('no padding="full"' in note for note in full.notes)
    same = pytorch_conv2d_code((6, 6), 2, padding="same")
    assert 'padding="same"' in same.code
    assert any("bottom/right" in note for note in same.notes)
    valid = pytorch_conv2d_code((6, 6), 3, padding_mode="reflect")
    assert "padding_mode" not in valid.code
    assert any("changes nothing" in note for note in valid.notes)
    channels = pytorch_conv2d_code((6, 6), 3, in_channels=3, out_channels=8)
    assert "nn.Conv2d(3, 8, kernel_size=3)" in channels.code
    assert "torch.randn(1, 3, 6, 6)" in channels.code


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param(dict(in_hw=(4, 4), kernel_size=5), ValueError, "larger than", id="big-k"),
        pytest.param(dict(in_hw=(8, 8), kernel_size=3, stride=2, padding="same"), ValueError,
                     "stride 1", id="same-stride"),
        pytest.param(dict(in_hw=(8, 8), kernel_size=3, padding_mode="mirror"), ValueError,
                     "padding_mode", id="bad-mode"),
    ],
)
def test_code_for_impossible_settings_explains(kwargs, error, match):
    with pytest.raises(error, match=match):
        pytorch_conv2d_code(**kwargs)


pads_strategy = st.tuples(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                          st.tuples(st.integers(0, 3), st.integers(0, 3)))


@settings(max_examples=60, deadline=None)
@given(
    in_hw=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    kernel_size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.one_of(pads_strategy, st.sampled_from(["valid", "same", "full"])),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    mode=st.sampled_from(PADDING_MODES),
)
def test_generated_code_matches_for_any_settings(in_hw, kernel_size, stride, padding, dilation,
                                                 mode):
    try:
        generated = pytorch_conv2d_code(in_hw, kernel_size, stride, padding, dilation, mode)
        # convcore refuses what PyTorch refuses (reflect/circular padding too large).
        conv2d(np.zeros(in_hw), np.zeros(kernel_size), stride=stride, padding=padding,
               dilation=dilation, padding_mode=mode)
    except ValueError:
        assume(False)
    assert generated.out_hw == conv_output_shape(in_hw, kernel_size, stride, padding, dilation)
    _assert_code_matches(in_hw, kernel_size, stride, padding, dilation, mode)
