"""3-D: the moving-square clip, the motion kernel (conv3d against PyTorch float64) and the
shapes and parameter counts of conv3d layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convcore import conv3d
from convcore.volume import DIRECTIONS, conv3d_shapes, motion_kernel, moving_square_clip

OPPOSITE = {"right": "left", "left": "right", "down": "up", "up": "down"}


def _torch_conv3d(clip, kernel, **kwargs):
    x = torch.tensor(clip, dtype=torch.float64)[None, None]
    k = torch.tensor(kernel, dtype=torch.float64)[None, None]
    return F.conv3d(x, k, **kwargs)[0, 0].numpy()


def test_clip_moves_the_square_one_pixel_per_frame():
    clip = moving_square_clip(frames=4, size=(6, 10), square=2, direction="right")
    assert clip.shape == (4, 6, 10)
    for f in range(4):
        rows, cols = np.nonzero(clip[f])
        assert rows.min() == 2 and cols.min() == f and clip[f].sum() == 4
    up = moving_square_clip(frames=3, size=8, square=2, direction="up", speed=2)
    assert [np.nonzero(frame)[0].min() for frame in up] == [6, 4, 2]


@pytest.mark.parametrize("direction", list(DIRECTIONS))
def test_motion_kernel_prefers_its_direction(direction):
    kernel = motion_kernel(direction)
    assert kernel.shape == (3, 3, 3) and kernel.sum() == pytest.approx(0.0)
    along = moving_square_clip(6, 12, 3, direction=direction)
    against = moving_square_clip(6, 12, 3, direction=OPPOSITE[direction])
    out_along, out_against = conv3d(along, kernel), conv3d(against, kernel)
    np.testing.assert_allclose(out_along, _torch_conv3d(along, kernel), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(out_against, _torch_conv3d(against, kernel), rtol=1e-12,
                               atol=1e-12)
    assert out_along.shape == (4, 10, 10)
    assert out_along.max() > 0 and out_along.sum() > 0
    assert out_against.sum() < 0
    assert out_against.max() < out_along.max()
    # the kernel for the opposite direction is this one negated: the responses swap sign
    np.testing.assert_array_equal(motion_kernel(OPPOSITE[direction]), -kernel)


def test_a_still_square_gives_no_response():
    still = moving_square_clip(5, 10, 3, direction="right", speed=0)
    assert np.abs(conv3d(still, motion_kernel("right"))).max() == pytest.approx(0.0, abs=1e-15)


SHAPE_CASES = [
    pytest.param(dict(in_channels=3, out_channels=8, in_dhw=(16, 112, 112), kernel_size=3,
                      padding=1), id="c3d-first-layer"),
    pytest.param(dict(in_channels=1, out_channels=1, in_dhw=(6, 12, 12), kernel_size=3),
                 id="motion-kernel"),
    pytest.param(dict(in_channels=4, out_channels=6, in_dhw=(9, 10, 11),
                      kernel_size=(3, 2, 1), stride=(2, 1, 3), dilation=(1, 2, 1), groups=2,
                      bias=False), id="strided-dilated-grouped"),
]


@pytest.mark.parametrize("kwargs", SHAPE_CASES)
def test_conv3d_shapes_equal_torch_layer(kwargs):
    shapes = conv3d_shapes(**kwargs)
    layer = torch.nn.Conv3d(kwargs["in_channels"], kwargs["out_channels"],
                            kwargs["kernel_size"], stride=kwargs.get("stride", 1),
                            padding=kwargs.get("padding", 0),
                            dilation=kwargs.get("dilation", 1), groups=kwargs.get("groups", 1),
                            bias=kwargs.get("bias", True))
    out = layer(torch.zeros(1, kwargs["in_channels"], *kwargs["in_dhw"]))
    assert shapes.out_shape == tuple(out.shape[1:])
    assert shapes.weight_shape == tuple(layer.weight.shape)
    assert shapes.params == sum(p.numel() for p in layer.parameters())
    assert shapes.macs == layer.weight[0].numel() * out[0].numel()


def test_errors():
    with pytest.raises(ValueError, match="direction"):
        motion_kernel("diagonal")
    with pytest.raises(ValueError, match="larger than"):
        conv3d_shapes(1, 1, (2, 8, 8), 3)
    with pytest.raises(ValueError, match="groups"):
        conv3d_shapes(3, 4, (4, 4, 4), 1, groups=2)
