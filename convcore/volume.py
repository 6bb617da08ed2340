"""3-D convolution on a clip: a square moving across frames, and a 3×3×3 kernel that
responds to motion in one direction.

A clip is a ``(D, H, W)`` array: ``D`` frames of ``H×W`` pixels (time plays the role of
depth). The motion kernel looks, in each of its three frames, at a vertical bar of three
pixels and shifts the bar one column per frame: ``+`` along the path of an object moving
that way, ``−`` along the path of one moving the opposite way. Its response to the moving
square is positive where the square's edges move the kernel's way and negative for the
opposite motion (:func:`motion_kernel`, :func:`convcore.conv3d`).

    >>> from convcore import conv3d
    >>> clip = moving_square_clip(frames=5, size=9, square=3, direction="right")
    >>> out = conv3d(clip, motion_kernel("right"))
    >>> bool(out.max() > 0), bool(conv3d(clip, motion_kernel("left")).max() < out.max())
    (True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from convcore.shapes import as_tuple, conv_output_shape

__all__ = [
    "DIRECTIONS",
    "Conv3dShapes",
    "conv3d_shapes",
    "motion_kernel",
    "moving_square_clip",
]

#: Directions of motion, as (row, column) steps per frame.
DIRECTIONS = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}


def _direction(direction: str) -> tuple[int, int]:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {tuple(DIRECTIONS)}, not {direction!r}")
    return DIRECTIONS[direction]


def moving_square_clip(frames: int = 6, size: int = 12, square: int = 3, *,
                       direction: str = "right", speed: int = 1, start=None) -> np.ndarray:
    """A clip of a bright square (1) on a dark background (0) moving ``speed`` pixels per
    frame.

    Parameters
    ----------
    frames : int
        Number of frames ``D``.
    size : int or (int, int)
        Frame height and width.
    square : int
        Side of the square.
    direction : {"right", "left", "down", "up"}
    speed : int
        Pixels per frame (≥ 0).
    start : (int, int), optional
        Top-left corner in frame 0; default: centred across the motion, and placed so that
        the square stays in the frame for the whole clip when it can.

    Returns
    -------
    ndarray, shape (frames, H, W)
        float64. Parts of the square outside the frame are cut off.
    """
    (d,) = as_tuple(frames, 1, "frames")
    h, w = as_tuple(size, 2, "size")
    (side,) = as_tuple(square, 1, "square")
    (v,) = as_tuple(speed, 1, "speed", minimum=0)
    dr, dc = _direction(direction)
    travel = v * (d - 1)
    if start is None:
        top = (h - side) // 2 if dr == 0 else (0 if dr > 0 else max(h - side, travel))
        left = (w - side) // 2 if dc == 0 else (0 if dc > 0 else max(w - side, travel))
    else:
        top, left = as_tuple(start, 2, "start", minimum=-10**6)
    clip = np.zeros((d, h, w))
    for f in range(d):
        r0, c0 = top + dr * v * f, left + dc * v * f
        clip[f, max(r0, 0):max(r0 + side, 0), max(c0, 0):max(c0 + side, 0)] = 1.0
    return clip


def motion_kernel(direction: str = "right") -> np.ndarray:
    """A ``(3, 3, 3)`` kernel (frames, rows, columns) tuned to motion of one pixel per frame.

    Frame ``a`` of the kernel (``a = 0, 1, 2``) holds ``+1/3`` on the bar of pixels an object
    moving in ``direction`` crosses at time ``a`` and ``−1/3`` on the bar it would cross
    moving the opposite way (the two bars meet in the middle frame and cancel there). It
    sums to 0: a still image, or a uniform one, gives 0.

    Returns
    -------
    ndarray, shape (3, 3, 3)
    """
    dr, dc = _direction(direction)
    k = np.zeros((3, 3, 3))
    for a in range(3):
        shift = a - 1
        for sign, step in ((1.0, shift), (-1.0, -shift)):
            if dc:
                k[a, :, 1 + dc * step] += sign / 3
            else:
                k[a, 1 + dr * step, :] += sign / 3
    return k


@dataclass(frozen=True)
class Conv3dShapes:
    """Shapes and sizes of one ``nn.Conv3d`` layer.

    Attributes
    ----------
    in_shape : (int, int, int, int)
        ``(C_in, D, H, W)``.
    out_shape : (int, int, int, int)
        ``(C_out, D_out, H_out, W_out)``.
    weight_shape : (int, int, int, int, int)
        ``(C_out, C_in / groups, kd, kh, kw)``.
    params : int
        Weights plus biases.
    macs : int
        Multiply-adds for one clip (bias additions not counted).
    """

    in_shape: tuple[int, int, int, int]
    out_shape: tuple[int, int, int, int]
    weight_shape: tuple[int, int, int, int, int]
    params: int
    macs: int


def conv3d_shapes(in_channels: int, out_channels: int, in_dhw, kernel_size, stride=1,
                  padding=0, dilation=1, groups: int = 1, bias: bool = True) -> Conv3dShapes:
    """Output shape, weight shape, parameter count and multiply-adds of a ``conv3d`` layer.

    Examples
    --------
    >>> s = conv3d_shapes(3, 8, (16, 112, 112), 3, padding=1)
    >>> s.out_shape, s.weight_shape, s.params
    ((8, 16, 112, 112), (8, 3, 3, 3, 3), 656)
    """
    from convcore.channels import check_groups

    (c_in,) = as_tuple(in_channels, 1, "in_channels")
    (c_out,) = as_tuple(out_channels, 1, "out_channels")
    check_groups(c_in, c_out, groups)
    if not isinstance(bias, bool | np.bool_):
        raise TypeError(f"bias must be True or False, not {bias!r}")
    dhw = as_tuple(in_dhw, 3, "input size")
    ks = as_tuple(kernel_size, 3, "kernel_size")
    out = conv_output_shape(dhw, ks, stride, padding, dilation)
    weight = (c_out, c_in // groups, *ks)
    weights = math.prod(weight)
    macs = math.prod(weight[1:]) * c_out * math.prod(out)
    return Conv3dShapes((c_in, *dhw), (c_out, *out), weight,
                        weights + (c_out if bias else 0), macs)
